"""A fast heuristic for districting: seeded region growing, then local search.

Each restart draws centre seeds (k-means++ on distance, weighted by workload),
grows the grids outward over touching cells toward equal workloads, then moves
and swaps border cells between touching grids while that lowers (balance
violation, cost) — or the penalised cost when the band is soft — never cutting
a grid in two, and re-centres every grid on its best cell. The best restart is
then shaken (a few border cells moved at random) and improved again. The work is
counted in restarts and shakes, never in seconds, so the same seed gives the same
grids on any machine.
"""

from __future__ import annotations

import heapq
import math
import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .partition import Districting, Solution

__all__ = ["heuristic"]

EPSILON = 1e-9

PAIR_CELLS = 12
"""Two touching grids of at most this many cells together are split again
exactly (every two-way split of their cells is tried)."""


class _Regions:
    """Grids as cell sets with their loads and centres, changed one move at a time."""

    def __init__(self, problem: Districting, label: NDArray[np.int64], splits: dict[Any, Any] | None = None) -> None:
        self.problem = problem
        self.splits: dict[Any, Any] = {} if splits is None else splits  # best splits of cell pairs, shared
        graph = problem.graph
        self.near: list[list[int]] | None = (
            None
            if graph is None
            else [graph.indices[graph.indptr[i] : graph.indptr[i + 1]].tolist() for i in range(problem.n)]
        )
        self.label = label.copy()
        self.members = [set(np.flatnonzero(label == r).tolist()) for r in range(problem.p)]
        self.load = np.bincount(label, weights=problem.load, minlength=problem.p)
        self.centre = [problem.best_centre(np.array(sorted(m))) for m in self.members]
        if problem.penalty is not None:
            self.weight = problem.penalty
        else:  # start at about the cost of carrying one unit of load; raised until the band holds
            self.weight = float(problem.cost[np.arange(problem.n), self.centres_of_cells()].sum()) / max(
                float(problem.load.sum()), EPSILON
            )

    def outside(self, load: float) -> float:
        return max(load - self.problem.high, 0.0) + max(self.problem.low - load, 0.0)

    def better(self, shift: float, cost: float) -> bool:
        """Whether a change of ``shift`` in band violation and ``cost`` improves."""
        change = cost + self.weight * shift
        return change < -EPSILON * (1 + abs(cost))

    def connected_without(self, region: int, cell: int, added: int = -1) -> bool:
        """Whether ``region`` stays connected without ``cell`` (and with ``added``)."""
        if self.near is None:
            return True
        members = (self.members[region] - {cell}) | ({added} if added >= 0 else set())
        start = next(iter(members))
        seen, stack = {start}, [start]
        while stack:
            for k in self.near[stack.pop()]:
                if k in members and k not in seen:
                    seen.add(k)
                    stack.append(k)
        return len(seen) == len(members)

    def movable(self, cell: int) -> bool:
        region = self.label[cell]
        return cell != self.centre[region] and len(self.members[region]) > 1

    def targets(self, cell: int) -> set[int]:
        """Grids ``cell`` may join: those it touches (any without contiguity)."""
        if self.near is None:
            return set(range(self.problem.p)) - {int(self.label[cell])}
        return {int(self.label[k]) for k in self.near[cell]} - {int(self.label[cell])}

    def move_change(self, cell: int, to: int) -> tuple[float, float]:
        a, w, cost = int(self.label[cell]), self.problem.load[cell], self.problem.cost
        shift = (
            self.outside(self.load[a] - w)
            + self.outside(self.load[to] + w)
            - self.outside(self.load[a])
            - self.outside(self.load[to])
        )
        return shift, float(cost[cell, self.centre[to]] - cost[cell, self.centre[a]])

    def apply(self, cell: int, to: int) -> None:
        a = int(self.label[cell])
        self.members[a].discard(cell)
        self.members[to].add(cell)
        self.load[a] -= self.problem.load[cell]
        self.load[to] += self.problem.load[cell]
        self.label[cell] = to

    def try_moves(self, order: list[int]) -> bool:
        improved = False
        for cell in order:
            if not self.movable(cell):
                continue
            for to in sorted(self.targets(cell)):
                if not math.isfinite(self.problem.cost[cell, self.centre[to]]):
                    continue
                if self.better(*self.move_change(cell, to)) and self.connected_without(int(self.label[cell]), cell):
                    self.apply(cell, to)
                    improved = True
                    break
        return improved

    def try_swaps(self, order: list[int]) -> bool:
        """Swap two touching cells of touching grids when that improves."""
        if self.near is None:
            return False
        cost, load = self.problem.cost, self.problem.load
        for i in order:
            a = int(self.label[i])
            for j in self.near[i]:
                b = int(self.label[j])
                if b == a or not (self.movable(i) and self.movable(j)):
                    continue
                ca, cb = self.centre[a], self.centre[b]
                change = cost[i, cb] - cost[i, ca] + cost[j, ca] - cost[j, cb]
                if not math.isfinite(change):
                    continue
                shift = (
                    self.outside(self.load[a] - load[i] + load[j])
                    + self.outside(self.load[b] + load[i] - load[j])
                    - self.outside(self.load[a])
                    - self.outside(self.load[b])
                )
                if (
                    self.better(shift, float(change))
                    and self.connected_without(a, i, added=j)
                    and self.connected_without(b, j, added=i)
                ):
                    self.apply(i, b)
                    self.apply(j, a)
                    return True
        return False

    def recentre(self) -> bool:
        changed = False
        for r, members in enumerate(self.members):
            best = self.problem.best_centre(np.array(sorted(members)))
            if best >= 0 and best != self.centre[r]:
                old = self.problem.cost[sorted(members), self.centre[r]].sum()
                new = self.problem.cost[sorted(members), best].sum()
                if new < old - EPSILON * (1 + abs(old)):
                    self.centre[r] = best
                    changed = True
        return changed

    def improve(self, rng: np.random.Generator) -> None:
        """Local search until no move, swap or re-centring helps; with a hard band,
        again at a higher price of violation until the band holds."""
        for _ in range(12):
            while True:
                order = rng.permutation(self.problem.n).tolist()
                if self.try_moves(order) or self.try_swaps(order):
                    continue
                if not self.recentre() and not _split_pairs(self):
                    break
            if self.problem.penalty is not None or self.violation() <= EPSILON:
                return
            _rebalance(self)
            self.weight *= 4

    def violation(self) -> float:
        """How far the grids' loads lie outside the band, in all."""
        return float(sum(self.outside(x) for x in self.load))

    def shake(self, rng: np.random.Generator, count: int) -> None:
        """Move up to ``count`` random border cells to a touching grid."""
        for cell in rng.permutation(self.problem.n)[: 4 * count].tolist():
            targets = sorted(self.targets(cell))
            if count == 0 or not targets or not self.movable(cell):
                continue
            to = targets[int(rng.integers(len(targets)))]
            if math.isfinite(self.problem.cost[cell, self.centre[to]]) and self.connected_without(
                int(self.label[cell]), cell
            ):
                self.apply(cell, to)
                count -= 1

    def centres_of_cells(self) -> NDArray[np.int64]:
        return np.asarray(np.array(self.centre, dtype=np.int64)[self.label], dtype=np.int64)

    def score(self) -> tuple[float, float]:
        """(band violation, objective): lower is better."""
        centre = self.centres_of_cells()
        if self.problem.penalty is not None:
            return 0.0, self.problem.objective(centre)
        return self.violation(), self.problem.objective(centre)


def _split_pairs(regions: _Regions) -> bool:
    """Split each pair of touching grids small enough again, in the best of all
    two-way splits of their cells; whether any changed."""
    problem = regions.problem
    pairs: set[tuple[int, int]] = set()
    for cell in range(problem.n):
        for other in regions.targets(cell):
            a, b = sorted((int(regions.label[cell]), other))
            if len(regions.members[a]) + len(regions.members[b]) <= PAIR_CELLS:
                pairs.add((a, b))
    changed = False
    for a, b in sorted(pairs):
        if len(regions.members[a]) + len(regions.members[b]) <= PAIR_CELLS:
            changed |= _split(regions, a, b)
    return changed


def _split(regions: _Regions, a: int, b: int) -> bool:
    """Give grids ``a`` and ``b`` the best split of their cells into two
    connected grids (each at its best centre) if it beats theirs."""
    problem = regions.problem
    cells = tuple(sorted(regions.members[a] | regions.members[b]))
    if cells not in regions.splits:
        regions.splits[cells] = _splits(problem, regions.near, np.array(cells))
    cost, outside, first, second = regions.splits[cells]
    if not len(cost):
        return False
    value = cost + regions.weight * outside
    k = int(np.argmin(value))
    now = sum(problem.cost[sorted(regions.members[r]), regions.centre[r]].sum() for r in (a, b))
    now += regions.weight * (regions.outside(regions.load[a]) + regions.outside(regions.load[b]))
    if not value[k] < now - EPSILON * (1 + abs(now)):
        return False
    for region, (members, centre) in ((a, first[k]), (b, second[k])):
        for cell in members:
            if regions.label[cell] != region:
                regions.apply(cell, region)
        regions.centre[region] = centre
    return True


def _splits(problem: Districting, near: list[list[int]] | None, cells: NDArray[np.int64]) -> tuple[Any, ...]:
    """Every split of ``cells`` into two connected grids, each at its best
    centre: their cost, band violation and (members, centre) of each."""
    m = len(cells)
    masks = np.arange(1 << m, dtype=np.int64)
    inside = ((masks[:, None] >> np.arange(m)) & 1).astype(bool)
    load = inside @ problem.load[cells]
    pairs = problem.cost[np.ix_(cells, cells)]
    allowed = np.isfinite(pairs)
    totals = inside.astype(np.float64) @ np.where(allowed, pairs, 0.0)  # [mask, j]: mask's cells at centre j
    totals[(inside.astype(np.float64) @ ~allowed) > 0] = np.inf  # a cell that centre may not serve
    costs = np.where(inside, totals, np.inf)
    centre = np.argmin(costs, axis=1)
    price = costs[masks, centre]
    connected = np.ones(len(masks), dtype=bool)
    if near is not None:
        position = {int(c): k for k, c in enumerate(cells)}
        bits = np.array([sum(1 << position[k] for k in near[int(c)] if k in position) for c in cells])
        reach = masks & -masks
        for _ in range(m - 1):
            grown = reach.copy()
            for k in range(m):
                grown |= np.where((reach >> k) & 1, bits[k], 0)
            grown &= masks
            if (grown == reach).all():
                break
            reach = grown
        connected = reach == masks
    full = (1 << m) - 1
    first = masks[((masks & 1) == 1) & (masks != full)]
    rest = full ^ first
    cost = price[first] + price[rest]
    keep = connected[first] & connected[rest] & np.isfinite(cost)
    first, rest = first[keep], rest[keep]
    return (
        cost[keep],
        problem.outside(load[first]) + problem.outside(load[rest]),
        [(cells[inside[f]].tolist(), int(cells[centre[f]])) for f in first.tolist()],
        [(cells[inside[r]].tolist(), int(cells[centre[r]])) for r in rest.tolist()],
    )


def _rebalance(regions: _Regions, tries: int = 50) -> None:
    """Ejection chains: pass load from a grid outside the band along a path of
    touching grids to the nearest one with room (or pull it the other way),
    one border cell a step; keep a chain only if it lowers the violation."""
    problem = regions.problem
    if regions.near is None:
        return
    stuck: set[int] = set()
    for _ in range(tries):
        before = regions.violation()
        outside = [0.0 if r in stuck else regions.outside(x) for r, x in enumerate(regions.load)]
        if before <= EPSILON or max(outside) <= EPSILON:
            return
        worst = int(np.argmax(outside))
        over = regions.load[worst] > problem.high
        path = _path_to_room(regions, worst, over)
        if path is None:
            stuck.add(worst)
            continue
        saved = (regions.label.copy(), [set(m) for m in regions.members], regions.load.copy())
        amount = regions.outside(regions.load[worst])
        # Over: cells flow worst -> ... -> room, moved from the far end first. Under: room -> ... -> worst.
        steps = list(zip(path[-2::-1], path[:0:-1])) if over else list(zip(path[1:], path[:-1]))
        for source, target in steps:
            if not _pass_cell(regions, source, target, amount):
                break
        if regions.violation() >= before - EPSILON:
            regions.label, regions.members, regions.load = saved
            stuck.add(worst)


def _path_to_room(regions: _Regions, start: int, over: bool) -> list[int] | None:
    """Grids from ``start`` to the nearest grid (through touching grids) that can
    take load (``over``) or give it."""
    assert regions.near is not None
    problem = regions.problem
    touching: list[set[int]] = [set() for _ in range(problem.p)]
    for cell, around in enumerate(regions.near):
        a = int(regions.label[cell])
        touching[a] |= {int(regions.label[k]) for k in around} - {a}
    parent = {start: start}
    queue = [start]
    for region in queue:
        has_room = regions.load[region] < problem.high if over else regions.load[region] > problem.low
        if region != start and has_room:
            path = [region]
            while path[-1] != start:
                path.append(parent[path[-1]])
            return path[::-1]
        for other in sorted(touching[region]):
            if other not in parent:
                parent[other] = region
                queue.append(other)
    return None


def _pass_cell(regions: _Regions, source: int, target: int, amount: float) -> bool:
    """Move the border cell of ``source`` touching ``target`` whose load is
    nearest ``amount`` (then cheapest); ``False`` if none may move."""
    assert regions.near is not None
    cost = regions.problem.cost
    best: tuple[float, float, int] | None = None
    for cell in sorted(regions.members[source]):
        if not regions.movable(cell) or target not in {int(regions.label[k]) for k in regions.near[cell]}:
            continue
        change = cost[cell, regions.centre[target]] - cost[cell, regions.centre[source]]
        if not math.isfinite(change):
            continue
        key = (abs(regions.problem.load[cell] - amount), float(change), cell)
        if (best is None or key < best) and regions.connected_without(source, cell):
            best = key
    if best is None:
        return False
    regions.apply(best[2], target)
    return True


def _seeds(problem: Districting, rng: np.random.Generator) -> list[int]:
    """k-means++ on distance, weighted by workload (plus a little, so empty cells count)."""
    weight = problem.load + 1e-6 * (problem.load.sum() + 1)
    chosen = [int(rng.choice(problem.n, p=weight / weight.sum()))]
    nearest = problem.distance[:, chosen[0]].copy()
    while len(chosen) < problem.p:
        chance = weight * np.where(np.isfinite(nearest), nearest, 0.0) ** 2
        chance[chosen] = 0.0
        pick = int(rng.choice(problem.n, p=chance / chance.sum())) if chance.sum() > 0 else _unused(chosen, problem.n)
        chosen.append(pick)
        nearest = np.minimum(nearest, problem.distance[:, pick])
    return chosen


def _unused(chosen: list[int], n: int) -> int:
    return next(i for i in range(n) if i not in chosen)


def _grow(problem: Districting, seeds: list[int]) -> NDArray[np.int64] | None:
    """Grow a grid from each seed over touching cells, nearest first, until it
    reaches the mean workload; then give each cell left over to its lightest
    touching grid. ``None`` when some cell can join no grid."""
    label = np.full(problem.n, -1, dtype=np.int64)
    load = np.zeros(problem.p)
    target = problem.load.sum() / problem.p
    heap: list[tuple[float, int, int]] = []
    graph = problem.graph

    def push_around(cell: int, region: int) -> None:
        around = range(problem.n) if graph is None else graph.indices[graph.indptr[cell] : graph.indptr[cell + 1]]
        for k in around:
            if label[k] < 0 and math.isfinite(problem.cost[k, seeds[region]]):
                heapq.heappush(heap, (float(problem.distance[k, seeds[region]]), int(k), region))

    for region, seed in enumerate(seeds):
        label[seed] = region
        load[region] = problem.load[seed]
    for region, seed in enumerate(seeds):
        push_around(seed, region)
    while heap:
        _, cell, region = heapq.heappop(heap)
        if label[cell] >= 0 or load[region] + problem.load[cell] > target:
            continue
        label[cell] = region
        load[region] += problem.load[cell]
        push_around(cell, region)
    while (label < 0).any():
        placed = False
        for cell in np.flatnonzero(label < 0).tolist():
            around = (
                np.arange(problem.n) if graph is None else graph.indices[graph.indptr[cell] : graph.indptr[cell + 1]]
            )
            regions = [
                int(r) for r in set(label[around].tolist()) if r >= 0 and math.isfinite(problem.cost[cell, seeds[r]])
            ]
            if regions:
                region = min(regions, key=lambda r: (load[r], r))
                label[cell] = region
                load[region] += problem.load[cell]
                placed = True
        if not placed:
            return None
    return label


def heuristic(
    problem: Districting, *, seed: int, restarts: int, shakes: int, deadline: float = math.inf
) -> Solution | None:
    """The best grids found by ``restarts`` seeded constructions and ``shakes``
    perturbations of the best; ``None`` if no construction placed every cell.

    ``deadline`` (a :func:`time.perf_counter` reading) only guards against
    runaway work: past it, the search stops as soon as its best grids meet the
    balance band, so the result depends on it only if it is reached.
    """
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    best: _Regions | None = None
    splits: dict[Any, Any] = {}
    for _ in range(restarts):
        label = _grow(problem, _seeds(problem, rng))
        if label is None:
            continue
        regions = _Regions(problem, label, splits)
        if min(regions.centre) < 0:
            continue
        regions.improve(rng)
        if best is None or regions.score() < best.score():
            best = regions
        if time.perf_counter() > deadline and best.score()[0] <= EPSILON:
            break
    if best is None:
        return None
    shake = max(2, problem.n // (4 * problem.p))
    for _ in range(shakes):
        if time.perf_counter() > deadline and best.score()[0] <= EPSILON:
            break
        trial = _Regions(problem, best.label, splits)
        trial.centre = list(best.centre)
        trial.shake(rng, shake)
        trial.improve(rng)
        if trial.score() < best.score():
            best = trial
    centre = best.centres_of_cells()
    objective = problem.objective(centre)
    return Solution(
        centre=centre,
        objective=objective,
        bound=min(problem.trivial_bound(), objective),
        status="infeasible" if problem.problems(centre) else "feasible",
        solver="heuristic",
        solve_time=time.perf_counter() - start,
    )
