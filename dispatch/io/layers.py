"""District layers from any common file: :func:`read_layer`.

A layer is stations, units, partners, villages, jurisdictions, a boundary or
incidents (see :mod:`dispatch.io.incidents`). Columns are matched through
:mod:`dispatch.io.columns`; coordinates come from ``lon``/``lat`` or ``x``/``y``
columns or from geometry, in the layer's CRS (``crs``, else the file's, else
WGS-84 for longitude/latitude columns and for GeoJSON that is in degrees next to
a network that has a CRS, else the road network's), and are moved to the road
network's CRS. Villages given as polygons get their centroid as location and keep
the polygon.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import shapely
from numpy.typing import NDArray
from pydantic import Field
from shapely.geometry import MultiPolygon, Polygon

from ..errors import DefaultsWarning, InputError, listed
from ..model import Frozen, Indicators, Partner, Station, Unit, Village
from .columns import FIELDS, INDICATOR_PREFIX, match_columns
from .coords import LayerCrs, parse_crs, transform
from .tables import Table, read_table

__all__ = ["DefaultsWarning", "Layer", "LayerSource", "read_layer"]

Area: TypeAlias = Polygon | MultiPolygon

INDICATOR_FIELDS = ("population", "incidents_per_year", "disputes", "cases")

POINT_KINDS = ("stations", "partners", "villages", "incidents")


class LayerSource(Frozen):
    """Where a layer comes from and how to read it: a file ``path`` (a
    spreadsheet's ``sheet``, a GeoPackage's ``layer``), its ``crs`` and
    ``encoding`` when the file does not say, and ``columns`` mapping its headers
    to fields (``null`` ignores a column)."""

    path: Path
    sheet: str | None = None
    layer: str | None = None
    crs: str | int | None = None
    encoding: str | None = None
    columns: dict[str, str | None] = Field(default_factory=dict)


@dataclass(frozen=True)
class Layer:
    """What :func:`read_layer` read: the ``records`` (stations, partners,
    villages or units, in file order), the ``units`` they bring, ``areas`` (a
    polygon by id: jurisdictions, village grids, the boundary under ``""``),
    each row's ``xy`` in the target CRS (incidents: ``nan`` where a row has no
    location), the ``table`` itself and the ``defaults`` filled in."""

    kind: str
    source: str
    records: tuple[Any, ...] = ()
    units: tuple[Unit, ...] = ()
    areas: dict[str, Area] = field(default_factory=dict)
    xy: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 2)))
    table: Table | None = None
    fields: dict[str, int] = field(default_factory=dict)
    crs: LayerCrs = field(default_factory=lambda: LayerCrs(None))
    defaults: tuple[str, ...] = ()


def read_layer(
    source: str | Path | LayerSource | Any,
    kind: str,
    *,
    to_crs: str | None = None,
    sheet: str | None = None,
    layer: str | None = None,
    crs: str | int | None = None,
    encoding: str | None = None,
    columns: Mapping[str, str | None] | None = None,
) -> Layer:
    """Read one district layer of ``kind`` (``stations``, ``units``,
    ``partners``, ``villages``, ``jurisdictions``, ``boundary`` or
    ``incidents``) from a file, a :class:`LayerSource` or a GeoDataFrame.

    Coordinates are moved to ``to_crs`` (the road network's CRS; ``None`` keeps
    the layer's own, with GCJ-02 and BD-09 undone). Every bad cell is listed in
    one :class:`InputError` naming file, row and column; defaults filled in are
    listed in a :class:`DefaultsWarning` and in :attr:`Layer.defaults`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "派出所.csv"
    >>> text = "编号,名称,经度,纬度,民警数,警车数,人口\\nzs,卓水,108.7,29.5,5,2,9000\\n"
    >>> _ = path.write_text(text, encoding="utf-8-sig")  # as Excel saves CSV: UTF-8 with a BOM
    >>> import warnings; warnings.simplefilter("ignore")  # the defaults filled in (disputes, cases ...)
    >>> stations = read_layer(path, "stations", to_crs="EPSG:4545")
    >>> stations.records[0].name, stations.records[0].officers, [u.id for u in stations.units]
    ('卓水', 5, ['zs-1', 'zs-2'])
    """
    if kind not in FIELDS:
        raise InputError(f"unknown layer kind {kind!r}; use one of {list(FIELDS)}")
    if isinstance(source, LayerSource):
        options = source
    elif isinstance(source, (str, Path)):
        options = LayerSource(path=Path(source))
    else:
        options = None
    if options is not None:
        sheet, layer = sheet or options.sheet, layer or options.layer
        crs = crs if crs is not None else options.crs
        encoding, columns = encoding or options.encoding, {**options.columns, **(columns or {})}
        table = read_table(options.path, sheet=sheet, layer=layer, encoding=encoding)
    else:
        table = _from_geodataframe(source)
    return _layer(_Reader(table, kind, columns or {}, crs, to_crs))


def _from_geodataframe(frame: Any) -> Table:
    geometry = getattr(frame, "geometry", None)
    if geometry is None:
        raise InputError(f"read_layer reads a path, a LayerSource or a GeoDataFrame, not {type(frame).__name__}")
    name = geometry.name
    headers = [str(c) for c in frame.columns if c != name]
    rows = [[None if _missing(v) else v for v in r] for r in frame[headers].itertuples(index=False, name=None)]
    crs = frame.crs.to_string() if frame.crs is not None else None
    return Table("the GeoDataFrame", headers, rows, list(range(len(rows))), list(geometry), crs, "feature")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def geometry_crs(table: Table, given: LayerCrs, *, lonlat_default: bool) -> tuple[LayerCrs, str]:
    """The CRS of a table's shapes and a note if it was assumed: ``given`` (from
    ``crs:`` or the file); else, for GeoJSON whose coordinates are degrees and
    ``lonlat_default``, WGS-84 (RFC 7946); else, for GeoJSON, the road network's.
    A shapefile or GeoPackage that names no CRS is an error."""
    if given.crs is not None:
        return given, ""
    if not table.source.endswith((".geojson'", ".json'")):
        raise InputError(
            f"{table.source} does not say its CRS (a shapefile needs its .prj); give it with crs: "
            "(e.g. crs: 4490 for CGCS2000, 4545 for its Gauss-Krüger zone CM 108E, 4326 for WGS-84)"
        )
    bounds = np.array([g.bounds for g in table.geometry or []]).reshape(-1, 4)
    degrees = bool((np.abs(bounds[:, [0, 2]]) <= 180).all() and (np.abs(bounds[:, [1, 3]]) <= 90).all())
    if degrees and lonlat_default:
        note = f"{table.source}: no crs member: read as WGS-84 longitude/latitude (RFC 7946)"
        return LayerCrs("EPSG:4326", None, "WGS-84 (RFC 7946, assumed)"), note
    return given, ""


# ------------------------------------------------------------------ cells


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value: Any) -> float:
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(str(value).replace(",", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise ValueError("not a number") from None
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def _count(value: Any) -> int:
    number = _number(value)
    if not number.is_integer() or number < 0:
        raise ValueError("not a whole number >= 0")
    return int(number)


def _ids(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [_text(v) for v in value]
    return [t for t in re.split(r"[;,，；、|\s]+", _text(value)) if t]


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "officers": _count,
    "vehicles": _count,
    "population": _number,
    "units": _ids,
    "stations": _ids,
    "lon": _number,
    "lat": _number,
    "x": _number,
    "y": _number,
}
TEXT_FIELDS = {"id", "name", "kind", "station", "village", "category", "valid"}


class _Reader:
    """Reads one table as a layer, collecting every problem and default."""

    def __init__(
        self, table: Table, kind: str, columns: Mapping[str, str | None], crs: str | int | None, to_crs: str | None
    ) -> None:
        self.table, self.kind, self.to_crs = table, kind, to_crs
        allowed = ("geometry",) if table.geometry is not None else ()
        self.fields = match_columns(kind, table.headers, table.source, columns, allowed=allowed)
        self.crs = parse_crs(crs if crs is not None else table.crs, f"{table.source}: crs")
        self.problems: list[str] = []
        self.bad_rows: set[int] = set()
        self.defaults: list[str] = []

    def cell(self, i: int, name: str, default: Any = None) -> Any:
        """Row ``i``'s value of field ``name``, converted; a bad one is a problem."""
        position = self.fields.get(name)
        value = None if position is None else self.table.rows[i][position]
        if value is None:
            return default
        if name in TEXT_FIELDS:
            return _text(value)
        convert: Callable[[Any], Any] = CONVERTERS.get(name, _number)
        try:
            return convert(value)
        except ValueError as error:
            self.bad_rows.add(i)
            self.problems.append(f"{self.table.where(i, self.table.headers[position])}: {value!r} is {error}")  # type: ignore[index]
            return default

    def require(self, *names: str) -> None:
        missing = [n for n in names if n not in self.fields]
        if missing:
            raise InputError(
                f"{self.table.source} has no {' or '.join(repr(m) for m in missing)} column; "
                f"name one of its columns so, or map it with columns:"
            )

    def default(self, name: str, value: Any, what: str) -> None:
        """Note that the whole layer lacks ``name`` and gets ``value``."""
        if name not in self.fields:
            self.defaults.append(f"{self.table.source}: no {name!r} column: every {what} gets {value!r}")

    # -------------------------------------------------------------- locations

    def locations(self) -> NDArray[np.float64]:
        """Each row's point in the target CRS (``nan`` where a row has none)."""
        n = len(self.table.rows)
        if {"lon", "lat"} <= set(self.fields):
            xy, crs = self._columns("lon", "lat"), self.crs
            if crs.crs is None:
                crs = LayerCrs("EPSG:4326", None, "WGS-84 (assumed for longitude/latitude columns)")
                self.defaults.append(f"{self.table.source}: no crs given: longitude/latitude read as WGS-84")
        elif {"x", "y"} <= set(self.fields):
            xy, crs = self._columns("x", "y"), self.crs
        elif self.table.geometry is not None:
            xy, crs = self._geometry_points(), self._geometry_crs()
        elif self.kind == "incidents":
            return np.full((n, 2), np.nan)
        else:
            raise InputError(
                f"{self.table.source} gives no locations: it needs lon and lat (经度, 纬度), x and y, or geometry"
            )
        self.crs = crs
        given = ~np.isnan(xy).any(axis=1)
        moved = np.full((n, 2), np.nan)
        if given.any():
            moved[given] = transform(xy[given], crs, self.target, where=self.table.source)
        return moved

    @property
    def target(self) -> str | None:
        """The CRS coordinates go to: ``to_crs``, else the layer's own."""
        return self.to_crs if self.to_crs is not None else self.crs.crs

    def _columns(self, a: str, b: str) -> NDArray[np.float64]:
        try:  # numbers or plain numeric text: all at once
            xy = np.column_stack(
                [[math.nan if v is None else v for v in self.table.column(self.fields[c])] for c in (a, b)]
            )
            xy = np.asarray(xy, dtype=np.float64)
            if np.isinf(xy).any():
                raise ValueError
        except (TypeError, ValueError):  # something else: cell by cell, naming each bad one
            xy = np.array([(self.cell(i, a, math.nan), self.cell(i, b, math.nan)) for i in range(len(self.table.rows))])
        missing = [self.table.where(i) for i in np.flatnonzero(np.isnan(xy).any(axis=1)).tolist()]
        if missing and self.kind != "incidents":
            self.problems += [f"{w}: no {a}/{b} coordinates" for w in missing]
        return np.array(xy, dtype=np.float64).reshape(-1, 2)

    def _geometry_points(self) -> NDArray[np.float64]:
        assert self.table.geometry is not None
        points = []
        for i, geometry in enumerate(self.table.geometry):
            if geometry.geom_type == "Point":
                points.append((geometry.x, geometry.y))
            elif self.kind in ("villages", "incidents") and geometry.geom_type in ("Polygon", "MultiPolygon"):
                points.append((math.nan, math.nan))  # filled with the centroid once projected
            else:
                self.problems.append(f"{self.table.where(i)}: a {geometry.geom_type}, where a Point is needed")
                points.append((math.nan, math.nan))
        return np.array(points, dtype=np.float64).reshape(-1, 2)

    def _geometry_crs(self) -> LayerCrs:
        crs, note = geometry_crs(self.table, self.crs, lonlat_default=self.to_crs is not None)
        if note:
            self.defaults.append(note)
        return crs

    def areas(self) -> list[Area | None]:
        """Each row's polygon in the target CRS (``None`` where it is no polygon)."""
        shapes = np.array(self.table.geometry or [], dtype=object)
        polygon = np.isin(shapely.get_type_id(shapes), [3, 6])  # Polygon, MultiPolygon
        moved = shapes[polygon]
        if len(moved):  # one transform for every vertex of the layer
            points = transform(shapely.get_coordinates(moved), self.crs, self.target, where=self.table.source)
            moved = shapely.set_coordinates(moved.copy(), points)
        found: list[Area | None] = [None] * len(shapes)
        for i, area in zip(np.flatnonzero(polygon).tolist(), moved):
            found[i] = area if shapely.is_valid(area) else shapely.make_valid(area)
        return found

    # -------------------------------------------------------------- layers

    def made(self, i: int, model: type[Frozen], **values: Any) -> Any:
        """``model(**values)``, or ``None`` with its problems noted against row ``i``
        (a row with a bad cell, already noted, makes nothing)."""
        if i in self.bad_rows:
            return None
        try:
            return model(**values)
        except InputError as error:
            self.problems += [f"{self.table.where(i)}: {p}" for p in error.problems]
            return None

    def post_units(self, i: int, owner: str) -> list[Unit]:
        ids = self.cell(i, "units")
        if ids is not None:
            return [Unit(id=u, station=owner) for u in ids]
        count = self.cell(i, "vehicles", 0)
        return [Unit(id=f"{owner}-{k}", station=owner) for k in range(1, count + 1)]


def _layer(reader: _Reader) -> Layer:
    build = {
        "stations": _stations,
        "partners": _partners,
        "villages": _villages,
        "units": _units,
        "jurisdictions": _jurisdictions,
        "boundary": _boundary,
        "incidents": _incidents,
    }[reader.kind]
    records, units, areas, xy = build(reader)
    if reader.problems:
        raise InputError(f"{reader.table.source} has {len(reader.problems)} bad value(s)", listed(reader.problems))
    if reader.defaults:
        warnings.warn(DefaultsWarning("; ".join(reader.defaults)), stacklevel=3)
    return Layer(
        reader.kind,
        reader.table.source,
        tuple(records),
        tuple(units),
        areas,
        xy,
        reader.table,
        reader.fields,
        reader.crs,
        tuple(reader.defaults),
    )


def _stations(reader: _Reader) -> tuple[list[Any], list[Unit], dict[str, Area], NDArray[np.float64]]:
    reader.require("id", "officers")
    if "units" not in reader.fields and "vehicles" not in reader.fields:
        reader.defaults.append(f"{reader.table.source}: no units or vehicles (警车数) column: stations get no units")
    for name in ("kind", *INDICATOR_FIELDS):
        reader.default(name, "unassigned" if name == "kind" else 0, "station")
    xy = reader.locations()
    stations, units = [], []
    extra = [f for f in reader.fields if f.startswith(INDICATOR_PREFIX)]
    for i in range(len(reader.table.rows)):
        owner = reader.cell(i, "id", "")
        indicators = {k: reader.cell(i, k, 0.0) for k in INDICATOR_FIELDS}
        other = {f.removeprefix(INDICATOR_PREFIX): reader.cell(i, f, 0.0) for f in extra}
        fields = {k: reader.cell(i, k) for k in ("name", "kind", "officers") if k in reader.fields}
        station = reader.made(
            i, Station, id=owner, **fields, location=tuple(xy[i]), indicators=Indicators(**indicators, other=other)
        )
        if station is not None:
            stations.append(station)
            units += reader.post_units(i, owner)
    return stations, units, {}, xy


def _partners(reader: _Reader) -> tuple[list[Any], list[Unit], dict[str, Area], NDArray[np.float64]]:
    reader.require("id", "stations")
    xy = reader.locations()
    partners, units = [], []
    for i in range(len(reader.table.rows)):
        owner = reader.cell(i, "id", "")
        name, stations = reader.cell(i, "name", ""), reader.cell(i, "stations", [])
        partner = reader.made(i, Partner, id=owner, name=name, stations=stations, location=tuple(xy[i]))
        if partner is not None:
            partners.append(partner)
            units += reader.post_units(i, owner)
    return partners, units, {}, xy


def _villages(reader: _Reader) -> tuple[list[Any], list[Unit], dict[str, Area], NDArray[np.float64]]:
    reader.require("id")
    reader.default("incident_rate", 0.0, "village (unless incidents are given)")
    xy = reader.locations()
    polygons = reader.areas() if reader.table.geometry is not None else []
    for i, polygon in enumerate(polygons):
        if polygon is not None:
            centroid = polygon.centroid
            xy[i] = (centroid.x, centroid.y)
    villages, areas = [], {}
    for i in range(len(reader.table.rows)):
        values = {k: reader.cell(i, k) for k in ("id", "name", "population", "incident_rate", "station")}
        values = {k: v for k, v in values.items() if v is not None}
        if "population" in values and not float(values["population"]).is_integer():
            reader.problems.append(
                f"{reader.table.where(i, 'population')}: {values['population']!r} is not a whole number"
            )
            continue
        village = reader.made(i, Village, **values, location=tuple(xy[i]))
        if village is not None:
            villages.append(village)
            if polygons and polygons[i] is not None:
                areas[village.id] = polygons[i]
    return villages, [], areas, xy


def _units(reader: _Reader) -> tuple[list[Any], list[Unit], dict[str, Area], NDArray[np.float64]]:
    reader.require("id", "station")
    units = [
        reader.made(i, Unit, **{k: reader.cell(i, k, "") for k in ("id", "station", "name")})
        for i in range(len(reader.table.rows))
    ]
    return [u for u in units if u is not None], [], {}, np.zeros((0, 2))


def _polygons(reader: _Reader) -> list[Area]:
    if reader.table.geometry is None:
        raise InputError(
            f"{reader.table.source} has no shapes: {reader.kind} need polygons (GeoJSON, shapefile, GeoPackage)"
        )
    reader.crs = reader._geometry_crs()
    areas = reader.areas()
    for i, area in enumerate(areas):
        if area is None:
            reader.problems.append(
                f"{reader.table.where(i)}: a {reader.table.geometry[i].geom_type}, where a polygon is needed"
            )
    return [a for a in areas if a is not None]


def _jurisdictions(reader: _Reader) -> tuple[list[Any], list[Unit], dict[str, Area], NDArray[np.float64]]:
    reader.require("station")
    polygons = _polygons(reader)
    areas: dict[str, Area] = {}
    for i, area in enumerate(polygons):
        owner = reader.cell(i, "station")
        if not owner:
            reader.problems.append(f"{reader.table.where(i)}: needs a 'station' naming what it outlines")
        elif owner in areas:
            reader.problems.append(f"{reader.table.where(i)}: a second polygon for station {owner!r}")
        else:
            areas[owner] = area
    return [], [], areas, np.zeros((0, 2))


def _boundary(reader: _Reader) -> tuple[list[Any], list[Unit], dict[str, Area], NDArray[np.float64]]:
    polygons = _polygons(reader)
    if reader.problems:
        return [], [], {}, np.zeros((0, 2))
    if len(reader.table.rows) != 1:
        raise InputError(f"{reader.table.source} must hold exactly one polygon feature, found {len(reader.table.rows)}")
    return [], [], {"": polygons[0]}, np.zeros((0, 2))


def _incidents(reader: _Reader) -> tuple[list[Any], list[Unit], dict[str, Area], NDArray[np.float64]]:
    reader.require("time")
    placed = {"lon", "lat"} <= set(reader.fields) or {"x", "y"} <= set(reader.fields) or "village" in reader.fields
    if not placed and reader.table.geometry is None:
        raise InputError(
            f"{reader.table.source} gives calls no place: it needs lon and lat (经度, 纬度), x and y, or village"
        )
    xy = reader.locations()
    return [], [], {}, xy
