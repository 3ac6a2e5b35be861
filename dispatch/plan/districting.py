"""Exact districting: proven optimal grids, or a bound on how far from optimal.

Two formulations, chosen by the problem:

- **Districts** (set partitioning over enumerated grids), when the balance band
  is hard and grids must be contiguous: every connected set of cells whose
  workload lies in the band is a candidate grid, priced at its best centre. The
  LP over all candidates is solved by sifting (an LP on a few, then adding those
  with negative reduced cost until none is left); its value ``z`` bounds every
  solution. A solution costs ``z`` plus the reduced costs of its grids, so only
  grids with reduced cost below ``best - z`` can improve on the best one: the MIP
  over those is exact. Contiguity and balance hold by construction.
- **Assignment** (Hess et al. 1965: cell ``i`` joins the grid centred at ``j``),
  for a soft band, no band or no contiguity, or when there are too many candidate
  grids to list. Contiguity is imposed by cuts: every cell in a grid has a
  neighbour in it, and each grid the solver returns in pieces gets, for each
  piece, the cut "a cell of the piece joins the grid only if some cell of a
  separator between the piece and the centre does" (the a-b separator cuts of
  Validi, Buchanan & Lykhovyd 2022), solved again until every grid is connected.
  Each solve is a relaxation, so its bound is valid throughout.

Both start from the heuristic's grids when given (a warm start and a cutoff) and
stop at the time limit with the best grids found and a proven bound, or with
none when the limit comes before any grids.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csc_matrix, hstack, identity

from ..errors import SolverError
from .contiguity import separator
from .mip import Budget, MipBuilder, SolveParams, Solver, solve_mip
from .partition import Districting, Solution
from .result import proven

__all__ = ["solve_exact"]

logger = logging.getLogger("dispatch")

LP_TOLERANCE = 1e-7
"""Reduced costs above ``-LP_TOLERANCE * scale`` count as non-negative."""

FIRST_WINDOW = 3_000
"""Candidates in the first restricted MIP (four times more each round after)."""

ASSIGNMENT_CP_SAT_CELLS = 150
"""The assignment model goes to CP-SAT up to this many cells, to HiGHS beyond."""


@dataclass(frozen=True)
class _Districts:
    """Candidate grids: members of candidate ``k`` are ``cells[start[k]:start[k + 1]]``."""

    cells: NDArray[np.int64]
    start: NDArray[np.int64]
    cost: NDArray[np.float64]
    centre: NDArray[np.int64]

    @property
    def size(self) -> NDArray[np.int64]:
        return np.diff(self.start)

    def __len__(self) -> int:
        return len(self.cost)

    def matrix(self, n: int) -> csc_matrix:
        """Cells x candidates incidence, with a last row of ones (the count)."""
        column = np.repeat(np.arange(len(self)), self.size)
        rows = np.concatenate([self.cells, np.full(len(self), n)])
        columns = np.concatenate([column, np.arange(len(self))])
        return coo_matrix((np.ones(len(rows)), (rows, columns)), shape=(n + 1, len(self))).tocsc()


def solve_exact(
    problem: Districting,
    options: SolveParams,
    *,
    deadline: float,
    start: Solution | None = None,
    max_districts: int = 300_000,
) -> Solution | None:
    """Solve ``problem`` exactly, or as far as ``deadline`` allows: ``None`` when
    it passes before any grids are found.

    ``start`` (a feasible solution) warm-starts the search; ``max_districts``
    caps the candidate grids listed before the assignment model is used instead.
    """
    if start is not None and problem.problems(start.centre):
        start = None
    if problem.hard_band and problem.graph is not None:
        began = time.perf_counter()
        districts = _enumerate(problem, max_districts, start)
        logger.debug(
            "%d cells, %d grids: %s candidate grids in %.2f s",
            problem.n,
            problem.p,
            f"more than {max_districts:,}" if districts is None else f"{len(districts):,}",
            time.perf_counter() - began,
        )
        if districts is not None:
            return _floored(problem, _solve_districts(problem, districts, options, deadline, start))
    return _floored(problem, _solve_assignment(problem, options, deadline, start))


def _floored(problem: Districting, solution: Solution | None) -> Solution | None:
    """``solution`` with its bound no lower than the trivial one (a solver
    stopped before it proved anything reports none)."""
    if solution is None or solution.status == "infeasible" or solution.bound >= solution.objective:
        return solution
    bound = min(max(solution.bound, problem.trivial_bound()), solution.objective)
    return replace(solution, bound=bound)


# ------------------------------------------------------------------ districts


def _enumerate(problem: Districting, limit: int, start: Solution | None) -> _Districts | None:
    """Every connected set of cells with workload in the band, each at its best
    centre (ESU enumeration, Wernicke 2006, on bit sets, pruned by workload);
    ``None`` past ``limit`` sets. The start's grids are added so the LP begins
    from them."""
    assert problem.graph is not None
    graph, high, low = problem.graph, problem.high, problem.low
    load = problem.load.tolist()
    near = [sum(1 << int(k) for k in graph.indices[graph.indptr[i] : graph.indptr[i + 1]]) for i in range(problem.n)]
    found: list[tuple[int, ...]] = []
    path: list[int] = []
    explored = 0
    above = 0  # the cells after the current root: each set is listed from its first cell

    def extend(frontier: int, weight: float, seen: int) -> bool:
        nonlocal explored
        explored += 1
        if explored > limit:
            return False
        if weight >= low:
            found.append(tuple(path))
        while frontier:
            bit = frontier & -frontier
            frontier ^= bit
            cell = bit.bit_length() - 1
            total = weight + load[cell]
            if total > high:
                continue
            path.append(cell)
            grown = extend(frontier | (near[cell] & above & ~seen), total, seen | near[cell] | bit)
            path.pop()
            if not grown:
                return False
        return True

    depth = sys.getrecursionlimit()
    sys.setrecursionlimit(max(depth, problem.n + 100))
    try:
        for root in range(problem.n):
            above = ~((1 << (root + 1)) - 1)
            path[:] = [root]
            if load[root] <= high and not extend(near[root] & above, load[root], near[root] | (1 << root)):
                return None
    finally:
        sys.setrecursionlimit(depth)
    if start is not None:
        found += [tuple(np.flatnonzero(start.centre == c).tolist()) for c in np.unique(start.centre)]
    return _priced(problem, found)


def _priced(problem: Districting, found: list[tuple[int, ...]]) -> _Districts:
    """Each candidate at its cheapest centre; candidates no centre may serve dropped."""
    sizes = np.array([len(m) for m in found], dtype=np.int64)
    cost = np.full(len(found), np.inf)
    centre = np.full(len(found), -1, dtype=np.int64)
    for k in np.unique(sizes).tolist():
        which = np.flatnonzero(sizes == k)
        chunk = max(1, 4_000_000 // (k * k))
        for first in range(0, len(which), chunk):
            part = which[first : first + chunk]
            members = np.array([found[i] for i in part.tolist()], dtype=np.int64)
            totals = problem.cost[members[:, :, None], members[:, None, :]].sum(axis=1)
            best = np.argmin(totals, axis=1)
            cost[part] = totals[np.arange(len(part)), best]
            centre[part] = members[np.arange(len(part)), best]
    keep = np.flatnonzero(np.isfinite(cost))
    cells = np.array([c for i in keep.tolist() for c in found[i]], dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(sizes[keep])]).astype(np.int64)
    return _Districts(cells, start, cost[keep], centre[keep])


def _sifted_lp(
    problem: Districting, districts: _Districts, matrix: csc_matrix
) -> tuple[float, NDArray[np.float64]] | None:
    """The LP over all candidates (value and reduced costs), solved on a growing
    few; ``None`` when no mix of candidates covers every cell once."""
    n = problem.n
    rhs = np.concatenate([np.ones(n), [problem.p]])
    scale = max(1.0, float(np.abs(districts.cost).max(initial=0.0)))
    artificial = 10.0 * scale * (n + problem.p)
    slack = hstack([identity(n + 1), -identity(n + 1)]).tocsc()
    per_cell = districts.cost / districts.size
    active = np.zeros(len(districts), dtype=bool)
    active[np.argsort(per_cell, kind="stable")[: 20 * n]] = True
    active[-problem.p :] = True  # the start's grids, when given, come last
    while True:
        chosen = np.flatnonzero(active)
        result = linprog(
            np.concatenate([districts.cost[chosen], np.full(2 * (n + 1), artificial)]),
            A_eq=hstack([matrix[:, chosen], slack]).tocsc(),
            b_eq=rhs,
            bounds=(0, None),
            method="highs",
        )
        if result.status != 0:
            raise SolverError(f"the districts LP failed: {result.message}")
        reduced = districts.cost - matrix.T @ result.eqlin.marginals
        entering = np.flatnonzero((reduced < -LP_TOLERANCE * scale) & ~active)
        if not len(entering):
            break
        active[entering[np.argsort(reduced[entering], kind="stable")[: 5 * n]]] = True
    if result.x[len(chosen) :].sum() > 1e-6:
        return None
    return float(result.fun), np.maximum(reduced, 0.0)


def _solve_districts(
    problem: Districting, districts: _Districts, options: SolveParams, deadline: float, start: Solution | None
) -> Solution | None:
    began = time.perf_counter()
    matrix = districts.matrix(problem.n)
    relaxation = _sifted_lp(problem, districts, matrix)
    build_time = time.perf_counter() - began
    if relaxation is None:
        return _infeasible("districts", build_time)
    value, reduced = relaxation
    logger.debug("districts LP %.6g in %.2f s", value, build_time)
    ranked = np.sort(reduced)
    best = start.centre if start is not None else None
    best_cost = start.objective if start is not None else math.inf
    best_columns = np.arange(len(districts) - problem.p, len(districts)) if start is not None else None
    solver: Solver = options.solver or "cp-sat"
    bound = value
    size = FIRST_WINDOW
    while True:
        # The window proves the best grids once it reaches best - value.
        window = min(float(ranked[min(size, len(ranked)) - 1]), best_cost - value)
        keep = np.flatnonzero(reduced <= window + LP_TOLERANCE * max(1.0, abs(value)))
        exhausted = len(keep) == len(districts)
        hint = None
        if best_columns is not None and np.isin(best_columns, keep).all():
            hint = np.isin(keep, best_columns).astype(np.float64)
        picked, inside, finished = _restricted(problem, matrix, districts.cost, keep, options, deadline, solver, hint)
        logger.debug("window %.4g: %d candidates, finished %s", window, len(keep), finished)
        if picked is not None:
            centre = np.empty(problem.n, dtype=np.int64)
            for k in picked.tolist():
                centre[districts.cells[districts.start[k] : districts.start[k + 1]]] = districts.centre[k]
            cost = problem.objective(centre)
            if cost < best_cost:
                best, best_cost, best_columns = centre, cost, picked
        # A solution using a candidate outside the window costs more than value + window.
        bound = min(max(bound, min(inside, math.inf if exhausted else value + window)), best_cost)
        if best_cost - bound <= options.relative_gap * abs(best_cost) + 1e-9 * max(1.0, abs(best_cost)):
            break
        if not finished or exhausted or time.perf_counter() >= deadline:
            break
        size *= 4
    if best is None:
        return _infeasible("districts", build_time) if exhausted and finished else None
    status = proven("optimal" if finished else "feasible", best_cost, bound)
    solve_time = time.perf_counter() - began - build_time
    return Solution(best, best_cost, bound, status, f"districts/{solver}", build_time, solve_time)


def _infeasible(formulation: str, build_time: float) -> Solution:
    return Solution(np.zeros(0, dtype=np.int64), math.inf, math.inf, "infeasible", formulation, build_time)


def _restricted(
    problem: Districting,
    matrix: csc_matrix,
    cost: NDArray[np.float64],
    keep: NDArray[np.int64],
    options: SolveParams,
    deadline: float,
    solver: Solver,
    hint: NDArray[np.float64] | None,
) -> tuple[NDArray[np.int64] | None, float, bool]:
    """The set-partitioning MIP over candidates ``keep``: (the candidates chosen,
    the proven bound, whether it finished)."""
    builder = MipBuilder()
    z = builder.variables(len(keep), cost=cost[keep])
    incidence = matrix[:, keep].tocoo()
    once = np.concatenate([np.ones(problem.n), [problem.p]])  # each cell once; p grids
    builder.rows(incidence.row, z[incidence.col], 1.0, once, once)
    result = solve_mip(builder.build(), solver, options, budget=_until(deadline), hint=hint)
    if result.status == "infeasible":
        return None, math.inf, True
    picked = None if result.values is None else keep[result.values[z] > 0.5]
    gap = result.objective - result.bound
    finished = result.status == "optimal" or (
        result.values is not None and gap <= options.relative_gap * abs(result.objective)
    )
    return picked, result.bound, finished


def _until(deadline: float) -> Budget:
    """The time left before ``deadline`` (a :func:`time.perf_counter` reading)."""
    return Budget(deadline - time.perf_counter())


# ------------------------------------------------------------------ assignment


def _solve_assignment(
    problem: Districting, options: SolveParams, deadline: float, start: Solution | None
) -> Solution | None:
    began = time.perf_counter()
    n = problem.n
    pair_i, pair_j = np.nonzero(np.isfinite(problem.cost))
    var = np.full((n, n), -1, dtype=np.int64)
    builder = MipBuilder()
    x = builder.variables(len(pair_i), cost=problem.cost[pair_i, pair_j])
    var[pair_i, pair_j] = x
    own = var[np.arange(n), np.arange(n)]
    builder.rows(pair_i, x, 1.0, 1.0, 1.0)  # each cell in one grid
    other = pair_i != pair_j
    rows = np.repeat(np.arange(int(other.sum())), 2)
    builder.rows(
        rows,
        np.column_stack([x[other], own[pair_j[other]]]).ravel(),
        np.tile([1.0, -1.0], int(other.sum())),
        -np.inf,
        0.0,
    )
    builder.rows(np.zeros(n), own, 1.0, problem.p, problem.p)
    _balance_rows(builder, problem, pair_i, pair_j, x, own)
    if problem.graph is not None:
        _neighbour_rows(builder, problem, var)
    # Measured in benchmarks/bench_grids.py: on a jurisdiction's few dozen cells
    # CP-SAT, searching from the hint, finds and proves more; on hundreds of cells
    # HiGHS's LP bound pays off. CP-SAT needs integer variables, so a soft band's
    # continuous slacks go to HiGHS.
    large = problem.n > ASSIGNMENT_CP_SAT_CELLS or problem.penalty is not None
    solver: Solver = options.solver or ("highs" if large else "cp-sat")
    best = start.centre if start is not None else None
    best_cost = start.objective if start is not None else math.inf
    bound, solved = -math.inf, False
    if solver == "cp-sat":  # the LP bound holds whatever CP-SAT proves in time (HiGHS solves it at its root)
        mip = builder.build()
        relaxed = solve_mip(replace(mip, integer=np.zeros_like(mip.integer)), "highs", options, budget=_until(deadline))
        if relaxed.status == "infeasible":
            return _infeasible("assignment", time.perf_counter() - began)
        bound = relaxed.bound if relaxed.status == "optimal" else -math.inf
    build_time = time.perf_counter() - began
    while True:
        mip = builder.build()
        hint = _assignment_values(builder, problem, var, best) if best is not None else None
        result = solve_mip(mip, solver, options, budget=_until(deadline), hint=hint)
        if result.status == "infeasible":
            if best is None:
                return _infeasible("assignment", build_time)
            bound, solved = best_cost, True
            break
        bound = max(bound, result.bound)
        if result.values is None:
            break
        centre = _centres(result.values, pair_i, pair_j, x, n)
        pieces = _pieces(problem, centre) if problem.graph is not None else []
        if not pieces:
            cost = problem.objective(centre)
            if cost < best_cost:
                best, best_cost = centre, cost
            solved = result.status == "optimal"
            break
        _cut(builder, problem, var, pieces)
        if time.perf_counter() >= deadline:
            break
    if best is None:
        return None
    bound = min(bound, best_cost)
    status = proven("optimal" if solved else "feasible", best_cost, bound)
    return Solution(
        best, best_cost, bound, status, f"assignment/{solver}", build_time, time.perf_counter() - began - build_time
    )


def _centres(
    values: NDArray[np.float64], pair_i: NDArray[np.int64], pair_j: NDArray[np.int64], x: NDArray[np.int64], n: int
) -> NDArray[np.int64]:
    """Each cell's centre in an assignment solution."""
    chosen = values[x] > 0.5
    centre = np.empty(n, dtype=np.int64)
    centre[pair_i[chosen]] = pair_j[chosen]
    return centre


def _balance_rows(
    builder: MipBuilder,
    problem: Districting,
    pair_i: NDArray[np.int64],
    pair_j: NDArray[np.int64],
    x: NDArray[np.int64],
    own: NDArray[np.int64],
) -> None:
    """``low * y[j] <= load of j's grid <= high * y[j]``; with a penalty, slacks
    at ``penalty`` a unit let each grid leave the band."""
    n = problem.n
    for limit, sign in ((problem.high, 1.0), (problem.low, -1.0)):
        if not math.isfinite(limit):
            continue
        rows = [pair_j, np.arange(n)]
        columns = [x, own]
        values = [sign * problem.load[pair_i], np.full(n, -sign * limit)]
        if problem.penalty is not None:
            rows.append(np.arange(n))
            columns.append(
                builder.variables(n, upper=problem.load.sum() + abs(limit), integer=False, cost=problem.penalty)
            )
            values.append(-np.ones(n))
        builder.rows(np.concatenate(rows), np.concatenate(columns), np.concatenate(values), -np.inf, 0.0)


def _neighbour_rows(builder: MipBuilder, problem: Districting, var: NDArray[np.int64]) -> None:
    """A cell joins a grid other than its own centre's only with a neighbour in it."""
    assert problem.graph is not None
    graph = problem.graph
    rows, columns, values = [], [], []
    count = 0
    for i in range(problem.n):
        near = graph.indices[graph.indptr[i] : graph.indptr[i + 1]]
        for j in np.flatnonzero(var[i] >= 0).tolist():
            if j == i or j in near:
                continue
            helpers = var[near, j]
            helpers = helpers[helpers >= 0]
            rows.append(np.full(len(helpers) + 1, count))
            columns.append(np.concatenate([[var[i, j]], helpers]))
            values.append(np.concatenate([[1.0], -np.ones(len(helpers))]))
            count += 1
    if count:
        builder.rows(np.concatenate(rows), np.concatenate(columns), np.concatenate(values), -np.inf, 0.0)


def _pieces(problem: Districting, centre: NDArray[np.int64]) -> list[tuple[int, NDArray[np.int64]]]:
    """(centre, piece) for every piece of a grid cut off from its centre."""
    from scipy.sparse.csgraph import connected_components

    assert problem.graph is not None
    found = []
    for c in np.unique(centre).tolist():
        members = np.flatnonzero(centre == c)
        count, part = connected_components(problem.graph[members][:, members], directed=False)
        if count > 1:
            home = part[np.flatnonzero(members == c)[0]]
            found += [(c, members[part == k]) for k in range(count) if k != home]
    return found


def _cut(
    builder: MipBuilder, problem: Districting, var: NDArray[np.int64], pieces: list[tuple[int, NDArray[np.int64]]]
) -> None:
    """For each piece, each of its cells joins the grid only with a cell of the separator."""
    assert problem.graph is not None
    rows, columns, values = [], [], []
    count = 0
    for c, piece in pieces:
        ring = separator(problem.graph, piece, c)
        helpers = var[ring, c]
        helpers = helpers[helpers >= 0]
        for i in piece.tolist():
            rows.append(np.full(len(helpers) + 1, count))
            columns.append(np.concatenate([[var[i, c]], helpers]))
            values.append(np.concatenate([[1.0], -np.ones(len(helpers))]))
            count += 1
    builder.rows(np.concatenate(rows), np.concatenate(columns), np.concatenate(values), -np.inf, 0.0)


def _assignment_values(
    builder: MipBuilder, problem: Districting, var: NDArray[np.int64], centre: NDArray[np.int64]
) -> NDArray[np.float64]:
    """The assignment model's variables for ``centre`` (slacks at their least)."""
    values = np.zeros(builder.n_variables)
    values[var[np.arange(problem.n), centre]] = 1.0
    if problem.penalty is not None:
        loads = problem.grid_loads(centre)
        over, under = np.maximum(loads - problem.high, 0.0), np.maximum(problem.low - loads, 0.0)
        n = problem.n
        first = int(var.max()) + 1
        slacks = [over] if math.isfinite(problem.high) else []
        slacks += [under] if math.isfinite(problem.low) else []
        for k, block in enumerate(slacks):
            values[first + k * n : first + (k + 1) * n] = block
    return values
