"""Sweeps: identical rows on one core, in processes and on Dask; resuming after a kill."""

from __future__ import annotations

import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dispatch import DispatchError, District
from dispatch.evaluate.metrics import IntervalWarning
from dispatch.experiment.scenario import Scenario, Sweep
from dispatch.experiment.store import LEASE_SECONDS, Row
from dispatch.experiment.sweep import ResultStore, run_sweep
from dispatch.io import write_district
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
    with pytest.warns(IntervalWarning, match="2 replications"):  # the grid runs 2 replications a scenario
        table, charts = sweep_tables(rows)
        report = sweep_report(SWEEP, rows, tmp_path / "sweep.html")
    assert len(table.rows) == 4
    assert sum(1 for row in table.rows if "infeasible" in row) == 2
    assert "Sweep: test" in report.read_text()
    assert [parameter for parameter, _ in charts] == ["plan.n_centrals"]


@pytest.fixture
def tiny_base(tiny: District, tmp_path: Path) -> Scenario:
    """A quick scenario on the two-station district, kept in a folder."""
    write_district(tiny, tmp_path / "tiny")
    return Scenario(
        district={"source": "folder", "path": tmp_path / "tiny"},
        policy={"name": "nearest_free"},
        simulation={"horizon_days": 30, "replications": 2},
    )


def test_a_sweeps_rows_are_exactly_its_grid_whatever_else_the_database_holds(
    tiny_base: Scenario, tmp_path: Path
) -> None:
    first = Sweep(name="a", base=tiny_base, grid={"simulation.seed": [1, 2]})
    # Seed 2 at scale 1.0 is the same scenario as the first sweep's seed 2.
    second = Sweep(name="b", base=tiny_base, grid={"simulation.seed": [2, 3], "demand.scale": [1.0]})
    with ResultStore(tmp_path / "r.sqlite") as store:
        run_sweep(first, store, workers=1)
        outcome = run_sweep(second, store, workers=1)
        assert (outcome.ran, outcome.skipped) == (2, 2)  # seed 2 was computed once, for the first sweep
        rows = store.rows(second)
        assert [(r.changes, r.replication, r.sweep) for r in rows] == [
            ({"simulation.seed": seed, "demand.scale": 1.0}, rep, "b") for seed in (2, 3) for rep in (0, 1)
        ]
        reused = Sweep(name="a", base=tiny_base, grid={"simulation.seed": [3]})  # a name used before
        assert [r.changes for r in store.rows(reused)] == [{"simulation.seed": 3}] * 2
        assert len(store.rows()) == 6


def test_a_row_another_live_sweep_claimed_is_left_to_it(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite"
    pairs = [("k", 0), ("k", 1)]
    with ResultStore(db) as first, ResultStore(db) as second:
        assert first.claim(pairs, 1) == ([0], [])
        assert second.claim(pairs, 2) == ([1], [])  # row 0 is the first sweep's
        first.add(Row("k", 0, "s", {}, {"metrics": {}}))
        first.release("k", 0)
        assert second.claim(pairs, 2) == ([1], [0])  # now stored; row 1 is still the second's own


def test_a_claim_whose_owner_is_gone_is_taken_over(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite"
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(ended.stdout)
    host, now = socket.gethostname(), time.time()
    with ResultStore(db) as store, sqlite3.connect(db) as other:
        other.executemany(
            "INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?)",
            [
                ("k", 0, "killed", host, dead, now),  # a process on this machine that has ended
                ("k", 1, "far", "elsewhere", 1, now),  # another machine, lease fresh
                ("k", 2, "far", "elsewhere", 1, now - LEASE_SECONDS - 1),  # another machine, lease run out
            ],
        )
        other.commit()
        assert store.claim([("k", 0), ("k", 1), ("k", 2)], 3) == ([0, 2], [])


def sweep_output(done: subprocess.CompletedProcess[str]) -> tuple[int, int]:
    found = re.search(r"(\d+) row\(s\) run, (\d+) already in", done.stdout)
    assert done.returncode == 0 and found, done.stderr
    return int(found[1]), int(found[2])


def test_two_sweeps_at_once_on_one_database_compute_every_row_once(tiny_base: Scenario, tmp_path: Path) -> None:
    sweep = Sweep(name="shared", base=tiny_base.replace(simulation={"horizon_days": 120, "replications": 2}))
    sweep = sweep.replace(grid={"simulation.seed": list(range(10))})
    (tmp_path / "sweep.json").write_text(sweep.model_dump_json())
    command = [sys.executable, "-m", "dispatch", "sweep", str(tmp_path / "sweep.json"), "--db", str(tmp_path / "r.db")]
    processes = [
        subprocess.Popen([*command, "--workers", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outcomes = [sweep_output(subprocess.CompletedProcess(p.args, p.wait(), *p.communicate())) for p in processes]
    assert sum(ran for ran, _ in outcomes) == 20  # no row computed twice
    assert all(ran + found == 20 for ran, found in outcomes)  # each saw the whole grid
    with sqlite3.connect(tmp_path / "r.db") as connection:
        assert connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 20
        assert connection.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 0


def processes_under(parent: int) -> list[int]:
    """The pool workers whose parent is ``parent``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:  # not a process, or gone
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"spawn_main" in command:
            found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process table in /proc")
def test_killing_a_sweep_ends_its_worker_processes(tmp_path: Path) -> None:
    sweep_file = tmp_path / "sweep.json"
    sweep_file.write_text(SWEEP.model_dump_json())
    command = [
        sys.executable,
        "-m",
        "dispatch",
        "sweep",
        str(sweep_file),
        "--db",
        str(tmp_path / "k.db"),
        "--workers",
        "2",
    ]
    coordinator = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and coordinator.poll() is None and len(processes_under(coordinator.pid)) < 2:
        time.sleep(0.05)
    workers = processes_under(coordinator.pid)
    coordinator.send_signal(signal.SIGKILL)
    coordinator.wait()
    assert len(workers) == 2, "the sweep should have started two workers"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(running(w) for w in workers):
        time.sleep(0.05)
    assert not [w for w in workers if running(w)], "workers outlived their coordinator"


def test_rows_that_fail_are_named_and_left_for_the_next_run(tiny_base: Scenario, tmp_path: Path) -> None:
    folder = Path(tiny_base.district.path)  # type: ignore[union-attr]
    (folder / "roads.edges.csv.gz").rename(tmp_path / "edges.csv.gz")  # the district cannot be read
    sweep = Sweep(name="broken", base=tiny_base)
    with ResultStore(tmp_path / "r.sqlite") as store:
        with pytest.raises(DispatchError, match=r"2 sweep row\(s\) failed; rerun to retry them") as caught:
            run_sweep(sweep, store, workers=1)
        assert "roads.edges" in str(caught.value)
        (tmp_path / "edges.csv.gz").rename(folder / "roads.edges.csv.gz")
        assert run_sweep(sweep, store, workers=1).ran == 2


def test_a_sweep_over_the_budget_simulates_each_allocation(tmp_path: Path) -> None:
    from dispatch.datasets import zhuoshui_shuishi
    from dispatch.io import write_district

    write_district(zhuoshui_shuishi(with_emergency_unit=True), tmp_path / "case")
    base = Scenario(
        district={"source": "folder", "path": tmp_path / "case"},
        plan={"centrals": ["zhuoshui"]},
        allocation={},
        simulation={"horizon_days": 10, "replications": 1, "seed": 3},
    )
    sweep = Sweep(name="budget", base=base, grid={"allocation.units": [0, 2]})
    with ResultStore(tmp_path / "budget.sqlite") as store:
        run_sweep(sweep, store, workers=1)
        rows = {row.changes["allocation.units"]: row.result for row in store.rows(sweep)}
    assert rows[0]["allocation"]["added"] == {} and sum(rows[2]["allocation"]["added"].values()) == 2
    assert len(rows[0]["utilisation"]) == 3 and len(rows[2]["utilisation"]) == 5  # two more units, simulated
    assert rows[2]["allocation"]["objective"] < rows[0]["allocation"]["objective"]
