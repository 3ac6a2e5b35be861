"""Loading a province from a planner's files, step by step.

A 100k-junction road line layer (GeoPackage, Chinese classes), 1,000 stations
(XLSX, Chinese headers, GCJ-02), 20,000 village grids (GBK shapefile without a
.cpg, CGCS2000 degrees) and a year of 110 calls (GBK CSV, Chinese timestamps,
GCJ-02), written once, then loaded the way ``dispatch check`` / ``plan`` load
them. Beside each step: the raw read of the same file by geopandas (pyogrio) or
pandas, which only parses it (no columns matched, no CRS resolved, no noding).

Targets: the whole load under 20 s, the roads under 10 s.

    python benchmarks/bench_load.py [--calls 800000]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
import warnings
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import shapely
from common import paragraph, progress, ratio, sig, table
from openpyxl import Workbook
from pyogrio.raw import write

from dispatch.datasets.synthetic import synthetic_roads
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
    at = lonlat(xy[villages[rng.integers(0, len(villages), n_calls)]] + rng.normal(0, 50, (n_calls, 2)), "GCJ-02")
    start = datetime(2024, 1, 1, tzinfo=CHINA_TIME)
    seconds = np.sort(rng.uniform(0, 365 * 86_400, n_calls))
    with (folder / "警情.csv").open("w", encoding="gbk", newline="") as f:
        out = csv.writer(f)
        out.writerow(["接警单编号", "报警时间", "经度", "纬度", "警情类别"])
        for k in range(n_calls):
            moment = start + timedelta(seconds=float(seconds[k]))
            out.writerow(
                [f"J{k:07d}", f"{moment:%Y年%-m月%-d日 %H:%M:%S}", f"{at[k, 0]:.7f}", f"{at[k, 1]:.7f}", "纠纷"]
            )
    return {
        "roads": folder / "道路.gpkg",
        "stations": folder / "派出所.xlsx",
        "villages": folder / "村社网格.shp",
        "calls": folder / "警情.csv",
    }


def timed(run):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def show(steps: list[tuple[str, str, float, float]], step: tuple[str, str, float, float]) -> None:
    """Keep a step and say it is done (on standard error)."""
    steps.append(step)
    progress(f"{step[0]}: {step[2]:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=800_000, help="calls in the year (800 per station)")
    args = parser.parse_args()
    warnings.simplefilter("ignore", DefaultsWarning)
    import geopandas
    import pandas

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        spent, paths = timed(lambda: write_files(folder, args.calls))
        progress(f"wrote the files in {spent:.1f} s (not part of the load)")
        steps: list[tuple[str, str, float, float]] = []
        spent, roads = timed(lambda: read_road_lines(LayerSource(path=paths["roads"], layer="道路")))
        base, _ = timed(lambda: geopandas.read_file(paths["roads"], layer="道路"))
        show(steps, ("roads: 道路.gpkg, lines noded", f"{roads.n_nodes:,} nodes, {roads.n_edges:,} edges", spent, base))
        spent, stations = timed(lambda: read_layer(paths["stations"], "stations", crs="GCJ-02", to_crs=roads.crs))
        base, _ = timed(lambda: pandas.read_excel(paths["stations"], sheet_name="派出所"))
        show(steps, ("stations: 派出所.xlsx, GCJ-02", f"{len(stations.records):,} stations", spent, base))
        spent, villages = timed(lambda: read_layer(paths["villages"], "villages", to_crs=roads.crs))
        base, _ = timed(lambda: geopandas.read_file(paths["villages"], encoding="gbk"))
        show(steps, ("villages: GBK shapefile grids", f"{len(villages.records):,} villages", spent, base))
        layers = {"stations": stations, "villages": villages}

        def build():  # type: ignore[no-untyped-def]
            for layer in layers.values():
                check_against_roads(layer, roads)
            return district_from_layers("province", roads, layers)

        spent, district = timed(build)
        show(steps, ("district: CRS checks, snapping", f"{len(district.units):,} units", spent, float("nan")))
        spent, calls = timed(lambda: read_calls(LayerSource(path=paths["calls"], crs="GCJ-02"), to_crs=roads.crs))
        base, _ = timed(lambda: pandas.read_csv(paths["calls"], encoding="gbk"))
        show(steps, ("calls: 警情.csv, Chinese times", f"{len(calls):,} calls", spent, base))
        spent, history = timed(lambda: match_calls(calls, district, areas=villages.areas))
        show(steps, ("calls to village grids", f"{len(history):,} matched", spent, float("nan")))
        spent, _ = timed(lambda: (history.rates(), history.profile(), history.priorities()))
        show(steps, ("demand fitted", "rates, 24-hour profile", spent, float("nan")))
    total = sum(s[2] for s in steps)
    paragraph(
        f"The whole load took **{sig(total)} s** (target 20 s: {'met' if total < 20 else 'missed'}), the roads",
        f"{sig(steps[0][2])} s (target 10 s: {'met' if steps[0][2] < 10 else 'missed'}). × is dispatch's time over",
        "the raw read's, which only parses the file.",
    )
    rows = [
        (name, what, sig(spent), sig(base) if base == base else "", ratio(spent / base) if base == base else "")
        for name, what, spent, base in steps
    ]
    table(
        "Loading a province, step by step (seconds)",
        ("step", "what", "dispatch s", "raw read s", "×"),
        [*rows, ("whole load", "", sig(total), "", "")],
        ("", "", "s", "s", "s"),
    )


if __name__ == "__main__":
    main()
