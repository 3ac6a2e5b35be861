"""Exact contraction of degree-2 chains: the small graph every search runs on.

Real road networks are mostly chains of nodes with two neighbours (bends, points
where nothing joins). The *core* keeps the other nodes and joins them by *links*:
a link stands for one chain driven in one direction, at its total travel time.
A place on the road (a node inside a chain, or a point along an edge) lies on one
link per direction it can be driven, at an offset in seconds from the link's tail:
it is reached through the link's tail and left through its head, or directly from
a place behind it on the same link. Searches run on the core and routes are
expanded back to the nodes of the full network. Times are the full network's,
summed in another order (so equal up to the last bits; whole seconds exactly).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["Core", "Places"]

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Places:
    """Places on the road network, as the full network and the core see them.

    ``node`` is the node each place is at (``-1`` between two nodes), ``tail``
    and ``head`` the ends of the road segment it lies on and ``share`` how far
    along it (0 at ``tail``), ``xy`` the point on the road and ``distance`` the
    metres from the location snapped to it (0 for nodes). The core's view, one
    column per direction the place can be driven (``-1`` / ``inf`` when unused):
    ``link`` and ``offset`` (seconds from the link's tail), ``position`` (along
    the link's node list: a node's index, or the fraction between two), ``after``
    (the index of the first node beyond the place), ``enter`` /
    ``enter_time`` (core node it is reached from, and the seconds from there) and
    ``leave`` / ``leave_time`` (core node it is left by, and the seconds to it).
    A core node is reached and left through itself, with no link.
    """

    node: Ints
    tail: Ints
    head: Ints
    share: Floats
    xy: Floats
    distance: Floats
    link: Ints
    offset: Floats
    position: Floats
    after: Ints
    enter: Ints
    enter_time: Floats
    leave: Ints
    leave_time: Floats

    def __len__(self) -> int:
        return len(self.node)

    def __getitem__(self, index: Any) -> Places:
        """The places at ``index`` (an integer gives a batch of one)."""
        index = np.atleast_1d(np.asarray(index))
        return Places(**{name: getattr(self, name)[index] for name in self.__dataclass_fields__})

    @staticmethod
    def join(batches: list[Places]) -> Places:
        """The places of every batch, in order."""
        return Places(
            **{name: np.concatenate([getattr(b, name) for b in batches]) for name in Places.__dataclass_fields__}
        )

    @property
    def nearest_node(self) -> Ints:
        """The node of each place, or the nearer end of its segment."""
        return np.where(self.node >= 0, self.node, np.where(self.share <= 0.5, self.tail, self.head))


class Core:
    """The contracted road network (see the module's notes).

    Parameters
    ----------
    n
        Number of nodes of the full network.
    tails, heads, times
        Its directed edges, parallel edges already reduced to the fastest.
    """

    def __init__(self, n: int, tails: Ints, heads: Ints, times: Floats) -> None:
        self.n = n
        plain = tails != heads  # a self-loop never shortens a route
        tails, heads, times = tails[plain], heads[plain], times[plain]
        order = np.lexsort((heads, tails))
        self.tails, self.heads, self.edge_time = tails[order], heads[order], times[order]
        self.out_ptr = np.concatenate([[0], np.cumsum(np.bincount(self.tails, minlength=n))])
        self.edge_key = self.tails * n + self.heads  # sorted: edges are found by bisection
        interior = _chain_nodes(n, self.tails, self.heads)
        while True:
            first, rank, offset = _ranked(_following(interior, self.tails, self.heads, self.out_ptr), self.edge_time)
            ring = first < 0
            if not ring.any():
                break
            interior = _break_rings(interior, self.tails[ring], self.heads[ring], n)
        self.is_core = ~interior
        self.nodes = np.flatnonzero(self.is_core)
        self.index = np.full(n, -1, dtype=np.int64)
        self.index[self.nodes] = np.arange(len(self.nodes))
        self._links(first, rank, offset)
        self._graph()
        self._node_places()

    # ------------------------------------------------------------------ building

    def _links(self, first: Ints, rank: Ints, offset: Floats) -> None:
        """Links numbered by their first edge; each edge's link, rank and offset."""
        starts = np.flatnonzero(first == np.arange(len(first)))
        number = np.full(len(first), -1, dtype=np.int64)
        number[starts] = np.arange(len(starts))
        self.edge_link, self.edge_rank, self.edge_offset = number[first], rank, offset
        count = np.bincount(self.edge_link, minlength=len(starts))
        self.link_ptr = np.concatenate([[0], np.cumsum(count + 1)])  # each link: its tail, then every head
        nodes = np.empty(self.link_ptr[-1], dtype=np.int64)
        at = np.empty(self.link_ptr[-1])
        nodes[self.link_ptr[:-1]] = self.tails[starts]
        at[self.link_ptr[:-1]] = 0.0
        slot = self.link_ptr[self.edge_link] + rank + 1
        nodes[slot] = self.heads
        at[slot] = offset + self.edge_time
        self.link_nodes, self.link_at = nodes, at
        self.link_tail = self.index[nodes[self.link_ptr[:-1]]]
        self.link_head = self.index[nodes[self.link_ptr[1:] - 1]]
        self.link_time = at[self.link_ptr[1:] - 1]

    def _graph(self) -> None:
        """The core as CSR matrices: the fastest link between each pair of core nodes."""
        nc = len(self.nodes)
        keep = np.flatnonzero(self.link_tail != self.link_head)
        order = keep[np.lexsort((self.link_time[keep], self.link_head[keep], self.link_tail[keep]))]
        tails, heads = self.link_tail[order], self.link_head[order]
        best = np.ones(len(order), dtype=bool)
        best[1:] = (tails[1:] != tails[:-1]) | (heads[1:] != heads[:-1])
        self.csr_link = order[best]
        tails, heads = tails[best], heads[best]
        self.csr_key = tails * max(nc, 1) + heads
        indptr = np.concatenate([[0], np.cumsum(np.bincount(tails, minlength=nc))]).astype(np.int32)
        # Explicitly stored zeros are edges for csgraph, so zero-time links survive.
        self.forward = csr_matrix((self.link_time[self.csr_link], heads.astype(np.int32), indptr), shape=(nc, nc))
        self.backward = self.forward.transpose().tocsr()

    def _node_places(self) -> None:
        """Every node of the full network as a place, column by column (see
        :class:`Places`)."""
        n, nc = self.n, len(self.nodes)
        link = np.full((n, 2), -1, dtype=np.int64)
        offset = np.full((n, 2), np.inf)
        after = np.full((n, 2), -1, dtype=np.int64)
        edges = np.flatnonzero(~self.is_core[self.tails])
        column = np.arange(len(self.tails))[edges] - self.out_ptr[self.tails[edges]]
        link[self.tails[edges], column] = self.edge_link[edges]
        offset[self.tails[edges], column] = self.edge_offset[edges]
        after[self.tails[edges], column] = self.edge_rank[edges] + 1
        self.node_link, self.node_offset, self.node_after = link, offset, after
        self.node_position = np.where(link >= 0, after - 1, -1).astype(np.float64)
        on_link = link >= 0
        safe = np.where(on_link, link, len(self.link_time))  # one past the last link: no link
        self.node_enter = np.append(self.link_tail, nc)[safe]
        self.node_leave = np.append(self.link_head, nc)[safe]
        self.node_enter[self.nodes, 0] = self.node_leave[self.nodes, 0] = np.arange(nc)
        self.node_enter_time = offset.copy()
        with np.errstate(invalid="ignore"):
            self.node_leave_time = np.where(on_link, np.append(self.link_time, 0.0)[safe] - offset, np.inf)
        self.node_enter_time[self.nodes, 0] = self.node_leave_time[self.nodes, 0] = 0.0

    # ------------------------------------------------------------------ places

    @property
    def n_nodes(self) -> int:
        """Number of core nodes."""
        return len(self.nodes)

    def mask(self, part: NDArray[np.bool_]) -> NDArray[np.bool_]:
        """``part``, a mask of the full network's nodes, on the core nodes (with
        an entry for "no node", never in it)."""
        return np.append(part[self.nodes], False)

    def at_nodes(self, nodes: Ints, xy: Floats) -> Places:
        """Nodes of the full network as places (``xy``: their coordinates)."""
        nodes = np.asarray(nodes, dtype=np.int64)
        zero = np.zeros(len(nodes))
        return Places(
            node=nodes,
            tail=nodes,
            head=nodes,
            share=zero,
            xy=np.asarray(xy, dtype=np.float64).reshape(-1, 2),
            distance=zero,
            link=self.node_link[nodes],
            offset=self.node_offset[nodes],
            position=self.node_position[nodes],
            after=self.node_after[nodes],
            enter=self.node_enter[nodes],
            enter_time=self.node_enter_time[nodes],
            leave=self.node_leave[nodes],
            leave_time=self.node_leave_time[nodes],
        )

    def on_edges(self, tail: Ints, head: Ints, share: Floats, xy: Floats, distance: Floats) -> Places:
        """Points ``share`` of the way from node ``tail`` to node ``head`` along
        a road segment, driven each way an edge runs; a point at an end of its
        segment is that node."""
        tail, head = np.asarray(tail, dtype=np.int64), np.asarray(head, dtype=np.int64)
        share = np.asarray(share, dtype=np.float64)
        node = np.where(share <= 0.0, tail, np.where(share >= 1.0, head, -1))
        at = self.at_nodes(np.maximum(node, 0), xy)
        between = np.flatnonzero(node < 0)
        arrays = {name: getattr(at, name) for name in Places.__dataclass_fields__}  # gathered afresh: no copies
        nc = self.n_nodes
        for name, empty in (
            ("link", -1),
            ("offset", np.inf),
            ("position", -1),
            ("after", -1),
            ("enter", nc),
            ("leave", nc),
        ):
            arrays[name][between] = empty
        arrays["enter_time"][between] = arrays["leave_time"][between] = np.inf
        for column, (a, b, part) in enumerate(((tail, head, share), (head, tail, 1.0 - share))):
            edge = self.edge(a[between], b[between])
            rows, edge = between[edge >= 0], edge[edge >= 0]
            link = self.edge_link[edge]
            offset = self.edge_offset[edge] + part[rows] * self.edge_time[edge]
            arrays["link"][rows, column] = link
            arrays["offset"][rows, column] = offset
            arrays["position"][rows, column] = self.edge_rank[edge] + part[rows].astype(np.float64)
            arrays["after"][rows, column] = self.edge_rank[edge] + 1
            arrays["enter"][rows, column] = self.link_tail[link]
            arrays["enter_time"][rows, column] = offset
            arrays["leave"][rows, column] = self.link_head[link]
            arrays["leave_time"][rows, column] = self.link_time[link] - offset
        arrays |= {"node": node, "tail": tail, "head": head, "share": share, "distance": np.asarray(distance)}
        return Places(**arrays)

    def edge(self, tails: Ints, heads: Ints) -> Ints:
        """The position (among the core's edges) of each edge ``tails -> heads``, ``-1`` if none."""
        key = self.edge_key
        wanted = np.asarray(tails, dtype=np.int64) * self.n + np.asarray(heads, dtype=np.int64)
        if not len(key):
            return np.full(len(wanted), -1, dtype=np.int64)
        found = np.minimum(np.searchsorted(key, wanted), len(key) - 1)
        return np.where(key[found] == wanted, found, -1)


# ---------------------------------------------------------------------- chains


def _chain_nodes(n: int, tails: Ints, heads: Ints) -> NDArray[np.bool_]:
    """Nodes inside a chain: two neighbours, driven through both ways or one way
    only (in from one, out to the other)."""
    low, high = np.minimum(tails, heads), np.maximum(tails, heads)
    pairs = np.unique(low * n + high)
    neighbours = np.bincount(pairs // n, minlength=n) + np.bincount(pairs % n, minlength=n)
    into, out = np.bincount(heads, minlength=n), np.bincount(tails, minlength=n)
    two_way = (into == 2) & (out == 2)
    one_way = (into == 1) & (out == 1)
    return np.asarray((neighbours == 2) & (two_way | one_way))


def _following(interior: NDArray[np.bool_], tails: Ints, heads: Ints, out_ptr: Ints) -> Ints:
    """For each edge, the edge that continues its chain beyond its head (``-1``
    when the head is a core node): the head's way out that does not turn back."""
    following = np.full(len(tails), -1, dtype=np.int64)
    edges = np.flatnonzero(interior[heads])
    first = out_ptr[heads[edges]]
    second = np.minimum(first + 1, len(tails) - 1)
    following[edges] = np.where(heads[first] != tails[edges], first, second)
    return following


def _ranked(following: Ints, times: Floats) -> tuple[Ints, Ints, Floats]:
    """Each edge's chain by pointer doubling: its first edge (``-1`` on a ring of
    chain nodes), the number of edges before it and their total time."""
    m = len(following)
    previous = np.full(m, -1, dtype=np.int64)
    has = following >= 0
    previous[following[has]] = np.flatnonzero(has)
    start = previous < 0
    up = np.where(start, np.arange(m), previous)
    rank = (~start).astype(np.int64)
    offset = np.where(start, 0.0, times[np.maximum(previous, 0)])
    while True:
        above = up[up]
        if np.array_equal(above, up):
            break
        rank, offset, up = rank + rank[up], offset + offset[up], above
        if not (rank <= m).all():  # rings of chain nodes never reach a start
            break
    first = np.where(start[up], up, -1)
    return first, rank, offset


def _break_rings(interior: NDArray[np.bool_], tails: Ints, heads: Ints, n: int) -> NDArray[np.bool_]:
    """Make the lowest node of each ring of chain nodes (a cycle with no
    junction) a core node."""
    ring = csr_matrix((np.ones(len(tails)), (tails, heads)), shape=(n, n))
    _, label = connected_components(ring, directed=False)
    members = np.unique(np.concatenate([tails, heads]))
    lowest = np.full(int(label.max()) + 1, n, dtype=np.int64)
    np.minimum.at(lowest, label[members], members)
    broken = interior.copy()
    broken[lowest[lowest < n]] = False
    return np.asarray(broken)
