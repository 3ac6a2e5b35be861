"""The road network: a frozen travel-time graph for fast shortest paths.

networkx is the modelling graph; computation runs on a ``scipy.sparse`` CSR matrix
of travel times (seconds) and its transpose. Nodes are addressed by their integer
index ``0 .. n-1``; :attr:`RoadNetwork.labels` maps an index back to the label of
the graph it came from (an OSM node id, say) and :meth:`RoadNetwork.index` maps a
label to its index. Converters live in :mod:`~dispatch.network.convert`, snapping
in :mod:`~dispatch.network.snap`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from ..errors import InputError, UnreachableError
from .contract import Core, Places
from .snap import Snapper, is_geographic
from .validate import checked, node_indices, plain

__all__ = ["Partition", "RoadNetwork", "Route", "Tree"]

Names = Sequence[str] | None
Snapped = tuple[NDArray[np.int64], NDArray[np.float64]]

CHUNK_ENTRIES = 8_000_000
"""Dijkstra rows held at once by :meth:`RoadNetwork.travel_times` (64 MB of times)."""


@dataclass(frozen=True)
class Route:
    """A shortest path: its node indices (origin first) and travel time in seconds."""

    nodes: NDArray[np.int64]
    time: float


@dataclass(frozen=True)
class Tree:
    """A shortest-path tree rooted at ``root``.

    For a forward tree ``times[v]`` is the time from the root to ``v`` and
    ``predecessors[v]`` the node before ``v``; for a reverse tree (``reverse=True``)
    ``times[v]`` is the time from ``v`` to the root and ``predecessors[v]`` the next
    node from ``v`` towards the root. Nodes beyond the limit have time ``inf``.
    """

    root: int
    times: NDArray[np.float64]
    predecessors: NDArray[np.int32]
    reverse: bool

    def path(self, node: int) -> NDArray[np.int64]:
        """Node indices of the path between the root and ``node``, in travel order."""
        node = int(node_indices(node, len(self.times)))
        if not math.isfinite(self.times[node]):
            origin, destination = (node, self.root) if self.reverse else (self.root, node)
            raise UnreachableError(f"no road path from node {origin} to node {destination} within the tree's limit")
        walk = [node]
        while walk[-1] != self.root:
            walk.append(int(self.predecessors[walk[-1]]))
        return np.array(walk if self.reverse else walk[::-1], dtype=np.int64)


@dataclass(frozen=True)
class Partition:
    """Each node's nearest source: ``source[v]`` indexes the sources given (``-1``
    if none reaches ``v``) and ``time[v]`` is the travel time from it."""

    time: NDArray[np.float64]
    source: NDArray[np.int64]


class RoadNetwork:
    """A frozen directed road graph weighted by travel time in seconds.

    Parameters
    ----------
    labels
        Node labels, one per node (their position is the node's index).
    xy
        Node coordinates, shape ``(n, 2)``, in ``crs``.
    tails, heads
        Edge end points as node indices: each edge runs ``tails[i] -> heads[i]``.
    travel_time
        Edge travel times in seconds: finite and non-negative.
    length
        Edge lengths in metres, if known.
    two_way
        Mask of the edges that also run ``heads[i] -> tails[i]`` (same time and
        length); by default every edge is one-way.
    crs
        The coordinate reference system of ``xy`` (e.g. ``"EPSG:32649"``).

    Parallel edges keep the minimum travel time; one-way edges stay one-way.
    """

    def __init__(
        self,
        labels: Sequence[Hashable] | NDArray[Any],
        xy: ArrayLike,
        tails: ArrayLike,
        heads: ArrayLike,
        travel_time: ArrayLike,
        *,
        length: ArrayLike | None = None,
        two_way: ArrayLike | None = None,
        crs: str | None = None,
    ) -> None:
        labels, xy, tails, heads, travel_time, length = checked(labels, xy, tails, heads, travel_time, length, two_way)
        n = len(labels)
        # Sort by (tail, head, time): the first edge of each (tail, head) run is the
        # fastest, and the order is already the CSR order.
        order = np.lexsort((travel_time, heads, tails))
        tails, heads, travel_time, length = tails[order], heads[order], travel_time[order], length[order]
        first = np.ones(len(tails), dtype=bool)
        first[1:] = (tails[1:] != tails[:-1]) | (heads[1:] != heads[:-1])
        self.labels, self.xy, self.crs = labels, xy, crs
        self.tails, self.heads = tails[first], heads[first]
        self.travel_time, self.length = travel_time[first], length[first]
        for array in (self.labels, self.xy, self.tails, self.heads, self.travel_time, self.length):
            array.flags.writeable = False
        indptr = np.concatenate([[0], np.cumsum(np.bincount(self.tails, minlength=n))])
        # Explicitly stored zeros are edges for csgraph, so zero-time edges survive.
        self.forward = csr_matrix((self.travel_time, self.heads, indptr), shape=(n, n))
        self.backward = self.forward.transpose().tocsr()

    # ------------------------------------------------------------------ basics

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.labels)

    @property
    def n_edges(self) -> int:
        """Number of directed edges, parallel edges counted once."""
        return len(self.tails)

    def __repr__(self) -> str:
        return f"RoadNetwork({self.n_nodes} nodes, {self.n_edges} edges, crs={self.crs!r})"

    @cached_property
    def _index(self) -> dict[Hashable, int]:
        return {label: i for i, label in enumerate(self.labels.tolist())}

    def label(self, node: int) -> Hashable:
        """The label of node index ``node``, as a plain Python value."""
        label: Hashable = plain(self.labels[int(node_indices(node, self.n_nodes))])
        return label

    def index(self, label: Hashable) -> int:
        """The index of the node labelled ``label``."""
        try:
            return self._index[label]
        except KeyError:
            raise InputError(f"no node labelled {label!r} in the road network") from None

    @cached_property
    def geographic(self) -> bool:
        """Whether coordinates are longitude/latitude degrees."""
        return is_geographic(self.crs)

    @cached_property
    def snapper(self) -> Snapper:
        """Nearest nodes and road points by straight-line metres (see :mod:`~dispatch.network.snap`)."""
        return Snapper(self.xy, self.tails, self.heads, geographic=self.geographic)

    @cached_property
    def core(self) -> Core:
        """The network with its degree-2 chains contracted (:mod:`~dispatch.network.contract`)."""
        return Core(self.n_nodes, self.tails, self.heads, self.travel_time)

    @cached_property
    def main_component(self) -> NDArray[np.bool_]:
        """Mask of the nodes in the largest strongly connected component: from each
        of them every other one can be reached, and back."""
        _, component = connected_components(self.forward, directed=True, connection="strong")
        return np.asarray(component == np.bincount(component).argmax())

    # ------------------------------------------------------------------ snapping

    def snap(self, points: ArrayLike, *, max_distance: float = math.inf, names: Names = None) -> Snapped:
        """The nearest node to each point and its straight-line distance in metres.

        Raises :class:`InputError` naming every point (by ``names``, e.g.
        ``"station 'zhuoshui'"``) farther than ``max_distance`` from any node.
        """
        return self.snapper.snap(points, max_distance=max_distance, names=names)

    def locate(self, points: ArrayLike, *, max_distance: float = math.inf, names: Names = None) -> Places:
        """Each point's nearest place on the road: the nearest point of the nearest
        road segment (as osmnx's ``nearest_edges``, with the point on it) and the
        snap distance in metres; :class:`InputError` names every point (by
        ``names``) farther than ``max_distance`` from every road.

        Examples
        --------
        >>> from dispatch.network.convert import from_edges
        >>> roads = from_edges([("a", "b", 100.0)], {"a": (0, 0), "b": (1_000, 0)})
        >>> place = roads.locate([(250, 30)])  # a quarter of the way along, 30 m off the road
        >>> place.share.tolist(), place.distance.tolist(), place.enter_time.tolist()
        ([0.25], [30.0], [[25.0, inf]])
        """
        tail, head, share, xy, distance = self.snapper.along(points, max_distance=max_distance, names=names)
        return self.core.on_edges(tail, head, share, xy, distance)

    def places(self, nodes: ArrayLike) -> Places:
        """Nodes as places."""
        nodes = np.atleast_1d(node_indices(nodes, self.n_nodes))
        return self.core.at_nodes(nodes, self.xy[nodes])

    # ------------------------------------------------------------------ travel times

    def _dijkstra(self, nodes: ArrayLike, *, reverse: bool, limit: float, **options: Any) -> Any:
        nodes = np.atleast_1d(node_indices(nodes, self.n_nodes))
        graph = self.backward if reverse else self.forward
        return dijkstra(graph, directed=True, indices=nodes, limit=limit, **options)

    def times_from(self, sources: ArrayLike, *, limit: float = math.inf) -> NDArray[np.float64]:
        """Travel times from each source to every node, shape ``(len(sources), n)``.

        Unreachable nodes (or those beyond ``limit`` seconds) are ``inf``.
        """
        return np.atleast_2d(self._dijkstra(sources, reverse=False, limit=limit))

    def times_to(self, targets: ArrayLike, *, limit: float = math.inf) -> NDArray[np.float64]:
        """Travel times from every node to each target, shape ``(len(targets), n)``:
        ``times_to(t)[i, v]`` is the time from ``v`` to ``t[i]``."""
        return np.atleast_2d(self._dijkstra(targets, reverse=True, limit=limit))

    def travel_times(
        self, origins: ArrayLike, destinations: ArrayLike, *, limit: float = math.inf
    ) -> NDArray[np.float64]:
        """The ``len(origins) x len(destinations)`` travel-time matrix.

        Runs Dijkstra from whichever side has fewer nodes, a few sources at a time
        so that memory stays small; times beyond ``limit`` are ``inf``.
        """
        origins = np.atleast_1d(node_indices(origins, self.n_nodes, "origins"))
        destinations = np.atleast_1d(node_indices(destinations, self.n_nodes, "destinations"))
        forward = len(origins) <= len(destinations)
        sources, targets = (origins, destinations) if forward else (destinations, origins)
        chunk = max(1, CHUNK_ENTRIES // max(self.n_nodes, 1))
        blocks = [
            self._dijkstra(sources[k : k + chunk], reverse=not forward, limit=limit)[:, targets]
            for k in range(0, len(sources), chunk)
        ]
        matrix = np.vstack(blocks) if blocks else np.zeros((0, len(targets)))
        return np.asarray(matrix if forward else matrix.T)

    def nearest_source(self, sources: ArrayLike, *, limit: float = math.inf) -> Partition:
        """Partition the nodes by their nearest source in travel time from it.

        With stations as sources this gives first-due areas. Of equally near
        sources, one is chosen.
        """
        sources = np.atleast_1d(node_indices(sources, self.n_nodes, "sources"))
        time, _, nearest = self._dijkstra(sources, reverse=False, limit=limit, min_only=True, return_predecessors=True)
        position = np.full(self.n_nodes, -1, dtype=np.int64)
        position[sources[::-1]] = np.arange(len(sources))[::-1]  # first of duplicates
        source = np.where(nearest >= 0, position[np.maximum(nearest, 0)], -1)
        return Partition(time=time, source=source)

    def tree(self, root: int, *, limit: float = math.inf, reverse: bool = False) -> Tree:
        """The shortest-path tree from ``root`` (or, with ``reverse``, towards it)."""
        return self.trees([root], limit=limit, reverse=reverse)[0]

    def trees(self, roots: ArrayLike, *, limit: float = math.inf, reverse: bool = False) -> list[Tree]:
        """One shortest-path tree per root, from one multi-source Dijkstra call."""
        roots = np.atleast_1d(node_indices(roots, self.n_nodes, "roots"))
        times, predecessors = self._dijkstra(roots, reverse=reverse, limit=limit, return_predecessors=True)
        return [
            Tree(root=int(r), times=times[k], predecessors=predecessors[k], reverse=reverse)
            for k, r in enumerate(roots.tolist())
        ]

    def shortest_path(self, origin: int, destination: int) -> Route:
        """The fastest route from ``origin`` to ``destination``.

        Raises :class:`UnreachableError` naming both nodes if there is none.
        """
        origin = int(node_indices(origin, self.n_nodes, "origin"))
        destination = int(node_indices(destination, self.n_nodes, "destination"))
        tree = self.tree(origin)
        try:
            nodes = tree.path(destination)
        except UnreachableError:
            raise UnreachableError(
                f"no road path from node {self.label(origin)!r} to node {self.label(destination)!r}"
            ) from None
        return Route(nodes=nodes, time=float(tree.times[destination]))
