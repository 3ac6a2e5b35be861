"""What a planner would otherwise write: a SimPy model with networkx shortest paths.

The same rules as ``dispatch.simulate`` with the NearestFree policy: the nearest
free unit by road goes (a unit at its station after a turnout delay, a returning
unit from the next node on its way home); calls that find no free unit wait, most
urgent then oldest first, for the next unit to clear. Every call runs one networkx
Dijkstra from the incident on the reversed graph; every trip home one networkx
shortest path. Used by ``bench_response.py`` only (needs ``simpy``: the ``bench`` extra).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise

import networkx as nx
import numpy as np
import simpy

from dispatch import District
from dispatch.evaluate.demand import IncidentStream


@dataclass
class _Unit:
    name: str
    home: object
    status: str = "available"
    route: list[object] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    trip: simpy.Process | None = None


def simulate_simpy(
    district: District, graph: nx.DiGraph, stream: IncidentStream, calls: int, turnout: float
) -> list[str]:
    """Run the first ``calls`` calls on ``graph`` (the district's roads as a
    networkx graph, as a SimPy modeller would hold them); return the unit sent to
    each, in order."""
    reverse = graph.reverse(copy=False)
    label = district.roads.label
    station_node = {s.id: label(n) for s, n in zip(district.stations, district.station_nodes)}
    units = [_Unit(u.id, station_node[u.station]) for u in district.units if u.station in station_node]
    village_node = [label(n) for n in district.village_nodes]
    env = simpy.Environment()
    chosen: list[str] = [""] * calls
    waiting: list[tuple[int, float, int]] = []

    def eta(unit: _Unit, to_target: dict[object, float]) -> tuple[float, object]:
        if unit.status == "available":
            return turnout + to_target.get(unit.home, math.inf), unit.home
        k = min(int(np.searchsorted(unit.times, env.now, side="left")), len(unit.route) - 1)
        return max(unit.times[k] - env.now, 0.0) + to_target.get(unit.route[k], math.inf), unit.route[k]

    def send(k: int) -> bool:
        target = village_node[stream.village[k]]
        to_target = nx.single_source_dijkstra_path_length(reverse, target, weight="travel_time")
        best, pick = math.inf, None
        for unit in units:
            if unit.status in ("available", "returning"):
                time, _ = eta(unit, to_target)
                if time < best:
                    best, pick = time, unit
        if pick is None:
            return False
        if pick.trip is not None and pick.status == "returning":
            pick.trip.interrupt()
        chosen[k] = pick.name
        pick.status = "dispatched"
        pick.trip = env.process(serve(pick, k, best, target))
        return True

    def serve(unit: _Unit, k: int, eta_seconds: float, target: object) -> simpy.events.ProcessGenerator:
        yield env.timeout(eta_seconds)
        unit.status = "on scene"
        yield env.timeout(float(stream.service[k]))
        route = nx.dijkstra_path(graph, target, unit.home, weight="travel_time")
        lengths = [0.0] + [graph[a][b]["travel_time"] for a, b in pairwise(route)]
        unit.route, unit.times = route, list(env.now + np.cumsum(lengths))
        unit.status = "returning"
        unit.trip = env.process(drive_home(unit))
        for entry in sorted(waiting):
            if send(entry[2]):
                waiting.remove(entry)

    def drive_home(unit: _Unit) -> simpy.events.ProcessGenerator:
        try:
            yield env.timeout(unit.times[-1] - env.now)
        except simpy.Interrupt:
            return
        unit.status = "available"
        for entry in sorted(waiting):
            if send(entry[2]):
                waiting.remove(entry)

    def calls_arrive() -> simpy.events.ProcessGenerator:
        for k in range(calls):
            yield env.timeout(float(stream.time[k]) - env.now)
            if not send(k):
                waiting.append((int(stream.priority[k]), float(stream.time[k]), k))

    env.process(calls_arrive())
    env.run()
    return chosen
