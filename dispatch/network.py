"""The road network: a frozen travel-time graph for fast shortest paths.

networkx is the modelling graph; computation runs on a ``scipy.sparse`` CSR matrix
of travel times (seconds) and its transpose. Nodes are addressed by their integer
index ``0 .. n-1``; :attr:`RoadNetwork.labels` maps an index back to the label of
the graph it came from (an OSM node id, say) and :meth:`RoadNetwork.index` maps a
label to its index.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from .errors import InputError, UnreachableError, listed

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["RURAL_SPEEDS_KPH", "Partition", "RoadNetwork", "Route", "Tree", "far_from_road"]

Label = TypeVar("Label", bound=Hashable)

EARTH_RADIUS = 6_371_008.8

RURAL_SPEEDS_KPH: dict[str, float] = {
    "motorway": 100,
    "motorway_link": 60,
    "trunk": 80,
    "trunk_link": 50,
    "primary": 70,
    "primary_link": 40,
    "secondary": 60,
    "secondary_link": 40,
    "tertiary": 50,
    "tertiary_link": 30,
    "unclassified": 40,
    "residential": 30,
    "living_street": 15,
    "service": 20,
    "track": 15,
}
"""Default speeds (km/h) by OSM ``highway`` class for rural roads without a
``maxspeed`` tag, used by :meth:`RoadNetwork.from_osm_file`."""

FALLBACK_SPEED_KPH = 30.0
"""Speed for a ``highway`` class missing from :data:`RURAL_SPEEDS_KPH`."""

CHUNK_ENTRIES = 8_000_000
"""Dijkstra rows held at once by :meth:`RoadNetwork.travel_times` (64 MB of times)."""


def _label_array(labels: Sequence[Hashable] | NDArray[Any]) -> NDArray[Any]:
    """Labels as a one-dimensional array; tuples (grid nodes, say) stay whole."""
    array = np.asarray(labels)
    if array.ndim == 1:
        return array
    whole = np.empty(len(labels), dtype=object)
    whole[:] = list(labels)
    return whole


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
        crs: str | None = None,
    ) -> None:
        labels = _label_array(labels)
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        tails = np.asarray(tails, dtype=np.int64)
        heads = np.asarray(heads, dtype=np.int64)
        travel_time = np.asarray(travel_time, dtype=np.float64)
        length = np.full(len(tails), np.nan) if length is None else np.asarray(length, dtype=np.float64)
        n = len(labels)
        if len(xy) != n:
            raise InputError(f"{n} node labels but {len(xy)} coordinate pairs")
        if not (len(tails) == len(heads) == len(travel_time) == len(length)):
            raise InputError("tails, heads, travel_time and length must have one entry per edge")
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
                listed(
                    [f"edge {labels[tails[i]].item()!r} -> {labels[heads[i]].item()!r}: {travel_time[i]}" for i in bad]
                ),
            )
        # Sort by (tail, head, time): the first edge of each (tail, head) run is the
        # fastest, and the order is already the CSR order.
        order = np.lexsort((travel_time, heads, tails))
        tails, heads, travel_time, length = tails[order], heads[order], travel_time[order], length[order]
        first = np.ones(len(tails), dtype=bool)
        first[1:] = (tails[1:] != tails[:-1]) | (heads[1:] != heads[:-1])
        self.labels = labels
        self.xy = xy
        self.crs = crs
        self.tails, self.heads = tails[first], heads[first]
        self.travel_time, self.length = travel_time[first], length[first]
        for array in (self.labels, self.xy, self.tails, self.heads, self.travel_time, self.length):
            array.flags.writeable = False
        indptr = np.concatenate([[0], np.cumsum(np.bincount(self.tails, minlength=n))])
        # Explicitly stored zeros are edges for csgraph, so zero-time edges survive.
        self.forward = csr_matrix((self.travel_time, self.heads, indptr), shape=(n, n))
        self.backward = self.forward.transpose().tocsr()

    # ------------------------------------------------------------------ building

    @classmethod
    def from_edges(
        cls,
        edges: Iterable[tuple[Label, Label, float]],
        positions: Mapping[Label, tuple[float, float]],
        *,
        bidirectional: bool = False,
        crs: str | None = None,
    ) -> RoadNetwork:
        """Build from ``(u, v, travel_time)`` triples and node positions.

        With ``bidirectional=True`` every edge is also added in reverse.
        """
        labels = list(positions)
        index = {label: i for i, label in enumerate(labels)}
        rows = list(edges)
        unknown = sorted({repr(x) for u, v, _ in rows for x in (u, v) if x not in index})
        if unknown:
            raise InputError("edges name nodes that have no position", listed(unknown))
        tails = [index[u] for u, _, _ in rows]
        heads = [index[v] for _, v, _ in rows]
        times = [float(t) for _, _, t in rows]
        if bidirectional:
            tails, heads, times = tails + heads, heads + tails, times + times
        return cls(labels, [positions[label] for label in labels], tails, heads, times, crs=crs)

    @classmethod
    def from_networkx(cls, graph: nx.Graph[Any], *, weight: str = "travel_time") -> RoadNetwork:
        """Build from a networkx graph whose nodes have ``x`` and ``y``.

        An osmnx graph works as it is. A directed graph keeps its directions; an
        undirected graph gets both directions of every edge. Edge ``length``
        (metres) is kept when present. ``graph.graph["crs"]`` becomes the CRS.
        """
        labels = list(graph.nodes)
        index = {label: i for i, label in enumerate(labels)}
        missing_xy = [repr(n) for n, d in graph.nodes(data=True) if "x" not in d or "y" not in d]
        if missing_xy:
            raise InputError("nodes need 'x' and 'y' coordinates", listed(missing_xy))
        xy = [(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in labels]
        tails, heads, times, lengths, problems = [], [], [], [], []
        for u, v, data in graph.edges(data=True):
            value = data.get(weight)
            if not isinstance(value, (int, float, np.number)) or isinstance(value, bool):
                problems.append(f"edge {u!r} -> {v!r}: {weight} is {value!r}")
                continue
            tails.append(index[u])
            heads.append(index[v])
            times.append(float(value))
            lengths.append(float(data.get("length", np.nan)))
        if problems:
            raise InputError(
                f"every edge needs a numeric {weight!r} attribute in seconds "
                "(osmnx: add_edge_speeds then add_edge_travel_times)",
                listed(problems),
            )
        if not graph.is_directed():
            tails, heads, times, lengths = tails + heads, heads + tails, times + times, lengths * 2
        crs: Any = graph.graph.get("crs")
        if crs is not None:
            crs = str(crs.to_string() if hasattr(crs, "to_string") else crs)  # maybe a pyproj CRS
        return cls(labels, xy, tails, heads, times, length=lengths, crs=crs)

    @classmethod
    def from_osm_file(cls, path: str | Path, *, speeds_kph: Mapping[str, float] = RURAL_SPEEDS_KPH) -> RoadNetwork:
        """Load drivable roads from an OSM XML file (needs the ``osm`` extra).

        Edges without ``maxspeed`` get the speed of their ``highway`` class from
        ``speeds_kph`` (default :data:`RURAL_SPEEDS_KPH`), and
        :data:`FALLBACK_SPEED_KPH` for classes it lacks. The graph is projected to
        its local UTM zone, so coordinates are metres.
        """
        try:
            import osmnx as ox
        except ImportError as error:
            raise ImportError("reading OSM files needs osmnx: pip install 'central-dispatch[osm]'") from error
        path = Path(path)
        if not path.is_file():
            raise InputError(f"OSM file {str(path)!r} does not exist")
        try:
            graph = ox.graph_from_xml(path, bidirectional=False)
        except Exception as error:  # osmnx raises many kinds on bad XML
            raise InputError(f"cannot read OSM file {str(path)!r}: {error}") from error
        graph = ox.add_edge_speeds(graph, hwy_speeds=dict(speeds_kph), fallback=FALLBACK_SPEED_KPH)
        graph = ox.add_edge_travel_times(graph)
        return cls.from_networkx(ox.project_graph(graph))

    def to_networkx(self) -> nx.DiGraph[Any]:
        """A networkx DiGraph with ``x``, ``y``, ``travel_time`` and ``length``."""
        import networkx as nx

        graph: nx.DiGraph[Any] = nx.DiGraph(crs=self.crs)
        for label, (x, y) in zip(self.labels.tolist(), self.xy.tolist()):
            graph.add_node(label, x=x, y=y)
        labels = self.labels.tolist()
        graph.add_edges_from(
            (labels[u], labels[v], {"travel_time": t, "length": d})
            for u, v, t, d in zip(
                self.tails.tolist(), self.heads.tolist(), self.travel_time.tolist(), self.length.tolist()
            )
        )
        return graph

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
        label: Hashable = self.labels[node]
        return label.item() if isinstance(label, np.generic) else label

    def index(self, label: Hashable) -> int:
        """The index of the node labelled ``label``."""
        try:
            return self._index[label]
        except KeyError:
            raise InputError(f"no node labelled {label!r} in the road network") from None

    @cached_property
    def geographic(self) -> bool:
        """Whether coordinates are longitude/latitude degrees."""
        if self.crs is None:
            return False
        try:
            from pyproj import CRS
        except ImportError:
            return str(self.crs).lower() in {"epsg:4326", "epsg:4490", "ogc:crs84", "wgs84"}
        return bool(CRS.from_user_input(self.crs).is_geographic)

    def metric(self, points: ArrayLike) -> NDArray[np.float64]:
        """Coordinates in metres: as they are, or an equirectangular projection
        about the network's mean latitude if the CRS is geographic."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        if not self.geographic:
            return points
        lat0 = math.radians(float(self.xy[:, 1].mean()))
        return np.asarray(np.radians(points) * EARTH_RADIUS * np.array([math.cos(lat0), 1.0]))

    @cached_property
    def _kdtree(self) -> cKDTree:
        return cKDTree(self.metric(self.xy))

    @cached_property
    def main_component(self) -> NDArray[np.bool_]:
        """Mask of the nodes in the largest strongly connected component: from each
        of them every other one can be reached, and back."""
        _, component = connected_components(self.forward, directed=True, connection="strong")
        return np.asarray(component == np.bincount(component).argmax())

    # ------------------------------------------------------------------ snapping

    def snap(
        self,
        points: ArrayLike,
        *,
        max_distance: float = math.inf,
        names: Sequence[str] | None = None,
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The nearest node to each point and its straight-line distance in metres.

        Raises :class:`InputError` naming every point (by ``names``, e.g.
        ``"station 'zhuoshui'"``) farther than ``max_distance`` from any node.
        """
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        distance, node = self._kdtree.query(self.metric(points))
        names = names or [f"point {tuple(p)}" for p in points.tolist()]
        problems = far_from_road(names, distance, max_distance)
        if problems:
            raise InputError("locations off the road network", problems)
        return node.astype(np.int64), distance

    # ------------------------------------------------------------------ travel times

    def _dijkstra(self, nodes: ArrayLike, *, reverse: bool, limit: float, **options: Any) -> Any:
        nodes = np.atleast_1d(np.asarray(nodes, dtype=np.int64))
        bad = nodes[(nodes < 0) | (nodes >= self.n_nodes)]
        if len(bad):
            raise InputError(f"node indices out of range 0..{self.n_nodes - 1}: {bad.tolist()}")
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
        origins = np.atleast_1d(np.asarray(origins, dtype=np.int64))
        destinations = np.atleast_1d(np.asarray(destinations, dtype=np.int64))
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
        sources = np.atleast_1d(np.asarray(sources, dtype=np.int64))
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
        roots = np.atleast_1d(np.asarray(roots, dtype=np.int64))
        times, predecessors = self._dijkstra(roots, reverse=reverse, limit=limit, return_predecessors=True)
        return [
            Tree(root=int(r), times=times[k], predecessors=predecessors[k], reverse=reverse)
            for k, r in enumerate(roots.tolist())
        ]

    def shortest_path(self, origin: int, destination: int) -> Route:
        """The fastest route from ``origin`` to ``destination``.

        Raises :class:`UnreachableError` naming both nodes if there is none.
        """
        tree = self.tree(origin)
        try:
            nodes = tree.path(destination)
        except UnreachableError:
            raise UnreachableError(
                f"no road path from node {self.label(origin)!r} to node {self.label(destination)!r}"
            ) from None
        return Route(nodes=nodes, time=float(tree.times[destination]))
