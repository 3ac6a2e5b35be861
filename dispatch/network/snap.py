"""Locations to road nodes: straight-line metres, on projected or lon/lat graphs."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError, listed

__all__ = ["EARTH_RADIUS", "Snapper", "equirectangular", "far_from_road", "is_geographic"]

EARTH_RADIUS = 6_371_008.8
"""Mean earth radius in metres."""

GEOGRAPHIC_NAMES = {"epsg:4326", "epsg:4490", "ogc:crs84", "wgs84"}
"""CRS names known to be longitude/latitude when pyproj is not installed."""


def is_geographic(crs: str | None) -> bool:
    """Whether ``crs`` measures longitude/latitude degrees (``None``: no)."""
    if crs is None:
        return False
    try:
        from pyproj import CRS
    except ImportError:
        return str(crs).lower() in GEOGRAPHIC_NAMES
    return bool(CRS.from_user_input(crs).is_geographic)


def equirectangular(points: ArrayLike, latitude: float) -> NDArray[np.float64]:
    """Longitude/latitude degrees as metres on an equirectangular projection true
    at ``latitude`` (radians): close enough for distances across a county."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return np.asarray(np.radians(points) * EARTH_RADIUS * np.array([math.cos(latitude), 1.0]))


def far_from_road(names: Sequence[str], distance: ArrayLike, max_distance: float) -> list[str]:
    """A problem line for each named location farther than ``max_distance`` metres
    from its nearest road node."""
    distance = np.asarray(distance)
    return listed(
        [
            f"{names[int(i)]} is {distance[i]:,.0f} m from the nearest road node (at most "
            f"{max_distance:,.0f} m allowed): move it onto a road or raise the snap distance"
            for i in np.flatnonzero(distance > max_distance)
        ]
    )


class Snapper:
    """Nearest road node of any point, by straight-line distance in metres.

    On a lon/lat graph (``geographic``) distances are measured on an
    equirectangular projection about the nodes' mean latitude.
    """

    def __init__(self, xy: NDArray[np.float64], *, geographic: bool) -> None:
        from scipy.spatial import cKDTree  # imported on first use: it is slow to import

        self.geographic = geographic
        self._lat0 = math.radians(float(xy[:, 1].mean())) if geographic and len(xy) else 0.0
        self._tree = cKDTree(self.metric(xy))

    def metric(self, points: ArrayLike) -> NDArray[np.float64]:
        """Coordinates in metres: as they are, or projected if geographic."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        return equirectangular(points, self._lat0) if self.geographic else points

    def snap(
        self, points: ArrayLike, *, max_distance: float = math.inf, names: Sequence[str] | None = None
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The nearest node to each point and its distance in metres; points
        farther than ``max_distance`` raise :class:`InputError` naming them."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        distance, node = self._tree.query(self.metric(points))
        names = names or [f"point {tuple(p)}" for p in points.tolist()]
        problems = far_from_road(names, distance, max_distance)
        if problems:
            raise InputError("locations off the road network", problems)
        return node.astype(np.int64), distance
