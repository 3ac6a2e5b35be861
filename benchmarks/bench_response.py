"""Response time: before/after the reform, simulation throughput, hypercube solve time.

(a) The demo county before (OwnStation) and after (ClusterFirst with the plan) the
    reform, on the same calls: the figures planners ask for.
(b) Throughput: one district-year simulated by dispatch, against a SimPy model
    with networkx shortest paths (``simpy_baseline.py``) on the same calls. The
    baseline is run on the first calls of the year only (it takes seconds a call);
    both must send the same unit to every one of them.
(c) The exact hypercube model's solve time against the number of units N, with
    Larson's approximation beside it.

Run: ``pip install simpy`` then ``python benchmarks/bench_response.py``.
"""

from __future__ import annotations

import time

import numpy as np
from common import best_of
from simpy_baseline import simulate_simpy

from dispatch import NearestFree, cluster
from dispatch.datasets import demo_district
from dispatch.evaluate.demand import DemandParams, IncidentStream
from dispatch.evaluate.queueing import hypercube
from dispatch.evaluate.simulation import SimulationParams, compare, simulate

SEED = 2023
REPLICATIONS = 10
BASELINE_CALLS = 300
TURNOUT = 60.0
TURNOUT_ONLY = SimulationParams(turnout=TURNOUT)


def main() -> None:
    demo = demo_district()
    plan = cluster(demo)

    start = time.perf_counter()
    comparison = compare(demo, plan, params=SimulationParams(seed=SEED, replications=REPLICATIONS))
    print(comparison.table())
    print(f"({REPLICATIONS} replications of a year, {time.perf_counter() - start:.1f} s)\n")

    # The demo's rates give 20,000 calls a year on average; 5 % more makes sure a year holds at least that many.
    year = DemandParams(scale=1.05).incidents(demo, 365 * 86_400.0, seed=SEED)
    ours, _ = best_of(3, lambda: simulate(demo, None, NearestFree(), incidents=year, params=TURNOUT_ONLY))
    first = IncidentStream(
        year.village_ids,
        year.time[:BASELINE_CALLS],
        year.village[:BASELINE_CALLS],
        year.priority[:BASELINE_CALLS],
        year.service[:BASELINE_CALLS],
    )
    ours_prefix, prefix = best_of(3, lambda: simulate(demo, None, NearestFree(), incidents=first, params=TURNOUT_ONLY))
    baseline, sent = best_of(1, lambda: simulate_simpy(demo, year, BASELINE_CALLS, TURNOUT))
    units = prefix.unit_ids
    same = sum(units[u] == s for u, s in zip(prefix.runs[0].unit, sent))
    assert same == BASELINE_CALLS, f"the two simulations differ on {BASELINE_CALLS - same} calls"
    rate_ours, rate_prefix, rate_baseline = len(year) / ours, BASELINE_CALLS / ours_prefix, BASELINE_CALLS / baseline
    print("(b) Simulation throughput, NearestFree, returning units dispatchable")
    print(f"  dispatch, one district-year: {len(year):,} calls in {ours:.2f} s = {rate_ours:,.0f} calls/s")
    print(f"  dispatch, first {BASELINE_CALLS} calls: {ours_prefix:.2f} s = {rate_prefix:,.0f} calls/s")
    print(f"  SimPy + networkx, first {BASELINE_CALLS} calls: {baseline:.1f} s = {rate_baseline:,.1f} calls/s")
    print(f"  same unit sent to all {same} calls")
    print(
        f"  speed-up: {rate_prefix / rate_baseline:,.0f}x on the same {BASELINE_CALLS} calls (set-up included), "
        f"{rate_ours / rate_baseline:,.0f}x for the year against the baseline's rate\n"
    )

    print("(c) Hypercube solve time (loss system, 200 atoms, half the units busy)")
    print(f"  {'N':>3}  {'states':>9}  {'exact s':>8}  {'approx s':>8}  {'max workload gap':>16}")
    rng = np.random.default_rng(SEED)
    for n in (4, 6, 8, 10, 12, 13, 14, 15, 16):
        homes, atoms = rng.uniform(0, 30_000, (n, 2)), rng.uniform(0, 30_000, (200, 2))
        travel = np.linalg.norm(homes[:, None] - atoms[None], axis=2) / 10.0
        rates = rng.uniform(0.2, 1.0, 200)
        rates *= 0.5 * n / rates.sum()
        exact_seconds, exact = best_of(3, lambda r=rates, t=travel: hypercube(r, t, mu=1.0, method="exact"))
        approx_seconds, approx = best_of(3, lambda r=rates, t=travel: hypercube(r, t, mu=1.0, method="approximate"))
        gap = float(np.abs(approx.workloads - exact.workloads).max())
        print(f"  {n:>3}  {2**n:>9,}  {exact_seconds:>8.3f}  {approx_seconds:>8.4f}  {gap:>16.4f}")


if __name__ == "__main__":
    main()
