"""Shortest paths: dispatch's CSR Dijkstra against networkx on the same graphs.

For the demo county and synthetic road graphs of 50k and 100k nodes it times
(1) the station x node travel-time matrix and (2) the first-due partition (each
node's nearest station), checks that both libraries give the same answer, and
prints the times and the ratios. Both start from the same networkx graph, so
dispatch's one-off conversion to its frozen CSR network (``from_networkx``) is
timed too. Each figure is the median of ``REPEAT`` runs, for both libraries; the
first call on a fresh network is shown apart.

Run: ``python benchmarks/bench_network.py``.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
from common import median_of, paragraph, progress, ratio, runs, sig, table

from dispatch import RoadNetwork
from dispatch.datasets import demo_district
from dispatch.datasets.synthetic import synthetic_roads
from dispatch.network.convert import from_networkx, to_networkx

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


def compare(name: str, given: RoadNetwork, sources: np.ndarray) -> list[tuple[str, float, float, tuple[str, ...]]]:
    """For each task on one graph: its name, the ratios once (conversion
    included) and per call, and its table row."""
    progress(f"{name}: {given.n_nodes:,} nodes")
    graph = to_networkx(given)
    labels = given.labels.tolist()
    src = sources.tolist()
    convert, roads = median_of(REPEAT, lambda: from_networkx(graph))
    assert roads.n_nodes == given.n_nodes and np.array_equal(roads.labels, given.labels)
    tasks = [
        ("station × node matrix", lambda: roads.times_from(sources), lambda: networkx_matrix(graph, src, labels)),
        ("first-due partition", lambda: roads.nearest_source(sources), lambda: networkx_partition(graph, src, labels)),
    ]
    rows, results = [], []
    for task, ours, theirs in tasks:
        (first, *rest), result = runs(REPEAT + 1, ours)  # the first call on the fresh network, then REPEAT more
        theirs_seconds, expected = median_of(REPEAT, theirs)
        ours_seconds = float(np.median(rest))
        results.append((result, expected))
        once, per_call = theirs_seconds / (convert + first), theirs_seconds / ours_seconds
        row = (
            name,
            f"{roads.n_nodes:,}",
            task,
            sig(theirs_seconds),
            sig(convert),
            sig(first),
            sig(ours_seconds),
            ratio(once),
            ratio(per_call),
        )
        rows.append((task, once, per_call, row))
    (matrix, nx_matrix), (partition, nx_owner) = results
    assert np.allclose(matrix, nx_matrix, rtol=1e-12, atol=1e-9, equal_nan=False)
    # Ties may go either way: check that each node's station is one of its nearest.
    nearest = matrix.min(axis=0)
    assert np.allclose(matrix[partition.source, np.arange(roads.n_nodes)], nearest)
    assert np.allclose(matrix[nx_owner, np.arange(roads.n_nodes)], nearest)
    return rows


def main() -> None:
    demo = demo_district()
    rows = compare("demo county", demo.roads, demo.station_nodes)
    rng = np.random.default_rng(SEED)
    for n in (50_000, 100_000):
        roads = synthetic_roads(n, seed=SEED)
        sources = np.sort(rng.choice(roads.n_nodes, N_STATIONS, replace=False))
        rows += compare(f"synthetic {n // 1000}k", roads, sources)
    lead = []
    for task in dict.fromkeys(task for task, *_ in rows):
        once = [r[1] for r in rows if r[0] == task]
        per_call = [r[2] for r in rows if r[0] == task]
        lead.append(f"the {task}, **{span(once)}** once and {span(per_call)} per call")
    paragraph(
        "Both libraries start from the same networkx graph. Asked once, dispatch's conversion to its CSR network",
        "and its first call counted, networkx takes this many times dispatch's time:",
        "; ".join(lead) + ".",
        "Per call is the figure for repeated use of the converted network, where the conversion is paid once.",
        f"Each time is the median of {REPEAT} runs for both libraries; both give the same travel times, and",
        "each node's first-due station is one of its nearest in both.",
    )
    table(
        f"Shortest paths, {len(demo.stations)} stations on the demo county and {N_STATIONS} on the synthetic graphs",
        (
            "graph",
            "nodes",
            "task",
            "networkx s",
            "dispatch: conversion s",
            "dispatch: first call s",
            "dispatch: per call s",
            "× once, conversion included",
            "× per call",
        ),
        [row for *_, row in rows],
        ("", "s", "", "s", "s", "s", "s", "s", "s"),
    )


def span(ratios: list[float]) -> str:
    """The range of ``ratios`` for people: ``2.2–18.9×``."""
    return f"{ratio(min(ratios))[:-1]}–{ratio(max(ratios))}"


if __name__ == "__main__":
    main()
