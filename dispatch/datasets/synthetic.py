"""Synthetic road networks of any size, for benchmarks and scale tests."""

from __future__ import annotations

import math

import numpy as np

from ..network import RoadNetwork

__all__ = ["synthetic_roads"]

SPEEDS_KPH = np.array([25.0, 40.0, 60.0])
"""Village, county and arterial road speeds."""


def synthetic_roads(n_nodes: int, *, seed: int, spacing: float = 400.0) -> RoadNetwork:
    """A road-like network of about ``n_nodes`` junctions on a jittered grid.

    A fifth of the grid links are missing, links wind by 10-60 %, every tenth row
    and column is a faster county road, every fortieth an arterial, and 3 % of the
    links are one-way. Coordinates are metres; the same seed gives the same network.
    """
    rng = np.random.default_rng(seed)
    side = math.ceil(math.sqrt(n_nodes))
    row, col = np.divmod(np.arange(side * side), side)
    xy = np.column_stack([col, row]) * spacing + rng.uniform(-0.3, 0.3, (side * side, 2)) * spacing
    right = np.flatnonzero(col < side - 1)
    up = np.flatnonzero(row < side - 1)
    tails = np.concatenate([right, up])
    heads = np.concatenate([right + 1, up + side])
    line = np.concatenate([row[right], col[up]])  # the grid line each link runs along
    road_class = (line % 10 == 0).astype(int) + (line % 40 == 0)
    keep = (road_class > 0) | (rng.random(len(tails)) > 0.2)
    tails, heads, road_class = tails[keep], heads[keep], road_class[keep]
    length = np.linalg.norm(xy[tails] - xy[heads], axis=1) * rng.uniform(1.1, 1.6, len(tails))
    time = length / (SPEEDS_KPH[road_class] / 3.6)
    two_way = rng.random(len(tails)) > 0.03
    return RoadNetwork(
        np.arange(side * side),
        xy,
        np.concatenate([tails, heads[two_way]]),
        np.concatenate([heads, tails[two_way]]),
        np.concatenate([time, time[two_way]]),
        length=np.concatenate([length, length[two_way]]),
    )
