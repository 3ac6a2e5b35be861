"""Bad files: road CSVs, GeoJSON layers, district folders, incident CSVs and the
OR-Library benchmark formats, each refused naming the file and the line or
feature at fault."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from dispatch import InputError, read_incidents
from dispatch.datasets.orlib import read_pmed, read_pmedcap, read_sjc
from dispatch.io import (
    read_areas,
    read_boundary,
    read_district,
    read_partners,
    read_roads,
    read_stations,
    read_villages,
    write_district,
)

from .framework import Bad, Kit, cases, check

pytestmark = pytest.mark.filterwarnings("ignore::dispatch.io.layers.DefaultsWarning")  # defaults are not the point

NODES = "id,x,y\na,0,0\nb,100,0\n"
EDGES = "u,v,travel_time\na,b,10\n"


def roads(k: Kit, nodes: str = NODES, edges: str = EDGES) -> Any:
    return read_roads(k.file("nodes.csv", nodes), k.file("edges.csv", edges))


def points(*properties: dict[str, Any], coordinates: Any = (0, 0)) -> str:
    """A FeatureCollection of points with these properties."""
    features = [
        {"type": "Feature", "properties": p, "geometry": {"type": "Point", "coordinates": list(coordinates)}}
        for p in properties
    ]
    return json.dumps({"type": "FeatureCollection", "features": features})


def polygons(*features: tuple[dict[str, Any], list[Any]]) -> str:
    """A FeatureCollection of polygons (properties, rings)."""
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": p, "geometry": {"type": "Polygon", "coordinates": rings}}
                for p, rings in features
            ],
        }
    )


SQUARE = [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]
BOWTIE = [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]
STATION = {"id": "s", "officers": 2}


def layer(k: Kit, reader: Any, text: str | bytes, name: str = "layer.geojson") -> Any:
    return reader(k.file(name, text))


def folder(k: Kit, **changes: str | bytes) -> Any:
    """The tiny district written to a folder, with files changed, read back."""
    write_district(k.tiny, k.tmp / "d")
    for name, content in changes.items():
        k.file(f"d/{name.replace('_', '.')}", content)
    return read_district(k.tmp / "d")


def incidents(k: Kit, text: str | bytes) -> Any:
    return read_incidents(k.file("calls.csv", text), k.tiny)


def orlib(k: Kit, reader: Any, text: str) -> Any:
    return reader(k.file("instance.txt", text))


PMEDCAP = "1 10\n3 1 10\n1 0 0 1\n2 1 1 1\n3 2 2 1\n"
SJC = "1 1 3 1 0\n0 0 5 1\n1 1 5 1\n2 2 5 1\n"

CASES = [
    # road CSVs
    Bad(lambda k: roads(k, nodes="x,y\n0,0\n"), InputError, "lacks the column(s) ['id']"),  # no id column
    Bad(lambda k: roads(k, edges="u,v\na,b\n"), InputError, "['travel_time']"),  # no travel_time column
    Bad(lambda k: roads(k, nodes="id,x,y\na,0,0\na,1,1\n"), InputError, "unique"),  # a node id twice
    Bad(lambda k: roads(k, nodes="id,x,y\na,zero,0\nb,1,1\n"), InputError, "line 2: x is 'zero'"),  # text coordinate
    Bad(lambda k: roads(k, nodes="id,x,y\na,nan,0\nb,1,1\n"), InputError, "node 'a'"),  # NaN coordinate
    Bad(lambda k: roads(k, nodes="id,x,y\na,inf,0\nb,1,1\n"), InputError, "node 'a'"),  # infinite coordinate
    Bad(lambda k: roads(k, edges="u,v,travel_time\na,c,10\n"), InputError, "line 2: node 'c'"),  # unknown node
    Bad(lambda k: roads(k, edges="u,v,travel_time\na,b,-10\n"), InputError, "travel_time"),  # negative time
    Bad(lambda k: roads(k, edges="u,v,travel_time\na,b,nan\n"), InputError, "travel_time"),  # NaN time
    Bad(lambda k: roads(k, edges="u,v,travel_time\na,b,\n"), InputError, "line 2: travel_time"),  # empty time
    Bad(lambda k: roads(k, edges="u,v,travel_time,oneway\na,b,10,2\n"), InputError, "line 2: oneway is 2"),  # 2-way?
    Bad(lambda k: roads(k, edges="u,v,travel_time,oneway\na,b,10,-1\n"), InputError, "line 2: oneway is -1"),  # -1
    Bad(lambda k: roads(k, edges="u,v,travel_time,oneway\na,b,10,yes\n"), InputError, "line 2: oneway"),  # text
    Bad(lambda k: roads(k, edges="u,v,travel_time,length\na,b,10,-5\n"), InputError, "line 2: length is -5"),  # < 0
    Bad(lambda k: roads(k, edges="u,v,travel_time,length\na,b,10,inf\n"), InputError, "line 2: length is inf"),  # inf
    Bad(lambda k: roads(k, edges="u,v,travel_time,length\na,b,10,far\n"), InputError, "line 2: length"),  # text
    Bad(lambda k: read_roads(k.tmp / "none.csv", k.tmp / "none.csv"), InputError, "none.csv"),  # missing files
    Bad(lambda k: read_roads(k.file("n.csv.gz", b"not gzip"), k.tmp / "e.csv"), InputError, "n.csv.gz"),
    Bad(lambda k: roads(k, nodes=b"id,x,y\n\xff\xfe,0,0\n"), InputError, "nodes.csv"),  # not UTF-8
    Bad(lambda k: read_roads(k.tmp, k.tmp), InputError, "is a folder"),  # a folder, said "does not exist"
    # GeoJSON layers
    Bad(lambda k: layer(k, read_stations, "{"), InputError, "not valid JSON"),  # truncated JSON
    Bad(lambda k: layer(k, read_stations, "[]"), InputError, "FeatureCollection"),  # not a collection
    Bad(lambda k: layer(k, read_stations, '{"type": "FeatureCollection"}'), InputError, "'features'"),  # no features
    Bad(lambda k: layer(k, read_stations, points({"id": "s"})), InputError, "officers"),  # no officers
    Bad(lambda k: layer(k, read_stations, points({**STATION, "officers": True})), InputError, "officers"),  # bool
    Bad(lambda k: layer(k, read_stations, points({**STATION, "officers": -2})), InputError, "officers"),  # negative
    Bad(lambda k: layer(k, read_stations, points({**STATION, "kind": "capital"})), InputError, "kind"),  # no such kind
    Bad(lambda k: layer(k, read_stations, points({**STATION, "units": [""]})), InputError, "field 'id'"),  # empty unit
    Bad(lambda k: layer(k, read_stations, points({**STATION, "colour": "red"})), InputError, "colour"),  # unknown text
    Bad(lambda k: layer(k, read_stations, points({**STATION, "population": -1})), InputError, "population"),  # < 0
    Bad(lambda k: layer(k, read_stations, points(STATION, coordinates=["x", 0])), InputError, "feature 0"),  # text
    Bad(lambda k: layer(k, read_stations, points(STATION, coordinates=[1])), InputError, "feature 0"),  # one number
    Bad(lambda k: layer(k, read_stations, polygons((STATION, SQUARE))), InputError, "feature 0"),  # a polygon
    Bad(lambda k: layer(k, read_villages, points({"id": "v", "population": 1.5})), InputError, "population"),  # 1.5
    # a negative incident rate
    Bad(lambda k: layer(k, read_villages, points({"id": "v", "incident_rate": -1})), InputError, "incident_rate"),
    Bad(lambda k: layer(k, read_villages, points({"name": "no id"})), InputError, "no 'id' column"),  # a village, no id
    Bad(lambda k: layer(k, read_partners, points({"id": "p", "stations": []})), InputError, "stations"),  # of none
    Bad(lambda k: layer(k, read_partners, points({"id": "p"})), InputError, "stations"),  # partner of nobody
    Bad(lambda k: layer(k, read_areas, polygons(({"station": "s"}, BOWTIE))), InputError, "feature 0"),  # crossing
    Bad(lambda k: layer(k, read_areas, polygons(({}, SQUARE))), InputError, "no 'station' column"),  # whose area?
    # two polygons for one station
    Bad(lambda k: layer(k, read_areas, polygons(*[({"station": "s"}, SQUARE)] * 2)), InputError, "second polygon"),
    Bad(lambda k: layer(k, read_boundary, polygons(({}, SQUARE), ({}, SQUARE))), InputError, "exactly one"),  # two
    Bad(lambda k: layer(k, read_boundary, points({})), InputError, "feature 0"),  # a point for a boundary
    # a number for a feature
    Bad(lambda k: layer(k, read_stations, '{"type": "FeatureCollection", "features": [1]}'), InputError, "feature 0"),
    Bad(lambda k: layer(k, read_stations, "[" * 100_000 + "]" * 100_000), InputError, "layer.geojson"),  # too deep
    Bad(lambda k: layer(k, read_stations, b"\xff\xfe{\x00"), InputError, "layer.geojson"),  # UTF-16, not UTF-8
    Bad(lambda k: read_stations(k.fifo("pipe.geojson")), InputError, "is a FIFO (named pipe)"),  # a pipe
    # district folders
    Bad(lambda k: read_district(k.tmp / "none"), InputError, "none' does not exist"),  # no such folder
    Bad(lambda k: folder(k, district_json="{"), InputError, "district.json"),  # broken metadata
    Bad(lambda k: folder(k, district_json='{"nmae": "x"}'), InputError, "unknown keys ['nmae']"),  # misspelt key
    Bad(lambda k: folder(k, district_json="[1]"), InputError, "district.json"),  # not an object
    Bad(lambda k: folder(k, district_json='{"max_snap_distance": -1}'), InputError, "max_snap_distance"),  # < 0
    Bad(
        lambda k: folder(k, district_json='{"name": "a", "name": "b"}'), InputError, "['name'] more than once"
    ),  # twice
    # a station 9,000 km from every road
    Bad(lambda k: folder(k, stations_geojson=points(STATION, coordinates=[9e9, 0])), InputError, "far outside"),
    # incident CSVs
    Bad(lambda k: incidents(k, "when,where\n1,yantang\n"), InputError, "unknown column 'when'"),  # wrong columns
    Bad(
        lambda k: incidents(k, "time,village\n-5,yantang\n"), InputError, "row 2, column 'time': '-5'"
    ),  # negative time
    Bad(lambda k: incidents(k, "time,village\nnan,yantang\n"), InputError, "row 2, column 'time': 'nan'"),  # NaN time
    Bad(lambda k: incidents(k, "time,village\nsoon,yantang\n"), InputError, "row 2, column 'time': 'soon'"),  # no time
    Bad(lambda k: incidents(k, "time,village\n1,atlantis\n"), InputError, "row 2: names no village"),  # unknown
    Bad(
        lambda k: incidents(k, "time,village,priority\n1,yantang,0\n"), InputError, "row 2, column 'priority': '0'"
    ),  # 0
    Bad(
        lambda k: incidents(k, "time,village,priority\n1,yantang,-1\n"), InputError, "row 2, column 'priority': '-1'"
    ),  # < 0
    # a negative service time
    Bad(
        lambda k: incidents(k, "time,village,service_time\n1,yantang,-3\n"), InputError, "row 2, column 'service_time'"
    ),
    # an infinite service time
    Bad(
        lambda k: incidents(k, "time,village,service_time\n1,yantang,inf\n"), InputError, "row 2, column 'service_time'"
    ),
    # (naive and time-zoned times mixed, once a raw TypeError, are now read: naive ones are China Standard Time)
    # date-times and plain seconds mixed
    Bad(lambda k: incidents(k, "time,village\n2024-01-02,yantang\n60,yantang\n"), InputError, "times mix"),
    # a date that does not exist
    Bad(lambda k: incidents(k, "time,village\n2024年2月30日 10:00,yantang\n"), InputError, "row 2, column 'time'"),
    Bad(lambda k: incidents(k, b"time,village\n1,\xff\n"), InputError, "calls.csv"),  # not UTF-8 (open_text)
    # OR-Library and SJC instances
    Bad(lambda k: orlib(k, read_pmed, "3 2 1\n1 2 -5\n2 3 4\n"), InputError, "line 2: cost -5"),  # negative cost
    Bad(lambda k: orlib(k, read_pmed, "30000 2 1\n1 2 5\n2 3 4\n"), InputError, "line 1: n"),  # 30000 vertices
    Bad(lambda k: orlib(k, read_pmed, "10 2 1\n1 2 5\n2 3 4\n"), InputError, "2 edges cannot connect 10"),  # too few
    Bad(lambda k: orlib(k, read_pmed, "3 5 1\n1 2 5\n2 3 4\n"), InputError, "5 lines 'i j cost'"),  # edges missing
    Bad(lambda k: orlib(k, read_pmed, "3 2 1\n0 2 5\n2 3 4\n"), InputError, "line 2: vertex i is 0"),  # vertex 0
    Bad(lambda k: orlib(k, read_pmed, "3 2 1\n1 4 5\n2 3 4\n"), InputError, "line 2: vertex j is 4"),  # vertex > n
    Bad(lambda k: orlib(k, read_pmed, "3 2 1\n1.5 2 5\n2 3 4\n"), InputError, "line 2: vertex i is 1.5"),  # fraction
    Bad(lambda k: orlib(k, read_pmed, "3 2 4\n1 2 5\n2 3 4\n"), InputError, "line 1: p"),  # p > n
    Bad(lambda k: orlib(k, read_pmed, "3 2 0\n1 2 5\n2 3 4\n"), InputError, "line 1: p"),  # p = 0
    Bad(lambda k: orlib(k, read_pmed, "3 2 -1\n1 2 5\n2 3 4\n"), InputError, "line 1: p"),  # p < 0
    Bad(lambda k: orlib(k, read_pmed, "3 2 1\n1 2 nan\n2 3 4\n"), InputError, "line 2: numbers must be finite"),  # NaN
    Bad(lambda k: orlib(k, read_pmed, "3 2 1\n1 2 inf\n2 3 4\n"), InputError, "line 2: numbers must be finite"),  # inf
    Bad(lambda k: orlib(k, read_pmed, "3 2 1\n1 2\n2 3 4\n"), InputError, "line 2 must be 'i j cost'"),  # short line
    Bad(lambda k: orlib(k, read_pmed, "3 2 1\n1 2 " + "x" * 5_000_000 + "\n"), InputError, "line 2 is longer"),  # 5 MB
    Bad(lambda k: orlib(k, read_pmed, "3 2 1\n1 2 five" + " x" * 300 + "\n"), InputError, "'1 2 five x x"),  # quoted
    Bad(lambda k: orlib(k, read_pmed, ""), InputError, "is empty"),  # an empty file
    Bad(lambda k: orlib(k, read_pmed, "3 2\n1 2 5\n"), InputError, "line 1 must be 'n m p'"),  # short header
    Bad(lambda k: orlib(k, read_pmedcap, PMEDCAP.replace("3 1 10", "3 1 -10")), InputError, "line 2: Q"),  # Q < 0
    # a negative demand
    Bad(lambda k: orlib(k, read_pmedcap, PMEDCAP.replace("1 0 0 1", "1 0 0 -1")), InputError, "line 3: demand"),
    # a NaN coordinate
    Bad(lambda k: orlib(k, read_pmedcap, PMEDCAP.replace("2 1 1 1", "2 nan 1 1")), InputError, "line 4: numbers"),
    Bad(lambda k: orlib(k, read_pmedcap, PMEDCAP.replace("3 1 10", "30000 1 10")), InputError, "line 2: n"),  # huge n
    # fewer points than the header says
    Bad(lambda k: orlib(k, read_pmedcap, PMEDCAP.replace("3 1 10", "4 1 10")), InputError, "4 lines 'id x y demand'"),
    Bad(lambda k: orlib(k, read_pmedcap, PMEDCAP.replace("3 1 10", "3 5 10")), InputError, "line 2: p"),  # p > n
    Bad(lambda k: orlib(k, read_pmedcap, PMEDCAP.replace("3 1 10", "3 0 10")), InputError, "line 2: p"),  # p = 0
    Bad(lambda k: orlib(k, read_pmedcap, PMEDCAP.replace("2 1 1 1", "2 1 1")), InputError, "line 4 must be"),  # short
    Bad(lambda k: orlib(k, read_pmedcap, "1 10\n"), InputError, "'n p Q'"),  # no size line
    Bad(lambda k: orlib(k, read_sjc, SJC.replace("0 0 5 1", "0 0 -5 1")), InputError, "line 2: capacity"),  # < 0
    Bad(lambda k: orlib(k, read_sjc, SJC.replace("1 1 5 1", "1 1 5 -1")), InputError, "line 3: demand"),  # < 0
    Bad(lambda k: orlib(k, read_sjc, SJC.replace("2 2 5 1", "2 inf 5 1")), InputError, "line 4: numbers"),  # inf
    Bad(lambda k: orlib(k, read_sjc, SJC.replace("1 1 3 1 0", "1 1 3 0 0")), InputError, "line 1: p"),  # p = 0
    Bad(lambda k: orlib(k, read_sjc, SJC.replace("1 1 3 1 0", "1 1 3 9 0")), InputError, "line 1: p"),  # p > n
    Bad(lambda k: orlib(k, read_sjc, SJC.replace("1 1 3 1 0", "1 1 3e4 1 0")), InputError, "line 1: n"),  # huge n
    Bad(lambda k: orlib(k, read_sjc, SJC.replace("1 1 3 1 0", "1 1 3")), InputError, "line 1 must be"),  # short
    Bad(lambda k: read_pmed(k.tmp / "pmed99.txt"), InputError, "pmed99.txt"),  # no such file
]


@pytest.mark.parametrize("case", cases(CASES))
def test_bad_files_are_refused_naming_the_file_and_line(
    case: Bad, kit: Kit, capsys: pytest.CaptureFixture[str]
) -> None:
    check(case, kit, capsys)


def test_a_gzipped_road_file_is_read_through(kit: Kit) -> None:
    # The readers take .gz files: a bad line inside one is named like any other.
    path = kit.tmp / "edges.csv.gz"
    path.write_bytes(gzip.compress(b"u,v,travel_time,oneway\na,b,10,3\n"))
    with pytest.raises(InputError, match="line 2: oneway is 3"):
        read_roads(kit.file("nodes.csv", NODES), Path(path))
