"""Coordinate systems: published GCJ-02 / BD-09 test vectors, the iterative
inverse on a dense grid over China, CRS names, and lon/lat mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from dispatch import InputError
from dispatch.io.coords import LayerCrs, from_wgs84, metric_crs, parse_crs, to_wgs84, transform


def test_gcj02_matches_the_published_vector_and_its_inverse() -> None:
    # googollee/eviltransform PR #42: wgs2gcj(35, 105) (lat, lon); implementations agree to about 1e-7 degrees.
    lon, lat = from_wgs84([105.0], [35.0], "GCJ-02")
    assert abs(lat[0] - 34.99909861697254) < 1e-6 and abs(lon[0] - 105.00328629710248) < 1e-6
    back_lon, back_lat = to_wgs84([105.00328629710248], [34.99909861697254], "GCJ-02")
    assert abs(back_lat[0] - 35.0) < 1e-6 and abs(back_lon[0] - 105.0) < 1e-6
    # The one-step inverse would be about 1.8 m (1.6e-5 degrees) off; ours undoes our own forward exactly.
    again_lon, again_lat = to_wgs84(lon, lat, "GCJ-02")
    assert abs(again_lon[0] - 105.0) < 1e-9 and abs(again_lat[0] - 35.0) < 1e-9


def test_beijing_railway_station_matches_geochina_within_its_rounding() -> None:
    # geoChina (R) documentation, rounded to 5 decimals (inputs too, so outputs agree within about 1e-5):
    # WGS-84 (39.90105, 116.42079) -> GCJ-02 (39.90245, 116.42703) -> BD-09 (39.90851, 116.43351)
    for offset, expected in (("GCJ-02", (116.42703, 39.90245)), ("BD-09", (116.43351, 39.90851))):
        lon, lat = from_wgs84([116.42079], [39.90105], offset)  # type: ignore[arg-type]
        assert abs(lon[0] - expected[0]) <= 1.5e-5 and abs(lat[0] - expected[1]) <= 1.5e-5, offset


@pytest.mark.parametrize("offset", ["GCJ-02", "BD-09"])
def test_the_inverse_is_exact_to_1e_7_degrees_on_a_dense_grid_over_china(offset: str) -> None:
    lon, lat = np.meshgrid(np.linspace(73.7, 134.9, 400), np.linspace(18.2, 53.5, 400))
    shifted = from_wgs84(lon.ravel(), lat.ravel(), offset)  # type: ignore[arg-type]
    back_lon, back_lat = to_wgs84(*shifted, offset)  # type: ignore[arg-type]
    assert np.abs(back_lon - lon.ravel()).max() < 1e-7 and np.abs(back_lat - lat.ravel()).max() < 1e-7
    assert np.abs(shifted[0] - lon.ravel()).max() > 1e-3  # the offset itself is hundreds of metres


def test_outside_china_no_gcj02_offset_applies() -> None:
    lon, lat = from_wgs84([26.9, -74.0], [60.9, 40.7], "GCJ-02")
    assert lon.tolist() == [26.9, -74.0] and lat.tolist() == [60.9, 40.7]


@pytest.mark.parametrize(
    ("given", "crs", "offset"),
    [
        (4326, "EPSG:4326", None),  # an EPSG code as a number
        ("4490", "EPSG:4490", None),  # and as text
        ("CGCS2000", "EPSG:4490", None),  # China's geodetic system by name
        ("EPSG:4545", "EPSG:4545", None),  # a CGCS2000 Gauss-Krüger zone
        ("wgs84", "EPSG:4326", None),
        ("GCJ-02", "EPSG:4326", "GCJ-02"),  # Amap / Tencent
        ("bd09", "EPSG:4326", "BD-09"),  # Baidu
    ],
)
def test_crs_names_people_use_are_read(given: str | int, crs: str, offset: str | None) -> None:
    parsed = parse_crs(given)
    assert (parsed.crs, parsed.offset) == (crs, offset)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("EPSG:99999", "unknown CRS 'EPSG:99999'"),  # no such code: not a raw pyproj.CRSError
        ("Beijing grid", "unknown CRS 'Beijing grid'"),  # a name pyproj does not know
        (True, "not True"),  # a YAML yes
    ],
)
def test_unknown_crs_values_are_named(given: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_crs(given, "stations.csv: crs")  # type: ignore[arg-type]


def test_a_metric_crs_is_chosen_for_lon_lat_roads() -> None:
    assert metric_crs(108.77, 29.53) == "EPSG:4545"  # CGCS2000 3-degree Gauss-Krüger CM 108E
    assert metric_crs(75.9, 39.5) == "EPSG:4534"  # Kashgar: CM 75E
    assert metric_crs(26.9, 60.9) == "EPSG:32635"  # Finland: UTM 35N
    assert metric_crs(-70.6, -33.4) == "EPSG:32719"  # Santiago: UTM 19S


@pytest.mark.parametrize(
    ("xy", "message"),
    [
        ([(29.53, 108.77)], "look swapped: check which column is which"),  # latitude first
        ([(574_643.0, 3_268_261.0)], "not longitude/latitude degrees: give the layer's real CRS"),  # metres as degrees
    ],
)
def test_impossible_longitudes_and_latitudes_are_refused(xy: list[tuple[float, float]], message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        transform(xy, LayerCrs("EPSG:4326"), "EPSG:4545", where="'stations.csv'")
    assert "'stations.csv'" in str(caught.value)


def test_a_road_network_with_an_unknown_crs_names_it() -> None:
    from dispatch.network import from_edges

    roads = from_edges([("a", "b", 60.0)], {"a": (0, 0), "b": (900, 0)}, crs="EPSG:99999")
    with pytest.raises(InputError, match="unknown CRS 'EPSG:99999'"):
        roads.snap([(0.0, 0.0)])
