"""GeoJSON in and out for stations, partners, villages and polygons.

Coordinates are written as they are, in the road network's CRS; when that CRS is
known it is recorded in the collection's ``crs`` member.

Station features carry ``id``, ``name``, ``kind``, ``officers``, ``units`` (a list
of unit ids) and their indicators (``population``, ``incidents_per_year``,
``disputes``, ``cases``; any other numeric property is read as a further
indicator). Partner features carry ``id``, ``name``, ``stations`` and ``units``;
village features ``id``, ``name``, ``population``, ``incident_rate`` and optionally
``station``. Polygon features carry the id of what they outline (``station``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

from ..errors import InputError
from ..model import Indicators, Partner, Station, Unit, Village
from .files import atomic_write, open_text

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


def _features(path: str | Path, geometry_types: set[str]) -> list[tuple[Properties, Any]]:
    """The (properties, geometry) pairs of a FeatureCollection, checked."""
    with open_text(path) as f:
        try:
            document = json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise InputError(f"{str(path)!r} is not valid JSON: {error}") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise InputError(f"{str(path)!r} must hold a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list):
        raise InputError(f"{str(path)!r}: 'features' must be a list")
    problems, pairs = [], []
    for i, feature in enumerate(features):
        where = f"feature {i}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(f"{where} is not a GeoJSON Feature")
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            problems.append(f"{where}: 'properties' must be an object")
            continue
        if "id" in properties:
            where += f" (id {properties['id']!r})"
        geometry = feature.get("geometry")
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind not in geometry_types:
            problems.append(f"{where}: geometry must be one of {sorted(geometry_types)}, got {kind}")
            continue
        try:
            geometry = shape(geometry)
        except Exception as error:  # shapely raises several kinds on bad coordinates
            problems.append(f"{where}: malformed {kind} geometry: {error}")
            continue
        if geometry.is_empty or not shapely.is_valid(geometry):
            problems.append(f"{where}: {kind} geometry is empty or invalid ({shapely.is_valid_reason(geometry)})")
            continue
        pairs.append((properties, geometry))
    if problems:
        raise InputError(f"{str(path)!r} has malformed features", problems)
    return pairs


def _read_points(path: str | Path, make: Callable[[Properties, tuple[float, float]], list[Any]]) -> list[Any]:
    """Build models from the point features of ``path``; one error lists every
    feature that fails, naming the file."""
    made, problems = [], []
    for properties, point in _features(path, {"Point"}):
        try:
            made += make(dict(properties), (point.x, point.y))
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(f"{str(path)!r} has invalid features", problems)
    return made


def _units(owner: str, properties: Properties) -> list[Unit]:
    units = properties.pop("units", [])
    if not isinstance(units, list):
        raise InputError(f"{owner}: 'units' must be a list of unit ids, got {units!r}")
    return [Unit(id=u, station=owner) for u in units]


def read_stations(path: str | Path) -> tuple[tuple[Station, ...], tuple[Unit, ...]]:
    """Stations and their units from a GeoJSON file of points."""

    def make(p: Properties, location: tuple[float, float]) -> list[Any]:
        units = _units(str(p.get("id")), p)
        indicators = {k: p.pop(k) for k in INDICATOR_FIELDS if k in p}
        fields = {k: p.pop(k) for k in ("id", "name", "kind", "officers") if k in p}
        other = {k: v for k, v in p.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        unknown = sorted(set(p) - set(other))
        if unknown:
            raise InputError(
                f"station {fields.get('id')!r}: unknown non-numeric properties {unknown}; "
                "numeric extra properties are read as indicators"
            )
        station = Station(**fields, location=location, indicators=Indicators(**indicators, other=other))
        return [station, *units]

    return _split(_read_points(path, make), Station)


def read_partners(path: str | Path) -> tuple[tuple[Partner, ...], tuple[Unit, ...]]:
    """Partner stations across the boundary, and their units."""

    def make(p: Properties, location: tuple[float, float]) -> list[Any]:
        units = _units(str(p.get("id")), p)
        return [Partner(**p, location=location), *units]

    return _split(_read_points(path, make), Partner)


def read_villages(path: str | Path) -> tuple[Village, ...]:
    """Villages (demand points) from a GeoJSON file of points."""
    return tuple(_read_points(path, lambda p, location: [Village(**p, location=location)]))


def _split(made: list[Any], kind: type) -> tuple[tuple[Any, ...], tuple[Unit, ...]]:
    return (
        tuple(m for m in made if isinstance(m, kind)),
        tuple(m for m in made if isinstance(m, Unit)),
    )


def read_areas(path: str | Path, *, key: str = "station") -> dict[str, Area]:
    """Polygons keyed by their ``key`` property (e.g. station jurisdictions)."""
    areas: dict[str, Area] = {}
    problems = []
    for i, (properties, geometry) in enumerate(_features(path, {"Polygon", "MultiPolygon"})):
        owner = properties.get(key)
        if not isinstance(owner, str) or not owner:
            problems.append(f"feature {i}: needs a {key!r} property naming what it outlines")
        elif owner in areas:
            problems.append(f"feature {i}: a second polygon for {key} {owner!r}")
        else:
            areas[owner] = geometry
    if problems:
        raise InputError(f"{str(path)!r} has invalid features", problems)
    return areas


def read_boundary(path: str | Path) -> Area:
    """The single polygon of a boundary file."""
    features = _features(path, {"Polygon", "MultiPolygon"})
    if len(features) != 1:
        raise InputError(f"{str(path)!r} must hold exactly one polygon feature, found {len(features)}")
    return features[0][1]


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
            **indicators.other,
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
