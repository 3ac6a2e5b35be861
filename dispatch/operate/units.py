"""The status board: where every unit is in its cycle, and how soon it can be
anywhere.

A unit's cycle is available -> dispatched (en route) -> on scene -> returning ->
available, plus out of service. Available and returning units can be sent; a
returning unit leaves from where it is on its way home (it drives on to the next
road node, then takes the fastest way). A unit at its base (its station or
partner, or an emergency unit's village) needs its ``turnout`` seconds to leave.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..errors import InputError
from ..model import Incident, UnitStatus
from .travel import Leg, TravelTables

__all__ = ["STATUSES", "StatusBoard", "UnitState"]

STATUSES = tuple(UnitStatus)
AVAILABLE, DISPATCHED, ON_SCENE, RETURNING, OUT_OF_SERVICE = range(len(STATUSES))


@dataclass(frozen=True)
class UnitState:
    """A snapshot of one unit: where it is in its cycle and what it serves.

    ``node`` is the road node it is at or drives to next; ``leg`` its current
    drive (``None`` when it is not driving), which it ends at ``until`` (``nan``
    when not driving); ``position`` its coordinates now.
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
        self.nodes = [int(tables.posts[p]) for p in unit_base.tolist()]
        self.legs: list[Leg | None] = [None] * len(unit_base)
        self.calls: list[Incident | None] = [None] * len(unit_base)
        self.targets = [-1] * len(unit_base)
        self.homes = [-1] * len(unit_base)

    def free(self) -> NDArray[np.bool_]:
        """Units that may be sent: available or returning."""
        return np.asarray((self.status == AVAILABLE) | (self.status == RETURNING))

    def home_node(self, u: int) -> int:
        """The road node of unit ``u``'s base."""
        return int(self.tables.posts[self.unit_base[u]])

    def node(self, u: int, now: float) -> int:
        """The node unit ``u`` is at, or drives to next."""
        leg = self.legs[u]
        return self.nodes[u] if leg is None else int(leg.nodes[leg.next_stop(now)[0]])

    def position(self, u: int, now: float) -> tuple[float, float]:
        """Where unit ``u`` is at ``now``."""
        xy = self.tables.roads.xy
        leg = self.legs[u]
        point = xy[self.nodes[u]] if leg is None else leg.point(now, xy)
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
        self, target: int, allowed: NDArray[np.bool_], now: float, *, complete: bool = False
    ) -> NDArray[np.float64]:
        """ETA (seconds from ``now``) of each allowed unit to ``target`` (``inf`` for
        the rest).

        Only the nearest unit's ETA is sure to be exact: units on the road that
        cannot beat the best bound may be left at ``inf``, unless ``complete``.
        """
        eta = np.full(len(self.status), np.inf)
        idle = allowed & (self.status == AVAILABLE)
        eta[idle] = self.turnout[idle] + self.tables.post_times[self.unit_base[idle], target]
        on_road = np.flatnonzero(allowed & (self.status != AVAILABLE))
        if not len(on_road):
            return eta
        legs = [self.legs[u] for u in on_road.tolist()]
        # A returning unit can always drive home and on from there, which bounds
        # its ETA: the search from the target need go no farther than the best bound.
        returning = self.status[on_road] == RETURNING
        left = np.array([leg.end - now for leg in legs if leg is not None])
        posts = self.unit_base[on_road[returning]]
        via_home = np.maximum(left[returning], 0.0) + self.tables.post_times[posts, target]
        bound = math.inf if complete else float(min(eta.min(), via_home.min(initial=math.inf)))
        tree = self.tables.towards(target, limit=bound)
        for u, leg in zip(on_road.tolist(), legs):
            assert leg is not None
            k, remaining = leg.next_stop(now)
            eta[u] = remaining + tree.times[leg.nodes[k]]
        return eta

    def leg_to(self, u: int, target: int, now: float, eta: float) -> Leg:
        """The drive of free or dispatched unit ``u`` to ``target`` from ``now``
        (``eta`` is its ETA, which bounds the search)."""
        if self.status[u] == AVAILABLE:
            return self.tables.from_post_leg(int(self.unit_base[u]), target, now + self.turnout[u])
        leg = self.legs[u]
        assert leg is not None
        k, remaining = leg.next_stop(now)
        tree = self.tables.towards(target, limit=eta)
        return self.tables.onward_leg(tree, int(leg.nodes[k]), now + remaining)

    # ------------------------------------------------------------------ transitions

    def send(self, u: int, leg: Leg, incident: Incident, target: int, home: int) -> None:
        """Unit ``u`` drives ``leg`` to ``incident`` at ``target`` (home station ``home``)."""
        self.legs[u], self.calls[u], self.targets[u], self.homes[u] = leg, incident, target, home
        self.nodes[u] = target
        self.status[u] = DISPATCHED

    def arrive(self, u: int) -> None:
        """Unit ``u`` is on scene."""
        self.legs[u], self.nodes[u] = None, self.targets[u]
        self.status[u] = ON_SCENE

    def clear(self, u: int, now: float) -> None:
        """Unit ``u`` leaves the scene for its post."""
        home = self.home_node(u)
        self.legs[u] = self.tables.onward_leg(self.tables.towards(home), self.nodes[u], now)
        self.calls[u], self.targets[u] = None, home
        self.status[u] = RETURNING

    def park(self, u: int, status: int) -> None:
        """Unit ``u`` stops at its post as ``status`` (available or out of service)."""
        self.legs[u], self.nodes[u] = None, self.home_node(u)
        self.status[u] = status
