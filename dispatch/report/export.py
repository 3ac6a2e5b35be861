"""Results as files people open in GIS and Excel: the plan as GeoPackage,
GeoJSON, shapefile or XLSX; every simulated call and each village's response as
CSV or XLSX. Ids are written as given, never as indices.

GeoPackages and shapefiles need pyogrio (the ``export`` extra), XLSX openpyxl;
GeoJSON and CSV need nothing more. CSV is UTF-8 with a byte-order mark, so Excel
shows Chinese names; shapefiles come with a ``.cpg`` saying UTF-8. Every file
appears whole or not at all.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from shapely import LineString, Point, to_geojson, unary_union
from shapely.geometry.base import BaseGeometry

from ..district import District
from ..errors import InputError
from ..evaluate.metrics import TARGETS, response_metrics, within
from ..evaluate.simulation import SimulationResult
from ..io.files import atomic_write
from ..network.search import place_times
from ..plan.structure import ClusterPlan

__all__ = ["PLAN_SUFFIXES", "TABLE_SUFFIXES", "export_calls", "export_plan", "export_villages", "plan_layers"]

PLAN_SUFFIXES = (".gpkg", ".geojson", ".shp", ".xlsx")
"""File types :func:`export_plan` writes, chosen by the path's suffix."""

TABLE_SUFFIXES = (".csv", ".xlsx")
"""File types :func:`export_calls` and :func:`export_villages` write."""

Layer = tuple[list[str], list[tuple[Any, ...]], list[BaseGeometry]]
"""A layer: column names, one row of values and one geometry a feature."""


def _checked(path: str | Path, suffixes: Sequence[str]) -> Path:
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise InputError(f"cannot write {str(path)!r}: give a file ending in {', '.join(suffixes)}")
    return path


def plan_layers(district: District, plan: ClusterPlan) -> dict[str, Layer]:
    """The plan as three layers: ``stations`` (points with kind and cluster),
    ``links`` (central to base, with the road time in seconds) and ``clusters``
    (the union of the members' jurisdictions, where the district has them).

    Examples
    --------
    >>> from dispatch import cluster
    >>> from dispatch.datasets import zhuoshui_shuishi
    >>> case = zhuoshui_shuishi()
    >>> layers = plan_layers(case, cluster(case))
    >>> layers["stations"][1]
    [('zhuoshui', 'Zhuoshui', 'central', 'zhuoshui', 8, 1), ('shuishi', 'Shuishi', 'base', 'zhuoshui', 4, 1)]
    """
    units = {s.id: len(district.units_of(s.id)) for s in district.stations}
    stations: Layer = (["id", "name", "kind", "cluster", "officers", "units"], [], [])
    for s in district.stations:
        cluster = plan.cluster_of(s.id)
        stations[1].append(
            (s.id, s.name, plan.kinds[s.id].value, cluster.central if cluster else "", s.officers, units[s.id])
        )
        stations[2].append(Point(s.location))
    links: Layer = (["cluster", "central", "base", "link_time"], [], [])
    times = place_times(district.roads.core, district.station_places, district.station_places)
    index = district.station_index
    clusters: Layer = (["cluster", "central", "members", "stations"], [], [])
    for c in plan.clusters:
        for base in c.bases:
            links[1].append((c.central, c.central, base, float(times[index[c.central], index[base]])))
            links[2].append(LineString([district.station(c.central).location, district.station(base).location]))
        areas = [district.jurisdictions[m] for m in c.members if m in district.jurisdictions]
        if areas:
            clusters[1].append((c.central, c.central, ",".join(c.members), len(c.members)))
            clusters[2].append(unary_union(areas))
    return {"stations": stations, "links": links, "clusters": clusters}


@contextmanager
def _staged(path: Path) -> Iterator[Path]:
    """A path in a fresh folder beside ``path``; on success every file written
    there (``plan.shp``, ``plan.dbf``, ...) moves into place, else none does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}."))
    try:
        yield folder / path.name
        for written in sorted(folder.iterdir()):
            os.chmod(written, 0o644)
            os.replace(written, path.parent / written.name)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _pyogrio() -> Any:
    try:
        import pyogrio.raw
    except ImportError as error:
        raise ImportError("GeoPackages and shapefiles need pyogrio: pip install 'central-dispatch[files]'") from error
    return pyogrio.raw


def _write_ogr(path: Path, name: str, layer: Layer, crs: str | None, driver: str, **options: Any) -> None:
    columns, rows, geometries = layer
    fields = {c: np.array([row[k] for row in rows], dtype=object) for k, c in enumerate(columns)}
    fields = {c: (v.astype(str) if isinstance(v[0], str) else v.astype(type(v[0]))) for c, v in fields.items()}
    kind = geometries[0].geom_type
    with warnings.catch_warnings():
        # A district without a CRS (local metres) gives files without one too.
        warnings.filterwarnings("ignore", message="'crs' was not provided", category=UserWarning)
        _pyogrio().write(
            str(path),
            np.array([g.wkb for g in geometries], dtype=object),
            list(fields.values()),
            list(fields),
            layer=name,
            driver=driver,
            geometry_type="MultiPolygon" if kind in ("Polygon", "MultiPolygon") else kind,
            crs=crs,
            encoding="UTF-8" if driver == "ESRI Shapefile" else None,
            promote_to_multi=kind in ("Polygon", "MultiPolygon"),
            **options,
        )


def export_plan(district: District, plan: ClusterPlan, path: str | Path) -> Path:
    """Write the plan's stations, links and cluster areas (see :func:`plan_layers`).

    By suffix: ``.gpkg`` (three layers), ``.geojson`` (one collection; each
    feature's ``layer`` says which), ``.shp`` (``NAME.shp`` for stations,
    ``NAME_links.shp`` and ``NAME_clusters.shp``, each with a UTF-8 ``.cpg``) or
    ``.xlsx`` (a sheet a layer, coordinates as x, y or WKT).

    Examples
    --------
    >>> import tempfile
    >>> from dispatch import cluster
    >>> from dispatch.datasets import zhuoshui_shuishi
    >>> case = zhuoshui_shuishi()
    >>> path = export_plan(case, cluster(case), Path(tempfile.mkdtemp()) / "plan.geojson")
    >>> [f["properties"].get("kind") for f in json.loads(path.read_text())["features"]]
    ['central', 'base', None]
    """
    path = _checked(path, PLAN_SUFFIXES)
    layers = {name: layer for name, layer in plan_layers(district, plan).items() if layer[1]}
    crs = district.roads.crs
    suffix = path.suffix.lower()
    if suffix == ".geojson":
        features = [
            {"type": "Feature", "properties": {"layer": name, **dict(zip(columns, row))}, "geometry": "@"}
            for name, (columns, rows, _) in layers.items()
            for row in rows
        ]
        shapes = [to_geojson(g) for _, _, geometries in layers.values() for g in geometries]
        text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
        for shape in shapes:
            text = text.replace('"@"', shape, 1)
        with atomic_write(path) as f:
            f.write(text)
    elif suffix == ".xlsx":
        sheets = {}
        for name, (columns, rows, geometries) in layers.items():
            if name == "stations":
                sheets[name] = ([*columns, "x", "y"], [(*row, g.x, g.y) for row, g in zip(rows, geometries)])
            else:
                sheets[name] = ([*columns, "wkt"], [(*row, g.wkt) for row, g in zip(rows, geometries)])
        _write_xlsx(path, sheets)
    else:
        with _staged(path) as staged:
            for name, layer in layers.items():
                if suffix == ".gpkg":
                    _write_ogr(staged, name, layer, crs, "GPKG", append=staged.exists())
                else:
                    target = staged if name == "stations" else staged.with_name(f"{staged.stem}_{name}.shp")
                    _write_ogr(target, name, layer, crs, "ESRI Shapefile")
    return path


def _write_xlsx(path: Path, sheets: Mapping[str, tuple[Sequence[str], Sequence[Sequence[Any]]]]) -> None:
    try:
        from openpyxl import Workbook
    except ImportError as error:
        raise ImportError("Excel files need openpyxl: pip install 'central-dispatch[files]'") from error
    book = Workbook()
    book.remove(book.active)
    for name, (columns, rows) in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(list(columns))
        for row in rows:
            sheet.append([None if isinstance(v, float) and np.isnan(v) else v for v in row])
    with _staged(path) as staged:
        book.save(staged)


def _write_table(path: Path, name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    if path.suffix.lower() == ".xlsx":
        _write_xlsx(path, {name: (columns, rows)})
        return
    import csv

    with atomic_write(path) as f:
        f.write("\ufeff")  # Excel reads UTF-8 (Chinese names) only with the byte-order mark
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(["" if isinstance(v, float) and np.isnan(v) else v for v in row] for row in rows)


CALL_COLUMNS = (
    "replication", "call", "village", "village_name", "priority", "call_time", "dispatch_time", "arrival_time",
    "clear_time", "response", "wait", "unit", "station", "home_station", "reason", "lost",
)  # fmt: skip
"""The columns of :func:`export_calls`: times in seconds from the start of the run."""


def export_calls(district: District, result: SimulationResult, path: str | Path) -> Path:
    """Write every simulated call, a row each (columns :data:`CALL_COLUMNS`):
    which village called, which unit of which station went, when, and why.

    Examples
    --------
    >>> import tempfile
    >>> from dispatch.datasets import zhuoshui_shuishi
    >>> from dispatch.evaluate.simulation import SimulationParams, simulate
    >>> case = zhuoshui_shuishi()
    >>> result = simulate(case, params=SimulationParams(horizon=5 * 86_400.0, seed=1))
    >>> path = export_calls(case, result, Path(tempfile.mkdtemp()) / "calls.csv")
    >>> path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")[:4]
    ['replication', 'call', 'village', 'village_name']
    """
    path = _checked(path, TABLE_SUFFIXES)
    villages = district.villages
    rows = []
    for r, run in enumerate(result.runs):
        for k in range(len(run.call)):
            unit, post = int(run.unit[k]), int(run.post[k])
            village = villages[int(run.village[k])]
            rows.append(
                (
                    r,
                    f"c{k}",
                    village.id,
                    village.name,
                    int(run.priority[k]),
                    float(run.call[k]),
                    float(run.dispatch[k]),
                    float(run.arrival[k]),
                    float(run.clear[k]),
                    float(run.response[k]),
                    float(run.wait[k]),
                    result.unit_ids[unit] if unit >= 0 else "",
                    result.post_ids[post] if post >= 0 else "",
                    result.post_ids[int(run.home[k])] if run.home[k] >= 0 else "",
                    str(run.reason[k]),
                    bool(run.lost[k]),
                )
            )
    _write_table(path, "calls", CALL_COLUMNS, rows)
    return path


def export_villages(
    district: District, results: Mapping[str, SimulationResult], path: str | Path, targets: Sequence[float] = TARGETS
) -> Path:
    """Write each village's calls a year and response (mean of the answered calls
    and Harrell-Davis p90 in seconds, share within each target, as
    :func:`~dispatch.evaluate.metrics.response_metrics` counts them: a call never
    answered counts against the p90 and the shares) for each named result, a column group
    each (``before_mean``, ``after_mean``, ...; no prefix for the name ``""``).

    Examples
    --------
    >>> import tempfile
    >>> from dispatch import cluster, compare
    >>> from dispatch.datasets import zhuoshui_shuishi
    >>> from dispatch.evaluate.simulation import SimulationParams
    >>> case = zhuoshui_shuishi()
    >>> both = compare(case, cluster(case), params=SimulationParams(horizon=30 * 86_400.0, replications=3))
    >>> path = export_villages(case, {"": both.after}, Path(tempfile.mkdtemp()) / "villages.csv")
    >>> path.read_text(encoding="utf-8-sig").splitlines()[0]
    'village,name,station,population,calls_a_year,mean,p90,within_900,within_1800'
    """
    path = _checked(path, TABLE_SUFFIXES)
    columns = ["village", "name", "station", "population"]
    metrics = ["calls_a_year", "mean", "p90", *(within(t) for t in targets)]
    for name in results:
        columns += [f"{name}_{m}" if name else m for m in metrics]
    home = district.home_stations
    rows = [[v.id, v.name, district.stations[int(home[k])].id, v.population] for k, v in enumerate(district.villages)]
    for result in results.values():
        years = sum(run.horizon for run in result.runs) / (365 * 86_400.0)
        village = np.concatenate([run.village for run in result.runs])
        response = np.concatenate([run.response for run in result.runs])
        for k, row in enumerate(rows):
            found = response_metrics(response[village == k], targets)  # unanswered calls count against it
            row.append(float(np.sum(village == k) / years))
            row += [found["mean"], found["p90"], *(found[within(t)] for t in targets)]
    _write_table(path, "villages", columns, rows)
    return path
