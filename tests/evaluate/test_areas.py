"""Response by police grid: simulated calls grouped by the grid holding their village."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import box

from dispatch import District, SimulationParams, simulate
from dispatch.evaluate.areas import OUTSIDE, response_by_area
from dispatch.plan import police_grids


def test_each_grid_reports_the_calls_of_its_villages(tiny: District) -> None:
    cells = [
        {"id": "north", "geometry": box(3_000, 8_000, 9_000, 14_000), "calls": 40.0},
        {"id": "west", "geometry": box(-3_000, -3_000, 3_000, 3_000), "calls": 160.0},
        {"id": "east", "geometry": box(9_000, 0, 15_000, 6_000), "calls": 100.0},
    ]
    plan = police_grids(cells, n_grids=2, balance=None, contiguity="none")
    area_of = plan.area_of({v.id: v.location for v in tiny.villages if v.id != "shuishi-town"})
    assert set(area_of) == {"yantang", "zhuoshui-town"}
    result = simulate(tiny, params=SimulationParams(horizon=60 * 86_400.0, seed=3, replications=2))
    table = response_by_area(result, tiny, area_of, title="Response by police grid")
    rows = {row[0]: row for row in table.rows}
    village = np.concatenate([run.village for run in result.runs])
    response = np.concatenate([run.response for run in result.runs])
    assert sum(row[1] for row in table.rows) == len(village)
    for area, row in rows.items():
        members = [i for i, v in enumerate(tiny.village_ids) if area_of.get(v, OUTSIDE) == area]
        mine = response[np.isin(village, members)]
        assert row[1] == len(mine)
        assert row[2] == pytest.approx(np.nanmean(mine) / 60)
    assert OUTSIDE in rows  # shuishi-town was left out
