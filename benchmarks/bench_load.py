"""Loading a province from a planner's files, step by step.

A 100k-junction road line layer (GeoPackage, Chinese classes), 1,000 stations
(XLSX, Chinese headers, GCJ-02), 20,000 village grids (GBK shapefile without a
.cpg, CGCS2000 degrees) and a year of 110 calls (GBK CSV, Chinese timestamps,
GCJ-02), written once, then loaded the way ``dispatch check`` / ``plan`` load
them. Beside each step: the raw read of the same file by geopandas (pyogrio) or
pandas, which only parses it (no columns matched, no CRS resolved, no noding).
Beside the year of calls, a year of a county's size (20,000 calls, as in the
demo county) read the same way, outside the load.

Targets: the whole load under 20 s, the roads under 10 s.

Run: ``pip install -e '.[bench]'`` then ``python benchmarks/bench_load.py [--calls 800000]``.
"""

from __future__ import annotations

import argparse
import csv
import math
import tempfile
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import shapely
from common import best_of, paragraph, progress, ratio, sig, table
from openpyxl import Workbook
from pyogrio.raw import write

from dispatch.datasets.synthetic import synthetic_roads
from dispatch.district import District
from dispatch.evaluate.history import match_calls
from dispatch.io import LayerSource, read_calls, read_layer, read_road_lines
from dispatch.io.coords import LayerCrs, from_wgs84, transform
from dispatch.io.folder import district_from_layers
from dispatch.io.incidents import CHINA_TIME
from dispatch.io.layers import DefaultsWarning
from dispatch.io.placement import check_against_roads

CRS = "EPSG:4545"
OFFSET = np.array([575_000.0, 3_268_000.0])
CLASSES = {25.0: "村道", 40.0: "县道", 60.0: "省道"}
COUNTY_CALLS = 20_000
TARGET_LOAD, TARGET_ROADS = 20.0, 10.0


def lonlat(xy: np.ndarray, offset: str | None = None) -> np.ndarray:
    points = transform(xy, LayerCrs(CRS), "EPSG:4326")
    return np.column_stack(from_wgs84(*points.T, offset)) if offset else points  # type: ignore[arg-type]


def write_files(folder: Path, n_calls: int, seed: int = 7) -> dict[str, Path]:
    rng = np.random.default_rng(seed)
    roads = synthetic_roads(100_000, seed=seed, spacing=600.0)
    xy = roads.xy + OFFSET
    pairs = {}
    for u, v, t, length in zip(roads.tails.tolist(), roads.heads.tolist(), roads.travel_time, roads.length):
        pairs.setdefault((min(u, v), max(u, v)), round(float(length / t * 3.6)))
    ends = np.array(list(pairs))
    lines = shapely.linestrings(np.stack([xy[ends[:, 0]], xy[ends[:, 1]]], axis=1))
    classes = np.array([CLASSES[s] for s in pairs.values()], dtype=object)
    write(
        folder / "道路.gpkg",
        shapely.to_wkb(lines),
        [classes],
        fields=["道路等级"],
        geometry_type="LineString",
        crs=CRS,
        driver="GPKG",
        layer="道路",
    )
    main = np.flatnonzero(roads.main_component)
    nodes = rng.choice(main, 21_000, replace=False)
    stations, villages = nodes[:1_000], nodes[1_000:]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("派出所")
    sheet.append(["编号", "名称", "经度", "纬度", "民警数", "警车数", "人口", "警情数", "纠纷数", "案件数", "类型"])
    for k, (lon, lat) in enumerate(lonlat(xy[stations], "GCJ-02")):
        sheet.append([f"s{k:04d}", f"第{k}派出所", lon, lat, 6, 2, 20_000, 800, 100, 60, "unassigned"])
    book.save(folder / "派出所.xlsx")
    grids = shapely.box(*(xy[villages] - 200.0).T, *(xy[villages] + 200.0).T)
    grids = shapely.set_coordinates(grids, lonlat(shapely.get_coordinates(grids)))
    fields = [
        np.array([f"v{k:05d}" for k in range(len(villages))], dtype=object),
        np.array([f"村{k}" for k in range(len(villages))], dtype=object),
        rng.integers(300, 3_000, len(villages)),
    ]
    write(
        folder / "村社网格.shp",
        shapely.to_wkb(grids),
        fields,
        fields=["编号", "村名", "人口"],
        geometry_type="Polygon",
        crs="EPSG:4490",
        encoding="GBK",
    )
    (folder / "村社网格.cpg").unlink()
    points = xy[villages]
    write_calls(folder / "警情.csv", points, n_calls, rng)
    write_calls(folder / "县警情.csv", points, COUNTY_CALLS, rng)
    return {
        "roads": folder / "道路.gpkg",
        "stations": folder / "派出所.xlsx",
        "villages": folder / "村社网格.shp",
        "calls": folder / "警情.csv",
        "county calls": folder / "县警情.csv",
    }


def write_calls(path: Path, points: np.ndarray, n_calls: int, rng: np.random.Generator) -> None:
    """A year of ``n_calls`` calls near ``points`` (GBK CSV, Chinese times, GCJ-02)."""
    at = lonlat(points[rng.integers(0, len(points), n_calls)] + rng.normal(0, 50, (n_calls, 2)), "GCJ-02")
    start = datetime(2024, 1, 1, tzinfo=CHINA_TIME)
    seconds = np.sort(rng.uniform(0, 365 * 86_400, n_calls))
    with path.open("w", encoding="gbk", newline="") as f:
        out = csv.writer(f)
        out.writerow(["接警单编号", "报警时间", "经度", "纬度", "警情类别"])
        for k in range(n_calls):
            moment = start + timedelta(seconds=float(seconds[k]))
            out.writerow(
                [f"J{k:07d}", f"{moment:%Y年%-m月%-d日 %H:%M:%S}", f"{at[k, 0]:.7f}", f"{at[k, 1]:.7f}", "纠纷"]
            )


@dataclass(frozen=True)
class Step:
    """One step of the load: dispatch's seconds and the raw read's (``nan``: none)."""

    name: str
    what: str
    seconds: float
    raw: float = math.nan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=800_000, help="calls in the year (800 per station)")
    args = parser.parse_args()
    warnings.simplefilter("ignore", DefaultsWarning)
    import geopandas
    import pandas

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        spent, paths = best_of(1, lambda: write_files(folder, args.calls))
        progress(f"wrote the files in {spent:.1f} s (not part of the load)")
        steps: list[Step] = []
        spent, roads = best_of(1, lambda: read_road_lines(LayerSource(path=paths["roads"], layer="道路")))
        raw, _ = best_of(1, lambda: geopandas.read_file(paths["roads"], layer="道路"))
        steps.append(
            Step("roads: 道路.gpkg, lines noded", f"{roads.n_nodes:,} nodes, {roads.n_edges:,} edges", spent, raw)
        )
        spent, stations = best_of(1, lambda: read_layer(paths["stations"], "stations", crs="GCJ-02", to_crs=roads.crs))
        raw, _ = best_of(1, lambda: pandas.read_excel(paths["stations"], sheet_name="派出所"))
        steps.append(Step("stations: 派出所.xlsx, GCJ-02", f"{len(stations.records):,} stations", spent, raw))
        spent, villages = best_of(1, lambda: read_layer(paths["villages"], "villages", to_crs=roads.crs))
        raw, _ = best_of(1, lambda: geopandas.read_file(paths["villages"], encoding="gbk"))
        steps.append(Step("villages: GBK shapefile grids", f"{len(villages.records):,} villages", spent, raw))
        layers = {"stations": stations, "villages": villages}

        def build() -> District:
            for layer in layers.values():
                check_against_roads(layer, roads)
            return district_from_layers("province", roads, layers)

        spent, district = best_of(1, build)
        steps.append(Step("district: CRS checks, snapping", f"{len(district.units):,} units", spent))
        spent, calls = best_of(1, lambda: read_calls(LayerSource(path=paths["calls"], crs="GCJ-02"), to_crs=roads.crs))
        raw, _ = best_of(1, lambda: pandas.read_csv(paths["calls"], encoding="gbk"))
        steps.append(Step("calls: 警情.csv, Chinese times", f"{len(calls):,} calls", spent, raw))
        spent, history = best_of(1, lambda: match_calls(calls, district, areas=villages.areas))
        steps.append(Step("calls to village grids", f"{len(history):,} matched", spent))
        spent, _ = best_of(1, lambda: (history.rates(), history.profile(), history.priorities()))
        steps.append(Step("demand fitted", "rates, 24-hour profile", spent))
        progress("the load done; a county's year of calls")
        county, county_calls = best_of(
            1, lambda: read_calls(LayerSource(path=paths["county calls"], crs="GCJ-02"), to_crs=roads.crs)
        )
    report(steps, county, len(county_calls))


def report(steps: list[Step], county: float, county_calls: int) -> None:
    total = sum(step.seconds for step in steps)
    roads, calls = steps[0], steps[4]
    read = [step for step in steps if math.isfinite(step.raw)]
    dispatch_read, raw_read = sum(step.seconds for step in read), sum(step.raw for step in read)
    paragraph(
        "Loading a province from a planner's files the way `dispatch check` and `dispatch plan` load them",
        f"takes **{sig(total)} s**: the {TARGET_LOAD:g} s target is",
        f"**{'met' if total <= TARGET_LOAD else 'missed'}**; the roads take **{sig(roads.seconds)} s**, so their",
        f"{TARGET_ROADS:g} s target is **{'met' if roads.seconds <= TARGET_ROADS else 'missed'}**.",
        f"Like for like, the steps that read a file take {sig(dispatch_read)} s, and a raw read of the same",
        "files (geopandas with pyogrio, or pandas: parsing only, no columns matched, no CRS resolved, no noding)",
        f"takes {sig(raw_read)} s, {ratio(raw_read / dispatch_read)} dispatch's time.",
        f"The {calls.what} (read a column at a time, every cell checked, times in Chinese forms) take",
        f"{sig(calls.seconds)} s of the load; a year of {county_calls:,} calls, as in the demo county, reads in",
        f"{sig(county)} s. The files: a 100k-junction road line layer (GeoPackage, Chinese classes), 1,000",
        "stations (XLSX, Chinese headers, GCJ-02), 20,000 village grids (GBK shapefile without `.cpg`,",
        "CGCS2000) and a year of calls (GBK CSV, Chinese timestamps, GCJ-02), each read once.",
    )
    rows = [
        (
            step.name,
            step.what,
            sig(step.seconds),
            *((sig(step.raw), ratio(step.raw / step.seconds)) if math.isfinite(step.raw) else (None, None)),
        )
        for step in steps
    ]
    rows.append(("whole load", "", sig(total), None, None))
    table(
        "Loading a province, step by step (one run each)",
        ("step", "what", "dispatch s", "raw read s", "× (raw read ÷ dispatch)"),
        rows,
        ("", "", "s", "s", "s"),
    )


if __name__ == "__main__":
    main()
