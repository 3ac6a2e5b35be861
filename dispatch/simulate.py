"""Event-driven simulation that drives the very same Dispatcher and policies.

Each replication draws its own calls from the demand model; the calls depend only
on the district, the demand model, the seed and the replication number, never on
the policy, so two policies are compared on identical incidents (common random
numbers).

A unit is sent by the dispatcher, drives (its ETA), works on scene (the call's
service time), then drives home, dispatchable on the way. With ``queue=False``
a call that no unit can take is lost instead of waiting (a loss system).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .demand import DemandModel, IncidentStream
from .dispatcher import Decision, Dispatcher, Reason
from .district import District
from .errors import InputError
from .metrics import TARGETS, Estimate, estimate, response_metrics
from .model import Incident
from .plan import ClusterPlan
from .policies import ClusterFirst, NearestFree, OwnStation, Policy
from .progress import Progress
from .table import Table
from .tables import TravelTables

__all__ = ["Comparison", "Records", "SimulationResult", "compare", "simulate"]

_ARRIVE, _CLEAR, _HOME = range(3)
_REASONS = tuple(Reason)


@dataclass(frozen=True)
class Records:
    """One replication: a row per call (times in seconds, ``nan`` when it never
    happened; indices ``-1`` when none) and each unit's busy seconds.

    ``post`` indexes the stations then the partners; ``cluster`` gives each
    station's cluster number (``-1`` outside every cluster).
    """

    call: NDArray[np.float64]
    dispatch: NDArray[np.float64]
    arrival: NDArray[np.float64]
    clear: NDArray[np.float64]
    unit: NDArray[np.int64]
    post: NDArray[np.int64]
    home: NDArray[np.int64]
    priority: NDArray[np.int64]
    reason: NDArray[np.int8]
    lost: NDArray[np.bool_]
    preempted: int
    busy: NDArray[np.float64]
    horizon: float
    n_stations: int
    cluster: NDArray[np.int64]

    @property
    def response(self) -> NDArray[np.float64]:
        """Seconds from call to arrival."""
        return self.arrival - self.call

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
            "mean travel": float(np.nanmean(self.arrival - self.dispatch)) if served.any() else math.nan,
            "queued": float((self.wait[served] > 1e-9).mean()) if served.any() else math.nan,
            "mean wait": float(np.nanmean(self.wait)) if served.any() else math.nan,
            "lost": float(self.lost.mean()) if len(self.lost) else math.nan,
            "cross-station": share(post != home),
            "cross-cluster": share(other_cluster),
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
        return {name: estimate([m[name] for m in per_run], self.confidence) for name in per_run[0]}

    def utilisation(self) -> dict[str, Estimate]:
        """Each unit's share of time committed to calls (dispatched or on scene)."""
        busy = np.array([run.busy / run.horizon for run in self.runs])
        return {unit: estimate(busy[:, k], self.confidence) for k, unit in enumerate(self.unit_ids)}

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
        minutes = name in ("mean", "p50", "p90", "p95", "mean travel", "mean wait")
        unit = "min" if minutes else "%"
        factor = 1 / 60 if minutes else 100
        row: list[Any] = [f"{name} ({unit})"]
        for metrics in columns.values():
            e = metrics[name]
            row.append(Estimate(e.mean * factor, e.low * factor, e.high * factor))
        rows.append(tuple(row))
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


def _run(dispatcher: Dispatcher, stream: IncidentStream, horizon: float, queue: bool) -> Records:
    n = len(stream)
    n_units = len(dispatcher.district.units)
    unit_index = {name: k for k, name in enumerate(dispatcher.unit_ids)}
    post_index = {name: k for k, name in enumerate(dispatcher.post_ids)}
    dispatch_time, arrival, clear = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    unit_of, post_of, home = np.full(n, -1), np.full(n, -1), np.full(n, -1)
    reason, lost = np.zeros(n, dtype=np.int8), np.zeros(n, dtype=bool)
    busy, since = np.zeros(n_units), np.zeros(n_units)
    serving = np.full(n_units, -1)
    version = np.zeros(n_units, dtype=np.int64)
    events: list[tuple[float, int, int, int, int]] = []
    order = itertools.count()  # breaks ties between events at the same time
    preempted = 0

    def schedule(time: float, kind: int, u: int) -> None:
        heapq.heappush(events, (time, next(order), kind, u, int(version[u])))

    def record(decisions: list[Decision]) -> None:
        nonlocal preempted
        for d in decisions:
            k = int(d.incident[1:])
            home[k] = post_index[d.home]
            if d.unit is None:
                if not queue:
                    dispatcher.cancel(d.incident)
                    lost[k] = True
                continue
            u = unit_index[d.unit]
            if d.preempted is not None:  # the unit drops a less urgent call, which waits again
                preempted += 1
                bumped = int(d.preempted[1:])
                dispatch_time[bumped], unit_of[bumped], post_of[bumped] = np.nan, -1, -1
            else:
                since[u] = d.time
            version[u] += 1
            serving[u] = k
            dispatch_time[k], unit_of[k], post_of[k] = d.time, u, post_index[d.post]  # type: ignore[index]
            reason[k] = _REASONS.index(d.reason)
            schedule(d.time + d.eta, _ARRIVE, u)

    k = 0
    while k < n or events:
        if events and (k >= n or events[0][0] <= stream.time[k]):
            t, _, kind, u, ver = heapq.heappop(events)
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
                if version[u] == ver:  # not sent on at once: it drives home
                    schedule(dispatcher.unit(name).until, _HOME, u)
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
    demand: DemandModel | None = None,
    incidents: IncidentStream | None = None,
    horizon: float = 365 * 86_400.0,
    seed: int = 0,
    replications: int = 1,
    first_replication: int = 0,
    turnout: float = 60.0,
    preemption: bool = False,
    queue: bool = True,
    confidence: float = 0.95,
    tables: TravelTables | None = None,
    progress: bool = False,
) -> SimulationResult:
    """Simulate ``replications`` runs of ``horizon`` seconds.

    Calls come from ``demand`` (a fresh stream per replication, from ``seed``) or
    are replayed from ``incidents`` (the same stream every replication). The same
    arguments and seed give identical records. Replication ``r`` always draws the
    same calls, so replications ``first_replication ..`` can be run apart (in
    parallel, say) and match a single run of them all. ``tables`` shares travel tables
    already built for ``district`` (see :class:`~dispatch.dispatcher.Dispatcher`).
    """
    if not (math.isfinite(horizon) and horizon > 0):
        raise InputError(f"horizon must be a positive number of seconds, got {horizon}")
    if replications < 1 or first_replication < 0:
        raise InputError(
            f"replications must be at least 1 and first_replication >= 0, got {replications}, {first_replication}"
        )
    if incidents is not None and demand is not None:
        raise InputError("give demand or incidents, not both")
    if incidents is not None and tuple(incidents.village_ids) != district.village_ids:
        raise InputError("the incidents were made for another district: their village ids differ")
    model = demand or DemandModel()
    runs = []
    label = f"simulating {type(policy or NearestFree()).__name__}"
    bar = Progress(replications, label, enabled=progress)
    for r in range(first_replication, first_replication + replications):
        stream = (
            incidents
            if incidents is not None
            else model.incidents(district, horizon, np.random.SeedSequence(seed, spawn_key=(r,)))
        )
        dispatcher = Dispatcher(district, plan, policy, turnout=turnout, preemption=preemption, tables=tables)
        tables = dispatcher.tables
        tables.warm(district.village_nodes)
        runs.append(_run(dispatcher, stream, horizon, queue))
        bar.advance()
    bar.close()
    return SimulationResult(tuple(runs), dispatcher.unit_ids, dispatcher.post_ids, confidence)


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
    **settings: Any,
) -> Comparison:
    """Simulate ``before`` (default :class:`OwnStation`, no clusters) and ``after``
    (default :class:`ClusterFirst` with ``plan``) on the same calls; ``settings``
    go to :func:`simulate`."""
    settings["tables"] = settings.get("tables") or TravelTables.for_district(district)
    first = simulate(district, None, before or OwnStation(), **settings)
    second = simulate(district, plan, after or ClusterFirst(), **settings)
    per_run = [(a.metrics(), b.metrics()) for a, b in zip(first.runs, second.runs)]
    difference = {name: estimate([b[name] - a[name] for a, b in per_run], first.confidence) for name in per_run[0][0]}
    return Comparison(first, second, difference)
