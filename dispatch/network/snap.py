"""Locations to the road: the nearest node, or the nearest point on the nearest road
segment, in straight-line metres on projected or lon/lat graphs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError, listed

__all__ = ["EARTH_RADIUS", "Snapper", "equirectangular", "far_from_road", "is_geographic"]

EARTH_RADIUS = 6_371_008.8
"""Mean earth radius in metres."""

AT_NODE = 0.5
"""A point on the road this close to a node (metres) is at the node: coordinates
that went through a file or a datum shift and back are off by millimetres."""

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


def far_from_road(
    names: Sequence[str], distance: ArrayLike, max_distance: float, nearest: str = "road node"
) -> list[str]:
    """A problem line for each named location farther than ``max_distance`` metres
    from its ``nearest`` road node (or road)."""
    distance = np.asarray(distance)
    return listed(
        [
            f"{names[int(i)]} is {distance[i]:,.0f} m from the nearest {nearest} (at most "
            f"{max_distance:,.0f} m allowed): move it onto a road or raise the snap distance"
            for i in np.flatnonzero(distance > max_distance)
        ]
    )


class Snapper:
    """Nearest road node, or nearest point on a road segment, of any point, by
    straight-line distance in metres.

    Roads run ``tails -> heads``. On a lon/lat graph (``geographic``) distances are measured
    on an equirectangular projection about the nodes' mean latitude.
    """

    def __init__(
        self, xy: NDArray[np.float64], tails: NDArray[np.int64], heads: NDArray[np.int64], *, geographic: bool
    ) -> None:
        self.geographic = geographic
        self._xy = xy
        self._lat0 = math.radians(float(xy[:, 1].mean())) if geographic and len(xy) else 0.0
        self._metric = self.metric(xy)
        pairs = np.sort(np.column_stack([tails, heads])[tails != heads], axis=1)
        segments = np.unique(pairs, axis=0).reshape(-1, 2)  # each road once, either way
        alone = np.setdiff1d(np.arange(len(xy)), segments.ravel())  # nodes without a road: points
        self._segments = np.vstack([segments.reshape(-1, 2), np.column_stack([alone, alone])]).astype(np.int64)

    @cached_property
    def _tree(self) -> Any:
        from scipy.spatial import cKDTree  # imported on first use: it is slow to import

        return cKDTree(self._metric)

    @cached_property
    def _lines(self) -> shapely.STRtree:
        return shapely.STRtree(shapely.linestrings(self._metric[self._segments]))

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
        points, names = self._checked(points, names)
        distance, node = self._tree.query(self.metric(points))
        problems = far_from_road(names, distance, max_distance)
        if problems:
            raise InputError("locations off the road network", problems)
        return node.astype(np.int64), distance

    def along(
        self, points: ArrayLike, *, max_distance: float = math.inf, names: Sequence[str] | None = None
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """The nearest point on the nearest road segment to each point: the
        segment's end nodes ``tail`` and ``head``, the ``share`` of the way from
        ``tail`` (0 or 1 at a node, or within :data:`AT_NODE` of one), the point
        on the road (in the graph's coordinates) and the distance in metres. Of equally near segments the
        first is taken. Points not finite, or farther than ``max_distance``,
        raise :class:`InputError` naming them (as :meth:`snap`)."""
        points, names = self._checked(points, names)
        metric = self.metric(points)
        if not len(points):
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0), np.zeros((0, 2)), np.zeros(0)
        (row, found), _ = self._lines.query_nearest(shapely.points(metric), return_distance=True, all_matches=True)
        order = np.lexsort((found, row))
        first = order[np.r_[True, row[order][1:] != row[order][:-1]]]
        pair = self._segments[found[first]]
        a, b = self._metric[pair[:, 0]], self._metric[pair[:, 1]]
        span = b - a
        length = np.einsum("ij,ij->i", span, span)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(length > 0, np.einsum("ij,ij->i", metric - a, span) / length, 0.0)
        share = np.clip(share, 0.0, 1.0)
        distance = np.linalg.norm(metric - (a + share[:, None] * span), axis=1)
        length = np.sqrt(length)
        share[share * length <= AT_NODE] = 0.0
        share[(1.0 - share) * length <= AT_NODE] = 1.0
        problems = far_from_road(names, distance, max_distance, "road")
        if problems:
            raise InputError("locations off the road network", problems)
        start, end = self._xy[pair[:, 0]], self._xy[pair[:, 1]]
        return pair[:, 0], pair[:, 1], share, start + share[:, None] * (end - start), distance

    def _checked(self, points: ArrayLike, names: Sequence[str] | None) -> tuple[NDArray[np.float64], Sequence[str]]:
        """Points as an ``(k, 2)`` array of finite numbers, and their names."""
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
        return points, names or shown
