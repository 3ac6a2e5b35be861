"""RoadNetwork: travel times against networkx, snapping, and bad input."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch import InputError, UnreachableError
from dispatch.network import RURAL_SPEEDS_KPH
from dispatch.network.convert import from_edges, from_networkx, from_osm_file, to_networkx

from ..conftest import DATA


@st.composite
def road_graphs(draw: st.DrawFn) -> nx.MultiDiGraph:
    """Small directed multigraphs: parallel edges, one-way streets, zero times,
    self-loops and parts that cannot be reached."""
    n = draw(st.integers(2, 12))
    graph = nx.MultiDiGraph()
    for i in range(n):
        graph.add_node(i, x=float(i), y=float(i % 3))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(0, 50)), max_size=40))
    for u, v, t in edges:
        graph.add_edge(u, v, travel_time=float(t))
    return graph


@settings(max_examples=200, deadline=None)
@given(road_graphs())
def test_travel_times_equal_networkx_dijkstra_exactly(graph: nx.MultiDiGraph) -> None:
    roads = from_networkx(graph)
    nodes = list(graph.nodes)
    ours = roads.times_from(np.arange(len(nodes)))
    for i, source in enumerate(nodes):
        theirs = nx.single_source_dijkstra_path_length(graph, source, weight="travel_time")
        expected = [theirs.get(target, math.inf) for target in nodes]
        assert ours[i].tolist() == expected
    assert np.array_equal(roads.times_to(np.arange(len(nodes))), ours.T)


@settings(max_examples=100, deadline=None)
@given(road_graphs(), st.data())
def test_matrix_partition_and_paths_agree_with_networkx(graph: nx.MultiDiGraph, data: st.DataObject) -> None:
    roads = from_networkx(graph)
    n = roads.n_nodes
    sources = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4))
    targets = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=6))
    full = roads.times_from(np.arange(n))
    assert np.array_equal(roads.travel_times(sources, targets), full[np.ix_(sources, targets)])

    partition = roads.nearest_source(sources)
    nearest = nx.multi_source_dijkstra_path_length(graph, set(sources), weight="travel_time")
    for v in range(n):
        assert partition.time[v] == nearest.get(v, math.inf)
        if partition.source[v] >= 0:
            assert full[sources[partition.source[v]], v] == partition.time[v]
        else:
            assert v not in nearest

    origin, destination = sources[0], targets[0]
    if math.isinf(full[origin, destination]):
        with pytest.raises(UnreachableError, match=f"node {origin} to node {destination}"):
            roads.shortest_path(origin, destination)
    else:
        route = roads.shortest_path(origin, destination)
        assert route.nodes[0] == origin and route.nodes[-1] == destination
        hops = sum(
            min(d["travel_time"] for d in graph[u][v].values()) for u, v in zip(route.nodes[:-1], route.nodes[1:])
        )
        assert hops == route.time == nx.dijkstra_path_length(graph, origin, destination, weight="travel_time")


def test_parallel_edges_keep_the_minimum_not_the_sum() -> None:
    roads = from_edges([("a", "b", 5.0), ("a", "b", 7.0)], {"a": (0, 0), "b": (1, 0)})
    assert roads.n_edges == 1
    assert roads.times_from([0])[0, 1] == 5.0


def test_one_way_streets_stay_one_way() -> None:
    roads = from_edges([("a", "b", 5.0)], {"a": (0, 0), "b": (1, 0)})
    assert roads.times_from([0]).tolist() == [[0.0, 5.0]]
    assert roads.times_from([1]).tolist() == [[math.inf, 0.0]]
    assert roads.times_to([1]).tolist() == [[5.0, 0.0]]


def test_an_undirected_graph_is_driven_both_ways() -> None:
    graph = nx.Graph()
    graph.add_node("a", x=0, y=0)
    graph.add_node("b", x=1, y=0)
    graph.add_edge("a", "b", travel_time=4.0, length=60.0)
    roads = from_networkx(graph)
    assert roads.travel_times([0, 1], [0, 1]).tolist() == [[0.0, 4.0], [4.0, 0.0]]
    assert roads.length.tolist() == [60.0, 60.0]


def test_zero_time_edges_are_edges() -> None:
    roads = from_edges([("a", "b", 0.0), ("b", "c", 3.0)], {"a": (0, 0), "b": (1, 0), "c": (2, 0)})
    assert roads.times_from([0]).tolist() == [[0.0, 0.0, 3.0]]


def test_a_time_limit_cuts_the_tree_and_the_path_beyond_it_is_unreachable() -> None:
    roads = from_edges([("a", "b", 10.0), ("b", "c", 10.0)], {"a": (0, 0), "b": (1, 0), "c": (2, 0)})
    tree = roads.tree(0, limit=15.0)
    assert tree.times.tolist() == [0.0, 10.0, math.inf]
    assert tree.path(1).tolist() == [0, 1]
    with pytest.raises(UnreachableError, match="node 0 to node 2"):
        tree.path(2)


def test_a_reverse_tree_gives_paths_towards_its_root() -> None:
    roads = from_edges([("a", "b", 1.0), ("b", "c", 2.0), ("c", "a", 9.0)], {"a": (0, 0), "b": (1, 0), "c": (2, 0)})
    tree = roads.tree(2, reverse=True)
    assert tree.times.tolist() == [3.0, 2.0, 0.0]
    assert tree.path(0).tolist() == [0, 1, 2]


def test_the_network_is_frozen() -> None:
    roads = from_edges([("a", "b", 1.0)], {"a": (0, 0), "b": (1, 0)})
    with pytest.raises(ValueError, match="read-only"):
        roads.travel_time[0] = 2.0


def test_snapping_finds_the_nearest_node_and_refuses_far_points() -> None:
    roads = from_edges([("a", "b", 1.0)], {"a": (0, 0), "b": (100, 0)})
    node, distance = roads.snap([(90, 5), (1, 1)])
    assert node.tolist() == [1, 0]
    assert distance[0] == pytest.approx(math.hypot(10, 5))
    with pytest.raises(InputError, match=r"station 'far' is 5,000 m from the nearest road node"):
        roads.snap([(100, 5_000)], max_distance=1_000, names=["station 'far'"])


def test_snapping_in_longitude_latitude_measures_metres() -> None:
    # 0.01 degrees of latitude is about 1,112 m anywhere.
    roads = from_edges([("a", "b", 1.0)], {"a": (108.0, 29.0), "b": (108.1, 29.0)}, crs="EPSG:4326")
    assert roads.geographic
    _, distance = roads.snap([(108.0, 29.01)])
    assert distance[0] == pytest.approx(1_112, rel=0.01)


def _graph_with_edge(**attributes: object) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    graph.add_node("a", x=0.0, y=0.0)
    graph.add_node("b", x=1.0, y=0.0)
    graph.add_edge("a", "b", **attributes)
    return graph


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"travel_time": math.nan}, r"edge 'a' -> 'b': nan"),  # NaN time
        ({"travel_time": -3.0}, r"edge 'a' -> 'b': -3.0"),  # negative time
        ({"travel_time": math.inf}, r"edge 'a' -> 'b': inf"),  # infinite time
        ({"length": 10.0}, r"edge 'a' -> 'b': travel_time is None"),  # missing time
        ({"travel_time": "12"}, r"edge 'a' -> 'b': travel_time is '12'"),  # a string, not a number
    ],
)
def test_bad_travel_times_are_refused_naming_the_edge(attributes: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        from_networkx(_graph_with_edge(**attributes))


def test_nodes_without_coordinates_are_named() -> None:
    graph = nx.DiGraph()
    graph.add_edge("a", "b", travel_time=1.0)
    with pytest.raises(InputError, match=r"(?s)'x' and 'y'.*'a'"):
        from_networkx(graph)


def test_edges_to_nodes_without_position_are_named() -> None:
    with pytest.raises(InputError, match="'ghost'"):
        from_edges([("a", "ghost", 1.0)], {"a": (0, 0)})


def test_an_osm_file_loads_with_rural_speeds_and_projected_metres() -> None:
    pytest.importorskip("osmnx")
    roads = from_osm_file(DATA / "osm" / "kouvola_drive.osm")
    assert roads.n_nodes == 229
    assert roads.crs == "EPSG:32635"  # UTM zone 35N: metres
    assert not roads.geographic
    speed_kph = roads.length / roads.travel_time * 3.6
    assert speed_kph.max() <= max(RURAL_SPEEDS_KPH.values()) + 1e-6
    # The network is reachable both ways in its main part, and directions matter.
    assert roads.main_component.sum() > 200
    assert not np.array_equal(roads.forward.toarray(), roads.backward.toarray())


def test_a_missing_osm_file_is_named() -> None:
    with pytest.raises(InputError, match="nowhere.osm"):
        from_osm_file("nowhere.osm")


def test_a_network_round_trips_through_networkx() -> None:
    roads = from_edges([("a", "b", 1.5), ("b", "a", 2.0)], {"a": (0, 0), "b": (1, 0)})
    again = from_networkx(to_networkx(roads))
    assert np.array_equal(again.times_from([0, 1]), roads.times_from([0, 1]))
