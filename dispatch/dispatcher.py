"""The dispatcher: holds unit state and sends the nearest free unit a policy allows.

Operational systems call :meth:`Dispatcher.dispatch` for every new incident and
report each unit's progress (:meth:`~Dispatcher.arrive`, :meth:`~Dispatcher.clear`,
:meth:`~Dispatcher.return_home`); the simulator drives the very same object.

A unit's cycle is available -> dispatched (en route) -> on scene -> returning ->
available, plus out of service. Available and returning units can be sent; a
returning unit leaves from where it is on its way home (it drives on to the next
road node, then takes the fastest way). A unit at its station needs ``turnout``
seconds to leave.

Ties between equally near units go to the unit listed first in the district. An
incident that no station or partner can reach by road raises
:class:`~dispatch.errors.UnreachableError`, and nothing changes.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from shapely.geometry import LineString

from .district import District
from .errors import InputError, UnreachableError
from .model import Incident, UnitStatus
from .plan import ClusterPlan
from .policies import ClusterFirst, Fleet, NearestFree, Policy
from .tables import Leg, TravelTables

__all__ = ["Candidate", "Decision", "Dispatcher", "Reason", "UnitState"]

_STATUSES = tuple(UnitStatus)
_AVAILABLE, _DISPATCHED, _ON_SCENE, _RETURNING, _OUT_OF_SERVICE = range(len(_STATUSES))

Weighed = list[tuple[int, NDArray[np.float64]]]
"""(tier, ETA of every unit) for each tier a decision looked at."""


class Reason(str, Enum):
    """Why a unit went (or why none did)."""

    OWN_STATION = "own station"
    CLUSTER = "nearest free in the cluster"
    DISTRICT = "nearest free in the district"
    PARTNER = "partner across the border"
    QUEUED = "queued"


@dataclass(frozen=True)
class Candidate:
    """A unit the dispatcher weighed: its ETA (seconds) and the policy tier it was in
    (0 is the most preferred)."""

    unit: str
    post: str
    status: UnitStatus
    eta: float
    tier: int


class _Pool:
    """The ETAs a decision weighed, turned into :class:`Candidate` rows on demand."""

    __slots__ = ("_names", "_posts", "_status", "_tiers", "_unit_post")

    def __init__(self, dispatcher: Dispatcher, tiers: Weighed) -> None:
        self._names, self._posts = dispatcher._unit_names, dispatcher._post_names
        self._unit_post, self._status = dispatcher.fleet.unit_post, dispatcher._status.copy()
        self._tiers = tiers

    def candidates(self) -> tuple[Candidate, ...]:
        found = []
        for k, eta in self._tiers:
            reachable = np.flatnonzero(np.isfinite(eta))
            for u in reachable[np.argsort(eta[reachable], kind="stable")].tolist():
                post = self._posts[self._unit_post[u]]
                found.append(Candidate(self._names[u], post, _STATUSES[self._status[u]], float(eta[u]), k))
        return tuple(found)


@dataclass(frozen=True)
class Decision:
    """What the dispatcher did with an incident.

    ``unit`` is ``None`` when the incident was queued. ``eta`` counts seconds from
    ``time`` to arrival, turnout included. ``route`` holds road node indices
    (``roads.labels[route]`` gives the graph's labels), ``start_xy`` is where the
    unit was when sent and ``route_xy`` the coordinates it drives through.
    """

    incident: str
    time: float
    priority: int
    home: str
    unit: str | None
    post: str | None
    eta: float
    reason: Reason
    explanation: str
    route: NDArray[np.int64]
    start_xy: NDArray[np.float64] | None
    preempted: str | None = None
    pool: _Pool | None = field(default=None, repr=False, compare=False)
    node_xy: NDArray[np.float64] | None = field(default=None, repr=False, compare=False)

    @property
    def route_xy(self) -> NDArray[np.float64]:
        """Coordinates driven: the unit's position, then the route's nodes."""
        if self.start_xy is None or self.node_xy is None:
            return np.zeros((0, 2))
        return np.vstack([self.start_xy, self.node_xy[self.route[1:]]])

    @property
    def line(self) -> LineString:
        """The route as a shapely LineString (empty when queued)."""
        return LineString(self.route_xy) if len(self.route_xy) > 1 else LineString()

    @property
    def candidates(self) -> tuple[Candidate, ...]:
        """The free units the policy allowed, tier by tier, nearest first."""
        return self.pool.candidates() if self.pool is not None else ()


@dataclass(frozen=True)
class UnitState:
    """A snapshot of one unit: where it is in its cycle and what it serves.

    ``node`` is the road node it is at or drives to next; ``until`` is when it
    reaches the end of its current drive (``nan`` when it is not driving).
    """

    unit: str
    post: str
    status: UnitStatus
    node: int
    incident: str | None
    until: float


@dataclass
class _Unit:
    """A unit's mutable state; its status lives in ``Dispatcher._status``."""

    node: int
    leg: Leg | None = None
    incident: Incident | None = None
    target: int = -1
    home: int = -1


@dataclass(order=True)
class _Waiting:
    priority: int
    time: float
    order: int
    incident: Incident = field(compare=False)
    target: int = field(compare=False)
    home: int = field(compare=False)


class Dispatcher:
    """Sends units to incidents by a policy and tracks every unit.

    Parameters
    ----------
    district
        Stations, units, villages, partners and roads.
    plan
        The cluster plan; :class:`~dispatch.policies.ClusterFirst` needs one.
    policy
        Which units may go: :class:`~dispatch.policies.OwnStation`,
        :class:`~dispatch.policies.NearestFree` (the default) or
        :class:`~dispatch.policies.ClusterFirst`.
    turnout
        Seconds a unit at its station needs to leave.
    preemption
        Divert a unit on its way to a less urgent call when no unit is free.
    start
        The dispatcher's clock at the start (seconds).
    tables
        Travel tables already built for this district (dispatchers of the same
        district can share them); built here when omitted.
    """

    def __init__(
        self,
        district: District,
        plan: ClusterPlan | None = None,
        policy: Policy | None = None,
        *,
        turnout: float = 60.0,
        preemption: bool = False,
        start: float = 0.0,
        tables: TravelTables | None = None,
    ) -> None:
        if not (math.isfinite(turnout) and turnout >= 0):
            raise InputError(f"turnout must be a finite number of seconds >= 0, got {turnout}")
        self.district = district
        self.plan = plan
        self.policy: Policy = policy if policy is not None else NearestFree()
        if isinstance(self.policy, ClusterFirst) and plan is None:
            raise InputError("the ClusterFirst policy needs a ClusterPlan: Dispatcher(district, plan, ClusterFirst())")
        self.turnout = turnout
        self.preemption = preemption
        self.now = start
        stations = district.stations
        self._post_names = tuple(s.id for s in stations) + tuple(p.id for p in district.partners)
        post_index = {name: k for k, name in enumerate(self._post_names)}
        self._post_nodes = np.concatenate([district.station_nodes, district.partner_nodes])
        self._unit_names = tuple(u.id for u in district.units)
        self._unit_index = {name: k for k, name in enumerate(self._unit_names)}
        partners_of = tuple(
            np.array(
                [len(stations) + k for k, p in enumerate(district.partners) if s.id in p.stations],
                dtype=np.int64,
            )
            for s in stations
        )
        self.fleet = Fleet(
            unit_post=np.array([post_index[u.station] for u in district.units], dtype=np.int64),
            n_stations=len(stations),
            cluster_of=_cluster_numbers(district, plan),
            partners_of=partners_of,
        )
        if tables is None:
            tables = TravelTables.for_district(district)
        elif tables.roads is not district.roads or not np.array_equal(tables.posts, self._post_nodes):
            raise InputError("the travel tables were built for another district's roads or posts")
        self.tables = tables
        self._units = [_Unit(int(self._post_nodes[p])) for p in self.fleet.unit_post]
        self._status = np.full(len(self._units), _AVAILABLE, dtype=np.int8)
        self._tiers: dict[int, list[NDArray[np.bool_]]] = {}
        self._queue: list[_Waiting] = []
        self._order = itertools.count()

    # ------------------------------------------------------------------ queries

    def unit(self, unit_id: str) -> UnitState:
        """A snapshot of unit ``unit_id``."""
        u = self._unit_named(unit_id)
        state = self._units[u]
        leg = state.leg
        return UnitState(
            unit=unit_id,
            post=self._post_names[self.fleet.unit_post[u]],
            status=_STATUSES[self._status[u]],
            node=state.node if leg is None else int(leg.nodes[leg.next_stop(self.now)[0]]),
            incident=state.incident.id if state.incident is not None else None,
            until=leg.end if leg is not None else math.nan,
        )

    @property
    def unit_ids(self) -> tuple[str, ...]:
        """Unit ids in district order."""
        return self._unit_names

    @property
    def post_ids(self) -> tuple[str, ...]:
        """Post ids: the stations, then the partners."""
        return self._post_names

    @property
    def units(self) -> tuple[UnitState, ...]:
        """Snapshots of every unit, in district order."""
        return tuple(self.unit(name) for name in self._unit_names)

    @property
    def queue(self) -> tuple[Incident, ...]:
        """Waiting incidents, the next to be served first."""
        return tuple(w.incident for w in sorted(self._queue))

    def _unit_named(self, unit_id: str) -> int:
        try:
            return self._unit_index[unit_id]
        except KeyError:
            raise InputError(f"no unit {unit_id!r} in district {self.district.name!r}") from None

    # ------------------------------------------------------------------ dispatching

    def dispatch(self, incident: Incident, at: float | None = None) -> Decision:
        """Send the nearest free unit the policy allows to ``incident`` at time
        ``at`` (by default the incident's own time), or queue it."""
        self._advance(incident.time if at is None else at)
        target, home = self._locate(incident)
        decision = self._assign(incident, target, home)
        if decision.unit is None:
            self._wait(incident, target, home)
        return decision

    def dispatch_many(self, incidents: Sequence[Incident], at: float | None = None) -> list[Decision]:
        """Assign several incidents at once, minimising the total
        priority-weighted ETA (weight ``1 / priority``) over every unit the
        policy allows at all; incidents left without a unit are queued.

        Decisions come back in the order of ``incidents``.
        """
        if not incidents:
            return []
        self._advance(max(i.time for i in incidents) if at is None else at)
        located = [self._locate(i) for i in incidents]
        free = self._free()
        etas = np.array([self._etas(target, self._allowed(home) & free) for target, home in located])
        weights = np.array([1.0 / i.priority for i in incidents])
        costs = etas * weights[:, None]
        finite = np.isfinite(costs)
        big = 1.0 + 2.0 * float(costs[finite].sum()) if finite.any() else 1.0
        rows, cols = linear_sum_assignment(np.where(finite, costs, big))
        chosen = {int(r): int(c) for r, c in zip(rows, cols) if finite[r, c]}
        decisions = []
        for row, (incident, (target, home)) in enumerate(zip(incidents, located)):
            if row in chosen:
                decisions.append(self._send(incident, target, home, chosen[row], [(0, etas[row])]))
            else:
                decisions.append(self._queued(incident, home, target))
                self._wait(incident, target, home)
        return decisions

    def cancel(self, incident_id: str) -> Incident:
        """Withdraw a waiting incident from the queue (handled elsewhere, or lost)."""
        for k, entry in enumerate(self._queue):
            if entry.incident.id == incident_id:
                self._queue.pop(k)
                heapq.heapify(self._queue)
                return entry.incident
        raise InputError(f"incident {incident_id!r} is not waiting in the queue")

    def _locate(self, incident: Incident) -> tuple[int, int]:
        """The incident's road node and the index of its home station."""
        district = self.district
        if incident.village is not None:
            index = district.village_index.get(incident.village)
            if index is None:
                raise InputError(
                    f"incident {incident.id!r} names village {incident.village!r}, which is not in the district"
                )
            return int(district.village_nodes[index]), int(district.home_stations[index])
        assert incident.location is not None
        node, _ = district.roads.snap(
            [incident.location], max_distance=district.max_snap_distance, names=[f"incident {incident.id!r}"]
        )
        target = int(node[0])
        if np.isinf(self.tables.post_times[:, target]).all():
            raise UnreachableError(
                f"incident {incident.id!r} at road node {district.roads.label(target)!r} cannot be reached by "
                "road from any station or partner"
            )
        point = shapely.Point(incident.location)
        inside = (district.station_index[s] for s, area in district.jurisdictions.items() if area.contains(point))
        return target, next(inside, int(district.first_due.source[target]))

    def _tiers_of(self, home: int) -> list[NDArray[np.bool_]]:
        tiers = self._tiers.get(home)
        if tiers is None:
            tiers = self._tiers[home] = self.policy.tiers(home, self.fleet)
        return tiers

    def _allowed(self, home: int) -> NDArray[np.bool_]:
        """Every unit the policy would ever send to station ``home``'s incidents."""
        return np.asarray(np.logical_or.reduce(self._tiers_of(home)))

    def _free(self) -> NDArray[np.bool_]:
        return np.asarray((self._status == _AVAILABLE) | (self._status == _RETURNING))

    def _etas(self, target: int, allowed: NDArray[np.bool_]) -> NDArray[np.float64]:
        """ETA of each allowed unit to ``target`` (``inf`` for the rest)."""
        eta = np.full(len(self._units), np.inf)
        idle = allowed & (self._status == _AVAILABLE)
        eta[idle] = self.turnout + self.tables.post_times[self.fleet.unit_post[idle], target]
        on_road = np.flatnonzero(allowed & (self._status != _AVAILABLE))
        if not len(on_road):
            return eta
        legs = [self._units[u].leg for u in on_road.tolist()]
        assert all(leg is not None for leg in legs)
        # A returning unit can always drive home and on from there, which bounds
        # its ETA: the search from the target need go no farther than the best bound.
        returning = self._status[on_road] == _RETURNING
        left = np.array([leg.end - self.now for leg in legs if leg is not None])
        posts = self.fleet.unit_post[on_road[returning]]
        via_home = np.maximum(left[returning], 0.0) + self.tables.post_times[posts, target]
        tree = self.tables.towards(target, limit=float(min(eta.min(), via_home.min(initial=math.inf))))
        for u, leg in zip(on_road.tolist(), legs):
            assert leg is not None
            k, remaining = leg.next_stop(self.now)
            eta[u] = remaining + tree.times[leg.nodes[k]]
        return eta

    def _assign(self, incident: Incident, target: int, home: int) -> Decision:
        free = self._free()
        tiers = self._tiers_of(home)
        weighed: Weighed = []
        for k, tier in enumerate(tiers):
            allowed = tier & free
            if allowed.any():
                eta = self._etas(target, allowed)
                weighed.append((k, eta))
                if np.isfinite(eta).any():
                    return self._send(incident, target, home, int(np.argmin(eta)), weighed)
        if self.preemption:
            on_the_way = np.array(
                [u.incident is not None and u.incident.priority > incident.priority for u in self._units]
            )
            divertible = self._allowed(home) & (self._status == _DISPATCHED) & on_the_way
            if divertible.any():
                eta = self._etas(target, divertible)
                if np.isfinite(eta).any():
                    return self._send(incident, target, home, int(np.argmin(eta)), [(len(tiers), eta)])
        return self._queued(incident, home, target)

    def _send(self, incident: Incident, target: int, home: int, u: int, weighed: Weighed) -> Decision:
        state = self._units[u]
        preempted = None
        if self._status[u] == _AVAILABLE:
            leg = self.tables.from_post_leg(int(self.fleet.unit_post[u]), target, self.now + self.turnout)
            start_xy = self.district.roads.xy[leg.nodes[0]]
        else:
            assert state.leg is not None
            k, remaining = state.leg.next_stop(self.now)
            start_xy = state.leg.point(self.now, self.district.roads.xy)
            tree = self.tables.towards(target, limit=float(weighed[-1][1][u]))
            leg = self.tables.onward_leg(tree, int(state.leg.nodes[k]), self.now + remaining)
            if self._status[u] == _DISPATCHED and state.incident is not None:
                preempted = state.incident.id
                self._wait(state.incident, state.target, state.home)
        decision = self._decision(incident, home, u, leg, start_xy, preempted, weighed)
        state.leg, state.incident, state.target, state.home, state.node = leg, incident, target, home, target
        self._status[u] = _DISPATCHED
        return decision

    def _wait(self, incident: Incident, target: int, home: int) -> None:
        heapq.heappush(
            self._queue, _Waiting(incident.priority, incident.time, next(self._order), incident, target, home)
        )

    def _reason(self, home: int, post: int) -> Reason:
        if post == home:
            return Reason.OWN_STATION
        if post >= self.fleet.n_stations:
            return Reason.PARTNER
        cluster = self.fleet.cluster_of[home]
        if cluster >= 0 and self.fleet.cluster_of[post] == cluster:
            return Reason.CLUSTER
        return Reason.DISTRICT

    def _own_units(self, home: int, target: int) -> str:
        """How the incident's own station stands: no units, busy, or farther."""
        name = self._post_names[home]
        own = self.fleet.unit_post == home
        if not own.any():
            return f"{name} has no units"
        free = own & self._free()
        if not free.any():
            return f"{name}'s own units are busy"
        return f"{name}'s own free unit is farther ({float(self._etas(target, free).min()) / 60:.1f} min)"

    def _decision(
        self,
        incident: Incident,
        home: int,
        u: int,
        leg: Leg,
        start_xy: NDArray[np.float64],
        preempted: str | None,
        weighed: Weighed,
    ) -> Decision:
        post = int(self.fleet.unit_post[u])
        eta = leg.end - self.now
        reason = self._reason(home, post)
        unit, post_name, home_name = self._unit_names[u], self._post_names[post], self._post_names[home]
        target = int(leg.nodes[-1])
        if reason == Reason.OWN_STATION:
            why = f"{unit} of {home_name}, the incident's own station, is the nearest unit allowed"
        elif reason == Reason.PARTNER:
            why = f"{self._own_units(home, target)}; {unit} of partner {post_name} answers under mutual aid"
        elif reason == Reason.CLUSTER:
            why = f"{unit} of {post_name} is the nearest free unit in {home_name}'s cluster; "
            why += self._own_units(home, target)
        else:
            why = f"{unit} of {post_name} is the nearest free unit in the district; {self._own_units(home, target)}"
        if preempted is not None:
            why += f"; diverted from less urgent incident {preempted}"
        return Decision(
            incident=incident.id,
            time=self.now,
            priority=incident.priority,
            home=home_name,
            unit=unit,
            post=post_name,
            eta=eta,
            reason=reason,
            explanation=f"{why} (ETA {eta / 60:.1f} min)",
            route=leg.nodes,
            start_xy=start_xy,
            preempted=preempted,
            pool=_Pool(self, weighed),
            node_xy=self.district.roads.xy,
        )

    def _queued(self, incident: Incident, home: int, target: int) -> Decision:
        return Decision(
            incident=incident.id,
            time=self.now,
            priority=incident.priority,
            home=self._post_names[home],
            unit=None,
            post=None,
            eta=math.inf,
            reason=Reason.QUEUED,
            explanation=f"no free unit may answer: {self._own_units(home, target)}; the call waits in the queue",
            route=np.zeros(0, dtype=np.int64),
            start_xy=None,
        )

    # ------------------------------------------------------------------ transitions

    def _advance(self, at: float) -> None:
        if not math.isfinite(at):
            raise InputError(f"time must be a finite number of seconds, got {at}")
        if at < self.now - 1e-9:
            raise InputError(
                f"time {at:,.3f} s is before the dispatcher's clock ({self.now:,.3f} s); events must come in order"
            )
        self.now = max(self.now, at)

    def _transition(self, unit_id: str, at: float, allowed: tuple[int, ...], action: str) -> tuple[int, _Unit]:
        u = self._unit_named(unit_id)
        if self._status[u] not in allowed:
            wanted = " or ".join(_STATUSES[s].value for s in allowed)
            raise InputError(
                f"cannot {action} unit {unit_id!r}: it is {_STATUSES[self._status[u]].value}, not {wanted}"
            )
        self._advance(at)
        return u, self._units[u]

    def _home_node(self, u: int) -> int:
        return int(self._post_nodes[self.fleet.unit_post[u]])

    def arrive(self, unit_id: str, at: float) -> None:
        """Unit ``unit_id`` reached its incident at ``at``."""
        u, state = self._transition(unit_id, at, (_DISPATCHED,), "mark the arrival of")
        state.leg, state.node = None, state.target
        self._status[u] = _ON_SCENE

    def clear(self, unit_id: str, at: float) -> list[Decision]:
        """Unit ``unit_id`` finished on scene at ``at`` and heads home; it may be
        sent at once to a waiting incident (the decisions made are returned)."""
        u, state = self._transition(unit_id, at, (_ON_SCENE,), "clear")
        home = self._home_node(u)
        state.leg = self.tables.onward_leg(self.tables.towards(home), state.node, self.now)
        state.incident, state.target = None, home
        self._status[u] = _RETURNING
        return self._serve_queue()

    def return_home(self, unit_id: str, at: float) -> list[Decision]:
        """Unit ``unit_id`` is back at its station at ``at``; waiting incidents it
        can take are served (the decisions made are returned)."""
        u, state = self._transition(unit_id, at, (_RETURNING,), "return home")
        state.leg, state.node = None, self._home_node(u)
        self._status[u] = _AVAILABLE
        return self._serve_queue()

    def out_of_service(self, unit_id: str, at: float) -> None:
        """Take an available or returning unit out of service at ``at``."""
        u, state = self._transition(unit_id, at, (_AVAILABLE, _RETURNING), "take out of service")
        state.leg, state.node = None, self._home_node(u)
        self._status[u] = _OUT_OF_SERVICE

    def back_in_service(self, unit_id: str, at: float) -> list[Decision]:
        """Put an out-of-service unit back, available at its station, at ``at``."""
        u, _ = self._transition(unit_id, at, (_OUT_OF_SERVICE,), "put back in service")
        self._status[u] = _AVAILABLE
        return self._serve_queue()

    def _serve_queue(self) -> list[Decision]:
        """Send free units to waiting incidents, most urgent and oldest first."""
        decisions, waiting = [], []
        for entry in sorted(self._queue):
            free = self._free()
            if (self._allowed(entry.home) & free).any():
                decision = self._assign(entry.incident, entry.target, entry.home)
                if decision.unit is not None:
                    decisions.append(decision)
                    continue
            waiting.append(entry)
        heapq.heapify(waiting)
        self._queue = waiting
        return decisions


def _cluster_numbers(district: District, plan: ClusterPlan | None) -> NDArray[np.int64]:
    """Each station's cluster number in ``plan`` (``-1`` outside every cluster)."""
    cluster_of = np.full(len(district.stations), -1, dtype=np.int64)
    for k, cluster in enumerate(plan.clusters if plan is not None else ()):
        for member in cluster.members:
            if member not in district.station_index:
                raise InputError(f"the plan names station {member!r}, which is not in district {district.name!r}")
            cluster_of[district.station_index[member]] = k
    return cluster_of
