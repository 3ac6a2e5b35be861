"""Village or community grid cells: polygons with an id and indicator columns.

:func:`read_cells` takes a GeoDataFrame, a layer file (GeoJSON needs nothing more;
GeoPackage, shapefile and other GDAL formats need pyogrio) or a list of records,
checks ids and polygons once, and returns :class:`Cells`. Polygons stay in their
own CRS for output; a projected copy in metres (:attr:`Cells.metric`) serves
adjacency and straight-line distances, with a local projection chosen for
longitude/latitude input.
"""

from __future__ import annotations

import json
import math
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import shape

from ..errors import GeometryWarning, InputError, listed
from ..network.snap import equirectangular, is_geographic

__all__ = ["Cells", "read_cells"]

GEOJSON_SUFFIXES = (".geojson", ".json")


@dataclass(frozen=True, eq=False)
class Cells:
    """Cells with ids, polygons (in ``crs``) and columns, one entry a cell.

    ``metric`` holds the same polygons in metres: as they are for a projected
    CRS, on a local equirectangular projection for longitude/latitude.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> cells = read_cells([{"id": "a", "geometry": box(0, 0, 500, 500), "calls": 3}])
    >>> cells.ids, cells.numbers("calls").tolist()
    (('a',), [3.0])
    """

    ids: tuple[str, ...]
    geometry: NDArray[np.object_]
    columns: Mapping[str, NDArray[np.object_]]
    crs: str | None
    metric: NDArray[np.object_]

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def index(self) -> dict[str, int]:
        """Cell id -> its position."""
        return {cell: i for i, cell in enumerate(self.ids)}

    @cached_property
    def points(self) -> NDArray[np.float64]:
        """A point inside each cell, in metres (``metric`` coordinates)."""
        return np.asarray(shapely.get_coordinates(shapely.point_on_surface(self.metric)), dtype=np.float64)

    @cached_property
    def anchors(self) -> NDArray[np.float64]:
        """A point inside each cell in the cells' own CRS (for snapping to roads)."""
        return np.asarray(shapely.get_coordinates(shapely.point_on_surface(self.geometry)), dtype=np.float64)

    def has(self, column: str) -> bool:
        """Whether the cells carry ``column``."""
        return column in self.columns

    def _column(self, column: str) -> NDArray[np.object_]:
        if column not in self.columns:
            known = ", ".join(sorted(self.columns)) or "none"
            raise InputError(f"the cells have no column {column!r}; their columns: {known}")
        return self.columns[column]

    def numbers(self, column: str) -> NDArray[np.float64]:
        """``column`` as finite numbers >= 0; an error names every cell that is not."""
        values = self._column(column)
        found = np.full(len(values), np.nan)
        for i, value in enumerate(values):
            if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
                found[i] = float(value)
        bad = np.flatnonzero(~np.isfinite(found) | (found < 0))
        if len(bad):
            raise InputError(
                f"column {column!r} must hold a number >= 0 for every cell",
                listed([f"cell {self.ids[i]!r}: {values[i]!r}" for i in bad]),
            )
        return found

    def labels(self, column: str) -> NDArray[np.str_]:
        """``column`` as non-empty text; an error names every cell without a value."""
        values = self._column(column)
        missing = [i for i, v in enumerate(values) if v is None or str(v).strip() == "" or v != v]
        if missing:
            raise InputError(
                f"column {column!r} has no value for {len(missing)} cell(s); give each cell one",
                listed([f"cell {self.ids[i]!r}" for i in missing]),
            )
        return np.array([str(v).strip() for v in values])

    def take(self, indices: NDArray[np.int64]) -> Cells:
        """The cells at ``indices``, in that order."""
        return Cells(
            ids=tuple(self.ids[i] for i in indices.tolist()),
            geometry=self.geometry[indices],
            columns={name: values[indices] for name, values in self.columns.items()},
            crs=self.crs,
            metric=self.metric[indices],
        )


def read_cells(source: Any, *, crs: str | None = None, layer: str | None = None) -> Cells:
    """Cells from a GeoDataFrame, a layer file or a list of records.

    Parameters
    ----------
    source
        A GeoDataFrame; a path to a GeoJSON file, or (with pyogrio) a GeoPackage,
        shapefile or any layer GDAL reads; a list of mappings with ``id``,
        ``geometry`` (a shapely polygon or a GeoJSON mapping) and indicator
        columns; or :class:`Cells` (returned as they are).
    crs
        The cells' CRS when the source does not say (or to override it).
    layer
        The layer of a multi-layer file.

    Raises
    ------
    InputError
        Missing or duplicate ids, missing, empty or non-polygon geometry; the
        message names every such cell.

    Invalid polygons are repaired (``make_valid``) with a :class:`GeometryWarning`
    naming them; so are coordinates taken for longitude/latitude when no CRS is
    given.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> cells = read_cells([{"id": 7, "geometry": box(0, 0, 800, 500), "name": "石滩村"}], crs="EPSG:32649")
    >>> cells.ids, cells.labels("name").tolist(), cells.crs
    (('7',), ['石滩村'], 'EPSG:32649')
    """
    if isinstance(source, Cells):
        return source
    if isinstance(source, (str, Path)):
        records, found_crs = _read_file(Path(source), layer)
    elif hasattr(source, "geometry") and hasattr(source, "columns"):
        records, found_crs = _read_frame(source)
    elif isinstance(source, Sequence):
        records, found_crs = [dict(r) for r in source], None
    else:
        raise InputError(
            f"cells must be a GeoDataFrame, a layer path or a list of records, not {type(source).__name__}"
        )
    return _cells(records, crs or found_crs)


def _read_file(path: Path, layer: str | None) -> tuple[list[dict[str, Any]], str | None]:
    if not path.is_file():
        raise InputError(f"cell layer {str(path)!r} does not exist")
    if path.suffix.lower() in GEOJSON_SUFFIXES:
        try:
            document = json.loads(path.read_text(encoding="utf-8-sig"))
        except (ValueError, UnicodeDecodeError) as error:
            raise InputError(f"{str(path)!r} is not valid GeoJSON: {error}") from None
        features = document.get("features") if isinstance(document, dict) else None
        if not isinstance(features, list):
            raise InputError(f"{str(path)!r} must hold a GeoJSON FeatureCollection")
        named = ((document.get("crs") or {}).get("properties") or {}).get("name")
        records = [
            {**(f.get("properties") or {}), "geometry": f.get("geometry")} if isinstance(f, dict) else {}
            for f in features
        ]
        return records, named
    try:
        import pyogrio.raw
    except ImportError as error:
        raise ImportError(
            f"reading {path.suffix} layers needs pyogrio: pip install 'central-dispatch[files]'"
        ) from error
    try:
        meta, _, geometry, values = pyogrio.raw.read(path, layer=layer)
    except Exception as error:  # GDAL raises several kinds on unreadable files
        raise InputError(f"cannot read {str(path)!r}: {error}") from None
    shapes = shapely.from_wkb(geometry)
    fields = [str(f) for f in meta["fields"]]
    records = [
        {**{f: _plain(column[k]) for f, column in zip(fields, values)}, "geometry": shapes[k]}
        for k in range(len(shapes))
    ]
    return records, meta.get("crs")


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds."""
    return value.item() if isinstance(value, np.generic) else value


def _read_frame(frame: Any) -> tuple[list[dict[str, Any]], str | None]:
    geometry = np.asarray(frame.geometry.values, dtype=object)
    name = frame.geometry.name
    columns = [c for c in frame.columns if c != name]
    data = {c: frame[c].to_numpy() for c in columns}
    records = [{**{c: _plain(data[c][k]) for c in columns}, "geometry": geometry[k]} for k in range(len(geometry))]
    crs = frame.crs.to_string() if getattr(frame, "crs", None) is not None else None
    return records, crs


def _polygonal(value: Any, owner: str, problems: list[str], repaired: list[str]) -> Any:
    """The cell's polygon, repaired if invalid; ``None`` (and a problem) when there is none."""
    try:
        geometry = shape(value) if isinstance(value, Mapping) else value
    except Exception as error:  # shapely raises several kinds on malformed GeoJSON
        problems.append(f"{owner}: malformed geometry: {error}")
        return None
    if not isinstance(geometry, shapely.Geometry) or geometry.is_empty:
        problems.append(f"{owner}: no polygon")
        return None
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        problems.append(f"{owner}: geometry must be a Polygon or MultiPolygon, got {geometry.geom_type}")
        return None
    if shapely.is_valid(geometry):
        return geometry
    reason = shapely.is_valid_reason(geometry)
    parts = [p for p in shapely.get_parts(shapely.make_valid(geometry)) if p.geom_type in ("Polygon", "MultiPolygon")]
    fixed = shapely.union_all(parts) if parts else None
    if fixed is None or fixed.is_empty or fixed.area <= 0:
        problems.append(f"{owner}: invalid polygon that cannot be repaired ({reason})")
        return None
    repaired.append(f"{owner} ({reason})")
    return fixed


def _cells(records: list[dict[str, Any]], crs: str | None) -> Cells:
    if not records:
        raise InputError("there are no cells: give at least one polygon")
    problems: list[str] = []
    repaired: list[str] = []
    ids, shapes = [], []
    for k, record in enumerate(records):
        raw = record.get("id")
        cell = "" if raw is None or (isinstance(raw, float) and math.isnan(raw)) else str(raw).strip()
        if not cell:
            problems.append(f"feature {k}: no 'id'")
        owner = f"cell {cell!r}" if cell else f"feature {k}"
        ids.append(cell)
        shapes.append(_polygonal(record.get("geometry"), owner, problems, repaired))
    problems += [f"cell id {cell!r} is used {n} times" for cell, n in Counter(ids).items() if n > 1 and cell]
    if problems:
        raise InputError(f"{len(problems)} problem(s) with the cells", listed(problems))
    if repaired:
        warnings.warn(
            f"repaired {len(repaired)} invalid polygon(s): " + "; ".join(listed(repaired)),
            GeometryWarning,
            stacklevel=3,
        )
    geometry = np.array(shapes, dtype=object)
    names = sorted({key for record in records for key in record} - {"id", "geometry"})
    columns = {name: np.array([record.get(name) for record in records], dtype=object) for name in names}
    metric, crs = _metric(geometry, crs)
    return Cells(tuple(ids), geometry, columns, crs, metric)


def _metric(geometry: NDArray[np.object_], crs: str | None) -> tuple[NDArray[np.object_], str | None]:
    """The polygons in metres (as they are, or projected when in degrees) and the CRS."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(geometry)
    geographic = is_geographic(crs)
    if crs is None and -180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90:
        warnings.warn(
            "the cells name no CRS and their coordinates look like longitude/latitude: taken as EPSG:4326; "
            "give crs= to say otherwise",
            GeometryWarning,
            stacklevel=4,
        )
        geographic, crs = True, "EPSG:4326"
    if not geographic:
        return geometry, crs
    latitude = math.radians((ymin + ymax) / 2)
    return np.asarray(shapely.transform(geometry, lambda xy: equirectangular(xy, latitude)), dtype=object), crs
