"""Any common file as one table: headers, rows of cells, geometries and a CRS.

By extension: ``.csv``/``.txt`` (optionally ``.gz``), ``.xlsx``, ``.geojson``/
``.json``, ``.shp`` and ``.gpkg``. Spreadsheets and shapefiles need the ``files``
extra (openpyxl, pyogrio). A shapefile's text is decoded by its ``.cpg`` or DBF
code page, else as UTF-8, else as GBK/GB18030; ``encoding`` overrides.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ..errors import InputError, listed
from .files import checked_file, collector_paused, csv_rows, decode, read_bytes

__all__ = ["SUFFIXES", "Table", "read_table"]

SUFFIXES = (".csv", ".txt", ".csv.gz", ".xlsx", ".xlsm", ".geojson", ".json", ".shp", ".gpkg", ".pbf")
"""The file types :func:`read_table` reads."""


@dataclass(frozen=True)
class Table:
    """A file's rows: ``rows[i][j]`` is the cell of ``headers[j]`` (text, a
    number, a datetime, a list or ``None``); ``geometry[i]`` its shape, if the
    file has shapes. ``crs`` is the CRS the file declares (``None``: none);
    ``numbers[i]`` the number of row ``i`` in messages (a spreadsheet row, or a
    feature's position), counted in ``unit``s."""

    source: str
    headers: list[str]
    rows: list[list[Any]]
    numbers: list[int]
    geometry: list[BaseGeometry] | None = None
    crs: str | None = None
    unit: str = "row"
    encoding: str | None = None
    columns: list[list[Any]] | None = field(default=None, repr=False, compare=False)
    """The same cells column by column, when the reader had them so."""

    def where(self, i: int, column: str | None = None) -> str:
        """``"'villages.csv', row 7, column '人口'"`` for row ``i``."""
        return f"{self.source}, {self.unit} {self.numbers[i]}" + (f", column {column!r}" if column else "")

    def column(self, position: int) -> list[Any]:
        """The cells of one column."""
        if self.columns is not None:
            return self.columns[position]
        return [row[position] if position < len(row) else None for row in self.rows]


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return next((s for s in sorted(SUFFIXES, key=len, reverse=True) if name.endswith(s)), path.suffix.lower())


def read_table(
    path: str | Path, *, sheet: str | None = None, layer: str | None = None, encoding: str | None = None
) -> Table:
    """Read ``path`` as a :class:`Table` (formats above).

    ``sheet`` picks a spreadsheet's sheet (default the first), ``layer`` a
    GeoPackage's layer (default the only one). Every problem names the file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "stations.csv"
    >>> _ = path.write_text("名称,民警数\\n卓水,5\\n", encoding="gbk")
    >>> table = read_table(path)
    >>> table.headers, table.rows, table.encoding
    (['名称', '民警数'], [['卓水', '5']], 'gb18030')
    """
    path = checked_file(path)
    with collector_paused():
        table = _read(path, _suffix(path), repr(str(path)), sheet, layer, encoding)
    if not table.rows:
        raise InputError(f"{table.source} is empty: it has no rows below its header")
    return table


def _read(path: Path, suffix: str, source: str, sheet: str | None, layer: str | None, encoding: str | None) -> Table:
    if suffix in (".csv", ".txt", ".csv.gz"):
        table = _csv(path, source, encoding)
    elif suffix in (".xlsx", ".xlsm"):
        table = _xlsx(path, source, sheet)
    elif suffix in (".geojson", ".json"):
        table = _geojson(path, source, encoding)
    elif suffix in (".shp", ".gpkg"):
        table = _ogr(path, source, layer, encoding)
    elif suffix == ".pbf":  # an OSM extract: its ways
        table = _ogr(path, source, layer or "lines", encoding)
    elif suffix == ".xls":
        raise InputError(f"{source} is an old .xls workbook: open it in Excel or WPS and save it as .xlsx")
    else:
        raise InputError(f"{source}: cannot read {suffix or 'files without an extension'}; use one of {SUFFIXES}")
    return table


def _csv(path: Path, source: str, encoding: str | None) -> Table:
    text, used = decode(read_bytes(path), source, encoding)
    rows = csv_rows(text, source)
    if not rows or not any(c.strip() for c in rows[0]):
        raise InputError(f"{source} is empty: it needs a header row and data rows")
    headers = [h.strip() for h in rows[0]]
    body = rows[1:]
    if body and all(len(row) == len(headers) for row in body):  # the usual file: a column at a time
        columns = [[c.strip() or None for c in column] for column in zip(*body)]
        none = np.array(None, dtype=object)
        empty = np.logical_and.reduce([np.equal(np.array(c, dtype=object), none) for c in columns])
        keep = np.flatnonzero(~np.asarray(empty, dtype=bool)).tolist()
        table = [list(row) for row in zip(*columns)]
        if len(keep) < len(table):  # blank rows left out
            table = [table[i] for i in keep]
            columns = [[column[i] for i in keep] for column in columns]
        return Table(source, headers, table, [i + 2 for i in keep], encoding=used, columns=columns)
    return _spreadsheet(source, headers, body, used)


def _spreadsheet(source: str, headers: list[str], body: list[list[Any]], encoding: str | None = None) -> Table:
    """Rows below a header, numbered as a spreadsheet shows them; blank rows are
    skipped, text cells stripped, empty cells ``None``."""
    rows, numbers, long = [], [], []
    width = len(headers)
    for number, row in enumerate(body, start=2):
        cells = [(c.strip() or None) if isinstance(c, str) else c for c in row]
        if cells.count(None) == len(cells):
            continue
        if len(cells) != width:
            if cells[width:].count(None) != len(cells[width:]):
                long.append(f"row {number}")
            cells = cells[:width] + [None] * (width - len(cells))
        rows.append(cells)
        numbers.append(number)
    if long:
        raise InputError(f"{source}: rows with more cells than the header has columns", listed(long))
    return Table(source, headers, rows, numbers, encoding=encoding)


def _xlsx(path: Path, source: str, sheet: str | None) -> Table:
    try:
        import openpyxl
    except ImportError as error:
        raise ImportError("reading .xlsx files needs openpyxl: pip install 'central-dispatch[files]'") from error
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zipfile, KeyError and XML errors on bad files
        raise InputError(f"{source} is not a readable .xlsx workbook: {error}") from None
    try:
        if sheet is None:
            sheet = book.sheetnames[0]
        if sheet not in book.sheetnames:
            raise InputError(f"{source} has no sheet {sheet!r}; its sheets are {book.sheetnames}")
        rows = [list(r) for r in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()
    source = f"{source}, sheet {sheet!r}"
    if not rows:
        raise InputError(f"{source} is empty")
    headers = [str(h).strip() if h is not None else "" for h in rows[0]]
    while headers and not headers[-1]:
        headers.pop()
    return _spreadsheet(source, headers, rows[1:])


def _geojson(path: Path, source: str, encoding: str | None) -> Table:
    text, used = decode(read_bytes(path), source, encoding)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{source} is not valid JSON: {error}") from None
    except RecursionError:
        raise InputError(f"{source} is nested too deeply to be GeoJSON") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise InputError(f"{source} must hold a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list):
        raise InputError(f"{source}: 'features' must be a list")
    problems: list[str] = []
    properties: list[dict[str, Any]] = []
    shapes: list[BaseGeometry] = []
    for i, feature in enumerate(features):
        where = f"feature {i}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(f"{where} is not a GeoJSON Feature")
            continue
        found = feature.get("properties") or {}
        if not isinstance(found, dict):
            problems.append(f"{where}: 'properties' must be an object")
            continue
        if "id" in found:
            where += f" (id {found['id']!r})"
        made = _shape(feature.get("geometry"), where, problems)
        if made is not None:
            properties.append(found)
            shapes.append(made)
    if problems:
        raise InputError(f"{source} has malformed features", listed(problems))
    headers = list(dict.fromkeys(k for p in properties for k in p))
    rows = [[p.get(h) for h in headers] for p in properties]
    crs = _declared_crs(document.get("crs"), source)
    return Table(source, headers, rows, list(range(len(rows))), shapes, crs, "feature", used)


def _shape(geometry: Any, where: str, problems: list[str]) -> BaseGeometry | None:
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind is None:
        problems.append(f"{where}: has no geometry")
        return None
    try:
        made: BaseGeometry = shape(geometry)
    except Exception as error:  # shapely raises several kinds on bad coordinates
        problems.append(f"{where}: malformed {kind} geometry: {error}")
        return None
    if made.is_empty or not shapely.is_valid(made):
        problems.append(f"{where}: {kind} geometry is empty or invalid ({shapely.is_valid_reason(made)})")
        return None
    return made


def _declared_crs(member: Any, source: str) -> str | None:
    """The CRS named by a GeoJSON ``crs`` member (``None`` when absent)."""
    if member is None:
        return None
    name = member.get("properties", {}).get("name") if isinstance(member, dict) else None
    if not isinstance(name, str):
        raise InputError(f"{source}: its 'crs' member must be {{'type': 'name', 'properties': {{'name': ...}}}}")
    return name


def _ogr(path: Path, source: str, layer: str | None, encoding: str | None) -> Table:
    try:
        import pyogrio
        from pyogrio.raw import read
    except ImportError as error:
        raise ImportError(
            "reading shapefiles and GeoPackages needs pyogrio: pip install 'central-dispatch[files]'"
        ) from error
    if layer is None and path.suffix.lower() == ".gpkg":
        names = [str(n) for n, _ in pyogrio.list_layers(path)]
        if len(names) > 1:
            raise InputError(f"{source} has layers {names}; pick one with layer:")
    if encoding is None and path.suffix.lower() == ".shp" and not _declares_encoding(path):
        for guess in ("UTF-8", "GB18030"):
            try:
                return _ogr_read(read, path, source, layer, guess)
            except UnicodeDecodeError:
                continue
        raise InputError(f"{source} is neither UTF-8 nor GBK/GB18030; give its encoding with encoding:")
    try:
        return _ogr_read(read, path, source, layer, encoding)
    except UnicodeDecodeError:
        raise InputError(f"{source} is not in {encoding}; give its real encoding with encoding:") from None


def _declares_encoding(shp: Path) -> bool:
    """Whether a shapefile names its code page (a ``.cpg`` file or the DBF's)."""
    if shp.with_suffix(".cpg").is_file() or shp.with_suffix(".CPG").is_file():
        return True
    dbf = shp.with_suffix(".dbf")
    header = dbf.read_bytes()[:32] if dbf.is_file() else b""
    return len(header) > 29 and header[29] != 0


def _ogr_read(read: Any, path: Path, source: str, layer: str | None, encoding: str | None) -> Table:
    try:
        meta, _, wkb, fields = read(path, layer=layer, encoding=encoding)
    except UnicodeDecodeError:
        raise
    except Exception as error:  # pyogrio raises DataSourceError, DataLayerError ...
        raise InputError(f"cannot read {source}: {error}") from None
    if layer is not None:
        source = f"{source}, layer {layer!r}"
    geometry = shapely.from_wkb(wkb) if wkb is not None else None
    headers = [str(h) for h in meta["fields"]]
    # Python values, with NaN and "" as empty cells
    columns = [[None if v is None or v != v or v == "" else v for v in values.tolist()] for values in fields]
    rows = [list(r) for r in zip(*columns)] if columns else [[] for _ in range(len(geometry or []))]
    numbers = list(range(len(rows)))
    if geometry is not None:
        bad = np.flatnonzero(~shapely.is_valid(geometry) | shapely.is_empty(geometry) | shapely.is_missing(geometry))
        if path.suffix.lower() == ".pbf":  # an extract cuts ways at its edge, some down to one point: left out
            numbers = np.setdiff1d(np.arange(len(rows)), bad).tolist()
            geometry, rows = geometry[numbers], [rows[i] for i in numbers]
        elif len(bad):
            problems = [f"feature {i}: empty or invalid geometry ({shapely.is_valid_reason(geometry[i])})" for i in bad]
            raise InputError(f"{source} has malformed features", listed(problems))
    shapes = list(geometry) if geometry is not None else None
    return Table(source, headers, rows, numbers, shapes, meta.get("crs"), "feature", meta.get("encoding"))
