"""Daskin's maximum expected covering location problem (MEXCLP, 1983).

``units`` units are placed at sites, several to a site if need be; each is busy
a fraction ``busy`` of the time, independently, so a client with ``k`` units in
reach is covered with probability ``1 - busy**k``. The model maximises the
expected covered weight ``sum_i w_i (1 - busy**k_i)``, written linearly with one
binary per client and unit in reach: the ``k``-th unit adds
``w_i (1 - busy) busy**(k - 1)``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InfeasibleError, InputError, listed
from ..progress import OnProgress
from .coverage import CoverageSolution, check_radius, nearest_in_reach
from .facility import check_costs, check_weights
from .mip import Budget, MipBuilder, SolveParams, Watch, solve_mip
from .result import proven

__all__ = ["expected_coverage", "mexclp"]


def expected_coverage(
    reach: NDArray[np.bool_], units: NDArray[np.int64], busy: float, weights: NDArray[np.float64]
) -> float:
    """``sum_i w_i (1 - busy**k_i)``, ``k_i`` the units in reach of client ``i``."""
    in_reach = reach.astype(np.int64) @ units
    return float(weights @ (1.0 - busy**in_reach))


def _unit_counts(values: ArrayLike | None, n_sites: int, name: str, default: int) -> NDArray[np.int64]:
    """A count of units a site (a scalar applies to all): whole numbers >= 0."""
    raw = np.broadcast_to(np.asarray(default if values is None else values, dtype=np.float64), (n_sites,))
    bad = np.flatnonzero(~(np.isfinite(raw) & (raw >= 0) & (raw == np.rint(raw))))
    if len(bad):
        raise InputError(f"{name} must be whole numbers of units >= 0", listed([f"site {j}: {raw[j]}" for j in bad]))
    return raw.astype(np.int64)


def mexclp(
    costs: ArrayLike,
    units: int,
    radius: float,
    busy: float,
    weights: ArrayLike | None = None,
    *,
    capacity: ArrayLike | None = None,
    fixed: ArrayLike | None = None,
    options: SolveParams | None = None,
    on_progress: OnProgress | None = None,
) -> CoverageSolution:
    """Place ``units`` units at sites to maximise the expected covered weight.

    Parameters
    ----------
    costs
        ``costs[i, j]``: from site ``j`` to client ``i`` (``inf``: never).
    units
        Units to place, those already in place (``fixed``) included.
    radius
        A unit covers a client when ``costs[i, j] <= radius``.
    busy
        The share of time each unit is busy, in ``[0, 1)``.
    weights
        What each client's coverage is worth (ones by default).
    capacity
        Most units a site can hold (one a site, or one for all; no limit by default).
    fixed
        Units already at each site, which stay (one count a site).
    options
        Solver (HiGHS by default), time limit of the whole call, gap and seed.
    on_progress
        Hears the best objective and bound as they improve.

    Examples
    --------
    >>> from dispatch.plan import mexclp
    >>> costs = [[0, 5], [5, 0], [9, 0]]
    >>> solution = mexclp(costs, 2, 5, busy=0.5)
    >>> solution.sites.tolist(), solution.units.tolist(), solution.objective
    ([1], [2], 2.25)
    """
    options = options or SolveParams()
    budget = Budget(options.time_limit)
    costs = check_costs(costs)
    n_clients, n_sites = costs.shape
    if not (isinstance(units, (int, np.integer)) and units >= 1):
        raise InputError(f"units must be a whole number >= 1, got {units!r}")
    if not (isinstance(busy, (int, float)) and math.isfinite(busy) and 0 <= busy < 1):
        raise InputError(f"busy must be a fraction in [0, 1), got {busy!r}")
    weights_values = check_weights(weights, n_clients)
    most = _unit_counts(capacity, n_sites, "capacity", units)
    least = _unit_counts(fixed, n_sites, "fixed", 0)
    over = np.flatnonzero(least > most)
    if len(over):
        raise InputError(
            "fixed units exceed a site's capacity", listed([f"site {j}: {least[j]} > {most[j]}" for j in over])
        )
    if least.sum() > units:
        raise InfeasibleError(f"{least.sum()} units are fixed in place, more than the {units} to place")
    if most.sum() < units:
        raise InfeasibleError(f"the sites hold at most {most.sum()} units, fewer than the {units} to place")
    reach = costs <= check_radius(radius)
    watch = Watch("expected covering", on_progress, budget, sign=-1.0)
    placed = _greedy(reach, units, busy, weights_values, least, most)
    builder = MipBuilder()
    x = builder.variables(n_sites, upper=most.astype(np.float64))
    builder.rows(np.zeros(n_sites), x, 1.0, units, units)
    if least.any():
        at = np.flatnonzero(least)
        builder.rows(np.arange(len(at)), x[at], 1.0, least[at].astype(np.float64), np.inf)
    client, site = np.nonzero(reach)
    in_reach = np.minimum(np.bincount(client, weights=most[site], minlength=n_clients), units).astype(np.int64)
    # One binary a client and unit in reach: the k-th adds w (1 - busy) busy**(k - 1).
    owner = np.repeat(np.arange(n_clients), in_reach)
    rank = np.arange(len(owner)) - np.repeat(np.cumsum(in_reach) - in_reach, in_reach)
    v = builder.variables(len(owner), cost=-weights_values[owner] * (1 - busy) * busy**rank)
    reached = np.flatnonzero(in_reach)
    row_of = np.full(n_clients, -1)
    row_of[reached] = np.arange(len(reached))
    pairs = in_reach[client] > 0
    rows = np.concatenate([row_of[owner], row_of[client[pairs]]])
    values = np.concatenate([np.ones(len(v)), -np.ones(int(pairs.sum()))])
    builder.rows(rows, np.concatenate([v, x[site[pairs]]]), values, -np.inf, 0.0)
    served = reach.astype(np.int64) @ placed
    mip = builder.build()
    hint = np.zeros(mip.n_variables)
    hint[x] = placed
    hint[v] = rank < served[owner]
    build_time = budget.elapsed()
    result = solve_mip(mip, options.solver or "highs", options, budget=budget, hint=hint, watch=watch)
    assert result.values is not None  # the hint is feasible
    counts = np.rint(result.values[x]).astype(np.int64)
    sites = np.flatnonzero(counts)
    objective = expected_coverage(reach, counts, busy, weights_values)
    bound = max(-result.bound, objective)
    assignment = nearest_in_reach(costs, sites, client, site)
    return CoverageSolution(
        sites=sites,
        units=counts[sites],
        assignment=assignment,
        covered=assignment >= 0,
        objective=objective,
        bound=bound,
        status=proven(result.status, objective, bound),
        build_time=build_time,
        solve_time=budget.elapsed() - build_time,
        solver=result.solver,
    )


def _greedy(
    reach: NDArray[np.bool_],
    units: int,
    busy: float,
    weights: NDArray[np.float64],
    least: NDArray[np.int64],
    most: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Units added one at a time where each adds the most expected coverage."""
    placed: NDArray[np.int64] = least.copy()
    served = reach.astype(np.int64) @ placed
    for _ in range(units - int(least.sum())):
        gain = (weights * (1 - busy) * busy**served) @ reach
        gain[placed >= most] = -np.inf
        best = int(np.argmax(gain))
        placed[best] += 1
        served += reach[:, best]
    return placed
