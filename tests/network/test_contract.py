"""The contracted network and places on edges, against networkx on the full graph
(with the point inserted as a node): one-way streets, parallel edges, zero times,
self-loops and rings of chain nodes."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch import InputError
from dispatch.network.convert import from_edges, from_networkx
from dispatch.network.kernels import stopped_search, way_down
from dispatch.network.search import POINT_AT_END, POINT_AT_START, place_times, route, towards

from .test_graph import road_graphs


@st.composite
def chain_graphs(draw: st.DrawFn) -> nx.MultiDiGraph:
    """Road-like graphs: junctions joined by chains of bends, some one-way, plus
    the odd parallel edge, self-loop, zero time and ring of bends."""
    graph = nx.MultiDiGraph()
    junctions = draw(st.integers(1, 5))
    for j in range(junctions):
        graph.add_node(j, x=float(100 * j), y=0.0)
    next_id = junctions
    for _ in range(draw(st.integers(0, 8))):
        a, b = draw(st.integers(0, junctions - 1)), draw(st.integers(0, junctions - 1))
        bends = draw(st.integers(0, 4))
        one_way = draw(st.booleans())
        path = [a, *range(next_id, next_id + bends), b]
        for k, node in enumerate(path[1:-1]):
            graph.add_node(node, x=float(100 * a + 10 * (k + 1)), y=float(10 * (k + 1)))
        next_id += bends
        for u, v in itertools.pairwise(path):
            if u == v:
                continue
            graph.add_edge(u, v, travel_time=float(draw(st.integers(0, 30))))
            if not one_way:
                graph.add_edge(v, u, travel_time=float(draw(st.integers(0, 30))))
    if draw(st.booleans()):  # a ring of bends with no junction on it
        ring = list(range(next_id, next_id + 3))
        for k, node in enumerate(ring):
            graph.add_node(node, x=500.0 + 10 * k, y=500.0)
        for u, v in zip(ring, ring[1:] + ring[:1]):
            graph.add_edge(u, v, travel_time=float(draw(st.integers(1, 9))))
    if draw(st.booleans()) and len(graph) > 1:
        u = draw(st.sampled_from(sorted(graph.nodes)))
        graph.add_edge(u, u, travel_time=1.0)  # a self-loop
    return graph


def with_point(graph: nx.DiGraph, tail: object, head: object, share: float, name: object) -> nx.DiGraph:
    """``graph`` with node ``name`` inserted ``share`` of the way along the
    road between ``tail`` and ``head``, each way an edge runs."""
    graph = graph.copy()
    for a, b, part in ((tail, head, share), (head, tail, 1.0 - share)):
        if graph.has_edge(a, b):
            data = graph[a][b]
            t = min(d["travel_time"] for d in data.values()) if graph.is_multigraph() else data["travel_time"]
            graph.add_edge(a, name, travel_time=part * t)
            graph.add_edge(name, b, travel_time=(1.0 - part) * t)
    return graph


@settings(max_examples=150, deadline=None)
@given(st.one_of(road_graphs(), chain_graphs()))
def test_times_between_nodes_on_the_contracted_network_equal_networkx_exactly(graph: nx.MultiDiGraph) -> None:
    roads = from_networkx(graph)
    nodes = roads.places(np.arange(roads.n_nodes))
    ours = place_times(roads.core, nodes, nodes)
    for i, source in enumerate(roads.labels.tolist()):
        theirs = nx.single_source_dijkstra_path_length(graph, source, weight="travel_time")
        assert ours[i].tolist() == [theirs.get(t, math.inf) for t in roads.labels.tolist()]
    assert roads.core.n_nodes <= roads.n_nodes


@settings(max_examples=150, deadline=None)
@given(st.one_of(road_graphs(), chain_graphs()), st.data())
def test_points_on_edges_are_reached_and_left_as_networkx_finds_with_the_point_inserted(
    graph: nx.MultiDiGraph, data: st.DataObject
) -> None:
    roads = from_networkx(graph)
    pairs = sorted({tuple(sorted((int(u), int(v)))) for u, v in zip(roads.tails, roads.heads) if u != v})
    if not pairs:
        return
    a, b = data.draw(st.sampled_from(pairs))
    share = data.draw(st.sampled_from([0.0, 0.25, 0.5, 1.0]) | st.floats(0.01, 0.99))
    xy = roads.xy[a] + share * (roads.xy[b] - roads.xy[a])
    point = roads.core.on_edges(np.array([a]), np.array([b]), np.array([share]), xy, np.zeros(1))
    if 0 < share < 1:
        label: object = ("point",)
        full = with_point(graph, roads.label(a), roads.label(b), share, label)
    else:  # a point at an end of its segment is that node
        label, full = roads.label(a if share == 0 else b), graph
    nodes = roads.places(np.arange(roads.n_nodes))
    out_of = nx.single_source_dijkstra_path_length(full, label, weight="travel_time")
    into = nx.single_source_dijkstra_path_length(full.reverse(copy=False), label, weight="travel_time")
    labels = roads.labels.tolist()
    expected_out = [out_of.get(t, math.inf) for t in labels]
    expected_in = [into.get(t, math.inf) for t in labels]
    assert place_times(roads.core, point, nodes)[0] == pytest.approx(expected_out, rel=1e-12, abs=1e-9)
    assert place_times(roads.core, nodes, point)[:, 0] == pytest.approx(expected_in, rel=1e-12, abs=1e-9)
    assert place_times(roads.core, point, point)[0, 0] == 0.0

    # The route from any node to the point, and from the point to any node,
    # drives real edges and takes the time found.
    node = data.draw(st.integers(0, roads.n_nodes - 1))
    for origin, destination, time in (
        (nodes[node], point, expected_in[node]),
        (point, nodes[node], expected_out[node]),
    ):
        if math.isinf(time):
            with pytest.raises(ValueError, match="no route"):
                route(roads.core, origin, destination, towards(roads.core, destination))
            continue
        stops, times = route(roads.core, origin, destination, towards(roads.core, destination))
        assert times[-1] == pytest.approx(time, rel=1e-12, abs=1e-9)
        assert np.all(np.diff(times) >= -1e-9)
        named = [label if s in (POINT_AT_START, POINT_AT_END) else labels[s] for s in stops.tolist()]
        if destination is point and point.node[0] < 0:
            assert stops[-1] == POINT_AT_END
        if origin is point and point.node[0] < 0:
            assert stops[0] == POINT_AT_START
        for (u, t0), (v, t1) in zip(zip(named, times), zip(named[1:], times[1:])):
            assert full.has_edge(u, v) or (u == label and v == label)
            if u != v:
                edge = min(d["travel_time"] for d in full[u][v].values())
                assert t1 - t0 == pytest.approx(edge, rel=1e-9, abs=1e-9)


def test_a_long_chain_contracts_to_its_two_ends() -> None:
    edges = [(k, k + 1, 10.0) for k in range(99)] + [(k + 1, k, 12.0) for k in range(99)]
    roads = from_edges(edges, {k: (float(k), 0.0) for k in range(100)})
    assert roads.core.n_nodes == 2
    assert place_times(roads.core, roads.places([0]), roads.places([99])).tolist() == [[990.0]]
    assert place_times(roads.core, roads.places([60]), roads.places([20])).tolist() == [[480.0]]


def test_a_call_on_a_one_way_road_is_reached_only_in_its_direction() -> None:
    # a -> b is one-way; b and a are also joined by a long way round through c.
    edges = [("a", "b", 100.0), ("b", "c", 50.0), ("c", "b", 50.0), ("c", "a", 50.0), ("a", "c", 50.0)]
    roads = from_edges(edges, {"a": (0, 0), "b": (1_000, 0), "c": (500, 800)})
    call = roads.locate([(750, 10)])  # three quarters of the way from a to b, 10 m off the road
    assert call.distance.tolist() == [10.0]
    a, b = roads.places([roads.index("a"), roads.index("b")])[[0]], roads.places([roads.index("b")])
    assert place_times(roads.core, a, call).tolist() == [[75.0]]  # straight along the one-way road
    assert place_times(roads.core, b, call).tolist() == [[175.0]]  # round through c and a: no driving against it
    assert place_times(roads.core, call, b).tolist() == [[25.0]]


def test_a_call_exactly_at_a_junction_of_many_roads_is_the_junction() -> None:
    spokes = [(0, k, 60.0) for k in range(1, 7)] + [(k, 0, 60.0) for k in range(1, 7)]
    xy = {0: (0.0, 0.0)} | {k: (1_000 * math.cos(k), 1_000 * math.sin(k)) for k in range(1, 7)}
    roads = from_edges(spokes, xy)
    call = roads.locate([(0.0, 0.0)])
    assert call.node.tolist() == [0] and call.distance.tolist() == [0.0]
    everywhere = roads.places(np.arange(7))
    assert place_times(roads.core, call, everywhere).tolist() == [[0.0] + [60.0] * 6]


def test_a_road_segment_of_zero_length_snaps_to_its_end() -> None:
    # b and c sit at the same spot: the road between them has no length.
    edges = [("a", "b", 30.0), ("b", "a", 30.0), ("b", "c", 5.0), ("c", "b", 5.0), ("c", "d", 30.0), ("d", "c", 30.0)]
    roads = from_edges(edges, {"a": (0, 0), "b": (300, 0), "c": (300, 0), "d": (300, 300)})
    call = roads.locate([(300, 0)])
    assert call.node[0] in (roads.index("b"), roads.index("c"))
    assert np.isfinite(place_times(roads.core, roads.places([0]), call)).all()


def test_a_location_far_from_every_road_names_the_call_and_the_distance() -> None:
    roads = from_edges([("a", "b", 100.0)], {"a": (0, 0), "b": (1_000, 0)})
    with pytest.raises(InputError, match=r"incident 'c9' is 5,000 m from the nearest road \(at most 1,000 m"):
        roads.locate([(500, 5_000)], max_distance=1_000, names=["incident 'c9'"])


def test_snapping_in_longitude_latitude_measures_metres_to_the_road() -> None:
    # Two nodes 0.01 degrees of longitude apart at 60 N: about 556 m.
    roads = from_edges([(0, 1, 60.0), (1, 0, 60.0)], {0: (25.0, 60.0), 1: (25.01, 60.0)}, crs="EPSG:4326")
    call = roads.locate([(25.005, 60.001)])  # half way along, 0.001 degrees (111 m) north
    assert call.share[0] == pytest.approx(0.5)
    assert call.distance[0] == pytest.approx(111.2, abs=0.5)


@settings(max_examples=150, deadline=None)
@given(st.one_of(road_graphs(), chain_graphs()), st.data())
def test_a_search_that_watches_starts_stops_only_once_it_knows_the_nearest_exactly(
    graph: nx.MultiDiGraph, data: st.DataObject
) -> None:
    """Towards a node, watching core nodes each with seconds before it: every
    node reached has networkx's time, every node nearer than where the search
    stopped is reached, each reached node's way down the search's tree ends
    where the search entered, and the least total (if it beats the best
    given) is found, ties included."""
    roads = from_networkx(graph)
    core, labels = roads.core, roads.labels.tolist()
    target = data.draw(st.integers(0, roads.n_nodes - 1))
    count = data.draw(st.integers(0, 6))
    watched = np.array(data.draw(st.lists(st.integers(0, core.n_nodes - 1), min_size=count, max_size=count)))
    offsets = np.array(data.draw(st.lists(st.integers(0, 60), min_size=count, max_size=count)), dtype=float)
    best = float(data.draw(st.sampled_from([math.inf, 0.0, 20.0, 45.0])))
    place = roads.places(np.array([target]))
    found = towards(core, place, watch=(watched.astype(np.int64), offsets, best))
    graph_in = (core.backward.indptr, core.backward.indices, core.backward.data)
    uncompiled = stopped_search.py_func(  # the same loops run by Python: the compiled ones match them
        *graph_in, place.enter[0], place.enter_time[0], math.inf, watched.astype(np.int64), offsets, best
    )
    assert uncompiled[0].tolist() == found.times.tolist() and uncompiled[2] == found.limit
    into = nx.single_source_dijkstra_path_length(graph.reverse(copy=False), labels[target], weight="travel_time")
    true = np.array([into.get(labels[node], math.inf) for node in core.nodes.tolist()])
    reached = np.isfinite(found.times[:-1])
    assert found.times[:-1][reached].tolist() == true[reached].tolist()
    assert reached[true < found.limit].all()
    for node in np.flatnonzero(reached).tolist():  # each reached node's way down the tree ends where it entered
        way = way_down(found.previous, node)
        assert way.tolist() == way_down.py_func(found.previous, node).tolist()
        assert found.previous[way[-1]] == core.n_nodes and found.times[way].tolist() == sorted(
            found.times[way], reverse=True
        )
    totals = offsets + true[watched] if count else np.zeros(0)
    least = float(totals.min(initial=math.inf))
    if least <= best and math.isfinite(least):
        assert (offsets + found.times[watched]).min() == least
        assert reached[watched[totals == least]].all()


def test_a_search_that_watches_a_near_start_reaches_no_farther_than_it() -> None:
    side = 10
    right = [(k, k + 1) for k in range(side * side) if k % side < side - 1]
    down = [(k, k + side) for k in range(side * (side - 1))]
    edges = [(a, b, 1.0) for u, v in right + down for a, b in ((u, v), (v, u))]
    roads = from_edges(edges, {k: (float(k % side), float(k // side)) for k in range(side * side)})
    core, corner = roads.core, roads.places(np.array([roads.index(0)]))
    near = int(core.index[roads.index(side + 1)])  # two roads from the corner
    found = towards(core, corner, watch=(np.array([near]), np.array([5.0]), math.inf))
    assert found.times[near] == 2.0
    assert found.limit == 3.0  # it stopped once nothing left could beat 5 + 2
    assert np.isfinite(found.times[:-1]).sum() == 5  # the nodes one and two roads away (the corner is a bend)
    assert np.isfinite(towards(core, corner).times[:-1]).sum() == core.n_nodes == side * side - 4
