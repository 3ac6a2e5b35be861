"""Whether a layer's points sit where the roads are: a CRS error when they lie
far outside the road network, a warning when they sit off the roads by the
GCJ-02 or BD-09 offset (web-map coordinates declared as WGS-84)."""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import NDArray

from ..errors import CoordinateShiftWarning, InputError
from ..network import RoadNetwork
from .coords import LayerCrs, is_lonlat, to_wgs84, transform
from .layers import Layer

__all__ = ["CoordinateShiftWarning", "check_against_roads"]

FAR = 0.5
"""A layer is in the wrong CRS when more than this share of its points lie far
outside the road network."""

MIN_SHIFT = 100.0
"""Metres off the roads below which no offset is suspected."""

SAMPLE = 2_000
"""About how many of a layer's points the offset check looks at."""


def check_against_roads(layer: Layer, roads: RoadNetwork) -> None:
    """Refuse a layer whose points lie mostly far outside ``roads`` (naming both
    CRSs), and warn when undoing GCJ-02 or BD-09 would bring its points at least
    twice as close to the roads."""
    xy = layer.xy[~np.isnan(layer.xy).any(axis=1)]
    if not len(xy) or not roads.n_nodes:
        return
    low, high = roads.xy.min(axis=0), roads.xy.max(axis=0)
    margin = max(5_000.0, 0.2 * float(np.hypot(*(high - low))))
    if roads.crs is not None and is_lonlat(roads.crs):
        margin /= 111_000.0
    outside = ((xy < low - margin) | (xy > high + margin)).any(axis=1)
    if outside.mean() > FAR:
        raise InputError(
            f"{layer.source}: {int(outside.sum())} of {len(xy)} points lie far outside the road network "
            f"(x {low[0]:,.0f} to {high[0]:,.0f}, y {low[1]:,.0f} to {high[1]:,.0f}): the layer is read in "
            f"{layer.crs} and the roads are in {roads.crs or 'no declared CRS'}; give the layer its real CRS with crs:"
        )
    if layer.crs.offset is None and layer.crs.crs is not None and is_lonlat(layer.crs.crs) and len(xy) >= 3:
        _warn_if_shifted(layer, roads, xy[:: max(1, len(xy) // SAMPLE)])


def _median_gap(roads: RoadNetwork, xy: NDArray[np.float64]) -> float:
    _, distance = roads.snap(xy)
    return float(np.median(distance))


def _warn_if_shifted(layer: Layer, roads: RoadNetwork, xy: NDArray[np.float64]) -> None:
    gap = _median_gap(roads, xy)
    if gap < MIN_SHIFT or roads.crs is None:
        return
    here = LayerCrs(roads.crs)
    lonlat = transform(xy, here, "EPSG:4326")
    for offset in ("GCJ-02", "BD-09"):
        undone = np.column_stack(to_wgs84(lonlat[:, 0], lonlat[:, 1], offset))
        if np.allclose(undone, lonlat):
            return  # outside China: no offset applies
        better = _median_gap(roads, transform(undone, LayerCrs("EPSG:4326"), roads.crs))
        if better * 2 <= gap:
            warnings.warn(
                CoordinateShiftWarning(
                    f"{layer.source}: its points sit a median {gap:,.0f} m off the roads, but {better:,.0f} m if "
                    f"they were {offset}: are they web-map ({offset}) coordinates? If so, set crs: {offset}"
                ),
                stacklevel=4,
            )
            return
