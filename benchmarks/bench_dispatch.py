"""Decision latency: the Dispatcher against dispatchers a user would write by hand.

Four settings: the demo county with every unit at its station; the demo county
with every unit on the road (returning from an earlier call); a 100,000-node road
graph with 30 stations and units on the road, for calls at villages and at
arbitrary points. Every dispatcher answers the same calls, NearestFree:

- dispatch, its travel tables built on first use (the searches from each station
  when the Dispatcher is made, the search towards a village at its first call);
- dispatch with the searches towards every village built ahead (``tables.warm``),
  as an operational system would;
- a competent dispatcher written with scipy, and the same written with networkx:
  one tree from each station, made once; per call, the ETA of every unit at its
  station from those trees, and a reverse Dijkstra from the incident cut at the
  best ETA found so far (a returning unit can always drive home and on) for the
  units on the road, each search cached per target and reused while its cut
  reaches far enough;
- a naive dispatcher: one full networkx Dijkstra from the incident per call (on
  its first ``NAIVE_CALLS`` calls only: it takes about a second a call on 100k nodes).

Each returns the unit and its route, and all must choose the same unit for every
call at a village. A call anywhere meets the road at the nearest point of the
nearest road segment in dispatch, but at the nearest node in the hand-written
dispatchers, so there the units they choose are counted, not required, alike.
The one-off costs (the Dispatcher and its tables; the baselines' station trees
and scipy matrix) are timed apart and added to the calls' total; the units are
put on the road by untimed calls before the timed ones. The hand-written
dispatchers start from the networkx graph for free.

Run: ``python benchmarks/bench_dispatch.py``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
from common import paragraph, progress, ratio, sig, table
from scipy.sparse.csgraph import dijkstra

from dispatch import District, Incident, RoadNetwork, Station, Unit, UnitStatus, Village
from dispatch.datasets import demo_district, zhuoshui_shuishi
from dispatch.datasets.synthetic import synthetic_roads
from dispatch.network.convert import to_networkx
from dispatch.network.search import POINT_AT_START, joined
from dispatch.operate import Dispatcher
from dispatch.operate.travel import Leg

SEED = 3
CALLS = 2_000  # about six a village: enough for the caches built on first use to pay
NAIVE_CALLS = 40


# ---------------------------------------------------------------------- the settings


def big_district() -> District:
    """30 stations with two units each and 300 villages on a 100k-node graph."""
    return district_on(synthetic_roads(100_000, seed=SEED), "100k-node synthetic")


def district_on(roads: RoadNetwork, name: str) -> District:
    """30 stations with two units each and 300 villages at random nodes of the
    main part of ``roads``."""
    rng = np.random.default_rng(SEED)
    main = np.flatnonzero(roads.main_component)
    nodes = rng.choice(main, 330, replace=False)
    stations = [Station(id=f"s{k}", location=tuple(roads.xy[n]), officers=6) for k, n in enumerate(nodes[:30])]
    units = [Unit(id=f"s{k}-{j}", station=f"s{k}") for k in range(30) for j in range(2)]
    villages = [Village(id=f"v{k}", location=tuple(roads.xy[n]), incident_rate=1.0) for k, n in enumerate(nodes[30:])]
    return District(name=name, roads=roads, stations=stations, units=units, villages=villages)


Calls = Callable[[int, np.random.Generator], Incident]


def at_villages(district: District) -> Calls:
    ids = [v.id for v in district.villages]
    return lambda k, rng: Incident(id=f"c{k}", village=ids[rng.integers(len(ids))])


def anywhere(district: District) -> Calls:
    """A random point of a random road of the main part, 5 m off it (drawn again
    while it would meet the road, or have its nearest node, on a part cut off
    from the rest)."""
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
            if joined(inside, roads.locate([point]))[0] and main[roads.snap([point])[0][0]]:
                return Incident(id=f"c{k}", location=(float(point[0]), float(point[1])))

    return make


# ---------------------------------------------------------------------- what every dispatcher sees


@dataclass(frozen=True)
class Seen:
    """A free unit of the district's stations as the dispatch room sees it."""

    unit: str
    station: int
    leg: Leg | None  # its drive home when returning; None at its station


def free_units(dispatcher: Dispatcher) -> list[Seen]:
    """The units NearestFree may send, in district order."""
    index = dispatcher.district.station_index
    return [
        Seen(state.unit, index[state.post], state.leg if state.status == UnitStatus.RETURNING else None)
        for state in dispatcher.units
        if state.post in index and state.status in (UnitStatus.AVAILABLE, UnitStatus.RETURNING)
    ]


def target_of(district: District, incident: Incident) -> int:
    """The incident's road node: its village's, or the nearest to its location."""
    if incident.village is not None:
        return int(district.village_nodes[district.village_index[incident.village]])
    return int(district.roads.snap([incident.location])[0][0])


def stop_node(leg: Leg, k: int) -> int:
    """The road node of stop ``k`` of ``leg``: a point between nodes (where the
    drive starts or ends) counts as its nearer node."""
    stop = int(leg.stops[k])
    if stop >= 0:
        return stop
    return int((leg.start if stop == POINT_AT_START else leg.finish).nearest_node[0])


# ---------------------------------------------------------------------- dispatchers written by hand


class Naive:
    """One full networkx Dijkstra from the incident on the reversed graph a call."""

    def __init__(self, district: District, graph: nx.DiGraph, turnout: float) -> None:
        self.district, self.turnout = district, turnout
        self.reverse = graph.reverse(copy=False)
        self.label = district.roads.labels.tolist()
        self.station_label = [self.label[n] for n in district.station_nodes]

    def choose(self, incident: Incident, seen: Sequence[Seen], now: float) -> tuple[str, list[Hashable]]:
        target = self.label[target_of(self.district, incident)]
        distance, paths = nx.single_source_dijkstra(self.reverse, target, weight="travel_time")
        best, chosen, start = math.inf, "", target
        for unit in seen:
            if unit.leg is None:
                node, eta = self.station_label[unit.station], self.turnout
            else:
                k, eta = unit.leg.next_stop(now)
                node = self.label[stop_node(unit.leg, k)]
            eta += distance.get(node, math.inf)
            if eta < best:
                best, chosen, start = eta, unit.unit, node
        return chosen, paths[start][::-1]


class Competent:
    """Station trees once; per call, a reverse search cut at the best ETA known,
    cached per target. Subclasses search with scipy or networkx."""

    def __init__(self, district: District, graph: nx.DiGraph, turnout: float) -> None:
        self.district, self.graph, self.turnout = district, graph, turnout
        self.label = district.roads.labels.tolist()
        self.cache: dict[int, tuple[float, Any]] = {}
        self.build()

    def build(self) -> None:
        raise NotImplementedError

    def station_time(self, station: int, target: int) -> float:
        raise NotImplementedError

    def station_path(self, station: int, target: int) -> list[Hashable]:
        raise NotImplementedError

    def search(self, target: int, cut: float) -> tuple[Callable[[int], float], Callable[[int], list[Hashable]]]:
        """Times from every node within ``cut`` to ``target``, and paths there."""
        raise NotImplementedError

    def towards(self, target: int, bound: float) -> Any:
        cut = bound * (1 + 1e-9) + 1e-6  # rounding must never drop the unit that set the bound
        found = self.cache.get(target)
        if found is None or found[0] < cut:
            found = self.cache[target] = (cut, self.search(target, cut))
        return found[1]

    def choose(self, incident: Incident, seen: Sequence[Seen], now: float) -> tuple[str, list[Hashable]]:
        target = target_of(self.district, incident)
        from_station = [self.station_time(u.station, target) for u in seen]
        # The best ETA known before any search: units at their stations, and
        # returning units driving home and on from there.
        bound = min(
            (self.turnout if u.leg is None else max(u.leg.end - now, 0.0)) + t for u, t in zip(seen, from_station)
        )
        if any(u.leg is not None for u in seen):
            time_to, path_from = self.towards(target, bound)
        best, chosen, origin = math.inf, seen[0], -1
        for unit, t in zip(seen, from_station):
            if unit.leg is None:
                eta, node = self.turnout + t, -1
            else:
                k, remaining = unit.leg.next_stop(now)
                node = stop_node(unit.leg, k)
                eta = remaining + time_to(node)
            if eta < best:
                best, chosen, origin = eta, unit, node
        route = self.station_path(chosen.station, target) if chosen.leg is None else path_from(origin)
        return chosen.unit, route


class CompetentScipy(Competent):
    """The competent dispatcher on a scipy CSR matrix built from the graph."""

    def build(self) -> None:
        self.matrix = nx.to_scipy_sparse_array(self.graph, nodelist=self.label, weight="travel_time", format="csr")
        self.reverse = self.matrix.T.tocsr()
        self.times, self.predecessors = dijkstra(
            self.matrix, indices=self.district.station_nodes, return_predecessors=True
        )

    def station_time(self, station: int, target: int) -> float:
        return float(self.times[station, target])

    def station_path(self, station: int, target: int) -> list[Hashable]:
        return walk(self.predecessors[station], target)[::-1]

    def search(self, target: int, cut: float) -> tuple[Callable[[int], float], Callable[[int], list[Hashable]]]:
        times, predecessors = dijkstra(self.reverse, indices=target, limit=cut, return_predecessors=True)
        return (lambda node: float(times[node])), (lambda node: walk(predecessors, node))


def walk(predecessors: np.ndarray, node: int) -> list[Hashable]:
    """From ``node`` up a scipy predecessor array to its root."""
    path = [node]
    while (node := int(predecessors[node])) >= 0:
        path.append(node)
    return path


class CompetentNetworkx(Competent):
    """The competent dispatcher on the networkx graph itself."""

    def build(self) -> None:
        self.reverse = self.graph.reverse(copy=False)
        self.trees = [
            nx.dijkstra_predecessor_and_distance(self.graph, self.label[s], weight="travel_time")
            for s in self.district.station_nodes
        ]

    def station_time(self, station: int, target: int) -> float:
        return float(self.trees[station][1].get(self.label[target], math.inf))

    def station_path(self, station: int, target: int) -> list[Hashable]:
        return chase(self.trees[station][0], self.label[target])[::-1]

    def search(self, target: int, cut: float) -> tuple[Callable[[int], float], Callable[[int], list[Hashable]]]:
        predecessors, times = nx.dijkstra_predecessor_and_distance(
            self.reverse, self.label[target], cutoff=cut, weight="travel_time"
        )
        return (lambda node: float(times.get(self.label[node], math.inf))), (
            lambda node: chase(predecessors, self.label[node])
        )


def chase(predecessors: dict[Hashable, list[Hashable]], node: Hashable) -> list[Hashable]:
    """From ``node`` up networkx's predecessor lists to the root."""
    path = [node]
    while predecessors[node]:
        node = predecessors[node][0]
        path.append(node)
    return path


# ---------------------------------------------------------------------- the measurement


@dataclass
class Entry:
    """One dispatcher in one setting: its one-off time and the time of each call."""

    name: str
    build: float
    calls: int
    seconds: list[float]
    same: int = 0  # calls on which it chose dispatch's unit


def send_and_settle(dispatchers: Sequence[Dispatcher], incident: Incident, back_home: bool) -> tuple[str, list[float]]:
    """Dispatch ``incident`` on every Dispatcher (each must choose the same unit),
    then put that unit back where the setting wants it: the unit, and the
    seconds each dispatcher took to choose it."""
    seconds, units = [], []
    for dispatcher in dispatchers:
        start = time.perf_counter()
        decision = dispatcher.dispatch(incident, at=dispatcher.now)
        seconds.append(time.perf_counter() - start)
        assert decision.unit is not None
        units.append(decision.unit)
        dispatcher.arrive(decision.unit, dispatcher.now)
        dispatcher.clear(decision.unit, dispatcher.now)
        if back_home:
            dispatcher.return_home(decision.unit, dispatcher.now)
    assert len(set(units)) == 1, units
    return units[0], seconds


def measure(district: District, on_road: bool, calls: Calls) -> list[Entry]:
    """Every dispatcher on the same calls: the first entry is dispatch with its
    tables built on first use, the reference of the ratios."""
    rng = np.random.default_rng(SEED)
    graph = to_networkx(district.roads)
    turnout = 60.0
    start = time.perf_counter()
    lazy = Dispatcher(district, turnout=turnout)
    built_lazy = time.perf_counter() - start
    start = time.perf_counter()
    ahead = Dispatcher(district, turnout=turnout)
    ahead.tables.warm()
    built_ahead = time.perf_counter() - start
    entries = [
        Entry("dispatch, tables built on first use", built_lazy, CALLS, []),
        Entry("dispatch, searches towards villages built ahead", built_ahead, CALLS, []),
    ]
    baselines: list[Naive | Competent] = []
    for name, kind, n in (
        ("competent, scipy", CompetentScipy, CALLS),
        ("competent, networkx", CompetentNetworkx, CALLS),
        ("naive, networkx", Naive, NAIVE_CALLS),
    ):
        start = time.perf_counter()
        baselines.append(kind(district, graph, turnout))
        entries.append(Entry(name, time.perf_counter() - start, n, []))
    if on_road:  # every unit to a random village, then two minutes into its drive home
        ids = [v.id for v in district.villages]
        for k in range(len(district.units)):
            send_and_settle([lazy, ahead], Incident(id=f"warm{k}", village=ids[rng.integers(len(ids))]), False)
        lazy.now = ahead.now = lazy.now + 120.0
    for k in range(CALLS):
        incident = calls(k, rng)
        seen = free_units(lazy)
        chosen = []
        for baseline, entry in zip(baselines, entries[2:]):
            if k < entry.calls:
                start = time.perf_counter()
                unit, route = baseline.choose(incident, seen, lazy.now)
                entry.seconds.append(time.perf_counter() - start)
                assert route
                chosen.append((entry, unit))
        unit, seconds = send_and_settle([lazy, ahead], incident, back_home=not on_road)
        for entry, took in zip(entries, seconds):
            entry.seconds.append(took)
        for entry, theirs in chosen:
            entry.same += theirs == unit
        assert incident.village is None or all(theirs == unit for _, theirs in chosen), (incident.id, unit, chosen)
    return entries


def rows(entries: Sequence[Entry]) -> tuple[list[tuple[str, ...]], dict[str, tuple[float, float]]]:
    """Table rows, and each dispatcher's ratios to the reference (the first
    entry) on the same calls: (one-off + calls, p50)."""
    reference = entries[0]
    out, ratios = [], {}
    for entry in entries:
        calls = np.array(entry.seconds)
        same = np.array(reference.seconds[: entry.calls])
        total, reference_total = entry.build + calls.sum(), reference.build + same.sum()
        p50, p99 = np.percentile(calls, [50, 99]) * 1_000
        ratios[entry.name] = (total / reference_total, np.median(calls) / np.median(same))
        shown = ("", "") if entry is reference else tuple(ratio(r) for r in ratios[entry.name])
        same = f"{entry.same:,}" if entry.same else ""
        out.append((entry.name, f"{entry.calls:,}", sig(entry.build), sig(p50), sig(p99), sig(total), *shown, same))
    return out, ratios


def first_call() -> tuple[float, float]:
    """The first decision in this process and a later one, in seconds: the
    warm-up the first pays is a one-off, paid here before anything is timed."""
    dispatcher = Dispatcher(zhuoshui_shuishi(), turnout=0.0)
    seconds = []
    for k in range(2):
        start = time.perf_counter()
        unit = dispatcher.dispatch(Incident(id=f"warm-up {k}", village="yantang")).unit
        seconds.append(time.perf_counter() - start)
        assert unit is not None
        dispatcher.arrive(unit, 0.0)
        dispatcher.clear(unit, 0.0)
        dispatcher.return_home(unit, 0.0)
    return seconds[0], seconds[1]


def main() -> None:
    first, later = first_call()
    demo = demo_district()
    big = big_district()
    settings = [
        ("demo county, units at their stations, calls at villages", demo, False, at_villages(demo)),
        ("demo county, units on the road, calls at villages", demo, True, at_villages(demo)),
        ("100k nodes, units on the road, calls at villages", big, True, at_villages(big)),
        ("100k nodes, units on the road, calls anywhere", big, True, anywhere(big)),
    ]
    tables, found = [], []
    for name, district, on_road, calls in settings:
        progress(name)
        table_rows, ratios = rows(measure(district, on_road, calls))
        size = f"{district.roads.n_nodes:,} road nodes, {len(district.stations)} stations, {len(district.units)} units"
        tables.append((f"{name} ({size})", table_rows))
        found.append(ratios)

    def span(name: str, which: int) -> str:
        values = [r[name][which] for r in found]
        return f"{ratio(min(values))[:-1]}–{ratio(max(values))}"

    paragraph(
        "Like for like: a competent dispatcher written with scipy (a tree from each station made once, then per",
        "call a reverse search from the incident cut at the best ETA those trees give, cached per target) takes",
        f"**{span('competent, scipy', 0)}** dispatch's time over the same {CALLS} calls, one-off costs included on",
        f"both sides, and {span('competent, scipy', 1)} at the median call; written with networkx it takes",
        f"{span('competent, networkx', 0)} (median call {span('competent, networkx', 1)}).",
        f"The naive networkx dispatcher's median call takes {span('naive, networkx', 1)} dispatch's: a flattering",
        "figure, as it searches the whole graph on every call.",
    )
    paragraph(
        "Ratios (×) are a dispatcher's time over dispatch's (tables built on first use) on the same calls: for",
        "one-off + calls, each side's one-off cost plus its calls; the naive dispatcher answers only the first",
        f"{NAIVE_CALLS} calls. Every dispatcher chose the same unit on every call at a village; a call anywhere",
        "meets the road between nodes in dispatch and at the nearest node in the others, so there they may differ",
        "(the last column counts the calls on which a hand-written one chose dispatch's unit).",
        "One-off: the Dispatcher with its searches from the stations (and, built ahead, the searches towards every",
        "village); the hand-written ones'",
        "station trees (and the scipy matrix made from the networkx graph). The first decision in a fresh",
        f"process took {sig(first * 1_000)} ms against {sig(later * 1_000)} ms for the next: that warm-up is paid",
        "before the timed calls.",
    )
    columns = (
        "dispatcher",
        "calls",
        "one-off s",
        "p50 ms",
        "p99 ms",
        "one-off + calls s",
        "× one-off + calls",
        "× p50",
        "same unit",
    )
    for title, table_rows in tables:
        table(title, columns, table_rows, ("", "s", "s", "s", "s", "s", "s", "s", "s"))


if __name__ == "__main__":
    main()
