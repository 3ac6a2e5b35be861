"""The dispatcher: sends the nearest free unit a policy allows, and tracks every unit.

Operational systems call :meth:`Dispatcher.dispatch` for every new incident and
report each unit's progress (:meth:`~Dispatcher.arrive`, :meth:`~Dispatcher.clear`,
:meth:`~Dispatcher.return_home`); the simulator drives the very same object. The
work is shared out: :class:`~dispatch.operate.fleet.Fleet` holds the fixed
facts, :class:`~dispatch.operate.units.StatusBoard` the units' state and ETAs,
:class:`~dispatch.operate.selection.Selector` the policy's choice,
:class:`~dispatch.operate.calls.CallQueue` the waiting calls,
:class:`~dispatch.operate.assignment.Assigner` the sending, queueing and losing,
and :class:`~dispatch.operate.decision.Explainer` the decisions and their reasons.

Ties between equally near units go to the unit listed first in the district. A
call no allowed unit can take waits in the queue, or with ``queue="loss"`` is
lost. An operation that is refused (an unknown village or unit, a time before the
clock, a transition the unit's status does not allow, an incident already being
served or waiting, an incident that no station or partner can reach by road)
raises and changes nothing, the clock included.
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Sequence
from typing import get_args

import numpy as np

from ..district import District
from ..errors import InputError, UnreachableError
from ..model import Incident, Queue
from ..network.search import joined
from ..plan.structure import ClusterPlan
from .assignment import Assigner
from .calls import CallQueue
from .decision import Decision, Explainer
from .fleet import Fleet
from .policies import ClusterFirst, NearestFree, Policy
from .selection import Selector
from .travel import Spot, TravelTables
from .units import AVAILABLE, DISPATCHED, ON_SCENE, OUT_OF_SERVICE, RETURNING, StatusBoard, UnitState

__all__ = ["Dispatcher"]


def _seconds(name: str, value: object, *, minimum: float = -math.inf) -> float:
    """``value`` as a finite number of seconds, at least ``minimum``; an
    :class:`InputError` naming ``name`` otherwise."""
    if type(value) is float and -math.inf < value < math.inf and value >= minimum:  # the common case, first
        return value
    kind = type(value)
    plain = kind is float or kind is int or (isinstance(value, numbers.Real) and not isinstance(value, bool))
    seconds = float(value) if plain else math.nan  # type: ignore[arg-type]
    if not (math.isfinite(seconds) and seconds >= minimum):
        bound = "" if minimum == -math.inf else f" >= {minimum:g}"
        raise InputError(f"{name} must be a finite number of seconds{bound}, got {value!r}")
    return seconds


class Dispatcher:
    """Sends units to incidents by a policy and tracks every unit.

    Parameters
    ----------
    district
        Stations, units, villages, partners and roads.
    plan
        The cluster plan; :class:`~dispatch.operate.policies.ClusterFirst` needs one.
    policy
        Which units may go: :class:`~dispatch.operate.policies.OwnStation`,
        :class:`~dispatch.operate.policies.NearestFree` (the default) or
        :class:`~dispatch.operate.policies.ClusterFirst`.
    turnout
        Seconds a unit at its station needs to leave (an emergency unit has its
        own).
    preemption
        Divert a unit on its way to a less urgent call when no unit is free.
    queue
        ``"infinite"``: a call no allowed unit can take waits, and is served as
        soon as one is free; ``"loss"``: it is lost (:attr:`Reason.LOST`).
    start
        The dispatcher's clock at the start (seconds).
    tables
        Travel tables already built for this district (dispatchers of the same
        district can share them); built here when omitted.

    Examples
    --------
    >>> from dispatch.datasets import zhuoshui_shuishi
    >>> county = zhuoshui_shuishi()
    >>> dispatcher = Dispatcher(county, turnout=0)
    >>> dispatcher.dispatch(Incident(id="c1", village="yantang")).unit
    'shuishi-1'
    """

    def __init__(
        self,
        district: District,
        plan: ClusterPlan | None = None,
        policy: Policy | None = None,
        *,
        turnout: float = 60.0,
        preemption: bool = False,
        queue: Queue = "infinite",
        start: float = 0.0,
        tables: TravelTables | None = None,
    ) -> None:
        self.turnout = _seconds("turnout", turnout, minimum=0.0)
        self.now = _seconds("start", start)
        if not isinstance(preemption, (bool, np.bool_)):
            raise InputError(f"preemption must be True or False, got {preemption!r}")
        if queue not in get_args(Queue):
            raise InputError(f"queue must be 'infinite' or 'loss', got {queue!r}")
        if not isinstance(district, District) or not isinstance(plan, (ClusterPlan, type(None))):
            raise InputError("Dispatcher(district, plan, policy) takes a District and a ClusterPlan (or None)")
        self.policy: Policy = policy if policy is not None else NearestFree()
        if not callable(getattr(self.policy, "tiers", None)):
            raise InputError(f"policy must be a Policy such as NearestFree(), got {policy!r}")
        if isinstance(self.policy, ClusterFirst) and plan is None:
            raise InputError("the ClusterFirst policy needs a ClusterPlan: Dispatcher(district, plan, ClusterFirst())")
        self.district, self.plan = district, plan
        self.preemption, self.discipline = bool(preemption), queue
        self.fleet = Fleet.of(district, plan, turnout=self.turnout)
        if tables is None:
            tables = TravelTables.for_district(district)
        tables.require(district)
        self.tables = tables
        self.board = StatusBoard(self.fleet.unit_base, tables, self.fleet.turnout)
        self.selector = Selector(self.policy, self.fleet, self.board, preemption=self.preemption)
        first = len(district.units)
        villages = {first + k: e.village for k, e in enumerate(district.emergency_units)}
        self.explainer = Explainer(district.unit_ids, district.post_ids, self.fleet, self.board, villages)
        self.calls = CallQueue()
        self.assigner = Assigner(self.selector, self.board, self.explainer, self.calls, queue)

    # ------------------------------------------------------------------ queries

    @property
    def unit_ids(self) -> tuple[str, ...]:
        """Unit ids in district order."""
        return self.district.unit_ids

    @property
    def post_ids(self) -> tuple[str, ...]:
        """Post ids: the stations, then the partners."""
        return self.district.post_ids

    def unit(self, unit_id: str) -> UnitState:
        """A snapshot of unit ``unit_id``."""
        u = self._unit_named(unit_id)
        return self.board.snapshot(u, unit_id, self.post_ids[self.fleet.unit_post[u]], self.now)

    @property
    def units(self) -> tuple[UnitState, ...]:
        """Snapshots of every unit, in district order."""
        return tuple(self.unit(name) for name in self.unit_ids)

    @property
    def queue(self) -> tuple[Incident, ...]:
        """Waiting incidents, the next to be served first."""
        return tuple(w.incident for w in self.calls)

    def _unit_named(self, unit_id: str) -> int:
        found = self.district.unit_index.get(unit_id) if isinstance(unit_id, str) else None
        if found is None:
            raise InputError(f"no unit {unit_id!r} in district {self.district.name!r}")
        return found

    # ------------------------------------------------------------------ dispatching

    def dispatch(self, incident: Incident, at: float | None = None) -> Decision:
        """Send the nearest free unit the policy allows to ``incident`` at time
        ``at`` (by default the incident's own time); else queue it, or lose it in
        a loss system."""
        (decision,) = self.dispatch_many([incident], at)
        return decision

    def dispatch_many(self, incidents: Sequence[Incident], at: float | None = None) -> list[Decision]:
        """Assign several incidents at once, the most urgent first: the incidents
        of each priority get as many free units as they can with the least total
        ETA; those left without a unit are queued (or lost).

        Decisions come back in the order of ``incidents``. In time, the free units
        go first; then each incident left, most urgent first, may divert a unit
        from a less urgent one, one sent in this batch included (the diverting
        decision's ``cascade`` says so): read the decisions that divert none first.
        """
        if not incidents:
            return []
        now = self._time(max(i.time for i in incidents) if at is None else at)
        self._refuse_known(incidents)
        located = [self._locate(i) for i in incidents]
        self.now = now
        if len(incidents) == 1:  # the nearest unit: no joint assignment needed
            return [self.assigner.take(incidents[0], *located[0], now)]
        return self.assigner.take_many(incidents, located, now)

    def advance(self, at: float) -> list[Decision]:
        """Move the clock to ``at`` and send units to the waiting incidents one may
        take now, as when an emergency unit comes on duty (the decisions made are
        returned)."""
        self.now = self._time(at)
        return self.assigner.serve_queue(self.now)

    def cancel(self, incident_id: str) -> Incident:
        """Withdraw a waiting incident from the queue (handled elsewhere)."""
        return self.calls.remove(incident_id)

    def _refuse_known(self, incidents: Sequence[Incident]) -> None:
        """Refuse incidents given twice, or already being served or waiting."""
        repeated = (
            [] if len(incidents) == 1 else sorted(k for k, n in Counter(i.id for i in incidents).items() if n > 1)
        )
        if repeated:
            raise InputError(f"incident ids must be unique, but {repeated} come more than once")
        serving = self.board.serving
        for incident in incidents:
            if incident.id in serving:
                unit = self.unit_ids[serving[incident.id]]
                raise InputError(f"incident {incident.id!r} is already being served by unit {unit!r}")
            if incident.id in self.calls:
                raise InputError(f"incident {incident.id!r} is already waiting in the queue")

    def _locate(self, incident: Incident) -> tuple[Spot, int]:
        """Where the incident meets the road, and its home station, checked to be reachable."""
        place, village, home = self.district.locate(incident)
        spot = self.tables.village(village) if place is None else Spot(place)
        _require_reachable(incident, spot, self.tables)
        return spot, home

    # ------------------------------------------------------------------ transitions

    def _time(self, at: float) -> float:
        """The clock after an event at ``at``, which may not be before the clock."""
        at = _seconds("time", at)
        if at < self.now - 1e-9:
            raise InputError(
                f"time {at:,.3f} s is before the dispatcher's clock ({self.now:,.3f} s); events must come in order"
            )
        return max(self.now, at)

    def _transition(self, unit_id: str, at: float, allowed: tuple[int, ...], action: str) -> tuple[int, float]:
        """Unit ``unit_id``'s index and the new clock, checked before anything changes."""
        u = self._unit_named(unit_id)
        self.board.require(u, unit_id, allowed, action)
        return u, self._time(at)

    def arrive(self, unit_id: str, at: float) -> None:
        """Unit ``unit_id`` reached its incident at ``at``."""
        u, self.now = self._transition(unit_id, at, (DISPATCHED,), "mark the arrival of")
        self.board.arrive(u)

    def clear(self, unit_id: str, at: float) -> list[Decision]:
        """Unit ``unit_id`` finished on scene at ``at`` and heads home; it may be
        sent at once to a waiting incident (the decisions made are returned)."""
        u, now = self._transition(unit_id, at, (ON_SCENE,), "clear")
        self.board.clear(u, now)
        self.now = now
        return self.assigner.serve_queue(self.now)

    def return_home(self, unit_id: str, at: float) -> list[Decision]:
        """Unit ``unit_id`` is back at its station at ``at``; waiting incidents it
        can take are served (the decisions made are returned)."""
        u, self.now = self._transition(unit_id, at, (RETURNING,), "return home")
        self.board.park(u, AVAILABLE)
        return self.assigner.serve_queue(self.now)

    def out_of_service(self, unit_id: str, at: float) -> None:
        """Take an available or returning unit out of service at ``at``."""
        u, self.now = self._transition(unit_id, at, (AVAILABLE, RETURNING), "take out of service")
        self.board.park(u, OUT_OF_SERVICE)

    def back_in_service(self, unit_id: str, at: float) -> list[Decision]:
        """Put an out-of-service unit back, available at its station, at ``at``."""
        u, self.now = self._transition(unit_id, at, (OUT_OF_SERVICE,), "put back in service")
        self.board.park(u, AVAILABLE)
        return self.assigner.serve_queue(self.now)


def _require_reachable(incident: Incident, spot: Spot, tables: TravelTables) -> None:
    """Refuse an incident at ``spot`` that no post can reach by road, or one on a
    road that leads nowhere back (:class:`UnreachableError`)."""
    if not tables.reachable(spot):
        node = tables.roads.label(int(spot.place.nearest_node[0]))
        raise UnreachableError(
            f"incident {incident.id!r} at road node {node!r} cannot be reached by road from any station or partner"
        )
    if spot.key < 0 and not joined(tables.main, spot.place)[0]:
        node = tables.roads.label(int(spot.place.nearest_node[0]))
        raise UnreachableError(
            f"incident {incident.id!r} on the road at node {node!r} can be reached, "
            "but no road leads from it back to the rest of the network (a one-way dead end?)"
        )
