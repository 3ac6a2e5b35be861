"""One districting problem: split cells into grids around centre cells.

A solution gives each cell the centre cell of its grid. It costs the sum over
cells of ``cost[cell, centre]`` (workload-weighted distance or road time, plus any
penalty for leaving the current grid), plus ``penalty`` per unit of workload
outside the balance band when the band is soft. The heuristic
(:mod:`~dispatch.plan.regions`) and the exact models
(:mod:`~dispatch.plan.districting`) both solve a :class:`Districting`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix

from .contiguity import is_connected
from .result import Status

__all__ = ["Districting", "Solution"]


@dataclass(frozen=True, eq=False)
class Districting:
    """Split ``n`` cells into ``p`` grids, each around one of its cells.

    Attributes
    ----------
    cost
        ``cost[i, j]``: cell ``i`` in the grid centred at cell ``j`` (``inf``:
        not allowed); ``cost[j, j]`` is 0.
    distance
        ``distance[i, j]``: metres or seconds from centre ``j`` to cell ``i``
        (guides the heuristic's growth).
    load
        Each cell's workload.
    p
        Number of grids.
    low, high
        Each grid's workload band (``-inf``, ``inf`` without balance).
    penalty
        ``None``: the band is a hard rule; otherwise the cost of one unit of
        workload outside it.
    graph
        Which cells touch (islands linked); ``None`` when grids need not be
        contiguous.
    """

    cost: NDArray[np.float64]
    distance: NDArray[np.float64]
    load: NDArray[np.float64]
    p: int
    low: float = -math.inf
    high: float = math.inf
    penalty: float | None = None
    graph: csr_matrix | None = None

    @property
    def n(self) -> int:
        """Number of cells."""
        return len(self.load)

    @property
    def hard_band(self) -> bool:
        """Whether the balance band must hold."""
        return self.penalty is None and (math.isfinite(self.low) or math.isfinite(self.high))

    def outside(self, loads: NDArray[np.float64]) -> NDArray[np.float64]:
        """How far each grid's load lies outside the band."""
        return np.maximum(loads - self.high, 0.0) + np.maximum(self.low - loads, 0.0)

    def grid_loads(self, centre: NDArray[np.int64]) -> NDArray[np.float64]:
        """The load of the grid centred at each cell (0 where no grid is)."""
        return np.bincount(centre, weights=self.load, minlength=self.n).astype(np.float64)

    def objective(self, centre: NDArray[np.int64]) -> float:
        """What ``centre`` costs, balance penalty included."""
        total = float(self.cost[np.arange(self.n), centre].sum())
        if self.penalty is not None:
            centres = np.unique(centre)
            total += self.penalty * float(self.outside(self.grid_loads(centre)[centres]).sum())
        return total

    def problems(self, centre: NDArray[np.int64]) -> list[str]:
        """Every rule ``centre`` breaks (empty when feasible)."""
        found = []
        centres = np.unique(centre)
        if len(centres) != self.p or not (centre[centres] == centres).all():
            found.append(f"{len(centres)} grids instead of {self.p}, or a centre outside its grid")
        if not np.isfinite(self.cost[np.arange(self.n), centre]).all():
            found.append("a cell in a grid it may not join")
        if self.hard_band and self.outside(self.grid_loads(centre)[centres]).max() > 1e-9 * max(1.0, self.high):
            found.append("a grid outside the balance band")
        if self.graph is not None and not all(is_connected(np.flatnonzero(centre == c), self.graph) for c in centres):
            found.append("a grid that is not contiguous")
        return found

    def trivial_bound(self) -> float:
        """A bound no solution beats: every cell but ``p`` centres pays at least
        its cheapest way into another cell's grid."""
        off = self.cost + np.diag(np.full(self.n, np.inf))
        cheapest = np.where(np.isfinite(off).any(axis=1), off.min(axis=1), 0.0)
        return float(np.sort(cheapest)[: self.n - self.p].sum())

    def best_centre(self, members: NDArray[np.int64]) -> int:
        """The member that serves the others at least cost (``-1`` if none may)."""
        totals = self.cost[np.ix_(members, members)].sum(axis=0)
        k = int(np.argmin(totals))
        return int(members[k]) if math.isfinite(totals[k]) else -1


@dataclass(frozen=True)
class Solution:
    """Each cell's centre, with the verdict of the method that found it;
    ``fallback``: the heuristic's grids, the exact model having found none in
    time."""

    centre: NDArray[np.int64]
    objective: float
    bound: float
    status: Status
    solver: str
    build_time: float = 0.0
    solve_time: float = 0.0
    fallback: bool = False
