"""The command line: every command, exit codes and messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dispatch.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "scenarios"
SHORT = "simulation: {horizon_days: 20, replications: 2, seed: 5}\n"


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
    assert main(["demo", "--report", str(report), "--replications", "2"]) == 0
    out = capsys.readouterr().out
    for expected in (
        "Synthetic mountain county (demo)",
        "First-due areas",
        "9 central, 10 base, 6 border",
        "Before and after the reform",
        "report written to",
    ):
        assert expected in out
    assert report.read_text().count("data:image/png;base64,") == 2


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


def test_simulate_and_compare_write_results_and_a_report(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", str(scenario), "--json", str(tmp_path / "sim.json")]) == 0
    assert json.loads((tmp_path / "sim.json").read_text())["replications"] == 2
    report = tmp_path / "report.html"
    assert main(["compare", str(scenario), "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "Before and after the reform" in out
    html = report.read_text()
    assert html.count("data:image/png;base64,") == 2 and "Stations:" in html and "Clusters after the reform" in html


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
    assert err.startswith("dispatch: error:")
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


def test_other_failures_exit_with_1(scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["plan", str(scenario), "--json", str(blocker / "plan.json")]) == 1  # cannot write inside a file
    assert capsys.readouterr().err.startswith("dispatch: failed:")


def test_a_corrupt_results_database_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "not-a-db.sqlite"
    db.write_bytes(b"\x00" * 4096)
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("base: {simulation: {horizon_days: 1, replications: 1}}\n")
    assert main(["sweep", str(sweep), "--db", str(db)]) == 2  # a corrupt database is bad input, named
    assert "not-a-db.sqlite" in capsys.readouterr().err
