"""A county written as a Chinese planner holds it, and as WGS-84 GeoJSON.

``chinese``: stations in XLSX with Chinese headers in GCJ-02; village grids as a
GBK shapefile (no .cpg) of polygons in CGCS2000 longitude/latitude; roads as a
GeoPackage line layer with Chinese classes in CGCS2000 Gauss-Krüger CM 108E;
partners as a UTF-8-with-BOM CSV; a 110 export with Chinese timestamps in GCJ-02.
``geojson``: the same county, every layer WGS-84 GeoJSON (RFC 7946, no crs
member). Both give the same travel times, so the same plan.
"""

from __future__ import annotations

import csv
import json
import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyogrio.raw import write

from dispatch.district import District
from dispatch.evaluate.demand import DemandParams
from dispatch.io.coords import LayerCrs, from_wgs84, transform
from dispatch.io.incidents import CHINA_TIME

CLASSES = {25.0: "村道", 30.0: "乡道", 40.0: "县道", 55.0: "省道", 60.0: "省道", 70.0: "国道"}
GRID = 150.0  # half the side of each village's square grid, metres
START = datetime(2024, 7, 1, tzinfo=CHINA_TIME)


def _lonlat(district: District, xy: Any, offset: str | None = None) -> np.ndarray:
    lonlat = transform(np.asarray(xy, dtype=float).reshape(-1, 2), LayerCrs(district.roads.crs), "EPSG:4326")
    if offset:
        lonlat = np.column_stack(from_wgs84(lonlat[:, 0], lonlat[:, 1], offset))  # type: ignore[arg-type]
    return lonlat


def road_lines(district: District) -> tuple[list[Any], list[str], list[float], list[int]]:
    """Each road (both directions once) as a line whose length is the edge's:
    bent at a midpoint when the road winds. Returns lines, classes, speeds and
    one-way flags."""
    roads = district.roads
    edges = set(zip(roads.tails.tolist(), roads.heads.tolist()))
    lines, classes, speeds, oneway, seen = [], [], [], [], set()
    for u, v, t, length in zip(roads.tails.tolist(), roads.heads.tolist(), roads.travel_time, roads.length):
        if (v, u) in seen:
            continue
        seen.add((u, v))
        oneway.append(int((v, u) not in edges))
        a, b = roads.xy[u], roads.xy[v]
        chord = float(np.hypot(*(b - a)))
        speed = round(float(length / t * 3.6))
        if length > chord * (1 + 1e-9):
            height = math.sqrt((length / 2) ** 2 - (chord / 2) ** 2)
            normal = np.array([-(b - a)[1], (b - a)[0]]) / chord
            lines.append(shapely.LineString([a, (a + b) / 2 + height * normal, b]))
        else:
            lines.append(shapely.LineString([a, b]))
        classes.append(CLASSES[speed])
        speeds.append(speed)
    return lines, classes, speeds, oneway


def calls(district: District, days: int, seed: int) -> list[dict[str, Any]]:
    """A 110 export: each call at its village, with its time and on-scene time."""
    stream = DemandParams().incidents(district, days * 86_400.0, seed)
    at = np.array([district.villages[k].location for k in stream.village])
    return [
        {
            "time": START + timedelta(seconds=float(t)),
            "xy": at[k],
            "category": ["纠纷", "盗窃", "求助"][k % 3],
            "service": float(stream.service[k]),
        }
        for k, t in enumerate(stream.time)
    ]


def _scenario(folder: Path, district: dict[str, Any]) -> Path:
    scenario = {
        "name": folder.name,
        "district": {"source": "files", "name": folder.name, **district},
        "plan": {"min_bases": 1, "max_bases": 2, "max_link_time": 2700},
        "simulation": {"horizon_days": 20, "replications": 1, "seed": 5},
    }
    path = folder / "scenario.json"
    path.write_text(json.dumps(scenario, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _grids(district: District) -> list[Any]:
    return [shapely.box(x - GRID, y - GRID, x + GRID, y + GRID) for x, y in (v.location for v in district.villages)]


def _in_lonlat(district: District, geometry: Any) -> Any:
    return shapely.transform(geometry, lambda xy: _lonlat(district, xy))


def write_chinese(district: District, folder: Path, *, days: int = 20, seed: int = 1) -> Path:
    """The county in a planner's formats (module notes); returns its scenario."""
    from openpyxl import Workbook

    folder.mkdir(parents=True)
    units = {s.id: sum(u.station == s.id for u in district.units) for s in district.stations}
    book = Workbook()
    sheet = book.active
    sheet.title = "派出所"
    sheet.append(["编号", "名称", "经度", "纬度", "民警数", "辅警数", "警车数", "人口", "警情数", "纠纷数", "案件数"])
    for s, (lon, lat) in zip(district.stations, _lonlat(district, [s.location for s in district.stations], "GCJ-02")):
        i = s.indicators
        sheet.append(
            [
                s.id,
                s.name,
                lon,
                lat,
                s.officers,
                2,
                units[s.id],
                i.population,
                i.incidents_per_year,
                i.disputes,
                i.cases,
            ]
        )
    book.save(folder / "派出所.xlsx")
    grids = [_in_lonlat(district, g) for g in _grids(district)]
    fields = [
        np.array([v.id for v in district.villages], dtype=object),
        np.array([v.name or v.id for v in district.villages], dtype=object),
        np.array([v.population for v in district.villages]),
    ]
    write(
        folder / "村社网格.shp",
        shapely.to_wkb(np.array(grids, dtype=object)),
        fields,
        fields=["编号", "村名", "人口"],
        geometry_type="Polygon",
        crs="EPSG:4490",
        encoding="GBK",
    )
    (folder / "村社网格.cpg").unlink()  # as many exports: the code page must be found without it
    lines, classes, speeds, oneway = road_lines(district)
    write(
        folder / "道路.gpkg",
        shapely.to_wkb(np.array(lines, dtype=object)),
        [np.array(classes, dtype=object), np.array(oneway)],
        fields=["道路等级", "单行"],
        geometry_type="LineString",
        crs=district.roads.crs,
        driver="GPKG",
        layer="道路",
    )
    rows = calls(district, days, seed)
    lonlat = _lonlat(district, [r["xy"] for r in rows], "GCJ-02")
    with (folder / "警情.csv").open("w", encoding="gbk", newline="") as f:
        out = csv.writer(f)
        out.writerow(["接警单编号", "报警时间", "经度", "纬度", "警情类别", "到达时间", "处置结束时间"])
        for k, (row, (lon, lat)) in enumerate(zip(rows, lonlat)):
            arrive = row["time"] + timedelta(minutes=10)
            out.writerow(
                [
                    f"J{k:05d}",
                    f"{row['time']:%Y年%-m月%-d日 %H:%M:%S}",
                    f"{lon:.8f}",
                    f"{lat:.8f}",
                    row["category"],
                    f"{arrive:%Y/%-m/%-d %H:%M:%S}",
                    f"{arrive + timedelta(seconds=round(row['service'])):%Y/%-m/%-d %H:%M:%S}",
                ]
            )
    return _scenario(
        folder,
        {
            "stations": {"path": "派出所.xlsx", "sheet": "派出所", "crs": "GCJ-02"},
            "villages": "村社网格.shp",
            "incidents": {"path": "警情.csv", "crs": "GCJ-02"},
            "roads": {
                "lines": {"path": "道路.gpkg", "layer": "道路"},
                "class": "道路等级",
                "speeds_kph": {"省道": 60} if 60 in speeds else {},
            },
        },
    )


def _feature(properties: dict[str, Any], geometry: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": shapely.geometry.mapping(geometry)}


def _collection(path: Path, features: list[dict[str, Any]]) -> None:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))


def write_geojson(district: District, folder: Path, *, days: int = 20, seed: int = 1) -> Path:
    """The same county as WGS-84 GeoJSON (RFC 7946); returns its scenario."""
    folder.mkdir(parents=True)
    units = {s.id: [u.id for u in district.units if u.station == s.id] for s in district.stations}
    stations = _lonlat(district, [s.location for s in district.stations])
    _collection(
        folder / "stations.geojson",
        [
            _feature(
                {
                    "id": s.id,
                    "name": s.name,
                    "officers": s.officers,
                    "units": units[s.id],
                    "indicator:auxiliaries": 2,
                    **{k: getattr(s.indicators, k) for k in ("population", "incidents_per_year", "disputes", "cases")},
                },
                shapely.Point(p),
            )
            for s, p in zip(district.stations, stations)
        ],
    )
    _collection(
        folder / "villages.geojson",
        [
            _feature({"id": v.id, "name": v.name or v.id, "population": v.population}, _in_lonlat(district, g))
            for v, g in zip(district.villages, _grids(district))
        ],
    )
    lines, _, speeds, oneway = road_lines(district)
    _collection(
        folder / "roads.geojson",
        [
            _feature({"speed": s, "oneway": "yes" if o else "no"}, _in_lonlat(district, line))
            for line, s, o in zip(lines, speeds, oneway)
        ],
    )
    rows = calls(district, days, seed)
    _collection(
        folder / "calls.geojson",
        [
            _feature(
                {
                    "id": f"J{k:05d}",
                    "time": row["time"].isoformat(),
                    "category": row["category"],
                    "arrival": (row["time"] + timedelta(minutes=10)).isoformat(),
                    "clear": (row["time"] + timedelta(minutes=10, seconds=round(row["service"]))).isoformat(),
                },
                shapely.Point(p),
            )
            for k, (row, p) in enumerate(zip(rows, _lonlat(district, [r["xy"] for r in rows])))
        ],
    )
    return _scenario(
        folder,
        {
            "stations": "stations.geojson",
            "villages": "villages.geojson",
            "incidents": "calls.geojson",
            "roads": {"lines": "roads.geojson", "speed": "speed"},
        },
    )
