"""Where the next units go: extra units (or officers) given to stations so that
response is fastest by the hypercube model, and the choice checked by simulation.

Allocation lives in ``evaluate``, not in ``plan``: its objective is the
hypercube model (:mod:`~dispatch.evaluate.queueing`) and its check the simulator,
and ``plan`` comes before ``evaluate`` in the flow of the work, so it may not
read them (``tests/test_layout.py``). It reads the cluster plan (for the rule
that a central is at least as strong as its bases) and MEXCLP from ``plan``,
which ``evaluate`` may.

The search, for a budget of ``K`` extra units:

1. Two starting fleets: Daskin's maximum expected covering model
   (:func:`~dispatch.plan.mexclp`, the fast proxy: units placed so that the most
   calls expect a free unit within ``radius``, each unit busy a share ``busy`` of
   the time), and the greedy one (each unit in turn to the station where the
   hypercube model says it helps most).
2. From the better one, a local search moves one unit at a time between
   stations while the model improves (an added unit, or with ``moves`` an
   existing one), keeping every station's minimum and maximum and the central
   rule.
3. The marginal curve adds the chosen units one by one, each time the one that
   helps most: what the 1st, 2nd ... unit buys.

Busy units are the hypercube's: the exact model up to 15 units
(:data:`~dispatch.evaluate.fleetsearch.EXACT_UNITS`), Larson's approximation
beyond. Minimal emergency units stay where they are and count as the model
says (:mod:`~dispatch.evaluate.atoms`). The result is a local optimum
of the model, not a proven one: its ``bound`` is what no allocation can beat
(every call reached at once by the nearest station that may have a unit).
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator
from typing_extensions import Self

from ..district import District
from ..errors import InfeasibleError, InputError, OfficersLeftWarning, listed
from ..model import Frozen, Unit
from ..operate.policies import NearestFree, Policy
from ..operate.travel import TravelTables
from ..plan.expected import mexclp
from ..plan.mip import SolveParams
from ..plan.result import SolverResult
from ..plan.structure import ClusterPlan
from ..progress import OnProgress, Tracker
from ..texttable import Table
from .atoms import DistrictAtoms
from .demand import DemandParams
from .fleetsearch import Bounds, Counts, FleetSearch, Rule, fleet_model
from .metrics import TARGETS, TIME_METRICS, Estimate, Queue, estimate, label, within
from .queueing import FleetPrediction, Method
from .simulation import SimulationParams, SimulationResult, simulate

__all__ = [
    "Allocation",
    "AllocationCheck",
    "AllocationParams",
    "Step",
    "allocate",
    "verify_allocation",
]


MAX_UNITS = 10_000
"""Most units a budget, a move or a station's bound may count."""


class AllocationParams(Frozen):
    """What :func:`allocate` may do and what it optimises.

    Parameters
    ----------
    units
        Extra units to place (the budget).
    officers
        Extra officers: without ``units`` the budget is ``officers //
        officers_per_unit`` units; with ``units`` they must crew them.
    officers_per_unit
        Officers it takes to keep one unit on shift; they come and go with it.
    minimum, maximum
        Station id -> least and most units it has afterwards. By default a station
        keeps what it has (or at least one, when units may move) and has no most.
    central_rule
        A central station is at least as strong as each of its bases afterwards
        (strength as the plan counts it); needs a plan.
    moves
        Existing units that may move from one station to another.
    objective
        ``"mean"``: least expected mean response time; ``"within"``: most calls
        reached within ``target`` seconds.
    target
        Seconds, for ``"within"`` (15 min = 900, 30 min = 1,800).
    service_time
        Mean seconds a call keeps a unit; by default the on-scene time of the
        demand plus the model's mean travel time.
    turnout
        Seconds a station unit needs to leave.
    queue
        What the model does with a call no unit is free for: ``"infinite"``
        (waits) or ``"loss"``.
    method
        The hypercube solver: ``"auto"`` (exact up to 15 units, else Larson's
        approximation), ``"exact"`` or ``"approximate"``.
    radius
        Seconds within which MEXCLP counts a call covered (default ``target``).
    busy
        MEXCLP's share of time a unit is busy, in [0, 1) (default: the model's
        mean workload).
    """

    units: int = Field(0, ge=0, le=MAX_UNITS)
    officers: int | None = Field(None, ge=0, le=MAX_UNITS * 100)
    officers_per_unit: int = Field(2, ge=1, le=100)
    minimum: dict[str, int] = Field(default_factory=dict)
    maximum: dict[str, int] = Field(default_factory=dict)
    central_rule: bool = True
    moves: int = Field(0, ge=0, le=MAX_UNITS)
    objective: Literal["mean", "within"] = "mean"
    target: float = Field(900.0, gt=0, allow_inf_nan=False)
    service_time: float | None = Field(None, gt=0, allow_inf_nan=False)
    turnout: float = Field(60.0, ge=0, allow_inf_nan=False)
    queue: Queue = "infinite"
    method: Method = "auto"
    radius: float | None = Field(None, gt=0, allow_inf_nan=False)
    busy: float | None = Field(None, ge=0, lt=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        counts = [*self.minimum.items(), *self.maximum.items()]
        problems = [f"station {s!r}: {n} units" for s, n in counts if not 0 <= n <= MAX_UNITS]
        if problems:
            raise ValueError(f"minimum and maximum count units from 0 to {MAX_UNITS:,}: {'; '.join(problems)}")
        above = [s for s in sorted(self.minimum) if s in self.maximum and self.minimum[s] > self.maximum[s]]
        if above:
            pairs = ", ".join(f"{s!r} ({self.minimum[s]} > {self.maximum[s]})" for s in above)
            raise ValueError(f"minimum exceeds maximum for station {pairs}")
        if self.officers is not None and self.units and self.units * self.officers_per_unit > self.officers:
            raise ValueError(
                f"units: {self.units} units need {self.units * self.officers_per_unit} officers "
                f"({self.officers_per_unit} a unit on shift), more than the {self.officers} officers available"
            )
        return self

    @property
    def budget(self) -> int:
        """Extra units to place."""
        if self.units or self.officers is None:
            return self.units
        return self.officers // self.officers_per_unit


@dataclass(frozen=True)
class Step:
    """One step of the marginal curve: unit ``number`` (``0``: the moves) went to
    ``station`` and made the objective ``objective``, a change of ``gain`` (its
    own units: seconds, or a share)."""

    number: int
    station: str
    objective: float
    gain: float


@dataclass(frozen=True, kw_only=True)
class Allocation(SolverResult):
    """Units a station before and after, the marginal curve and the model's
    predictions.

    ``objective`` is the expected mean response (seconds) or the share of calls
    reached within the target; ``bound`` what no allocation can beat. ``predicted``
    and ``current`` hold the model's metrics (the keys of
    :meth:`~dispatch.evaluate.simulation.SimulationResult.metrics`) after and
    before (``current`` is empty when today's units could not keep up with the
    calls); ``workloads`` the predicted workload of each modelled unit (each
    station's units in turn, then the emergency units); ``mexclp`` is MEXCLP's
    fleet, the search's proxy start.
    """

    stations: tuple[str, ...]
    before: tuple[int, ...]
    after: tuple[int, ...]
    mexclp: tuple[int, ...]
    curve: tuple[Step, ...]
    predicted: dict[str, float]
    current: dict[str, float]
    workloads: tuple[float, ...]
    service_time: float
    evaluations: int
    params: AllocationParams

    @property
    def added(self) -> dict[str, int]:
        """Station -> units it gains."""
        return {s: a - b for s, a, b in zip(self.stations, self.after, self.before) if a > b}

    @property
    def removed(self) -> dict[str, int]:
        """Station -> units that move away from it."""
        return {s: b - a for s, a, b in zip(self.stations, self.after, self.before) if a < b}

    def apply(self, district: District) -> District:
        """``district`` with the units moved and added: a moved unit keeps its id,
        a new one is called ``<station>-new<k>``."""
        return _with_fleet(district, self.stations, self.after)

    def summary(self) -> str:
        """Units added and moved, the predicted objective and the solver's verdict."""
        added = ", ".join(f"{s} +{n}" for s, n in self.added.items()) or "none"
        moved = ", ".join(f"{s} -{n}" for s, n in self.removed.items())
        return "\n".join(
            [f"units added: {added}" + (f"; moved away: {moved}" if moved else ""), self.verdict()]
            + [
                f"{label(k)}: {_shown(k, self.current.get(k, math.nan))} now, {_shown(k, v)} after"
                for k, v in self.predicted.items()
            ]
        )

    def table(self) -> Table:
        """One row a unit added in turn: its station and what it buys."""
        minutes = self.params.objective == "mean"
        factor = 1 / 60 if minutes else 100
        rows = tuple(
            (step.number or "moves", step.station, step.objective * factor, step.gain * factor) for step in self.curve
        )
        unit = "min" if minutes else "% within target"
        return Table(
            f"What each unit buys ({unit})", ("unit", "station", "objective", "gain"), rows, ("", "", ".2f", "+.2f")
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return super().to_dict() | {
            "stations": list(self.stations),
            "before": list(self.before),
            "after": list(self.after),
            "added": self.added,
            "removed": self.removed,
            "mexclp": list(self.mexclp),
            "curve": [step.__dict__ for step in self.curve],
            "predicted": self.predicted,
            "current": self.current,
            "service_time": self.service_time,
            "evaluations": self.evaluations,
            "params": self.params.model_dump(mode="json"),
        }


def _shown(key: str, value: float) -> str:
    return f"{value / 60:.2f}" if key in TIME_METRICS else f"{value * 100:.2f}"


def _with_fleet(district: District, stations: tuple[str, ...], counts: tuple[int, ...]) -> District:
    """``district`` with ``counts`` units at ``stations``: units leave the stations
    that lose some (the last listed first) for those that gain some, and new units
    fill the rest."""
    units = list(district.units)
    spare: list[int] = []
    for station, count in zip(stations, counts):
        mine = [k for k, u in enumerate(units) if u.station == station]
        spare += mine[count:]
    taken = set(district.unit_ids)
    for station, count in zip(stations, counts):
        have = sum(u.station == station for u in units) - sum(units[k].station == station for k in spare)
        for _ in range(max(count - have, 0)):
            if spare:
                k = spare.pop(0)
                units[k] = units[k].replace(station=station)
                continue
            number = 1
            while f"{station}-new{number}" in taken:
                number += 1
            taken.add(f"{station}-new{number}")
            units.append(Unit(id=f"{station}-new{number}", station=station))
    return district.replace(units=units)


def allocate(
    district: District,
    params: AllocationParams | None = None,
    *,
    plan: ClusterPlan | None = None,
    demand: DemandParams | None = None,
    tables: TravelTables | None = None,
    options: SolveParams | None = None,
    on_progress: OnProgress | None = None,
) -> Allocation:
    """Place ``params.budget`` extra units at the stations of ``district`` (see
    the module text).

    Parameters
    ----------
    district
        Stations, units, emergency units, villages and roads.
    params
        Budget, bounds, rule, moves and objective.
    plan
        The cluster plan whose centrals must stay at least as strong as their
        bases (``params.central_rule``).
    demand
        The calls' on-scene time and priorities (the default demand otherwise).
    tables
        Travel tables already built for ``district``.
    options
        Solver settings of the MEXCLP start.
    on_progress
        Hears of each unit placed and each improving move.

    Raises
    ------
    InputError
        Minimums or maximums naming unknown stations; a central rule without a plan.
    InfeasibleError
        Bounds, moves and the rule that no fleet keeps, named.

    Examples
    --------
    >>> from dispatch.datasets import zhuoshui_shuishi
    >>> allocation = allocate(zhuoshui_shuishi(), AllocationParams(units=1, central_rule=False))
    >>> allocation.added, round(allocation.curve[0].gain / 60, 2)
    ({'zhuoshui': 1}, -0.21)
    """
    start = time.perf_counter()
    params = params or AllocationParams()
    left_over = params.officers - params.budget * params.officers_per_unit if params.officers is not None else 0
    if left_over and not params.units:
        warnings.warn(
            f"{params.officers} officers make {params.budget} unit(s) of {params.officers_per_unit}; "
            f"{left_over} officer(s) are left without a unit",
            OfficersLeftWarning,
            stacklevel=2,
        )
    demand = demand or DemandParams()
    tables = tables or TravelTables.for_district(district)
    atoms = DistrictAtoms.of(district, turnout=params.turnout, tables=tables, demand=demand)
    station_ids = tuple(s.id for s in district.stations)
    posts = district.unit_posts
    current = np.bincount(posts[posts < len(station_ids)], minlength=len(station_ids)).astype(np.int64)
    bounds = _bounds(district, params, plan, current)
    forced = _forced(district, bounds, params)
    service = params.service_time or _service_time(atoms, current, demand, params)
    left = params.budget - int((forced - current).sum())
    tracker = Tracker("allocating units", left + 1, on_progress)
    search = FleetSearch(
        atoms, bounds, _scorer(params), service_time=service, queue=params.queue, method=params.method, tracker=tracker
    )
    built = time.perf_counter()
    proxy = _mexclp_fleet(atoms, forced, left, bounds, service, params, options)
    greedy = search.greedy(forced, left)
    if int(greedy.sum()) < int(forced.sum()) + left:
        raise InfeasibleError(
            f"only {int(greedy.sum() - forced.sum())} of the {left} units left to place fit: the maxima and the "
            "central rule leave no room for more; raise a maximum or relax the rule"
        )
    best = search.improve(min([greedy, proxy] if bounds.allows(proxy) else [greedy], key=search.value))
    curve = _curve(search, current, best, station_ids, params)
    sign = 1.0 if params.objective == "mean" else -1.0
    objective = sign * search.value(best)
    only = params.budget == 0 and params.moves == 0  # the one fleet allowed
    # The prediction: a call keeps a unit for its time on scene and the allocation's own travel.
    chosen = search.model(best)
    if params.service_time is None:
        refit = _service_time(atoms, best, demand, params)
        chosen = fleet_model(atoms, best, service_time=refit, queue=params.queue, method=params.method)
    tracker.advance()
    return Allocation(
        status="optimal" if only else "feasible",
        objective=objective,
        bound=objective if only else _bound(atoms, bounds, params),
        build_time=built - start,
        solve_time=time.perf_counter() - built,
        solver=f"hypercube local search ({'exact' if chosen.result.exact else 'Larson'})",
        stations=station_ids,
        before=tuple(current.tolist()),
        after=tuple(best.tolist()),
        mexclp=tuple(proxy.tolist()),
        curve=curve,
        predicted=_metrics(chosen, params),
        current=_metrics(search.model(current), params) if math.isfinite(search.value(current)) else {},
        workloads=tuple(chosen.result.workloads.tolist()),
        service_time=service,
        evaluations=search.evaluations,
        params=params,
    )


def _bounds(district: District, params: AllocationParams, plan: ClusterPlan | None, current: Counts) -> Bounds:
    """Each station's least and most units, and the central rule of ``plan``."""
    index = district.station_index
    for field in ("minimum", "maximum"):
        unknown = sorted(set(getattr(params, field)) - set(index))
        if unknown:
            raise InputError(
                f"AllocationParams field {field!r} names stations not in district {district.name!r}", unknown
            )
    if plan is None and "central_rule" in params.model_fields_set and params.central_rule:
        raise InputError("AllocationParams field 'central_rule' needs a plan: allocate(district, params, plan=plan)")
    total = int(current.sum()) + params.budget
    low = np.array(
        [
            params.minimum.get(s.id, c if not params.moves else min(c, 1))
            for s, c in zip(district.stations, current.tolist())
        ]
    )
    high = np.array([min(params.maximum.get(s.id, total), total) for s in district.stations])
    pairs = np.zeros((0, 2), dtype=np.int64)
    base, per_unit = np.zeros(len(current)), 0.0
    if plan is not None and params.central_rule:
        named = [m for c in plan.clusters for m in c.members if m not in index]
        if named:
            raise InputError(f"the plan names stations not in district {district.name!r}", listed(named))
        pairs = np.array([(index[c.central], index[b]) for c in plan.clusters for b in c.bases], dtype=np.int64)
        weights, crew = plan.params.strength, params.officers_per_unit
        officers = np.array([s.officers for s in district.stations], dtype=np.float64)
        base = weights.officers * (officers - crew * current)
        per_unit = weights.officers * crew + weights.units
    rule = Rule(pairs.reshape(-1, 2), base, per_unit)
    return Bounds(low.astype(np.int64), high.astype(np.int64), current, params.moves, rule)


def _forced(district: District, bounds: Bounds, params: AllocationParams) -> Counts:
    """The fleet every allocation starts from: the current one within each
    station's bounds; an error naming the stations and rules no fleet keeps."""
    names = [s.id for s in district.stations]
    forced = np.clip(bounds.current, bounds.low, bounds.high)
    short = np.flatnonzero(forced > bounds.current)
    if int((forced - bounds.current).sum()) > params.budget:
        needs = [f"{names[s]}: minimum {bounds.low[s]}, has {bounds.current[s]}" for s in short]
        raise InfeasibleError(
            f"the minimums need {int((forced - bounds.current).sum())} more units than the budget of "
            f"{params.budget}; lower a minimum or raise the budget",
            listed(needs),
        )
    over = np.flatnonzero(forced < bounds.current)
    if int((bounds.current - forced).sum()) > params.moves:
        found = [f"{names[s]}: maximum {bounds.high[s]}, has {bounds.current[s]}" for s in over]
        raise InfeasibleError(
            f"{int((bounds.current - forced).sum())} units must leave stations above their maximum, but moves "
            f"allows {params.moves}",
            listed(found),
        )
    if int(bounds.high.sum()) < int(bounds.current.sum()) + params.budget:
        raise InfeasibleError(
            f"the maxima hold {int(bounds.high.sum())} units, fewer than the {int(bounds.current.sum())} there "
            f"are and the {params.budget} to add; raise a maximum"
        )
    broken = bounds.rule.broken(forced)
    if len(broken):
        raise InfeasibleError(
            "a central station is already weaker than one of its bases; give it units (minimum) or set "
            "central_rule false",
            listed([f"central {names[c]!r} and its base {names[b]!r}" for c, b in broken.tolist()]),
        )
    return forced


def _service_time(atoms: DistrictAtoms, fleet: Counts, demand: DemandParams, params: AllocationParams) -> float:
    """On-scene time plus the model's mean travel time of ``fleet`` (a few rounds
    of the fixed point; the loss model, which is always stable)."""
    service = demand.service
    scene = float(np.mean(service.samples)) if service.kind == "empirical" else service.mean
    if not fleet.any():  # no units yet: the nearest station's time
        return scene + float(atoms.rates @ atoms.station_travel.min(axis=0) / atoms.rates.sum())
    travel = 0.0
    for _ in range(3):
        model = fleet_model(atoms, fleet, service_time=scene + travel, queue="loss", method=params.method)
        travel = model.result.mean_travel
    return scene + travel


def _scorer(params: AllocationParams) -> Callable[[FleetPrediction], float]:
    """The number the search minimises."""
    if params.objective == "mean":
        return lambda model: model.mean_response
    return lambda model: -model.within(params.target)


def _mexclp_fleet(
    atoms: DistrictAtoms,
    forced: Counts,
    left: int,
    bounds: Bounds,
    service: float,
    params: AllocationParams,
    options: SolveParams | None,
) -> Counts:
    """MEXCLP's fleet: ``left`` more units on top of ``forced``, villages weighed
    by their calls, a unit busy ``params.busy`` of the time (by default the
    offered load over the units)."""
    _, first = np.unique(atoms.village, return_index=True)
    costs = atoms.station_travel[:, first].T
    units = int(forced.sum()) + left
    busy = params.busy if params.busy is not None else min(float(atoms.rates.sum()) * service / max(units, 1), 0.99)
    radius = params.radius or params.target
    if units == 0:
        return forced
    weights = atoms.by_village(atoms.rates)
    solution = mexclp(costs, units, radius, busy, weights, capacity=bounds.high, fixed=forced, options=options)
    counts = np.zeros(len(forced), dtype=np.int64)
    counts[solution.sites] = solution.units
    return counts


def _curve(
    search: FleetSearch, current: Counts, best: Counts, stations: tuple[str, ...], params: AllocationParams
) -> tuple[Step, ...]:
    """From the current fleet to ``best``: the moved units first (one step), then
    each added unit in turn, the one that helps most first."""
    sign = 1.0 if params.objective == "mean" else -1.0
    removed = np.maximum(current - best, 0)
    base = current - removed
    order = search.order(base, best - base)
    moved = int(removed.sum())
    previous = search.value(current)
    steps = []
    if moved:
        value = order[moved - 1][1]
        places = ", ".join(sorted({stations[s] for s, _ in order[:moved]}))
        steps.append(Step(0, places, sign * value, sign * (value - previous)))
        previous = value
    for number, (s, value) in enumerate(order[moved:], start=1):
        steps.append(Step(number, stations[s], sign * value, sign * (value - previous)))
        previous = value
    return tuple(steps)


def _bound(atoms: DistrictAtoms, bounds: Bounds, params: AllocationParams) -> float:
    """What no allocation beats: every call reached at once by the nearest
    station that may have a unit, or an emergency unit that may take it."""
    travel = np.vstack(
        [atoms.station_travel[bounds.high > 0], np.where(atoms.emergency_allowed, atoms.emergency_travel, np.inf)]
    ).min(axis=0)
    share = atoms.rates / atoms.rates.sum()
    if params.objective == "mean":
        return float(share @ travel)
    return float(share @ (travel <= params.target))


def _metrics(model: FleetPrediction, params: AllocationParams) -> dict[str, float]:
    """The model's figures under the simulator's metric keys."""
    targets = sorted({*TARGETS, params.target})
    result = model.result
    return (
        {"mean": model.mean_response}
        | {within(t): model.within(t) for t in targets}
        | {
            "mean_travel": result.mean_travel,
            "mean_wait": result.mean_wait,
            "queued" if params.queue == "infinite" else "lost": result.p_all_busy,
            "utilisation": float(result.workloads.mean()),
        }
    )


@dataclass(frozen=True)
class AllocationCheck:
    """The model's predictions for an allocation beside a simulation of it.

    ``simulated`` has the simulator's estimates for the keys of ``predicted``;
    ``workloads`` maps each modelled unit to its predicted workload and simulated
    utilisation.
    """

    predicted: dict[str, float]
    simulated: dict[str, Estimate]
    workloads: dict[str, tuple[float, Estimate]]
    result: SimulationResult

    def table(self, title: str = "Predicted (hypercube) and simulated") -> Table:
        """One row a metric: predicted, simulated with its interval."""
        rows = []
        for key, value in self.predicted.items():
            factor = 1 / 60 if key in TIME_METRICS else 100
            rows.append((label(key), value * factor, self.simulated[key].scaled(factor)))
        return Table(title, ("metric", "predicted", "simulated"), tuple(rows), ("", ".2f", ".2f"))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "predicted": self.predicted,
            "simulated": {k: e.__dict__ for k, e in self.simulated.items()},
            "workloads": {u: {"predicted": p, "simulated": e.__dict__} for u, (p, e) in self.workloads.items()},
        }


def verify_allocation(
    district: District,
    allocation: Allocation,
    *,
    params: SimulationParams | None = None,
    demand: DemandParams | None = None,
    policy: Policy | None = None,
    plan: ClusterPlan | None = None,
    tables: TravelTables | None = None,
    on_progress: OnProgress | None = None,
) -> AllocationCheck:
    """Simulate ``allocation`` applied to ``district`` and set the model's
    predictions beside the simulated figures.

    The simulation takes the allocation's turnout and queue (the model's), and by
    default the model's policy, :class:`~dispatch.operate.policies.NearestFree`;
    ``params`` gives the horizon, replications, seed and confidence, so the same
    seed simulates the same calls for any allocation.
    """
    settings = (params or SimulationParams()).replace(turnout=allocation.params.turnout, queue=allocation.params.queue)
    allocated = allocation.apply(district)
    result = simulate(
        allocated,
        plan,
        policy or NearestFree(),
        params=settings,
        demand=demand,
        tables=tables,
        on_progress=on_progress,
    )
    metrics = result.metrics(sorted({*TARGETS, allocation.params.target}))
    utilisation = result.utilisation()
    modelled = _modelled_units(allocated, allocation.stations)
    workloads = {unit: (allocation.workloads[k], utilisation[unit]) for k, unit in enumerate(modelled)}
    simulated = {key: metrics[key] for key in allocation.predicted if key != "utilisation"}
    rows = [allocated.unit_index[unit] for unit in modelled]
    busy = [float(run.busy[rows].mean() / run.horizon) for run in result.runs]
    simulated["utilisation"] = estimate(busy, settings.confidence, share=True)
    return AllocationCheck(allocation.predicted, simulated, workloads, result)


def _modelled_units(district: District, stations: tuple[str, ...]) -> list[str]:
    """The units of the model's rows: each station's units in turn, then the
    emergency units (partners' units are not modelled)."""
    ids = [u.id for station in stations for u in district.units if u.station == station]
    return ids + [e.id for e in district.emergency_units]
