"""Sweeps: identical rows on one core, in processes and on Dask; resuming after a kill."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dispatch.experiment.scenario import Scenario, Sweep
from dispatch.experiment.sweep import ResultStore, run_sweep
from dispatch.report.html import sweep_report
from dispatch.report.summary import sweep_tables

BASE = Scenario(simulation={"horizon_days": 10, "replications": 2, "seed": 3})
SWEEP = Sweep(name="test", base=BASE, grid={"plan.n_centrals": [7, 9], "plan.max_link_time": [900, 2700]})


def rows_of(path: Path) -> list[tuple[str, int, str]]:
    with ResultStore(path) as store:
        return [(r.key, r.replication, repr(sorted(r.result.items()))) for r in store.rows()]


@pytest.fixture(scope="module")
def one_core(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sweep") / "one.sqlite"
    with ResultStore(path) as store:
        outcome = run_sweep(SWEEP, store, workers=1)
    assert (outcome.ran, outcome.skipped) == (8, 0)
    return path


def test_every_scenario_and_replication_gets_one_row(one_core: Path) -> None:
    rows = rows_of(one_core)
    assert len(rows) == 8 and len({(k, r) for k, r, _ in rows}) == 8
    infeasible = [row for row in rows if "infeasible" in row[2]]
    assert len(infeasible) == 4  # a 15-minute link leaves stations with no central


def test_a_rerun_keeps_every_finished_row(one_core: Path) -> None:
    with ResultStore(one_core) as store:
        outcome = run_sweep(SWEEP, store, workers=1)
    assert (outcome.ran, outcome.skipped) == (0, 8)


def test_processes_give_the_same_rows_as_one_core(one_core: Path, tmp_path: Path) -> None:
    with ResultStore(tmp_path / "many.sqlite") as store:
        run_sweep(SWEEP, store, workers=2)
    assert rows_of(tmp_path / "many.sqlite") == rows_of(one_core)


@pytest.mark.slow
def test_dask_gives_the_same_rows_as_one_core(one_core: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
        ResultStore(tmp_path / "dask.sqlite") as store,
    ):
        run_sweep(SWEEP, store, scheduler=client)
    assert rows_of(tmp_path / "dask.sqlite") == rows_of(one_core)


def stored_rows(db: Path) -> int:
    """Rows in the sweep database so far (0 while the sweep is still creating it)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:  # read-only: never creates the file
            return int(connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0])
    except sqlite3.OperationalError:  # no file, or no table yet
        return 0


def test_a_sweep_killed_midway_and_rerun_has_exactly_one_row_per_scenario_and_replication(tmp_path: Path) -> None:
    sweep_file = tmp_path / "sweep.json"
    sweep_file.write_text(SWEEP.model_dump_json())
    db = tmp_path / "killed.sqlite"
    command = [sys.executable, "-m", "dispatch", "sweep", str(sweep_file), "--db", str(db), "--workers", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None and stored_rows(db) < 2:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    with sqlite3.connect(db) as connection:
        before = dict(connection.execute("SELECT scenario || replication, finished FROM runs").fetchall())
    assert 2 <= len(before) < 8, "the sweep should have been killed midway"
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert f"{8 - len(before)} row(s) run, {len(before)} already in" in done.stdout
    with sqlite3.connect(db) as connection:
        after = dict(connection.execute("SELECT scenario || replication, finished FROM runs").fetchall())
        total = connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    assert total == len(after) == 8
    assert all(after[key] == finished for key, finished in before.items())  # finished rows were not recomputed


def test_the_sweep_report_compares_the_grid(one_core: Path, tmp_path: Path) -> None:
    with ResultStore(one_core) as store:
        rows = store.rows(SWEEP)
    table, charts = sweep_tables(rows)
    assert len(table.rows) == 4
    assert sum(1 for row in table.rows if "infeasible" in row) == 2
    report = sweep_report(SWEEP, rows, tmp_path / "sweep.html")
    assert "Sweep: test" in report.read_text()
    assert [parameter for parameter, _ in charts] == ["plan.n_centrals"]
