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
import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator
from typing_extensions import Self

from ..district import District
from ..errors import InfeasibleError, InputError, listed
from ..geo import near_boundary, neighbours
from ..model import Frozen, Station, StationKind
from ..table import Table
from .facility import Assignment, Balance, FacilitySolution, solve_assignment, violations
from .mip import SolveOptions

__all__ = [
    "BalanceParams",
    "BorderGroup",
    "BorderRule",
    "CentralScore",
    "Cluster",
    "ClusterParams",
    "ClusterPlan",
    "StrengthWeights",
    "cluster",
]

GAIN_UNIT = 0.01
"""Balance is counted in hundredths of an incident a year (integral for CP-SAT)."""


class CentralScore(Frozen):
    """How strongly a station's area concentrates what a central station needs.

    ``score = sum(weight[k] * indicator[k] / mean(indicator[k]))`` over the
    district's stations, so 1.0 is an average station. Indicators are read by name
    from :class:`~dispatch.model.Indicators` (extra ones included); an indicator
    that is zero everywhere adds nothing.
    """

    weights: dict[str, float] = Field(
        default_factory=lambda: {"population": 0.3, "incidents_per_year": 0.3, "disputes": 0.2, "cases": 0.2}
    )

    def of(self, stations: tuple[Station, ...]) -> NDArray[np.float64]:
        """The score of each station."""
        score = np.zeros(len(stations))
        for name, weight in self.weights.items():
            values = np.array([s.indicators.value(name) for s in stations])
            if values.mean() > 0:
                score += weight * values / values.mean()
        return score


class StrengthWeights(Frozen):
    """Station strength: ``officers * officers_weight + units * units_weight``."""

    officers: float = Field(1.0, ge=0)
    units: float = Field(2.0, ge=0)


class BalanceParams(Frozen):
    """Each cluster's strength relative to its workload, against the district's.

    A cluster's imbalance is ``strength / district_ratio - workload`` in incidents
    a year (``district_ratio`` = total strength / total workload).

    - ``"none"``: no balance term.
    - ``"tolerance"``: ``|imbalance| <= tolerance * workload`` for every cluster.
    - ``"weighted"``: add ``weight * sum(|imbalance|)`` to the objective.
    - ``"minmax"``: add ``weight * max(|imbalance|)`` to the objective.

    ``weight`` is in seconds: one incident a year of imbalance costs as much as
    ``weight`` seconds of travel to one incident a year.
    """

    mode: Literal["none", "tolerance", "weighted", "minmax"] = "none"
    tolerance: float = Field(0.5, ge=0)
    weight: float = Field(600.0, ge=0)


class BorderRule(Frozen):
    """Which stations are border stations, and whether they may join clusters.

    A station is a border station when its kind is ``border``, when it lies within
    ``distance`` metres of the county boundary, or (``touching``) when its
    jurisdiction touches the boundary. With ``join`` border stations may also be
    bases of a central (never centrals); they keep their partners either way.
    """

    distance: float = Field(2_000.0, ge=0)
    touching: bool = False
    join: bool = False


class ClusterParams(Frozen):
    """Everything :func:`cluster` weighs. Change one, rerun, compare.

    Parameters
    ----------
    min_bases, max_bases
        Bases per central (the Qianjiang rule is 1-2).
    max_link_time
        Longest road time (seconds) from a central to one of its bases.
    adjacent_only
        A base may only join a central whose jurisdiction touches its own (needs
        jurisdiction polygons).
    centrals
        Station ids fixed as centrals; the rest are assigned by min cost flow.
    n_centrals
        Number of centrals, or an inclusive ``(low, high)`` range; ``None`` lets the
        count follow from the bases rule.
    candidates
        Only the ``candidates`` highest-scoring stations may be centrals.
    strong_with_weak
        A central is at least as strong as each of its bases.
    workload_indicator
        The indicator that measures a station's workload for balance.
    """

    min_bases: int = Field(1, ge=0)
    max_bases: int = Field(2, ge=0)
    max_link_time: float = Field(2_700.0, gt=0)
    adjacent_only: bool = False
    centrals: tuple[str, ...] | None = None
    n_centrals: int | tuple[int, int] | None = None
    candidates: int | None = Field(None, ge=1)
    strong_with_weak: bool = True
    workload_indicator: str = "incidents_per_year"
    score: CentralScore = Field(default_factory=CentralScore)
    strength: StrengthWeights = Field(default_factory=StrengthWeights)
    balance: BalanceParams = Field(default_factory=BalanceParams)
    border: BorderRule = Field(default_factory=BorderRule)
    solve: SolveOptions = Field(default_factory=SolveOptions)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.min_bases > self.max_bases:
            raise ValueError(f"min_bases ({self.min_bases}) exceeds max_bases ({self.max_bases})")
        if self.centrals is not None and self.n_centrals is not None:
            raise ValueError("give either centrals or n_centrals, not both")
        low, high = self.centrals_range or (1, 1)
        if not 1 <= low <= high:
            raise ValueError(f"n_centrals must be >= 1 and low <= high, got {self.n_centrals}")
        return self

    @property
    def centrals_range(self) -> tuple[int, int] | None:
        """``n_centrals`` as an inclusive range, or ``None``."""
        if self.n_centrals is None:
            return None
        if isinstance(self.n_centrals, int):
            return self.n_centrals, self.n_centrals
        return self.n_centrals


@dataclass(frozen=True)
class Cluster:
    """A central station and its bases, with what the plan measured of them.

    Times are seconds by road from the central: to each base (``link``), and to the
    cluster's demand weighted by incidents (``mean_travel``). ``balance`` is the
    cluster's strength per workload over the district's (1.0 is the district's).
    """

    central: str
    bases: tuple[str, ...]
    strength: float
    workload: float
    balance: float
    mean_link_time: float
    worst_link_time: float
    mean_travel: float

    @property
    def members(self) -> tuple[str, ...]:
        """The central first, then its bases."""
        return (self.central, *self.bases)


@dataclass(frozen=True)
class BorderGroup:
    """A border station and its partner stations across the boundary."""

    station: str
    partners: tuple[str, ...]
    cluster: str | None = None


@dataclass(frozen=True)
class ClusterPlan:
    """The typed and clustered stations, and how the solver got there.

    ``status`` is ``"optimal"`` only when proven; ``objective`` is in
    incident-seconds a year (plus the balance penalty), ``bound`` the proven lower
    bound. ``mean_travel`` is the incident-weighted mean road time (seconds) from
    each station's central to that station's demand.
    """

    clusters: tuple[Cluster, ...]
    border: tuple[BorderGroup, ...]
    kinds: dict[str, StationKind]
    scores: dict[str, float]
    strengths: dict[str, float]
    status: str
    objective: float
    bound: float
    mean_travel: float
    build_time: float
    solve_time: float
    solver: str
    params: ClusterParams

    @property
    def gap(self) -> float:
        """Relative gap between objective and bound."""
        return abs(self.objective - self.bound) / max(abs(self.objective), 1e-9)

    def counts(self) -> dict[str, int]:
        """How many stations of each kind."""
        counts = dict.fromkeys([k.value for k in StationKind if k != StationKind.UNASSIGNED], 0)
        for kind in self.kinds.values():
            counts[kind.value] = counts.get(kind.value, 0) + 1
        return counts

    def cluster_of(self, station_id: str) -> Cluster | None:
        """The cluster holding ``station_id`` (``None`` for a border station
        outside every cluster)."""
        if station_id not in self.kinds:
            raise InputError(f"station {station_id!r} is not in this plan")
        return next((c for c in self.clusters if station_id in c.members), None)

    def apply(self, district: District) -> District:
        """``district`` with each station's kind set by this plan."""
        missing = sorted(set(self.kinds) ^ {s.id for s in district.stations})
        if missing:
            raise InputError(f"the plan and district {district.name!r} differ in stations", listed(missing))
        return district.replace(stations=[s.replace(kind=self.kinds[s.id]) for s in district.stations])

    def summary(self) -> str:
        """Counts by kind and the solver's verdict, in a line each."""
        counts = ", ".join(f"{n} {kind}" for kind, n in self.counts().items())
        return (
            f"{counts}\n{self.status} ({self.solver}): objective {self.objective:,.0f}, "
            f"bound {self.bound:,.0f}, "
            f"gap {self.gap:.3%}; mean travel from central {self.mean_travel / 60:.1f} min; "
            f"build {self.build_time:.3f} s, solve {self.solve_time:.3f} s"
        )

    def table(self) -> Table:
        """One row a cluster (and a row a border station)."""
        rows: list[tuple[Any, ...]] = [
            (
                c.central,
                ", ".join(c.bases),
                c.strength,
                c.workload,
                c.balance,
                c.mean_link_time / 60,
                c.worst_link_time / 60,
                c.mean_travel / 60,
            )
            for c in self.clusters
        ]
        rows += [
            (
                g.station + " (border)",
                ", ".join(g.partners) + (f"; base of {g.cluster}" if g.cluster else ""),
                self.strengths[g.station],
                None,
                None,
                None,
                None,
                None,
            )
            for g in self.border
        ]
        return Table(
            "Clusters: bases (or partners), strength, workload and road minutes from the central",
            (
                "central",
                "bases / partners",
                "strength",
                "incidents/yr",
                "balance",
                "mean link",
                "worst link",
                "mean travel",
            ),
            tuple(rows),
            ("", "", ".0f", ",.0f", ".2f", ".1f", ".1f", ".1f"),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "clusters": [c.__dict__ | {"members": list(c.members)} for c in self.clusters],
            "border": [g.__dict__ for g in self.border],
            "kinds": {k: v.value for k, v in self.kinds.items()},
            "counts": self.counts(),
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "mean_travel": self.mean_travel,
            "build_time": self.build_time,
            "solve_time": self.solve_time,
            "solver": self.solver,
            "params": self.params.model_dump(mode="json"),
        }


@dataclass(frozen=True)
class _Inputs:
    """What the model is built from, station-indexed."""

    border: NDArray[np.bool_]
    clients: NDArray[np.int64]  # stations to cluster
    sites: NDArray[np.int64]  # stations that may be central
    score: NDArray[np.float64]
    strength: NDArray[np.float64]
    workload: NDArray[np.float64]
    demand_cost: NDArray[np.float64]  # [site, station]: incident-seconds from the site to the station's demand
    link: NDArray[np.float64]  # [site, station]: road seconds
    rate: NDArray[np.float64]  # incidents a year of each station's demand


def cluster(district: District, params: ClusterParams | None = None) -> ClusterPlan:
    """Type the stations of ``district`` and cluster them; see the module text.

    Raises :class:`InfeasibleError` naming the stations and the constraint when the
    rules cannot hold, before any solving where that can be shown.
    """
    params = params or ClusterParams()
    start = time.perf_counter()
    inputs = _inputs(district, params)
    problem, p_range = _assignment(district, params, inputs)
    _diagnose(district, params, inputs, problem, p_range)
    try:
        solution = solve_assignment(problem, params.solve, default_solver="highs")
    except InfeasibleError:
        raise _explained(district, params, inputs, problem) from None
    return _plan(district, params, inputs, solution, time.perf_counter() - start - solution.solve_time)


def _inputs(district: District, params: ClusterParams) -> _Inputs:
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
        demand_nodes, demand_rate, home = (
            district.village_nodes[busy],
            rates[busy],
            district.home_stations[busy],
        )
    else:
        demand_nodes, demand_rate, home = district.station_nodes, workload, np.arange(len(stations))
    targets = np.concatenate([district.station_nodes, demand_nodes])
    times = _site_times(district, params, sites, targets, home, len(stations))
    link = times[:, : len(stations)]
    order = np.argsort(home, kind="stable")
    weighted = times[:, len(stations) :][:, order] * demand_rate[order]
    demand_cost = np.zeros((len(sites), len(stations)))
    has_demand, starts = np.unique(home[order], return_index=True)
    if len(starts):
        demand_cost[:, has_demand] = np.add.reduceat(weighted, starts, axis=1)
    rate = np.bincount(home, weights=demand_rate, minlength=len(stations)).astype(np.float64)
    return _Inputs(border, clients, sites, score, strength, workload, demand_cost, link, rate)


def _site_times(
    district: District,
    params: ClusterParams,
    sites: NDArray[np.int64],
    targets: NDArray[np.int64],
    home: NDArray[np.int64],
    n_stations: int,
) -> NDArray[np.float64]:
    """Road seconds (whole) from each site to the stations then the demand points.

    A site only needs the demand of stations within ``max_link_time``, which lies
    within ``max_link_time`` plus the demand's own distance from its station, so
    Dijkstra stops there; a site whose needed demand it still misses (a demand
    point far from its home station) is searched again without a limit.
    """
    roads = district.roads
    radius = float(np.max(district.first_due.time[targets[n_stations:]], initial=0.0))
    limit = params.max_link_time + 2 * radius
    times = np.rint(roads.travel_times(district.station_nodes[sites], targets, limit=limit))
    near = times[:, :n_stations] <= params.max_link_time
    missing = np.flatnonzero((near[:, home] & np.isinf(times[:, n_stations:])).any(axis=1))
    if len(missing):
        times[missing] = np.rint(roads.travel_times(district.station_nodes[sites[missing]], targets))
    return times


def _allowed(district: District, params: ClusterParams, inputs: _Inputs) -> NDArray[np.bool_]:
    """``allowed[k, i]``: station ``i`` may be a base of site ``sites[k]``."""
    sites = inputs.sites
    allowed = inputs.link <= params.max_link_time
    allowed &= np.isfinite(inputs.demand_cost)
    if params.strong_with_weak:
        allowed &= inputs.strength[sites][:, None] >= inputs.strength[None, :]
    if params.adjacent_only:
        adjacent = neighbours(district)
        if adjacent is None:
            raise InputError("adjacent_only needs jurisdiction polygons in the district")
        allowed &= adjacent[sites]
    is_client = np.zeros(len(district.stations), dtype=bool)
    is_client[inputs.clients] = True
    allowed &= is_client[None, :]
    allowed[np.arange(len(sites)), sites] = False  # a central is not its own base
    return allowed


def _assignment(district: District, params: ClusterParams, inputs: _Inputs) -> tuple[Assignment, tuple[int, int]]:
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


def _diagnose(
    district: District, params: ClusterParams, inputs: _Inputs, problem: Assignment, p_range: tuple[int, int]
) -> None:
    """Raise :class:`InfeasibleError` for rules that provably cannot hold."""
    stations = district.stations
    names = [s.id for s in stations]
    sites = inputs.sites
    problems = []
    can_join = np.zeros(len(stations), dtype=bool)
    can_join[inputs.clients[problem.client]] = True
    can_lead = np.zeros(len(stations), dtype=bool)
    if params.min_bases == 0:
        can_lead[sites] = True
    else:
        can_lead[sites[np.unique(problem.site)]] = True
    for i in inputs.clients[~can_join[inputs.clients] & ~can_lead[inputs.clients]]:
        problems.append(f"station {names[i]!r}: {_why_alone(params, inputs, i, names)}")
    if problems:
        raise InfeasibleError("stations that can neither join a central nor lead one", listed(problems))
    n_clients = len(inputs.clients)
    low, high = p_range
    most = high * (1 + params.max_bases)
    least = low * (1 + params.min_bases)
    if most < n_clients:
        raise InfeasibleError(
            f"{high} central(s) with at most {params.max_bases} bases each cover at most {most} of the "
            f"{n_clients} stations to cluster; allow at least "
            f"{math.ceil(n_clients / (1 + params.max_bases))} "
            "centrals or raise max_bases"
        )
    if least > n_clients:
        raise InfeasibleError(
            f"{low} central(s) with at least {params.min_bases} base(s) each need {least} stations, but only "
            f"{n_clients} are to be clustered; allow fewer centrals or lower min_bases"
        )
    if low > len(sites):
        raise InfeasibleError(f"{low} centrals are needed but only {len(sites)} stations may be central")
    must_lead = inputs.clients[~can_join[inputs.clients]]
    if len(must_lead) > high:
        raise InfeasibleError(
            f"{len(must_lead)} stations must be centrals (none can be a base) but at most {high} centrals are allowed",
            listed([names[i] for i in must_lead]),
        )


def _explained(district: District, params: ClusterParams, inputs: _Inputs, problem: Assignment) -> InfeasibleError:
    """Why the rules cannot all hold, from the fewest rules that must give."""
    names = [s.id for s in district.stations]
    given = violations(problem, params.solve, default_solver="highs")
    centrals_of: dict[int, list[str]] = {}
    bases_of: dict[int, list[str]] = {}
    for client, site in zip(problem.client.tolist(), problem.site.tolist()):
        centrals_of.setdefault(client, []).append(names[inputs.sites[site]])
        bases_of.setdefault(site, []).append(names[inputs.clients[client]])
    problems = [
        f"station {names[inputs.clients[i]]!r} cannot be placed; it could join only "
        f"{centrals_of.get(int(i), []) or 'no central'}"
        for i in given.unplaced
    ]
    problems += [
        f"central {names[inputs.sites[k]]!r} cannot get {params.min_bases} base(s) of its own; its possible "
        f"bases {bases_of.get(int(k), [])} are all needed by other centrals"
        for k in given.short
    ]
    problems += [
        f"the cluster of {names[inputs.sites[k]]!r} cannot keep its strength per workload within "
        f"{params.balance.tolerance:.0%} of the district's"
        for k in given.unbalanced
    ]
    if not problems:
        problems = ["the number of centrals, the bases per central and the pairing rules conflict as a whole"]
    return InfeasibleError(
        "the clustering rules cannot all hold (max_link_time, strong_with_weak, adjacent_only, bases per "
        "central, balance); relax one of them",
        problems,
    )


def _why_alone(params: ClusterParams, inputs: _Inputs, i: int, names: list[str]) -> str:
    """Why station ``i`` has no partner, and the nearest one it could have."""
    sites = inputs.sites
    others = sites[sites != i]
    if not len(others):
        return "no other station may be central"
    k = int(np.argmin(inputs.link[np.searchsorted(sites, others), i]))
    nearest = others[k]
    time_to = inputs.link[np.searchsorted(sites, nearest), i]
    if time_to > params.max_link_time:
        return (
            f"no possible central within max_link_time={params.max_link_time:,.0f} s (nearest: "
            f"{names[nearest]!r} at {time_to:,.0f} s); raise max_link_time or make it a border station"
        )
    return (
        f"every possible central within {params.max_link_time:,.0f} s is weaker (strength "
        f"{inputs.strength[i]:g}, nearest {names[nearest]!r} has {inputs.strength[nearest]:g}) "
        "or not adjacent, "
        "and it cannot lead any; relax strong_with_weak or adjacent_only"
    )


def _plan(
    district: District, params: ClusterParams, inputs: _Inputs, solution: FacilitySolution, build_time: float
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
