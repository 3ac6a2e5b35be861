"""Geometry of a district: border stations and neighbouring jurisdictions."""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

from .district import District
from .model import StationKind

__all__ = ["near_boundary", "neighbours"]

TOUCH_TOLERANCE = 1.0
"""Jurisdictions closer than this (metres) count as touching."""


def near_boundary(district: District, distance: float, *, touching: bool = False) -> NDArray[np.bool_]:
    """Which stations are border stations by geometry or by their given kind.

    A station is on the border when its kind is ``border``, when it lies within
    ``distance`` metres of the county boundary line, or (with ``touching``) when
    its jurisdiction polygon touches that line.
    """
    border = np.array([s.kind == StationKind.BORDER for s in district.stations])
    if district.boundary is None:
        return border
    line = district.boundary.boundary
    points = shapely.points([s.location for s in district.stations])
    border |= shapely.distance(line, points) <= distance
    if touching:
        for station_id, area in district.jurisdictions.items():
            if shapely.dwithin(area.boundary, line, TOUCH_TOLERANCE):
                border[district.station_index[station_id]] = True
    return border


def neighbours(district: District) -> NDArray[np.bool_] | None:
    """``adjacent[i, j]``: the jurisdictions of stations ``i`` and ``j`` touch.

    ``None`` when the district has no jurisdiction polygons; a station without a
    polygon neighbours nobody.
    """
    if not district.jurisdictions:
        return None
    ids = list(district.jurisdictions)
    areas = list(district.jurisdictions.values())
    tree = shapely.STRtree(areas)
    left, right = tree.query(areas, predicate="dwithin", distance=TOUCH_TOLERANCE)
    n = len(district.stations)
    adjacent = np.zeros((n, n), dtype=bool)
    index = np.array([district.station_index[i] for i in ids])
    adjacent[index[left], index[right]] = True
    np.fill_diagonal(adjacent, False)
    return adjacent
