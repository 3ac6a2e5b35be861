"""Shortest paths: dispatch's CSR Dijkstra against networkx on the same graphs.

For the demo county and synthetic road graphs of 50k and 100k nodes it times
(1) the station x node travel-time matrix and (2) the first-due partition (each
node's nearest station), checks that both libraries give the same answer, and
prints the times and the ratio. Run: ``python benchmarks/bench_network.py``.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
from common import best_of

from dispatch import RoadNetwork
from dispatch.datasets import demo_district
from dispatch.datasets.synthetic import synthetic_roads
from dispatch.network.convert import to_networkx
from dispatch.texttable import Table

N_STATIONS = 30
REPEAT = 3
SEED = 7


def networkx_matrix(graph: nx.DiGraph, sources: list[int], labels: list[int]) -> np.ndarray:
    rows = []
    for s in sources:
        lengths = nx.single_source_dijkstra_path_length(graph, labels[s], weight="travel_time")
        rows.append([lengths.get(label, math.inf) for label in labels])
    return np.array(rows)


def networkx_partition(graph: nx.DiGraph, sources: list[int], labels: list[int]) -> np.ndarray:
    position = {labels[s]: i for i, s in enumerate(sources)}
    cells = nx.voronoi_cells(graph, set(position), weight="travel_time")
    owner = {v: position[centre] for centre, cell in cells.items() if centre != "unreachable" for v in cell}
    return np.array([owner.get(label, -1) for label in labels])


def compare(name: str, roads: RoadNetwork, sources: np.ndarray) -> list[tuple[object, ...]]:
    graph = to_networkx(roads)
    labels = roads.labels.tolist()
    src = sources.tolist()
    ours_m, matrix = best_of(REPEAT, lambda: roads.times_from(sources))
    theirs_m, nx_matrix = best_of(1, lambda: networkx_matrix(graph, src, labels))
    assert np.allclose(matrix, nx_matrix, rtol=1e-12, atol=1e-9, equal_nan=False)
    ours_p, partition = best_of(REPEAT, lambda: roads.nearest_source(sources))
    theirs_p, nx_owner = best_of(1, lambda: networkx_partition(graph, src, labels))
    # Ties may go either way: check that each node's station is one of its nearest.
    nearest = matrix.min(axis=0)
    assert np.allclose(matrix[partition.source, np.arange(roads.n_nodes)], nearest)
    assert np.allclose(matrix[nx_owner, np.arange(roads.n_nodes)], nearest)
    return [
        (name, roads.n_nodes, len(sources), "station x node matrix", ours_m, theirs_m, theirs_m / ours_m),
        (name, roads.n_nodes, len(sources), "first-due partition", ours_p, theirs_p, theirs_p / ours_p),
    ]


def main() -> None:
    demo = demo_district()
    rows = compare("demo county", demo.roads, demo.station_nodes)
    rng = np.random.default_rng(SEED)
    for n in (50_000, 100_000):
        roads = synthetic_roads(n, seed=SEED)
        sources = np.sort(rng.choice(roads.n_nodes, N_STATIONS, replace=False))
        rows += compare(f"synthetic {n // 1000}k", roads, sources)
    print(
        Table(
            f"Shortest paths, best of {REPEAT} (networkx: one run)",
            ("graph", "nodes", "stations", "task", "dispatch s", "networkx s", "speed-up"),
            tuple(rows),
            ("", ",", ",", "", ".4f", ".3f", ".0f"),
        )
    )


if __name__ == "__main__":
    main()
