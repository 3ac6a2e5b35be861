"""Road networks as two CSV files (optionally gzipped).

``nodes.csv`` has columns ``id, x, y``. ``edges.csv`` has ``u, v, travel_time``
(seconds) and optionally ``length`` (metres >= 0, or empty) and ``oneway`` (``1``,
the default: only ``u -> v``; ``0``: both directions).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..errors import InputError, listed
from ..network import RoadNetwork
from .files import atomic_write, open_text

__all__ = ["read_roads", "write_roads"]


def _rows(path: str | Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    with open_text(path) as f:
        reader = csv.DictReader(f)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{str(path)!r} lacks the column(s) {missing}; it needs {list(required)}")
        return list(reader)


def _numbers(path: str | Path, rows: list[dict[str, str]], column: str, default: str | None = None) -> np.ndarray:
    values, problems = [], []
    for line, row in enumerate(rows, start=2):
        text = row.get(column) or default
        try:
            values.append(float(text))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            problems.append(f"line {line}: {column} is {text!r}, not a number")
    if problems:
        raise InputError(f"{str(path)!r} has malformed values", listed(problems))
    return np.array(values)


def read_roads(nodes_path: str | Path, edges_path: str | Path, *, crs: str | None = None) -> RoadNetwork:
    """Read a road network from a nodes CSV and an edges CSV."""
    nodes = _rows(nodes_path, ("id", "x", "y"))
    labels = [row["id"] for row in nodes]
    xy = np.column_stack([_numbers(nodes_path, nodes, "x"), _numbers(nodes_path, nodes, "y")])
    index = {label: i for i, label in enumerate(labels)}
    if len(index) != len(labels):
        raise InputError(f"{str(nodes_path)!r}: node ids must be unique")
    edges = _rows(edges_path, ("u", "v", "travel_time"))
    unknown = [
        f"line {line}: node {row[end]!r}"
        for line, row in enumerate(edges, start=2)
        for end in ("u", "v")
        if row[end] not in index
    ]
    if unknown:
        raise InputError(f"{str(edges_path)!r} names nodes missing from {str(nodes_path)!r}", listed(unknown))
    tails = np.array([index[row["u"]] for row in edges], dtype=np.int64)
    heads = np.array([index[row["v"]] for row in edges], dtype=np.int64)
    time = _numbers(edges_path, edges, "travel_time")
    length = _numbers(edges_path, edges, "length", default="nan")
    oneway = _numbers(edges_path, edges, "oneway", default="1")
    problems = [
        f"line {i + 2}: oneway is {value:g}; give 1 (u -> v only) or 0 (both ways)"
        for i, value in enumerate(oneway.tolist())
        if value not in (0, 1)
    ] + [
        f"line {i + 2}: length is {value:g}; give metres >= 0, or leave it empty"
        for i, value in enumerate(length.tolist())
        if not (np.isnan(value) or 0 <= value < np.inf)
    ]
    if problems:
        raise InputError(f"{str(edges_path)!r} has bad values", listed(problems))
    return RoadNetwork(labels, xy, tails, heads, time, length=length, two_way=oneway == 0, crs=crs)


def write_roads(network: RoadNetwork, nodes_path: str | Path, edges_path: str | Path) -> None:
    """Write a road network; an edge whose reverse has the same time and length is
    written once, with ``oneway = 0``."""
    n = network.n_nodes
    tails, heads = network.tails, network.heads
    key = tails * n + heads
    reverse_key = heads * n + tails
    position = {k: i for i, k in enumerate(key.tolist())}
    twin = np.array([position.get(k, -1) for k in reverse_key.tolist()])
    length, time = network.length, network.travel_time
    same = (twin >= 0) & (time == time[twin]) & ((length == length[twin]) | (np.isnan(length) & np.isnan(length[twin])))
    keep = ~same | (tails < heads)
    with atomic_write(nodes_path) as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["id", "x", "y"])
        writer.writerows(zip(network.labels.tolist(), *network.xy.T.tolist()))
    labels = network.labels.tolist()
    with atomic_write(edges_path) as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["u", "v", "travel_time", "length", "oneway"])
        for i in np.flatnonzero(keep).tolist():
            writer.writerow(
                [
                    labels[tails[i]],
                    labels[heads[i]],
                    repr(float(time[i])),
                    "" if np.isnan(length[i]) else repr(float(length[i])),
                    0 if same[i] else 1,
                ]
            )
