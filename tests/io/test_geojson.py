"""GeoJSON layers: round trips and malformed files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import box

from dispatch import Indicators, InputError, Partner, Station, StationKind, Unit, Village
from dispatch.io import (
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


def test_stations_partners_and_villages_round_trip(tmp_path: Path) -> None:
    stations = [
        Station(
            id="zhuoshui",
            name="Zhuoshui",
            kind=StationKind.CENTRAL,
            location=(1.5, 2.25),
            officers=8,
            indicators=Indicators(population=9_000, incidents_per_year=300, other={"petitions": 7}),
        )
    ]
    units = [Unit(id="z1", station="zhuoshui"), Unit(id="z2", station="zhuoshui")]
    write_stations(tmp_path / "s.geojson", stations, units, crs="EPSG:32649")
    assert read_stations(tmp_path / "s.geojson") == (tuple(stations), tuple(units))

    partners = [Partner(id="p", name="Across", location=(9.0, 9.0), stations=("zhuoshui",))]
    partner_units = [Unit(id="p1", station="p")]
    write_partners(tmp_path / "p.geojson", partners, partner_units)
    assert read_partners(tmp_path / "p.geojson") == (tuple(partners), tuple(partner_units))

    villages = [Village(id="yantang", location=(3.0, 4.0), population=900, incident_rate=40.0, station="zhuoshui")]
    write_villages(tmp_path / "v.geojson", villages)
    assert read_villages(tmp_path / "v.geojson") == tuple(villages)


def test_polygons_round_trip(tmp_path: Path) -> None:
    areas = {"a": box(0, 0, 1, 1), "b": box(1, 0, 2, 1)}
    write_areas(tmp_path / "j.geojson", areas)
    assert {k: v.wkt for k, v in read_areas(tmp_path / "j.geojson").items()} == {k: v.wkt for k, v in areas.items()}
    write_boundary(tmp_path / "b.geojson", box(0, 0, 5, 5))
    assert read_boundary(tmp_path / "b.geojson").equals(box(0, 0, 5, 5))


def _collection(*features: object) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def _point(properties: dict[str, object], coordinates: object = (0.0, 0.0)) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Point", "coordinates": coordinates},
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"type": "FeatureCollection", "features": [', "is not valid JSON"),  # truncated file
        ('{"type": "Feature"}', "must hold a GeoJSON FeatureCollection"),  # a lone feature
        ('{"type": "FeatureCollection", "features": {}}', "'features' must be a list"),  # features not a list
        (
            _collection({"type": "Feature", "properties": {"id": "s"}}),
            r"feature 0 \(id 's'\): has no geometry",
        ),  # no geometry
        (
            _collection(
                {
                    "type": "Feature",
                    "properties": {"id": "s"},
                    "geometry": {"type": "Polygon", "coordinates": []},
                }
            ),
            "Polygon geometry is empty or invalid",
        ),  # an empty polygon
        (
            _collection(_point({"id": "s", "officers": 3}, coordinates=["a", "b"])),
            "malformed Point geometry",
        ),  # text coordinates
        (_collection(_point({"name": "no id", "officers": 3})), "has no 'id' column"),  # no id
        (
            _collection(_point({"id": "s", "officers": "many"})),
            "feature 0, column 'officers': 'many' is not a number",
        ),  # bad officers
        (
            _collection(_point({"id": "s", "officers": 3, "kind": "capital"})),
            r"feature 0: Station 's': field 'kind'",
        ),  # an unknown station kind
        (
            _collection(_point({"id": "s", "officers": 3, "colour": "red"})),
            "unknown column 'colour'",
        ),  # a stray column
        (_collection([1, 2]), "feature 0 is not a GeoJSON Feature"),  # not a feature
    ],
)
def test_malformed_station_files_are_refused_naming_file_and_feature(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "stations.geojson"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as caught:
        read_stations(path)
    assert "stations.geojson" in str(caught.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nothing.geojson' does not exist"):
        read_villages(tmp_path / "nothing.geojson")


def test_polygon_files_need_an_owner_once(tmp_path: Path) -> None:
    path = tmp_path / "j.geojson"
    write_areas(path, {"a": box(0, 0, 1, 1)})
    document = json.loads(path.read_text())
    document["features"].append(document["features"][0])
    document["features"].append({**document["features"][0], "properties": {}})
    path.write_text(json.dumps(document))
    with pytest.raises(InputError) as caught:
        read_areas(path)
    assert "feature 1: a second polygon for station 'a'" in str(caught.value)
    assert "feature 2: needs a 'station' naming what it outlines" in str(caught.value)


def test_an_invalid_polygon_is_refused(tmp_path: Path) -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    path = tmp_path / "b.geojson"
    path.write_text(_collection({"type": "Feature", "properties": {}, "geometry": bowtie}))
    with pytest.raises(InputError, match="Self-intersection"):
        read_boundary(path)
