"""District folders and road CSVs: round trips, atomic writes, malformed files."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from dispatch import District, InputError
from dispatch.datasets import zhuoshui_shuishi
from dispatch.io import read_district, read_roads, write_district, write_roads
from dispatch.io.files import atomic_write
from dispatch.network.convert import from_edges


def test_the_demo_district_round_trips_through_a_folder(demo: District, tmp_path: Path) -> None:
    write_district(demo, tmp_path / "copy")
    again = read_district(tmp_path / "copy")
    assert again.stations == demo.stations
    assert again.units == demo.units
    assert again.partners == demo.partners
    assert again.villages == demo.villages
    assert again.boundary is not None and again.boundary.equals(demo.boundary)
    assert np.array_equal(again.roads.travel_time, demo.roads.travel_time)
    assert np.array_equal(again.roads.heads, demo.roads.heads)


def test_emergency_units_round_trip_through_a_folder(tiny: District, tmp_path: Path) -> None:
    case = zhuoshui_shuishi(with_emergency_unit=True)
    write_district(case, tmp_path / "case")
    assert read_district(tmp_path / "case").emergency_units == case.emergency_units
    write_district(tiny, tmp_path / "plain")
    assert not (tmp_path / "plain" / "emergency_units.json").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"id": "e1"}', "must hold a list of emergency units"),  # an object, not a list
        ('[{"id": "e1", "village": "yantang", "on_duty": [0, 0]}]', "field 'on_duty'"),  # a window of no time
        ('[{"id": "e1", "village": "atlantis"}]', "village 'atlantis', which is not in the district"),  # unknown
        ("[{", "is not valid JSON"),  # cut short
    ],
)
def test_a_bad_emergency_units_file_is_named(tiny: District, tmp_path: Path, text: str, message: str) -> None:
    write_district(tiny, tmp_path / "case")
    (tmp_path / "case" / "emergency_units.json").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_district(tmp_path / "case")


def test_an_existing_folder_is_kept_unless_overwrite(tiny: District, tmp_path: Path) -> None:
    folder = tmp_path / "d"
    write_district(tiny, folder)
    with pytest.raises(InputError, match="pass overwrite=True"):
        write_district(tiny, folder)
    write_district(tiny.replace(name="renamed"), folder, overwrite=True)
    assert read_district(folder).name == "renamed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]  # no staging folder left


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_write(target) as f:
        f.write("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_one_way_and_two_way_roads_round_trip(tmp_path: Path) -> None:
    roads = from_edges([("a", "b", 5.0), ("b", "a", 5.0), ("b", "c", 2.5)], {"a": (0, 0), "b": (1, 0), "c": (2, 0)})
    write_roads(roads, tmp_path / "n.csv", tmp_path / "e.csv.gz")
    again = read_roads(tmp_path / "n.csv", tmp_path / "e.csv.gz")
    assert np.array_equal(again.times_from([0, 1, 2]), roads.times_from([0, 1, 2]))
    rows = gzip.decompress((tmp_path / "e.csv.gz").read_bytes()).decode().splitlines()
    assert rows == ["u,v,travel_time,length,oneway", "a,b,5.0,,0", "b,c,2.5,,1"]


@pytest.mark.parametrize(
    ("nodes", "edges", "message"),
    [
        ("id,x\na,0\n", "u,v,travel_time\n", r"lacks the column\(s\) \['y'\]"),  # missing column
        ("id,x,y\na,0,zero\n", "u,v,travel_time\n", "line 2: y is 'zero', not a number"),  # bad coordinate
        ("id,x,y\na,0,0\n", "u,v,travel_time\na,b,3\n", "line 2: node 'b'"),  # unknown node
        ("id,x,y\na,0,0\nb,1,0\n", "u,v,travel_time\na,b,\n", "line 2: travel_time is None"),  # empty time
        ("id,x,y\na,0,0\nb,1,0\n", "u,v,travel_time\na,b,-4\n", "'a' -> 'b': -4.0"),  # negative time
        ("id,x,y\na,0,0\na,1,0\n", "u,v,travel_time\n", "node ids must be unique"),  # duplicate node
    ],
)
def test_malformed_road_files_are_refused_naming_the_line(tmp_path: Path, nodes: str, edges: str, message: str) -> None:
    (tmp_path / "n.csv").write_text(nodes)
    (tmp_path / "e.csv").write_text(edges)
    with pytest.raises(InputError, match=message):
        read_roads(tmp_path / "n.csv", tmp_path / "e.csv")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: (f / "district.json").write_text("{nope"), "district.json' is not valid JSON"),  # bad JSON
        (
            lambda f: (f / "district.json").write_text('{"name": "x", "colour": 1}'),
            r"unknown keys \['colour'\]",
        ),  # stray key
        (
            lambda f: (f / "roads.edges.csv.gz").unlink(),
            "has no roads.edges.csv.gz or roads.edges.csv",
        ),  # no roads
        (lambda f: (f / "stations.geojson").unlink(), "stations.geojson' does not exist"),  # no stations
    ],
)
def test_broken_district_folders_are_named(tiny: District, tmp_path: Path, change: object, message: str) -> None:
    folder = tmp_path / "d"
    write_district(tiny, folder)
    change(folder)  # type: ignore[operator]
    with pytest.raises(InputError, match=message):
        read_district(folder)
