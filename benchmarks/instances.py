"""The p-median instances the benchmarks solve, and dispatch's solve of one.

- :func:`published_instances`: OR-Library pmed1-10 and pmedcap01-10, and SJC1-2,
  with :func:`published` giving each one's published optimum.

Generated p-median instances shaped like the published ones, for development
beyond the sizes we hold:

- :func:`beasley_graph`: like OR-Library ``pmed`` (Beasley 1985): ``n`` vertices,
  ``m = n**2 / 50`` undirected edges with integer costs uniform in 1..100 (a random
  spanning tree first so the graph is connected; a repeated pair keeps its last
  cost), costs between vertices as shortest paths.
- :func:`capacitated_points`: like Osman & Christofides and Lorena & Senne:
  ``n`` points uniform in a 1,000 x 1,000 square, demands uniform in 1..20, one
  capacity for every point set so the ``p`` medians are ``tightness`` full.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from common import best_of
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import shortest_path

from dispatch.datasets.orlib import FacilityInstance, read_pmed, read_pmedcap, read_sjc
from dispatch.plan import SolveParams, capacitated_p_median, p_median
from dispatch.plan.facility import FacilitySolution
from dispatch.plan.mip import Solver

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "orlib"
OPTIMA = json.loads((DATA / "optima.json").read_text())


def published_instances() -> list[FacilityInstance]:
    """OR-Library pmed1-10 and pmedcap01-10, then SJC1-2, as ``tests/data/orlib`` holds them."""
    found = [read_pmed(DATA / f"pmed{i}.txt") for i in range(1, 11)]
    found += [read_pmedcap(DATA / f"pmedcap{i:02d}.txt") for i in range(1, 11)]
    found += [read_sjc(DATA / f"SJC{i}.dat") for i in (1, 2)]
    return found


def published(instance: FacilityInstance) -> float:
    """The instance's published optimum (``nan`` for a generated one)."""
    return instance.optimum if instance.optimum is not None else OPTIMA.get(instance.name, math.nan)


def solve_median(
    instance: FacilityInstance, time_limit: float, solver: Solver | None = None
) -> tuple[float, FacilitySolution]:
    """dispatch's p-median (capacitated when the instance has capacities) and its
    wall time, model building included."""
    options = SolveParams(time_limit=time_limit, solver=solver)
    if instance.capacity is None:
        return best_of(1, lambda: p_median(instance.costs, instance.p, options=options))
    capacity = instance.capacity
    return best_of(
        1, lambda: capacitated_p_median(instance.costs, instance.p, instance.demand, capacity, options=options)
    )


def beasley_graph(n: int, p: int, seed: int) -> FacilityInstance:
    """An OR-Library-like ``pmed`` instance of ``n`` vertices and ``p`` medians."""
    rng = np.random.default_rng(seed)
    m = n * n // 50
    tree_from = np.array([rng.integers(0, k) for k in range(1, n)])
    tree_to = np.arange(1, n)
    extra = m - (n - 1)
    i, j = rng.integers(0, n, extra), rng.integers(0, n, extra)
    keep = i != j
    heads = np.concatenate([tree_from, i[keep]])
    tails = np.concatenate([tree_to, j[keep]])
    cost = rng.integers(1, 101, len(heads)).astype(float)
    # The last listed cost of a repeated pair wins, as in the OR-Library files.
    low, high = np.minimum(heads, tails), np.maximum(heads, tails)
    key = low * n + high
    _, last = np.unique(key[::-1], return_index=True)
    chosen = len(key) - 1 - last
    graph = coo_matrix((cost[chosen], (low[chosen], high[chosen])), shape=(n, n)).tocsr()
    costs = shortest_path(graph, method="D", directed=False)
    return FacilityInstance(f"beasley-{n}-{p}-s{seed}", p, costs, np.ones(n), None)


def capacitated_points(n: int, p: int, seed: int, tightness: float = 0.9) -> FacilityInstance:
    """A capacitated instance of ``n`` points and ``p`` medians (real Euclidean
    distances)."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 1_000, (n, 2))
    demand = rng.integers(1, 21, n).astype(float)
    capacity = math.ceil(demand.sum() / (p * tightness))
    costs: NDArray[np.float64] = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=2)
    return FacilityInstance(f"capacitated-{n}-{p}-s{seed}", p, costs, demand, np.full(n, float(capacity)))
