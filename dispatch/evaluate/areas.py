"""Response times by area: police grid, station or any grouping of villages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..district import District
from ..texttable import Table
from .metrics import TARGETS, response_metrics, within
from .simulation import SimulationResult

__all__ = ["OUTSIDE", "response_by_area"]

OUTSIDE = "(none)"
"""The area of villages no area holds."""


def response_by_area(
    result: SimulationResult,
    district: District,
    area_of: Mapping[str, str],
    *,
    title: str = "Response by area",
    targets: Sequence[float] = TARGETS,
) -> Table:
    """Calls, mean and 90th-percentile response (minutes) and the share reached
    within each target, one row an area, over every replication.

    ``area_of`` maps village ids to areas (a police grid, say: see
    :meth:`dispatch.plan.GridPlan.area_of`); villages it leaves out count under
    :data:`OUTSIDE`.

    Examples
    --------
    >>> from dispatch import SimulationParams, simulate
    >>> from dispatch.datasets import zhuoshui_shuishi
    >>> case = zhuoshui_shuishi()
    >>> result = simulate(case, params=SimulationParams(horizon=30 * 86_400.0, seed=1))
    >>> table = response_by_area(result, case, {"yantang": "north", "zhuoshui-town": "south", "shuishi-town": "south"})
    >>> [row[0] for row in table.rows]
    ['north', 'south']
    """
    areas = np.array([area_of.get(v, OUTSIDE) for v in district.village_ids])
    village = np.concatenate([run.village for run in result.runs])
    response = np.concatenate([run.response for run in result.runs])
    rows = []
    for area in sorted(set(areas.tolist())):
        calls = np.isin(village, np.flatnonzero(areas == area))
        found = response_metrics(response[calls], targets)
        rows.append(
            (
                area,
                int(calls.sum()),
                found["mean"] / 60,
                found["p90"] / 60,
                *(100 * found[within(t)] for t in targets),
            )
        )
    columns = ("area", "calls", "mean (min)", "p90 (min)", *(f"within {t / 60:g} min (%)" for t in targets))
    return Table(title, columns, tuple(rows), ("", ",", ".1f", ".1f", *(".1f" for _ in targets)))
