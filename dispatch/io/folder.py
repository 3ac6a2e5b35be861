"""A district as a folder of files.

::

    district.json              {"name": ..., "crs": ..., "max_snap_distance": ...}
    stations.geojson           stations and their unit ids
    partners.geojson           (optional) partner stations across the boundary
    villages.geojson           (optional) demand points
    jurisdictions.geojson      (optional) station jurisdiction polygons
    boundary.geojson           (optional) the county boundary
    roads.nodes.csv.gz         road nodes: id, x, y
    roads.edges.csv.gz         road edges: u, v, travel_time, length, oneway

The road files may also be plain ``.csv``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..district import District
from ..errors import InputError
from ..network import RoadNetwork
from .files import atomic_write, open_text
from .geojson import (
    read_areas,
    read_boundary,
    read_partners,
    read_stations,
    read_villages,
    write_areas,
    write_boundary,
    write_partners,
    write_stations,
    write_villages,
)
from .roads import read_roads, write_roads

__all__ = ["district_from_files", "read_district", "write_district"]

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
    with open_text(folder / "district.json") as f:
        try:
            metadata: dict[str, Any] = json.load(f)
        except json.JSONDecodeError as error:
            raise InputError(f"{str(folder / 'district.json')!r} is not valid JSON: {error}") from None
    unknown = sorted(set(metadata) - METADATA_KEYS) if isinstance(metadata, dict) else ["(not an object)"]
    if unknown:
        raise InputError(f"{str(folder / 'district.json')!r}: unknown keys {unknown}; allowed: {sorted(METADATA_KEYS)}")
    crs = metadata.get("crs")
    roads = read_roads(_road_file(folder, "roads.nodes"), _road_file(folder, "roads.edges"), crs=crs)
    layers = {name: folder / f"{name}.geojson" for name in ("partners", "villages", "jurisdictions", "boundary")}
    return district_from_files(
        metadata.get("name", folder.name),
        roads,
        folder / "stations.geojson",
        max_snap_distance=metadata.get("max_snap_distance", 1_000.0),
        **{name: path for name, path in layers.items() if path.is_file()},
    )


def district_from_files(
    name: str,
    roads: RoadNetwork,
    stations: Path,
    *,
    partners: Path | None = None,
    villages: Path | None = None,
    jurisdictions: Path | None = None,
    boundary: Path | None = None,
    max_snap_distance: float = 1_000.0,
) -> District:
    """A district from its GeoJSON layers (all but ``stations`` optional) on ``roads``."""
    station_list, units = read_stations(stations)
    parts: dict[str, Any] = {}
    if partners is not None:
        parts["partners"], partner_units = read_partners(partners)
        units += partner_units
    if villages is not None:
        parts["villages"] = read_villages(villages)
    if jurisdictions is not None:
        parts["jurisdictions"] = read_areas(jurisdictions)
    if boundary is not None:
        parts["boundary"] = read_boundary(boundary)
    return District(
        name=name, roads=roads, stations=station_list, units=units, max_snap_distance=max_snap_distance, **parts
    )


def write_district(district: District, folder: str | Path, *, overwrite: bool = False) -> None:
    """Write ``district`` to ``folder`` (layout above), all files or none.

    The files are written to a temporary folder beside ``folder`` that then takes
    its place; an existing ``folder`` is replaced only with ``overwrite=True``.
    """
    folder = Path(folder)
    if folder.exists() and not overwrite:
        raise InputError(f"{str(folder)!r} exists; pass overwrite=True to replace it")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
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
        staging.chmod(0o755)  # mkdtemp makes folders private
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
