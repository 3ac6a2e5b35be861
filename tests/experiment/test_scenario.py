"""Scenario and sweep files: validation, safe loading, variants, stable keys."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from dispatch import InputError
from dispatch.experiment.scenario import MAX_FILE_BYTES, Scenario, Sweep, load_scenario, load_sweep

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"


def test_the_example_scenario_and_sweep_load() -> None:
    scenario = load_scenario(EXAMPLES / "demo.yaml")
    assert scenario.plan.max_bases == 2 and scenario.policy.name == "cluster_first"
    sweep = load_sweep(EXAMPLES / "sweep.yaml")
    assert sweep.size == len(list(sweep.scenarios())) == 6


def test_json_and_yaml_give_the_same_scenario(tmp_path: Path) -> None:
    scenario = load_scenario(EXAMPLES / "demo.yaml")
    (tmp_path / "s.json").write_text(scenario.model_dump_json())
    assert load_scenario(tmp_path / "s.json") == scenario


def test_variants_are_validated_and_keyed_apart() -> None:
    base = Scenario()
    variant = base.with_changes({"plan.max_bases": 3, "simulation.seed": 4})
    assert variant.plan.max_bases == 3 and variant.simulation.seed == 4
    assert variant.key() != base.key()
    assert base.replace(name="renamed").key() == base.key()  # the name is a label
    with pytest.raises(InputError, match=r"field 'plan.max_bases': Input should be greater than or equal to 0"):
        base.with_changes({"plan.max_bases": -1})
    with pytest.raises(InputError, match="'nowhere' is not a section"):
        base.with_changes({"nowhere.deeper": 1})


def test_the_key_follows_file_contents_not_paths(demo: object, tmp_path: Path) -> None:
    from dispatch.io import write_district

    write_district(demo, tmp_path / "a")  # type: ignore[arg-type]
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    first = Scenario(district={"source": "folder", "path": tmp_path / "a"})
    moved = Scenario(district={"source": "folder", "path": tmp_path / "b"})
    assert first.key() == moved.key()
    (tmp_path / "b" / "district.json").write_text(json.dumps({"name": "changed"}))
    assert Scenario(district={"source": "folder", "path": tmp_path / "b"}).key() != first.key()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("plan: {max_bases: two}\n", r"field 'plan.max_bases': Input should be a valid integer"),  # wrong type
        ("plan: {max_bases: 2, maxbases: 3}\n", r"field 'plan.maxbases': Extra inputs are not permitted"),  # typo key
        ("colour: red\n", r"field 'colour': Extra inputs are not permitted"),  # unknown top-level key
        ("simulation: {replications: -3}\n", r"field 'simulation.replications': Input should be greater"),  # negative
        ("plan: {max_link_time: -60}\n", r"field 'plan.max_link_time'"),  # negative time
        ("district: {source: folder, path: missing}\n", r"field 'district.folder.path': .*missing' does not exist"),
        ("district: {source: moon}\n", r"field 'district'"),  # unknown source
        ("a: &a [1, 2]\nb: [*a, *a]\n", "aliases \\(\\*name\\) are not allowed"),  # YAML bomb ingredients
        ("[1, 2, 3]\n", "must hold a mapping of settings"),  # not a mapping
        ("plan: {max_bases: [\n", "is not valid YAML"),  # broken YAML
        ("!!python/object/apply:os.system ['echo owned']\n", "is not valid YAML"),  # code is never run
        ("[" * 2_000 + "]" * 2_000 + "\n", "nested too deeply|is not valid YAML|must hold a mapping"),  # deep nesting
    ],
)
def test_malformed_scenario_files_name_the_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as caught:
        load_scenario(path)
    assert "scenario.yaml" in str(caught.value)


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "scenario.json"
    path.write_text("{" + " " * (MAX_FILE_BYTES + 1) + "}")
    with pytest.raises(InputError, match="may be at most"):
        load_scenario(path)


def test_a_missing_scenario_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nothing.yaml' does not exist"):
        load_scenario(tmp_path / "nothing.yaml")


def test_files_districts_resolve_paths_against_the_scenario(tiny: object, tmp_path: Path) -> None:
    from dispatch.io import write_district

    write_district(tiny, tmp_path / "data")  # type: ignore[arg-type]
    (tmp_path / "s.yaml").write_text(
        "district:\n  source: files\n  name: tiny\n  stations: data/stations.geojson\n"
        "  villages: data/villages.geojson\n  roads: {nodes: data/roads.nodes.csv.gz, edges: data/roads.edges.csv.gz}\n"
    )
    district = load_scenario(tmp_path / "s.yaml").district.load()
    assert [s.id for s in district.stations] == ["zhuoshui", "shuishi"]


def test_a_sweep_whose_grid_breaks_a_scenario_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text("grid: {plan.max_bases: [1, -2]}\n")
    with pytest.raises(InputError, match=r"plan.max_bases"):
        load_sweep(path)
    assert next(Sweep().scenarios())[0] == {}


def test_district_files_are_read_once_for_all_the_scenarios_of_a_sweep(
    tiny: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dispatch.io import write_district

    write_district(tiny, tmp_path / "d")  # type: ignore[arg-type]
    settled = time.time() - 60
    for path in (tmp_path / "d").iterdir():
        os.utime(path, (settled, settled))
    opened: list[str] = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda path, *args: opened.append(str(path)) or real_open(path, *args))
    sweep = Sweep(
        base=Scenario(district={"source": "folder", "path": tmp_path / "d"}), grid={"simulation.seed": [1, 2, 3]}
    )
    keys = {scenario.key() for _, scenario in sweep.scenarios()}
    monkeypatch.undo()
    assert len(keys) == 3
    assert sorted(opened) == sorted(str(p) for p in (tmp_path / "d").iterdir())  # each file once


def test_a_file_changed_a_moment_ago_is_hashed_again(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "district.json").write_text('{"name": "a"}')
    scenario = Scenario(district={"source": "folder", "path": tmp_path / "d"})
    before = scenario.key()
    (tmp_path / "d" / "district.json").write_text('{"name": "b"}')  # same size, maybe the same time stamp
    assert scenario.key() != before


def test_a_sweep_of_the_largest_allowed_grid_is_counted_and_built_lazily() -> None:
    sweep = Sweep(grid={"simulation.seed": list(range(100)), "demand.scale": [1.0 + i / 100 for i in range(100)]})
    assert sweep.size == 10_000
    changes, scenario = next(sweep.scenarios())
    assert changes == {"simulation.seed": 0, "demand.scale": 1.0} and scenario.simulation.seed == 0


def test_a_folder_or_fifo_given_as_a_scenario_is_named_for_what_it_is(tmp_path: Path) -> None:
    import os

    with pytest.raises(InputError, match="is not a regular file"):
        load_scenario(tmp_path)
    os.mkfifo(tmp_path / "pipe.yaml")
    with pytest.raises(InputError, match="is not a regular file"):
        load_scenario(tmp_path / "pipe.yaml")


def test_the_key_hashes_every_layer_file_and_a_shapefiles_sidecars(tmp_path: Path) -> None:
    for name in ("stations.xlsx", "villages.shp", "villages.dbf", "villages.prj", "n.csv", "e.csv"):
        (tmp_path / name).write_text(name)
    district = {
        "source": "files",
        "stations": {"path": "stations.xlsx", "sheet": "派出所", "crs": "GCJ-02"},
        "villages": "villages.shp",
        "roads": {"nodes": "n.csv", "edges": "e.csv"},
        "crs": 4545,  # an EPSG code as a number
    }
    (tmp_path / "s.json").write_text(json.dumps({"district": district}))
    first = load_scenario(tmp_path / "s.json").key()
    (tmp_path / "villages.dbf").write_text("other attributes")
    assert load_scenario(tmp_path / "s.json").key() != first
    (tmp_path / "s.json").write_text(json.dumps({"district": district | {"stations": {"path": "gone.xlsx"}}}))
    with pytest.raises(InputError, match="gone.xlsx' does not exist"):
        load_scenario(tmp_path / "s.json")


def test_an_allocation_section_and_the_demos_emergency_units_are_keyed() -> None:
    base = Scenario()
    budget = base.replace(allocation={"units": 2})
    assert budget.allocation is not None and budget.allocation.budget == 2
    assert len({base.key(), budget.key(), budget.with_changes({"allocation.units": 5}).key()}) == 3
    with_units = Scenario(district={"source": "demo", "emergency_units": True})
    assert with_units.key() != base.key()
    with pytest.raises(InputError, match=r"field 'allocation.target': Input should be greater than 0"):
        base.with_changes({"allocation": {"target": -1}})
    with pytest.raises(InputError, match="'allocation' is not a section"):
        base.with_changes({"allocation.units": 1})  # a sweep over the budget needs an allocation section
