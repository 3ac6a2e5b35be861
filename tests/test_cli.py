"""The command line: every command, exit codes and messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dispatch.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "scenarios"
SHORT = "simulation: {horizon_days: 20, replications: 3, seed: 5}\n"


@pytest.fixture(autouse=True)
def english_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands speak the locale's language unless told: English here."""
    for variable in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text("name: short\ndistrict: {source: demo}\n" + SHORT)
    return path


@pytest.mark.slow
def test_dispatch_demo_runs_end_to_end_and_writes_its_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "demo.html"
    assert main(["demo", "--lang", "en", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    for expected in (
        "Synthetic mountain county (demo)",
        "First-due areas",
        "9 central",
        "Before and after the reform",
        "365 simulated days x 3 replications, seed 2023",
        "report written to",
    ):
        assert expected in out
    assert report.read_text().count("data:image/png;base64,") == 3


@pytest.mark.slow
def test_the_readme_shows_the_figures_dispatch_demo_prints(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--lang", "en", "--markdown"]) == 0
    block = capsys.readouterr().out.strip()
    readme = (EXAMPLES.parents[1] / "README.md").read_text(encoding="utf-8")
    committed = readme.split("<!-- demo figures: begin -->")[1].split("<!-- demo figures: end -->")[0]
    assert committed.strip() == block


def test_dispatch_demo_runs_the_example_scenario() -> None:
    from importlib.resources import files

    from dispatch.experiment.scenario import load_scenario

    bundled = load_scenario(str(files("dispatch") / "scenarios" / "demo.json"))
    assert bundled == load_scenario(EXAMPLES / "demo.yaml")


def test_python_dash_m_dispatch_runs_the_command_line() -> None:
    done = subprocess.run([sys.executable, "-m", "dispatch", "schema"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["title"] == "Scenario"


def test_schema_prints_the_sweep_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "sweep"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {"base", "grid"} <= set(schema["properties"])


def test_plan_prints_the_clusters_and_writes_json(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", str(scenario), "--json", str(tmp_path / "plan.json")]) == 0
    assert "9 central, 10 base, 6 border" in capsys.readouterr().out
    assert json.loads((tmp_path / "plan.json").read_text())["counts"] == {"central": 9, "base": 10, "border": 6}


def test_simulate_and_compare_write_results_calls_and_villages(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    sim = ["simulate", str(scenario), "--json", str(tmp_path / "sim.json"), "--calls", str(tmp_path / "calls.xlsx")]
    assert main(sim) == 0
    assert json.loads((tmp_path / "sim.json").read_text())["replications"] == 3
    assert openpyxl.load_workbook(tmp_path / "calls.xlsx", read_only=True)["calls"].max_row > 100
    argv = ["compare", str(scenario), "--lang", "zh", "--json", str(tmp_path / "cmp.json")]
    argv += ["--calls", str(tmp_path / "calls.csv"), "--villages", str(tmp_path / "villages.csv")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "改革前后对比" in out and "平均响应时间" in out and "最慢的片区是" in out
    assert set(json.loads((tmp_path / "cmp.json").read_text())) == {"before", "after", "difference"}
    assert (tmp_path / "calls-before.csv").exists() and (tmp_path / "calls-after.csv").exists()
    assert "before_mean" in (tmp_path / "villages.csv").read_text(encoding="utf-8-sig").splitlines()[0]


def test_demo_writes_its_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import dispatch.cli
    from dispatch.datasets import zhuoshui_shuishi
    from dispatch.io import write_district

    # The demo's own code path, on the small reported case for a quick run.
    write_district(zhuoshui_shuishi(), tmp_path / "case")
    short = tmp_path / "demo.json"
    bundled = json.loads((Path(dispatch.cli.__file__).parent / "scenarios" / "demo.json").read_text())
    short.write_text(
        json.dumps(
            bundled
            | {"district": {"source": "folder", "path": str(tmp_path / "case")}}
            | {"simulation": bundled["simulation"] | {"horizon_days": 60}}
        )
    )
    monkeypatch.setattr(dispatch.cli, "DEMO_SCENARIO", str(short))
    report = tmp_path / "report.html"
    assert main(["demo", "--lang", "zh", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "责任区" in out and "中心所 1 个" in out and "每次模拟 60 天 × 3 次" in out
    html = report.read_text()
    assert html.count("data:image/png;base64,") == 3 and '<html lang="zh-CN">' in html
    assert "@font-face{font-family:'Noto Sans SC'" in html and "各派出所" in html


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("plan: {max_bases: two}\n", "field 'plan.max_bases'"),  # wrong type
        ("plan: {maxbases: 2}\n", "field 'plan.maxbases': Extra inputs are not permitted"),  # unknown key
        ("district: {source: folder, path: gone}\n", "gone' does not exist"),  # missing file
        ("simulation: {horizon_days: -1}\n", "horizon_days must be a number of days"),  # negative value
        ("a: &x [1]\nb: [*x, *x]\n", "aliases"),  # YAML bomb
        (
            "plan: {max_link_time: 600}\n" + SHORT,
            "cannot neither|can neither join a central nor lead one",
        ),  # infeasible
    ],
)
def test_bad_scenarios_exit_with_2_and_name_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    assert main(["plan", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith("dispatch: error:") or "\ndispatch: error:" in err
    assert pytest.importorskip("re").search(message, err)


def test_a_huge_file_exits_with_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "huge.json"
    path.write_text("{" + " " * 2_000_000 + "}")
    assert main(["simulate", str(path)]) == 2
    assert "may be at most" in capsys.readouterr().err


def test_unknown_commands_and_missing_arguments_exit_with_2() -> None:
    for argv in (["fly"], ["plan"]):
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 2


def test_other_failures_exit_with_1_and_debug_shows_the_traceback(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import dispatch.plan.clustering

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(dispatch.plan.clustering, "cluster", broken)
    assert main(["plan", str(scenario)]) == 1
    err = capsys.readouterr().err
    assert "dispatch: failed: RuntimeError: solver crashed" in err and "--debug" in err
    assert main(["plan", str(scenario), "--debug"]) == 1
    assert "Traceback (most recent call last)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["plan", "{scenario}", "--json", "{blocker}/plan.json"], "is a file, not a folder"),  # inside a file
        (["plan", "{scenario}", "--json", ""], "give a file name"),  # empty name
        (["plan", "{scenario}", "--json", "/proc/plan.json"], "cannot write '/proc/plan.json'"),  # unwritable
        (["plan", "{scenario}", "--json", "{tmp}"], "is a folder"),  # a folder
        (["plan", "{scenario}", "--out", "{tmp}/plan.txt"], "must end in .gpkg or .geojson or .shp or .xlsx"),
        (["compare", "{scenario}", "--report", "{tmp}/report.pdf"], "must end in .html"),  # wrong type
        (["simulate", "{scenario}", "--calls", "{tmp}/calls.json"], "must end in .csv or .xlsx"),
        (["sweep", "{scenario}", "--workers", "0"], "must be at least 1, got 0"),  # no workers
        (["sweep", "{scenario}", "--workers", "two"], "must be a whole number"),
        (["demo", "--lang", "fr"], "invalid choice: 'fr'"),  # unknown language
    ],
)
def test_bad_options_exit_with_2_before_any_work(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    filled = [a.format(scenario=scenario, blocker=blocker, tmp=tmp_path) for a in argv]
    with pytest.raises(SystemExit) as caught:
        main(filled)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "scenario.yaml"]  # nothing written


def test_version_prints_the_distribution_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.strip() == f"dispatch (central-dispatch) {version('central-dispatch')}"


def test_plan_speaks_chinese_and_writes_a_geopackage(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pyogrio = pytest.importorskip("pyogrio")
    out = tmp_path / "plan.gpkg"
    assert main(["plan", str(scenario), "--lang", "zh", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "中心所 9 个" in captured.out and "正在求解中心所片区方案" in captured.err
    assert len(pyogrio.read_dataframe(out, layer="stations")) == 25


def test_quiet_shows_no_progress_and_logs_get_plain_lines(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", str(scenario), "--quiet", "--lang", "en"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "mean travel" in captured.out  # results, and no notes
    assert main(["simulate", str(scenario), "--lang", "en", "--villages", str(tmp_path / "v.csv")]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err and "simulating ClusterFirst: 3/3 (100 %)" in err  # stderr is no terminal here
    assert (tmp_path / "v.csv").read_text(encoding="utf-8-sig").startswith("village,name,station")


def test_a_corrupt_results_database_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "not-a-db.sqlite"
    db.write_bytes(b"\x00" * 4096)
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("base: {simulation: {horizon_days: 1, replications: 1}}\n")
    assert main(["sweep", str(sweep), "--db", str(db)]) == 2  # a corrupt database is bad input, named
    assert "not-a-db.sqlite" in capsys.readouterr().err


def test_warnings_are_one_plain_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dispatch.datasets import zhuoshui_shuishi
    from dispatch.io import write_district

    write_district(zhuoshui_shuishi(), tmp_path / "case")
    path = tmp_path / "two.yaml"
    path.write_text(
        "district: {source: folder, path: case}\npolicy: {name: nearest_free}\n"
        "simulation: {horizon_days: 5, replications: 2, seed: 5}\n"
    )
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("default")  # the test run turns dispatch warnings into errors; here they show
        assert main(["simulate", str(path), "--quiet", "--lang", "en"]) == 0
    err = capsys.readouterr().err
    assert "dispatch: warning: an interval from 2 replications is not meaningful; run at least 3" in err
    assert "simulation.py" not in err  # no source lines


@pytest.fixture
def reported_case(tmp_path: Path) -> Path:
    """A scenario on the reported case with Yantang's emergency unit, a short
    simulation and an allocation section."""
    from dispatch.datasets import zhuoshui_shuishi
    from dispatch.io import write_district

    write_district(zhuoshui_shuishi(with_emergency_unit=True), tmp_path / "case")
    path = tmp_path / "case.yaml"
    path.write_text(
        "district: {source: folder, path: case}\nplan: {centrals: [zhuoshui]}\nallocation: {units: 1}\n"
        "simulation: {horizon_days: 20, replications: 3, seed: 5}\n"
    )
    return path


def test_allocate_places_the_units_and_sets_the_model_beside_a_simulation(
    reported_case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "allocation.json"
    assert main(["allocate", str(reported_case), "--units", "3", "--lang", "en", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    for expected in ("Where the units go", "What each unit buys", "now", "Predicted by the hypercube model"):
        assert expected in printed
    saved = json.loads(out.read_text())
    assert sum(saved["after"]) == 5 and len(saved["curve"]) == 3 and "mean" in saved["check"]["simulated"]
    assert main(["allocate", str(reported_case), "--lang", "zh", "--quiet", "--objective", "within"]) == 0
    printed = capsys.readouterr().out
    assert "新增警力配置" in printed and "15 分钟内到达" in printed and "排队模型预测与仿真对比" in printed


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--units", "-1"], "--units: must be at least 0, got -1"),  # a negative budget
        (["--officers", "many"], "--officers: must be a whole number"),  # not a number
        (["--objective", "median"], "invalid choice: 'median'"),  # no such objective
    ],
)
def test_bad_allocate_options_exit_with_2(
    reported_case: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["allocate", str(reported_case), *argv])
    assert caught.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--target", "0"], "field 'target'"),  # a target of no time
        (["--units", "5", "--officers", "4"], "5 units need 10 officers"),  # more units than officers can crew
    ],
)
def test_an_allocation_that_cannot_be_made_exits_with_2(
    reported_case: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["allocate", str(reported_case), *argv]) == 2
    assert message in capsys.readouterr().err
