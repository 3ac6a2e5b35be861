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

The machine is shared: wall seconds depend on what else runs (the load average is
printed before and after); CPU seconds are this process's own.

Run: ``python benchmarks/bench_hypercube.py`` (``--largest 20`` stops (a) earlier).
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, bicgstab

from dispatch.evaluate.queueing import HypercubeResult, hypercube

SEED = 2023
ATOMS = 200
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


def exact_table(largest: int) -> None:
    print("(a) Exact model, loss system, 200 atoms, half the units busy")
    print(
        f"  {'N':>3} {'states':>11} | {'sparse s':>8} {'cpu':>6} {'MB':>6} | {'matrix-free s':>13} {'cpu':>6} "
        f"{'MB':>6} {'steps':>5} {'residual':>8} | {'speed-up':>8} {'|diff|':>7} | {'Larson s':>8} {'|error|':>7}"
    )
    rng = np.random.default_rng(SEED)
    for n_units in [n for n in (10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24) if n <= largest]:
        rates, travel = district(n_units, rng)
        ours: HypercubeResult
        wall, cpu, peak, ours = measured(lambda r=rates, t=travel: hypercube(r, t, mu=1.0, method="exact"))
        if n_units <= 16:
            old_wall, old_cpu, old_peak, old = measured(lambda r=rates, t=travel: sparse_workloads(r, t))
            sparse = f"{old_wall:>8.3f} {old_cpu:>6.2f} {old_peak:>6.1f}"
            versus = f"{old_wall / wall:>7.1f}x {np.abs(old - ours.workloads).max():>7.0e}"
        else:
            sparse, versus = f"{'':>8} {'':>6} {'':>6}", f"{'':>8} {'':>7}"
        larson_wall, _, _, larson = measured(lambda r=rates, t=travel: hypercube(r, t, mu=1.0, method="approximate"))
        error = np.abs(larson.workloads - ours.workloads).max()
        print(
            f"  {n_units:>3} {2**n_units:>11,} | {sparse} | {wall:>13.3f} {cpu:>6.2f} {peak:>6.1f} "
            f"{ours.iterations:>5} {ours.residual:>8.0e} | {versus} | {larson_wall:>8.4f} {error:>7.4f}",
            flush=True,
        )


def erlang_b(n: int, offered: float) -> float:
    blocked = 1.0
    for k in range(1, n + 1):
        blocked = offered * blocked / (k + offered * blocked)
    return blocked


def ordered_hunting_table() -> None:
    print("\n(b) Larson's approximation on ordered hunting (loss system, a = N / 2), against Erlang's closed form")
    print(f"  {'N':>3} {'exact workloads':<44} {'largest error':>13} {'relative':>8}")
    for n_units in (2, 3, 6, 12):
        offered = n_units / 2
        exact = np.array([offered * (erlang_b(k - 1, offered) - erlang_b(k, offered)) for k in range(1, n_units + 1)])
        larson = hypercube([offered], np.arange(1.0, n_units + 1)[:, None], mu=1.0, method="approximate").workloads
        shown = " ".join(f"{w:.3f}" for w in exact[:7]) + (" ..." if n_units > 7 else "")
        print(
            f"  {n_units:>3} {shown:<44} {np.abs(larson - exact).max():>13.4f} {np.abs(larson / exact - 1).max():>8.1%}"
        )


def random_districts_table() -> None:
    print("\n(c) Larson's approximation on 200 random districts (2-12 units, 50-150 villages, 5-50 % busy)")
    rng = np.random.default_rng(SEED)
    errors: dict[str, list[float]] = {"worst unit, relative": [], "mean over units, relative": [], "worst unit": []}
    errors["mean travel, relative"] = []
    for trial in range(200):
        n_units, atoms, load = int(rng.integers(2, 13)), int(rng.integers(50, 151)), float(rng.uniform(0.05, 0.5))
        homes, villages = rng.uniform(0, 10, (n_units, 2)), rng.uniform(0, 10, (atoms, 2))
        travel = np.linalg.norm(homes[:, None] - villages[None], axis=2)
        rates = rng.uniform(0.1, 1.0, atoms)
        rates *= load * n_units / rates.sum()
        queue = ("loss", "infinite")[trial % 2]
        exact = hypercube(rates, travel, mu=1.0, queue=queue, method="exact")  # type: ignore[arg-type]
        larson = hypercube(rates, travel, mu=1.0, queue=queue, method="approximate")  # type: ignore[arg-type]
        relative = np.abs(larson.workloads / exact.workloads - 1)
        errors["worst unit, relative"].append(float(relative.max()))
        errors["mean over units, relative"].append(float(relative.mean()))
        errors["worst unit"].append(float(np.abs(larson.workloads - exact.workloads).max()))
        errors["mean travel, relative"].append(abs(larson.mean_travel / exact.mean_travel - 1))
    print(f"  {'workload error':<28} {'median':>8} {'90 %':>8} {'max':>8} {'over 2 %':>9}")
    for name, values in errors.items():
        v = np.array(values)
        share = f"{(v > 0.02).mean():>8.0%}" if "relative" in name else f"{'':>8}"
        print(f"  {name:<28} {np.median(v):>8.4f} {np.quantile(v, 0.9):>8.4f} {v.max():>8.4f} {share:>9}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--largest", type=int, default=24, help="the largest N of table (a)")
    largest = parser.parse_args().largest
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores\n")
    tracemalloc.start()
    exact_table(largest)
    tracemalloc.stop()
    ordered_hunting_table()
    random_districts_table()
    print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
