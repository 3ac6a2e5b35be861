"""District layers from any common file: formats, column aliases, encodings,
CRSs, and every bad input named by file, row and column."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from openpyxl import Workbook
from pyogrio.raw import write

from dispatch import District, InputError
from dispatch.datasets import zhuoshui_shuishi
from dispatch.datasets.template import place
from dispatch.io import LayerSource, district_from_files, read_layer
from dispatch.io.coords import LayerCrs, from_wgs84, transform
from dispatch.io.layers import DefaultsWarning
from dispatch.io.placement import CoordinateShiftWarning


@pytest.fixture(scope="module")
def county() -> District:
    """The Zhuoshui / Shuishi case placed in CGCS2000 Gauss-Krüger CM 108E."""
    return place(zhuoshui_shuishi())


def _lonlat(county: District, xy: Any, offset: str | None = None) -> np.ndarray:
    lonlat = transform(np.asarray(xy, dtype=float).reshape(-1, 2), LayerCrs(county.roads.crs), "EPSG:4326")
    return np.column_stack(from_wgs84(*lonlat.T, offset)) if offset else lonlat  # type: ignore[arg-type]


def _xlsx(path: Path, rows: list[list[Any]], sheet: str = "派出所") -> Path:
    book = Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def _station_rows(county: District, offset: str | None = None) -> list[list[Any]]:
    at = _lonlat(county, [s.location for s in county.stations], offset)
    rows: list[list[Any]] = [
        ["编号", "名称", "经度", "纬度", "民警数", "警车数", "人口", "警情数", "纠纷数", "案件数", "类型"]
    ]
    return rows + [
        [s.id, s.name, lon, lat, s.officers, 1, 900, 40, 3, 2, "central"] for s, (lon, lat) in zip(county.stations, at)
    ]


def test_stations_from_xlsx_in_gcj02_with_chinese_headers_land_on_their_nodes(county: District, tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "派出所.xlsx", _station_rows(county, "GCJ-02"))
    layer = read_layer(path, "stations", sheet="派出所", crs="GCJ-02", to_crs=county.roads.crs)
    assert [s.id for s in layer.records] == ["zhuoshui", "shuishi"]
    assert np.allclose(layer.xy, [s.location for s in county.stations], atol=1e-3)  # millimetres
    assert [u.id for u in layer.units] == ["zhuoshui-1", "shuishi-1"]
    assert layer.records[0].indicators.population == 900 and layer.records[0].officers == 8


def test_the_same_layer_reads_alike_from_csv_geojson_shapefile_geopackage_and_geodataframe(
    county: District, tmp_path: Path
) -> None:
    import geopandas

    villages = county.villages
    at = _lonlat(county, [v.location for v in villages])
    (tmp_path / "村.csv").write_bytes(
        (
            "编号,村名,经度,纬度,人口,警情数\n"
            + "".join(
                f"{v.id},{v.name},{lon},{lat},{v.population},{v.incident_rate}\n" for v, (lon, lat) in zip(villages, at)
            )
        ).encode("gbk")
    )
    features = [
        {
            "type": "Feature",
            "properties": {"id": v.id, "name": v.name, "population": v.population, "incident_rate": v.incident_rate},
            "geometry": {"type": "Point", "coordinates": list(v.location)},
        }
        for v in villages
    ]
    (tmp_path / "村.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4545"}},
                "features": features,
            }
        )
    )
    points = shapely.to_wkb(shapely.points(at))
    fields = [
        np.array([v.id for v in villages], dtype=object),
        np.array([v.name for v in villages], dtype=object),
        np.array([v.population for v in villages]),
        np.array([v.incident_rate for v in villages]),
    ]
    names = ["编号", "村名", "人口", "警情数"]
    write(tmp_path / "村.shp", points, fields, fields=names, geometry_type="Point", crs="EPSG:4490", encoding="GBK")
    write(
        tmp_path / "村.gpkg",
        points,
        fields,
        fields=names,
        geometry_type="Point",
        crs="EPSG:4326",
        driver="GPKG",
        layer="村",
    )
    frame = geopandas.read_file(tmp_path / "村.gpkg")
    found = []
    warnings.simplefilter("ignore", DefaultsWarning)  # CSV longitude/latitude are assumed WGS-84
    for source in ("村.csv", "村.geojson", "村.shp", LayerSource(path=tmp_path / "村.gpkg", layer="村"), frame):
        layer = read_layer(tmp_path / source if isinstance(source, str) else source, "villages", to_crs="EPSG:4545")
        found.append(layer)
        assert [v.name for v in layer.records] == [v.name for v in villages], source
        assert np.allclose(layer.xy, [v.location for v in villages], atol=1e-3), source
    assert found[0].table.encoding == "gb18030"


def test_a_gbk_shapefile_without_cpg_is_read_as_gbk(tmp_path: Path) -> None:
    square = shapely.to_wkb(np.array([shapely.box(108.7, 29.5, 108.71, 29.51)], dtype=object))
    write(
        tmp_path / "网格.shp",
        square,
        [np.array(["v1"], dtype=object), np.array(["岩塘村"], dtype=object)],
        fields=["编号", "村名"],
        geometry_type="Polygon",
        crs="EPSG:4490",
        encoding="GBK",
    )
    (tmp_path / "网格.cpg").unlink()
    with pytest.warns(DefaultsWarning, match="no 'incident_rate' column"):
        layer = read_layer(tmp_path / "网格.shp", "villages", to_crs="EPSG:4545")
    assert layer.records[0].name == "岩塘村" and "v1" in layer.areas
    assert layer.areas["v1"].area == pytest.approx(1_000 * 1_100, rel=0.1)  # a grid of about 1 km x 1.1 km, in metres


def test_columns_map_to_fields_indicators_or_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "所代码,名称,x,y,民警,面积,电话,类型,警车数,人口,警情数,纠纷数,案件数\na,甲,1,2,3,45.5,123,base,1,0,0,0,0\n",
        encoding="utf-8",
    )
    layer = read_layer(path, "stations", columns={"所代码": "id", "面积": "indicator:area", "电话": None})
    station = layer.records[0]
    assert (station.id, station.officers, station.indicators.other) == ("a", 3, {"area": 45.5})
    assert layer.defaults == ()


def test_defaults_filled_in_are_warned_and_listed(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("id,x,y,officers\na,1,2,3\n")
    with pytest.warns(DefaultsWarning, match="no units or vehicles") as caught:
        layer = read_layer(path, "stations")
    assert len(layer.defaults) == 6  # units, kind and four indicators
    assert "no 'population' column: every station gets 0" in str(caught[0].message)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / name


STATIONS = "id,x,y,officers,kind,vehicles,population,incidents_per_year,disputes,cases\n"


@pytest.mark.parametrize(
    ("name", "text", "options", "message"),
    [
        # a typo'd column is an error with the nearest field, not an extra indicator
        (
            "s.csv",
            STATIONS.replace("population", "populaton") + "a,1,2,3,base,1,0,0,0,0\n",
            {},
            r"unknown column 'populaton' \(did you mean 'population'\?\)",
        ),
        # two columns that mean the same field
        ("s.csv", "id,x,y,officers,民警数\na,1,2,3,3\n", {}, "columns 'officers' and '民警数' both give 'officers'"),
        # a mapping to a field that does not exist
        (
            "s.csv",
            STATIONS + "a,1,2,3,base,1,0,0,0,0\n",
            {"columns": {"x": "longtitude"}},
            r"maps 'x' to 'longtitude', which is no stations field \(did you mean 'lon'\?\)",
        ),
        # a mapping of a column the file lacks
        ("s.csv", STATIONS + "a,1,2,3,base,1,0,0,0,0\n", {"columns": {"民警": "officers"}}, "maps '民警', but"),
        # text where a count belongs, named by row and column
        (
            "s.csv",
            STATIONS + "a,1,2,3,base,1,0,0,0,0\nb,1,2,many,base,1,0,0,0,0\n",
            {},
            r"s.csv' has 1 bad value\(s\): .*s.csv', row 3, column 'officers': 'many' is not a number",
        ),
        # a row without coordinates
        ("s.csv", STATIONS + "a,,2,3,base,1,0,0,0,0\n", {}, r"row 2: no x/y coordinates"),
        # no id column at all
        ("s.csv", "名称,x,y,officers\na,1,2,3\n", {}, "has no 'id' column"),
        # no location columns
        ("s.csv", "id,officers\na,3\n", {}, "gives no locations"),
        # latitude in the longitude column
        ("s.csv", "id,lat,lon,officers\na,108.7,29.5,3\n", {"to_crs": "EPSG:4545"}, "look swapped"),
    ],
)
def test_bad_layers_name_file_row_and_column(
    tmp_path: Path, name: str, text: str, options: dict[str, Any], message: str
) -> None:
    path = _write(tmp_path, name, text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DefaultsWarning)
        with pytest.raises(InputError, match=message) as caught:
            read_layer(path, "stations", **options)
    assert name in str(caught.value)


def test_a_missing_or_wrong_sheet_is_named(county: District, tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "s.xlsx", _station_rows(county), sheet="Sheet1")
    with pytest.raises(InputError, match=r"has no sheet '派出所'; its sheets are \['Sheet1'\]"):
        read_layer(path, "stations", sheet="派出所")
    empty = _xlsx(tmp_path / "e.xlsx", [])
    with pytest.raises(InputError, match="e.xlsx', sheet '派出所' is empty"):
        read_layer(empty, "stations")


def test_a_shapefile_without_prj_and_no_crs_is_refused(tmp_path: Path) -> None:
    point = shapely.to_wkb(np.array([shapely.Point(108.7, 29.5)], dtype=object))
    columns = [np.array(["a"], dtype=object), np.array([3])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pyogrio warns of the missing CRS: that is the point
        write(tmp_path / "s.shp", point, columns, fields=["id", "officers"], geometry_type="Point")
    with pytest.raises(InputError, match=r"s.shp' does not say its CRS \(a shapefile needs its .prj\)"):
        read_layer(tmp_path / "s.shp", "stations", to_crs="EPSG:4545")


def test_a_geopackage_with_several_layers_needs_one_named(tmp_path: Path) -> None:
    point = shapely.to_wkb(np.array([shapely.Point(1, 2)], dtype=object))
    for layer in ("a", "b"):
        write(
            tmp_path / "g.gpkg",
            point,
            [np.array(["x"], dtype=object)],
            fields=["id"],
            geometry_type="Point",
            crs="EPSG:4545",
            driver="GPKG",
            layer=layer,
            append=layer == "b",
        )
    with pytest.raises(InputError, match=r"has layers \['a', 'b'\]; pick one with layer:"):
        read_layer(tmp_path / "g.gpkg", "villages")


def _roads_and_stations(county: District, tmp_path: Path, text: str) -> Path:
    return _write(tmp_path, "stations.csv", text)


def test_points_far_outside_the_roads_are_a_crs_error_naming_both(county: District, tmp_path: Path) -> None:
    at = [s.location for s in county.stations]  # Gauss-Krüger metres read as if the layer were CGCS2000 degrees / 1000
    path = _write(
        tmp_path,
        "s.csv",
        "id,lon,lat,officers,vehicles\n"
        + "".join(f"{s.id},{x / 10_000:.6f},{y / 100_000:.6f},3,1\n" for s, (x, y) in zip(county.stations, at)),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DefaultsWarning)
        with pytest.raises(
            InputError,
            match=r"2 of 2 points lie far outside the road network.*read in WGS-84 \(assumed "
            r"for longitude/latitude columns\) and the roads are in EPSG:4545",
        ):
            district_from_files("x", county.roads, path)


def test_geojson_without_a_crs_member_next_to_a_metric_network_is_read_as_wgs84(
    county: District, tmp_path: Path
) -> None:
    at = _lonlat(county, [s.location for s in county.stations])
    features = [
        {
            "type": "Feature",
            "properties": {
                "id": s.id,
                "officers": 3,
                "units": [f"{s.id}-1"],
                "kind": "base",
                "population": 1,
                "incidents_per_year": 1,
                "disputes": 0,
                "cases": 0,
            },
            "geometry": {"type": "Point", "coordinates": list(p)},
        }
        for s, p in zip(county.stations, at)
    ]
    path = tmp_path / "s.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.warns(DefaultsWarning, match=r"no crs member: read as WGS-84 longitude/latitude \(RFC 7946\)"):
        district = district_from_files("x", county.roads, path)
    assert np.array_equal(district.station_nodes, county.station_nodes)  # not two stations on one node


def test_gcj02_coordinates_declared_as_wgs84_are_warned(county: District, tmp_path: Path) -> None:
    nodes = county.roads.xy[:5]  # points on the roads, exported from a web map in GCJ-02
    at = _lonlat(county, nodes, "GCJ-02")
    path = _write(
        tmp_path,
        "s.csv",
        "id,lon,lat,officers,vehicles,kind,population,incidents_per_year,disputes,cases\n"
        + "".join(f"s{i},{lon},{lat},3,1,base,0,0,0,0\n" for i, (lon, lat) in enumerate(at)),
    )
    with pytest.warns(
        CoordinateShiftWarning, match=r"are they web-map \(GCJ-02\) coordinates\? If so, set crs: GCJ-02"
    ):
        district_from_files("x", county.roads, LayerSource(path=path, crs="WGS84"), max_snap_distance=5_000)


def test_the_same_id_in_two_files_names_both(county: District, tmp_path: Path) -> None:
    stations = _write(tmp_path, "stations.csv", STATIONS + "zhuoshui,0,0,3,base,1,0,0,0,0\n")
    units = _write(tmp_path, "units.csv", "id,station\nzhuoshui-1,zhuoshui\n")
    partners = _write(tmp_path, "partners.csv", "id,x,y,stations\nzhuoshui,0,0,zhuoshui\n")
    with pytest.raises(InputError) as caught:
        district_from_files("x", zhuoshui_shuishi().roads, stations, units=units, partners=partners)
    assert "post id 'zhuoshui' appears in" in str(caught.value) and "partners.csv" in str(caught.value)
    assert "unit id 'zhuoshui-1' appears in" in str(caught.value) and "units.csv" in str(caught.value)
