"""Clustering engine: published optima, spopt side by side, and province scale.

(a) OR-Library pmed1-10 and pmedcap01-10 and SJC1-2: dispatch's objective against
    the published optimum, its status, gap and time.
(b) The same pmed and pmedcap instances solved in the same run by pysal spopt's
    PMedian (PuLP + CBC; ``pip install spopt pulp`` for this benchmark only).
(c) The demo county and synthetic provinces of 250, 1,000 and 3,000 stations.

Run: ``python benchmarks/bench_cluster.py [--skip-spopt]``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from common import best_of

from dispatch.datasets import demo_district
from dispatch.datasets.orlib import FacilityInstance, read_pmed, read_pmedcap, read_sjc
from dispatch.datasets.synthetic import synthetic_province
from dispatch.plan import BalanceParams, ClusterParams, SolveParams, capacitated_p_median, cluster, p_median
from dispatch.texttable import Table

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "orlib"
OPTIMA = json.loads((DATA / "optima.json").read_text())
TIME_LIMIT = 60.0
SPOPT_TIME_LIMIT = 300


def instances() -> list[FacilityInstance]:
    found = [read_pmed(DATA / f"pmed{i}.txt") for i in range(1, 11)]
    found += [read_pmedcap(DATA / f"pmedcap{i:02d}.txt") for i in range(1, 11)]
    found += [read_sjc(DATA / f"SJC{i}.dat") for i in (1, 2)]
    return found


def solve(instance: FacilityInstance) -> tuple[float, object]:
    options = SolveParams(time_limit=TIME_LIMIT)
    if instance.capacity is None:
        return best_of(1, lambda: p_median(instance.costs, instance.p, options=options))
    return best_of(
        1,
        lambda: capacitated_p_median(instance.costs, instance.p, instance.demand, instance.capacity, options=options),
    )


def spopt_solve(instance: FacilityInstance) -> tuple[float, float]:
    """spopt's PMedian: its time and the (unweighted) cost of its assignment."""
    import pulp
    from spopt.locate import PMedian

    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=SPOPT_TIME_LIMIT)
    if instance.capacity is None:
        seconds, model = best_of(
            1,
            lambda: PMedian.from_cost_matrix(instance.costs, instance.demand, p_facilities=instance.p).solve(solver),
        )
    else:
        seconds, model = best_of(
            1,
            lambda: PMedian.from_cost_matrix(
                instance.costs,
                instance.demand,
                p_facilities=instance.p,
                facility_capacities=instance.capacity,
            ).solve(solver),
        )
    cost = sum(instance.costs[i, j] for j, clients in enumerate(model.fac2cli) for i in clients)
    return seconds, float(cost)


def published(instance: FacilityInstance) -> float:
    return instance.optimum if instance.optimum is not None else OPTIMA[instance.name]


def main() -> None:
    with_spopt = "--skip-spopt" not in sys.argv
    rows, versus = [], []
    for instance in instances():
        seconds, solution = solve(instance)
        rows.append(
            (
                instance.name,
                len(instance.costs),
                instance.p,
                published(instance),
                solution.objective,
                solution.status,
                solution.gap,
                solution.solver,
                seconds,
            )
        )
        print(f"{instance.name}: {solution.summary()}", file=sys.stderr, flush=True)
        if with_spopt and not instance.name.startswith("SJC"):
            spopt_seconds, spopt_cost = spopt_solve(instance)
            versus.append(
                (
                    instance.name,
                    seconds,
                    spopt_seconds,
                    spopt_seconds / seconds,
                    solution.objective,
                    spopt_cost,
                )
            )
            print(f"  spopt {spopt_seconds:.2f} s, cost {spopt_cost}", file=sys.stderr, flush=True)
    print(
        Table(
            f"(a) Published optima (time limit {TIME_LIMIT:.0f} s)",
            ("instance", "n", "p", "published", "dispatch", "status", "gap", "solver", "seconds"),
            tuple(rows),
            ("", ",", ",", ",.2f", ",.2f", "", ".4%", "", ".2f"),
        ),
        end="\n\n",
    )
    if versus:
        print(
            Table(
                "(b) dispatch against spopt PMedian (PuLP + CBC), same instances, same run "
                "(pmedcap: spopt minimises demand-weighted cost; shown is its assignment's plain cost)",
                ("instance", "dispatch s", "spopt s", "speed-up", "dispatch cost", "spopt cost"),
                tuple(versus),
                ("", ".2f", ".2f", ".1f", ",.2f", ",.2f"),
            ),
            end="\n\n",
        )
    scale = []
    cases = [("demo county", demo_district, ClusterParams())]
    for n in (250, 1_000, 3_000):
        cases.append((f"province {n:,}", lambda n=n: synthetic_province(n, seed=1), ClusterParams()))
    for mode in ("tolerance", "weighted", "minmax"):
        cases.append(
            (
                f"province 1,000, balance {mode}",
                lambda: synthetic_province(1_000, seed=1),
                ClusterParams(balance=BalanceParams(mode=mode), options=SolveParams(time_limit=TIME_LIMIT)),
            )
        )
    for name, make, params in cases:
        district = make()
        start = time.perf_counter()
        plan = cluster(district, params)
        total = time.perf_counter() - start
        counts = plan.counts()
        scale.append(
            (
                name,
                len(district.stations),
                district.roads.n_nodes,
                counts["central"],
                counts["base"],
                plan.status,
                plan.gap,
                plan.build_time,
                plan.solve_time,
                total,
            )
        )
        print(f"{name}: {plan.summary()}", file=sys.stderr, flush=True)
    print(
        Table(
            "(c) Clustering at scale (1-2 bases per central, max_link_time 45 min, HiGHS)",
            (
                "district",
                "stations",
                "road nodes",
                "central",
                "base",
                "status",
                "gap",
                "build s",
                "solve s",
                "total s",
            ),
            tuple(scale),
            ("", ",", ",", ",", ",", "", ".3%", ".2f", ".2f", ".2f"),
        )
    )
    assert all(np.isfinite([r[4] for r in rows]))


if __name__ == "__main__":
    main()
