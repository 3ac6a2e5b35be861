"""The hypercube model: the matrix-free exact solver against the sparse one it replaced,
how far it goes, and how close Larson's approximation comes.

(a) Exact model, loss system, 200 atoms in a 30 km square, half the units busy on
    average: the sparse generator with BiCGSTAB (the solver before this one, copied
    below from commit c45d7b8) against the matrix-free solver, side by side for
    N = 10..16, then the matrix-free solver alone up to N = 24. Wall and CPU seconds,
    peak memory (tracemalloc: numpy's buffers), BiCGSTAB steps, the relative residual
    of the balance equations, the largest workload difference between the two
    solvers, and Larson's approximation: its time and largest workload error.
(b) Larson's approximation where the exact answer is known in closed form: ordered
    hunting (one stream trying units 1, 2, ... in turn; unit k carries
    a * (B(k-1, a) - B(k, a)), B Erlang's loss formula).
(c) Larson's approximation on 200 random districts of 2 to 12 units (50 to 150
    villages, units 5 to 50 % busy), against the exact model.

Targets: the exact model with N = 15 in at most 2 s, N = 20 in at most 10 s and
N = 24 in at most 10 minutes within 4 GB; Larson's approximation within 2 % of the
exact model, unit by unit, on random districts of N <= 12. The machine is shared:
wall seconds depend on what else runs (the load average at the end is printed);
CPU seconds are this process's own.

Run: ``python benchmarks/bench_hypercube.py`` (``--largest 20`` stops (a) earlier).
"""

from __future__ import annotations

import argparse
import math
import os
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import scipy.sparse as sp
from common import paragraph, progress, ratio, sig, span, table
from scipy.sparse.linalg import LinearOperator, bicgstab

from dispatch.evaluate.queueing import HypercubeResult, hypercube

SEED = 2023
ATOMS = 200
SIZES = (10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24)
SPARSE_LARGEST = 16  # the sparse solver's memory grows past a few GB beyond this
TARGET_SECONDS = {15: 2.0, 20: 10.0, 24: 600.0}
TARGET_MB = {24: 4_000.0}
LARSON_TARGET = 0.02
DISTRICTS = 200
T = TypeVar("T")


def sparse_workloads(rates: np.ndarray, travel: np.ndarray) -> np.ndarray:
    """Workloads of the loss system (mu = 1) by the sparse solver of commit c45d7b8."""
    n_units = travel.shape[0]
    order = np.argsort(travel, axis=0, kind="stable").T
    size = 1 << n_units
    states = np.arange(size, dtype=np.int64)
    lists, group = np.unique(order, axis=0, return_inverse=True)
    group_rates = np.bincount(group.ravel(), weights=rates, minlength=len(lists))
    assigned = []
    for preference in lists:
        first = np.full(size, -1, dtype=np.int64)
        for unit in preference[::-1].tolist():
            first[((states >> unit) & 1) == 0] = unit
        assigned.append(first)
    rows, cols, values = [], [], []
    for unit in range(n_units):
        busy = states[((states >> unit) & 1) == 1]
        rows.append(busy)
        cols.append(busy ^ (1 << unit))
        values.append(np.full(len(busy), 1.0))
    for first, rate in zip(assigned, group_rates.tolist()):
        ok = first >= 0
        rows.append(states[ok])
        cols.append(states[ok] | (1 << first[ok]))
        values.append(np.full(int(ok.sum()), rate))
    generator = sp.coo_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(size, size)
    ).tocsr()
    out_rate = np.asarray(generator.sum(axis=1)).ravel()
    inflow = generator.T.tocsr()
    system = (inflow - sp.diags(out_rate))[1:, 1:].tocsr()
    rhs = -inflow[1:, 0].toarray().ravel()
    scale = 1.0 / system.diagonal()
    solution, info = bicgstab(
        system, rhs, M=LinearOperator(system.shape, matvec=lambda v: scale * v), rtol=1e-13, maxiter=10_000
    )
    assert info == 0, f"the sparse solver stopped with code {info}"
    pi = np.concatenate([[1.0], solution])
    pi /= pi.sum()
    return np.array([pi[((states >> unit) & 1) == 1].sum() for unit in range(n_units)])


def measured(run: Callable[[], T]) -> tuple[float, float, float, T]:
    """Wall seconds, CPU seconds, peak MB of numpy buffers, and the result of one run."""
    tracemalloc.reset_peak()
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall, cpu, tracemalloc.get_traced_memory()[1] / 1e6, result


def district(n_units: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    homes, atoms = rng.uniform(0, 30_000, (n_units, 2)), rng.uniform(0, 30_000, (ATOMS, 2))
    travel = np.linalg.norm(homes[:, None] - atoms[None], axis=2) / 10.0
    rates = rng.uniform(0.2, 1.0, ATOMS)
    return rates * 0.5 * n_units / rates.sum(), travel


@dataclass(frozen=True)
class ExactRun:
    """One district of table (a): the matrix-free solve, the sparse one where it
    ran, and Larson's approximation."""

    n_units: int
    wall: float
    cpu: float
    mb: float
    result: HypercubeResult
    sparse: tuple[float, float, float] | None  # wall s, CPU s, MB
    difference: float  # largest workload difference to the sparse solver
    larson_wall: float
    larson_error: float  # largest workload error against the exact model


def exact_runs(largest: int) -> list[ExactRun]:
    rng = np.random.default_rng(SEED)
    found = []
    tracemalloc.start()
    for n_units in [n for n in SIZES if n <= largest]:
        progress(f"(a) N = {n_units}")
        rates, travel = district(n_units, rng)
        ours: HypercubeResult
        wall, cpu, peak, ours = measured(lambda r=rates, t=travel: hypercube(r, t, mu=1.0, method="exact"))
        sparse, difference = None, math.nan
        if n_units <= SPARSE_LARGEST:
            old_wall, old_cpu, old_peak, old = measured(lambda r=rates, t=travel: sparse_workloads(r, t))
            sparse, difference = (old_wall, old_cpu, old_peak), float(np.abs(old - ours.workloads).max())
        larson_wall, _, _, larson = measured(lambda r=rates, t=travel: hypercube(r, t, mu=1.0, method="approximate"))
        error = float(np.abs(larson.workloads - ours.workloads).max())
        found.append(ExactRun(n_units, wall, cpu, peak, ours, sparse, difference, larson_wall, error))
    tracemalloc.stop()
    return found


def target_verdicts(runs: list[ExactRun]) -> list[str]:
    """Each time (and memory) target the runs reach, in words."""
    by_size = {run.n_units: run for run in runs}
    said = []
    for n_units, seconds in TARGET_SECONDS.items():
        run = by_size.get(n_units)
        if run is None:
            said.append(f"N = {n_units} was not run ({seconds:g} s target not measured)")
            continue
        limit = f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"
        within = f"{limit} within {TARGET_MB[n_units] / 1e3:g} GB" if n_units in TARGET_MB else limit
        met = run.wall <= seconds and run.mb <= TARGET_MB.get(n_units, math.inf)
        word = "**met**" if met else "**missed**"
        if not met and run.cpu <= seconds and run.mb <= TARGET_MB.get(n_units, math.inf):
            word += " on wall time (met on CPU time)"
        memory = f", {sig(run.mb)} MB" if n_units in TARGET_MB else ""
        said.append(
            f"N = {n_units} ({2**n_units:,} states) takes **{duration(run.wall)}** of wall time "
            f"({duration(run.cpu)} of CPU{memory}): the {within} target is {word}"
        )
    return said


def duration(seconds: float) -> str:
    """Seconds for people, in minutes from 100 s: 0.485 s, 17.7 s, 8.2 min."""
    return f"{sig(seconds)} s" if seconds < 100 else f"{sig(seconds / 60, 2)} min"


def exact_table(largest: int) -> None:
    runs = exact_runs(largest)
    compared = [run for run in runs if run.sparse is not None]
    speed_ups = [run.sparse[0] / run.wall for run in compared if run.sparse is not None]
    wall, cpu = sum(run.wall for run in runs), sum(run.cpu for run in runs)
    verdicts = target_verdicts(runs)
    paragraph(
        f"(a) Exact model, loss system, {ATOMS} atoms in a 30 km square, half the units busy on average.",
        "; ".join(verdicts) + ".",
        "Like for like, on the same districts, the sparse generator with BiCGSTAB that the model used before",
        f"(copied from commit c45d7b8) takes **{span(speed_ups)}** the matrix-free solver's wall time for",
        f"N = {compared[0].n_units}–{compared[-1].n_units}, and the two agree on every workload within",
        f"{max(run.difference for run in compared):.0e}." if compared else "",
        f"Every exact solve stopped at a relative residual of at most {max(r.result.residual for r in runs):.0e}.",
        "Memory is the peak of numpy's buffers (tracemalloc). The machine was shared: over the matrix-free",
        f"solves, wall time ran {ratio(wall / cpu)} this process's CPU time.",
    )
    rows = []
    for run in runs:
        before = run.sparse or (None, None, None)
        rows.append(
            (
                run.n_units,
                2**run.n_units,
                *(None if x is None else sig(x) for x in before),
                sig(run.wall),
                sig(run.cpu),
                sig(run.mb),
                run.result.iterations,
                run.result.residual,
                ratio(run.sparse[0] / run.wall) if run.sparse else None,
                run.difference,
                sig(run.larson_wall),
                run.larson_error,
            )
        )
    table(
        "Exact model: the sparse solver before, the matrix-free one now, and Larson's approximation beside",
        (
            "N",
            "states",
            "before: wall s",
            "before: CPU s",
            "before: MB",
            "matrix-free: wall s",
            "CPU s",
            "MB",
            "BiCGSTAB steps",
            "residual",
            "× (before ÷ matrix-free, wall)",
            "largest workload difference",
            "Larson: wall s",
            "Larson: largest workload error",
        ),
        rows,
        (",", ",", "s", "s", "s", "s", "s", "s", ",", ".0e", "s", ".0e", "s", ".3f"),
    )


def erlang_b(n: int, offered: float) -> float:
    blocked = 1.0
    for k in range(1, n + 1):
        blocked = offered * blocked / (k + offered * blocked)
    return blocked


def ordered_hunting_table() -> None:
    progress("(b) ordered hunting")
    rows, said = [], []
    for n_units in (2, 3, 6, 12):
        offered = n_units / 2
        exact = np.array([offered * (erlang_b(k - 1, offered) - erlang_b(k, offered)) for k in range(1, n_units + 1)])
        larson = hypercube([offered], np.arange(1.0, n_units + 1)[:, None], mu=1.0, method="approximate").workloads
        error = np.abs(larson - exact)
        worst = int(np.argmax(error))
        relative = float(error[worst] / exact[worst])
        shown = ", ".join(f"{w:.3f}" for w in exact[:6]) + (", ..." if n_units > 6 else "")
        rows.append((n_units, offered, shown, float(error.max()), relative))
        said.append(f"{error.max():.3f} ({relative:.0%}) at N = {n_units}")
    paragraph(
        "(b) Larson's approximation where the answer is known in closed form: ordered hunting (one stream",
        "trying units 1, 2, ... in turn, loss system, offered load a = N / 2), whose k-th unit carries",
        "a(B(k−1, a) − B(k, a)), B Erlang's loss formula. The largest workload error (relative to that unit's",
        "workload) is",
        ", ".join(said[:-1]) + f" and {said[-1]}:",
        "the correction factors assume units drawn at random, and here the preference order is the same for",
        "every call.",
    )
    table(
        "Larson's approximation on ordered hunting, against Erlang's closed form",
        ("N", "a", "exact workloads, unit 1, 2, ...", "largest workload error", "relative to that unit's workload"),
        rows,
        (",", ".1f", "", ".4f", ".1%"),
    )


def random_districts_table() -> None:
    progress(f"(c) {DISTRICTS} random districts")
    rng = np.random.default_rng(SEED)
    errors: dict[str, list[float]] = {
        "workload, worst unit of a district (relative)": [],
        "workload, mean over a district's units (relative)": [],
        "workload, worst unit of a district (absolute)": [],
        "mean travel (relative)": [],
    }
    worst, mean, absolute, travel_error = errors.values()
    for trial in range(DISTRICTS):
        n_units, atoms, load = int(rng.integers(2, 13)), int(rng.integers(50, 151)), float(rng.uniform(0.05, 0.5))
        homes, villages = rng.uniform(0, 10, (n_units, 2)), rng.uniform(0, 10, (atoms, 2))
        travel = np.linalg.norm(homes[:, None] - villages[None], axis=2)
        rates = rng.uniform(0.1, 1.0, atoms)
        rates *= load * n_units / rates.sum()
        queue = ("loss", "infinite")[trial % 2]
        exact = hypercube(rates, travel, mu=1.0, queue=queue, method="exact")  # type: ignore[arg-type]
        larson = hypercube(rates, travel, mu=1.0, queue=queue, method="approximate")  # type: ignore[arg-type]
        relative = np.abs(larson.workloads / exact.workloads - 1)
        worst.append(float(relative.max()))
        mean.append(float(relative.mean()))
        absolute.append(float(np.abs(larson.workloads - exact.workloads).max()))
        travel_error.append(abs(larson.mean_travel / exact.mean_travel - 1))
    over = float(np.mean(np.array(worst) > LARSON_TARGET))
    paragraph(
        f"(c) Larson's approximation on {DISTRICTS} random districts (2–12 units, 50–150 villages, units 5–50 %",
        "busy; loss and infinite-queue systems in turn) against the exact model. The worst unit's workload error",
        f"exceeds {LARSON_TARGET:.0%} in **{over:.0%}** of districts (largest {max(worst):.1%}), so the target of",
        f"{LARSON_TARGET:.0%} unit by unit is **{'met' if over == 0 else 'missed'}**. Averaged over a district's",
        f"units the error has median {np.median(mean):.1%} (90th percentile {np.quantile(mean, 0.9):.1%}, largest",
        f"{max(mean):.1%}); mean travel is within {np.quantile(travel_error, 0.9):.1%} in 90 % of districts",
        f"(largest {max(travel_error):.1%}).",
    )
    rows = []
    for name, values in errors.items():
        v = np.array(values)
        relative_error = "relative" in name
        share = float((v > LARSON_TARGET).mean()) if relative_error else None
        cells = [float(np.median(v)), float(np.quantile(v, 0.9)), float(v.max())]
        rows.append((name, *(f"{x:.2%}" if relative_error else f"{x:.4f}" for x in cells), share))
    table(
        f"Larson's approximation against the exact model, {DISTRICTS} random districts",
        ("error", "median", "90th percentile", "largest", f"districts over {LARSON_TARGET:.0%}"),
        rows,
        ("", "s", "s", "s", ".0%"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--largest", type=int, default=SIZES[-1], help="the largest N of table (a)")
    largest = parser.parse_args().largest
    exact_table(largest)
    ordered_hunting_table()
    random_districts_table()
    print(f"Load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.")


if __name__ == "__main__":
    main()
