"""What the dispatcher decided, and why, in words a dispatcher reads."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
from numpy.typing import NDArray
from shapely.geometry import LineString

from ..model import Incident, UnitStatus
from .fleet import Fleet
from .travel import Leg, Spot
from .units import AVAILABLE, StatusBoard

__all__ = ["Candidate", "Decision", "Explainer", "Reason", "Weighed"]

Weighed = list[tuple[int, NDArray[np.float64]]]
"""(tier, ETA of every unit) for each tier a decision looked at."""


class Reason(str, Enum):
    """Why a unit went (or why none did)."""

    OWN_STATION = "own station"
    CLUSTER = "nearest free in the cluster"
    DISTRICT = "nearest free in the district"
    PARTNER = "partner across the border"
    EMERGENCY = "emergency unit"
    QUEUED = "queued"
    LOST = "lost"


@dataclass(frozen=True)
class Candidate:
    """A unit the dispatcher weighed: its ETA (seconds) and the policy tier it was in
    (0 is the most preferred)."""

    unit: str
    post: str
    status: UnitStatus
    eta: float
    tier: int


@dataclass(frozen=True)
class Pool:
    """The ETAs a decision weighed, turned into :class:`Candidate` rows on demand."""

    unit_ids: tuple[str, ...]
    post_ids: tuple[str, ...]
    unit_post: NDArray[np.int64]
    status: NDArray[np.int8]
    tiers: Weighed

    def candidates(self) -> tuple[Candidate, ...]:
        """The units weighed, tier by tier, nearest first."""
        statuses = tuple(UnitStatus)
        found = []
        for k, eta in self.tiers:
            reachable = np.flatnonzero(np.isfinite(eta))
            for u in reachable[np.argsort(eta[reachable], kind="stable")].tolist():
                post = self.post_ids[self.unit_post[u]]
                found.append(Candidate(self.unit_ids[u], post, statuses[self.status[u]], float(eta[u]), k))
        return tuple(found)


@dataclass(frozen=True)
class Decision:
    """What the dispatcher did with an incident.

    ``unit`` is ``None`` when the incident was queued or lost. ``eta`` counts
    seconds from ``time`` to arrival, turnout included. ``route`` holds the road
    nodes driven through (``roads.labels[route]`` gives the graph's labels),
    ``start_xy`` is where the unit was when sent and ``route_xy`` the coordinates
    it drives through, to the point on the road where the incident is. A unit
    diverted from a less urgent incident names it in ``preempted``, and
    ``displaced`` tells what became of it: sent another unit at once, queued, or
    lost.
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
    displaced: Decision | None = None
    pool: Pool | None = field(default=None, repr=False, compare=False)
    leg: Leg | None = field(default=None, repr=False, compare=False)
    node_xy: NDArray[np.float64] | None = field(default=None, repr=False, compare=False)

    @property
    def cascade(self) -> tuple[Decision, ...]:
        """This decision, then those made in turn for the incidents it pre-empted."""
        return (self, *self.displaced.cascade) if self.displaced is not None else (self,)

    @property
    def route_xy(self) -> NDArray[np.float64]:
        """Coordinates driven: the unit's position, then the route's nodes."""
        if self.start_xy is None or self.node_xy is None or self.leg is None:
            return np.zeros((0, 2))
        return np.vstack([self.start_xy, self.leg.stop_xy(self.node_xy)[1:]])

    @property
    def line(self) -> LineString:
        """The route as a shapely LineString (empty when queued)."""
        return LineString(self.route_xy) if len(self.route_xy) > 1 else LineString()

    @property
    def candidates(self) -> tuple[Candidate, ...]:
        """The free units the policy allowed, tier by tier, nearest first."""
        return self.pool.candidates() if self.pool is not None else ()


class Explainer:
    """Makes :class:`Decision` records: the reason a unit went, in words.

    ``villages`` names the village of each emergency unit (by unit index).
    """

    def __init__(
        self,
        unit_ids: tuple[str, ...],
        post_ids: tuple[str, ...],
        fleet: Fleet,
        board: StatusBoard,
        villages: dict[int, str] | None = None,
    ) -> None:
        self.unit_ids, self.post_ids = unit_ids, post_ids
        self.fleet, self.board = fleet, board
        self.villages = villages or {}

    def sent(
        self,
        incident: Incident,
        home: int,
        spot: Spot,
        u: int,
        leg: Leg,
        start_xy: NDArray[np.float64],
        preempted: str | None,
        weighed: Weighed,
        now: float,
    ) -> Decision:
        """Unit ``u`` drives ``leg`` to ``incident`` (call before the board changes)."""
        post = int(self.fleet.unit_post[u])
        eta = leg.end - now
        reason = self.reason(home, u)
        unit, post_name, home_name = self.unit_ids[u], self.post_ids[post], self.post_ids[home]
        if reason == Reason.OWN_STATION:
            why = f"{unit} of {home_name}, the incident's own station, is the nearest unit allowed"
        elif reason == Reason.EMERGENCY:
            why = f"{unit}, the emergency unit of village {self.villages[u]} ({post_name}), is the nearest unit allowed"
        else:
            own = self.own_units(home, spot, now)
            why = {
                Reason.PARTNER: f"{own}; {unit} of partner {post_name} answers under mutual aid",
                Reason.CLUSTER: f"{unit} of {post_name} is the nearest free unit in {home_name}'s cluster; {own}",
                Reason.DISTRICT: f"{unit} of {post_name} is the nearest free unit in the district; {own}",
            }[reason]
        if preempted is not None:
            why += f"; diverted from less urgent incident {preempted}"
        pool = Pool(self.unit_ids, self.post_ids, self.fleet.unit_post, self.board.status.copy(), weighed)
        return Decision(
            incident=incident.id,
            time=now,
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
            pool=pool,
            leg=leg,
            node_xy=self.board.tables.roads.xy,
        )

    def unserved(self, incident: Incident, home: int, spot: Spot, now: float, reason: Reason) -> Decision:
        """No unit may answer ``incident``: it waits (``reason`` queued) or is lost."""
        fate = "the call waits in the queue" if reason == Reason.QUEUED else "the call is lost (a loss system)"
        return Decision(
            incident=incident.id,
            time=now,
            priority=incident.priority,
            home=self.post_ids[home],
            unit=None,
            post=None,
            eta=math.inf,
            reason=reason,
            explanation=f"no free unit may answer: {self.own_units(home, spot, now)}; {fate}",
            route=np.zeros(0, dtype=np.int64),
            start_xy=None,
        )

    def reason(self, home: int, u: int) -> Reason:
        """Why unit ``u`` answers station ``home``'s incident."""
        fleet = self.fleet
        post = fleet.unit_post[u]
        if fleet.emergency[u]:
            return Reason.EMERGENCY
        if post == home:
            return Reason.OWN_STATION
        if post >= fleet.n_stations:
            return Reason.PARTNER
        cluster = fleet.cluster_of[home]
        if cluster >= 0 and fleet.cluster_of[post] == cluster:
            return Reason.CLUSTER
        return Reason.DISTRICT

    def own_units(self, home: int, spot: Spot, now: float) -> str:
        """How the incident's own station's units (not its emergency units) stand:
        none, busy, or farther."""
        name = self.post_ids[home]
        own = (self.fleet.unit_post == home) & ~self.fleet.emergency
        if not own.any():
            return f"{name} has no units"
        free = own & self.board.free()
        if not free.any():
            return f"{name}'s own units are busy"
        # The decision's search towards the spot serves: a unit it did not reach
        # is farther than its limit.
        eta = self.board.etas(spot, free, now, reuse=True)
        nearest = float(eta.min())
        searched = self.board.tables.searched(spot)
        unsure = free & (self.board.status != AVAILABLE) & np.isinf(eta)
        if searched is not None and unsure.any() and nearest > searched.limit:
            return f"{name}'s own free unit is farther (over {searched.limit / 60:.1f} min)"
        return f"{name}'s own free unit is farther ({nearest / 60:.1f} min)"
