"""Searches on the contracted network (:mod:`~dispatch.network.contract`):
travel times between places, the ways to a place from every core node, nearest
sources, and routes expanded to the full network's nodes."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from .contract import Core, Floats, Ints, Places
from .kernels import stopped_search, way_down

__all__ = [
    "POINT_AT_END",
    "POINT_AT_START",
    "Inbound",
    "direct",
    "from_places",
    "joined",
    "nearest",
    "partition",
    "place_times",
    "route",
    "towards",
]

POINT_AT_START, POINT_AT_END = -1, -2
"""Stops of a route that are points between nodes: where it starts, where it ends."""


@dataclass(frozen=True)
class Inbound:
    """Core nodes' fastest ways to one place: ``times`` (``inf`` where the
    search did not reach, with an ``inf`` entry for "no node" at the end) and
    the search's tree (``previous``: the next core node on each way, ``n_core``
    where it enters the place by one of its ways in ``enter``, negative where
    not reached). Every node less than ``limit`` seconds away was reached."""

    times: Floats
    previous: NDArray[np.int32]
    enter: Ints
    enter_time: Floats
    limit: float

    def entry(self, node: int) -> int:
        """The column of the place's ways in that the way ending at ``node``
        takes (the faster when both leave from ``node``, as on a road that loops
        back to it)."""
        enter, time = self.enter, self.enter_time
        return 1 if enter[1] == node and (enter[0] != node or time[1] < time[0]) else 0

    def reached(self, leave: Ints, leave_time: Floats, along: Floats) -> tuple[Floats, Floats]:
        """Seconds to the place from places left by ``leave`` / ``leave_time``
        (one row each) or driven ``along`` one link: exact (``inf`` where a way
        out the search did not reach might be faster), and at least."""
        ahead = self.times[leave]
        found = np.minimum((leave_time + ahead).min(axis=1), along)
        least = np.minimum(found, np.where(np.isinf(ahead), leave_time + self.limit, np.inf).min(axis=1))
        return np.where(found <= least, found, np.inf), least


def _search(core: Core, sources: Ints, *, reverse: bool, limit: float) -> Floats:
    """Dijkstra on the core from core nodes ``sources`` (towards them with ``reverse``)."""
    graph = core.backward if reverse else core.forward
    if not len(sources):
        return np.zeros((0, core.n_nodes))
    return np.atleast_2d(dijkstra(graph, indices=sources, limit=limit))


def _spread(core: Core, ends: Ints, extra: Floats, *, reverse: bool, limit: float) -> Floats:
    """Times between places (by their ``ends`` and the ``extra`` seconds to
    them) and every core node, with an ``inf`` column for "no node"."""
    nc = core.n_nodes
    used = np.unique(ends[ends < nc])
    rows = _search(core, used, reverse=reverse, limit=limit)
    rows = np.hstack([np.vstack([rows, np.full((1, nc), np.inf)]), np.full((len(used) + 1, 1), np.inf)])
    row = np.where(ends < nc, np.searchsorted(used, np.minimum(ends, nc)), len(used))
    times = np.minimum(rows[row[:, 0]] + extra[:, :1], rows[row[:, 1]] + extra[:, 1:])
    times[times > limit] = np.inf
    return times


def from_places(core: Core, places: Places, *, limit: float = math.inf) -> Floats:
    """Times from each place to every core node, shape ``(len(places), n_core + 1)``."""
    return _spread(core, places.leave, places.leave_time, reverse=False, limit=limit)


def towards(
    core: Core, place: Places, *, limit: float = math.inf, watch: tuple[Ints, Floats, float] | None = None
) -> Inbound:
    """Core nodes' fastest ways to ``place`` (a batch of one), within ``limit``.

    One search on the reversed core from the place's ways in, so a place on a
    road driven both ways costs no more than a node. With ``watch`` (core
    nodes, the seconds before each, and the best total known) it stops as
    soon as no watched node left can beat the best total (see
    :func:`~dispatch.network.kernels.stopped_search`).
    """
    nodes, offsets, best = watch if watch is not None else (_NONE, _NO_TIME, math.inf)
    graph = core.backward
    times, previous, reach = stopped_search(
        graph.indptr,
        graph.indices,
        graph.data,
        place.enter[0],
        place.enter_time[0],
        limit,
        np.ascontiguousarray(nodes, dtype=np.int64),
        np.ascontiguousarray(offsets, dtype=np.float64),
        best,
    )
    return Inbound(times, previous, place.enter[0].copy(), place.enter_time[0].copy(), float(reach))


_NONE, _NO_TIME = np.zeros(0, dtype=np.int64), np.zeros(0)


def partition(core: Core, sources: Places) -> tuple[Floats, Ints]:
    """Each core node's nearest source (an index, ``-1`` if none reaches it)
    and the time from it, with an entry for "no node" at the end."""
    nc, k = core.n_nodes, len(sources)
    # One search from a node standing for every source at once, joined to
    # each source's ways out by edges as long as those drives.
    used = sources.leave < nc
    owner = np.repeat(np.arange(k), 2).reshape(k, 2)[used]
    tails = np.concatenate([np.repeat(np.arange(nc), np.diff(core.forward.indptr)), nc + owner])
    heads = np.concatenate([core.forward.indices, sources.leave[used]])
    times = np.concatenate([core.forward.data, sources.leave_time[used]])
    order = np.lexsort((times, heads, tails))
    tails, heads, times = tails[order], heads[order], times[order]
    first = np.r_[True, (tails[1:] != tails[:-1]) | (heads[1:] != heads[:-1])]  # the fastest of parallels
    tails, heads, times = tails[first], heads[first], times[first]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(tails, minlength=nc + k))])
    graph = csr_matrix((times, heads, indptr), shape=(nc + k, nc + k))
    found, _, nearest = dijkstra(graph, indices=nc + np.arange(k), min_only=True, return_predecessors=True)
    source = np.where(nearest >= 0, nearest - nc, -1)
    return np.append(found[:nc], np.inf), np.append(source[:nc], -1)


def nearest(core: Core, sources: Places, places: Places, partition: tuple[Floats, Ints]) -> tuple[Floats, Ints]:
    """The nearest source of each place by travel time from it (``partition``:
    the sources' :func:`partition`): its time and index (``inf`` and ``-1``
    where none reaches it)."""
    core_time, core_source = partition
    via = places.enter_time + core_time[places.enter]
    rows = np.arange(len(places))
    best = np.argmin(via, axis=1)
    time, owner = via[rows, best], core_source[places.enter[rows, best]]
    if len(sources):
        along = direct(sources, places)
        closer = along.min(axis=0) < time
        owner = np.where(closer, np.argmin(along, axis=0), owner)
        time = np.minimum(time, along.min(axis=0))
    return time, np.where(np.isfinite(time), owner, -1)


def joined(inside: NDArray[np.bool_], places: Places) -> NDArray[np.bool_]:
    """Which places can be reached from a part of the network and can leave into
    it (``inside``: the part's core nodes, see :meth:`Core.mask`)."""
    return np.asarray(inside[places.enter].any(axis=1) & inside[places.leave].any(axis=1))


def direct(origins: Places, destinations: Places) -> Floats:
    """Times from each origin to each destination along one link, without
    passing a core node (``inf`` where there is no such drive)."""
    a_link, b_link = origins.link[:, None, :, None], destinations.link[None, :, None, :]
    ok = (a_link == b_link) & (a_link >= 0)
    if not ok.any():  # as for most pairs: no link in common
        return np.full((len(origins), len(destinations)), np.inf)
    a_off, b_off = origins.offset[:, None, :, None], destinations.offset[None, :, None, :]
    a_at, b_at = origins.position[:, None, :, None], destinations.position[None, :, None, :]
    ok &= a_at <= b_at
    with np.errstate(invalid="ignore"):
        gap = np.where(ok, b_off - a_off, np.inf)
    return np.asarray(gap.min(axis=(2, 3)))


def place_times(core: Core, origins: Places, destinations: Places, *, limit: float = math.inf) -> Floats:
    """The ``len(origins) x len(destinations)`` travel-time matrix."""
    if len(origins) <= len(destinations):
        spread = from_places(core, origins, limit=limit)
        via = np.minimum(
            spread[:, destinations.enter[:, 0]] + destinations.enter_time[:, 0],
            spread[:, destinations.enter[:, 1]] + destinations.enter_time[:, 1],
        )
    else:
        spread = _spread(core, destinations.enter, destinations.enter_time, reverse=True, limit=limit)
        via = np.minimum(
            spread[:, origins.leave[:, 0]] + origins.leave_time[:, 0],
            spread[:, origins.leave[:, 1]] + origins.leave_time[:, 1],
        ).T
    found = np.minimum(via, direct(origins, destinations))
    found[found > limit] = np.inf
    return np.asarray(found)


def route(core: Core, origin: Places, destination: Places, inbound: Inbound) -> tuple[Ints, Floats]:
    """The fastest route from one place to another (``inbound``: the ways to
    the destination): its stops (full-network nodes, or
    :data:`POINT_AT_START` / :data:`POINT_AT_END` for a point between nodes)
    and the seconds from the start to each. ``ValueError`` if there is none."""
    along = direct(origin, destination)[0, 0]
    via = origin.leave_time[0] + inbound.times[origin.leave[0]]
    best = int(np.argmin(via))
    if not (math.isfinite(along) or math.isfinite(via[best])):
        raise ValueError("no route within the search's limit")
    stops: list[Ints] = [np.array([origin.node[0] if origin.node[0] >= 0 else POINT_AT_START])]
    times: list[Floats] = [np.zeros(1)]
    if along <= via[best]:
        slot = _shared_slot(origin, destination, along)
        link = int(origin.link[0, slot])
        _along(core, stops, times, link, int(origin.after[0, slot]), destination, float(origin.offset[0, slot]))
        return _without_repeats(stops, times)
    if origin.link[0, best] >= 0:
        link = int(origin.link[0, best])
        begin, end = core.link_ptr[link] + origin.after[0, best], core.link_ptr[link + 1]
        stops.append(core.link_nodes[begin:end])
        times.append(core.link_at[begin:end] - origin.offset[0, best])
    way = way_down(inbound.previous, int(origin.leave[0, best]))  # down the tree to the destination's entry
    links = _fastest_links(core, way)
    # Each link's nodes after its tail, at the clock when it is entered plus their offsets along it.
    clocks = np.add.accumulate(np.append(origin.leave_time[0, best], core.link_time[links]))
    begin, end = core.link_ptr[links] + 1, core.link_ptr[links + 1]
    count = end - begin
    index = np.arange(count.sum()) + np.repeat(begin - np.cumsum(count) + count, count)
    stops.append(core.link_nodes[index])
    times.append(np.repeat(clocks[:-1], count) + core.link_at[index])
    clock = float(clocks[-1])
    slot = inbound.entry(int(way[-1]))
    if destination.link[0, slot] >= 0:
        _along(core, stops, times, int(destination.link[0, slot]), 1, destination, -clock)
    return _without_repeats(stops, times)


def _along(
    core: Core, stops: list[Ints], times: list[Floats], link: int, first: int, destination: Places, start: float
) -> None:
    """Append the nodes of ``link`` from index ``first`` up to the
    destination (which lies on it), then the destination itself;
    ``start`` is subtracted from the link's times."""
    slot = int(np.flatnonzero(destination.link[0] == link)[0])
    last = int(destination.after[0, slot]) - (1 if destination.node[0] < 0 else 2)
    begin, end = core.link_ptr[link] + first, core.link_ptr[link] + last + 1
    if end > begin:
        stops.append(core.link_nodes[begin:end])
        times.append(core.link_at[begin:end] - start)
    stops.append(np.array([destination.node[0] if destination.node[0] >= 0 else POINT_AT_END]))
    times.append(np.array([destination.offset[0, slot] - start]))


def _fastest_links(core: Core, way: Ints) -> Ints:
    """The links the core graph keeps between consecutive core nodes of ``way``."""
    keys = way[:-1] * max(core.n_nodes, 1) + way[1:]
    return np.asarray(core.csr_link[np.searchsorted(core.csr_key, keys)])


def _shared_slot(origin: Places, destination: Places, gap: float) -> int:
    """The origin's column whose link reaches the destination directly in ``gap`` seconds."""
    for a in range(2):
        for b in range(2):
            link = origin.link[0, a]
            if link < 0 or link != destination.link[0, b] or destination.position[0, b] < origin.position[0, a]:
                continue
            if destination.offset[0, b] - origin.offset[0, a] == gap:
                return a
    raise AssertionError("the origin has no link to the destination")


def _without_repeats(stops: list[Ints], times: list[Floats]) -> tuple[Ints, Floats]:
    """The stops and times joined, a node given twice in a row kept once."""
    nodes, at = np.concatenate(stops), np.concatenate(times)
    keep = np.ones(len(nodes), dtype=bool)
    keep[1:] = (nodes[1:] != nodes[:-1]) | (nodes[1:] < 0)
    return nodes[keep], at[keep]
