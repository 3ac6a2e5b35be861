"""Decision latency: the Dispatcher against a naive networkx dispatcher.

Three settings: the demo county with every unit at its station; the demo county
with every unit on the road (returning from an earlier call); a 100,000-node road
graph with 30 stations and units on the road, for calls at villages and at
arbitrary points. The naive dispatcher runs one networkx Dijkstra from each
incident (on the reversed graph) and picks the free unit with the least ETA; both
must choose the same unit. p50 and p99 of the time per decision are printed with
their ratio (the naive dispatcher snaps calls anywhere to the nearest node, so
its choice is compared only for calls at villages). Run:
``python benchmarks/bench_dispatch.py``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import networkx as nx
import numpy as np

from dispatch import District, Incident, Station, Unit, UnitStatus, Village
from dispatch.datasets import demo_district
from dispatch.datasets.synthetic import synthetic_roads
from dispatch.network.convert import to_networkx
from dispatch.operate import Dispatcher
from dispatch.texttable import Table

SEED = 3
CALLS = 400
NAIVE_CALLS = 40


def big_district() -> District:
    """30 stations with two units each and 300 villages on a 100k-node graph."""
    rng = np.random.default_rng(SEED)
    roads = synthetic_roads(100_000, seed=SEED)
    main = np.flatnonzero(roads.main_component)
    nodes = rng.choice(main, 330, replace=False)
    stations = [Station(id=f"s{k}", location=tuple(roads.xy[n]), officers=6) for k, n in enumerate(nodes[:30])]
    units = [Unit(id=f"s{k}-{j}", station=f"s{k}") for k in range(30) for j in range(2)]
    villages = [Village(id=f"v{k}", location=tuple(roads.xy[n]), incident_rate=1.0) for k, n in enumerate(nodes[30:])]
    return District(name="100k-node synthetic", roads=roads, stations=stations, units=units, villages=villages)


def put_on_the_road(dispatcher: Dispatcher, rng: np.random.Generator) -> None:
    """Send every unit to a random village and start it home from there."""
    villages = [v.id for v in dispatcher.district.villages]
    for k in range(len(dispatcher.units)):
        decision = dispatcher.dispatch(
            Incident(id=f"warm{k}", village=villages[rng.integers(len(villages))]), at=dispatcher.now
        )
        assert decision.unit is not None
        dispatcher.arrive(decision.unit, dispatcher.now)
        dispatcher.clear(decision.unit, dispatcher.now)
    dispatcher.now += 120.0  # two minutes into their drives home


def settle(dispatcher: Dispatcher, unit: str, back_home: bool) -> None:
    """Put the unit just sent back where the setting wants it."""
    dispatcher.arrive(unit, dispatcher.now)
    dispatcher.clear(unit, dispatcher.now)
    if back_home:
        dispatcher.return_home(unit, dispatcher.now)


def naive(dispatcher: Dispatcher, graph: nx.DiGraph, incident: Incident) -> tuple[str, list[object]]:
    """One networkx Dijkstra from the incident, then the free unit with the least
    ETA and its route."""
    district = dispatcher.district
    roads = district.roads
    if incident.village is not None:
        target = int(district.village_nodes[district.village_index[incident.village]])
    else:
        target = int(roads.snap([incident.location])[0][0])
    distance, paths = nx.single_source_dijkstra(graph.reverse(copy=False), roads.label(target), weight="travel_time")
    best, chosen, start = math.inf, "", ""
    stations = set(district.station_index)
    for state in dispatcher.units:
        if state.post not in stations:  # NearestFree sends the district's own units only
            continue
        if state.status == UnitStatus.AVAILABLE:
            node = state.node
            eta = dispatcher.turnout + distance.get(roads.label(node), math.inf)
        elif state.status == UnitStatus.RETURNING:
            leg = state.leg
            k, remaining = leg.next_stop(dispatcher.now)
            stop = int(leg.stops[k])  # a point between nodes: its nearer node
            node = stop if stop >= 0 else int((leg.start if k == 0 else leg.finish).nearest_node[0])
            eta = remaining + distance.get(roads.label(node), math.inf)
        else:
            continue
        if eta < best:
            best, chosen, start = eta, state.unit, roads.label(node)
    return chosen, paths[start][::-1]


def measure(
    name: str, district: District, on_road: bool, make: Callable[[int, np.random.Generator], Incident]
) -> tuple[object, ...]:
    rng = np.random.default_rng(SEED)
    dispatcher = Dispatcher(district)
    dispatcher.tables.warm(district.village_nodes)
    if on_road:
        put_on_the_road(dispatcher, rng)
    graph = to_networkx(district.roads)
    ours, theirs = [], []
    for k in range(CALLS):
        incident = make(k, rng)
        expected = naive(dispatcher, graph, incident)[0] if k < NAIVE_CALLS else None
        if expected is not None:
            start = time.perf_counter()
            naive(dispatcher, graph, incident)
            theirs.append(time.perf_counter() - start)
        start = time.perf_counter()
        decision = dispatcher.dispatch(incident, at=dispatcher.now)
        ours.append(time.perf_counter() - start)
        assert decision.unit is not None
        if expected is not None and incident.village is not None:  # calls elsewhere meet the road between nodes
            assert decision.unit == expected, (decision.unit, expected)
        settle(dispatcher, decision.unit, back_home=not on_road)
    p50, p99 = np.percentile(ours, [50, 99]) * 1_000
    n50, n99 = np.percentile(theirs, [50, 99]) * 1_000
    return (name, district.roads.n_nodes, len(district.units), p50, p99, n50, n99, n50 / p50)


def main() -> None:
    demo = demo_district()
    big = big_district()

    def at_village(district: District) -> Callable[[int, np.random.Generator], Incident]:
        ids = [v.id for v in district.villages]
        return lambda k, rng: Incident(id=f"c{k}", village=ids[rng.integers(len(ids))])

    def anywhere(district: District) -> Callable[[int, np.random.Generator], Incident]:
        main_nodes = np.flatnonzero(district.roads.main_component)
        return lambda k, rng: Incident(id=f"c{k}", location=tuple(district.roads.xy[rng.choice(main_nodes)] + 20.0))

    rows = [
        measure("demo, units at stations", demo, False, at_village(demo)),
        measure("demo, units on the road", demo, True, at_village(demo)),
        measure("100k nodes, units on the road, calls at villages", big, True, at_village(big)),
        measure("100k nodes, units on the road, calls anywhere", big, True, anywhere(big)),
    ]
    print(
        Table(
            f"Decision latency in ms ({CALLS} calls; naive networkx on the first {NAIVE_CALLS}, same choices)",
            ("setting", "road nodes", "units", "p50", "p99", "naive p50", "naive p99", "speed-up (p50)"),
            tuple(rows),
            ("", ",", ",", ".3f", ".3f", ".1f", ".1f", ",.0f"),
        )
    )


if __name__ == "__main__":
    main()
