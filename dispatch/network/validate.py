"""Checks of a road network's inputs: every problem named before anything is built."""

from __future__ import annotations

import numbers
from collections import defaultdict
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError, listed

__all__ = ["checked", "node_indices", "plain"]

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Arrays = tuple[NDArray[Any], Floats, Ints, Ints, Floats, Floats]
"""Labels, coordinates, tails, heads, travel times and lengths."""


def plain(label: Any) -> Any:
    """A node label as a plain Python value (numpy scalars unwrapped; tuples and
    other labels as they are)."""
    return label.item() if isinstance(label, np.generic) else label


def _kind(label: object) -> str:
    """The kind of a node label: labels of one network must all be of one kind."""
    if isinstance(label, (bool, np.bool_)):
        return "bool"
    if isinstance(label, numbers.Integral):
        return "int"
    if isinstance(label, numbers.Real):
        return "float"
    if isinstance(label, str):
        return "str"
    return type(label).__name__


def _label_array(labels: Sequence[Hashable] | NDArray[Any]) -> NDArray[Any]:
    """Labels as a one-dimensional array of one kind; tuples (grid nodes, say)
    stay whole. Mixed kinds are refused: numpy would silently turn them all into
    text (or integers into floats)."""
    if isinstance(labels, np.ndarray):
        if labels.ndim != 1:
            raise InputError(f"node labels must be one-dimensional, one label per node; got shape {labels.shape}")
        if labels.dtype != object:
            return labels
    values = list(labels)
    first: dict[str, int] = {}
    for k, label in enumerate(values):
        first.setdefault(_kind(label), k)
    unhashable = [k for k in first.values() if not isinstance(values[k], Hashable)]
    if unhashable:
        k = unhashable[0]
        raise InputError(f"node labels must be hashable (text, numbers or tuples); node {k} has {values[k]!r}")
    if len(first) > 1:
        examples = ", ".join(f"{values[k]!r} ({kind}, node {k})" for kind, k in first.items())
        raise InputError(f"node labels mix types: {examples}; give every node a label of one type, e.g. all text")
    if first.keys() & {"int", "float", "str"}:
        return np.asarray(values)
    whole = np.empty(len(values), dtype=object)
    for k, label in enumerate(values):  # element by element: tuples must not become rows
        whole[k] = label
    return whole


def _repeated(labels: NDArray[Any]) -> list[str]:
    """A problem line for each label given to more than one node."""
    nodes: defaultdict[Hashable, list[int]] = defaultdict(list)
    for k, label in enumerate(labels.tolist()):
        nodes[label].append(k)
    return [f"{label!r} labels nodes {', '.join(map(str, ks))}" for label, ks in nodes.items() if len(ks) > 1]


def _whole_numbers(values: ArrayLike, what: str) -> Ints:
    """``values`` as integers; :class:`InputError` for anything else (fractions,
    text, booleans), which numpy would otherwise truncate or wrap."""
    array = np.asarray(values)
    if array.dtype.kind in "iu":
        return array.astype(np.int64, copy=False)
    if array.size == 0:
        return np.zeros(array.shape, dtype=np.int64)
    if array.dtype.kind == "f":
        whole = np.isfinite(array) & (array == np.round(array))
        if whole.all():
            return array.astype(np.int64)
        shown = array[~whole].ravel()[:5].tolist()
        raise InputError(f"{what} must be whole numbers, got {shown}")
    raise InputError(f"{what} must be whole numbers, got {array.ravel()[:5].tolist()} ({array.dtype})")


def node_indices(nodes: ArrayLike, n: int, what: str = "node indices") -> Ints:
    """``nodes`` as node indices of a network of ``n`` nodes: whole numbers in
    ``0 .. n - 1`` (a negative index is refused, not counted from the end).

    Examples
    --------
    >>> node_indices([0, 2], 3).tolist()
    [0, 2]
    >>> node_indices(-1, 3)
    Traceback (most recent call last):
    ...
    dispatch.errors.InputError: node indices out of range 0..2: [-1]
    """
    array = _whole_numbers(nodes, what)
    bad = (array < 0) | (array >= n)
    if bad.any():
        shown = array[bad].ravel()
        more = f" and {len(shown) - 10} more" if len(shown) > 10 else ""
        raise InputError(f"{what} out of range 0..{n - 1}: {shown[:10].tolist()}{more}")
    return array


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
    n = len(labels)
    if n == 0:
        raise InputError("a road network needs at least one node, but no node labels were given")
    try:
        xy = np.asarray(xy, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("node coordinates (xy) must be numbers, one (x, y) pair per node") from None
    if xy.shape != (n, 2):
        raise InputError(f"node coordinates (xy) must have shape ({n}, 2), one (x, y) pair per node; got {xy.shape}")
    tails = _whole_numbers(tails, "edge tails")
    heads = _whole_numbers(heads, "edge heads")
    try:
        travel_time = np.asarray(travel_time, dtype=np.float64)
        length = np.full(len(tails), np.nan) if length is None else np.asarray(length, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("travel_time and length must be numbers, one per edge") from None
    both = np.zeros(len(tails), dtype=bool) if two_way is None else np.asarray(two_way, dtype=bool)
    if not (tails.shape == heads.shape == travel_time.shape == length.shape == both.shape == (len(tails),)):
        raise InputError("tails, heads, travel_time, length and two_way must have one entry per edge")
    tails, heads = np.concatenate([tails, heads[both]]), np.concatenate([heads, tails[both]])
    travel_time, length = np.concatenate([travel_time, travel_time[both]]), np.concatenate([length, length[both]])
    if len(set(labels.tolist())) != n:
        raise InputError("node labels must be unique", listed(_repeated(labels)))
    bad_xy = np.flatnonzero(~np.isfinite(xy).all(axis=1))
    if len(bad_xy):
        raise InputError(
            "node coordinates must be finite",
            listed([f"node {plain(labels[i])!r}: {tuple(xy[i].tolist())}" for i in bad_xy]),
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
            listed([f"edge {plain(labels[tails[i]])!r} -> {plain(labels[heads[i]])!r}: {travel_time[i]}" for i in bad]),
        )
    short = np.flatnonzero(np.isinf(length) | (length < 0))  # NaN: length unknown
    if len(short):
        raise InputError(
            "length must be metres >= 0, or NaN when unknown; fix or drop these edges",
            listed([f"edge {plain(labels[tails[i]])!r} -> {plain(labels[heads[i]])!r}: {length[i]}" for i in short]),
        )
    return labels, xy, tails, heads, travel_time, length
