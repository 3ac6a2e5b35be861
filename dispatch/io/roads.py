"""Road networks from files: two CSV files, road line layers, OSM PBF extracts.

``nodes.csv`` has columns ``id, x, y``. ``edges.csv`` has ``u, v, travel_time``
(seconds) and optionally ``length`` (metres >= 0, or empty) and ``oneway`` (``1``,
the default: only ``u -> v``; ``0``: both directions). Line layers and OSM
extracts are noded by :func:`~dispatch.network.lines.from_lines`.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from ..errors import InputError, listed
from ..network import RoadNetwork
from ..network.convert import RURAL_SPEEDS_KPH
from ..network.lines import ROAD_SPEEDS_KPH, from_vertices, road_speeds
from .columns import match_columns
from .coords import LayerCrs, is_lonlat, metric_crs, parse_crs, transform
from .files import atomic_write, csv_rows, decode, read_bytes
from .layers import LayerSource, geometry_crs
from .tables import read_table

__all__ = ["projected", "read_osm_pbf", "read_road_lines", "read_roads", "write_roads"]


def _rows(path: str | Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    source = repr(str(path))
    text, _ = decode(read_bytes(path), source)
    header, *rows = csv_rows(text, source) or [[]]
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(f"{source} lacks the column(s) {missing}; it needs {list(required)}")
    return [dict(zip(header, row)) for row in rows]


def _numbers(path: str | Path, rows: list[dict[str, str]], column: str, default: str | None = None) -> np.ndarray:
    values, problems = [], []
    for line, row in enumerate(rows, start=2):
        text = row.get(column) or default
        try:
            values.append(float(text))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            problems.append(f"line {line}: {column} is {text!r}, not a number")
    if problems:
        raise InputError(f"{str(path)!r} has malformed values", listed(problems))
    return np.array(values)


def read_roads(nodes_path: str | Path, edges_path: str | Path, *, crs: str | None = None) -> RoadNetwork:
    """Read a road network from a nodes CSV and an edges CSV."""
    nodes = _rows(nodes_path, ("id", "x", "y"))
    labels = [row["id"] for row in nodes]
    xy = np.column_stack([_numbers(nodes_path, nodes, "x"), _numbers(nodes_path, nodes, "y")])
    index = {label: i for i, label in enumerate(labels)}
    if len(index) != len(labels):
        raise InputError(f"{str(nodes_path)!r}: node ids must be unique")
    edges = _rows(edges_path, ("u", "v", "travel_time"))
    unknown = [
        f"line {line}: node {row[end]!r}"
        for line, row in enumerate(edges, start=2)
        for end in ("u", "v")
        if row[end] not in index
    ]
    if unknown:
        raise InputError(f"{str(edges_path)!r} names nodes missing from {str(nodes_path)!r}", listed(unknown))
    tails = np.array([index[row["u"]] for row in edges], dtype=np.int64)
    heads = np.array([index[row["v"]] for row in edges], dtype=np.int64)
    time = _numbers(edges_path, edges, "travel_time")
    length = _numbers(edges_path, edges, "length", default="nan")
    oneway = _numbers(edges_path, edges, "oneway", default="1")
    problems = [
        f"line {i + 2}: oneway is {value:g}; give 1 (u -> v only) or 0 (both ways)"
        for i, value in enumerate(oneway.tolist())
        if value not in (0, 1)
    ] + [
        f"line {i + 2}: length is {value:g}; give metres >= 0, or leave it empty"
        for i, value in enumerate(length.tolist())
        if not (np.isnan(value) or 0 <= value < np.inf)
    ]
    if problems:
        raise InputError(f"{str(edges_path)!r} has bad values", listed(problems))
    return RoadNetwork(labels, xy, tails, heads, time, length=length, two_way=oneway == 0, crs=crs)


def projected(network: RoadNetwork) -> RoadNetwork:
    """``network`` with longitude/latitude nodes moved to :func:`~dispatch.io.coords.metric_crs`
    (times and lengths kept); any other network as it is."""
    if network.crs is None or not is_lonlat(network.crs):
        return network
    source = LayerCrs(network.crs)
    lon, lat = transform(network.xy, source, "EPSG:4326", where="the road nodes").mean(axis=0)
    target = metric_crs(float(lon), float(lat))
    xy = transform(network.xy, source, target, where="the road nodes")
    return RoadNetwork(
        network.labels, xy, network.tails, network.heads, network.travel_time, length=network.length, crs=target
    )


def write_roads(network: RoadNetwork, nodes_path: str | Path, edges_path: str | Path) -> None:
    """Write a road network; an edge whose reverse has the same time and length is
    written once, with ``oneway = 0``."""
    n = network.n_nodes
    tails, heads = network.tails, network.heads
    key = tails * n + heads
    reverse_key = heads * n + tails
    position = {k: i for i, k in enumerate(key.tolist())}
    twin = np.array([position.get(k, -1) for k in reverse_key.tolist()])
    length, time = network.length, network.travel_time
    same = (twin >= 0) & (time == time[twin]) & ((length == length[twin]) | (np.isnan(length) & np.isnan(length[twin])))
    keep = ~same | (tails < heads)
    with atomic_write(nodes_path) as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["id", "x", "y"])
        writer.writerows(zip(network.labels.tolist(), *network.xy.T.tolist()))
    labels = network.labels.tolist()
    with atomic_write(edges_path) as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["u", "v", "travel_time", "length", "oneway"])
        for i in np.flatnonzero(keep).tolist():
            writer.writerow(
                [
                    labels[tails[i]],
                    labels[heads[i]],
                    repr(float(time[i])),
                    "" if np.isnan(length[i]) else repr(float(length[i])),
                    0 if same[i] else 1,
                ]
            )


# ---------------------------------------------------------------- road lines

ONEWAY_MARKS = {"1": 1, "yes": 1, "true": 1, "t": 1, "是": 1, "单行": 1, "-1": -1, "reverse": -1}
"""``oneway`` values that make a line one-way (``-1``: against its drawing);
anything else, or nothing, is two-way."""


def read_road_lines(
    source: str | Path | LayerSource,
    *,
    class_column: str | None = None,
    speed_column: str | None = None,
    speeds_kph: Mapping[str, float] = ROAD_SPEEDS_KPH,
) -> RoadNetwork:
    """A road network from a line layer (shapefile, GeoPackage, GeoJSON) with a
    road class and/or a speed (km/h) column.

    Columns are found by name (``class_column``, ``speed_column``) or by their
    aliases (道路等级, 设计速度, 单行 ...). A line's speed is its speed cell when
    that is a number > 0, else its class's speed in ``speeds_kph`` (see
    :data:`~dispatch.network.lines.ROAD_SPEEDS_KPH`). Lines in longitude/latitude
    are projected to :func:`~dispatch.io.coords.metric_crs`.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> line = {"type": "LineString", "coordinates": [[0, 0], [1000, 0]]}
    >>> feature = {"type": "Feature", "properties": {"道路等级": "县道"}, "geometry": line}
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "roads.geojson"
    >>> _ = path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    >>> roads = read_road_lines(path)
    >>> roads.n_nodes, float(roads.travel_time[0])  # 1 km at 40 km/h
    (2, 90.0)
    """
    options = source if isinstance(source, LayerSource) else LayerSource(path=Path(source))
    table = read_table(options.path, sheet=options.sheet, layer=options.layer, encoding=options.encoding)
    if table.geometry is None:
        raise InputError(f"{table.source} has no line geometry: give roads as a shapefile, GeoPackage or GeoJSON")
    mapping: dict[str, str | None] = dict(options.columns)
    mapping |= {column: field for column, field in ((class_column, "class"), (speed_column, "speed")) if column}
    fields = match_columns("roads", table.headers, table.source, mapping, allowed=("geometry",), strict=False)
    if "class" not in fields and "speed" not in fields:
        raise InputError(
            f"{table.source} has no road class or speed column; name them with "
            "roads: {lines: ..., class: COLUMN, speed: COLUMN} (a class such as 国道/县道/X123, a speed in km/h)"
        )
    speed = road_speeds(table.column(fields["class"]) if "class" in fields else [None] * len(table.rows), speeds_kph)
    if "speed" in fields:
        given = np.array([_positive(v) for v in table.column(fields["speed"])])
        speed = np.where(np.isnan(given), speed, given)
    unknown = [
        f"{table.where(i)}: class {table.rows[i][fields['class']]!r}" if "class" in fields else table.where(i)
        for i in np.flatnonzero(np.isnan(speed)).tolist()
    ]
    if unknown:
        raise InputError(
            f"{table.source}: road lines with no speed: give their class a speed with speeds_kph: "
            "{CLASS: km/h} or fill in the speed column",
            listed(unknown),
        )
    oneway = (
        [ONEWAY_MARKS.get(str(v).strip().casefold(), 0) for v in table.column(fields["oneway"])]
        if "oneway" in fields
        else None
    )
    declared = parse_crs(options.crs if options.crs is not None else table.crs, f"{table.source}: crs")
    layer_crs, _ = geometry_crs(table, declared, lonlat_default=True)
    return _lines_network(table.geometry, layer_crs, speed, oneway, table.where, table.source)


def _positive(value: object) -> float:
    try:
        number = float(str(value).replace("km/h", "").strip()) if value is not None else math.nan
    except ValueError:
        return math.nan
    return number if number > 0 and math.isfinite(number) else math.nan


def _lines_network(
    geometry: Sequence[BaseGeometry],
    layer_crs: LayerCrs,
    speed: NDArray[np.float64],
    oneway: Sequence[int] | None,
    name: Callable[[int], str],
    source: str,
) -> RoadNetwork:
    """Lines (MultiLineStrings split into parts) moved to a metric CRS, noded;
    lines without a CRS are taken to be in metres."""
    shapes = np.asarray(geometry, dtype=object)
    kinds = shapely.get_type_id(shapes)
    bad = np.flatnonzero(~np.isin(kinds, [1, 5])).tolist()  # LineString, MultiLineString
    if bad:
        raise InputError(
            f"{source}: road lines must be lines", listed([f"{name(i)}: a {shapes[i].geom_type}" for i in bad])
        )
    parts, index = (
        shapely.get_parts(shapes, return_index=True) if (kinds == 5).any() else (shapes, np.arange(len(shapes)))
    )
    coords, line = shapely.get_coordinates(parts, return_index=True)
    target = layer_crs.crs
    if target is not None and (is_lonlat(target) or layer_crs.offset is not None):
        lon, lat = transform(coords, layer_crs, "EPSG:4326", where=source).mean(axis=0)
        target = metric_crs(float(lon), float(lat))
    coords = transform(coords, layer_crs, target, where=source)
    direction = np.zeros(len(shapes), dtype=np.int64) if oneway is None else np.asarray(oneway, dtype=np.int64)
    slow = np.flatnonzero(~(speed > 0) | ~np.isfinite(speed)).tolist()
    if slow:
        raise InputError(f"{source}: road lines need a speed > 0 km/h", listed([name(i) for i in slow]))
    return from_vertices(coords, line, speed[index], direction[index], crs=target)


def read_osm_pbf(path: str | Path, *, speeds_kph: Mapping[str, float] = RURAL_SPEEDS_KPH) -> RoadNetwork:
    """Drivable roads from an OSM PBF extract (needs the ``files`` extra): its
    ways with a ``highway`` class in ``speeds_kph``, at their ``maxspeed`` or
    their class's speed, one-way where tagged, in the local metric CRS.

    Examples
    --------
    >>> roads = read_osm_pbf("tests/data/osm/test.osm.pbf")  # doctest: +SKIP
    """
    table = read_table(path)
    if "highway" not in table.headers or table.geometry is None:
        raise InputError(f"{table.source} has no highway lines: is it an OSM extract?")
    classes = table.column(table.headers.index("highway"))
    tags = [_hstore(t) for t in table.column(table.headers.index("other_tags"))]
    keep = [i for i, c in enumerate(classes) if c in speeds_kph]
    if not keep:
        raise InputError(f"{table.source} has no drivable roads (highway classes {sorted(speeds_kph)})")
    speed = road_speeds([classes[i] for i in keep], speeds_kph)
    given = np.array([_positive(tags[i].get("maxspeed")) for i in keep])
    speed = np.where(np.isnan(given), speed, given)
    oneway = [ONEWAY_MARKS.get(tags[i].get("oneway", "").casefold(), 0) for i in keep]
    lines = [table.geometry[i] for i in keep]
    return _lines_network(lines, LayerCrs("EPSG:4326"), speed, oneway, lambda i: table.where(keep[i]), table.source)


def _hstore(text: object) -> dict[str, str]:
    """GDAL's ``other_tags`` (``"k"=>"v","k2"=>"v2"``) as a dict."""
    return dict(re.findall(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"', str(text or "")))
