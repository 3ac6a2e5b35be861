"""Travel tables that make every ETA a lookup, and the legs units drive.

Units leave from a few dozen posts (stations, partners and the villages of
emergency units) and incidents arise at demand points (villages) or anywhere on
the road. Every search runs on the contracted network
(:mod:`~dispatch.network.contract`): one search from each post gives the time
from a unit at its post to any place; one search towards each demand point and
post, built on first use and kept, gives the time from any road node (the next
stop of a unit on the road) to it. A place anywhere else gets a search at call
time that stops as soon as it knows which unit on the road is nearest, or that
none beats the best ETA already known (:func:`~dispatch.network.search.towards`).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from ..district import District
from ..errors import InputError
from ..network.contract import Core, Places
from ..network.graph import RoadNetwork
from ..network.search import POINT_AT_END, POINT_AT_START, Inbound, direct, from_places, route, towards

__all__ = ["Leg", "Spot", "TravelTables"]


@dataclass(frozen=True, eq=False)
class Spot:
    """A place units may be sent to: ``place`` (a batch of one) and, for a place
    the tables keep searches for, its ``key`` (``-1`` for any other place)."""

    place: Places
    key: int = -1

    @property
    def xy(self) -> NDArray[np.float64]:
        """The point on the road."""
        return np.asarray(self.place.xy[0])


@dataclass(frozen=True)
class Leg:
    """A unit's drive: its ``stops`` (road nodes, or
    :data:`~dispatch.network.search.POINT_AT_START` / ``POINT_AT_END`` for the
    points between nodes where it starts and ends) and when it reaches each."""

    stops: NDArray[np.int64]
    times: NDArray[np.float64]
    start: Places
    finish: Places

    @property
    def nodes(self) -> NDArray[np.int64]:
        """The road nodes driven through, in order."""
        return self.stops[self.stops >= 0]

    @property
    def end(self) -> float:
        """When the unit reaches the end."""
        return float(self.times[-1])

    @cached_property
    def _clock(self) -> list[float]:
        """The times as a list: searched with :func:`bisect.bisect_left`, read
        item by item, it beats the array several times over."""
        clock: list[float] = self.times.tolist()
        return clock

    @cached_property
    def ends(self) -> NDArray[np.float64]:
        """How the road is left from the start (row 0) and the end (row 1), as
        :class:`Starts` reads a place: ``leave``, ``leave_time``, ``link``,
        ``offset`` and ``position``, a column per direction (node and link
        numbers as floats, exact)."""
        return np.array(
            [[p.leave[0], p.leave_time[0], p.link[0], p.offset[0], p.position[0]] for p in (self.start, self.finish)]
        )

    def next_stop(self, at: float) -> tuple[int, float]:
        """The index of the next stop the unit reaches at or after ``at``, and the
        seconds until then (the last stop once the drive is over)."""
        clock = self._clock
        k = min(bisect_left(clock, at), len(clock) - 1)
        return k, max(clock[k] - at, 0.0)

    def stop_xy(self, xy: NDArray[np.float64]) -> NDArray[np.float64]:
        """Coordinates of every stop (``xy``: the road nodes')."""
        points = xy[np.maximum(self.stops, 0)]
        points[self.stops == POINT_AT_START] = self.start.xy[0]
        points[self.stops == POINT_AT_END] = self.finish.xy[0]
        return np.asarray(points)

    def point(self, at: float, xy: NDArray[np.float64]) -> NDArray[np.float64]:
        """Where the unit is at ``at``, between the stops it drives between."""
        k, remaining = self.next_stop(at)
        if k == 0:
            return self._xy(0, xy)
        span = float(self.times[k] - self.times[k - 1])
        share = 1.0 - remaining / span if span > 0 else 1.0
        before = self._xy(k - 1, xy)
        return np.asarray(before + share * (self._xy(k, xy) - before))

    def _xy(self, k: int, xy: NDArray[np.float64]) -> NDArray[np.float64]:
        stop = int(self.stops[k])
        if stop >= 0:
            return np.asarray(xy[stop])
        return np.asarray((self.start if stop == POINT_AT_START else self.finish).xy[0])


class TravelTables:
    """Searches from every post and towards demand points, on the contracted network.

    Parameters
    ----------
    roads
        The road network.
    posts
        Where each post units leave from (stations, partners, then the villages
        of emergency units) meets the road.
    targets
        Demand points whose searches are worth keeping once built (villages).
    """

    def __init__(self, roads: RoadNetwork, posts: Places, targets: Places) -> None:
        self.roads = roads
        self.core = roads.core
        self.posts, self.targets = posts, targets
        self.post_core = from_places(self.core, posts)
        self.main = self.core.mask(roads.main_component)
        kept = Places.join([targets, posts])
        self.post_times = self._from_posts(kept)
        self._reached: NDArray[np.bool_] = np.asarray(np.isfinite(self.post_times).any(axis=0))
        self._spots = [Spot(kept[k], k) for k in range(len(kept))]
        self._inbound: dict[int, Inbound] = {}
        self._last: tuple[Spot, Inbound] | None = None  # the latest cut search
        self._last_from: tuple[Spot, NDArray[np.float64]] | None = None  # the latest other spot's times from posts
        self._paths: dict[tuple[int, int], tuple[NDArray[np.int64], NDArray[np.float64]]] = {}

    @staticmethod
    def bases(district: District) -> Places:
        """Where units of ``district`` leave from: its stations, its partners,
        then the village of each emergency unit."""
        villages = np.array([district.village_index[e.village] for e in district.emergency_units], dtype=np.int64)
        return Places.join([district.post_places, district.village_places[villages]])

    @classmethod
    def for_district(cls, district: District) -> TravelTables:
        """Tables for ``district``: its :meth:`bases` as posts, its villages as
        targets."""
        return cls(district.roads, cls.bases(district), district.village_places)

    def require(self, district: District) -> None:
        """Refuse tables built for another district's roads, unit bases or villages."""
        same = self.roads is district.roads and all(
            np.array_equal(a.xy, b.xy) and np.array_equal(a.link, b.link)
            for a, b in ((self.posts, self.bases(district)), (self.targets, district.village_places))
        )
        if not same:
            raise InputError("the travel tables were built for another district's roads or unit bases")

    # ------------------------------------------------------------------ spots

    def village(self, index: int) -> Spot:
        """The spot of target (village) ``index``."""
        return self._spots[index]

    def post(self, index: int) -> Spot:
        """The spot of post ``index``."""
        return self._spots[len(self.targets) + index]

    def times_from_posts(self, spot: Spot) -> NDArray[np.float64]:
        """Seconds from each post to ``spot``."""
        if spot.key >= 0:
            return np.asarray(self.post_times[:, spot.key])
        if self._last_from is None or self._last_from[0] is not spot:  # a call's spot is asked about again and again
            self._last_from = (spot, self._from_posts(spot.place)[:, 0])
        return self._last_from[1]

    def reachable(self, spot: Spot) -> bool:
        """Whether some post reaches ``spot`` by road."""
        if spot.key >= 0:
            return bool(self._reached[spot.key])
        return bool(np.isfinite(self.times_from_posts(spot)).any())

    def _from_posts(self, places: Places) -> NDArray[np.float64]:
        via = np.minimum(
            self.post_core[:, places.enter[:, 0]] + places.enter_time[:, 0],
            self.post_core[:, places.enter[:, 1]] + places.enter_time[:, 1],
        )
        return np.asarray(np.minimum(via, direct(self.posts, places)))

    def warm(self, targets: NDArray[np.int64] | None = None) -> None:
        """Build the searches towards targets (villages) ``targets`` (all by
        default) now, so that later calls never wait for them."""
        for k in range(len(self.targets)) if targets is None else np.asarray(targets).tolist():
            self.inbound(self._spots[int(k)])

    def inbound(
        self, spot: Spot, *, limit: float = math.inf, starts: Starts | None = None, best: float = math.inf
    ) -> Inbound:
        """The ways to ``spot`` from core nodes within ``limit`` seconds.

        Searches are cut just beyond the limit (so that rounding never drops a
        node at it), and a search serves limits up to that margin beyond its own
        but a thousandth (the same time summed in another order may differ in its
        last bits). A kept spot keeps its search, cut half as far again, and
        searches again only when a later call needs it to reach farther. Any
        other spot reuses the latest search while it reaches far enough. Given
        the ``starts`` of the units on the road towards ``spot`` and the
        ``best`` ETA known, it also reuses it while it tells which of them is
        nearest, and else searches only as far as it takes to tell.
        """
        margin = _margin(limit)
        cut, needed = limit + margin, limit + 1e-3 * margin
        if spot.key >= 0:
            found = self._inbound.get(spot.key)
            if found is None or found.limit < needed:
                found = self._inbound[spot.key] = towards(self.core, spot.place, limit=1.5 * cut)
            return found
        last = self._last[1] if self._last is not None and self._last[0] is spot else None
        if last is not None and (last.limit >= needed or (starts is not None and starts.settled(last, best))):
            return last
        watch = None if starts is None else starts.watch(best)
        self._last = (spot, towards(self.core, spot.place, limit=cut, watch=watch))
        return self._last[1]

    def searched(self, spot: Spot) -> Inbound | None:
        """The search towards ``spot`` at hand, however far it reaches (``None``
        if there is none); never searches."""
        if spot.key >= 0:
            return self._inbound.get(spot.key)
        return self._last[1] if self._last is not None and self._last[0] is spot else None

    # ------------------------------------------------------------------ legs

    def leg(self, origin: Spot, spot: Spot, start: float, *, limit: float = math.inf) -> Leg:
        """The drive from ``origin`` to ``spot``, leaving at ``start`` (``limit``:
        seconds it is known to take at most)."""
        stops, times = self._route(origin.place, origin.key, spot, limit)
        return Leg(stops, start + times, origin.place, spot.place)

    def leg_from_stop(self, leg: Leg, k: int, spot: Spot, start: float, *, limit: float = math.inf) -> Leg:
        """The drive to ``spot`` of a unit driving ``leg``, from its stop ``k``,
        which it reaches at ``start``."""
        stop = int(leg.stops[k])
        if stop >= 0:
            origin = self.core.at_nodes(np.array([stop]), self.roads.xy[stop : stop + 1])
            key = len(self._spots) + stop
        else:
            origin, key = (leg.start if stop == POINT_AT_START else leg.finish), -1
        stops, times = self._route(origin, key, spot, limit)
        return Leg(stops, start + times, origin, spot.place)

    def _route(
        self, origin: Places, key: int, spot: Spot, limit: float
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The stops from ``origin`` to ``spot`` and the seconds to each; drives
        between places the tables know (``key`` and the spot's key) are
        remembered, as calls repeat the same drives."""
        remember = key >= 0 and spot.key >= 0
        found = self._paths.get((key, spot.key)) if remember else None
        if found is None:
            inbound = self.searched(spot)  # the decision's search serves if it tells the time from origin
            along = direct(origin, spot.place)[:, 0]
            if inbound is None or not np.isfinite(inbound.reached(origin.leave, origin.leave_time, along)[0][0]):
                inbound = self.inbound(spot, limit=limit)
            found = route(self.core, origin, spot.place, inbound)
            if remember:
                self._paths[(key, spot.key)] = found
        return found


@dataclass(frozen=True)
class Starts:
    """Where units on the road drive on from towards a spot, as of ``now``: the
    seconds until they get there (``remaining``), how that place is left
    (``leave`` / ``leave_time``, a row each; see
    :class:`~dispatch.network.contract.Places`) and the seconds from it to the
    spot along one link, without passing a core node (``along``; ``inf`` where
    there is no such drive)."""

    remaining: NDArray[np.float64]
    leave: NDArray[np.int64]
    leave_time: NDArray[np.float64]
    along: NDArray[np.float64]

    @classmethod
    def of(cls, core: Core, legs: list[Leg], now: float, spot: Spot) -> Starts:
        """The next stop of each unit driving ``legs``, towards ``spot``."""
        count = len(legs)
        remaining = np.empty(count)
        stop = np.empty(count, dtype=np.int64)
        for i, leg in enumerate(legs):
            k, remaining[i] = leg.next_stop(now)
            stop[i] = leg.stops[k]
        node = np.maximum(stop, 0)
        leave, leave_time = core.node_leave[node], core.node_leave_time[node]
        link, offset, position = core.node_link[node], core.node_offset[node], core.node_position[node]
        points = np.flatnonzero(stop < 0)
        if len(points):  # a unit at the point where its drive starts or ends
            ends = np.array([legs[i].ends[int(stop[i] != POINT_AT_START)] for i in points.tolist()])
            leave[points], link[points] = ends[:, 0].astype(np.int64), ends[:, 2].astype(np.int64)
            leave_time[points], offset[points], position[points] = ends[:, 1], ends[:, 3], ends[:, 4]
        target = spot.place
        same = (link[:, :, None] == target.link[0][None, None, :]) & (link[:, :, None] >= 0)
        along = np.full(count, np.inf)
        if same.any():  # for most units the spot is on no link they are on
            ahead = same & (position[:, :, None] <= target.position[0][None, None, :])
            with np.errstate(invalid="ignore"):
                gap = np.where(ahead, target.offset[0][None, None, :] - offset[:, :, None], np.inf)
            along = gap.min(axis=(1, 2))
        return cls(remaining, leave, leave_time, along)

    def etas(self, inbound: Inbound) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Seconds until each unit can reach the spot, on to its start and then
        the fastest way: exact (``inf`` where ``inbound`` does not tell), and at
        least."""
        exact, least = inbound.reached(self.leave, self.leave_time, self.along)
        return self.remaining + exact, self.remaining + least

    def watch(self, best: float) -> tuple[NDArray[np.int64], NDArray[np.float64], float]:
        """What a search towards the spot watches (see
        :func:`~dispatch.network.search.towards`): each start's ways out, the
        seconds before each, and the best ETA known (``best``, or a drive
        along one link), with the margin of :meth:`TravelTables.inbound`: a
        unit as near by a sum taken in another order is still reached."""
        best = min(best, float((self.remaining + self.along).min(initial=math.inf)))
        return self.leave.ravel(), (self.remaining[:, None] + self.leave_time).ravel(), best + _margin(best)

    def settled(self, inbound: Inbound, best: float) -> bool:
        """Whether ``inbound`` tells which unit is nearest, or that none is
        nearer than ``best``: no unit it leaves unsure could match the best."""
        exact, least = self.etas(inbound)
        best = min(best, float(exact.min(initial=math.inf)))
        return not (np.isinf(exact) & (least <= best + _margin(best))).any()


def _margin(seconds: float) -> float:
    """How far sums of the same times taken in another order may differ, at most."""
    return 1e-6 * (1.0 + seconds)
