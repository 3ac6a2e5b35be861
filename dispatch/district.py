"""The district: stations, units, villages and partners on a road network."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import cached_property
from typing import TypeAlias

import numpy as np
import shapely
from numpy.typing import NDArray
from pydantic import Field, PrivateAttr
from shapely.geometry import MultiPolygon, Polygon

from .errors import InputError
from .model import EmergencyUnit, Frozen, Incident, Partner, Station, Unit, Village
from .network.contract import Places
from .network.graph import Partition, RoadNetwork
from .network.search import joined, nearest, partition
from .network.snap import far_from_road

__all__ = ["District"]

Area: TypeAlias = Polygon | MultiPolygon

TOUCH_TOLERANCE = 1.0
"""Jurisdictions closer than this (metres) count as touching."""

OVERLAP_TOLERANCE = 0.01
"""Two jurisdictions may overlap by at most this share of the smaller one: slivers
where digitised or simplified edges do not quite meet. More is refused."""


def _duplicates(kind: str, ids: Iterable[str]) -> list[str]:
    return [f"{kind} id {i!r} is used {n} times" for i, n in Counter(ids).items() if n > 1]


class District(Frozen):
    """A county's stations, units, villages and partners on its road network.

    Parameters
    ----------
    name
        The district's name.
    roads
        The road network; every location is snapped to the nearest point of the
        nearest road segment.
    stations
        The township stations.
    units
        Response units; each names its station (or partner) in ``station``.
    emergency_units
        Minimal emergency units, each at one of the ``villages`` (and of its station).
    villages
        Demand points.
    partners
        Stations across the county boundary with mutual-aid agreements.
    boundary
        The county boundary.
    jurisdictions
        Station id -> the polygon of that station's jurisdiction: valid polygons
        (as the GeoJSON readers require) that may share edges but not ground,
        beyond slivers of :data:`OVERLAP_TOLERANCE` of the smaller.
    max_snap_distance
        How far (metres) a location may lie from the nearest road.

    Making a district checks every cross-reference and location at once and raises
    one :class:`InputError` that lists every problem.
    """

    name: str
    roads: RoadNetwork
    stations: tuple[Station, ...] = Field(min_length=1)
    units: tuple[Unit, ...] = ()
    emergency_units: tuple[EmergencyUnit, ...] = ()
    villages: tuple[Village, ...] = ()
    partners: tuple[Partner, ...] = ()
    boundary: Area | None = None
    jurisdictions: dict[str, Area] = Field(default_factory=dict)
    max_snap_distance: float = Field(1_000.0, gt=0)

    _station_places: Places = PrivateAttr()
    _partner_places: Places = PrivateAttr()
    _village_places: Places = PrivateAttr()

    def __init__(self, **data: object) -> None:
        super().__init__(**data)
        problems = _reference_problems(self) + _area_problems(self)
        stations = _snapped(self, "station", self.stations, problems)
        partners = _snapped(self, "partner", self.partners, problems)
        villages = _snapped(self, "village", self.villages, problems)
        if problems:
            raise InputError(f"district {self.name!r} has {len(problems)} problem(s)", problems)
        self._station_places, self._partner_places, self._village_places = stations, partners, villages

    # ------------------------------------------------------------------ lookups

    @cached_property
    def station_index(self) -> dict[str, int]:
        """Station id -> its position in :attr:`stations`."""
        return {s.id: i for i, s in enumerate(self.stations)}

    @cached_property
    def village_ids(self) -> tuple[str, ...]:
        """The village ids, in order."""
        return tuple(v.id for v in self.villages)

    @cached_property
    def village_index(self) -> dict[str, int]:
        """Village id -> its position in :attr:`villages`."""
        return {v.id: i for i, v in enumerate(self.villages)}

    def station(self, station_id: str) -> Station:
        """The station called ``station_id``."""
        try:
            return self.stations[self.station_index[station_id]]
        except KeyError:
            raise InputError(f"no station {station_id!r} in district {self.name!r}") from None

    def units_of(self, post_id: str) -> tuple[Unit, ...]:
        """The units based at the station or partner ``post_id``."""
        return tuple(u for u in self.units if u.station == post_id)

    # ------------------------------------------------------------------ posts

    @cached_property
    def post_ids(self) -> tuple[str, ...]:
        """Where units are based: the stations, then the partners."""
        return tuple(s.id for s in self.stations) + tuple(p.id for p in self.partners)

    @cached_property
    def post_index(self) -> dict[str, int]:
        """Post id -> its position in :attr:`post_ids`."""
        return {post: k for k, post in enumerate(self.post_ids)}

    @cached_property
    def post_places(self) -> Places:
        """Where each post meets the road, in the order of :attr:`post_ids`."""
        return Places.join([self._station_places, self._partner_places])

    @cached_property
    def unit_ids(self) -> tuple[str, ...]:
        """The ids of the units, then of the emergency units."""
        return tuple(u.id for u in self.units) + tuple(e.id for e in self.emergency_units)

    @cached_property
    def unit_index(self) -> dict[str, int]:
        """Unit id -> its position in :attr:`unit_ids`."""
        return {u: k for k, u in enumerate(self.unit_ids)}

    @cached_property
    def unit_posts(self) -> NDArray[np.int64]:
        """Each unit's post, as an index into :attr:`post_ids`."""
        return np.array([self.post_index[u.station] for u in self.units], dtype=np.int64)

    @cached_property
    def partners_of(self) -> tuple[NDArray[np.int64], ...]:
        """For each station, the posts of its partners across the boundary."""
        first = len(self.stations)
        return tuple(
            np.array([first + k for k, p in enumerate(self.partners) if s.id in p.stations], dtype=np.int64)
            for s in self.stations
        )

    @property
    def station_places(self) -> Places:
        """Where each station meets the road, in the order of :attr:`stations`."""
        return self._station_places

    @property
    def village_places(self) -> Places:
        """Where each village meets the road, in the order of :attr:`villages`."""
        return self._village_places

    @property
    def station_nodes(self) -> NDArray[np.int64]:
        """Road node of each station (or the nearer end of its road segment)."""
        return self._station_places.nearest_node

    @property
    def partner_nodes(self) -> NDArray[np.int64]:
        """Road node of each partner (or the nearer end of its road segment)."""
        return self._partner_places.nearest_node

    @property
    def village_nodes(self) -> NDArray[np.int64]:
        """Road node of each village (or the nearer end of its road segment)."""
        return self._village_places.nearest_node

    @property
    def incident_rates(self) -> NDArray[np.float64]:
        """Incidents a year at each village."""
        return np.array([v.incident_rate for v in self.villages], dtype=np.float64)

    def locate(self, incident: Incident) -> tuple[Places | None, int, int]:
        """Where ``incident`` meets the road, the index of its village (``-1``
        for a location) and the index of its home station.

        An incident at a village takes the village's place (``None`` is given:
        it is ``village_places[index]``) and station; one at a
        location snaps to the nearest point of the nearest road segment (within
        :attr:`max_snap_distance`, else :class:`InputError` naming the incident and
        the distance) and belongs to the jurisdiction that contains it, else to
        the station nearest it by road.
        """
        if incident.village is not None:
            index = self.village_index.get(incident.village)
            if index is None:
                raise InputError(
                    f"incident {incident.id!r} names village {incident.village!r}, which is not in the district"
                )
            return None, index, int(self.home_stations[index])
        assert incident.location is not None
        place = self.roads.locate(
            [incident.location], max_distance=self.max_snap_distance, names=[f"incident {incident.id!r}"]
        )
        point = shapely.Point(incident.location) if self.jurisdictions else None
        home = next((self.station_index[s] for s, area in self.jurisdictions.items() if area.contains(point)), None)
        if home is None:
            home = int(nearest(self.roads.core, self._station_places, place, self._station_partition)[1][0])
        return place, -1, home

    # ------------------------------------------------------------------ areas

    @cached_property
    def adjacency(self) -> NDArray[np.bool_] | None:
        """``adjacency[i, j]``: the jurisdictions of stations ``i`` and ``j`` touch
        (within :data:`TOUCH_TOLERANCE`). ``None`` without jurisdiction polygons; a
        station without a polygon neighbours nobody."""
        return _adjacency(self) if self.jurisdictions else None

    @cached_property
    def first_due(self) -> Partition:
        """Each road node's nearest station by road (its first-due station)."""
        return self.roads.nearest_source(self.station_nodes)

    @cached_property
    def _station_partition(self) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        return partition(self.roads.core, self._station_places)

    @cached_property
    def village_first_due(self) -> Partition:
        """Each village's nearest station by road, and the time from it."""
        time, source = nearest(self.roads.core, self._station_places, self._village_places, self._station_partition)
        return Partition(time=time, source=source)

    @cached_property
    def home_stations(self) -> NDArray[np.int64]:
        """Index of the station whose jurisdiction holds each village.

        A village's own ``station`` wins; otherwise the jurisdiction polygon that
        contains it, if any; otherwise its first-due station.
        """
        return _home_stations(self)


def _snapped(
    district: District, kind: str, items: tuple[Station | Partner | Village, ...], problems: list[str]
) -> Places:
    """Where each of ``items`` meets the road; the problems (too far from any
    road, or on a part cut off from the rest) are added to ``problems``."""
    roads = district.roads
    names = [f"{kind} {item.id!r}" for item in items]
    places = roads.locate([item.location for item in items])
    problems += far_from_road(names, places.distance, district.max_snap_distance, "road")
    connected = joined(roads.core.mask(roads.main_component), places)
    problems += [
        f"{names[i]} snaps to road node {roads.label(v)!r}, in a part of the road network cut off from the rest"
        for i, v in enumerate(places.nearest_node.tolist())
        if not connected[i] and places.distance[i] <= district.max_snap_distance
    ]
    return places


def _adjacency(district: District) -> NDArray[np.bool_]:
    """Which jurisdictions touch (see :attr:`District.adjacency`)."""
    areas = list(district.jurisdictions.values())
    left, right = shapely.STRtree(areas).query(areas, predicate="dwithin", distance=TOUCH_TOLERANCE)
    n = len(district.stations)
    adjacent = np.zeros((n, n), dtype=bool)
    index = np.array([district.station_index[i] for i in district.jurisdictions])
    adjacent[index[left], index[right]] = True
    np.fill_diagonal(adjacent, False)
    return adjacent


def _home_stations(district: District) -> NDArray[np.int64]:
    """Each village's home station (see :attr:`District.home_stations`)."""
    home = district.village_first_due.source.copy()
    if district.jurisdictions:
        points = shapely.points([v.location for v in district.villages])
        for station_id, area in district.jurisdictions.items():
            home[shapely.contains(area, points)] = district.station_index[station_id]
    for i, village in enumerate(district.villages):
        if village.station is not None:
            home[i] = district.station_index[village.station]
    return np.asarray(home)


def _reference_problems(district: District) -> list[str]:
    """Duplicate ids and references to stations, partners or posts that do not exist."""
    posts = {s.id for s in district.stations} | {p.id for p in district.partners}
    station_ids = {s.id for s in district.stations}
    problems = _duplicates("station or partner", [s.id for s in district.stations] + [p.id for p in district.partners])
    problems += _duplicates("unit", [u.id for u in district.units] + [e.id for e in district.emergency_units])
    problems += _duplicates("village", [v.id for v in district.villages])
    problems += [
        f"unit {u.id!r} belongs to {u.station!r}, which is no station or partner of the district"
        for u in district.units
        if u.station not in posts
    ]
    villages = {v.id for v in district.villages}
    problems += [
        f"emergency unit {e.id!r} is based at village {e.village!r}, which is not in the district"
        for e in district.emergency_units
        if e.village not in villages
    ]
    problems += [
        f"village {v.id!r} names station {v.station!r}, which is not in the district"
        for v in district.villages
        if v.station is not None and v.station not in station_ids
    ]
    problems += [
        f"partner {p.id!r} names station {s!r}, which is not in the district"
        for p in district.partners
        for s in p.stations
        if s not in station_ids
    ]
    problems += [
        f"jurisdiction given for {s!r}, which is not a station of the district"
        for s in district.jurisdictions
        if s not in station_ids
    ]
    return problems


def _area_problems(district: District) -> list[str]:
    """Invalid boundary or jurisdiction polygons, and jurisdictions that overlap."""
    named = ([("the boundary", district.boundary)] if district.boundary is not None else []) + [
        (f"the jurisdiction of station {station!r}", area) for station, area in district.jurisdictions.items()
    ]
    problems = [
        f"{what} is an empty or invalid polygon ({shapely.is_valid_reason(area)}); repair it, "
        "e.g. with shapely.make_valid, and check the result"
        for what, area in named
        if area.is_empty or not shapely.is_valid(area)
    ]
    if problems:
        return problems
    ids = list(district.jurisdictions)
    areas = np.array(list(district.jurisdictions.values()), dtype=object)
    left, right = shapely.STRtree(areas).query(areas, predicate="intersects")
    pair = left < right
    left, right = left[pair], right[pair]
    shared = shapely.area(shapely.intersection(areas[left], areas[right]))
    smaller = np.minimum(shapely.area(areas[left]), shapely.area(areas[right]))
    return [
        f"the jurisdictions of stations {ids[i]!r} and {ids[j]!r} overlap ({area / least:.1%} of the smaller); "
        "each place belongs to one station: fix the polygons"
        for i, j, area, least in zip(left.tolist(), right.tolist(), shared.tolist(), smaller.tolist())
        if area > OVERLAP_TOLERANCE * least
    ]
