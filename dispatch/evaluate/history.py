"""Incident history: calls from a 110 / CAD export matched to a district's
villages, replayed, or fitted as a demand model.

A call goes to the village it names (id, else a unique name), else to the village
grid (polygon) that contains it, else to the nearest village within
``max_distance``. Calls that match nothing are dropped and counted by reason.
From the matched calls come each village's yearly rate, the 24-hour profile, the
priority shares and the on-scene times.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from ..district import District
from ..errors import InputError, listed
from ..io.incidents import CHINA_TIME, Calls, read_calls
from ..texttable import Table
from .demand import SECONDS_PER_YEAR, DemandParams, IncidentStream, ServiceParams

__all__ = ["History", "match_calls", "read_incidents"]

DEFAULT_PRIORITY = 2
"""The priority of a call whose export gives none."""


@dataclass(frozen=True)
class History:
    """Calls matched to villages: ``village[k]`` indexes ``village_ids`` for each
    kept call; ``dropped`` maps each reason to the rows left out for it."""

    calls: Calls
    village_ids: tuple[str, ...]
    kept: NDArray[np.int64]
    village: NDArray[np.int64]
    dropped: dict[str, list[str]]

    def __len__(self) -> int:
        return len(self.kept)

    @property
    def times(self) -> NDArray[np.float64]:
        """Call times (seconds) of the kept calls."""
        return self.calls.time[self.kept]

    @property
    def span(self) -> float:
        """Seconds the history covers: whole days from the first call's midnight
        (China Standard Time) for date-times, else first to last call (at least
        a day)."""
        times = self.times
        if not len(times):
            return 86_400.0
        if self.calls.clock:
            first = _midnight(float(times.min()))
            return max(86_400.0, math.ceil((float(times.max()) - first + 1) / 86_400.0) * 86_400.0)
        return max(86_400.0, float(times.max() - times.min()))

    def rates(self) -> NDArray[np.float64]:
        """Calls a year at each village."""
        counts = np.bincount(self.village, minlength=len(self.village_ids)).astype(np.float64)
        return counts * SECONDS_PER_YEAR / self.span

    def profile(self) -> tuple[float, ...] | None:
        """The share of calls in each hour of the day (``None`` without date-times)."""
        if not self.calls.clock or not len(self):
            return None
        hours = [datetime.fromtimestamp(float(t), CHINA_TIME).hour for t in self.times]
        counts = np.bincount(hours, minlength=24).astype(np.float64)
        return tuple(float(c) for c in counts / counts.sum())

    def priorities(self) -> dict[int, float] | None:
        """The share of each priority (``None`` when the export gives none)."""
        given = self.calls.priority[self.kept]
        given = given[given > 0]
        if not len(given):
            return None
        counts = Counter(given.tolist())
        return {int(p): n / len(given) for p, n in sorted(counts.items())}

    def service(self) -> ServiceParams | None:
        """On-scene times as an empirical distribution (``None`` when unknown)."""
        samples = self.calls.service[self.kept]
        samples = samples[~np.isnan(samples)]
        if not len(samples):
            return None
        return ServiceParams(kind="empirical", samples=tuple(float(s) for s in np.sort(samples)))

    def demand(self, base: DemandParams) -> DemandParams:
        """``base`` with what the history shows in place of the settings ``base``
        leaves at their defaults: the profile, priorities and on-scene times."""
        fitted: dict[str, Any] = {}
        for name, value in (
            ("profile", self.profile()),
            ("priorities", self.priorities()),
            ("service", self.service()),
        ):
            if value is not None and name not in base.model_fields_set:
                fitted[name] = value
        return base.replace(**fitted)

    def stream(self, service: ServiceParams | None = None, seed: int = 0) -> IncidentStream:
        """The kept calls to replay, in time order from the first call (seconds);
        on-scene times the export lacks are drawn from ``service``, priorities it
        lacks are :data:`DEFAULT_PRIORITY`."""
        times = self.times
        order = np.argsort(times, kind="stable")
        drawn = self.calls.service[self.kept].copy()
        absent = np.isnan(drawn)
        if absent.any():
            drawn[absent] = (service or ServiceParams()).draw(np.random.default_rng(seed), int(absent.sum()))
        priority = self.calls.priority[self.kept]
        priority = np.where(priority > 0, priority, DEFAULT_PRIORITY)
        start = float(times.min()) if self.calls.clock and len(times) else 0.0
        return IncidentStream(
            self.village_ids, (times - start)[order], self.village[order], priority[order], drawn[order]
        )

    def table(self) -> Table:
        """Calls kept and dropped, by reason."""
        rows: list[list[Any]] = [["matched to a village", len(self)]]
        rows += [[f"dropped: {reason}", len(where)] for reason, where in sorted(self.dropped.items())]
        return Table(f"Calls in {self.calls.source}", ("", "calls"), tuple(tuple(r) for r in rows), ("", ",d"))


def _midnight(timestamp: float) -> float:
    moment = datetime.fromtimestamp(timestamp, CHINA_TIME)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def match_calls(
    calls: Calls, district: District, *, areas: Mapping[str, Any] | None = None, max_distance: float = 5_000.0
) -> History:
    """Match each call to a village of ``district`` (see the module notes);
    ``areas`` maps village ids to their grid polygons.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from dispatch.datasets import zhuoshui_shuishi
    >>> from dispatch.io import read_calls
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "110.csv"
    >>> _ = path.write_text("报警时间,村\\n2024/7/1 10:05,yantang\\n2024/7/1 11:00,nowhere\\n")
    >>> history = match_calls(read_calls(path), zhuoshui_shuishi())
    >>> len(history), {k: len(v) for k, v in history.dropped.items()}
    (1, {'names no village of the district': 1})
    """
    ids = district.village_ids
    by_id = district.village_index
    names = Counter(v.name for v in district.villages if v.name)
    by_name = {v.name: i for i, v in enumerate(district.villages) if v.name and names[v.name] == 1}
    village = np.full(len(calls), -1, dtype=np.int64)
    dropped: dict[str, list[str]] = {reason: list(rows) for reason, rows in calls.dropped.items()}

    def drop(k: int, reason: str) -> None:
        dropped.setdefault(reason, []).append(calls.where(k))

    placed = np.asarray(~np.isnan(calls.xy).any(axis=1))
    named = np.array([given is not None for given in calls.village], dtype=bool)
    unmatched = np.flatnonzero(placed & ~named).tolist()
    for k in np.flatnonzero(~placed & ~named).tolist():
        drop(k, "gives no place")
    for k in np.flatnonzero(named).tolist():
        given = calls.village[k]
        found = by_id.get(given, by_name.get(given, -1))
        if found >= 0:
            village[k] = found
        elif names.get(given, 0) > 1:
            drop(k, "names a village name shared by several villages")
        elif placed[k]:
            unmatched.append(k)
        else:
            drop(k, "names no village of the district")
    todo = np.array(sorted(unmatched), dtype=np.int64)
    if len(todo):
        village[todo] = _locate(calls.xy[todo], district, areas or {}, max_distance)
        for k in todo[village[todo] < 0].tolist():
            drop(k, f"lies in no village grid and over {max_distance:,.0f} m from every village")
    kept = np.flatnonzero(village >= 0)
    return History(calls, ids, kept, village[kept], dropped)


def _locate(xy: NDArray[np.float64], district: District, areas: Mapping[str, Any], max_distance: float) -> NDArray[Any]:
    """The village (grid first, then nearest point) of each point, ``-1`` if none."""
    from scipy.spatial import cKDTree

    locations = np.array([v.location for v in district.villages], dtype=np.float64).reshape(-1, 2)
    distance, nearest = cKDTree(locations).query(xy)
    found = np.full(len(xy), -1, dtype=np.int64)
    if areas:
        grid = np.full(len(locations), None, dtype=object)
        for village, area in areas.items():
            grid[district.village_index[village]] = area
        # most points lie in their nearest village's grid: test that one first, then search every grid
        mine = np.flatnonzero(grid[nearest] != None)  # noqa: E711 (elementwise)
        inside = np.zeros(len(xy), dtype=bool)
        inside[mine] = shapely.contains_xy(grid[nearest[mine]], xy[mine, 0], xy[mine, 1])
        found[inside] = nearest[inside]
        rest = np.flatnonzero(~inside)
        owners = np.array([district.village_index[v] for v in areas], dtype=np.int64)
        point, area = shapely.STRtree(list(areas.values())).query(shapely.points(xy[rest]), predicate="within")
        found[rest[point]] = owners[area]
    unplaced = found < 0
    found[unplaced] = np.where(distance[unplaced] <= max_distance, nearest[unplaced], -1)
    return found


def read_incidents(
    path: str | Path, district: District, *, service: ServiceParams | None = None, seed: int = 0
) -> IncidentStream:
    """Replay historical calls from a file (any format :func:`~dispatch.io.read_calls`
    reads).

    Columns: ``time`` (seconds, or date-times counted from the first call),
    ``village`` (a village id or name of ``district``) or a location, optional
    ``priority`` (default 2) and optional ``service_time`` (seconds; drawn from
    ``service`` with ``seed`` when absent). Rows are sorted by time. A call that
    matches no village is an error, listed with its row.
    """
    history = match_calls(read_calls(path, to_crs=district.roads.crs), district)
    if history.dropped:
        lines = [f"{where}: {reason}" for reason, rows in history.dropped.items() for where in rows]
        raise InputError(f"{history.calls.source} has calls that match no village", listed(lines))
    return history.stream(service, seed)
