"""Readers for classic facility-location benchmarks with published optima.

- OR-Library ``pmed`` (Beasley 1990): uncapacitated p-median on a graph.
- OR-Library ``pmedcap`` (Osman & Christofides 1994): capacitated p-median.
- ``SJC`` (Lorena & Senne 2004): capacitated p-median on São José dos Campos.

Each reader applies the convention under which the published optimum holds; get
it wrong and the optimum does not reproduce.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.sparse.csgraph import shortest_path

from ..errors import InputError
from ..io.files import open_text

__all__ = ["FacilityInstance", "read_pmed", "read_pmedcap", "read_sjc"]


@dataclass(frozen=True)
class FacilityInstance:
    """A p-median instance: every point is a client and a candidate site.

    ``costs[i, j]`` is the cost of serving client ``i`` from site ``j``.
    ``capacity`` is ``None`` when sites are uncapacitated. ``optimum`` is the
    published optimum when the file states it.
    """

    name: str
    p: int
    costs: NDArray[np.float64]
    demand: NDArray[np.float64]
    capacity: NDArray[np.float64] | None
    optimum: float | None = None


def _numbers(path: str | Path) -> list[list[float]]:
    with open_text(path) as f:
        rows = []
        for line_number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                rows.append([float(x) for x in line.split()])
            except ValueError:
                raise InputError(f"{str(path)!r} line {line_number}: expected numbers, got {line.strip()!r}") from None
    if not rows:
        raise InputError(f"{str(path)!r} is empty")
    return rows


def _expect(path: str | Path, condition: bool, what: str) -> None:
    if not condition:
        raise InputError(f"{str(path)!r} is not in the expected format: {what}")


def read_pmed(path: str | Path) -> FacilityInstance:
    """An OR-Library ``pmed`` file: ``n m p``, then ``m`` lines ``i j cost``.

    Edges are undirected and 1-based; an edge listed twice keeps its **last** cost.
    Costs between vertices are shortest-path distances over the edges; every
    vertex is a client with demand 1 and a candidate median.
    """
    rows = _numbers(path)
    _expect(path, len(rows[0]) == 3, "line 1 must be 'n m p'")
    n, m, p = (int(x) for x in rows[0])
    edges = rows[1:]
    _expect(path, len(edges) == m and all(len(e) == 3 for e in edges), f"{m} lines 'i j cost' after line 1")
    weights = np.full((n, n), np.inf)
    for i, j, cost in edges:  # in file order, so the last occurrence wins
        weights[int(i) - 1, int(j) - 1] = weights[int(j) - 1, int(i) - 1] = cost
    costs = shortest_path(weights, method="D", directed=False)
    _expect(path, bool(np.isfinite(costs).all()), "the edge graph must be connected")
    return FacilityInstance(Path(path).stem, p, costs, np.ones(n), None)


def read_pmedcap(path: str | Path) -> FacilityInstance:
    """An OR-Library ``pmedcap`` file: ``instance optimum``, ``n p Q``, then ``n``
    lines ``id x y demand``.

    Costs are Euclidean distances **floored** to integers (the convention of the
    published optima); every site has capacity ``Q``.
    """
    rows = _numbers(path)
    _expect(path, len(rows[0]) == 2 and len(rows[1]) == 3, "lines 1-2 must be 'instance optimum' and 'n p Q'")
    optimum = rows[0][1]
    n, p, capacity = int(rows[1][0]), int(rows[1][1]), rows[1][2]
    points = np.array(rows[2 : 2 + n])
    _expect(path, points.shape == (n, 4), f"{n} lines 'id x y demand'")
    xy = points[:, 1:3]
    costs = np.floor(np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=2))
    return FacilityInstance(Path(path).stem, p, costs, points[:, 3], np.full(n, capacity), optimum)


def read_sjc(path: str | Path) -> FacilityInstance:
    """A ``SJC`` file: ``set instance n p bound``, then ``n`` lines
    ``x y capacity demand``. Costs are real (unrounded) Euclidean distances."""
    rows = _numbers(path)
    _expect(path, len(rows[0]) == 5, "line 1 must be 'set instance n p bound'")
    n, p = int(rows[0][2]), int(rows[0][3])
    points = np.array(rows[1 : 1 + n])
    _expect(path, points.shape == (n, 4), f"{n} lines 'x y capacity demand'")
    xy = points[:, :2]
    costs = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=2)
    return FacilityInstance(Path(path).stem, p, costs, points[:, 3], points[:, 2], None)
