"""Exports: the plan as GeoPackage, shapefile, GeoJSON and XLSX, and the calls and
villages as CSV and XLSX, read back with the libraries GIS and Excel users use."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dispatch import District
from dispatch.errors import InputError
from dispatch.evaluate.simulation import Comparison
from dispatch.plan.structure import ClusterPlan
from dispatch.report.export import export_calls, export_plan, export_villages

pyogrio = pytest.importorskip("pyogrio")
openpyxl = pytest.importorskip("openpyxl")


def expected(district: District, plan: ClusterPlan) -> set[tuple[str, str, str]]:
    found = set()
    for s in district.stations:
        cluster = plan.cluster_of(s.id)
        found.add((s.id, plan.kinds[s.id].value, cluster.central if cluster else ""))
    return found


def read_stations(path: Path) -> set[tuple[str, str, str]]:
    if path.suffix == ".xlsx":
        rows = list(openpyxl.load_workbook(path)["stations"].values)
        head = list(rows[0])
        return {(r[head.index("id")], r[head.index("kind")], r[head.index("cluster")] or "") for r in rows[1:]}
    frame = pyogrio.read_dataframe(path, layer="stations" if path.suffix == ".gpkg" else None)
    if "layer" in frame:
        frame = frame[frame["layer"] == "stations"]
    # a shapefile reads an empty text back as null
    return {(i, k, c if isinstance(c, str) else "") for i, k, c in zip(frame["id"], frame["kind"], frame["cluster"])}


@pytest.mark.parametrize("suffix", [".gpkg", ".shp", ".geojson", ".xlsx"])
def test_the_plan_round_trips_with_its_stations_kinds_and_clusters(
    demo: District, demo_plan: ClusterPlan, tmp_path: Path, suffix: str
) -> None:
    path = export_plan(demo, demo_plan, tmp_path / f"plan{suffix}")
    assert read_stations(path) == expected(demo, demo_plan)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_a_geopackage_holds_links_and_cluster_areas(demo: District, demo_plan: ClusterPlan, tmp_path: Path) -> None:
    path = export_plan(demo, demo_plan, tmp_path / "plan.gpkg")
    assert {name for name, _ in pyogrio.list_layers(path)} == {"stations", "links", "clusters"}
    links = pyogrio.read_dataframe(path, layer="links")
    assert len(links) == sum(len(c.bases) for c in demo_plan.clusters)
    areas = pyogrio.read_dataframe(path, layer="clusters")
    assert sorted(areas["central"]) == sorted(c.central for c in demo_plan.clusters)
    assert (areas.geometry.area > 0).all()


def test_shapefiles_say_utf8_and_keep_chinese_names(tiny: District, tmp_path: Path) -> None:
    from dispatch import cluster

    case = tiny.replace(stations=[s.replace(name={"zhuoshui": "浊水", "shuishi": "水市"}[s.id]) for s in tiny.stations])
    path = export_plan(case, cluster(case), tmp_path / "案例.shp")
    assert (tmp_path / "案例.cpg").read_text().strip().upper().replace("-", "") == "UTF8"
    assert set(pyogrio.read_dataframe(path)["name"]) == {"浊水", "水市"}


@pytest.mark.parametrize(
    "name",
    [
        "plan.csv",  # a plan is not a table of calls
        "plan.gpkg.txt",  # unknown type
        "plan",  # no suffix
    ],
)
def test_a_plan_file_of_an_unknown_type_is_refused(
    demo: District, demo_plan: ClusterPlan, tmp_path: Path, name: str
) -> None:
    with pytest.raises(InputError, match=r"\.gpkg, \.geojson, \.shp, \.xlsx"):
        export_plan(demo, demo_plan, tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_calls_are_written_with_ids_one_row_each(demo: District, demo_comparison: Comparison, tmp_path: Path) -> None:
    result = demo_comparison.after
    path = export_calls(demo, result, tmp_path / "calls.csv")
    with path.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == sum(len(run.call) for run in result.runs)
    served = [r for r in rows if r["unit"]]
    assert {r["unit"] for r in served} <= set(demo.unit_ids)
    assert {r["village"] for r in rows} <= set(demo.village_ids)
    assert {r["station"] for r in served} <= set(demo.post_ids)
    book = openpyxl.load_workbook(export_calls(demo, result, tmp_path / "calls.xlsx"), read_only=True)
    assert book["calls"].max_row == len(rows) + 1


def test_villages_get_before_and_after_columns(demo: District, demo_comparison: Comparison, tmp_path: Path) -> None:
    results = {"before": demo_comparison.before, "after": demo_comparison.after}
    book = openpyxl.load_workbook(export_villages(demo, results, tmp_path / "villages.xlsx"))
    rows = list(book["villages"].values)
    assert rows[0][:4] == ("village", "name", "station", "population")
    assert {"before_mean", "after_p90", "after_within_1800"} <= set(rows[0])
    assert len(rows) == len(demo.villages) + 1
    share = rows[0].index("after_within_1800")
    assert all(r[share] is None or 0 <= r[share] <= 1 for r in rows[1:])


def test_a_village_whose_calls_go_unanswered_says_so(tiny: District, tmp_path: Path) -> None:
    from dispatch import OwnStation, simulate
    from dispatch.errors import UnansweredCallsWarning
    from dispatch.evaluate.simulation import SimulationParams

    no_shuishi_unit = tiny.replace(units=[u for u in tiny.units if u.station != "shuishi"])
    with pytest.warns(UnansweredCallsWarning):
        result = simulate(no_shuishi_unit, None, OwnStation(), params=SimulationParams(horizon=20 * 86_400.0))
    path = export_villages(no_shuishi_unit, {"": result}, tmp_path / "villages.csv")
    with path.open(encoding="utf-8-sig") as f:
        rows = {row["village"]: row for row in csv.DictReader(f)}
    assert float(rows["shuishi-town"]["within_1800"]) == 0.0  # never reached
    assert float(rows["shuishi-town"]["p90"]) == float("inf")
    assert 0 < float(rows["zhuoshui-town"]["within_1800"]) <= 1
