"""Police grids (警格) over village or community grids (网格): :func:`police_grids`.

Each police grid is a group of touching cells around a centre cell, inside one
nest (a station's jurisdiction, say), with a workload near the mean. The grids
minimise the workload-weighted distance, or road time, from every cell to its
grid's centre (a p-median objective), plus a price for each cell moved out of its
current grid when one is given. Nesting splits the area into independent parts,
each solved exactly (:mod:`~dispatch.plan.districting`) where the size allows,
else by the heuristic (:mod:`~dispatch.plan.regions`); objective and bound add up
over the parts.
"""

from __future__ import annotations

import functools
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import EllipsisType
from typing import Any, Literal

import numpy as np
import shapely
from numpy.typing import NDArray
from pydantic import Field, model_validator
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from typing_extensions import Self

from ..errors import InfeasibleError, InputError, SolverError, WorkloadWarning, listed
from ..model import Frozen
from ..network.graph import RoadNetwork
from ..progress import OnProgress, Tracker
from .cells import Cells, read_cells
from .contiguity import Contiguity, Link, is_connected, link_islands, neighbours
from .districting import solve_exact
from .gridplan import Grid, GridComparison, GridPart, GridPlan, Spread
from .mip import SolveParams
from .partition import Districting, Solution
from .regions import heuristic

__all__ = ["GridParams", "police_grids"]

FAR_FROM_ROADS = 50_000.0
"""Cells whose median distance to the nearest road node exceeds this (metres) are
taken to be in another CRS than the roads."""


EXTRA_SPELL = 1.0
"""Seconds the exact model gets past the time limit, doubled until it finds
grids, for a part where neither it nor the heuristic found any in time."""

MOST_EXTRA = 120.0
"""Most seconds those spells may add up to (or the time limit, if longer): then
the part fails with an error rather than run on."""


class GridParams(Frozen):
    """Everything :func:`police_grids` weighs.

    Parameters
    ----------
    n_grids
        Police grids in all (shared among nests by workload), or per nest value.
    workload_per_grid
        Instead of ``n_grids``: the workload one officer carries; each nest gets
        ``round(workload / workload_per_grid)`` grids (at least one).
    workload
        The column holding each cell's workload, or ``{column: weight}`` for a
        weighted sum.
    balance
        Each grid's workload within ``±balance`` of its part's mean (``None``:
        no band).
    balance_penalty
        ``None`` makes the band a hard rule; a number makes it soft, each unit of
        workload outside the band costing that much objective.
    contiguity
        Cells of a grid connected through shared borders (``"rook"``), shared
        points (``"queen"``), or not at all (``"none"``).
    nest
        The column (the station, say) that every grid stays within.
    islands
        A cell group touching no other cell of its nest is linked to the nearest
        cell (``"attach"``, with an :class:`~dispatch.errors.IslandWarning`) or
        refused (``"error"``).
    gap
        Cells closer than this (metres) touch.
    max_internal
        Longest distance (metres; seconds with roads) from a centre to a cell of
        its grid.
    current
        The column naming each cell's current grid: the plan is compared with it,
        and ``change_penalty`` charged for each cell that leaves the grid of its
        new centre's current grid.
    change_penalty
        Objective charged per reassigned cell.
    method
        ``"exact"``, ``"heuristic"``, or ``"auto"``: exact for parts of at most
        ``max_exact_cells`` cells, the heuristic beyond.
    restarts, shakes
        The heuristic's constructions and perturbations (it also warm-starts the
        exact models).
    population
        The column reported as population (absent: zeros).
    options
        Solver, time limit (for the whole call), gap and seed.
    """

    n_grids: int | dict[str, int] | None = None
    workload_per_grid: float | None = Field(None, gt=0)
    workload: str | dict[str, float] = "calls"
    balance: float | None = Field(0.05, ge=0, lt=1)
    balance_penalty: float | None = Field(None, ge=0)
    contiguity: Contiguity = "rook"
    nest: str | None = None
    islands: Literal["attach", "error"] = "attach"
    gap: float = Field(1.0, ge=0)
    max_internal: float | None = Field(None, gt=0)
    current: str | None = None
    change_penalty: float = Field(0.0, ge=0)
    method: Literal["auto", "exact", "heuristic"] = "auto"
    max_exact_cells: int = Field(400, ge=1)
    restarts: int = Field(8, ge=1)
    shakes: int = Field(20, ge=0)
    population: str = "population"
    options: SolveParams = Field(default_factory=SolveParams)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.n_grids is None) == (self.workload_per_grid is None):
            raise ValueError("give either n_grids or workload_per_grid")
        if isinstance(self.n_grids, dict) and self.nest is None:
            raise ValueError("n_grids per nest value needs nest (the column to nest in)")
        counts = self.n_grids.values() if isinstance(self.n_grids, dict) else [self.n_grids or 1]
        if min(counts, default=1) < 1:
            raise ValueError(f"n_grids must be >= 1, got {self.n_grids}")
        if self.change_penalty > 0 and self.current is None:
            raise ValueError("change_penalty needs current (the column of each cell's current grid)")
        return self


@dataclass(frozen=True)
class _Distances:
    """Straight-line metres between cells' inner points, or road seconds."""

    points: NDArray[np.float64]
    roads: RoadNetwork | None
    nodes: NDArray[np.int64] | None

    @property
    def unit(self) -> str:
        return "s" if self.roads is not None else "m"

    def between(self, centres: NDArray[np.int64], cells: NDArray[np.int64]) -> NDArray[np.float64]:
        """``[i, j]``: from centre ``centres[j]`` to cell ``cells[i]``."""
        if self.roads is None or self.nodes is None:
            gaps = self.points[cells][:, None, :] - self.points[centres][None, :, :]
            return np.asarray(np.hypot(gaps[..., 0], gaps[..., 1]))
        return np.asarray(self.roads.travel_times(self.nodes[centres], self.nodes[cells]).T)


def police_grids(
    cells: Any,
    params: GridParams | None = None,
    *,
    n_grids: int | dict[str, int] | EllipsisType | None = ...,
    workload: str | dict[str, float] | EllipsisType = ...,
    balance: float | EllipsisType | None = ...,
    contiguity: Contiguity | EllipsisType = ...,
    nest: str | EllipsisType | None = ...,
    roads: RoadNetwork | None = None,
    options: SolveParams | EllipsisType = ...,
    on_progress: OnProgress | None = None,
) -> GridPlan:
    """Group cells into police grids.

    Parameters
    ----------
    cells
        A GeoDataFrame, a layer path or a list of cells with ``id``, polygon and
        indicator columns (see :func:`~dispatch.plan.cells.read_cells`).
    params
        The settings; the keywords ``n_grids``, ``workload`` (``"calls"``),
        ``balance`` (``0.05``), ``contiguity`` (``"rook"``), ``nest`` (``None``)
        and ``options`` override the matching fields of ``params`` (defaults in
        brackets).
    roads
        Measure compactness by road time on this network (cells in its CRS);
        ``None``: straight-line metres in a projected CRS.
    on_progress
        Hears of each part solved.

    Raises
    ------
    InputError
        Bad cells, columns or counts; the message names them.
    InfeasibleError
        A nest whose cells cannot form its grids: the message says which rule
        fails and the largest count that works.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> row = [{"id": f"c{k}", "geometry": box(1e3 * k, 0, 1e3 * (k + 1), 1e3), "calls": 10} for k in range(6)]
    >>> plan = police_grids(row, n_grids=2, balance=0.0)
    >>> plan.status, sorted(set(plan.labels.values())), plan.workloads
    ('optimal', ['G1', 'G2'], {'G1': 30.0, 'G2': 30.0})
    """
    given: dict[str, Any] = {"n_grids": n_grids, "workload": workload, "balance": balance, "contiguity": contiguity}
    given |= {"nest": nest, "options": options}
    changes = {k: v for k, v in given.items() if v is not ...}
    settings = params.replace(**changes) if params is not None else GridParams(**changes)
    began = time.perf_counter()
    deadline = began + settings.options.time_limit
    layer = read_cells(cells)
    load = _workload(layer, settings.workload)
    groups, names = _groups(layer, settings.nest)
    counts = _counts(settings, load, groups, names)
    distances = _distances(layer, roads)
    # Without contiguity the rook graph only counts the current grids in pieces.
    graph = neighbours(layer, "rook" if settings.contiguity == "none" else settings.contiguity, settings.gap)
    links: list[Link] = []
    if settings.contiguity != "none":
        graph, links = link_islands(
            graph,
            groups,
            lambda a, b: _gaps(layer, distances, a, b),
            layer,
            attach=settings.islands == "attach",
            group_names=[repr(n) if settings.nest else "the cells" for n in names],
        )
    build_time = time.perf_counter() - began
    parts = [np.flatnonzero(groups == g) for g in range(len(names))]

    def make(g: int, count: int) -> Districting:
        return _problem(settings, load, distances, graph, parts[g], count, layer)

    problems = [make(g, int(counts[g])) for g in range(len(names))]
    _precheck(settings, layer, names, parts, problems)
    tracker = Tracker("police grids", len(names), on_progress)
    solutions: dict[int, Solution] = {}
    failures = []
    # Easy parts (few cells a grid) first: the time they leave goes to the rest.
    for done, g in enumerate(sorted(range(len(names)), key=lambda g: (problems[g].n / problems[g].p, g))):
        now = time.perf_counter()
        share = now + (deadline - now) / (len(names) - done)
        solution = _solve(
            problems[g], settings, (share, deadline), settings.options.seed + g, _where(settings, names[g])
        )
        if solution.status == "infeasible":
            failures.append(_diagnose(settings, names[g], problems[g], functools.partial(make, g), deadline))
        solutions[g] = solution
        how = " (the heuristic's grids: no exact ones in time)" if solution.fallback else ""
        objective, bound = (sum(getattr(s, field) for s in solutions.values()) for field in ("objective", "bound"))
        tracker.advance(detail=f"{names[g] or 'all cells'}: {solution.status}{how}", best=objective, bound=bound)
    if failures:
        raise InfeasibleError("the grids cannot all be drawn; relax a rule or ask for fewer grids", failures)
    ordered = [solutions[g] for g in range(len(names))]
    plan = _plan(settings, layer, load, names, parts, problems, ordered, graph, links, distances, build_time)
    return replace(plan, overrun=max(0.0, time.perf_counter() - deadline))


def _where(params: GridParams, name: str) -> str:
    """The nest called ``name``, in words."""
    return f"{params.nest} {name!r}" if params.nest else "the cells"


def _workload(cells: Cells, workload: str | dict[str, float]) -> NDArray[np.float64]:
    """Each cell's workload; zero-workload cells are reported."""
    weights = {workload: 1.0} if isinstance(workload, str) else workload
    if not weights:
        raise InputError("workload needs at least one column")
    load = sum((w * cells.numbers(column) for column, w in weights.items()), np.zeros(len(cells)))
    idle = np.flatnonzero(load == 0)
    if len(idle):
        warnings.warn(
            f"{len(idle)} cell(s) have zero workload; they join grids for contiguity but add nothing to balance: "
            + ", ".join(listed([repr(cells.ids[i]) for i in idle])),
            WorkloadWarning,
            stacklevel=3,
        )
    return np.asarray(load, dtype=np.float64)


def _groups(cells: Cells, nest: str | None) -> tuple[NDArray[np.int64], list[str]]:
    """Each cell's nest number and the nest names (one unnamed group without nesting)."""
    if nest is None:
        return np.zeros(len(cells), dtype=np.int64), [""]
    if not cells.has(nest):
        cells.labels(nest)  # names the columns there are
    values = cells.columns[nest]
    outside = [cells.ids[i] for i, v in enumerate(values) if v is None or v != v or str(v).strip() == ""]
    if outside:
        raise InputError(
            f"{len(outside)} cell(s) lie outside every {nest}: give each a {nest!r} value",
            listed([f"cell {c!r}" for c in outside]),
        )
    labels = cells.labels(nest)
    names, groups = np.unique(labels, return_inverse=True)
    return groups.astype(np.int64), [str(n) for n in names]


def _counts(
    params: GridParams, load: NDArray[np.float64], groups: NDArray[np.int64], names: list[str]
) -> NDArray[np.int64]:
    """Grids per nest: as given, from the workload per grid, or a total shared by workload."""
    totals = np.bincount(groups, weights=load, minlength=len(names)).astype(np.float64)
    if params.workload_per_grid is not None:
        return np.maximum(1, np.rint(totals / params.workload_per_grid)).astype(np.int64)
    if isinstance(params.n_grids, dict):
        missing = [n for n in names if n not in params.n_grids]
        unknown = sorted(set(params.n_grids) - set(names))
        if missing or unknown:
            raise InputError(
                f"n_grids must name each {params.nest} once",
                listed([f"no count for {n!r}" for n in missing] + [f"{n!r} has no cells" for n in unknown]),
            )
        return np.array([params.n_grids[n] for n in names], dtype=np.int64)
    total = int(params.n_grids or 1)
    if total < len(names):
        raise InputError(f"n_grids = {total} is fewer than the {len(names)} {params.nest} values: each needs a grid")
    return _apportion(total, totals)


def _apportion(total: int, weights: NDArray[np.float64]) -> NDArray[np.int64]:
    """``total`` shared in proportion to ``weights``, at least one each (largest remainders)."""
    share = total * weights / weights.sum() if weights.sum() > 0 else np.full(len(weights), total / len(weights))
    counts = np.maximum(1, np.floor(share)).astype(np.int64)
    while counts.sum() != total:
        if counts.sum() < total:
            counts[int(np.argmax(share - counts))] += 1
        else:
            counts[int(np.argmin(np.where(counts > 1, share - counts, np.inf)))] -= 1
    return np.asarray(counts, dtype=np.int64)


def _distances(cells: Cells, roads: RoadNetwork | None) -> _Distances:
    """Straight lines, or road times between the cells' nearest road nodes."""
    if roads is None:
        return _Distances(cells.points, None, None)
    nodes, away = roads.snap(cells.anchors)
    if float(np.median(away)) > FAR_FROM_ROADS:
        raise InputError(
            f"the cells lie {float(np.median(away)):,.0f} m (median) from the roads: their CRS ({cells.crs}) "
            f"is probably not the roads' ({roads.crs}); reproject the cells"
        )
    return _Distances(cells.points, roads, nodes)


def _gaps(
    cells: Cells, distances: _Distances, rows: NDArray[np.int64], columns: NDArray[np.int64]
) -> NDArray[np.float64]:
    """How far each of ``rows`` lies from each of ``columns``: polygon to polygon
    in metres, or road time."""
    if distances.roads is not None:
        return np.asarray(distances.between(rows, columns).T, dtype=np.float64)
    return np.asarray(shapely.distance(cells.metric[rows][:, None], cells.metric[columns][None, :]), dtype=np.float64)


def _problem(
    params: GridParams,
    load: NDArray[np.float64],
    distances: _Distances,
    graph: csr_matrix,
    members: NDArray[np.int64],
    count: int,
    cells: Cells,
) -> Districting:
    """The districting problem of one nest."""
    distance = distances.between(members, members)
    part_load = load[members]
    cost = part_load[:, None] * distance
    if params.current is not None:
        current = cells.labels(params.current)[members]
        cost = cost + params.change_penalty * (current[:, None] != current[None, :])
    if params.max_internal is not None:
        cost[distance > params.max_internal] = np.inf
    cost[~np.isfinite(distance)] = np.inf
    np.fill_diagonal(cost, 0.0)
    low, high = -math.inf, math.inf
    if params.balance is not None:
        mean = part_load.sum() / count
        low, high = (1 - params.balance) * mean, (1 + params.balance) * mean
    return Districting(
        cost=cost,
        distance=np.where(np.isfinite(distance), distance, np.inf),
        load=part_load,
        p=count,
        low=low,
        high=high,
        penalty=params.balance_penalty,
        graph=None if params.contiguity == "none" else graph[members][:, members],
    )


def _precheck(
    params: GridParams, cells: Cells, names: list[str], parts: list[NDArray[np.int64]], problems: list[Districting]
) -> None:
    """Counts no rule can meet, found before solving."""
    failures = []
    for name, members, problem in zip(names, parts, problems):
        where = _where(params, name)
        if problem.p > problem.n:
            failures.append(f"{where}: {problem.n} cell(s) cannot make {problem.p} grids; at most {problem.n}")
        elif problem.hard_band and problem.load.max() > problem.high:
            heaviest = int(np.argmax(problem.load))
            assert params.balance is not None
            most = max(1, math.floor((1 + params.balance) * problem.load.sum() / problem.load[heaviest] + 1e-9))
            failures.append(
                f"{where}: cell {cells.ids[members[heaviest]]!r} alone carries {problem.load[heaviest]:,.1f}, above "
                f"{problem.high:,.1f}, the top of the balance band for {problem.p} grids: the balance rule fails; "
                f"at most {min(most, problem.p - 1)} grid(s)"
            )
    if failures:
        raise InfeasibleError("the grids cannot all be drawn; relax a rule or ask for fewer grids", failures)


def _solve(problem: Districting, params: GridParams, deadlines: tuple[float, float], seed: int, name: str) -> Solution:
    """One part: trivially, by the heuristic, or exactly from the heuristic's grids.

    The part's share of the time ends at ``deadlines[0]``; without grids from the
    heuristic, the exact model may use all the time left (``deadlines[1]``). When
    it finds no grids in that time (or has none left), the heuristic's grids stand
    in (marked ``fallback``); the heuristic goes on past the limit until its grids
    meet the band, and failing that, the exact model goes on past the limit, for
    at most as long again as the limit (:data:`MOST_EXTRA` at least).
    """
    share, deadline = deadlines
    if problem.p in (1, problem.n):
        centre = (
            np.full(problem.n, problem.best_centre(np.arange(problem.n))) if problem.p == 1 else np.arange(problem.n)
        )
        objective = problem.objective(centre)
        status = "infeasible" if centre.min() < 0 or problem.problems(centre) else "optimal"
        return Solution(centre, objective, objective, status, "direct")  # type: ignore[arg-type]
    start = heuristic(problem, seed=seed, restarts=params.restarts, shakes=params.shakes, deadline=deadline)
    feasible = start if start is not None and not problem.problems(start.centre) else None
    exact = params.method == "exact" or (params.method == "auto" and problem.n <= params.max_exact_cells)
    if exact and time.perf_counter() < deadline:
        solution = solve_exact(problem, params.options, deadline=share if feasible else deadline, start=feasible)
        if solution is not None:
            heuristic_time = start.solve_time if start is not None else 0.0
            return replace(solution, solve_time=solution.solve_time + heuristic_time)
    if feasible is not None:
        return replace(feasible, fallback=exact)
    if not exact:
        raise SolverError(
            f"{name}: the heuristic found no grids meeting every rule; try method='exact' or widen the balance band"
        )
    # Nor the heuristic: the exact model goes on past the limit, in doubling spells, until it finds grids,
    # proves there are none, or has had as long again as the limit (at least MOST_EXTRA seconds).
    spell, most = EXTRA_SPELL, max(MOST_EXTRA, params.options.time_limit)
    spent = 0.0
    while (solution := solve_exact(problem, params.options, deadline=time.perf_counter() + spell)) is None:
        spent += spell
        if spent >= most:
            raise SolverError(
                f"{name}: no grids meeting every rule found, even {spent:,.0f} s past the time limit; widen the "
                "balance band, ask for fewer grids there or raise time_limit"
            )
        spell = min(2 * spell, most - spent)
    return solution


def _diagnose(
    params: GridParams, name: str, problem: Districting, make: Callable[[int], Districting], deadline: float
) -> str:
    """Which rule fails in an infeasible nest, and the largest count that works."""
    where = _where(params, name)
    rule = "balance"
    if problem.graph is not None:
        loose = Districting(
            problem.cost, problem.distance, problem.load, problem.p, problem.low, problem.high, problem.penalty
        )
        relaxed = solve_exact(loose, params.options, deadline=deadline)
        if relaxed is not None and relaxed.status != "infeasible":
            rule = "contiguity"
    largest = 0
    for count in range(problem.p - 1, 0, -1):
        smaller: Districting = make(count)
        heavy = smaller.hard_band and smaller.load.max() > smaller.high
        exact = params.replace(method="exact")
        if (
            not heavy
            and _solve(smaller, exact, (deadline, deadline), params.options.seed, where).status != "infeasible"
        ):
            largest = count
            break
    return f"{where}: {problem.p} grids cannot meet the {rule} rule; at most {largest} grid(s) can"


def _plan(
    params: GridParams,
    cells: Cells,
    load: NDArray[np.float64],
    names: list[str],
    parts: list[NDArray[np.int64]],
    problems: list[Districting],
    solutions: list[Solution],
    graph: csr_matrix,
    links: list[Link],
    distances: _Distances,
    build_time: float,
) -> GridPlan:
    population = cells.numbers(params.population) if cells.has(params.population) else np.zeros(len(cells))
    grids: list[Grid] = []
    summaries = []
    for name, members, problem, solution in zip(names, parts, problems, solutions):
        centres = sorted(np.unique(solution.centre).tolist(), key=lambda c: cells.ids[members[c]])
        width = len(str(len(centres)))
        for k, c in enumerate(centres):
            local = np.flatnonzero(solution.centre == c)
            ids = members[local]
            grids.append(
                Grid(
                    id=f"{name}-{k + 1:0{max(2, width)}d}" if params.nest else f"G{k + 1:0{width}d}",
                    nest=name if params.nest else None,
                    centre=cells.ids[members[c]],
                    cells=tuple(cells.ids[i] for i in ids.tolist()),
                    workload=float(load[ids].sum()),
                    population=float(population[ids].sum()),
                    cost=float((problem.load[local] * problem.distance[local, c]).sum()),
                )
            )
        summaries.append(
            GridPart(
                nest=name if params.nest else None,
                cells=problem.n,
                grids=problem.p,
                low=problem.low,
                high=problem.high,
                status=solution.status,
                objective=solution.objective,
                bound=solution.bound,
                solver=solution.solver,
                solve_time=solution.solve_time,
                fallback=solution.fallback,
            )
        )
    labels = {c: g.id for g in grids for c in g.cells}
    objective = sum(s.objective for s in solutions)
    bound = min(sum(s.bound for s in solutions), objective)
    solvers = sorted({s.solver for s in solutions})
    plan = GridPlan(
        status="optimal" if all(s.status == "optimal" for s in solutions) else "feasible",
        objective=objective,
        bound=bound,
        build_time=build_time + sum(s.build_time for s in solutions),
        solve_time=sum(s.solve_time for s in solutions),
        solver="+".join(solvers),
        grids=tuple(grids),
        labels=dict(sorted(labels.items(), key=lambda item: cells.index[item[0]])),
        parts=tuple(summaries),
        links=tuple(links),
        unit=distances.unit,
        cells=cells,
    )
    if params.current is None:
        return plan
    return _with_comparison(plan, params.current, cells, load, graph, distances)


def _with_comparison(
    plan: GridPlan, column: str, cells: Cells, load: NDArray[np.float64], graph: csr_matrix, distances: _Distances
) -> GridPlan:
    """``plan`` with its comparison against the current grids in ``column``."""
    current = cells.labels(column)
    names, label = np.unique(current, return_inverse=True)
    loads, cost, broken = np.zeros(len(names)), 0.0, 0
    for k in range(len(names)):
        members = np.flatnonzero(label == k)
        loads[k] = load[members].sum()
        totals = (load[members][:, None] * distances.between(members, members)).sum(axis=0)
        cost += float(totals.min())
        broken += not is_connected(members, graph)
    planned_index = {g.id: k for k, g in enumerate(plan.grids)}
    planned = np.array([planned_index[plan.labels[c]] for c in cells.ids])
    overlap = np.zeros((len(names), len(plan.grids)))
    np.add.at(overlap, (label, planned), 1)
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    comparison = GridComparison(
        current=Spread.of(loads, cost, broken),
        planned=plan.spread(),
        changed=int(len(cells) - overlap[rows, cols].sum()),
        cells=len(cells),
        unit="seconds" if distances.unit == "s" else "metres",
    )
    return replace(plan, comparison=comparison)
