"""Checks of a road network's arrays: every problem named before anything is built."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError, listed

__all__ = ["checked"]

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Arrays = tuple[NDArray[Any], Floats, Ints, Ints, Floats, Floats]
"""Labels, coordinates, tails, heads, travel times and lengths."""


def _label_array(labels: Sequence[Hashable] | NDArray[Any]) -> NDArray[Any]:
    """Labels as a one-dimensional array; tuples (grid nodes, say) stay whole."""
    array = np.asarray(labels)
    if array.ndim == 1:
        return array
    whole = np.empty(len(labels), dtype=object)
    whole[:] = list(labels)
    return whole


def checked(
    labels: Sequence[Hashable] | NDArray[Any],
    xy: ArrayLike,
    tails: ArrayLike,
    heads: ArrayLike,
    travel_time: ArrayLike,
    length: ArrayLike | None,
    two_way: ArrayLike | None,
) -> Arrays:
    """The arrays of :class:`~dispatch.network.graph.RoadNetwork`, checked, with
    every two-way edge also added in reverse; :class:`InputError` names the
    offending nodes or edges."""
    labels = _label_array(labels)
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    tails = np.asarray(tails, dtype=np.int64)
    heads = np.asarray(heads, dtype=np.int64)
    travel_time = np.asarray(travel_time, dtype=np.float64)
    length = np.full(len(tails), np.nan) if length is None else np.asarray(length, dtype=np.float64)
    both = np.zeros(len(tails), dtype=bool) if two_way is None else np.asarray(two_way, dtype=bool)
    n = len(labels)
    if len(xy) != n:
        raise InputError(f"{n} node labels but {len(xy)} coordinate pairs")
    if not (len(tails) == len(heads) == len(travel_time) == len(length) == len(both)):
        raise InputError("tails, heads, travel_time, length and two_way must have one entry per edge")
    tails, heads = np.concatenate([tails, heads[both]]), np.concatenate([heads, tails[both]])
    travel_time, length = np.concatenate([travel_time, travel_time[both]]), np.concatenate([length, length[both]])
    if len(set(labels.tolist())) != n:
        raise InputError("node labels must be unique")
    bad_xy = np.flatnonzero(~np.isfinite(xy).all(axis=1))
    if len(bad_xy):
        raise InputError(
            "node coordinates must be finite",
            listed([f"node {labels[i].item()!r}: {tuple(xy[i])}" for i in bad_xy]),
        )
    out_of_range = np.flatnonzero((tails < 0) | (tails >= n) | (heads < 0) | (heads >= n))
    if len(out_of_range):
        raise InputError(
            f"edge end points must be node indices in 0..{n - 1}",
            listed([f"edge {i}: {tails[i]} -> {heads[i]}" for i in out_of_range]),
        )
    bad = np.flatnonzero(~np.isfinite(travel_time) | (travel_time < 0))
    if len(bad):
        raise InputError(
            "travel_time must be a finite number of seconds >= 0; fix or drop these edges",
            listed([f"edge {labels[tails[i]].item()!r} -> {labels[heads[i]].item()!r}: {travel_time[i]}" for i in bad]),
        )
    return labels, xy, tails, heads, travel_time, length
