"""Synthetic road networks and provinces of any size, for benchmarks and scale tests."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from ..district import District
from ..model import Indicators, Station, Unit, Village
from ..network import RoadNetwork

__all__ = ["synthetic_province", "synthetic_roads", "township_stations"]

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
    return RoadNetwork(np.arange(side * side), xy, tails, heads, time, length=length, two_way=two_way)


def township_stations(
    rng: np.random.Generator,
    roads: RoadNetwork,
    station_nodes: NDArray[np.int64],
    village_nodes: NDArray[np.int64],
    population: NDArray[np.float64] | NDArray[np.int64],
    rate: NDArray[np.float64],
    names: list[str],
) -> tuple[list[Station], list[Unit]]:
    """Stations whose indicators sum their first-due villages, with 3-12 officers
    by workload and one unit per station plus one at 6 and at 10 officers."""
    nearest = roads.nearest_source(station_nodes).source[village_nodes]
    station_population = np.bincount(nearest, weights=population, minlength=len(station_nodes))
    incidents = np.bincount(nearest, weights=rate, minlength=len(station_nodes))
    load = (incidents - incidents.min()) / max(incidents.max() - incidents.min(), 1e-9)
    officers = np.round(3 + 9 * load).astype(int)
    stations, units = [], []
    for i, node in enumerate(station_nodes):
        sid = names[i].lower()
        stations.append(
            Station(
                id=sid,
                name=names[i],
                location=tuple(roads.xy[node]),
                officers=int(officers[i]),
                indicators=Indicators(
                    population=float(station_population[i]),
                    incidents_per_year=round(float(incidents[i]), 2),
                    disputes=round(float(incidents[i] * rng.uniform(0.2, 0.4)), 1),
                    cases=round(float(incidents[i] * rng.uniform(0.08, 0.2)), 1),
                ),
            )
        )
        n_units = 1 + int(officers[i] >= 6) + int(officers[i] >= 10)
        units += [Unit(id=f"{sid}-{k + 1}", station=sid) for k in range(n_units)]
    return stations, units


def synthetic_province(n_stations: int, *, seed: int, villages_per_station: int = 6) -> District:
    """A province-sized district: ``n_stations`` township stations, about 40 road
    junctions and ``villages_per_station`` villages each, 800 incidents a year per
    station on average. No boundary, so no border stations. Same seed, same district.
    """
    rng = np.random.default_rng(seed)
    roads = synthetic_roads(40 * n_stations, seed=seed, spacing=1_000.0)
    side = math.ceil(math.sqrt(n_stations))
    cell = (roads.xy.max(axis=0) - roads.xy.min(axis=0)) / side + 1e-9
    cell_of = np.floor((roads.xy - roads.xy.min(axis=0)) / cell).astype(int)
    cell_id = cell_of[:, 0] * side + cell_of[:, 1]
    chosen_cells = np.sort(rng.choice(side * side, n_stations, replace=False))
    main = np.flatnonzero(roads.main_component)
    station_nodes = np.array([rng.choice(main[cell_id[main] == c]) for c in chosen_cells])
    n_villages = villages_per_station * n_stations
    village_nodes = rng.choice(np.setdiff1d(main, station_nodes), n_villages, replace=False)
    population = np.round(np.clip(rng.lognormal(6.9, 0.6, n_villages), 150, 6_000)).astype(int)
    rate = np.round(population * rng.lognormal(0, 0.3, n_villages) * 800 * n_stations / population.sum(), 2)
    names = [f"S{i:04d}" for i in range(n_stations)]
    stations, units = township_stations(rng, roads, station_nodes, village_nodes, population, rate, names)
    villages = [
        Village(
            id=f"v{k:05d}",
            location=tuple(roads.xy[node]),
            population=int(population[k]),
            incident_rate=float(rate[k]),
        )
        for k, node in enumerate(village_nodes)
    ]
    return District(
        name=f"Synthetic province ({n_stations} stations)",
        roads=roads,
        stations=stations,
        units=units,
        villages=villages,
    )
