"""Road networks from other forms: edge lists, networkx and osmnx graphs, OSM files."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from ..errors import InputError, listed
from .graph import RoadNetwork

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["FALLBACK_SPEED_KPH", "RURAL_SPEEDS_KPH", "from_edges", "from_networkx", "from_osm_file", "to_networkx"]

Label = TypeVar("Label", bound=Hashable)

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
``maxspeed`` tag, used by :func:`from_osm_file`."""

FALLBACK_SPEED_KPH = 30.0
"""Speed for a ``highway`` class missing from :data:`RURAL_SPEEDS_KPH`."""


def from_edges(
    edges: Iterable[tuple[Label, Label, float]],
    positions: Mapping[Label, tuple[float, float]],
    *,
    bidirectional: bool = False,
    crs: str | None = None,
) -> RoadNetwork:
    """A network from ``(u, v, travel_time)`` triples and node positions.

    With ``bidirectional=True`` every edge also runs in reverse.

    Examples
    --------
    >>> roads = from_edges([("a", "b", 60.0)], {"a": (0, 0), "b": (900, 0)}, bidirectional=True)
    >>> roads.n_edges
    2
    """
    labels = list(positions)
    index = {label: i for i, label in enumerate(labels)}
    rows = list(edges)
    unknown = sorted({repr(x) for u, v, _ in rows for x in (u, v) if x not in index})
    if unknown:
        raise InputError("edges name nodes that have no position", listed(unknown))
    return RoadNetwork(
        labels,
        [positions[label] for label in labels],
        [index[u] for u, _, _ in rows],
        [index[v] for _, v, _ in rows],
        [float(t) for _, _, t in rows],
        two_way=np.full(len(rows), bidirectional),
        crs=crs,
    )


def from_networkx(graph: nx.Graph[Any], *, weight: str = "travel_time") -> RoadNetwork:
    """A network from a networkx graph whose nodes have ``x`` and ``y``.

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
    crs: Any = graph.graph.get("crs")
    if crs is not None:
        crs = str(crs.to_string() if hasattr(crs, "to_string") else crs)  # maybe a pyproj CRS
    two_way = np.full(len(tails), not graph.is_directed())
    return RoadNetwork(labels, xy, tails, heads, times, length=lengths, two_way=two_way, crs=crs)


def from_osm_file(path: str | Path, *, speeds_kph: Mapping[str, float] = RURAL_SPEEDS_KPH) -> RoadNetwork:
    """Drivable roads from an OSM XML file or an osmnx GraphML file (needs the
    ``osm`` extra).

    Edges without ``maxspeed`` get the speed of their ``highway`` class from
    ``speeds_kph`` (default :data:`RURAL_SPEEDS_KPH`), and
    :data:`FALLBACK_SPEED_KPH` for classes it lacks; a GraphML graph that has
    ``travel_time`` keeps it. Where osmnx merged ways into one edge, its list of
    classes is sorted first, so the same file gives the same times under any
    ``PYTHONHASHSEED``. The graph is projected to its local UTM zone, so
    coordinates are metres.
    """
    try:
        import osmnx as ox
    except ImportError as error:
        raise ImportError("reading OSM files needs osmnx: pip install 'central-dispatch[osm]'") from error
    path = Path(path)
    if not path.is_file():
        raise InputError(f"OSM file {str(path)!r} does not exist")
    graphml = path.suffix.lower() == ".graphml"
    try:
        graph = ox.load_graphml(path) if graphml else ox.graph_from_xml(path, bidirectional=False)
    except Exception as error:  # osmnx raises many kinds on bad XML
        raise InputError(f"cannot read OSM file {str(path)!r}: {error}") from error
    if not graphml or any("travel_time" not in d for _, _, d in graph.edges(data=True)):
        graph = ox.add_edge_speeds(_ordered_tags(graph), hwy_speeds=dict(speeds_kph), fallback=FALLBACK_SPEED_KPH)
        graph = ox.add_edge_travel_times(graph)
    return from_networkx(ox.project_graph(graph))


def _ordered_tags(graph: Any) -> Any:
    """``graph`` with list-valued ``highway`` and ``maxspeed`` tags sorted: osmnx
    leaves them in set order and speeds the first class."""
    for _, _, data in graph.edges(data=True):
        for tag in ("highway", "maxspeed"):
            if isinstance(data.get(tag), list):
                data[tag] = sorted(data[tag], key=str)
    return graph


def to_networkx(roads: RoadNetwork) -> nx.DiGraph[Any]:
    """A networkx DiGraph with ``x``, ``y``, ``travel_time`` and ``length`` (needs
    networkx, in the ``osm`` extra)."""
    try:
        import networkx as nx
    except ImportError as error:
        raise ImportError("to_networkx needs networkx: pip install 'central-dispatch[osm]'") from error
    graph: nx.DiGraph[Any] = nx.DiGraph(crs=roads.crs)
    labels = roads.labels.tolist()
    for label, (x, y) in zip(labels, roads.xy.tolist()):
        graph.add_node(label, x=x, y=y)
    graph.add_edges_from(
        (labels[u], labels[v], {"travel_time": t, "length": d})
        for u, v, t, d in zip(
            roads.tails.tolist(), roads.heads.tolist(), roads.travel_time.tolist(), roads.length.tolist()
        )
    )
    return graph
