"""Border stations: on the county line by kind, distance or touching jurisdiction."""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

from ..district import TOUCH_TOLERANCE, District
from ..model import StationKind

__all__ = ["near_boundary"]


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
