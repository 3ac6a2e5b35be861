"""Synthetic village and community grids (网格): Voronoi cells of seeded points.

- :func:`demo_grid_cells`: 1,291 cells over the 25 station jurisdictions of the
  demo county (Qianjiang drew its 220 police grids over 1,291 village and
  community grids), with population and calls taken from the demo's villages,
  Chinese names, each cell's station and a current police grid drawn the old
  way (equal numbers of cells, around the station).
- :func:`synthetic_cells`: any number of cells over a square city, for
  benchmarks.

Each cell is a record with ``id``, ``geometry`` (a shapely polygon in the demo's
local metres) and indicator columns, as :func:`dispatch.plan.cells.read_cells`
takes it. The same seed gives the same cells; the bundled demo files are only
read, never changed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon, box

from ..district import District

__all__ = ["DEMO_CELLS", "DEMO_POLICE_GRIDS", "demo_grid_cells", "synthetic_cells", "voronoi_cells"]

DEMO_CELLS = 1_291
"""Village and community grids in the demo county, as in Qianjiang."""

DEMO_POLICE_GRIDS = 220
"""Police grids Qianjiang drew over them (the current grids are drawn with this many)."""

SEED = 1291

FIRST = "白龙石黄青马云金田河水峰坪高新大木松莲杨花安太福鹿"
LAST = "滩坝坪溪口岭河垭桥湾塘场沟铺寨坳"
"""Characters of the demo's place names (its pinyin syllables and endings)."""


def voronoi_cells(area: Polygon | MultiPolygon, points: NDArray[np.float64]) -> list[Any]:
    """The Voronoi cell of each point, clipped to ``area`` (points must lie in it).

    Examples
    --------
    >>> import numpy as np
    >>> cells = voronoi_cells(box(0, 0, 2_000, 1_000), np.array([[500.0, 500.0], [1_500.0, 500.0]]))
    >>> [round(c.area) for c in cells]
    [1000000, 1000000]
    """
    if len(points) == 1:
        return [area]
    diagram = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=area.envelope.buffer(1.0), ordered=True)
    return [shapely.intersection(cell, area) for cell in diagram.geoms]


def _points_in(
    area: Any, count: int, rng: np.random.Generator, towns: NDArray[np.float64], spacing: float
) -> NDArray[np.float64]:
    """``count`` points in ``area``, crowding round ``towns``, ``spacing`` apart
    (relaxed if the area is too small)."""
    x0, y0, x1, y1 = area.bounds
    chosen: list[NDArray[np.float64]] = []
    shapely.prepare(area)
    while len(chosen) < count:
        if len(towns) and rng.random() < 0.6:
            candidate = towns[rng.integers(len(towns))] + rng.normal(0, 1_200, 2)
        else:
            candidate = rng.uniform((x0, y0), (x1, y1))
        if not shapely.contains_xy(area, *candidate):
            continue
        if all(np.hypot(*(candidate - c)) >= spacing for c in chosen):
            chosen.append(candidate)
        else:
            spacing *= 0.999
    return np.asarray(np.round(np.array(chosen), 1), dtype=np.float64)


def _name(rng: np.random.Generator, town: bool) -> str:
    return FIRST[rng.integers(len(FIRST))] + LAST[rng.integers(len(LAST))] + ("社区" if town else "村")


def demo_grid_cells(district: District | None = None, *, seed: int = SEED) -> list[dict[str, Any]]:
    """The demo county's 1,291 village and community grids as records.

    Columns: ``id``, ``name`` (Chinese), ``station``, ``population``, ``calls``
    (a year), ``households``, ``area_km2``, ``village`` (the demo village inside,
    if any) and ``current`` (a police grid drawn the old way: 220 in all, equal
    numbers of cells, around the station). ``district`` defaults to the demo.

    Examples
    --------
    >>> cells = demo_grid_cells()
    >>> len(cells), len({c["station"] for c in cells}), len({c["current"] for c in cells})
    (1291, 25, 220)
    """
    if district is None:
        from . import demo_district

        district = demo_district()
    rng = np.random.default_rng(seed)
    stations = sorted(district.jurisdictions)
    areas = [district.jurisdictions[s] for s in stations]
    village_xy = np.array([v.location for v in district.villages])
    owner = np.array([int(np.argmin(shapely.distance(shapely.points(*xy), areas))) for xy in village_xy])
    population = np.array([v.population for v in district.villages], dtype=float)
    calls = np.array([v.incident_rate for v in district.villages])
    minimum = 12
    share = np.array([population[owner == k].sum() for k in range(len(stations))])
    counts = minimum + rng.multinomial(DEMO_CELLS - minimum * len(stations), share / share.sum())
    old_counts = np.maximum(1, np.round(counts * DEMO_POLICE_GRIDS / DEMO_CELLS)).astype(int)
    old_counts[np.argmax(counts)] += DEMO_POLICE_GRIDS - old_counts.sum()
    records: list[dict[str, Any]] = []
    for k, (station, area) in enumerate(zip(stations, areas)):
        towns = village_xy[owner == k]
        points = _points_in(area, int(counts[k]), rng, towns, 300.0)
        cells = voronoi_cells(area, points)
        # Each village's people and calls spread over nearby cells of its station.
        weight = np.exp(-(((points[:, None, :] - towns[None, :, :]) ** 2).sum(axis=2)) / (2 * 1_500.0**2))
        weight = weight / np.maximum(weight.sum(axis=0), 1e-12)
        base = rng.lognormal(0, 0.4, len(points))
        people = 0.8 * weight @ population[owner == k] + 0.2 * population[owner == k].sum() * base / base.sum()
        rate = people * rng.lognormal(0, 0.25, len(points))
        rate *= calls[owner == k].sum() / max(rate.sum(), 1e-12)
        station_xy = np.array(district.station(station).location)
        angle = np.arctan2(points[:, 1] - station_xy[1], points[:, 0] - station_xy[0])
        order = np.argsort(angle, kind="stable")
        old = np.empty(len(points), dtype=int)
        old[order] = np.arange(len(points)) * old_counts[k] // len(points)
        town_ids = [v.id for v, o in zip(district.villages, owner) if o == k]
        for j, cell in enumerate(cells):
            held = [t for t, xy in zip(town_ids, towns) if cell.contains(shapely.points(*xy))]
            records.append(
                {
                    "id": f"{station}-{j + 1:03d}",
                    "name": _name(rng, bool(held) and people[j] > np.median(people)),
                    "station": station,
                    "population": round(people[j]),
                    "calls": round(float(rate[j]), 1),
                    "households": round(people[j] / rng.uniform(2.6, 3.4)),
                    "area_km2": round(cell.area / 1e6, 3),
                    "village": held[0] if held else None,
                    "current": f"{station}-{old[j] + 1:02d}",
                    "geometry": cell,
                }
            )
    return records


def synthetic_cells(n_cells: int, *, seed: int, side: float = 12_000.0) -> list[dict[str, Any]]:
    """``n_cells`` Voronoi cells over a ``side`` x ``side`` metre square city,
    denser and busier near the middle: ``id``, ``population``, ``calls``,
    ``geometry``. Same seed, same cells.

    Examples
    --------
    >>> cells = synthetic_cells(325, seed=1)
    >>> len(cells), round(sum(c["geometry"].area for c in cells) / 1e6)
    (325, 144)
    """
    rng = np.random.default_rng(seed)
    middle = np.array([side / 2, side / 2])
    square = box(0, 0, side, side)
    points = _points_in(square, n_cells, rng, middle[None, :] + rng.normal(0, side / 6, (5, 2)), side / 60)
    closeness = np.exp(-np.hypot(*(points - middle).T) / (side / 3))
    population = np.round(rng.lognormal(7.0, 0.5, n_cells) * (0.5 + closeness)).astype(int)
    calls = np.round(population * rng.lognormal(-3.5, 0.3, n_cells), 1)
    return [
        {"id": f"c{k:04d}", "population": int(population[k]), "calls": float(calls[k]), "geometry": cell}
        for k, cell in enumerate(voronoi_cells(square, points))
    ]
