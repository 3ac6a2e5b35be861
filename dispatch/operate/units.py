"""The status board: where every unit is in its cycle, and how soon it can be
anywhere.

A unit's cycle is available -> dispatched (en route) -> on scene -> returning ->
available, plus out of service. Available and returning units can be sent; a
returning unit leaves from where it is on its way home (it drives on to the next
road node, then takes the fastest way). A unit at its base (its station or
partner, or an emergency unit's village) needs its ``turnout`` seconds to leave.
Places are points on the road (:class:`~dispatch.operate.travel.Spot`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..errors import InputError
from ..model import Incident, UnitStatus
from .travel import Leg, Spot, Starts, TravelTables

__all__ = ["STATUSES", "StatusBoard", "UnitState"]

STATUSES = tuple(UnitStatus)
AVAILABLE, DISPATCHED, ON_SCENE, RETURNING, OUT_OF_SERVICE = range(len(STATUSES))
FREE = np.array([s in (AVAILABLE, RETURNING) for s in range(len(STATUSES))])
"""Which statuses may be sent, by status number."""


@dataclass(frozen=True)
class UnitState:
    """A snapshot of one unit: where it is in its cycle and what it serves.

    ``node`` is the road node it is at or drives to next (the nearer end of the
    road segment, for a point between nodes); ``leg`` its current drive
    (``None`` when it is not driving), which it ends at ``until`` (``nan`` when
    not driving); ``position`` its coordinates now.
    """

    unit: str
    post: str
    status: UnitStatus
    node: int
    incident: str | None
    until: float
    leg: Leg | None
    position: tuple[float, float]


class StatusBoard:
    """Every unit's status, drive and call, and the ETAs they give.

    Parameters
    ----------
    unit_base
        Where each unit leaves from (an index into ``tables.posts``).
    tables
        Travel tables of the district's roads and bases.
    turnout
        Seconds each unit at its base needs to leave.
    """

    def __init__(self, unit_base: NDArray[np.int64], tables: TravelTables, turnout: NDArray[np.float64]) -> None:
        self.unit_base = unit_base
        self.tables = tables
        self.turnout = turnout
        self.status = np.full(len(unit_base), AVAILABLE, dtype=np.int8)
        self.bases = [tables.post(p) for p in unit_base.tolist()]  # the spot of each unit's base
        self.spots = list(self.bases)  # where each unit is, or drives to
        self.legs: list[Leg | None] = [None] * len(unit_base)
        self.calls: list[Incident | None] = [None] * len(unit_base)
        self.serving: dict[str, int] = {}  # incident id -> the unit serving it
        self.targets: list[Spot | None] = [None] * len(unit_base)
        self.homes = [-1] * len(unit_base)

    def free(self) -> NDArray[np.bool_]:
        """Units that may be sent: available or returning."""
        return np.asarray(FREE[self.status])

    def home(self, u: int) -> Spot:
        """The place of unit ``u``'s base."""
        return self.bases[u]

    def node(self, u: int, now: float) -> int:
        """The node unit ``u`` is at, or drives to next."""
        leg = self.legs[u]
        if leg is None:
            return int(self.spots[u].place.nearest_node[0])
        k, _ = leg.next_stop(now)
        stop = int(leg.stops[k])
        return stop if stop >= 0 else int((leg.start if k == 0 else leg.finish).nearest_node[0])

    def position(self, u: int, now: float) -> tuple[float, float]:
        """Where unit ``u`` is at ``now``."""
        leg = self.legs[u]
        point = self.spots[u].xy if leg is None else leg.point(now, self.tables.roads.xy)
        return float(point[0]), float(point[1])

    def snapshot(self, u: int, name: str, post: str, now: float) -> UnitState:
        """Unit ``u`` (called ``name``, of post ``post``) at ``now``."""
        leg, call = self.legs[u], self.calls[u]
        return UnitState(
            unit=name,
            post=post,
            status=STATUSES[self.status[u]],
            node=self.node(u, now),
            incident=call.id if call is not None else None,
            until=leg.end if leg is not None else math.nan,
            leg=leg,
            position=self.position(u, now),
        )

    def require(self, u: int, name: str, allowed: tuple[int, ...], action: str) -> None:
        """Raise :class:`InputError` unless unit ``u`` (``name``) is in an allowed status."""
        if self.status[u] not in allowed:
            wanted = " or ".join(STATUSES[s].value for s in allowed)
            raise InputError(f"cannot {action} unit {name!r}: it is {STATUSES[self.status[u]].value}, not {wanted}")

    # ------------------------------------------------------------------ ETAs

    def etas(
        self, spot: Spot, allowed: NDArray[np.bool_], now: float, *, complete: bool = False, reuse: bool = False
    ) -> NDArray[np.float64]:
        """ETA (seconds from ``now``) of each allowed unit to ``spot`` (``inf`` for
        the rest).

        Only the nearest unit's ETA is sure to be exact: units on the road that
        cannot beat the best bound may be left at ``inf``, unless ``complete``.
        With ``reuse``, the search towards ``spot`` at hand serves as it is (units
        on the road beyond its limit are left at ``inf``).
        """
        from_posts = self.tables.times_from_posts(spot)
        idle = self.status == AVAILABLE
        eta = np.where(allowed & idle, self.turnout + from_posts[self.unit_base], np.inf)
        on_road = allowed & ~idle
        if not on_road.any():
            return eta
        on_road = np.flatnonzero(on_road)
        legs = [leg for u in on_road.tolist() if (leg := self.legs[u]) is not None]
        starts = Starts.of(self.tables.core, legs, now, spot)
        # A returning unit can always drive home and on from there, which bounds
        # its ETA: the search towards the spot need go no farther than the best bound.
        returning = self.status[on_road] == RETURNING
        left = np.array([leg.end - now for leg in legs])
        via_home = np.maximum(left[returning], 0.0) + from_posts[self.unit_base[on_road[returning]]]
        bound = math.inf if complete else float(min(eta.min(), via_home.min(initial=math.inf)))
        inbound = self.tables.searched(spot) if reuse else None
        if inbound is None:
            inbound = self.tables.inbound(spot, limit=bound, starts=None if complete else starts, best=bound)
        eta[on_road] = starts.etas(inbound)[0]
        return eta

    def leg_to(self, u: int, spot: Spot, now: float, eta: float) -> Leg:
        """The drive of free or dispatched unit ``u`` to ``spot`` from ``now``
        (``eta`` is its ETA, which bounds the search)."""
        if self.status[u] == AVAILABLE:
            return self.tables.leg(self.home(u), spot, now + self.turnout[u], limit=eta)
        leg = self.legs[u]
        assert leg is not None
        k, remaining = leg.next_stop(now)
        return self.tables.leg_from_stop(leg, k, spot, now + remaining, limit=eta)

    # ------------------------------------------------------------------ transitions

    def send(self, u: int, leg: Leg, incident: Incident, spot: Spot, home: int) -> None:
        """Unit ``u`` drives ``leg`` to ``incident`` at ``spot`` (home station ``home``)."""
        dropped = self.calls[u]
        if dropped is not None:
            del self.serving[dropped.id]
        self.serving[incident.id] = u
        self.legs[u], self.calls[u], self.targets[u], self.homes[u] = leg, incident, spot, home
        self.spots[u] = spot
        self.status[u] = DISPATCHED

    def arrive(self, u: int) -> None:
        """Unit ``u`` is on scene."""
        self.legs[u] = None
        self.status[u] = ON_SCENE

    def clear(self, u: int, now: float) -> None:
        """Unit ``u`` leaves the scene for its post."""
        home = self.home(u)
        self.legs[u] = self.tables.leg(self.spots[u], home, now)
        self.spots[u] = home
        call = self.calls[u]
        if call is not None:
            del self.serving[call.id]
        self.calls[u], self.targets[u] = None, home
        self.status[u] = RETURNING

    def park(self, u: int, status: int) -> None:
        """Unit ``u`` stops at its post as ``status`` (available or out of service)."""
        self.legs[u], self.spots[u] = None, self.home(u)
        self.status[u] = status
