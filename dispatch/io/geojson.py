"""GeoJSON in and out for stations, partners, villages and polygons.

Coordinates are written as they are, in the road network's CRS; when that CRS is
known it is recorded in the collection's ``crs`` member.

Station features carry ``id``, ``name``, ``kind``, ``officers``, ``units`` (a list
of unit ids) and their indicators (``population``, ``incidents_per_year``,
``disputes``, ``cases``; further indicators as ``indicator:NAME``). Partner
features carry ``id``, ``name``, ``stations`` and ``units``; village features
``id``, ``name``, ``population``, ``incident_rate`` and optionally ``station``.
Polygon features carry the id of what they outline (``station``).
The readers are :func:`~dispatch.io.layers.read_layer` for GeoJSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping

from ..model import Partner, Station, Unit, Village
from .columns import INDICATOR_PREFIX
from .files import atomic_write
from .layers import read_layer

__all__ = [
    "read_areas",
    "read_boundary",
    "read_partners",
    "read_stations",
    "read_villages",
    "write_areas",
    "write_boundary",
    "write_features",
    "write_partners",
    "write_stations",
    "write_villages",
]

Area: TypeAlias = Polygon | MultiPolygon
Properties = dict[str, Any]

INDICATOR_FIELDS = ("population", "incidents_per_year", "disputes", "cases")


# ---------------------------------------------------------------------- reading


def read_stations(path: str | Path) -> tuple[tuple[Station, ...], tuple[Unit, ...]]:
    """Stations and their units from a GeoJSON file of points."""
    layer = read_layer(path, "stations")
    return layer.records, layer.units


def read_partners(path: str | Path) -> tuple[tuple[Partner, ...], tuple[Unit, ...]]:
    """Partner stations across the boundary, and their units."""
    layer = read_layer(path, "partners")
    return layer.records, layer.units


def read_villages(path: str | Path) -> tuple[Village, ...]:
    """Villages (demand points) from a GeoJSON file of points."""
    villages: tuple[Village, ...] = read_layer(path, "villages").records
    return villages


def read_areas(path: str | Path) -> dict[str, Area]:
    """Station jurisdiction polygons keyed by their ``station`` property."""
    return read_layer(path, "jurisdictions").areas


def read_boundary(path: str | Path) -> Area:
    """The single polygon of a boundary file."""
    return read_layer(path, "boundary").areas[""]


# ---------------------------------------------------------------------- writing


def write_features(path: str | Path, features: Sequence[tuple[Properties, Any]], crs: str | None = None) -> None:
    """Write (properties, geometry) pairs as a FeatureCollection, one feature a
    line, atomically."""
    head: dict[str, Any] = {"type": "FeatureCollection"}
    if crs:
        head["crs"] = {"type": "name", "properties": {"name": crs}}
    lines = [
        json.dumps({"type": "Feature", "properties": properties, "geometry": mapping(geometry)})
        for properties, geometry in features
    ]
    with atomic_write(path) as f:
        f.write(json.dumps(head)[:-1] + ', "features": [\n' + ",\n".join(lines) + "\n]}\n")


def _unit_ids(units: Sequence[Unit]) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {}
    for u in units:
        ids.setdefault(u.station, []).append(u.id)
    return ids


def write_stations(
    path: str | Path, stations: Sequence[Station], units: Sequence[Unit] = (), *, crs: str | None = None
) -> None:
    """Write stations (with the ids of their units) as GeoJSON points."""
    unit_ids = _unit_ids(units)
    features = []
    for s in stations:
        indicators = s.indicators
        properties = {
            "id": s.id,
            "name": s.name,
            "kind": s.kind.value,
            "officers": s.officers,
            "units": unit_ids.get(s.id, []),
            **{k: getattr(indicators, k) for k in INDICATOR_FIELDS},
            **{INDICATOR_PREFIX + k: v for k, v in indicators.other.items()},
        }
        features.append((properties, shapely.Point(s.location)))
    write_features(path, features, crs)


def write_partners(
    path: str | Path, partners: Sequence[Partner], units: Sequence[Unit] = (), *, crs: str | None = None
) -> None:
    """Write partner stations (with their unit ids) as GeoJSON points."""
    unit_ids = _unit_ids(units)
    features = [
        (
            {"id": p.id, "name": p.name, "stations": list(p.stations), "units": unit_ids.get(p.id, [])},
            shapely.Point(p.location),
        )
        for p in partners
    ]
    write_features(path, features, crs)


def write_villages(path: str | Path, villages: Sequence[Village], *, crs: str | None = None) -> None:
    """Write villages as GeoJSON points."""
    features = [(v.model_dump(exclude={"location"}, exclude_none=True), shapely.Point(v.location)) for v in villages]
    write_features(path, features, crs)


def write_areas(path: str | Path, areas: Mapping[str, Area], *, key: str = "station", crs: str | None = None) -> None:
    """Write polygons keyed by ``key`` (e.g. station jurisdictions)."""
    write_features(path, [({key: owner}, area) for owner, area in areas.items()], crs)


def write_boundary(path: str | Path, boundary: Area, *, crs: str | None = None) -> None:
    """Write a boundary polygon."""
    write_features(path, [({}, boundary)], crs)
