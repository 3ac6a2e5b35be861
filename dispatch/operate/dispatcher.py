"""The dispatcher: sends the nearest free unit a policy allows, and tracks every unit.

Operational systems call :meth:`Dispatcher.dispatch` for every new incident and
report each unit's progress (:meth:`~Dispatcher.arrive`, :meth:`~Dispatcher.clear`,
:meth:`~Dispatcher.return_home`); the simulator drives the very same object. The
work is shared out: :class:`~dispatch.operate.fleet.Fleet` holds the fixed
facts, :class:`~dispatch.operate.units.StatusBoard` the units' state and ETAs,
:class:`~dispatch.operate.selection.Selector` the policy's choice,
:class:`~dispatch.operate.calls.CallQueue` the waiting calls, and
:class:`~dispatch.operate.decision.Explainer` the decisions and their reasons.

Ties between equally near units go to the unit listed first in the district. An
incident that no station or partner can reach by road raises
:class:`~dispatch.errors.UnreachableError`, and nothing changes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..district import District
from ..errors import InputError, UnreachableError
from ..model import Incident
from ..plan.structure import ClusterPlan
from .calls import CallQueue, Waiting
from .decision import Decision, Explainer, Weighed
from .fleet import Fleet
from .policies import ClusterFirst, NearestFree, Policy
from .selection import Selector
from .travel import TravelTables
from .units import AVAILABLE, DISPATCHED, ON_SCENE, OUT_OF_SERVICE, RETURNING, StatusBoard, UnitState

__all__ = ["Dispatcher"]


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
        Seconds a unit at its station needs to leave.
    preemption
        Divert a unit on its way to a less urgent call when no unit is free.
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
        self.fleet = Fleet.of(district, plan)
        if tables is None:
            tables = TravelTables.for_district(district)
        elif tables.roads is not district.roads or not np.array_equal(tables.posts, district.post_nodes):
            raise InputError("the travel tables were built for another district's roads or posts")
        self.tables = tables
        self.board = StatusBoard(self.fleet.unit_post, tables, turnout)
        self.selector = Selector(self.policy, self.fleet, self.board, preemption=preemption)
        self.explainer = Explainer(district.unit_ids, district.post_ids, self.fleet, self.board)
        self.calls = CallQueue()

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
        return self.board.snapshot(self._unit_named(unit_id), unit_id, self.post_ids, self.now)

    @property
    def units(self) -> tuple[UnitState, ...]:
        """Snapshots of every unit, in district order."""
        return tuple(self.unit(name) for name in self.unit_ids)

    @property
    def queue(self) -> tuple[Incident, ...]:
        """Waiting incidents, the next to be served first."""
        return tuple(w.incident for w in self.calls)

    def _unit_named(self, unit_id: str) -> int:
        try:
            return self.district.unit_index[unit_id]
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
            self.calls.push(incident, target, home)
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
        chosen, etas = self.selector.choose_many([i.priority for i in incidents], located, self.now)
        decisions = []
        for row, (incident, (target, home)) in enumerate(zip(incidents, located)):
            if row in chosen:
                decisions.append(self._send(incident, target, home, chosen[row], [(0, etas[row])]))
            else:
                decisions.append(self.explainer.queued(incident, home, target, self.now))
                self.calls.push(incident, target, home)
        return decisions

    def cancel(self, incident_id: str) -> Incident:
        """Withdraw a waiting incident from the queue (handled elsewhere, or lost)."""
        return self.calls.remove(incident_id)

    def _locate(self, incident: Incident) -> tuple[int, int]:
        """The incident's road node and home station, checked to be reachable."""
        target, home = self.district.locate(incident)
        if np.isinf(self.tables.post_times[:, target]).all():
            raise UnreachableError(
                f"incident {incident.id!r} at road node {self.district.roads.label(target)!r} cannot be reached by "
                "road from any station or partner"
            )
        return target, home

    def _assign(self, incident: Incident, target: int, home: int) -> Decision:
        u, weighed = self.selector.choose(incident.priority, target, home, self.now)
        if u is None:
            return self.explainer.queued(incident, home, target, self.now)
        return self._send(incident, target, home, u, weighed)

    def _send(self, incident: Incident, target: int, home: int, u: int, weighed: Weighed) -> Decision:
        board = self.board
        start_xy = np.array(board.position(u, self.now))
        leg = board.leg_to(u, target, self.now, float(weighed[-1][1][u]))
        preempted = None
        call = board.calls[u]
        if board.status[u] == DISPATCHED and call is not None:
            preempted = call.id
            self.calls.push(call, board.targets[u], board.homes[u])
        decision = self.explainer.sent(incident, home, u, leg, start_xy, preempted, weighed, self.now)
        board.send(u, leg, incident, target, home)
        return decision

    # ------------------------------------------------------------------ transitions

    def _advance(self, at: float) -> None:
        if not math.isfinite(at):
            raise InputError(f"time must be a finite number of seconds, got {at}")
        if at < self.now - 1e-9:
            raise InputError(
                f"time {at:,.3f} s is before the dispatcher's clock ({self.now:,.3f} s); events must come in order"
            )
        self.now = max(self.now, at)

    def _transition(self, unit_id: str, at: float, allowed: tuple[int, ...], action: str) -> int:
        u = self._unit_named(unit_id)
        self.board.require(u, unit_id, allowed, action)
        self._advance(at)
        return u

    def arrive(self, unit_id: str, at: float) -> None:
        """Unit ``unit_id`` reached its incident at ``at``."""
        self.board.arrive(self._transition(unit_id, at, (DISPATCHED,), "mark the arrival of"))

    def clear(self, unit_id: str, at: float) -> list[Decision]:
        """Unit ``unit_id`` finished on scene at ``at`` and heads home; it may be
        sent at once to a waiting incident (the decisions made are returned)."""
        self.board.clear(self._transition(unit_id, at, (ON_SCENE,), "clear"), self.now)
        return self._serve_queue()

    def return_home(self, unit_id: str, at: float) -> list[Decision]:
        """Unit ``unit_id`` is back at its station at ``at``; waiting incidents it
        can take are served (the decisions made are returned)."""
        self.board.park(self._transition(unit_id, at, (RETURNING,), "return home"), AVAILABLE)
        return self._serve_queue()

    def out_of_service(self, unit_id: str, at: float) -> None:
        """Take an available or returning unit out of service at ``at``."""
        u = self._transition(unit_id, at, (AVAILABLE, RETURNING), "take out of service")
        self.board.park(u, OUT_OF_SERVICE)

    def back_in_service(self, unit_id: str, at: float) -> list[Decision]:
        """Put an out-of-service unit back, available at its station, at ``at``."""
        self.board.park(self._transition(unit_id, at, (OUT_OF_SERVICE,), "put back in service"), AVAILABLE)
        return self._serve_queue()

    def _serve_queue(self) -> list[Decision]:
        """Send free units to waiting incidents, most urgent and oldest first."""
        decisions: list[Decision] = []
        waiting: list[Waiting] = []
        for entry in self.calls:
            if (self.selector.allowed(entry.home) & self.board.free()).any():
                decision = self._assign(entry.incident, entry.target, entry.home)
                if decision.unit is not None:
                    decisions.append(decision)
                    continue
            waiting.append(entry)
        self.calls.replace(waiting)
        return decisions
