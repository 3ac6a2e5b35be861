"""The p-center: ``p`` sites minimising the largest client-to-site cost.

The optimal radius is one of the distinct costs, and a radius is reachable when
``p`` sites cover every client within it: a set-covering decision. A greedy
cover bounds the radius from above at once; a binary search over the levels in
between then decides each middle level exactly (Minieka 1970; Daskin 2000), so
the search keeps a proven interval ``[bound, objective]`` all the way and a time
limit returns the best radius found with its bound.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InfeasibleError
from ..progress import OnProgress
from .coverage import Cover, CoverageSolution, nearest_in_reach
from .facility import check_capacity, check_costs, check_fixed, check_weights
from .heuristics import capacitated_assignment, greedy_cover
from .mip import Budget, SolveParams, Watch, solve_mip
from .result import proven

__all__ = ["p_center"]


def p_center(
    costs: ArrayLike,
    p: int,
    *,
    demand: ArrayLike | None = None,
    capacity: ArrayLike | None = None,
    fixed: ArrayLike | None = None,
    options: SolveParams | None = None,
    on_progress: OnProgress | None = None,
) -> CoverageSolution:
    """Open ``p`` sites minimising the largest cost from a client to its site.

    Parameters
    ----------
    costs
        ``costs[i, j]``: from site ``j`` to client ``i`` (``inf``: never).
    p
        Number of sites to open.
    demand, capacity
        With ``capacity`` (one a site, or one for all) each client is served by
        one open site whose served ``demand`` (ones by default) stays within it.
    fixed
        Sites open already (counted in ``p``).
    options
        Solver (CP-SAT by default), time limit of the whole call, seed.
    on_progress
        Hears the best radius and bound as they improve.

    Examples
    --------
    >>> from dispatch.plan import p_center
    >>> costs = [[0, 5, 9], [5, 0, 4], [9, 4, 0]]
    >>> solution = p_center(costs, 1)
    >>> solution.sites.tolist(), solution.objective
    ([1], 5.0)
    """
    options = options or SolveParams()
    budget = Budget(options.time_limit)
    costs = check_costs(costs, p)
    n_clients, n_sites = costs.shape
    demand_values = check_weights(demand, n_clients, "demand") if demand is not None else np.ones(n_clients)
    capacity_values = check_capacity(capacity, n_sites) if capacity is not None else None
    fixed_sites = check_fixed(fixed, n_sites, p)
    if capacity_values is not None and np.sort(capacity_values)[-p:].sum() < demand_values.sum():
        raise InfeasibleError(f"the {p} largest capacities hold less than the total demand {demand_values.sum():g}")
    levels = np.unique(costs[np.isfinite(costs)])
    watch = Watch("p-center", on_progress, budget)
    low = int(np.searchsorted(levels, costs.min(axis=1).max()))
    if fixed_sites is not None and len(fixed_sites) == p:
        low = len(levels) - 1  # nothing to choose: the fixed sites are the answer
    best, high = _greedy(costs, levels, low, p, demand_values, capacity_values, fixed_sites)
    build_time = budget.elapsed()
    solver = "greedy"
    while low < high and budget.left() > 0:
        watch.improve(float(levels[high]), float(levels[low]))
        middle = (low + high) // 2
        cover = Cover.within(
            costs, float(levels[middle]), demand=demand_values, capacity=capacity_values, fixed=fixed_sites
        )
        if len(np.unique(cover.client)) < n_clients:
            low = middle + 1
            continue
        builder, y, x = cover.build(value=None, p=(0, p))
        result = solve_mip(builder.build(), options.solver or "cp-sat", options, budget=budget)
        solver = result.solver
        if result.status == "infeasible":
            low = middle + 1
        elif result.values is not None:
            sites = np.flatnonzero(result.values[y] > 0.5)
            best = cover.assignment(costs, sites, result, x)
            high = int(np.searchsorted(levels, _radius(costs, best)))
        else:
            break  # the time limit ran out undecided
    objective, bound = _radius(costs, best), float(levels[low])
    watch.improve(objective, bound)
    sites = np.unique(best)
    if fixed_sites is not None:
        sites = np.union1d(sites, fixed_sites)
    return CoverageSolution(
        sites=sites,
        units=np.ones(len(sites), dtype=np.int64),
        assignment=best,
        covered=best >= 0,
        objective=objective,
        bound=bound,
        status=proven("optimal" if low >= high else "feasible", objective, bound),
        build_time=build_time,
        solve_time=budget.elapsed() - build_time,
        solver=solver,
    )


def _radius(costs: NDArray[np.float64], assignment: NDArray[np.int64]) -> float:
    """The largest cost of ``assignment``."""
    return float(costs[np.arange(len(costs)), assignment].max())


def _greedy(
    costs: NDArray[np.float64],
    levels: NDArray[np.float64],
    low: int,
    p: int,
    demand: NDArray[np.float64],
    capacity: NDArray[np.float64] | None,
    fixed: NDArray[np.int64] | None,
) -> tuple[NDArray[np.int64], int]:
    """The smallest level (searched by bisection from ``low``) at which a greedy
    cover of at most ``p`` sites serves everyone, and its assignment."""
    found: tuple[NDArray[np.int64], int] | None = None
    lo, hi = low, len(levels) - 1
    while lo <= hi:
        middle = (lo + hi) // 2
        assignment = _greedy_at(costs, float(levels[middle]), p, demand, capacity, fixed)
        if assignment is None:
            lo = middle + 1
        else:
            found = assignment, int(np.searchsorted(levels, _radius(costs, assignment)))
            hi = found[1] - 1
    if found is None:  # capacities defeat the greedy cover: the p largest, all clients in reach
        sites = np.argsort(-(capacity if capacity is not None else np.zeros(costs.shape[1])), kind="stable")[:p]
        sites = np.union1d(fixed, sites)[:p] if fixed is not None else np.sort(sites)
        assignment = (
            capacitated_assignment(costs, demand, capacity, sites, self_served=False) if capacity is not None else None
        )
        if assignment is None:
            raise InfeasibleError(f"no assignment of the clients to {p} sites within capacity was found")
        found = assignment, int(np.searchsorted(levels, _radius(costs, assignment)))
    return found


def _greedy_at(
    costs: NDArray[np.float64],
    radius: float,
    p: int,
    demand: NDArray[np.float64],
    capacity: NDArray[np.float64] | None,
    fixed: NDArray[np.int64] | None,
) -> NDArray[np.int64] | None:
    """A greedy cover within ``radius`` by at most ``p`` sites, as an assignment."""
    reach = costs <= radius
    if not reach.any(axis=1).all():
        return None
    sites = greedy_cover(reach, np.ones(len(costs)), None, fixed)
    if len(sites) > p:
        return None
    if capacity is None:
        client, site = np.nonzero(reach)
        return nearest_in_reach(costs, sites, client, site)
    return capacitated_assignment(np.where(reach, costs, np.inf), demand, capacity, sites, self_served=False)
