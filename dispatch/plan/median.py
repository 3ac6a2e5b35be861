"""The p-median, uncapacitated and capacitated, exact within a time limit.

Each solve runs in three steps, all inside ``options.time_limit``:

1. a heuristic (:mod:`dispatch.plan.heuristics`) finds a good solution fast: the
   answer if nothing better comes, and the solver's warm start;
2. for the uncapacitated problem a Lagrangian bound (:mod:`dispatch.plan.bounds`)
   often proves that solution optimal at once, and otherwise closes (or opens)
   the sites that cannot change in a better solution;
3. a MIP on the rest: the **radius** formulation of the p-median (Elloumi 2010,
   with the reduction of García, Labbé & Marín 2011: one binary per client and
   distinct cost level, ``z[i, k] = 1`` when no open site is within its ``k``-th
   smallest cost), or the assignment formulation with capacities.

The published optima of OR-Library ``pmed`` and ``pmedcap``, ``SJC`` and the spopt
San Francisco case are reproduced by the tests.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InfeasibleError, InputError, listed
from ..progress import OnProgress
from .bounds import median_lagrangian
from .facility import (
    Assignment,
    FacilitySolution,
    check_capacity,
    check_costs,
    check_fixed,
    check_weights,
    solve_assignment,
)
from .heuristics import capacitated_search, finite_costs, greedy_interchange
from .mip import Budget, MipBuilder, SolveParams, Watch, solve_mip
from .result import proven

__all__ = ["capacitated_p_median", "p_median"]

HEURISTIC_SHARE = 0.1
"""Share of the time limit the heuristic may spend at most."""

BOUND_SHARE = 0.3
"""Share of the time limit (from the start) by which the Lagrangian bound stops."""


def p_median(
    costs: ArrayLike,
    p: int,
    *,
    weights: ArrayLike | None = None,
    fixed: ArrayLike | None = None,
    options: SolveParams | None = None,
    on_progress: OnProgress | None = None,
) -> FacilitySolution:
    """Open ``p`` sites minimising the weighted cost of serving every client from
    its nearest open site.

    Parameters
    ----------
    costs
        ``costs[i, j]``: serving client ``i`` from site ``j``; ``inf`` forbids it.
    p
        Number of sites to open.
    weights
        Client weights (demand); all ones by default.
    fixed
        Sites that are open already and stay open (counted in ``p``).
    options
        Solver, time limit (the whole call's, model building included), gap and
        seed; the default solver is CP-SAT.
    on_progress
        Hears the best objective and bound as they improve.

    Returns
    -------
    FacilitySolution
        The best sites found, with a proven bound: ``status`` is ``"optimal"``
        only when the two meet. A time limit returns the best solution found.

    Examples
    --------
    >>> from dispatch.plan import p_median
    >>> solution = p_median([[0, 4, 9], [4, 0, 5], [9, 5, 0]], 1)
    >>> solution.sites.tolist(), solution.objective, solution.status
    ([1], 9.0, 'optimal')
    """
    options = options or SolveParams()
    budget = Budget(options.time_limit)
    costs = check_costs(costs, p)
    n_clients, n_sites = costs.shape
    weights = check_weights(weights, n_clients)
    fixed_sites = check_fixed(fixed, n_sites, p)
    watch = Watch("p-median", on_progress, budget)
    finite = finite_costs(costs)
    sites = greedy_interchange(
        finite, weights, p, budget.start + HEURISTIC_SHARE * options.time_limit, fixed=fixed_sites
    )
    upper = _cost(costs, weights, sites)
    watch.improve(upper)
    integral = bool(np.all(np.rint(finite) == finite) and np.all(np.rint(weights) == weights))
    relaxation = median_lagrangian(
        finite * weights[:, None],
        p,
        upper,
        budget.start + BOUND_SHARE * options.time_limit,
        fixed=fixed_sites,
        integral=integral,
    )
    watch.improve(bound=relaxation.bound)
    if relaxation.bound >= upper - 1e-9 * max(1.0, abs(upper)):
        return _median_solution(costs, weights, sites, relaxation.bound, "optimal", "lagrangian", budget, 0.0)
    build_start = time.perf_counter()
    candidates = np.flatnonzero(~relaxation.closed)
    opened = np.flatnonzero(relaxation.opened[candidates])
    builder, y, levels = _radius_model(costs[:, candidates], weights, p, opened)
    mip = builder.build()
    hint = _radius_hint(mip.n_variables, y, levels, costs[:, candidates], np.searchsorted(candidates, sites))
    build_time = time.perf_counter() - build_start
    result = solve_mip(mip, options.solver or "cp-sat", options, budget=budget, hint=hint, watch=watch, presolve=False)
    found = sites  # every better solution excluded: the incumbent is optimal
    if result.values is not None:
        found = candidates[np.flatnonzero(result.values[y] > 0.5)]
    bound = upper if result.status == "infeasible" else max(result.bound, relaxation.bound)
    status = "optimal" if result.status == "infeasible" else result.status
    return _median_solution(costs, weights, found, bound, status, result.solver, budget, build_time)


def _cost(costs: NDArray[np.float64], weights: NDArray[np.float64], sites: NDArray[np.int64]) -> float:
    """Weighted cost of serving each client from its nearest of ``sites``."""
    nearest = costs[:, sites].min(axis=1)
    return float(weights @ nearest) if np.isfinite(nearest[weights > 0]).all() else np.inf


def _median_solution(
    costs: NDArray[np.float64],
    weights: NDArray[np.float64],
    sites: NDArray[np.int64],
    bound: float,
    status: str,
    solver: str,
    budget: Budget,
    build_time: float,
) -> FacilitySolution:
    """The solution serving each client from its nearest of ``sites``; the time
    not spent building the MIP counts as solving (heuristic, bound, solver)."""
    assignment = sites[np.argmin(costs[:, sites], axis=1)]
    objective = _cost(costs, weights, sites)
    bound = min(bound, objective)
    return FacilitySolution(
        sites=sites,
        assignment=assignment,
        objective=objective,
        bound=bound,
        status=proven(status, objective, bound),
        build_time=build_time,
        solve_time=budget.elapsed() - build_time,
        solver=solver,
    )


def _radius_model(
    costs: NDArray[np.float64], weights: NDArray[np.float64], p: int, opened: NDArray[np.int64]
) -> tuple[MipBuilder, NDArray[np.int64], list[NDArray[np.float64]]]:
    """The radius formulation over these sites, ``opened`` ones fixed open; the
    builder, the site variables and each client's cost levels."""
    n_clients, n_sites = costs.shape
    builder = MipBuilder()
    lower = np.zeros(n_sites)
    lower[opened] = 1.0
    y = builder.variables(n_sites)
    builder.rows(np.zeros(n_sites), y, 1.0, p, p)
    if len(opened):
        builder.rows(np.arange(len(opened)), y[opened], 1.0, 1.0, 1.0)
    enough = n_sites - p + 1  # any set of this many sites holds an open one
    nearest_opened = costs[:, opened].min(axis=1) if len(opened) else np.full(n_clients, np.inf)
    all_levels = []
    for i in range(n_clients):
        finite = np.flatnonzero(np.isfinite(costs[i]))
        levels, level_of = np.unique(costs[i, finite], return_inverse=True)
        covered = np.cumsum(np.bincount(level_of))
        last = int(np.searchsorted(covered, min(enough, len(finite))))  # the level that must hold an open site
        if np.isfinite(nearest_opened[i]):
            last = min(last, int(np.searchsorted(levels, nearest_opened[i])))
        levels = levels[: last + 1]
        all_levels.append(levels)
        z = builder.variables(last, cost=weights[i] * np.diff(levels))
        builder.offset += weights[i] * levels[0]
        # Level k: z[k] + sum(y at level k) - z[k-1] >= 0, with z[-1] = 1 and
        # z[last] = 0. The last row is implied when that level holds enough sites
        # or an opened one.
        holds = covered[last] >= enough or (np.isfinite(nearest_opened[i]) and levels[last] >= nearest_opened[i])
        rows_needed = last if holds else last + 1
        if rows_needed == 0:
            continue
        keep = level_of < rows_needed
        rows = [level_of[keep], np.arange(min(last, rows_needed)), np.arange(1, rows_needed)]
        columns = [y[finite[keep]], z[:rows_needed], z[: rows_needed - 1]]
        values = [np.ones(keep.sum()), np.ones(min(last, rows_needed)), -np.ones(rows_needed - 1)]
        row_lower = np.zeros(rows_needed)
        row_lower[0] = 1.0
        builder.rows(np.concatenate(rows), np.concatenate(columns), np.concatenate(values), row_lower, np.inf)
    return builder, y, all_levels


def _radius_hint(
    n_variables: int,
    y: NDArray[np.int64],
    levels: list[NDArray[np.float64]],
    costs: NDArray[np.float64],
    sites: NDArray[np.int64],
) -> NDArray[np.float64]:
    """The radius model's variables for open ``sites``: ``z[i, k] = 1`` while the
    client's nearest open site lies beyond level ``k``."""
    hint = np.zeros(n_variables)
    hint[y[sites]] = 1.0
    nearest = costs[:, sites].min(axis=1)
    column = int(y[-1]) + 1
    for i, client_levels in enumerate(levels):
        count = len(client_levels) - 1
        hint[column : column + count] = nearest[i] > client_levels[:count]
        column += count
    return hint


def capacitated_p_median(
    costs: ArrayLike,
    p: int,
    demand: ArrayLike,
    capacity: ArrayLike,
    *,
    fixed: ArrayLike | None = None,
    options: SolveParams | None = None,
    on_progress: OnProgress | None = None,
) -> FacilitySolution:
    """Open ``p`` of ``n`` points as medians and assign every point to one of them
    (single sourcing) within capacity, minimising total cost.

    Every point is a candidate median and an open median serves itself; ``costs``
    is ``n x n`` and ``inf`` forbids a pair. ``fixed`` medians stay open. The
    default solver is HiGHS, warm-started from a regret assignment improved by
    local search; a time limit returns the best assignment found with its bound.

    Examples
    --------
    >>> from dispatch.plan import capacitated_p_median
    >>> costs = [[0, 1, 5, 6], [1, 0, 5, 6], [5, 5, 0, 1], [6, 6, 1, 0]]
    >>> solution = capacitated_p_median(costs, 2, demand=[1, 1, 1, 1], capacity=[2, 2, 2, 2])
    >>> solution.objective, solution.status
    (2.0, 'optimal')
    """
    options = options or SolveParams()
    budget = Budget(options.time_limit)
    costs = check_costs(costs, p)
    n = costs.shape[0]
    if costs.shape != (n, n) or np.shape(demand) != (n,) or np.ndim(capacity) > 1 or np.size(capacity) not in (1, n):
        raise InputError(f"costs must be square ({n} x {n}) with {n} demands and {n} capacities (or one for all)")
    demand = check_weights(demand, n, "demand")
    capacities = check_capacity(capacity, n)
    fixed_sites = check_fixed(fixed, n, p)
    too_big = np.flatnonzero(demand > capacities.max())
    if len(too_big):
        raise InfeasibleError("points whose demand exceeds every capacity", listed([str(i) for i in too_big]))
    if np.sort(capacities)[-p:].sum() < demand.sum():
        raise InfeasibleError(f"the {p} largest capacities hold less than the total demand {demand.sum():g}")
    watch = Watch("capacitated p-median", on_progress, budget)
    start_from = capacitated_search(
        finite_costs(costs),
        demand,
        capacities,
        p,
        budget.start + HEURISTIC_SHARE * options.time_limit,
        fixed=fixed_sites,
    )
    if start_from is not None and np.isfinite(costs[np.arange(n), start_from]).all():
        watch.improve(float(costs[np.arange(n), start_from].sum()))
    else:
        start_from = None
    client, site = np.nonzero(np.isfinite(costs) & ~np.eye(n, dtype=bool))
    problem = Assignment(
        n_clients=n,
        n_sites=n,
        client=client,
        site=site,
        cost=costs[client, site],
        p=(p, p),
        site_client=np.arange(n),
        open_sites=fixed_sites,
        demand=demand,
        capacity=capacities,
    )
    solution = solve_assignment(problem, options, budget=budget, start_from=start_from, watch=watch)
    objective = float(costs[np.arange(n), solution.assignment].sum())
    return replace(solution, objective=objective, build_time=budget.elapsed() - solution.solve_time)
