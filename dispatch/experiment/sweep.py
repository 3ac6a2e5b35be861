"""Parameter sweeps: every grid scenario x replication, locally in parallel or on a
Dask cluster, with results in an embedded SQLite database (see
:mod:`~dispatch.experiment.store`).

Each row is keyed by the scenario's stable hash and the replication number, and
only the coordinating process writes, one row a transaction: a sweep that is
killed, or loses a worker, resumes on the next run without recomputing finished
rows and without losing or duplicating any. Local worker processes end with their
coordinator, even when it is killed. Sweeps running at once on one database share
the work: a row one of them claimed is not computed by another. A replication's
result depends only on its scenario and number, so one core, many processes and
Dask give identical rows.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing import get_context
from typing import Any

from ..district import District
from ..errors import DispatchError, InfeasibleError, InputError
from ..evaluate.allocation import Allocation
from ..operate.travel import TravelTables
from ..progress import OnProgress, Tracker
from .scenario import Scenario, Sweep
from .store import Pair, ResultStore, Row, keyed_scenarios

__all__ = ["ResultStore", "Row", "SweepOutcome", "run_replication", "run_sweep"]

POLL_SECONDS = 0.5
"""How often a sweep looks again for rows that other sweeps hold."""

PR_SET_PDEATHSIG = 1
"""Linux ``prctl`` option: a signal for the process when its parent ends."""


@lru_cache(maxsize=2)
def _district(source: str) -> tuple[District, TravelTables]:
    """A worker's district and travel tables, kept across its tasks."""
    scenario = Scenario.model_validate_json(json.dumps({"district": json.loads(source)}))
    district = scenario.district.load()
    return district, TravelTables.for_district(district)


def run_replication(scenario_json: str, replication: int) -> dict[str, Any]:
    """Plan and simulate one replication of a scenario (given as JSON, so that any
    worker process can take it); returns plain data with no timings in it.

    A scenario whose rules cannot hold is a result too: ``{"infeasible": why}``.
    """
    scenario = Scenario.model_validate_json(scenario_json)
    district, tables = _district(scenario.district.model_dump_json())
    try:
        plan = scenario.cluster_plan(district)
        allocation = _allocation(scenario_json) if scenario.allocation is not None else None
    except InfeasibleError as error:
        return {"infeasible": str(error)}
    if allocation is not None:
        district = allocation.apply(district)
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
    found = {
        "metrics": run.metrics(),
        "utilisation": dict(zip(result.unit_ids, (run.busy / run.horizon).tolist())),
        "calls": len(run.call),
        "plan": summary,
    }
    if allocation is not None:
        found["allocation"] = {key: allocation.to_dict()[key] for key in ("added", "removed", "objective", "predicted")}
    return found


@lru_cache(maxsize=2)
def _allocation(scenario_json: str) -> Allocation:
    """A scenario's allocation, made once for all its replications in a worker."""
    scenario = Scenario.model_validate_json(scenario_json)
    district, tables = _district(scenario.district.model_dump_json())
    return scenario.allocate(district, scenario.cluster_plan(district), tables=tables)


@dataclass(frozen=True)
class _Task:
    """A row to compute: its (key, replication), its scenario as JSON and the grid
    values that made it."""

    pair: Pair
    scenario: str
    changes: dict[str, Any]


def _tasks(sweep: Sweep) -> list[_Task]:
    """One task a row of the grid, each row once."""
    tasks: dict[Pair, _Task] = {}
    for changes, key, scenario in keyed_scenarios(sweep):
        text = scenario.model_dump_json()
        for r in range(scenario.simulation.replications):
            tasks.setdefault((key, r), _Task((key, r), text, changes))
    return list(tasks.values())


@dataclass(frozen=True)
class SweepOutcome:
    """How a run of a sweep went: rows computed now, rows found already done
    (before, or by a sweep running at the same time), and all the grid's rows."""

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
    or a ``dask.distributed.Client``) they run on that cluster instead. Rows that
    another sweep on the same database is computing are left to it, and waited
    for. ``on_progress`` hears of each row stored or found.
    """
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise InputError(f"workers must be a whole number >= 1, got {workers!r}")
    tasks = _tasks(sweep)
    tracker = Tracker(f"sweep {sweep.name}", len(tasks), on_progress)
    failures: list[str] = []
    ran = 0

    def keep(task: _Task, result: dict[str, Any]) -> None:
        nonlocal ran
        store.add(Row(*task.pair, sweep.name, task.changes, result))
        ran += 1
        tracker.advance()

    with _executor(workers, scheduler) as (executor, capacity):
        waiting = tasks
        running: dict[Future[dict[str, Any]], _Task] = {}
        while waiting or running:
            if waiting and len(running) < capacity:
                claimed, stored = store.claim([t.pair for t in waiting], capacity - len(running))
                tracker.advance(len(stored))
                for i in claimed:
                    running[executor.submit(run_replication, waiting[i].scenario, waiting[i].pair[1])] = waiting[i]
                taken = set(claimed) | set(stored)
                waiting = [t for i, t in enumerate(waiting) if i not in taken]
            if not running:
                time.sleep(POLL_SECONDS)  # every row left is another sweep's, for now
                continue
            finished, _ = wait(running, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            for future in finished:
                task = running.pop(future)
                _collect(task, future.result, keep, failures)
                store.release(*task.pair)
            store.renew()
    if failures:
        raise DispatchError(f"{len(failures)} sweep row(s) failed; rerun to retry them", failures[:10])
    return SweepOutcome(ran=ran, skipped=len(tasks) - ran, total=len(tasks))


class _InProcess(Executor):
    """Runs each task at once, in this process."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:
            future.set_exception(error)
        return future


@contextmanager
def _executor(workers: int | None, scheduler: str | Any | None) -> Iterator[tuple[Executor, int]]:
    """Where rows run, and how many may run at once."""
    if scheduler is not None:
        with _dask(scheduler) as client:
            yield client.get_executor(pure=False), max(1, sum(client.nthreads().values()))
    elif workers == 1:
        yield _InProcess(), 1
    else:
        count = workers or os.cpu_count() or 1
        pool = ProcessPoolExecutor(
            max_workers=count, mp_context=get_context("spawn"), initializer=_die_with, initargs=(os.getpid(),)
        )
        try:
            yield pool, count
        finally:
            pool.shutdown(cancel_futures=True)


def _die_with(coordinator: int) -> None:
    """Make this worker process end when ``coordinator``, its parent, ends, even
    when it is killed: on Linux the kernel sends SIGKILL (``PR_SET_PDEATHSIG``);
    elsewhere a thread checks the parent twice a second."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    else:
        threading.Thread(target=_watch_parent, args=(coordinator,), daemon=True).start()
    if os.getppid() != coordinator:  # the coordinator ended before the signal was set
        os._exit(1)


def _watch_parent(coordinator: int) -> None:
    while os.getppid() == coordinator:
        time.sleep(POLL_SECONDS)
    os._exit(1)


def _collect(task: _Task, result_of: Callable[[], dict[str, Any]], keep: Any, failures: list[str]) -> None:
    """Keep the task's result, or note why it failed (it is retried on the next run)."""
    try:
        result = result_of()
    except Exception as error:
        failures.append(f"scenario {task.pair[0]} replication {task.pair[1]}: {type(error).__name__}: {error}")
        return
    keep(task, result)


@contextmanager
def _dask(scheduler: str | Any) -> Iterator[Any]:
    """A Dask client: ``scheduler`` itself, or one connected to it (closed after)."""
    try:
        from dask.distributed import Client
    except ImportError as error:
        raise ImportError("sweeps on Dask need the dask extra: pip install 'central-dispatch[dask]'") from error
    connect: Any = Client  # dask's own annotations are partial
    client = scheduler if isinstance(scheduler, Client) else connect(scheduler)
    try:
        yield client
    finally:
        if client is not scheduler:
            client.close()
