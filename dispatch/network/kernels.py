"""Compiled loops (numba): the search towards a place that stops as soon as it
knows the nearest of several watched starts.

A search towards a call has to go only as far as it takes to be sure which
unit is nearest, not as far as the nearest unit at a station: each watched
start (a road node a unit drives on from) carries the seconds its unit needs
before it gets there, and the search stops once no start left unreached can
beat the best already reached. Compiled once per machine and cached beside
this file.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = ["stopped_search", "way_down"]

UNREACHED = -9999
"""The predecessor of a node the search did not reach (as scipy's csgraph)."""
WATCHED, DONE = 1, 2
"""A node's state bits in a search: watched, and reached for good."""


@njit(cache=True, nogil=True)
def stopped_search(
    indptr: NDArray[np.int32],
    indices: NDArray[np.int32],
    weights: NDArray[np.float64],
    sources: NDArray[np.int64],
    source_times: NDArray[np.float64],
    limit: float,
    watch_node: NDArray[np.int64],
    watch_offset: NDArray[np.float64],
    best: float,
) -> tuple[NDArray[np.float64], NDArray[np.int32], float]:
    """Dijkstra on a CSR graph of ``n`` nodes from ``sources`` (entered
    ``source_times`` seconds in), never beyond ``limit``, and stopped once no
    watched node left unreached can beat ``best`` or the best watched node
    reached (``watch_offset`` plus its time; a tie does not stop it).

    Returns the times (``n + 1`` entries, ``inf`` where not reached; the last
    stands for the sources' side), each reached node's predecessor (``n`` for
    a source, ``-9999`` where not reached), and how far the search is complete:
    every node nearer than that was reached.
    """
    n = len(indptr) - 1
    times = np.full(n + 1, np.inf)
    previous = np.full(n + 1, UNREACHED, dtype=np.int32)
    state = np.zeros(n, dtype=np.int8)  # WATCHED and DONE bits
    order = np.argsort(watch_offset, kind="mergesort")
    offsets = watch_offset[order]
    nodes = watch_node[order]
    for w in range(len(order)):
        if nodes[w] < n:
            state[nodes[w]] |= WATCHED
    first = 0  # the smallest offset of a watched node not yet reached
    while first < len(order) and nodes[first] >= n:
        first += 1
    watching = first < len(order)
    # A binary heap of (time, node) with repeats; stale entries are skipped.
    keys = np.empty(len(indices) + len(sources) + 1)
    items = np.empty(len(indices) + len(sources) + 1, dtype=np.int64)
    size = 0
    for j in range(len(sources)):
        v, t = sources[j], source_times[j]
        if v < n and t <= limit and t < times[v]:
            times[v], previous[v] = t, n
            size = _push(keys, items, size, t, v)
    reach = limit
    while size:
        t, v = keys[0], items[0]
        if state[v] & DONE:
            size = _pop(keys, items, size)
            continue
        if watching:
            while first < len(order) and (nodes[first] >= n or state[nodes[first]] & DONE):
                first += 1
            if first == len(order) or t + offsets[first] > best:
                reach = t
                break
        size = _pop(keys, items, size)
        if state[v] & WATCHED:
            for w in range(len(order)):
                if nodes[w] == v:
                    best = min(best, offsets[w] + t)
        state[v] |= DONE
        for e in range(indptr[v], indptr[v + 1]):
            u = indices[e]
            s = t + weights[e]
            if s <= limit and s < times[u] and not state[u] & DONE:
                times[u], previous[u] = s, v
                size = _push(keys, items, size, s, u)
    for j in range(size):  # nodes still waiting were not reached
        v = items[j]
        if not state[v] & DONE:
            times[v], previous[v] = np.inf, UNREACHED
    return times, previous, reach


@njit(cache=True, nogil=True)
def way_down(previous: NDArray[np.int32], node: int) -> NDArray[np.int64]:
    """The nodes from ``node`` down a search's tree (``previous``, as
    :func:`stopped_search` gives it) to the one it entered by."""
    n = len(previous) - 1
    count, v = 1, node
    while previous[v] != n:
        v = previous[v]
        count += 1
    way = np.empty(count, dtype=np.int64)
    way[0] = v = node
    for k in range(1, count):
        v = way[k] = previous[v]
    return way


@njit(cache=True, nogil=True)
def _push(keys: NDArray[np.float64], items: NDArray[np.int64], size: int, key: float, item: int) -> int:
    j = size
    while j:
        parent = (j - 1) >> 1
        if keys[parent] <= key:
            break
        keys[j], items[j] = keys[parent], items[parent]
        j = parent
    keys[j], items[j] = key, item
    return size + 1


@njit(cache=True, nogil=True)
def _pop(keys: NDArray[np.float64], items: NDArray[np.int64], size: int) -> int:
    size -= 1
    key, item = keys[size], items[size]
    j = 0
    while True:
        child = 2 * j + 1
        if child >= size:
            break
        if child + 1 < size and keys[child + 1] < keys[child]:
            child += 1
        if keys[child] >= key:
            break
        keys[j], items[j] = keys[child], items[child]
        j = child
    if size:
        keys[j], items[j] = key, item
    return size
