"""Event-driven simulation that drives the very same Dispatcher and policies.

Each replication draws its own calls from the demand model; the calls depend only
on the district, the demand model, the seed and the replication number, never on
the policy, so two policies are compared on identical incidents (common random
numbers).

A unit is sent by the dispatcher, drives (its ETA), works on scene (the call's
service time), then drives home, dispatchable on the way. An emergency unit takes
calls only while on duty; when its duty starts, waiting calls it may take go to it. With ``queue="loss"``
the dispatcher loses a call that no unit can take instead of letting it wait (a
loss system), a call dropped by a pre-empted unit included.
"""

from __future__ import annotations

import heapq
import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator

from ..district import District
from ..errors import InputError, UnansweredCallsWarning
from ..model import DAY, Frozen, Incident
from ..operate.decision import Decision, Reason
from ..operate.dispatcher import Dispatcher
from ..operate.policies import ClusterFirst, NearestFree, OwnStation, Policy
from ..operate.travel import TravelTables
from ..plan.structure import ClusterPlan
from ..progress import OnProgress, Tracker
from ..texttable import Table
from .demand import DemandParams, IncidentStream
from .metrics import TARGETS, TIME_METRICS, Estimate, Queue, estimate, label, response_metrics

__all__ = ["Comparison", "Records", "SimulationParams", "SimulationResult", "compare", "simulate"]

_ARRIVE, _CLEAR, _HOME, _DUTY = range(4)


class SimulationParams(Frozen):
    """How to simulate: the same settings for :func:`simulate`, :func:`compare`,
    scenario files and sweeps.

    Parameters
    ----------
    horizon
        Seconds of calls per replication (a scenario file may give
        ``horizon_days`` instead).
    replications
        Independent runs, each with its own calls.
    seed
        Same seed, same calls and same results.
    turnout
        Seconds a unit at its station needs to leave (an emergency unit has its
        own).
    preemption
        Divert a unit on its way to a less urgent call when no unit is free.
    queue
        ``"infinite"``: calls wait for a unit; ``"loss"``: they are lost.
    confidence
        Level of the confidence intervals.
    """

    horizon: float = Field(365 * 86_400.0, gt=0, le=10 * 365 * 86_400.0, allow_inf_nan=False)
    replications: int = Field(1, ge=1, le=1_000)
    seed: int = Field(0, ge=0)
    turnout: float = Field(60.0, ge=0, allow_inf_nan=False)
    preemption: bool = False
    queue: Queue = "infinite"
    confidence: float = Field(0.95, gt=0, lt=1)

    @model_validator(mode="before")
    @classmethod
    def _days(cls, data: Any) -> Any:
        if isinstance(data, dict) and "horizon_days" in data:
            data = dict(data)
            days = data.pop("horizon_days")
            if "horizon" in data:
                raise ValueError("give horizon (seconds) or horizon_days, not both")
            if isinstance(days, bool) or not isinstance(days, (int, float)) or not 0 < days <= 3_650:
                raise ValueError(f"horizon_days must be a number of days in (0, 3650], got {days!r}")
            data["horizon"] = days * 86_400.0
        return data


@dataclass(frozen=True)
class Records:
    """One replication: a row per call (times in seconds, ``nan`` when it never
    happened; indices ``-1`` when none) and each unit's busy seconds.

    ``post`` indexes the stations then the partners; ``cluster`` gives each
    station's cluster number (``-1`` outside every cluster); ``village`` indexes
    the district's villages (where each call came from); ``reason`` holds the
    value of each served call's :class:`~dispatch.operate.decision.Reason`
    (``""`` when never served).
    """

    call: NDArray[np.float64]
    dispatch: NDArray[np.float64]
    arrival: NDArray[np.float64]
    clear: NDArray[np.float64]
    unit: NDArray[np.int64]
    post: NDArray[np.int64]
    home: NDArray[np.int64]
    priority: NDArray[np.int64]
    village: NDArray[np.int64]
    reason: NDArray[np.str_]
    lost: NDArray[np.bool_]
    preempted: int
    busy: NDArray[np.float64]
    horizon: float
    n_stations: int
    cluster: NDArray[np.int64]

    @property
    def unanswered(self) -> NDArray[np.bool_]:
        """Calls no unit ever reached that were not lost (still waiting when the
        run ended: say, at a station without units and no other allowed)."""
        return np.isnan(self.arrival) & ~self.lost

    @property
    def response(self) -> NDArray[np.float64]:
        """Seconds from call to arrival (``inf`` when never answered, ``nan`` when lost)."""
        return np.where(self.unanswered, np.inf, self.arrival - self.call)

    @property
    def wait(self) -> NDArray[np.float64]:
        """Seconds from call to dispatch (the queue wait)."""
        return self.dispatch - self.call

    def metrics(self, targets: Sequence[float] = TARGETS) -> dict[str, float]:
        """Response times, shares and utilisation of this replication."""
        served = self.unit >= 0
        post, home = self.post[served], self.home[served]
        by_station = post < self.n_stations
        home_cluster = self.cluster[home]
        other_cluster = (
            by_station & (home_cluster >= 0) & (self.cluster[np.minimum(post, self.n_stations - 1)] != home_cluster)
        )

        def share(mask: NDArray[np.bool_]) -> float:
            return float(mask.mean()) if served.any() else math.nan

        return response_metrics(self.response, targets) | {
            "mean_travel": float(np.nanmean(self.arrival - self.dispatch)) if served.any() else math.nan,
            "queued": float((self.wait[served] > 1e-9).mean()) if served.any() else math.nan,
            "mean_wait": float(np.nanmean(self.wait)) if served.any() else math.nan,
            "lost": float(self.lost.mean()) if len(self.lost) else math.nan,
            "unanswered": float(self.unanswered.mean()) if len(self.lost) else math.nan,
            "cross_station": share(post != home),
            "cross_cluster": share(other_cluster),
            "partner": share(~by_station),
            "utilisation": float(self.busy.mean() / self.horizon),
        }


@dataclass(frozen=True)
class SimulationResult:
    """Every replication's records, with estimates across replications."""

    runs: tuple[Records, ...]
    unit_ids: tuple[str, ...]
    post_ids: tuple[str, ...]
    confidence: float

    def metrics(self, targets: Sequence[float] = TARGETS) -> dict[str, Estimate]:
        """Each metric's mean over replications with its confidence interval."""
        per_run = [run.metrics(targets) for run in self.runs]
        return {
            name: estimate([m[name] for m in per_run], self.confidence, share=name not in TIME_METRICS)
            for name in per_run[0]
        }

    def utilisation(self) -> dict[str, Estimate]:
        """Each unit's share of time committed to calls (dispatched or on scene)."""
        busy = np.array([run.busy / run.horizon for run in self.runs])
        return {unit: estimate(busy[:, k], self.confidence, share=True) for k, unit in enumerate(self.unit_ids)}

    def table(self, title: str = "Simulated response") -> Table:
        """The metrics, times in minutes and shares in per cent."""
        return _metrics_table(title, {"": self.metrics()})

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: metric -> {mean, low, high}."""
        return {name: e.__dict__ for name, e in self.metrics().items()} | {
            "replications": len(self.runs),
            "calls": int(sum(len(r.call) for r in self.runs)),
        }


def _metrics_table(title: str, columns: dict[str, dict[str, Estimate]]) -> Table:
    names = next(iter(columns.values()))
    rows = []
    for name in names:
        factor = 1 / 60 if name in TIME_METRICS else 100
        rows.append((label(name), *(metrics[name].scaled(factor) for metrics in columns.values())))
    return Table(title, ("metric", *columns), tuple(rows), ("", *([".1f"] * len(columns))))


def _incident(stream: IncidentStream, k: int) -> Incident:
    # The stream is valid by construction: skip pydantic's checks in the hot loop.
    return Incident.model_construct(
        id=f"c{k}",
        time=float(stream.time[k]),
        village=stream.village_ids[stream.village[k]],
        location=None,
        priority=int(stream.priority[k]),
    )


def _run(dispatcher: Dispatcher, stream: IncidentStream, horizon: float) -> Records:
    n = len(stream)
    district = dispatcher.district
    n_units = len(district.unit_ids)
    unit_index, post_index = district.unit_index, district.post_index
    dispatch_time, arrival, clear = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    unit_of, post_of, home = np.full(n, -1), np.full(n, -1), np.full(n, -1)
    reason, lost = np.full(n, "", dtype="<U32"), np.zeros(n, dtype=bool)
    busy, since = np.zeros(n_units), np.zeros(n_units)
    serving = np.full(n_units, -1)
    version = [0] * n_units  # plain lists and floats: the loop reads them once per event
    call_time = stream.time.tolist()
    events: list[tuple[float, int, int, int, int]] = []
    order = itertools.count()  # breaks ties between events at the same time
    preempted = 0

    def schedule(time: float, kind: int, u: int) -> None:
        heapq.heappush(events, (time, next(order), kind, u, version[u]))

    first = len(district.units)
    for k, unit in enumerate(district.emergency_units):  # each day's start of duty
        starts = np.arange(math.ceil(horizon / DAY) + 1) * DAY + unit.on_duty[0]
        for start in starts[(starts > 0) & (starts <= horizon)].tolist() if unit.availability < 1 else ():
            schedule(start, _DUTY, first + k)

    def record(decisions: list[Decision]) -> None:
        nonlocal preempted
        for d in (step for decision in decisions for step in decision.cascade):
            k = int(d.incident[1:])
            home[k] = post_index[d.home]
            lost[k] = d.reason is Reason.LOST
            if d.unit is None:
                continue
            u = unit_index[d.unit]
            if d.preempted is not None:  # the unit drops a less urgent call: its fate is the next step
                preempted += 1
                bumped = int(d.preempted[1:])
                dispatch_time[bumped], unit_of[bumped], post_of[bumped], reason[bumped] = np.nan, -1, -1, ""
            else:
                since[u] = d.time
            version[u] += 1
            serving[u] = k
            dispatch_time[k], unit_of[k], post_of[k] = d.time, u, post_index[d.post]  # type: ignore[index]
            reason[k] = d.reason.value
            schedule(d.time + d.eta, _ARRIVE, u)

    k = 0
    while k < n or events:
        if events and (k >= n or events[0][0] <= call_time[k]):
            t, _, kind, u, ver = heapq.heappop(events)
            if kind == _DUTY:
                record(dispatcher.advance(t))
                continue
            if ver != version[u]:
                continue  # the unit was sent elsewhere since this was scheduled
            name = dispatcher.unit_ids[u]
            if kind == _ARRIVE:
                dispatcher.arrive(name, t)
                arrival[serving[u]] = t
                schedule(t + stream.service[serving[u]], _CLEAR, u)
            elif kind == _CLEAR:
                clear[serving[u]] = t
                busy[u] += t - since[u]
                record(dispatcher.clear(name, t))
                leg = dispatcher.board.legs[u]
                if version[u] == ver and leg is not None:  # not sent on at once: it drives home
                    schedule(leg.end, _HOME, u)
            else:
                record(dispatcher.return_home(name, t))
        else:
            record([dispatcher.dispatch(_incident(stream, k))])
            k += 1
    return Records(
        call=stream.time.copy(),
        dispatch=dispatch_time,
        arrival=arrival,
        clear=clear,
        unit=unit_of,
        post=post_of,
        home=home,
        priority=stream.priority.copy(),
        village=stream.village.copy(),
        reason=reason,
        lost=lost,
        preempted=preempted,
        busy=busy,
        horizon=horizon,
        n_stations=dispatcher.fleet.n_stations,
        cluster=dispatcher.fleet.cluster_of,
    )


def simulate(
    district: District,
    plan: ClusterPlan | None = None,
    policy: Policy | None = None,
    *,
    params: SimulationParams | None = None,
    demand: DemandParams | None = None,
    incidents: IncidentStream | None = None,
    first_replication: int = 0,
    tables: TravelTables | None = None,
    on_progress: OnProgress | None = None,
) -> SimulationResult:
    """Simulate ``params.replications`` runs of ``params.horizon`` seconds.

    Calls come from ``demand`` (a fresh stream per replication, from the seed) or
    are replayed from ``incidents`` (the same stream every replication). The same
    arguments and seed give identical records. Replication ``r`` always draws the
    same calls, so replications ``first_replication ..`` can be run apart (in
    parallel, say) and match a single run of them all. ``tables`` shares travel
    tables already built for ``district``; ``on_progress`` hears of each
    replication done.

    Examples
    --------
    >>> from dispatch.datasets import zhuoshui_shuishi
    >>> result = simulate(zhuoshui_shuishi(), params=SimulationParams(horizon=30 * 86_400.0, seed=1))
    >>> round(result.metrics()["mean"].mean / 60, 1)  # minutes from call to arrival
    3.3
    """
    params = params or SimulationParams()
    if first_replication < 0:
        raise InputError(f"first_replication must be >= 0, got {first_replication}")
    if incidents is not None and demand is not None:
        raise InputError("give demand or incidents, not both")
    if incidents is not None and tuple(incidents.village_ids) != district.village_ids:
        raise InputError("the incidents were made for another district: their village ids differ")
    model = demand or DemandParams()
    runs = []
    tracker = Tracker(f"simulating {type(policy or NearestFree()).__name__}", params.replications, on_progress)
    for r in range(first_replication, first_replication + params.replications):
        stream = (
            incidents
            if incidents is not None
            else model.incidents(district, params.horizon, np.random.SeedSequence(params.seed, spawn_key=(r,)))
        )
        dispatcher = Dispatcher(
            district,
            plan,
            policy,
            turnout=params.turnout,
            preemption=params.preemption,
            queue=params.queue,
            tables=tables,
        )
        tables = dispatcher.tables
        runs.append(_run(dispatcher, stream, params.horizon))
        _warn_unanswered(runs[-1], district, r)
        tracker.advance()
    return SimulationResult(tuple(runs), district.unit_ids, district.post_ids, params.confidence)


def _warn_unanswered(records: Records, district: District, replication: int) -> None:
    never = np.flatnonzero(records.unanswered)
    if not len(never):
        return
    homes = sorted({district.post_ids[h] for h in records.home[never].tolist() if h >= 0})
    warnings.warn(
        UnansweredCallsWarning(
            f"replication {replication}: {len(never):,} of {len(records.call):,} calls were never answered "
            f"(calls of {', '.join(map(repr, homes[:10]))}); they count against every percentile and share: "
            "give those stations units or choose a policy that lets other stations answer"
        ),
        stacklevel=3,
    )


@dataclass(frozen=True)
class Comparison:
    """Two policies on the same calls: each one's metrics and the paired
    difference ``after - before`` with its confidence interval."""

    before: SimulationResult
    after: SimulationResult
    difference: dict[str, Estimate]

    def table(self) -> Table:
        """Before, after and the difference, times in minutes and shares in per cent."""
        return _metrics_table(
            "Before and after the reform, on the same calls",
            {"before": self.before.metrics(), "after": self.after.metrics(), "difference": self.difference},
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "difference": {name: e.__dict__ for name, e in self.difference.items()},
        }


def compare(
    district: District,
    plan: ClusterPlan,
    *,
    before: Policy | None = None,
    after: Policy | None = None,
    params: SimulationParams | None = None,
    demand: DemandParams | None = None,
    incidents: IncidentStream | None = None,
    tables: TravelTables | None = None,
    on_progress: OnProgress | None = None,
) -> Comparison:
    """Simulate ``before`` (default :class:`OwnStation`, no clusters) and ``after``
    (default :class:`ClusterFirst` with ``plan``) on the same calls, with the same
    settings as :func:`simulate`, and pair their metrics run by run."""
    tables = tables or TravelTables.for_district(district)
    settings: dict[str, Any] = {
        "params": params,
        "demand": demand,
        "incidents": incidents,
        "tables": tables,
        "on_progress": on_progress,
    }
    first = simulate(district, None, before or OwnStation(), **settings)
    second = simulate(district, plan, after or ClusterFirst(), **settings)
    per_run = [(a.metrics(), b.metrics()) for a, b in zip(first.runs, second.runs)]
    difference = {
        name: estimate(
            [b[name] - a[name] for a, b in per_run], first.confidence, bounds=None if name in TIME_METRICS else (-1, 1)
        )
        for name in per_run[0][0]
    }
    return Comparison(first, second, difference)
