"""``dispatch grids``: police grids of a scenario, its outputs and its errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from shapely.geometry import box, mapping

from dispatch.cli import main
from dispatch.experiment.scenario import load_scenario

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "scenarios"


def write_cells(folder: Path) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {
                "id": f"c{k}",
                "name": f"网格{k}",
                "station": "卓水" if k % 4 < 2 else "水市",
                "calls": 4 + k % 3,
            },
            "geometry": mapping(box(1e3 * (k % 4), 1e3 * (k // 4), 1e3 * (k % 4 + 1), 1e3 * (k // 4 + 1))),
        }
        for k in range(12)
    ]
    (folder / "cells.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )


def test_dispatch_grids_prints_the_grids_and_writes_the_layer_map_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_cells(tmp_path)
    scenario = tmp_path / "grids.yaml"
    scenario.write_text(
        "name: small\ngrids: {cells: cells.geojson, n_grids: 4, nest: station, balance: 0.3}\n", encoding="utf-8"
    )
    out = [str(tmp_path / name) for name in ("grids.gpkg", "map.png", "plan.json")]
    assert main(["grids", str(scenario), "--lang", "en", "--out", out[0], "--map", out[1], "--json", out[2]]) == 0
    printed = capsys.readouterr().out
    assert "4 police grids over 12 cells in 2 part(s), 2 proven optimal" in printed
    assert "卓水-01" in printed and "Parts solved" in printed
    assert all(Path(p).stat().st_size > 0 for p in out)
    assert len(json.loads(Path(out[2]).read_text())["grids"]) == 4


def test_dispatch_grids_speaks_chinese_with_lang_zh(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_cells(tmp_path)
    scenario = tmp_path / "grids.yaml"
    text = "name: small\ngrids: {cells: cells.geojson, n_grids: 4, nest: station, balance: 0.3, current: station}\n"
    scenario.write_text(text, encoding="utf-8")
    assert main(["grids", str(scenario), "--lang", "zh", "--map", str(tmp_path / "警格.png")]) == 0
    captured = capsys.readouterr()
    printed = captured.out
    assert "划分警格: 2/2 (100 %)" in captured.err
    progress = [line for line in captured.err.splitlines() if line.startswith("划分警格")]
    assert progress and not any(re.search("[A-Za-z]", line) for line in progress), progress
    assert "12 个网格划为 4 个警格，分 2 片求解，其中 2 片证明最优" in printed
    for words in ("中心网格", "分片求解", "工作量区间", "最优", "现有与规划警格对比", "调整归属的网格"):
        assert words in printed
    assert "police grids" not in printed
    assert (tmp_path / "警格.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # no grids section
        ("name: x\n", "has no grids section"),
        # neither a count nor a workload per grid
        ("grids: {cells: cells.geojson}\n", "give either n_grids or workload_per_grid"),
        # a cell layer that is not there
        ("grids: {cells: missing.geojson, n_grids: 2}\n", "missing.geojson"),
        # more grids than a station has cells
        ("grids: {cells: cells.geojson, n_grids: {卓水: 7, 水市: 1}, nest: station}\n", "卓水': 6 cell"),
    ],
)
def test_bad_grid_scenarios_exit_with_2_and_name_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    write_cells(tmp_path)
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(text, encoding="utf-8")
    assert main(["grids", str(scenario)]) == 2
    assert message in capsys.readouterr().err


def test_the_example_grid_scenario_loads_with_the_demo_cells() -> None:
    grids = load_scenario(EXAMPLES / "grids.yaml").grids
    assert grids is not None and grids.cells == "demo"
    assert grids.params().n_grids == 220 and grids.params().nest == "station"


def test_dispatch_check_reads_the_grid_cells_and_names_a_bad_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_cells(tmp_path)
    scenario = tmp_path / "grids.yaml"
    scenario.write_text("name: small\ngrids: {cells: cells.geojson, n_grids: 4}\n", encoding="utf-8")
    assert main(["check", str(scenario)]) == 0
    assert "12 village grid cells for police grids" in capsys.readouterr().out
    document = json.loads((tmp_path / "cells.geojson").read_text(encoding="utf-8"))
    document["features"][5]["properties"]["id"] = "c4"  # two cells called c4
    (tmp_path / "cells.geojson").write_text(json.dumps(document), encoding="utf-8")
    assert main(["check", str(scenario)]) == 2
    assert "'c4'" in capsys.readouterr().out
