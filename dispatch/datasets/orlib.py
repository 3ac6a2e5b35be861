"""Readers for classic facility-location benchmarks with published optima.

- OR-Library ``pmed`` (Beasley 1990): uncapacitated p-median on a graph.
- OR-Library ``pmedcap`` (Osman & Christofides 1994): capacitated p-median.
- ``SJC`` (Lorena & Senne 2004): capacitated p-median on São José dos Campos.

Each reader applies the convention under which the published optimum holds; get
it wrong and the optimum does not reproduce.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from ..errors import InputError
from ..io.files import open_text

__all__ = ["MAX_EDGES", "MAX_POINTS", "FacilityInstance", "read_pmed", "read_pmedcap", "read_sjc"]

MAX_POINTS = 5_000
"""Most vertices or points an instance may have: its dense cost matrix then takes
at most 200 MB."""

MAX_EDGES = 1_000_000
"""Most edges a ``pmed`` file may list."""

MAX_LINE = 1_000
"""Longest line (characters) the readers take."""

SHOWN = 40
"""Characters of a bad line quoted in an error."""


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


Line = tuple[int, list[float]]
"""A line's number and its numbers."""


def _quoted(text: str) -> str:
    return repr(text if len(text) <= SHOWN else text[:SHOWN] + "...")


def _numbers(path: str | Path, limit: int) -> list[Line]:
    """The non-blank lines of ``path`` as finite numbers, at most ``limit`` lines
    of at most :data:`MAX_LINE` characters."""
    rows: list[Line] = []
    with open_text(path) as f:
        line_number = 0
        while line := f.readline(MAX_LINE + 1):
            line_number += 1
            if len(line) > MAX_LINE:
                raise InputError(f"{str(path)!r} line {line_number} is longer than {MAX_LINE} characters")
            if not line.strip():
                continue
            if len(rows) == limit:
                raise InputError(f"{str(path)!r} has more than {limit:,} lines; is it the right file?")
            try:
                values = [float(x) for x in line.split()]
            except ValueError:
                raise InputError(
                    f"{str(path)!r} line {line_number}: expected numbers, got {_quoted(line.strip())}"
                ) from None
            if not all(math.isfinite(v) for v in values):
                raise InputError(
                    f"{str(path)!r} line {line_number}: numbers must be finite, got {_quoted(line.strip())}"
                )
            rows.append((line_number, values))
    if not rows:
        raise InputError(f"{str(path)!r} is empty")
    return rows


def _expect(path: str | Path, condition: bool, what: str) -> None:
    if not condition:
        raise InputError(f"{str(path)!r} is not in the expected format: {what}")


def _whole(path: str | Path, row: Line, position: int, name: str, low: int, high: int) -> int:
    """Number ``position`` of ``row``, checked to be a whole number in ``[low, high]``."""
    line, values = row
    value = values[position]
    if not (value.is_integer() and low <= value <= high):
        raise InputError(
            f"{str(path)!r} line {line}: {name} is {value:g}; it must be a whole number in {low}..{high:,}"
        )
    return int(value)


def _at_least_zero(path: str | Path, rows: list[Line], position: int, name: str) -> None:
    for line, values in rows:
        if values[position] < 0:
            raise InputError(f"{str(path)!r} line {line}: {name} is {values[position]:g}; it must be >= 0")


def _points(path: str | Path, rows: list[Line], n: int, layout: str) -> NDArray[np.float64]:
    """The ``n`` lines of 4 numbers after the header lines ``rows`` start with."""
    _expect(path, len(rows) == n, f"{n} lines {layout!r} after the header, found {len(rows)}")
    wrong = next((line for line, values in rows if len(values) != 4), None)
    _expect(path, wrong is None, f"line {wrong} must be {layout!r}")
    return np.array([values for _, values in rows])


def read_pmed(path: str | Path) -> FacilityInstance:
    """An OR-Library ``pmed`` file: ``n m p``, then ``m`` lines ``i j cost``.

    Edges are undirected and 1-based; an edge listed twice keeps its **last** cost.
    Costs between vertices are shortest-path distances over the edges; every
    vertex is a client with demand 1 and a candidate median. At most
    :data:`MAX_POINTS` vertices and :data:`MAX_EDGES` edges; costs are finite
    and >= 0.
    """
    rows = _numbers(path, MAX_EDGES + 1)
    _expect(path, len(rows[0][1]) == 3, "line 1 must be 'n m p'")
    edges = rows[1:]
    m = _whole(path, rows[0], 1, "m (the number of edges)", 0, MAX_EDGES)
    _expect(path, m == len(edges), f"{m} lines 'i j cost' after line 1, found {len(edges)}")
    n = _whole(path, rows[0], 0, "n (the number of vertices)", 1, MAX_POINTS)
    _expect(path, n <= m + 1, f"the edge graph must be connected, and {m} edges cannot connect {n} vertices")
    p = _whole(path, rows[0], 2, "p (the number of medians)", 1, n)
    cost: dict[tuple[int, int], float] = {}
    for row in edges:
        _expect(path, len(row[1]) == 3, f"line {row[0]} must be 'i j cost'")
        i = _whole(path, row, 0, "vertex i", 1, n) - 1
        j = _whole(path, row, 1, "vertex j", 1, n) - 1
        if row[1][2] < 0:
            raise InputError(f"{str(path)!r} line {row[0]}: cost {row[1][2]:g} is negative; costs must be >= 0")
        cost[min(i, j), max(i, j)] = row[1][2]  # in file order, so the last occurrence wins
    tails, heads = np.array(list(cost), dtype=np.int64).reshape(-1, 2).T
    graph = csr_matrix((list(cost.values()), (tails, heads)), shape=(n, n))
    costs = shortest_path(graph, method="D", directed=False)
    _expect(path, bool(np.isfinite(costs).all()), "the edge graph must be connected")
    return FacilityInstance(Path(path).stem, p, costs, np.ones(n), None)


def read_pmedcap(path: str | Path) -> FacilityInstance:
    """An OR-Library ``pmedcap`` file: ``instance optimum``, ``n p Q``, then ``n``
    lines ``id x y demand``.

    Costs are Euclidean distances **floored** to integers (the convention of the
    published optima); every site has capacity ``Q``. At most :data:`MAX_POINTS`
    points; demands and ``Q`` are >= 0.
    """
    rows = _numbers(path, MAX_POINTS + 2)
    _expect(
        path,
        len(rows[0][1]) == 2 and len(rows) > 1 and len(rows[1][1]) == 3,
        "lines 1-2 must be 'instance optimum' and 'n p Q'",
    )
    optimum = rows[0][1][1]
    n = _whole(path, rows[1], 0, "n (the number of points)", 1, MAX_POINTS)
    p = _whole(path, rows[1], 1, "p (the number of medians)", 1, n)
    _at_least_zero(path, rows[1:2], 2, "Q (the capacity)")
    points = _points(path, rows[2:], n, "id x y demand")
    _at_least_zero(path, rows[2:], 3, "demand")
    xy = points[:, 1:3]
    costs = np.floor(np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=2))
    return FacilityInstance(Path(path).stem, p, costs, points[:, 3], np.full(n, rows[1][1][2]), optimum)


def read_sjc(path: str | Path) -> FacilityInstance:
    """A ``SJC`` file: ``set instance n p bound``, then ``n`` lines
    ``x y capacity demand``. Costs are real (unrounded) Euclidean distances. At
    most :data:`MAX_POINTS` points; capacities and demands are >= 0."""
    rows = _numbers(path, MAX_POINTS + 1)
    _expect(path, len(rows[0][1]) == 5, "line 1 must be 'set instance n p bound'")
    n = _whole(path, rows[0], 2, "n (the number of points)", 1, MAX_POINTS)
    p = _whole(path, rows[0], 3, "p (the number of medians)", 1, n)
    points = _points(path, rows[1:], n, "x y capacity demand")
    _at_least_zero(path, rows[1:], 2, "capacity")
    _at_least_zero(path, rows[1:], 3, "demand")
    xy = points[:, :2]
    costs = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=2)
    return FacilityInstance(Path(path).stem, p, costs, points[:, 3], points[:, 2], None)
