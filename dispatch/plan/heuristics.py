"""Fast feasible solutions: the warm starts and fallbacks of the exact models.

- :func:`greedy_interchange`: the p-median by greedy addition, then best-improvement
  vertex interchange (Teitz & Bart 1968, evaluated for all swaps at once as in
  Whitaker's fast interchange);
- :func:`capacitated_assignment` and :func:`capacitated_search`: single-source
  assignment within capacities by regret, improved by shifts and median moves;
- :func:`greedy_cover`: greedy set cover, and greedy maximal coverage.

Every function here is deterministic and bounded by a deadline
(``time.perf_counter()`` seconds).
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "capacitated_assignment",
    "capacitated_search",
    "finite_costs",
    "greedy_cover",
    "greedy_interchange",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def finite_costs(costs: FloatArray) -> FloatArray:
    """``costs`` with each ``inf`` replaced by a penalty above any finite total."""
    finite = np.isfinite(costs)
    if finite.all():
        return costs
    penalty = 1.0 + float(costs[finite].max(initial=0.0)) * costs.shape[0] * 2
    return np.where(finite, costs, penalty)


def _nearest_two(costs: FloatArray, sites: IntArray) -> tuple[IntArray, FloatArray, FloatArray]:
    """For each client: the position (in ``sites``) of its nearest site, that cost,
    and the cost of its second nearest (``inf`` with one site)."""
    sub = costs[:, sites]
    if len(sites) == 1:
        return np.zeros(len(costs), dtype=np.int64), sub[:, 0].copy(), np.full(len(costs), np.inf)
    two = np.argpartition(sub, 1, axis=1)[:, :2]
    rows = np.arange(len(costs))
    first, second = sub[rows, two[:, 0]], sub[rows, two[:, 1]]
    swap = second < first
    nearest = np.where(swap, two[:, 1], two[:, 0])
    return nearest, np.minimum(first, second), np.maximum(first, second)


def greedy_interchange(
    costs: FloatArray,
    weights: FloatArray,
    p: int,
    deadline: float,
    *,
    fixed: IntArray | None = None,
) -> IntArray:
    """Sites of a good p-median: greedy addition, then the best swap while one
    improves (or until ``deadline``). ``fixed`` sites stay open.

    ``costs`` must be finite (see :func:`finite_costs`).
    """
    n_sites = costs.shape[1]
    weighted = costs * weights[:, None]
    is_open = np.zeros(n_sites, dtype=bool)
    if fixed is not None and len(fixed):
        is_open[fixed] = True
        served = weighted[:, fixed].min(axis=1)
    else:
        served = np.full(len(costs), np.inf)
    while is_open.sum() < p:
        totals = np.minimum(served[:, None], weighted).sum(axis=0)
        totals[is_open] = np.inf
        best = int(np.argmin(totals))
        is_open[best] = True
        served = np.minimum(served, weighted[:, best])
    sites = np.flatnonzero(is_open)
    movable = np.ones(n_sites, dtype=bool)
    if fixed is not None:
        movable[fixed] = False
    while time.perf_counter() < deadline:
        nearest, first, second = _nearest_two(weighted, sites)
        # Opening j alone changes each client's cost to min(first, w c_ij).
        with_j = np.minimum(first[:, None], weighted)
        gain = (with_j - first[:, None]).sum(axis=0)
        # Closing site r as well: its clients fall back to min(second, w c_ij).
        extra = np.minimum(second[:, None], weighted) - with_j
        loss = np.zeros((len(sites), n_sites))
        np.add.at(loss, nearest, extra)
        delta = gain[None, :] + loss
        delta[:, is_open] = np.inf
        delta[~movable[sites], :] = np.inf
        r, j = np.unravel_index(int(np.argmin(delta)), delta.shape)
        if delta[r, j] >= -1e-9 * max(1.0, float(first.sum())):
            break
        is_open[sites[r]], is_open[j] = False, True
        sites = np.flatnonzero(is_open)
    return sites


def capacitated_assignment(
    costs: FloatArray, demand: FloatArray, capacity: FloatArray, sites: IntArray, *, self_served: bool = True
) -> IntArray | None:
    """Assign each client to one of ``sites`` within capacity by regret: the
    client that would lose most by not getting its best site goes first.

    With ``self_served`` each open site serves its own client (``costs`` square).
    ``None`` when the greedy order leaves a client without room.
    """
    n = len(costs)
    assignment = np.full(n, -1, dtype=np.int64)
    room = capacity[sites].astype(np.float64).copy()
    if self_served:
        assignment[sites] = sites
        room -= demand[sites]
        if (room < -1e-9).any():
            return None
    sub = costs[:, sites]
    waiting = np.flatnonzero(assignment < 0)
    while len(waiting):
        fits = demand[waiting, None] <= room[None, :] + 1e-9
        options = np.where(fits, sub[waiting], np.inf)
        if not np.isfinite(options).any(axis=1).all():
            return None
        order = np.sort(options, axis=1)
        regret = (order[:, 1] if order.shape[1] > 1 else np.full(len(waiting), np.inf)) - order[:, 0]
        regret = np.where(np.isfinite(regret), regret, np.finfo(np.float64).max)
        k = int(np.argmax(regret))
        client, slot = waiting[k], int(np.argmin(options[k]))
        assignment[client] = sites[slot]
        room[slot] -= demand[client]
        waiting = np.delete(waiting, k)
    return assignment


def _shift(costs: FloatArray, demand: FloatArray, capacity: FloatArray, assignment: IntArray) -> bool:
    """Move single clients (not a median itself) to a cheaper open site with room,
    then swap pairs of clients between sites; ``True`` when anything moved."""
    sites = np.unique(assignment)
    medians = np.zeros(len(costs), dtype=bool)
    medians[sites] = True
    load = np.bincount(assignment, weights=demand, minlength=len(costs))
    moved = False
    for client in np.argsort(-demand, kind="stable"):
        if medians[client]:
            continue
        here = assignment[client]
        room = capacity[sites] - load[sites]
        better = (costs[client, sites] < costs[client, here] - 1e-9) & (room >= demand[client] - 1e-9)
        if better.any():
            target = sites[better][np.argmin(costs[client, sites[better]])]
            load[here] -= demand[client]
            load[target] += demand[client]
            assignment[client] = target
            moved = True
    return moved


def _recentre(
    costs: FloatArray, demand: FloatArray, capacity: FloatArray, assignment: IntArray, fixed: IntArray | None
) -> bool:
    """Move each median to the member of its cluster that serves it cheapest
    within capacity; ``True`` when one moved."""
    moved = False
    keep = set() if fixed is None else set(fixed.tolist())
    for median in np.unique(assignment):
        if int(median) in keep:
            continue
        members = np.flatnonzero(assignment == median)
        total = costs[np.ix_(members, members)].sum(axis=0)
        total[capacity[members] < demand[members].sum() - 1e-9] = np.inf
        best = members[int(np.argmin(total))]
        if total.min() < costs[members, median].sum() - 1e-9:
            assignment[members] = best
            moved = True
    return moved


def capacitated_search(
    costs: FloatArray,
    demand: FloatArray,
    capacity: FloatArray,
    p: int,
    deadline: float,
    *,
    fixed: IntArray | None = None,
) -> IntArray | None:
    """A single-source capacitated p-median assignment (each median serves itself):
    medians of the uncapacitated problem, a regret assignment, then shifts and
    median moves until neither helps. ``None`` when none was found."""
    n = len(costs)
    weights = demand / max(float(demand.mean()), 1e-12)
    now = time.perf_counter()
    sites = greedy_interchange(costs, weights, p, now + 0.3 * max(0.0, deadline - now), fixed=fixed)
    assignment = capacitated_assignment(costs, demand, capacity, sites)
    if assignment is None:
        # Large capacities first: the p-median's medians could not hold the demand.
        order = np.lexsort((np.arange(n), -capacity))
        sites = np.sort(order[:p]) if fixed is None else np.union1d(fixed, order[: p - len(fixed)])[:p]
        assignment = capacitated_assignment(costs, demand, capacity, sites)
        if assignment is None:
            return None
    while time.perf_counter() < deadline:
        if not (_shift(costs, demand, capacity, assignment) | _recentre(costs, demand, capacity, assignment, fixed)):
            break
    return assignment


def greedy_cover(cover: NDArray[np.bool_], weights: FloatArray, p: int | None, fixed: IntArray | None) -> IntArray:
    """Sites covering the most remaining weight one at a time: all clients (set
    cover) when ``p`` is ``None``, else ``p`` sites (maximal coverage).

    ``cover[i, j]``: site ``j`` covers client ``i``; ``fixed`` sites come first.
    """
    n_sites = cover.shape[1]
    chosen = np.zeros(n_sites, dtype=bool)
    if fixed is not None:
        chosen[fixed] = True
    covered = cover[:, chosen].any(axis=1)
    while (p is None and not covered.all()) or (p is not None and chosen.sum() < p):
        gains = weights[~covered] @ cover[~covered]
        gains[chosen] = -1.0
        best = int(np.argmax(gains))
        if p is None and gains[best] <= 0:
            break
        chosen[best] = True
        covered |= cover[:, best]
    return np.flatnonzero(chosen)
