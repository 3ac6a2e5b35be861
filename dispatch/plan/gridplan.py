"""What :func:`~dispatch.plan.police_grids` returns: the police grids, the verdict
on each independent part, and the comparison with the current grids."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from ..model import EmergencyUnit
from ..texttable import Table
from .cells import Cells
from .contiguity import Link
from .result import SolverResult, Status

__all__ = ["Grid", "GridComparison", "GridPart", "GridPlan", "Spread"]

OVERRUN_NOTED = 0.1
"""Seconds past the time limit from which the summary mentions the overrun."""


@dataclass(frozen=True)
class Grid:
    """One police grid: its cells, centre cell, workload, population and the
    workload-weighted distance (or road time) from its centre to its cells."""

    id: str
    nest: str | None
    centre: str
    cells: tuple[str, ...]
    workload: float
    population: float
    cost: float


@dataclass(frozen=True)
class GridPart:
    """One independent problem (a nest, or the whole area) and how it was solved;
    ``fallback``: the grids are the heuristic's, the exact model having found
    none within the time limit."""

    nest: str | None
    cells: int
    grids: int
    low: float
    high: float
    status: Status
    objective: float
    bound: float
    solver: str
    solve_time: float
    fallback: bool = False


@dataclass(frozen=True)
class Spread:
    """How a set of grids spreads workload and how compact it is."""

    grids: int
    mean: float
    smallest: float
    largest: float
    deviation: float  # largest |workload - mean| / mean
    cv: float  # standard deviation / mean
    compactness: float  # workload-weighted mean distance (or time) to the centre
    broken: int  # grids that are not contiguous

    @classmethod
    def of(cls, loads: NDArray[np.float64], cost: float, broken: int) -> Spread:
        """The spread of grids with ``loads`` costing ``cost`` in all."""
        mean = float(loads.mean())
        return cls(
            grids=len(loads),
            mean=mean,
            smallest=float(loads.min()),
            largest=float(loads.max()),
            deviation=float(np.abs(loads - mean).max() / mean) if mean > 0 else 0.0,
            cv=float(loads.std() / mean) if mean > 0 else 0.0,
            compactness=cost / max(float(loads.sum()), 1e-12),
            broken=broken,
        )


@dataclass(frozen=True)
class GridComparison:
    """The planned grids against the current ones on the same cells."""

    current: Spread
    planned: Spread
    changed: int  # cells whose grid changed (current and planned grids matched by overlap)
    cells: int
    unit: str

    def table(self) -> Table:
        """Workload spread, compactness and cells changed, side by side."""
        rows: list[tuple[str, str, str]] = []
        for name, attribute, scale, fmt in (
            ("grids", "grids", 1, ",.0f"),
            ("mean workload", "mean", 1, ",.1f"),
            ("smallest workload", "smallest", 1, ",.1f"),
            ("largest workload", "largest", 1, ",.1f"),
            ("largest deviation from the mean (%)", "deviation", 100, ".1f"),
            ("coefficient of variation (%)", "cv", 100, ".1f"),
            (f"mean {self.unit} to the centre", "compactness", 1, ",.0f"),
            ("grids not contiguous", "broken", 1, ",.0f"),
        ):
            current, planned = (format(getattr(s, attribute) * scale, fmt) for s in (self.current, self.planned))
            rows.append((name, current, planned))
        rows.append(("cells changing grid", "", f"{self.changed:,} of {self.cells:,}"))
        return Table("Current and planned police grids", ("", "current", "planned"), tuple(rows), ("", "", ""))


@dataclass(frozen=True, kw_only=True)
class GridPlan(SolverResult):
    """Police grids over village or community grid cells.

    ``labels`` maps each cell id to its grid id; ``grids`` lists the grids;
    ``parts`` gives the verdict on each independent problem (one per nest);
    ``links`` the islands linked to their nearest cell; ``comparison`` the
    planned grids against the current ones, when given. ``objective`` is the
    workload-weighted distance (metres) or road time (seconds) from every cell to
    its grid's centre, plus any penalties; ``bound`` is proven; ``status`` is
    ``optimal`` only when every part is proven optimal. ``solver`` names the
    methods: ``districts`` or ``assignment`` (exact, with the MIP solver), or
    ``heuristic``. A time limit never fails: a part whose exact model found no
    grids in time takes the heuristic's (:attr:`fallbacks` names them), the
    heuristic finishing its work past the limit if it must; ``overrun`` is the
    time spent past the limit (seconds).
    """

    grids: tuple[Grid, ...]
    labels: dict[str, str]
    parts: tuple[GridPart, ...]
    links: tuple[Link, ...] = ()
    comparison: GridComparison | None = None
    unit: str = "m"
    overrun: float = 0.0
    cells: Cells = field(repr=False)

    @property
    def fallbacks(self) -> tuple[str, ...]:
        """The parts (nest values, ``""`` for all cells) whose grids are the
        heuristic's because the exact model found none within the time limit."""
        return tuple(p.nest or "" for p in self.parts if p.fallback)

    @property
    def centres(self) -> dict[str, str]:
        """Grid id -> its centre cell."""
        return {g.id: g.centre for g in self.grids}

    @property
    def workloads(self) -> dict[str, float]:
        """Grid id -> its workload."""
        return {g.id: g.workload for g in self.grids}

    def polygons(self) -> dict[str, Any]:
        """Grid id -> its cells dissolved into one (Multi)Polygon, in the cells' CRS."""
        index = self.cells.index
        return {g.id: shapely.union_all(self.cells.geometry[[index[c] for c in g.cells]]) for g in self.grids}

    def area_of(self, points: Mapping[str, tuple[float, float]]) -> dict[str, str]:
        """The grid holding each named point (in the cells' CRS); points outside
        every cell are left out. ``plan.area_of({v.id: v.location for v in
        district.villages})`` gives each village's police grid."""
        names = list(points)
        where = shapely.points([points[n] for n in names])
        point, cell = shapely.STRtree(self.cells.geometry).query(where, predicate="intersects")
        found: dict[str, str] = {}
        for p, c in sorted(zip(point.tolist(), cell.tolist())):
            found.setdefault(names[p], self.labels[self.cells.ids[c]])
        return found

    def emergency_units(self, points: Mapping[str, tuple[float, float]]) -> tuple[EmergencyUnit, ...]:
        """A minimal emergency unit for each police grid that holds one of the
        named points (villages, in the cells' CRS), based at the one nearest its
        centre cell: ``district.replace(emergency_units=plan.emergency_units({v.id:
        v.location for v in district.villages}))``."""
        inside = self.area_of(points)
        centres = {g.id: self.cells.anchors[self.cells.index[g.centre]] for g in self.grids}
        nearest: dict[str, tuple[float, str]] = {}
        for village, grid in sorted(inside.items()):
            far = float(np.hypot(*(np.asarray(points[village]) - centres[grid])))
            nearest[grid] = min(nearest.get(grid, (math.inf, "")), (far, village))
        return tuple(EmergencyUnit(id=f"{g.id}-unit", village=nearest[g.id][1]) for g in self.grids if g.id in nearest)

    def spread(self) -> Spread:
        """Workload spread and compactness of the grids."""
        loads = np.array([g.workload for g in self.grids])
        return Spread.of(loads, sum(g.cost for g in self.grids), 0)

    def summary(self) -> str:
        """Grids, workload band, compactness and the solver's verdict."""
        spread = self.spread()
        proven = sum(p.status == "optimal" for p in self.parts)
        lines = [
            f"{len(self.grids)} police grids over {len(self.labels):,} cells in {len(self.parts)} part(s), "
            f"{proven} proven optimal",
            f"workload {spread.smallest:,.1f} to {spread.largest:,.1f} a grid (mean {spread.mean:,.1f}, "
            f"largest deviation {spread.deviation:.1%}); mean {self.unit} to the centre {spread.compactness:,.0f}",
        ]
        if self.links:
            lines.append(f"{len(self.links)} island(s) linked to their nearest cell")
        if self.fallbacks:
            lines.append(
                f"{len(self.fallbacks)} part(s) from the heuristic, the exact model having found no grids within "
                f"the time limit (* in the parts table): {', '.join(p or '(all)' for p in self.fallbacks)}"
            )
        if self.overrun >= OVERRUN_NOTED:
            lines.append(f"the time limit was overrun by {self.overrun:,.1f} s")
        return "\n".join([*lines, self.verdict()])

    def table(self) -> Table:
        """One row a grid: nest, centre, cells, workload, population, distance."""
        rows = tuple(
            (g.id, g.nest or "", g.centre, len(g.cells), g.workload, g.population, g.cost / max(g.workload, 1e-12))
            for g in self.grids
        )
        return Table(
            "Police grids",
            ("grid", "nest", "centre", "cells", "workload", "population", f"mean {self.unit} to centre"),
            rows,
            ("", "", "", ",", ",.1f", ",.0f", ",.0f"),
        )

    def parts_table(self) -> Table:
        """One row a part: cells, grids, band, verdict and time; ``*`` marks the
        solver of a part whose grids are the heuristic's for want of time."""
        rows = tuple(
            (
                p.nest or "(all)",
                p.cells,
                p.grids,
                "" if not math.isfinite(p.low) else f"{p.low:,.1f}-{p.high:,.1f}",
                p.status,
                p.objective,
                100 * (p.objective - p.bound) / max(abs(p.objective), 1e-12),
                p.solver + ("*" if p.fallback else ""),
                p.solve_time,
            )
            for p in self.parts
        )
        return Table(
            "Parts solved",
            ("part", "cells", "grids", "workload band", "status", "objective", "gap (%)", "solver", "time (s)"),
            rows,
            ("", ",", ",", "", "", ",.0f", ".2f", "", ".2f"),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: the verdict, labels, grids and parts."""
        return super().to_dict() | {
            "labels": dict(self.labels),
            "grids": [g.__dict__ | {"cells": list(g.cells)} for g in self.grids],
            "parts": [p.__dict__ for p in self.parts],
            "links": [k.__dict__ for k in self.links],
            "unit": self.unit,
            "overrun": self.overrun,
        }
