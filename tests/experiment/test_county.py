"""A county's own files, from the command line with no Python: the template
county, every format against WGS-84 GeoJSON, and what ``dispatch check`` says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dispatch.cli import main
from dispatch.datasets import demo_district
from dispatch.datasets.synthetic import synthetic_province
from dispatch.datasets.template import place, placed_demo
from dispatch.district import District
from dispatch.plan.clustering import cluster
from dispatch.plan.params import ClusterParams
from tests.io.county_files import write_chinese, write_geojson

PLAN_KEYS = ("clusters", "kinds", "border", "counts", "objective", "status")


def _plan(scenario: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    out = scenario.parent / "plan.json"
    assert main(["plan", str(scenario), "--json", str(out)]) == 0
    capsys.readouterr()
    plan = json.loads(out.read_text())
    return {k: plan[k] for k in PLAN_KEYS}


def _same_county_in_every_format(
    county: District, tmp_path: Path, capsys: pytest.CaptureFixture[str], days: int
) -> None:
    chinese = write_chinese(county, tmp_path / "chinese", days=days)
    geojson = write_geojson(county, tmp_path / "geojson", days=days)
    assert main(["check", str(chinese)]) == 0
    report = capsys.readouterr().out
    assert "calls matched to villages" in report and "problem" not in report
    assert _plan(chinese, capsys) == _plan(geojson, capsys)  # the same plan from either
    replayed = json.loads(chinese.read_text()) | {"replay": True}
    chinese.write_text(json.dumps(replayed, ensure_ascii=False))
    assert main(["simulate", str(chinese)]) == 0
    assert "within 15 min" in capsys.readouterr().out
    assert main(["compare", str(geojson), "--report", str(tmp_path / "reform.html")]) == 0
    assert (tmp_path / "reform.html").is_file()


@pytest.mark.filterwarnings("ignore::dispatch.io.layers.DefaultsWarning")
def test_a_county_in_planners_formats_plans_like_its_wgs84_geojson(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _same_county_in_every_format(place(synthetic_province(6, seed=1)), tmp_path, capsys, days=20)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::dispatch.io.layers.DefaultsWarning")
def test_the_demo_county_in_planners_formats_plans_like_its_wgs84_geojson(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _same_county_in_every_format(placed_demo(), tmp_path, capsys, days=30)


def test_the_template_county_checks_clean_and_plans_like_the_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "county"), "--lang", "zh"]) == 0
    scenario = tmp_path / "county" / "scenario.yaml"
    assert main(["check", str(scenario)]) == 0
    report = capsys.readouterr().out
    assert "ok" in report and "defaults filled in" not in report and "warnings" not in report
    mine = _plan(scenario, capsys)
    params = ClusterParams(min_bases=1, max_bases=2, max_link_time=2700)
    demo = json.loads(json.dumps(cluster(demo_district(), params).to_dict(), default=str))
    assert mine == {k: demo[k] for k in PLAN_KEYS}
    assert main(["init", str(tmp_path / "county"), "--lang", "zh"]) == 2  # never over an existing folder
    assert "exists" in capsys.readouterr().err


def test_english_headers_on_request(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path / "c"), "--lang", "en"]) == 0
    assert (tmp_path / "c" / "villages.csv").read_text().startswith("id,name,lon,lat,population,incident_rate")


def test_check_lists_every_problem_with_file_row_and_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path / "county"), "--lang", "zh"]) == 0
    villages = tmp_path / "county" / "villages.csv"
    lines = villages.read_text().splitlines()
    lines[0] = lines[0].replace("人口", "人囗")  # a typo'd header
    lines[3] = lines[3].replace(",", ",x", 1)
    villages.write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    assert main(["check", str(tmp_path / "county" / "scenario.yaml")]) == 2
    report = capsys.readouterr().out
    assert "unknown column '人囗'" in report and "villages.csv" in report


def test_check_reports_stations_without_units_villages_without_calls_and_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "county"), "--lang", "zh"]) == 0
    folder = tmp_path / "county"
    villages = folder / "villages.csv"
    lines = villages.read_text().splitlines()
    villages.write_text("\n".join([lines[0].removesuffix(",警情数")] + [r.rsplit(",", 1)[0] for r in lines[1:]]) + "\n")
    from openpyxl import load_workbook

    book = load_workbook(folder / "stations.xlsx")
    book["派出所"]["G2"] = 0  # the first station's 警车数
    book.save(folder / "stations.xlsx")
    capsys.readouterr()
    assert main(["check", str(folder / "scenario.yaml")]) == 0
    report = capsys.readouterr().out
    assert "station 'antang' has no units" in report
    assert "320 village(s) without calls" in report
    assert "no 'incident_rate' column: every village" in report


PLAN_OSM = """
import json, sys
from dispatch.cli import main
main(["plan", sys.argv[1], "--json", sys.argv[2]])
"""


@pytest.mark.slow
def test_an_osm_scenario_plans_identically_under_any_hash_seed(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from dispatch.io.coords import LayerCrs, transform
    from dispatch.network.convert import from_osm_file
    from tests.conftest import DATA

    osm = DATA / "osm" / "kouvola_drive.osm"
    roads = from_osm_file(osm)
    lonlat = transform(roads.xy, LayerCrs(roads.crs), "EPSG:4326")  # stations and villages in RFC 7946 GeoJSON
    picks = {"stations": range(0, 200, 40), "villages": range(3, 229, 9)}
    for kind, nodes in picks.items():
        features = [
            {
                "type": "Feature",
                "properties": {"id": f"{kind[0]}{i}", "officers": 4, "units": [f"u{i}"]}
                if kind == "stations"
                else {"id": f"{kind[0]}{i}", "incident_rate": 50 + i},
                "geometry": {"type": "Point", "coordinates": lonlat[i].tolist()},
            }
            for i in nodes
        ]
        (tmp_path / f"{kind}.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    scenario = tmp_path / "osm.json"
    district = {
        "source": "files",
        "stations": "stations.geojson",
        "villages": "villages.geojson",
        "roads": {"osm": str(osm)},
    }
    scenario.write_text(json.dumps({"district": district, "plan": {"max_link_time": 900}}))
    runs = [
        subprocess.Popen(
            [sys.executable, "-W", "ignore", "-c", PLAN_OSM, str(scenario), str(tmp_path / f"plan{seed}.json")],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            stdout=subprocess.DEVNULL,
        )
        for seed in (0, 1, 2, 3, 4)
    ]
    assert all(run.wait(timeout=300) == 0 for run in runs)
    plans = [json.loads((tmp_path / f"plan{seed}.json").read_text()) for seed in (0, 1, 2, 3, 4)]
    for plan in plans:
        plan.pop("build_time"), plan.pop("solve_time")
    assert all(plan == plans[0] for plan in plans) and plans[0]["status"] == "optimal"
