"""Coverage models: fewest sites covering everyone, most weight covered by ``p``
sites, and most weight covered in expectation by a fleet of busy units.

- :func:`lscp`: the location set covering problem (Toregas et al. 1971);
- :func:`mclp`: the maximal covering location problem (Church & ReVelle 1974);
- :func:`mexclp`: the maximum expected covering location problem (Daskin 1983):
  several units per site, each busy a fraction ``busy`` of the time, so a client
  with ``k`` units in reach is covered with probability ``1 - busy**k``.

Each takes ``capacity`` (what a site can serve, or for MEXCLP how many units it
holds) and ``fixed`` (sites open already, or units in place), solves on the MIP
layer warm-started from a greedy solution, and returns a
:class:`CoverageSolution`: the best found within the time limit with its bound.
A client covers only from sites within ``radius`` (``costs <= radius``), so the
models are as sparse as the radius makes them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InfeasibleError, InputError, listed
from ..progress import OnProgress
from ..texttable import Table
from .facility import check_capacity, check_costs, check_fixed, check_weights
from .heuristics import capacitated_assignment, greedy_cover
from .mip import Budget, MipBuilder, MipResult, SolveParams, Watch, solve_mip
from .result import SolverResult, proven

__all__ = [
    "Cover",
    "CoverageSolution",
    "check_radius",
    "lscp",
    "mclp",
    "nearest_in_reach",
    "uncoverable",
]


@dataclass(frozen=True, kw_only=True)
class CoverageSolution(SolverResult):
    """Open sites, the units at each, and which clients they cover.

    ``assignment[i]`` is the site serving client ``i`` (its nearest open site in
    reach, or the one capacity assigns), ``-1`` when none does; ``covered[i]``
    says whether one does. ``objective`` is what the model optimises: sites
    opened (LSCP), weight covered (MCLP), expected weight covered (MEXCLP) or
    the largest cost (p-center); ``bound`` is the proven bound on it (above for
    a maximised objective).
    """

    sites: NDArray[np.int64]
    units: NDArray[np.int64]
    assignment: NDArray[np.int64]
    covered: NDArray[np.bool_]

    @property
    def coverage(self) -> float:
        """Share of clients covered (as spopt's ``perc_cov`` / 100)."""
        return float(self.covered.mean())

    def summary(self) -> str:
        """The open sites, the share covered and the solver's verdict."""
        return (
            f"{len(self.sites)} sites open: {self.sites.tolist()}; {self.covered.sum():,} of "
            f"{len(self.covered):,} clients covered ({self.coverage:.2%})\n{self.verdict()}"
        )

    def table(self) -> Table:
        """One row an open site: its units and the clients it serves."""
        rows = tuple((int(j), int(k), int((self.assignment == j).sum())) for j, k in zip(self.sites, self.units))
        return Table(
            "Open sites, their units and the clients each serves", ("site", "units", "clients"), rows, ("", ",", ",")
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return super().to_dict() | {
            "sites": self.sites.tolist(),
            "units": self.units.tolist(),
            "assignment": self.assignment.tolist(),
            "covered": self.covered.tolist(),
        }


def check_radius(radius: float) -> float:
    """``radius`` as a finite number ``>= 0``."""
    value = float(radius)
    if not (math.isfinite(value) and value >= 0):
        raise InputError(f"radius must be a finite number >= 0, got {radius!r}")
    return value


def uncoverable(costs: NDArray[np.float64], radius: float) -> None:
    """Raise :class:`InfeasibleError` naming each client with no site within
    ``radius``, and its nearest site."""
    far = np.flatnonzero((costs > radius).all(axis=1))
    if len(far):
        nearest = np.argmin(costs[far], axis=1)
        problems = [
            f"client {i}: nearest site {j} at {costs[i, j]:,.6g}" for i, j in zip(far.tolist(), nearest.tolist())
        ]
        raise InfeasibleError(f"clients with no site within radius {radius:,.6g}; raise the radius", listed(problems))


@dataclass(frozen=True)
class Cover:
    """The client-site pairs within reach and what the model needs of them."""

    n_clients: int
    n_sites: int
    client: NDArray[np.int64]
    site: NDArray[np.int64]
    demand: NDArray[np.float64] | None = None
    capacity: NDArray[np.float64] | None = None
    fixed: NDArray[np.int64] | None = None

    @classmethod
    def within(cls, costs: NDArray[np.float64], radius: float, **rest: Any) -> Cover:
        """The pairs with ``costs <= radius``."""
        client, site = np.nonzero(costs <= radius)
        return cls(costs.shape[0], costs.shape[1], client, site, **rest)

    def build(
        self, *, value: NDArray[np.float64] | None, p: tuple[int, int], site_cost: float = 0.0
    ) -> tuple[MipBuilder, NDArray[np.int64], NDArray[np.int64]]:
        """The covering MIP: sites ``y`` (``p`` of them) and client variables: with
        capacity one per pair (``x``), else one per client (``z``). With ``value``
        (minimised, so negative to reward) a client may stay uncovered; without,
        every client is covered."""
        builder = MipBuilder()
        y = builder.variables(self.n_sites, cost=site_cost)
        builder.rows(np.zeros(self.n_sites), y, 1.0, p[0], p[1])
        if self.fixed is not None and len(self.fixed):
            builder.rows(np.arange(len(self.fixed)), y[self.fixed], 1.0, 1.0, 1.0)
        lower = 0.0 if value is not None else 1.0
        if self.capacity is None:
            if value is None:  # every client: sum of sites in reach >= 1
                builder.rows(self.client, y[self.site], 1.0, 1.0, np.inf)
                return builder, y, np.zeros(0, dtype=np.int64)
            z = builder.variables(self.n_clients, cost=value)
            rows = np.concatenate([self.client, np.arange(self.n_clients)])
            members = np.concatenate([y[self.site], z])
            values = np.concatenate([np.ones(len(self.site)), -np.ones(self.n_clients)])
            builder.rows(rows, members, values, 0.0, np.inf)
            return builder, y, z
        demand = self.demand if self.demand is not None else np.ones(self.n_clients)
        x = builder.variables(len(self.client), cost=0.0 if value is None else value[self.client])
        builder.rows(self.client, x, 1.0, lower, 1.0)
        pairs = np.repeat(np.arange(len(x)), 2)
        builder.rows(pairs, np.column_stack([x, y[self.site]]).ravel(), np.tile([1.0, -1.0], len(x)), -np.inf, 0.0)
        rows = np.concatenate([self.site, np.arange(self.n_sites)])
        members = np.concatenate([x, y])
        builder.rows(rows, members, np.concatenate([demand[self.client], -self.capacity]), -np.inf, 0.0)
        return builder, y, x

    def hint(
        self, n_variables: int, y: NDArray[np.int64], clients: NDArray[np.int64], assignment: NDArray[np.int64]
    ) -> NDArray[np.float64]:
        """The model's variables for the sites of ``assignment`` (client -> site or
        -1): ``x`` on assigned pairs, or ``z`` for covered clients."""
        hint = np.zeros(n_variables)
        hint[y[np.unique(assignment[assignment >= 0])]] = 1.0
        if self.capacity is not None:
            hint[clients[assignment[self.client] == self.site]] = 1.0
        elif len(clients):
            hint[clients[assignment >= 0]] = 1.0
        return hint

    def assignment(
        self, costs: NDArray[np.float64], sites: NDArray[np.int64], result: MipResult, x: NDArray[np.int64]
    ) -> NDArray[np.int64]:
        """Each client's serving site: the assigned pair with capacity, else the
        nearest open site in reach; ``-1`` for none."""
        assignment = np.full(self.n_clients, -1, dtype=np.int64)
        if self.capacity is not None and result.values is not None:
            chosen = result.values[x] > 0.5
            assignment[self.client[chosen]] = self.site[chosen]
            return assignment
        return nearest_in_reach(costs, sites, self.client, self.site)


def nearest_in_reach(
    costs: NDArray[np.float64], sites: NDArray[np.int64], client: NDArray[np.int64], site: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Each client's nearest of ``sites`` among its pairs ``(client, site)``, or -1."""
    is_open = np.zeros(costs.shape[1], dtype=bool)
    is_open[sites] = True
    keep = is_open[site]
    client, site = client[keep], site[keep]
    order = np.lexsort((site, costs[client, site], client))
    assignment = np.full(costs.shape[0], -1, dtype=np.int64)
    first = np.unique(client[order], return_index=True)[1]
    assignment[client[order][first]] = site[order][first]
    return assignment


def _start(
    cover: Cover, costs: NDArray[np.float64], sites: NDArray[np.int64], priority: NDArray[np.float64] | None
) -> NDArray[np.int64] | None:
    """A feasible assignment from ``sites`` for a warm start: the nearest site in
    reach, or with capacity a regret assignment of every client (``priority``
    ``None``, ``None`` when it fails) or clients by decreasing ``priority`` to the
    nearest site in reach with room."""
    if cover.capacity is None:
        return nearest_in_reach(costs, sites, cover.client, cover.site)
    reach = np.full(costs.shape, np.inf)
    reach[cover.client, cover.site] = costs[cover.client, cover.site]
    demand = cover.demand if cover.demand is not None else np.ones(cover.n_clients)
    if priority is None:
        return capacitated_assignment(reach, demand, cover.capacity, sites, self_served=False)
    room = cover.capacity[sites].copy()
    assignment = np.full(cover.n_clients, -1, dtype=np.int64)
    for i in np.argsort(-priority, kind="stable"):
        fits = np.flatnonzero(np.isfinite(reach[i, sites]) & (room >= demand[i] - 1e-9))
        if len(fits):
            k = fits[np.argmin(reach[i, sites[fits]])]
            assignment[i] = sites[k]
            room[k] -= demand[i]
    return assignment


def lscp(
    costs: ArrayLike,
    radius: float,
    *,
    demand: ArrayLike | None = None,
    capacity: ArrayLike | None = None,
    fixed: ArrayLike | None = None,
    options: SolveParams | None = None,
    on_progress: OnProgress | None = None,
) -> CoverageSolution:
    """The fewest sites that cover every client within ``radius``.

    Parameters
    ----------
    costs
        ``costs[i, j]``: from site ``j`` to client ``i`` (``inf``: never).
    radius
        A site covers a client when ``costs[i, j] <= radius``.
    demand, capacity
        With ``capacity`` (one a site, or one for all), each client is served by
        one open site in reach whose served ``demand`` (ones by default) stays
        within its capacity.
    fixed
        Sites open already (they count in the objective).
    options
        Solver (HiGHS by default), time limit of the whole call, gap and seed.
    on_progress
        Hears the best objective and bound as they improve.

    Raises
    ------
    InfeasibleError
        A client has no site within ``radius`` (named, with its nearest site), or
        capacities cannot hold the demand.

    Examples
    --------
    >>> from dispatch.plan import lscp
    >>> costs = [[0, 5, 9], [5, 0, 4], [9, 4, 0]]
    >>> lscp(costs, 5).sites.tolist()
    [1]
    """
    options = options or SolveParams()
    budget = Budget(options.time_limit)
    cover, costs = _checked(costs, radius, demand, capacity, fixed, None)
    uncoverable(costs, float(radius))
    watch = Watch("set covering", on_progress, budget)
    cover_matrix = costs <= float(radius)
    sites = greedy_cover(cover_matrix, np.ones(cover.n_clients), None, cover.fixed)
    start_from = _start(cover, costs, sites, None)
    while start_from is None and len(sites) < cover.n_sites:
        assert cover.capacity is not None
        spare = np.setdiff1d(np.arange(cover.n_sites), sites)
        sites = np.sort(np.append(sites, spare[np.argmax(cover.capacity[spare] * cover_matrix[:, spare].sum(axis=0))]))
        start_from = _start(cover, costs, sites, None)
    if start_from is None:
        raise InfeasibleError("the site capacities cannot hold the demand of the clients in reach, even all open")
    builder, y, clients = cover.build(value=None, p=(0, cover.n_sites), site_cost=1.0)
    return _solve(builder, y, clients, cover, costs, start_from, options, budget, watch, sign=1.0)


def _checked(
    costs: ArrayLike,
    radius: float,
    demand: ArrayLike | None,
    capacity: ArrayLike | None,
    fixed: ArrayLike | None,
    p: int | None,
) -> tuple[Cover, NDArray[np.float64]]:
    costs = check_costs(costs, p)
    n_clients, n_sites = costs.shape
    demand_values = check_weights(demand, n_clients, "demand") if demand is not None else None
    capacity_values = check_capacity(capacity, n_sites) if capacity is not None else None
    if capacity_values is not None:
        needed = demand_values if demand_values is not None else np.ones(n_clients)
        too_big = np.flatnonzero(needed > capacity_values.max())
        if len(too_big):
            raise InfeasibleError("clients whose demand exceeds every capacity", listed([str(i) for i in too_big]))
    cover = Cover.within(
        costs,
        check_radius(radius),
        demand=demand_values,
        capacity=capacity_values,
        fixed=check_fixed(fixed, n_sites, p),
    )
    return cover, costs


def _solve(
    builder: MipBuilder,
    y: NDArray[np.int64],
    clients: NDArray[np.int64],
    cover: Cover,
    costs: NDArray[np.float64],
    start_from: NDArray[np.int64] | None,
    options: SolveParams,
    budget: Budget,
    watch: Watch,
    *,
    sign: float,
) -> CoverageSolution:
    """Solve a covering model and read its solution; ``sign = -1`` for a
    maximised objective (minimised as its negative)."""
    mip = builder.build()
    hint = cover.hint(mip.n_variables, y, clients, start_from) if start_from is not None else None
    if hint is not None:
        watch.improve(float(mip.cost @ hint) + mip.offset)
    build_time = budget.elapsed()
    result = solve_mip(mip, options.solver or "highs", options, budget=budget, hint=hint, watch=watch)
    if result.status == "infeasible":
        raise InfeasibleError("the solver proved the covering model infeasible (capacities or fixed sites)")
    if result.values is None:
        raise InfeasibleError("no covering solution was found within the time limit; raise time_limit")
    sites = np.flatnonzero(result.values[y] > 0.5)
    assignment = cover.assignment(costs, sites, result, clients)
    objective, bound = sign * result.objective, sign * result.bound
    return CoverageSolution(
        sites=sites,
        units=np.ones(len(sites), dtype=np.int64),
        assignment=assignment,
        covered=assignment >= 0,
        objective=objective,
        bound=bound,
        status=proven(result.status, objective, bound),
        build_time=build_time,
        solve_time=budget.elapsed() - build_time,
        solver=result.solver,
    )


def mclp(
    costs: ArrayLike,
    p: int,
    radius: float,
    weights: ArrayLike | None = None,
    *,
    demand: ArrayLike | None = None,
    capacity: ArrayLike | None = None,
    fixed: ArrayLike | None = None,
    options: SolveParams | None = None,
    on_progress: OnProgress | None = None,
) -> CoverageSolution:
    """Open ``p`` sites covering the most client weight within ``radius``.

    ``weights`` are what each client's coverage is worth (ones by default). With
    ``capacity`` a covered client is served by one open site in reach whose served
    ``demand`` (the weights by default) stays within its capacity. ``fixed`` sites
    are open already (counted in ``p``). The objective is the weight covered;
    ``bound`` is above it until proven.

    Examples
    --------
    >>> from dispatch.plan import mclp
    >>> costs = [[0, 5, 9], [5, 0, 4], [9, 4, 0]]
    >>> solution = mclp(costs, 1, 4, weights=[5, 1, 1])
    >>> solution.sites.tolist(), solution.objective
    ([0], 5.0)
    """
    options = options or SolveParams()
    budget = Budget(options.time_limit)
    costs = check_costs(costs, p)
    weights_values = check_weights(weights, costs.shape[0])
    cover, costs = _checked(costs, radius, demand if demand is not None else weights_values, capacity, fixed, p)
    watch = Watch("maximal covering", on_progress, budget, sign=-1.0)
    sites = greedy_cover(costs <= float(radius), weights_values, p, cover.fixed)
    start_from = _start(cover, costs, sites, weights_values)
    builder, y, clients = cover.build(value=-weights_values, p=(p, p))
    return _solve(builder, y, clients, cover, costs, start_from, options, budget, watch, sign=-1.0)
