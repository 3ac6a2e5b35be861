"""Parameter sweeps: every grid scenario x replication, locally in parallel or on a
Dask cluster, with results in an embedded SQLite database.

Each row is keyed by the scenario's stable hash and the replication number, and
only the coordinating process writes, one row a transaction: a sweep that is
killed, or loses a worker, resumes on the next run without recomputing finished
rows and without losing or duplicating any. A replication's result depends only on
its scenario and number, so one core, many processes and Dask give identical rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache, partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from ..district import District
from ..errors import DispatchError, InfeasibleError, InputError
from ..operate.travel import TravelTables
from ..progress import OnProgress, Tracker
from .scenario import Scenario, Sweep

__all__ = ["ResultStore", "Row", "run_replication", "run_sweep"]


@dataclass(frozen=True)
class Row:
    """One scenario x replication: its grid values, plan summary and metrics."""

    key: str
    replication: int
    sweep: str
    changes: dict[str, Any]
    result: dict[str, Any]


class ResultStore:
    """Sweep results in a SQLite file (created when missing)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._db = sqlite3.connect(self.path, timeout=60)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS runs (scenario TEXT NOT NULL, replication INTEGER NOT NULL, "
                "sweep TEXT NOT NULL, changes TEXT NOT NULL, result TEXT NOT NULL, finished TEXT NOT NULL, "
                "PRIMARY KEY (scenario, replication))"
            )
            self._db.commit()
        except sqlite3.DatabaseError as error:
            raise InputError(f"{str(self.path)!r} is not a usable results database: {error}") from None

    def done(self) -> set[tuple[str, int]]:
        """The (scenario, replication) pairs already stored."""
        return {(k, int(r)) for k, r in self._db.execute("SELECT scenario, replication FROM runs")}

    def add(self, row: Row) -> None:
        """Store a row, in its own transaction; a row already there is kept."""
        with self._db:
            self._db.execute(
                "INSERT OR IGNORE INTO runs VALUES (?, ?, ?, ?, ?, ?)",
                (
                    row.key,
                    row.replication,
                    row.sweep,
                    json.dumps(row.changes, sort_keys=True),
                    json.dumps(row.result, sort_keys=True),
                    datetime.now(timezone.utc).isoformat(),
                ),
            )

    def rows(self, sweep: str | None = None) -> list[Row]:
        """Stored rows (of one sweep), in scenario and replication order."""
        query = "SELECT scenario, replication, sweep, changes, result FROM runs"
        found = self._db.execute(
            query + (" WHERE sweep = ?" if sweep else "") + " ORDER BY scenario, replication", (sweep,) if sweep else ()
        )
        return [Row(k, int(r), s, json.loads(c), json.loads(x)) for k, r, s, c, x in found]

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@lru_cache(maxsize=2)
def _district(source: str) -> tuple[District, TravelTables]:
    """A worker's district and travel tables, kept across its tasks."""
    scenario = Scenario.model_validate_json(json.dumps({"district": json.loads(source)}))
    district = scenario.district.load()
    tables = TravelTables.for_district(district)
    tables.warm(district.village_nodes)
    return district, tables


def run_replication(scenario_json: str, replication: int) -> dict[str, Any]:
    """Plan and simulate one replication of a scenario (given as JSON, so that any
    worker process can take it); returns plain data with no timings in it.

    A scenario whose rules cannot hold is a result too: ``{"infeasible": why}``.
    """
    scenario = Scenario.model_validate_json(scenario_json)
    district, tables = _district(scenario.district.model_dump_json())
    try:
        plan = scenario.cluster_plan(district)
    except InfeasibleError as error:
        return {"infeasible": str(error)}
    result = scenario.simulate(district, plan, replications=1, first_replication=replication, tables=tables)
    run = result.runs[0]
    summary = None
    if plan is not None:
        summary = plan.counts() | {
            "status": plan.status,
            "objective": plan.objective,
            "bound": plan.bound,
            "mean_travel": plan.mean_travel,
        }
    return {
        "metrics": run.metrics(),
        "utilisation": dict(zip(result.unit_ids, (run.busy / run.horizon).tolist())),
        "calls": len(run.call),
        "plan": summary,
    }


@dataclass(frozen=True)
class _Task:
    key: str
    replication: int
    scenario: str
    changes: dict[str, Any]


def _tasks(sweep: Sweep) -> list[_Task]:
    tasks = []
    for changes, scenario in sweep.scenarios():
        key, text = scenario.key(), scenario.model_dump_json()
        tasks += [_Task(key, r, text, changes) for r in range(scenario.simulation.replications)]
    return tasks


@dataclass(frozen=True)
class SweepOutcome:
    """How a run of a sweep went: rows computed now, rows found already done."""

    ran: int
    skipped: int
    total: int


def run_sweep(
    sweep: Sweep,
    store: ResultStore,
    *,
    workers: int | None = None,
    scheduler: str | Any | None = None,
    on_progress: OnProgress | None = None,
) -> SweepOutcome:
    """Run the rows of ``sweep`` that ``store`` lacks.

    ``workers`` processes run them locally (``1``: in this process; default: one
    per core); with ``scheduler`` (a Dask address such as ``"tcp://host:8786"``,
    or a ``dask.distributed.Client``) they run on that cluster instead.
    ``on_progress`` hears of each row stored.
    """
    tasks = _tasks(sweep)
    done = store.done()
    pending = [t for t in tasks if (t.key, t.replication) not in done]
    tracker = Tracker(f"sweep {sweep.name}", len(tasks), on_progress)
    tracker.advance(len(tasks) - len(pending))
    failures: list[str] = []

    def keep(task: _Task, result: dict[str, Any]) -> None:
        store.add(Row(task.key, task.replication, sweep.name, task.changes, result))
        tracker.advance()

    if not pending:
        pass
    elif scheduler is not None:
        _on_dask(pending, scheduler, keep, failures)
    elif workers == 1:
        for task in pending:
            _collect(task, partial(run_replication, task.scenario, task.replication), keep, failures)
    else:
        with _pool(workers) as pool:
            futures = {pool.submit(run_replication, t.scenario, t.replication): t for t in pending}
            for future in as_completed(futures):
                _collect(futures[future], future.result, keep, failures)
    if failures:
        raise DispatchError(f"{len(failures)} sweep row(s) failed; rerun to retry them", failures[:10])
    return SweepOutcome(ran=len(pending), skipped=len(tasks) - len(pending), total=len(tasks))


@contextmanager
def _pool(workers: int | None) -> Iterator[ProcessPoolExecutor]:
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
    try:
        yield pool
    finally:
        pool.shutdown(cancel_futures=True)


def _collect(task: _Task, result_of: Callable[[], dict[str, Any]], keep: Any, failures: list[str]) -> None:
    """Keep the task's result, or note why it failed (it is retried on the next run)."""
    try:
        result = result_of()
    except Exception as error:
        failures.append(f"scenario {task.key} replication {task.replication}: {type(error).__name__}: {error}")
        return
    keep(task, result)


def _on_dask(pending: list[_Task], scheduler: str | Any, keep: Any, failures: list[str]) -> None:
    try:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed
    except ImportError as error:
        raise ImportError("sweeps on Dask need the dask extra: pip install 'central-dispatch[dask]'") from error
    connect: Any = Client  # dask's own annotations are partial
    client = scheduler if isinstance(scheduler, Client) else connect(scheduler)
    try:
        futures = [client.submit(run_replication, t.scenario, t.replication, pure=False) for t in pending]
        by_future = dict(zip(futures, pending))
        completed: Any = dask_completed
        for future in completed(futures):
            _collect(by_future[future], future.result, keep, failures)
    finally:
        if client is not scheduler:
            client.close()
