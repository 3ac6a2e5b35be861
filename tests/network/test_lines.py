"""Road networks from line layers, OSM extracts and OSM files: noding, speeds by
class, one-way flags, and the same times under any PYTHONHASHSEED."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyogrio.raw import write

from dispatch import InputError
from dispatch.datasets.synthetic import synthetic_province
from dispatch.io import LayerSource, read_osm_pbf, read_road_lines
from dispatch.network.lines import from_lines, road_speeds
from tests.conftest import DATA
from tests.io.county_files import road_lines


def test_lines_noded_at_shared_vertices_give_the_original_network_times() -> None:
    county = synthetic_province(6, seed=1)
    lines, _, speeds, oneway = road_lines(county)
    roads = from_lines(lines, speeds, oneway=[1 if o else 0 for o in oneway])
    assert (roads.n_nodes, roads.n_edges) == (county.roads.n_nodes, county.roads.n_edges)
    # the same junctions (sorted by position) and, from every station, the same times (networkx-checked elsewhere)
    order = np.lexsort(county.roads.xy.T[::-1])  # from_lines numbers junctions by position
    sources = np.argsort(order)[county.station_nodes]
    assert np.allclose(roads.xy, county.roads.xy[order])
    mine = roads.travel_times(sources, np.arange(roads.n_nodes))
    theirs = county.roads.travel_times(county.station_nodes, order)
    assert np.allclose(mine, theirs, rtol=1e-9)


def test_only_shared_vertices_join_lines() -> None:
    shared = [
        shapely.LineString([(0, 0), (500, 0), (1_000, 0)]),
        shapely.LineString([(500, -500), (500, 0), (500, 500)]),
    ]
    bridge = [shapely.LineString([(0, 0), (1_000, 0)]), shapely.LineString([(500, -500), (500, 500)])]
    assert from_lines(shared, [36, 36]).n_nodes == 5  # a crossroads: both lines split at (500, 0)
    over = from_lines(bridge, [36, 36])  # a bridge: no shared vertex, no junction
    assert over.n_nodes == 4 and not np.isfinite(over.travel_times([0], [1])[0, 0])


def test_one_way_lines_run_one_way() -> None:
    line = [shapely.LineString([(0, 0), (1_000, 0)])]
    assert from_lines(line, [36], oneway=[1]).n_edges == 1
    backwards = from_lines(line, [36], oneway=[-1])
    assert np.isfinite(backwards.travel_times([1], [0])[0, 0]) and not np.isfinite(
        backwards.travel_times([0], [1])[0, 0]
    )


@pytest.mark.parametrize(
    ("lines", "speeds", "message"),
    [
        ([shapely.Point(0, 0)], [30], "line 0: a Point, not a LineString"),  # not a line
        ([shapely.LineString([(0, 0), (1, 0)])], [0], "line 0: speed 0.0 km/h"),  # standing still
        ([shapely.LineString([(0, 0), (1, 0)])], [float("nan")], "line 0: speed nan km/h"),  # no speed
        ([], [], "holds no lines"),  # nothing
    ],
)
def test_bad_lines_are_named(lines: list[object], speeds: list[float], message: str) -> None:
    with pytest.raises(InputError, match=message):
        from_lines(lines, speeds)


def test_chinese_and_osm_classes_have_speeds() -> None:
    found = road_speeds(
        ["国道", "省道", "县道", "乡道", "村道", "G318", "s205", "X123", "Y001", "C012", "县道X123", "primary", "小路"]
    )
    assert found[:-1].tolist() == [70, 55, 40, 30, 25, 70, 55, 40, 30, 25, 40, 70]
    assert np.isnan(found[-1])
    assert road_speeds(["村道"], {"村道": 20})[0] == 20


def _line_layer(tmp_path: Path, fields: dict[str, list[object]], crs: str | None = "EPSG:4545") -> Path:
    lines = shapely.to_wkb(
        np.array(
            [shapely.LineString([(0, 0), (1_000, 0)]), shapely.LineString([(1_000, 0), (1_000, 900)])], dtype=object
        )
    )
    columns = [np.array(v, dtype=object) for v in fields.values()]
    write(
        tmp_path / "道路.gpkg", lines, columns, fields=list(fields), geometry_type="LineString", crs=crs, driver="GPKG"
    )
    return tmp_path / "道路.gpkg"


def test_a_speed_column_wins_over_the_class_and_one_way_is_read(tmp_path: Path) -> None:
    path = _line_layer(tmp_path, {"等级": ["县道", "村道"], "设计速度": ["60", ""], "单行": ["是", "否"]})
    roads = read_road_lines(path)
    assert sorted(roads.travel_time.round(1).tolist()) == [60.0, 129.6, 129.6]  # 1 km at 60 km/h one-way; 900 m at 25


@pytest.mark.parametrize(
    ("fields", "options", "message"),
    [
        ({"名称": ["a", "b"]}, {}, "has no road class or speed column"),  # neither column
        ({"等级": ["县道", "马路"]}, {}, r"speeds_kph.*feature 1: class '马路'"),  # an unknown class, by feature
        ({"kind": ["县道", "x"]}, {"class_column": "kind", "speed_column": "kmh"}, "maps 'kmh', but"),  # a wrong column
    ],
)
def test_road_layers_without_speeds_are_named(
    tmp_path: Path, fields: dict[str, list[object]], options: dict[str, str], message: str
) -> None:
    with pytest.raises(InputError, match=message) as caught:
        read_road_lines(_line_layer(tmp_path, fields), **options)  # type: ignore[arg-type]
    assert "道路.gpkg" in str(caught.value)


def test_lon_lat_lines_get_a_gauss_kruger_zone(tmp_path: Path) -> None:
    feature = {
        "type": "Feature",
        "properties": {"class": "村道"},
        "geometry": {"type": "LineString", "coordinates": [[108.77, 29.53], [108.78, 29.53]]},
    }
    path = tmp_path / "r.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    roads = read_road_lines(LayerSource(path=path, crs="CGCS2000"))
    assert roads.crs == "EPSG:4545" and roads.length[0] == pytest.approx(968.6, abs=1.0)  # 0.01° of longitude at 29.5°N


def test_an_osm_pbf_extract_reads_its_drivable_ways() -> None:
    roads = read_osm_pbf(DATA / "osm" / "test.osm.pbf")
    assert roads.crs == "EPSG:32635" and roads.n_nodes > 100  # UTM 35N: south-east Finland
    assert np.isfinite(roads.travel_time).all() and (roads.travel_time > 0).all()
    assert roads.n_edges < 2 * len(
        np.unique(np.sort(np.column_stack([roads.tails, roads.heads]), axis=1), axis=0)
    )  # one-way


HASH_TIMES = """
import hashlib, sys
from dispatch.network.convert import from_osm_file
roads = from_osm_file(sys.argv[1])
print(hashlib.sha256(roads.travel_time.tobytes() + roads.xy.tobytes()).hexdigest())
"""


def test_merged_osm_ways_take_the_speed_of_their_sorted_classes() -> None:
    import networkx as nx

    from dispatch.network.convert import _ordered_tags

    graph = nx.MultiDiGraph()
    graph.add_edge(1, 2, highway=["secondary", "residential"], maxspeed=["60", "40"])
    _ordered_tags(graph)
    assert graph.edges[1, 2, 0]["highway"] == ["residential", "secondary"] and graph.edges[1, 2, 0]["maxspeed"] == [
        "40",
        "60",
    ]


@pytest.mark.slow
def test_osm_travel_times_are_identical_under_any_hash_seed() -> None:
    # osmnx leaves merged ways' highway classes in set order; the first decides the speed.
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", HASH_TIMES, str(DATA / "osm" / "kouvola_drive.osm")],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            stdout=subprocess.PIPE,
            text=True,
        )
        for seed in (0, 1, 2, 3, 4)
    ]
    digests = {run.communicate(timeout=120)[0].strip() for run in runs}
    assert len(digests) == 1 and all(run.returncode == 0 for run in runs)
