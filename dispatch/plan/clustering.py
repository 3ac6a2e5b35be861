"""Plan the reform: type the stations and cluster them with OR-Tools.

Border stations come from geometry (or are given) and are linked to their partner
stations across the boundary. The other stations become **central** stations or
**base** stations of exactly one central, following 地域相邻、强弱搭配、便于协同:

- a base joins a central within ``max_link_time`` by road (and, optionally, only a
  neighbouring jurisdiction);
- a central is at least as strong as each of its bases, and each cluster's
  strength relative to its workload can be kept near the district's;
- each central coordinates ``min_bases`` to ``max_bases`` bases (1-2 by default).

The objective is the workload-weighted road travel time from each station's
central to that station's demand (incident-seconds a year), plus the balance
penalty when one is asked for. With the centrals given this is a transportation
problem (min cost flow); otherwise a MIP.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from ..district import District
from ..errors import InfeasibleError, InputError, listed
from ..model import StationKind
from ..network.contract import Places
from ..network.search import place_times
from ..progress import OnProgress
from .border import near_boundary
from .diagnose import Inputs, diagnose, explain_infeasible
from .facility import Assignment, Balance, FacilitySolution, solve_assignment
from .mip import Budget, Watch
from .params import ClusterParams
from .structure import BorderGroup, Cluster, ClusterPlan

__all__ = ["cluster"]

GAIN_UNIT = 0.01
"""Balance is counted in hundredths of an incident a year (integral for CP-SAT)."""


def cluster(
    district: District, params: ClusterParams | None = None, *, on_progress: OnProgress | None = None
) -> ClusterPlan:
    """Type the stations of ``district`` and cluster them; see the module text.

    ``params.options.time_limit`` bounds the whole call, building the model
    included; a limit returns the best plan found, with its bound and gap
    (``status`` is ``"optimal"`` only when they meet). ``on_progress`` hears the
    solver's best objective and bound as they improve.

    Raises :class:`InfeasibleError` naming the stations and the constraint when the
    rules cannot hold, before any solving where that can be shown.

    Examples
    --------
    >>> from dispatch import cluster
    >>> from dispatch.datasets import zhuoshui_shuishi
    >>> plan = cluster(zhuoshui_shuishi())
    >>> plan.status, plan.counts()["central"] >= 1
    ('optimal', True)
    """
    params = params or ClusterParams()
    budget = Budget(params.options.time_limit)
    inputs = _inputs(district, params)
    problem, p_range = _assignment(district, params, inputs)
    diagnose(district, params, inputs, problem, p_range)
    watch = Watch("clustering", on_progress, budget)
    try:
        solution = solve_assignment(problem, params.options, default_solver="highs", budget=budget, watch=watch)
    except InfeasibleError:
        raise explain_infeasible(district, params, inputs, problem) from None
    return _plan(district, params, inputs, solution, budget.elapsed() - solution.solve_time)


def _inputs(district: District, params: ClusterParams) -> Inputs:
    stations = district.stations
    border = near_boundary(district, params.border.distance, touching=params.border.touching)
    unit_count = np.array([len(district.units_of(s.id)) for s in stations])
    strength = params.strength.officers * np.array([s.officers for s in stations]) + params.strength.units * unit_count
    workload = np.array([s.indicators.value(params.workload_indicator) for s in stations])
    score = params.score.of(stations)
    clients = np.flatnonzero(~border | params.border.join)
    if params.centrals is not None:
        unknown = [c for c in params.centrals if c not in district.station_index]
        if unknown:
            raise InputError("centrals name stations that are not in the district", listed(unknown))
        sites = np.array(sorted({district.station_index[c] for c in params.centrals}), dtype=np.int64)
        on_border = [stations[j].id for j in sites if border[j]]
        if on_border:
            raise InputError("border stations cannot be centrals", listed(on_border))
    else:
        sites = np.flatnonzero(~border)
        if params.candidates is not None:
            sites = np.sort(sites[np.argsort(-score[sites], kind="stable")[: params.candidates]])
    # Demand: villages with incidents, or each station's own workload at the station.
    rates = district.incident_rates
    if len(rates) and rates.sum() > 0:
        busy = np.flatnonzero(rates > 0)
        demand, demand_rate, home = district.village_places[busy], rates[busy], district.home_stations[busy]
        radius = float(np.max(district.village_first_due.time[busy], initial=0.0))
    else:
        demand, demand_rate, home = district.station_places, workload, np.arange(len(stations))
        radius = 0.0
    link, demand_cost = _site_costs(district, params, sites, demand, demand_rate, home, radius)
    rate = np.bincount(home, weights=demand_rate, minlength=len(stations)).astype(np.float64)
    return Inputs(border, clients, sites, score, strength, workload, demand_cost, link, rate)


SITES_AT_ONCE = 64
"""Sites whose road times are held at once while building the clustering model."""


def _site_costs(
    district: District,
    params: ClusterParams,
    sites: NDArray[np.int64],
    demand: Places,
    demand_rate: NDArray[np.float64],
    home: NDArray[np.int64],
    radius: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Whole road seconds from each site to each station (``link``), and the
    incident-seconds from each site to each station's demand (``demand_cost``).

    Sites are searched a few at a time, so memory grows with sites x stations, not
    sites x demand points. A site only needs the demand of stations within
    ``max_link_time``, which lies within ``max_link_time`` plus the demand's own
    distance from its station (at most ``radius``), so Dijkstra stops there; a
    site whose needed demand it still misses (a demand point far from its home
    station) is searched again without a limit.
    """
    core, n_stations = district.roads.core, len(district.stations)
    targets = Places.join([district.station_places, demand])
    limit = params.max_link_time + 2 * radius
    order = np.argsort(home, kind="stable")
    has_demand, starts = np.unique(home[order], return_index=True)
    link = np.empty((len(sites), n_stations))
    demand_cost = np.zeros((len(sites), n_stations))
    for first in range(0, len(sites), SITES_AT_ONCE):
        chunk = sites[first : first + SITES_AT_ONCE]
        times = np.rint(place_times(core, district.station_places[chunk], targets, limit=limit))
        near = times[:, :n_stations] <= params.max_link_time
        missing = np.flatnonzero((near[:, home] & np.isinf(times[:, n_stations:])).any(axis=1))
        if len(missing):
            times[missing] = np.rint(place_times(core, district.station_places[chunk[missing]], targets))
        link[first : first + len(chunk)] = times[:, :n_stations]
        if len(starts):
            weighted = times[:, n_stations:][:, order] * demand_rate[order]
            demand_cost[first : first + len(chunk), has_demand] = np.add.reduceat(weighted, starts, axis=1)
    return link, demand_cost


def _allowed(district: District, params: ClusterParams, inputs: Inputs) -> NDArray[np.bool_]:
    """``allowed[k, i]``: station ``i`` may be a base of site ``sites[k]``."""
    sites = inputs.sites
    allowed = inputs.link <= params.max_link_time
    allowed &= np.isfinite(inputs.demand_cost)
    if params.strong_with_weak:
        allowed &= inputs.strength[sites][:, None] >= inputs.strength[None, :]
    if params.adjacent_only:
        adjacent = district.adjacency
        if adjacent is None:
            raise InputError("adjacent_only needs jurisdiction polygons in the district")
        allowed &= adjacent[sites]
    is_client = np.zeros(len(district.stations), dtype=bool)
    is_client[inputs.clients] = True
    allowed &= is_client[None, :]
    allowed[np.arange(len(sites)), sites] = False  # a central is not its own base
    return allowed


def _assignment(district: District, params: ClusterParams, inputs: Inputs) -> tuple[Assignment, tuple[int, int]]:
    allowed = _allowed(district, params, inputs)
    n = len(district.stations)
    client_of = np.full(n, -1)
    client_of[inputs.clients] = np.arange(len(inputs.clients))
    site_index, station = np.nonzero(allowed)
    n_clients = len(inputs.clients)
    if params.centrals is not None:
        p_range = (len(inputs.sites), len(inputs.sites))
    else:
        p_range = params.centrals_range or (
            math.ceil(n_clients / (1 + params.max_bases)),
            n_clients // (1 + params.min_bases) if params.min_bases else n_clients,
        )
    balance = None
    if params.balance.mode != "none":
        clients = inputs.clients
        total = inputs.workload[clients].sum()
        if total <= 0:
            raise InputError(
                f"balance needs a workload, but {params.workload_indicator!r} is zero for every station; "
                "fill the indicator or set balance.mode='none'"
            )
        ratio = inputs.strength[clients].sum() / total
        gain = np.rint((inputs.strength[clients] / ratio - inputs.workload[clients]) / GAIN_UNIT)
        size = inputs.workload[clients] / GAIN_UNIT
        balance = Balance(gain, size, params.balance.mode, params.balance.tolerance, params.balance.weight * GAIN_UNIT)
    problem = Assignment(
        n_clients=n_clients,
        n_sites=len(inputs.sites),
        client=client_of[station],
        site=site_index,
        cost=inputs.demand_cost[site_index, station],
        p=p_range,
        site_client=client_of[inputs.sites],
        site_cost=inputs.demand_cost[np.arange(len(inputs.sites)), inputs.sites],
        open_sites=np.arange(len(inputs.sites)) if params.centrals is not None else None,
        count=(params.min_bases, params.max_bases),
        balance=balance,
    )
    return problem, p_range


def _plan(
    district: District, params: ClusterParams, inputs: Inputs, solution: FacilitySolution, build_time: float
) -> ClusterPlan:
    stations = district.stations
    names = [s.id for s in stations]
    central_of = np.full(len(stations), -1)
    central_of[inputs.clients] = inputs.sites[solution.assignment]
    ratio = inputs.strength[inputs.clients].sum() / max(inputs.workload[inputs.clients].sum(), 1e-12)
    clusters = []
    for k in solution.sites:
        j = inputs.sites[k]
        bases = np.flatnonzero((central_of == j) & (np.arange(len(stations)) != j))
        bases = bases[np.argsort(inputs.link[k, bases], kind="stable")]
        members = np.concatenate([[j], bases])
        strength, workload = inputs.strength[members].sum(), inputs.workload[members].sum()
        links = inputs.link[k, bases]
        rate = inputs.rate[members].sum()
        clusters.append(
            Cluster(
                central=names[j],
                bases=tuple(names[b] for b in bases),
                strength=float(strength),
                workload=float(workload),
                balance=float(strength / workload / ratio) if workload > 0 else math.nan,
                mean_link_time=float(links.mean()) if len(links) else 0.0,
                worst_link_time=float(links.max()) if len(links) else 0.0,
                mean_travel=float(inputs.demand_cost[k, members].sum() / rate) if rate > 0 else 0.0,
            )
        )
    kinds = {s.id: StationKind.BASE for s in stations}
    kinds.update({c.central: StationKind.CENTRAL for c in clusters})
    border = []
    for i in np.flatnonzero(inputs.border):
        kinds[names[i]] = StationKind.BORDER
        partners = tuple(p.id for p in district.partners if names[i] in p.stations)
        joined = names[central_of[i]] if central_of[i] >= 0 else None
        border.append(BorderGroup(names[i], partners, joined))
    clients = inputs.clients
    travel = inputs.demand_cost[np.searchsorted(inputs.sites, central_of[clients]), clients].sum()
    rate = inputs.rate[clients].sum()
    return ClusterPlan(
        clusters=tuple(clusters),
        border=tuple(border),
        kinds=kinds,
        scores=dict(zip(names, inputs.score.tolist())),
        strengths=dict(zip(names, inputs.strength.tolist())),
        status=solution.status,
        objective=solution.objective,
        bound=solution.bound,
        mean_travel=float(travel / rate) if rate > 0 else 0.0,
        build_time=build_time,
        solve_time=solution.solve_time,
        solver=solution.solver,
        params=params,
    )
