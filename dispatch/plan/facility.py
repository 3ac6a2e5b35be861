"""The assignment engine behind :func:`dispatch.plan.cluster` and the capacitated
models, with the result and input checks every facility model shares.

The **assignment** formulation (``x[i, j]``: client ``i`` served by site ``j``)
carries the side constraints of clustering: self-service of an open site's own
client, a count of other clients per site, capacities, fixed sites and a balance
term. It solves on the MIP layer (:mod:`dispatch.plan.mip`), or as min cost flow
when every site is fixed open.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InfeasibleError, InputError, SolverError, listed
from ..texttable import Table
from .mip import Budget, Mip, MipBuilder, MipResult, SolveParams, Solver, Watch, integer_scale, solve_mip
from .result import SolverResult, proven

__all__ = [
    "Assignment",
    "Balance",
    "FacilitySolution",
    "Violations",
    "check_capacity",
    "check_costs",
    "check_fixed",
    "check_weights",
    "solve_assignment",
    "violations",
]


@dataclass(frozen=True, kw_only=True)
class FacilitySolution(SolverResult):
    """Open sites and the site serving each client.

    ``objective`` is recomputed in floating point from the solution; ``bound`` is
    the solver's proven lower bound; ``status`` is ``"optimal"`` only when the two
    meet.
    """

    sites: NDArray[np.int64]
    assignment: NDArray[np.int64]

    def summary(self) -> str:
        """The open sites and the solver's verdict."""
        return f"{len(self.sites)} sites open: {self.sites.tolist()}\n{self.verdict()}"

    def table(self) -> Table:
        """One row an open site: its clients."""
        rows = tuple((int(j), int((self.assignment == j).sum())) for j in self.sites)
        return Table("Open sites and the clients each serves", ("site", "clients"), rows, ("", ","))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return super().to_dict() | {"sites": self.sites.tolist(), "assignment": self.assignment.tolist()}


MAX_VALUE = 1e9
"""Largest cost or weight the engine takes: solvers scale them to integers, and
larger values overflow that scaling (give costs in other units instead)."""


def check_costs(costs: ArrayLike, p: int | None = None) -> NDArray[np.float64]:
    """``costs`` as a float matrix of ``>= 0`` entries (``inf`` forbids a pair), with
    ``1 <= p <= sites`` and every client allowed some site; else a named error."""
    costs = np.asarray(costs, dtype=np.float64)
    if costs.ndim != 2 or costs.size == 0:
        raise InputError(f"costs must be a non-empty clients x sites matrix, got shape {costs.shape}")
    bad = np.argwhere(np.isnan(costs) | (costs < 0))
    if len(bad):
        raise InputError(
            "costs must be >= 0 (inf marks a pair that is not allowed)",
            listed([f"client {i}, site {j}: {costs[i, j]}" for i, j in bad]),
        )
    huge = np.argwhere(np.isfinite(costs) & (costs > MAX_VALUE))
    if len(huge):
        raise InputError(
            f"costs must be at most {MAX_VALUE:g}; give them in larger units (minutes, kilometres)",
            listed([f"client {i}, site {j}: {costs[i, j]:g}" for i, j in huge]),
        )
    if p is not None and (isinstance(p, bool) or not isinstance(p, (int, np.integer))):
        raise InputError(f"p must be a whole number of sites, got {p!r}")
    if p is not None and not 1 <= p <= costs.shape[1]:
        raise InfeasibleError(f"p = {p} sites cannot be opened: there are {costs.shape[1]} candidate sites")
    stranded = np.flatnonzero(~np.isfinite(costs).any(axis=1))
    if len(stranded):
        raise InfeasibleError("clients with no allowed site (every cost is inf)", listed([str(i) for i in stranded]))
    return costs


def check_weights(weights: ArrayLike | None, n_clients: int, name: str = "weights") -> NDArray[np.float64]:
    """Client weights: ``n_clients`` finite numbers ``>= 0`` (all ones by default)."""
    if weights is None:
        return np.ones(n_clients)
    values = np.asarray(weights, dtype=np.float64)
    usable = np.isfinite(values) & (values >= 0) & (values <= MAX_VALUE)
    if values.shape != (n_clients,) or not usable.all():
        bad = [f"client {i}: {values[i]:g}" for i in np.flatnonzero(~usable)] if values.ndim == 1 else []
        raise InputError(
            f"{name} must be {n_clients} numbers from 0 to {MAX_VALUE:g}, one per client", listed(bad) or None
        )
    return values


def check_fixed(fixed: ArrayLike | None, n_sites: int, p: int | None) -> NDArray[np.int64] | None:
    """Sites fixed open: distinct indices of sites, at most ``p`` of them."""
    if fixed is None:
        return None
    values = np.asarray(fixed)
    if values.ndim != 1 or (len(values) and not np.issubdtype(values.dtype, np.integer)):
        raise InputError(f"fixed must be a list of site indices, got {fixed!r}")
    sites = values.astype(np.int64)
    outside = [str(j) for j in sites if not 0 <= j < n_sites]
    if outside:
        raise InputError(f"fixed names sites that do not exist (there are {n_sites}, numbered from 0)", listed(outside))
    if len(np.unique(sites)) != len(sites):
        raise InputError(f"fixed names a site twice: {sorted(sites.tolist())}")
    if p is not None and len(sites) > p:
        raise InfeasibleError(f"{len(sites)} fixed sites are more than the p = {p} sites to open")
    return np.sort(sites)


def check_capacity(capacity: ArrayLike, n_sites: int) -> NDArray[np.float64]:
    """Site capacities: one finite number ``>= 0`` a site (a scalar applies to all)."""
    values: NDArray[np.float64] = np.broadcast_to(np.asarray(capacity, dtype=np.float64), (n_sites,)).copy()
    bad = np.flatnonzero(~(np.isfinite(values) & (values >= 0)))
    if len(bad):
        raise InputError("capacity must be finite and >= 0", listed([f"site {j}: {values[j]}" for j in bad]))
    return values


def _result_status(result: MipResult, what: str) -> None:
    if result.status == "infeasible":
        raise InfeasibleError(f"the solver proved {what} infeasible")
    if result.values is None:
        raise SolverError(f"no solution to {what} within the time limit of the solve options; raise time_limit")


def _solution(
    sites: NDArray[np.int64],
    assignment: NDArray[np.int64],
    objective: float,
    result: MipResult,
    build_time: float,
) -> FacilitySolution:
    bound = min(result.bound, objective)
    return FacilitySolution(
        sites=sites,
        assignment=assignment,
        objective=objective,
        bound=bound,
        status=proven(result.status, objective, bound),
        build_time=build_time,
        solve_time=result.solve_time,
        solver=result.solver,
    )


MAX_LINKED_PAIRS = 50_000
"""Above this many client-site pairs a capacitated assignment drops the rows
``x[i, j] <= y[j]`` that its capacity rows imply: a weaker LP, but one the solver
can finish."""


@dataclass(frozen=True)
class Balance:
    """Per-site balance of what its clients bring: ``E[j] = sum(gain[i])`` over the
    clients of site ``j`` (its own client included), ``H[j] = sum(size[i])``.

    ``"tolerance"`` keeps ``|E[j]| <= tolerance * H[j]``; ``"weighted"`` adds
    ``weight * sum(|E[j]|)`` to the objective and ``"minmax"`` adds
    ``weight * max(|E[j]|)``. ``gain`` must be integral for CP-SAT's penalties.
    """

    gain: NDArray[np.float64]
    size: NDArray[np.float64]
    mode: Literal["tolerance", "weighted", "minmax"]
    tolerance: float = 0.0
    weight: float = 0.0


@dataclass(frozen=True)
class Assignment:
    """An assignment problem: each client goes to exactly one open site.

    Allowed pairs are ``(client[k], site[k])`` at ``cost[k]``. With ``site_client``,
    site ``j`` stands at client ``site_client[j]``, which it serves itself when open
    at ``site_cost[j]`` (and no other site may then serve that client). ``count``
    bounds the number of *other* clients of an open site; ``capacity`` bounds the
    ``demand`` it serves, its own client's included. ``open_sites`` stay open.
    """

    n_clients: int
    n_sites: int
    client: NDArray[np.int64]
    site: NDArray[np.int64]
    cost: NDArray[np.float64]
    p: tuple[int, int]
    site_client: NDArray[np.int64] | None = None
    site_cost: NDArray[np.float64] | None = None
    open_sites: NDArray[np.int64] | None = None
    count: tuple[int, int] | None = None
    demand: NDArray[np.float64] | None = None
    capacity: NDArray[np.float64] | None = None
    balance: Balance | None = None


def _build_assignment(problem: Assignment, *, elastic: bool = False) -> tuple[Mip, dict[str, NDArray[np.int64]]]:
    """The assignment MIP and its variable blocks (``x``, ``y`` and, when
    ``elastic``, the slacks that let each placement, count and balance row give)."""
    n_sites = problem.n_sites
    builder = MipBuilder()
    own = problem.site_client
    site_cost = np.zeros(n_sites) if problem.site_cost is None or elastic else problem.site_cost
    y = builder.variables(n_sites, cost=site_cost)
    x = builder.variables(len(problem.client), cost=0.0 if elastic else problem.cost)
    blocks = {"x": x, "y": y}
    if problem.open_sites is not None and len(problem.open_sites):
        builder.rows(np.arange(len(problem.open_sites)), y[problem.open_sites], 1.0, 1.0, 1.0)
    # Placing a row below its bound costs more than every balance slack together.
    penalty = 1.0 + (float(np.abs(problem.balance.size).sum()) if problem.balance is not None else 0.0)
    # Every client exactly once: its pairs, plus its own site if it has one.
    rows = [problem.client] + ([own] if own is not None else [])
    columns = [x] + ([y] if own is not None else [])
    if elastic:
        blocks["unplaced"] = builder.variables(problem.n_clients, cost=penalty)
        rows.append(np.arange(problem.n_clients))
        columns.append(blocks["unplaced"])
    builder.rows(np.concatenate(rows), np.concatenate(columns), 1.0, 1.0, 1.0)
    # A pair only to an open site: one row a pair, unless the site's capacity row
    # implies it (positive demand) and there are too many pairs for the LP.
    linked = np.ones(len(x), dtype=bool)
    if problem.capacity is not None and problem.demand is not None and len(x) > MAX_LINKED_PAIRS:
        linked = problem.demand[problem.client] <= 0
    pairs = np.repeat(np.arange(int(linked.sum())), 2)
    links = np.column_stack([x[linked], y[problem.site[linked]]]).ravel()
    builder.rows(pairs, links, np.tile([1.0, -1.0], int(linked.sum())), -np.inf, 0.0)
    builder.rows(np.zeros(n_sites), y, 1.0, problem.p[0], problem.p[1])
    if problem.count is not None:
        low, high = problem.count
        ones = np.ones(len(x))
        short = builder.variables(n_sites, upper=low, cost=penalty) if elastic else None
        _per_site(builder, problem, x, y, ones, -np.full(n_sites, float(low)), 0.0, np.inf, slack=short)
        _per_site(builder, problem, x, y, ones, -np.full(n_sites, float(high)), -np.inf, 0.0)
        if short is not None:
            blocks["short"] = short
    if problem.capacity is not None and problem.demand is not None:
        own_demand = problem.demand[own] if own is not None else np.zeros(n_sites)
        demand = problem.demand[problem.client]
        _per_site(builder, problem, x, y, demand, own_demand - problem.capacity, -np.inf, 0.0)
        # Open capacity covers all demand: implied, but it tightens the LP.
        builder.rows(np.zeros(n_sites), y, problem.capacity, problem.demand.sum(), np.inf)
    if problem.balance is not None:
        blocks |= _add_balance(builder, problem, x, y, elastic)
    return builder.build(), blocks


def _per_site(
    builder: MipBuilder,
    problem: Assignment,
    x: NDArray[np.int64],
    y: NDArray[np.int64],
    pair_values: NDArray[np.float64],
    own_values: NDArray[np.float64],
    lower: float,
    upper: float,
    *,
    slack: NDArray[np.int64] | None = None,
) -> None:
    """One row a site: ``lower <= sum(pair_values * x at j) + own_values[j] * y[j]
    (+ slack[j], or - slack[j] for an upper bound) <= upper``."""
    sites = np.arange(problem.n_sites)
    at_site = [problem.site, sites]
    members = [x, y]
    values = [pair_values, own_values]
    if slack is not None:
        at_site.append(sites)
        members.append(slack)
        values.append(np.full(problem.n_sites, 1.0 if np.isfinite(lower) else -1.0))
    builder.rows(np.concatenate(at_site), np.concatenate(members), np.concatenate(values), lower, upper)


def _add_balance(
    builder: MipBuilder, problem: Assignment, x: NDArray[np.int64], y: NDArray[np.int64], elastic: bool
) -> dict[str, NDArray[np.int64]]:
    balance = problem.balance
    assert balance is not None and problem.site_client is not None
    own = problem.site_client
    gain_pairs, gain_own = balance.gain[problem.client], balance.gain[own]
    n_sites = problem.n_sites
    most = float(np.abs(balance.gain).sum() + balance.tolerance * np.abs(balance.size).sum())
    if balance.mode == "tolerance":
        over = builder.variables(n_sites, upper=most, cost=1.0) if elastic else None
        under = builder.variables(n_sites, upper=most, cost=1.0) if elastic else None
        slack_pairs = balance.tolerance * balance.size[problem.client]
        slack_own = balance.tolerance * balance.size[own]
        _per_site(builder, problem, x, y, gain_pairs + slack_pairs, gain_own + slack_own, 0.0, np.inf, slack=under)
        _per_site(builder, problem, x, y, gain_pairs - slack_pairs, gain_own - slack_own, -np.inf, 0.0, slack=over)
        return {"over": over, "under": under} if over is not None and under is not None else {}
    if elastic:
        return {}  # a penalty always holds
    if balance.mode == "weighted":
        deviation = builder.variables(n_sites, upper=most, cost=balance.weight)
        index = np.arange(n_sites)
    else:
        deviation = builder.variables(1, upper=most, cost=balance.weight)
        index = np.zeros(n_sites, dtype=np.int64)
    at_site = np.concatenate([problem.site, np.arange(n_sites), np.arange(n_sites)])
    members = np.concatenate([x, y, deviation[index]])
    for sign in (1.0, -1.0):  # deviation >= E and deviation >= -E
        values = np.concatenate([sign * gain_pairs, sign * gain_own, -np.ones(n_sites)])
        builder.rows(at_site, members, values, -np.inf, 0.0)
    return {}


@dataclass(frozen=True)
class Violations:
    """The fewest rules an infeasible assignment must break: clients left
    unplaced, sites short of their minimum count, sites outside the balance
    tolerance."""

    unplaced: NDArray[np.int64]
    short: NDArray[np.int64]
    unbalanced: NDArray[np.int64]


def violations(problem: Assignment, options: SolveParams, *, default_solver: Solver = "highs") -> Violations:
    """Solve ``problem`` with every placement, count and balance row allowed to
    give at a price, and report which gave: the reason it is infeasible."""
    mip, blocks = _build_assignment(problem, elastic=True)
    result = solve_mip(mip, options.solver or default_solver, options)
    _result_status(result, "the relaxed assignment")
    assert result.values is not None
    values = result.values

    def given(*names: str) -> NDArray[np.int64]:
        found = [np.flatnonzero(values[blocks[n]] > 0.5) for n in names if n in blocks]
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)

    return Violations(given("unplaced"), given("short"), given("over", "under"))


def solve_assignment(
    problem: Assignment,
    options: SolveParams,
    *,
    default_solver: Solver = "highs",
    budget: Budget | None = None,
    start_from: NDArray[np.int64] | None = None,
    watch: Watch | None = None,
) -> FacilitySolution:
    """Solve an assignment problem within ``budget`` (``options.time_limit`` from now
    by default).

    With every site fixed open and no capacity or balance it is a transportation
    problem, solved exactly by OR-Tools min cost flow; otherwise a MIP, warm-started
    from the feasible assignment ``start_from`` (client -> site) when given, which
    is also the answer when the solver finds nothing better in time.
    """
    start = time.perf_counter()
    budget = budget or Budget(options.time_limit, start)
    if (
        problem.open_sites is not None
        and len(problem.open_sites) == problem.n_sites
        and problem.capacity is None
        and problem.balance is None
    ):
        return _min_cost_flow(problem, start)
    mip, blocks = _build_assignment(problem)
    x, y = blocks["x"], blocks["y"]
    hint = None
    if start_from is not None and problem.balance is None:
        hint = np.zeros(mip.n_variables)
        hint[y[np.unique(start_from)]] = 1.0
        hint[x[start_from[problem.client] == problem.site]] = 1.0
    build_time = time.perf_counter() - start
    result = solve_mip(mip, options.solver or default_solver, options, budget=budget, hint=hint, watch=watch)
    _result_status(result, "the assignment with its side constraints")
    assert result.values is not None
    sites = np.flatnonzero(result.values[y] > 0.5)
    assignment = np.full(problem.n_clients, -1, dtype=np.int64)
    chosen = result.values[x] > 0.5
    assignment[problem.client[chosen]] = problem.site[chosen]
    if problem.site_client is not None:
        assignment[problem.site_client[sites]] = sites
    return _solution(sites, assignment, result.objective, result, build_time)


def _min_cost_flow(problem: Assignment, start: float) -> FacilitySolution:
    """Clients to fixed open sites within the per-site count: a transportation
    problem (lower bounds moved into the supplies)."""
    from ortools.graph.python import min_cost_flow

    n_sites = problem.n_sites
    own = problem.site_client if problem.site_client is not None else np.full(n_sites, -1)
    served_by_self = np.zeros(problem.n_clients, dtype=bool)
    served_by_self[own[own >= 0]] = True
    free = np.flatnonzero(~served_by_self)
    node_of = np.full(problem.n_clients, -1)
    node_of[free] = np.arange(len(free))
    pairs = np.flatnonzero(~served_by_self[problem.client])
    low, high = problem.count if problem.count is not None else (0, len(free))
    scale = integer_scale(problem.cost[pairs])
    flow = min_cost_flow.SimpleMinCostFlow()
    sink = len(free) + n_sites
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        node_of[problem.client[pairs]],
        len(free) + problem.site[pairs],
        np.ones(len(pairs), dtype=np.int64),
        np.rint(problem.cost[pairs] * scale).astype(np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        len(free) + np.arange(n_sites),
        np.full(n_sites, sink),
        np.full(n_sites, high - low, dtype=np.int64),
        np.zeros(n_sites, dtype=np.int64),
    )
    supplies = np.concatenate([np.ones(len(free)), np.full(n_sites, -low), [-(len(free) - n_sites * low)]])
    flow.set_nodes_supplies(np.arange(sink + 1), supplies.astype(np.int64))
    solve_start = time.perf_counter()
    code = flow.solve()
    solve_time = time.perf_counter() - solve_start
    if code == flow.INFEASIBLE:
        raise InfeasibleError(
            f"the {len(free)} clients cannot be shared among the {n_sites} fixed sites "
            f"with {low} to {high} each within the allowed pairs"
        )
    if code != flow.OPTIMAL:
        raise SolverError(f"min cost flow stopped with status {code}")
    chosen = pairs[flow.flows(arcs) > 0]
    assignment = np.full(problem.n_clients, -1, dtype=np.int64)
    assignment[problem.client[chosen]] = problem.site[chosen]
    sites = np.arange(n_sites)
    assignment[own[own >= 0]] = sites[own >= 0]
    site_cost = problem.site_cost.sum() if problem.site_cost is not None else 0.0
    objective = float(problem.cost[chosen].sum() + site_cost)
    build_time = time.perf_counter() - start - solve_time
    return FacilitySolution(
        sites=sites,
        assignment=assignment,
        objective=objective,
        bound=objective,
        status="optimal",
        build_time=build_time,
        solve_time=solve_time,
        solver="min-cost-flow",
    )
