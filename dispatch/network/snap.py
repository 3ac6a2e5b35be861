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
        from pyproj.exceptions import CRSError
    except ImportError:
        return str(crs).lower() in GEOGRAPHIC_NAMES
    try:
        return bool(CRS.from_user_input(crs).is_geographic)
    except CRSError:
        raise InputError(f"unknown CRS {crs!r}: give an EPSG code such as 'EPSG:4545', or None") from None


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
        """The nearest node to each point (an ``(x, y)`` pair, or an array of
        them) and its distance in metres; points that are not finite, or farther
        than ``max_distance``, raise :class:`InputError` naming them."""
        try:
            points = np.asarray(points, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError("points to snap must be (x, y) pairs of numbers") from None
        points = points.reshape(-1, 2) if points.shape in ((2,), (0,)) else points  # one point, or none
        if points.ndim != 2 or points.shape[1] != 2:
            raise InputError(f"points to snap must be (x, y) pairs, shape (k, 2); got shape {points.shape}")
        if names is not None and len(names) != len(points):
            raise InputError(f"{len(points)} points to snap but {len(names)} names")
        shown = [f"point {tuple(p)}" for p in points.tolist()]
        not_finite = np.flatnonzero(~np.isfinite(points).all(axis=1)).tolist()
        if not_finite:
            raise InputError(
                "locations must have finite coordinates",
                listed([f"{names[i]} at {shown[i]}" if names else shown[i] for i in not_finite]),
            )
        names = names or shown
        distance, node = self._tree.query(self.metric(points))
        problems = far_from_road(names, distance, max_distance)
        if problems:
            raise InputError("locations off the road network", problems)
        return node.astype(np.int64), distance
