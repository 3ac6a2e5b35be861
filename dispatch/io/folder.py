"""A district as a folder of files.

::

    district.json              {"name": ..., "crs": ..., "max_snap_distance": ...}
    stations.geojson           stations and their unit ids
    partners.geojson           (optional) partner stations across the boundary
    villages.geojson           (optional) demand points
    jurisdictions.geojson      (optional) station jurisdiction polygons
    boundary.geojson           (optional) the county boundary
    emergency_units.json       (optional) minimal emergency units: a list of their
                               fields (id, village, name, turnout, on_duty, ...)
    roads.nodes.csv.gz         road nodes: id, x, y
    roads.edges.csv.gz         road edges: u, v, travel_time, length, oneway

The road files may also be plain ``.csv``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeAlias

from ..district import District
from ..errors import InputError
from ..model import EmergencyUnit
from ..network import RoadNetwork
from .files import atomic_folder, atomic_write, open_text
from .geojson import (
    write_areas,
    write_boundary,
    write_partners,
    write_stations,
    write_villages,
)
from .layers import POINT_KINDS, Layer, LayerSource, read_layer
from .placement import check_against_roads
from .roads import read_roads, write_roads

__all__ = [
    "LayerInput",
    "district_from_files",
    "district_from_layers",
    "read_district",
    "read_layers",
    "write_district",
]

LayerInput: TypeAlias = str | Path | LayerSource | Any
"""A layer: a path, a :class:`~dispatch.io.layers.LayerSource` or a GeoDataFrame."""

METADATA_KEYS = {"name", "crs", "max_snap_distance"}


def _road_file(folder: Path, stem: str) -> Path:
    for name in (f"{stem}.csv.gz", f"{stem}.csv"):
        if (folder / name).is_file():
            return folder / name
    raise InputError(f"{str(folder)!r} has no {stem}.csv.gz or {stem}.csv")


def read_district(folder: str | Path) -> District:
    """Read a district written by :func:`write_district` (layout above)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"district folder {str(folder)!r} does not exist")
    path = folder / "district.json"
    with open_text(path) as f:
        try:
            metadata: dict[str, Any] = json.load(f, object_pairs_hook=lambda pairs: _once(pairs, path))
        except json.JSONDecodeError as error:
            raise InputError(f"{str(path)!r} is not valid JSON: {error}") from None
    unknown = sorted(set(metadata) - METADATA_KEYS) if isinstance(metadata, dict) else ["(not an object)"]
    if unknown:
        raise InputError(f"{str(folder / 'district.json')!r}: unknown keys {unknown}; allowed: {sorted(METADATA_KEYS)}")
    crs = metadata.get("crs")
    roads = read_roads(_road_file(folder, "roads.nodes"), _road_file(folder, "roads.edges"), crs=crs)
    layers = {name: folder / f"{name}.geojson" for name in ("partners", "villages", "jurisdictions", "boundary")}
    district = district_from_files(
        metadata.get("name", folder.name),
        roads,
        folder / "stations.geojson",
        max_snap_distance=metadata.get("max_snap_distance", 1_000.0),
        **{name: path for name, path in layers.items() if path.is_file()},
    )
    emergency = folder / "emergency_units.json"
    return district.replace(emergency_units=_emergency_units(emergency)) if emergency.is_file() else district


def _emergency_units(path: Path) -> list[EmergencyUnit]:
    """The emergency units listed in ``path``."""
    with open_text(path) as f:
        try:
            items = json.load(f, object_pairs_hook=lambda pairs: _once(pairs, path))
        except json.JSONDecodeError as error:
            raise InputError(f"{str(path)!r} is not valid JSON: {error}") from None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise InputError(f"{str(path)!r} must hold a list of emergency units, each an object of their fields")
    try:
        return [EmergencyUnit(**item) for item in items]
    except InputError as error:
        raise InputError(f"{str(path)!r} has a bad emergency unit", error.problems) from None


def _once(pairs: list[tuple[str, Any]], path: Path) -> dict[str, Any]:
    """A JSON object whose keys are each given once."""
    keys = [k for k, _ in pairs]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise InputError(f"{str(path)!r} gives the key(s) {twice} more than once; keep one of each")
    return dict(pairs)


def district_from_files(
    name: str,
    roads: RoadNetwork,
    stations: LayerInput,
    *,
    units: LayerInput | None = None,
    partners: LayerInput | None = None,
    villages: LayerInput | None = None,
    jurisdictions: LayerInput | None = None,
    boundary: LayerInput | None = None,
    max_snap_distance: float = 1_000.0,
) -> District:
    """A district from its layers (all but ``stations`` optional) on ``roads``.

    Each layer is a path, a :class:`~dispatch.io.layers.LayerSource` or a
    GeoDataFrame, read by :func:`~dispatch.io.layers.read_layer` and moved to the
    road network's CRS. A layer whose points lie mostly far outside the network
    is a CRS error naming both CRSs; one whose points sit off the roads by the
    GCJ-02 or BD-09 offset gets a :class:`CoordinateShiftWarning`.
    """
    return district_from_layers(
        name,
        roads,
        read_layers(
            roads,
            stations=stations,
            units=units,
            partners=partners,
            villages=villages,
            jurisdictions=jurisdictions,
            boundary=boundary,
        ),
        max_snap_distance=max_snap_distance,
    )


def read_layers(roads: RoadNetwork, **sources: LayerInput | None) -> dict[str, Layer]:
    """Each given layer (keyword: its kind) read onto ``roads`` and checked
    against it (see :func:`district_from_files`)."""
    layers = {}
    for kind, source in sources.items():
        if source is None:
            continue
        layer = read_layer(source, kind, to_crs=roads.crs)
        if roads.crs is None and layer.crs.crs is not None:
            raise InputError(
                f"{layer.source} is in {layer.crs}, but the road network has no CRS; give the roads a crs: "
                "(or give the layer in the road network's own coordinates)"
            )
        if kind in POINT_KINDS:
            check_against_roads(layer, roads)
        layers[kind] = layer
    return layers


def district_from_layers(
    name: str, roads: RoadNetwork, layers: Mapping[str, Layer], *, max_snap_distance: float = 1_000.0
) -> District:
    """A district from layers already read (see :func:`read_layers`)."""
    problems = _shared_ids(layers)
    if problems:
        raise InputError(f"district {name!r}: the same id in more than one place", problems)
    parts: dict[str, Any] = {}
    if "partners" in layers:
        parts["partners"] = layers["partners"].records
    if "villages" in layers:
        parts["villages"] = layers["villages"].records
    if "jurisdictions" in layers:
        parts["jurisdictions"] = layers["jurisdictions"].areas
    if "boundary" in layers:
        parts["boundary"] = layers["boundary"].areas[""]
    units = tuple(u for kind in ("stations", "partners") if kind in layers for u in layers[kind].units)
    if "units" in layers:
        units += layers["units"].records
    return District(
        name=name,
        roads=roads,
        stations=layers["stations"].records,
        units=units,
        max_snap_distance=max_snap_distance,
        **parts,
    )


def _shared_ids(layers: Mapping[str, Layer]) -> list[str]:
    """Ids given twice, naming the files (posts: stations and partners; units)."""
    posts = [layers[k] for k in ("stations", "partners") if k in layers]
    units = [(layer.source, u.id) for layer in posts for u in layer.units]
    if "units" in layers:
        units += [(layers["units"].source, u.id) for u in layers["units"].records]
    problems = []
    for kind, items in (("post", [(layer.source, r.id) for layer in posts for r in layer.records]), ("unit", units)):
        seen: dict[str, str] = {}
        for source, ident in items:
            if ident in seen:
                where = f"{seen[ident]} and {source}" if seen[ident] != source else f"{source} twice"
                problems.append(f"{kind} id {ident!r} appears in {where}")
            else:
                seen[ident] = source
    return problems


def write_district(district: District, folder: str | Path, *, overwrite: bool = False) -> None:
    """Write ``district`` to ``folder`` (layout above), all files or none.

    The files are written to a temporary folder beside ``folder`` that then takes
    its place; an existing ``folder`` is replaced only with ``overwrite=True``.
    """
    with atomic_folder(folder, overwrite=overwrite) as staging:
        crs = district.roads.crs
        metadata = {"name": district.name, "crs": crs, "max_snap_distance": district.max_snap_distance}
        with atomic_write(staging / "district.json") as f:
            json.dump(metadata, f, indent=2)
        write_roads(district.roads, staging / "roads.nodes.csv.gz", staging / "roads.edges.csv.gz")
        station_ids = {s.id for s in district.stations}
        write_stations(
            staging / "stations.geojson",
            district.stations,
            [u for u in district.units if u.station in station_ids],
            crs=crs,
        )
        if district.partners:
            partner_units = [u for u in district.units if u.station not in station_ids]
            write_partners(staging / "partners.geojson", district.partners, partner_units, crs=crs)
        if district.villages:
            write_villages(staging / "villages.geojson", district.villages, crs=crs)
        if district.jurisdictions:
            write_areas(staging / "jurisdictions.geojson", district.jurisdictions, crs=crs)
        if district.boundary is not None:
            write_boundary(staging / "boundary.geojson", district.boundary, crs=crs)
        if district.emergency_units:
            with atomic_write(staging / "emergency_units.json") as f:
                json.dump(
                    [e.model_dump(mode="json") for e in district.emergency_units], f, indent=2, ensure_ascii=False
                )
