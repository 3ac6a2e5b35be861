"""A template county as a planner holds one: spreadsheets with Chinese headers,
longitude/latitude, and a scenario file that runs as it is.

The demo county has no real-world position (local metres); :func:`placed_demo`
moves it by a fixed offset into the CGCS2000 3-degree Gauss-Krüger zone of
central meridian 108°E (EPSG:4545), around Qianjiang, Chongqing, where its
travel times, and so its results, stay exactly as they are.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from ..district import District
from ..errors import InputError
from ..io.columns import header_of
from ..io.coords import LayerCrs, transform
from ..io.files import atomic_folder, atomic_write
from ..io.geojson import write_areas, write_boundary
from ..io.roads import write_roads
from ..network import RoadNetwork

__all__ = ["PLACED_CRS", "PLACED_OFFSET", "place", "placed_demo", "write_template"]

PLACED_CRS = "EPSG:4545"
"""CGCS2000 / 3-degree Gauss-Krüger CM 108E: the placed demo's CRS."""

PLACED_OFFSET = (575_000.0, 3_268_000.0)
"""Metres added to the demo's local coordinates (its centre lands near 108.76°E, 29.53°N)."""

LANGUAGES = ("zh", "en")

SCENARIO = """\
# {title}
# `dispatch check scenario.yaml` validates it; `dispatch plan`, `simulate` and
# `compare` run it. Replace the files with your county's own.
name: {name}
district:
  source: files
  name: {name}
  stations: {{path: stations.xlsx, sheet: {sheet}, crs: WGS84}}
  villages: {{path: villages.csv, crs: WGS84}}
  partners: {{path: partners.csv, crs: WGS84}}
  jurisdictions: jurisdictions.geojson
  boundary: boundary.geojson
  roads: {{nodes: roads.nodes.csv, edges: roads.edges.csv}}
  crs: {crs}                # the road nodes' CRS: CGCS2000 Gauss-Krüger CM 108E
plan:
  min_bases: 1
  max_bases: 2
  max_link_time: 2700      # seconds by road from a central to its bases
  balance: {{mode: none}}
policy: {{name: cluster_first}}
baseline: {{name: own_station}}
demand:
  scale: 1.0
  service: {{kind: lognormal, mean: 2700}}
simulation:
  horizon_days: 365
  replications: 3
  seed: 2023
  turnout: 60
"""


def _moved(geometry: Any) -> Any:
    return shapely.transform(geometry, lambda xy: xy + np.asarray(PLACED_OFFSET))


def placed_demo() -> District:
    """The demo county moved into EPSG:4545 (see the module notes).

    Examples
    --------
    >>> county = placed_demo()
    >>> county.roads.crs, county.stations[0].location
    ('EPSG:4545', (591429.2, 3254987.1))
    """
    from . import demo_district

    return place(demo_district())


def place(demo: District) -> District:
    """A district in local metres moved by :data:`PLACED_OFFSET` into
    :data:`PLACED_CRS`, its travel times unchanged."""
    roads = demo.roads
    offset = np.asarray(PLACED_OFFSET)
    moved = RoadNetwork(
        roads.labels,
        roads.xy + offset,
        roads.tails,
        roads.heads,
        roads.travel_time,
        length=roads.length,
        crs=PLACED_CRS,
    )

    def place(item: Any) -> Any:
        x, y = item.location
        return item.replace(location=(round(x + offset[0], 3), round(y + offset[1], 3)))

    return demo.replace(
        roads=moved,
        stations=[place(s) for s in demo.stations],
        villages=[place(v) for v in demo.villages],
        partners=[place(p) for p in demo.partners],
        jurisdictions={k: _moved(a) for k, a in demo.jurisdictions.items()},
        boundary=_moved(demo.boundary) if demo.boundary is not None else None,
    )


def _lonlat(district: District, items: Any) -> list[tuple[float, float]]:
    xy = np.array([item.location for item in items], dtype=np.float64).reshape(-1, 2)
    lonlat = transform(xy, LayerCrs(district.roads.crs), "EPSG:4326")
    return [(round(float(lon), 7), round(float(lat), 7)) for lon, lat in lonlat]


def _rows(district: District, kind: str, lang: str) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of the stations, villages or partners sheet."""
    units: dict[str, int] = {}
    for unit in district.units:
        units[unit.station] = units.get(unit.station, 0) + 1
    if kind == "stations":
        fields = ["id", "name", "kind", "lon", "lat", "officers", "vehicles", *_INDICATORS]
        rows = [
            [s.id, s.name, s.kind.value, *at, s.officers, units.get(s.id, 0)]
            + [getattr(s.indicators, k) for k in _INDICATORS]
            for s, at in zip(district.stations, _lonlat(district, district.stations))
        ]
    elif kind == "villages":
        fields = ["id", "name", "lon", "lat", "population", "incident_rate"]
        rows = [
            [v.id, v.name, *at, v.population, v.incident_rate]
            for v, at in zip(district.villages, _lonlat(district, district.villages))
        ]
    else:
        fields = ["id", "name", "lon", "lat", "stations", "vehicles"]
        rows = [
            [p.id, p.name, *at, ";".join(p.stations), units.get(p.id, 0)]
            for p, at in zip(district.partners, _lonlat(district, district.partners))
        ]
    return [header_of(kind, f, lang) for f in fields], rows


_INDICATORS = ("population", "incidents_per_year", "disputes", "cases")


def write_template(folder: str | Path, *, lang: str = "zh", overwrite: bool = False) -> Path:
    """Write the placed demo county as a planner's files and return its scenario.

    ``stations.xlsx`` (sheet 派出所), ``villages.csv`` and ``partners.csv`` in
    WGS-84 longitude/latitude with Chinese headers (English with
    ``lang="en"``), jurisdiction and boundary GeoJSON, the roads as node and edge
    CSVs in EPSG:4545, and ``scenario.yaml``. All files or none are written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> scenario = write_template(pathlib.Path(tempfile.mkdtemp()) / "county")
    >>> sorted(p.name for p in scenario.parent.iterdir())[:3]
    ['boundary.geojson', 'jurisdictions.geojson', 'partners.csv']
    """
    if lang not in LANGUAGES:
        raise InputError(f"lang must be one of {LANGUAGES}, got {lang!r}")
    try:
        from openpyxl import Workbook
    except ImportError as error:
        raise ImportError("writing .xlsx files needs openpyxl: pip install 'central-dispatch[files]'") from error
    with atomic_folder(folder, overwrite=overwrite) as staging:
        district = placed_demo()
        sheet = "派出所" if lang == "zh" else "stations"
        book = Workbook(write_only=True)
        stations = book.create_sheet(sheet)
        header, rows = _rows(district, "stations", lang)
        for row in [header, *rows]:
            stations.append(row)
        book.save(staging / "stations.xlsx")
        for kind in ("villages", "partners"):
            header, rows = _rows(district, kind, lang)
            with atomic_write(staging / f"{kind}.csv") as f:
                csv.writer(f, lineterminator="\n").writerows([header, *rows])
        write_areas(staging / "jurisdictions.geojson", district.jurisdictions, crs=PLACED_CRS)
        if district.boundary is not None:
            write_boundary(staging / "boundary.geojson", district.boundary, crs=PLACED_CRS)
        write_roads(district.roads, staging / "roads.nodes.csv", staging / "roads.edges.csv")
        title = "模板县（演示数据）" if lang == "zh" else "A template county (the demo's data)"
        with atomic_write(staging / "scenario.yaml") as f:
            f.write(SCENARIO.format(title=title, name="template county", sheet=sheet, crs=PLACED_CRS))
    return Path(folder) / "scenario.yaml"
