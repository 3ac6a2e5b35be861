"""Police grids as a layer: dissolved polygons in GeoJSON, GeoPackage or shapefile.

Each feature is one police grid with ``grid``, ``nest``, ``centre`` (the centre
cell's id), ``name`` (the centre cell's ``name``, when the cells have one), ``cells``
(how many), ``workload``, ``population`` and ``officer`` (the ``officer`` of the
centre cell, when the cells have one, for the planner to confirm): names a
shapefile keeps whole (at most ten characters). GeoJSON needs
nothing more; GeoPackage and shapefile need pyogrio (the ``files`` extra). Shapefiles are written in
UTF-8 with a ``.cpg`` file saying so. Writes are atomic: a failed write leaves
nothing behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError
from ..io.geojson import write_features
from ..plan.gridplan import GridPlan
from .export import Layer, _staged, _write_ogr

__all__ = ["grid_features", "write_grids"]

DRIVERS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".shp": "ESRI Shapefile"}
"""File suffix -> GDAL driver."""


def grid_features(plan: GridPlan) -> list[tuple[dict[str, Any], Any]]:
    """(properties, dissolved polygon) for each grid, in the cells' CRS."""
    cells = plan.cells
    polygons = plan.polygons()
    features = []
    for grid in plan.grids:
        centre = cells.index[grid.centre]
        properties = {
            "grid": grid.id,
            "nest": grid.nest or "",
            "centre": grid.centre,
            "name": _text(cells, "name", centre),
            "cells": len(grid.cells),
            "workload": round(grid.workload, 6),
            "population": round(grid.population, 6),
            "officer": _text(cells, "officer", centre),
        }
        features.append((properties, polygons[grid.id]))
    return features


def _text(cells: Any, column: str, row: int) -> str:
    if not cells.has(column):
        return ""
    value = cells.columns[column][row]
    return "" if value is None or value != value else str(value)


def write_grids(plan: GridPlan, path: str | Path) -> Path:
    """Write the grids to ``path``; its suffix picks the format (``.geojson``,
    ``.json``, ``.gpkg`` or ``.shp``). Returns the path written.

    Examples
    --------
    >>> import json, tempfile
    >>> from shapely.geometry import box
    >>> from dispatch.plan import police_grids
    >>> cells = [{"id": f"c{k}", "geometry": box(1e3 * k, 0, 1e3 * (k + 1), 1e3), "calls": 5} for k in range(4)]
    >>> out = write_grids(police_grids(cells, n_grids=2), tempfile.mkdtemp() + "/grids.geojson")
    >>> [f["properties"]["cells"] for f in json.loads(out.read_text())["features"]]
    [2, 2]
    """
    path = Path(path)
    driver = DRIVERS.get(path.suffix.lower())
    if driver is None:
        raise InputError(f"cannot write {str(path)!r}: give a path ending in one of {', '.join(DRIVERS)}")
    features = grid_features(plan)
    if driver == "GeoJSON":
        write_features(path, features, plan.cells.crs)
        return path
    columns = list(features[0][0]) if features else []
    layer: Layer = (columns, [tuple(f[0].values()) for f in features], [f[1] for f in features])
    with _staged(path) as staged:
        _write_ogr(staged, path.stem, layer, plan.cells.crs, driver)
    return path
