"""Facility engine at its limits: published optima, generated instances, coverage
models against spopt, and the station clustering model at province scale.

(a) OR-Library pmed1-10 (p-median), pmedcap01-10 and SJC1-2 (capacitated): the
    published optimum beside dispatch's objective, bound, status, gap and times.
(b) Generated instances beyond the sizes we hold (``instances.py``): OR-Library-like
    graphs of 600-900 vertices, capacitated points of 300-400.
(c) p-center (Pullan's optima) and MCLP on the pmed graphs, dispatch against
    spopt 0.7 on the same solver (HiGHS, through PuLP) and on its default (CBC),
    build and solve included for both (``pip install spopt highspy``: for this
    benchmark only).
(d) Clustering 3,000 stations: site road times streamed a few sites at a time
    against all sites at once (the former build), time and peak memory.

Every solve has a time limit of 60 s for the whole call. Run:
``python benchmarks/bench_facility.py [--quick]`` (``--quick``: 10 s limits,
fewer instances).
"""

from __future__ import annotations

import json
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from instances import beasley_graph, capacitated_points

import dispatch.plan.clustering as clustering
from dispatch.datasets.orlib import FacilityInstance, read_pmed, read_pmedcap, read_sjc
from dispatch.datasets.synthetic import synthetic_province
from dispatch.plan import ClusterParams, SolveParams, capacitated_p_median, cluster, mclp, p_center, p_median
from dispatch.texttable import Table

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "orlib"
OPTIMA = json.loads((DATA / "optima.json").read_text())
QUICK = "--quick" in sys.argv
LIMIT = 10.0 if QUICK else 60.0
P_CENTER_OPTIMA = [127, 98, 93, 74, 48, 84, 64, 55, 37, 20]  # Pullan 2008, pmed1-10


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def solve(instance: FacilityInstance) -> tuple[float, Any]:
    options = SolveParams(time_limit=LIMIT)
    if instance.capacity is None:
        return timed(lambda: p_median(instance.costs, instance.p, options=options))
    return timed(
        lambda: capacitated_p_median(instance.costs, instance.p, instance.demand, instance.capacity, options=options)
    )


def median_rows(instances: list[FacilityInstance]) -> list[tuple[Any, ...]]:
    rows = []
    for instance in instances:
        seconds, solution = solve(instance)
        known = instance.optimum if instance.optimum is not None else OPTIMA.get(instance.name, float("nan"))
        rows.append(
            (
                instance.name,
                len(instance.costs),
                instance.p,
                known,
                solution.objective,
                solution.bound,
                solution.status,
                solution.gap,
                solution.objective / known - 1 if known == known else float("nan"),
                solution.solver,
                solution.build_time,
                solution.solve_time,
                seconds,
            )
        )
        print(f"{instance.name}: {solution.verdict()}", file=sys.stderr, flush=True)
    return rows


MEDIAN_COLUMNS = (
    "instance",
    "n",
    "p",
    "published",
    "objective",
    "bound",
    "status",
    "gap",
    "over published",
    "solver",
    "build s",
    "solve s",
    "total s",
)
MEDIAN_FORMATS = ("", ",", ",", ",.2f", ",.2f", ",.2f", "", ".3%", ".3%", "", ".2f", ".2f", ".2f")


def spopt_solve(kind: str, costs: np.ndarray, p: int, radius: float, solver: str) -> tuple[float, float]:
    """spopt's time (build and solve) and objective for a p-center or an MCLP."""
    import pulp
    from spopt.locate import MCLP, PCenter

    engine = (
        pulp.HiGHS(msg=False, timeLimit=LIMIT) if solver == "highs" else pulp.PULP_CBC_CMD(msg=False, timeLimit=LIMIT)
    )
    weights = np.ones(len(costs))
    if kind == "p-center":
        seconds, model = timed(lambda: PCenter.from_cost_matrix(costs, p_facilities=p).solve(engine))
    else:
        seconds, model = timed(
            lambda: MCLP.from_cost_matrix(costs, weights, service_radius=radius, p_facilities=p).solve(engine)
        )
    return seconds, float(pulp.value(model.problem.objective))


def coverage_rows(numbers: list[int]) -> list[tuple[Any, ...]]:
    rows = []
    for number in numbers:
        instance = read_pmed(DATA / f"pmed{number}.txt")
        radius = round(0.6 * P_CENTER_OPTIMA[number - 1])
        options = SolveParams(time_limit=LIMIT)
        for kind in ("p-center", "mclp"):
            if kind == "p-center":
                seconds, ours = timed(lambda i=instance, o=options: p_center(i.costs, i.p, options=o))
            else:
                seconds, ours = timed(lambda i=instance, o=options, r=radius: mclp(i.costs, i.p, r, options=o))
            highs_s, highs_value = spopt_solve(kind, instance.costs, instance.p, radius, "highs")
            cbc_s, cbc_value = spopt_solve(kind, instance.costs, instance.p, radius, "cbc")
            rows.append(
                (
                    instance.name,
                    kind if kind == "p-center" else f"mclp r={radius}",
                    ours.objective,
                    ours.status,
                    seconds,
                    highs_value,
                    highs_s,
                    highs_s / seconds,
                    cbc_value,
                    cbc_s,
                    cbc_s / seconds,
                )
            )
            print(
                f"{instance.name} {kind}: {ours.verdict()}; spopt {highs_s:.2f} s / {cbc_s:.2f} s",
                file=sys.stderr,
                flush=True,
            )
    return rows


def province_rows(n: int) -> list[tuple[Any, ...]]:
    district = synthetic_province(n, seed=1)
    rows = []
    for label, at_once in (("streamed (64 sites at once)", 64), ("all sites at once (former)", n)):
        clustering.SITES_AT_ONCE = at_once
        tracemalloc.start()
        seconds, plan = timed(lambda: cluster(district, ClusterParams(options=SolveParams(time_limit=LIMIT))))
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        rows.append(
            (
                label,
                len(district.stations),
                plan.status,
                plan.gap,
                plan.build_time,
                plan.solve_time,
                seconds,
                peak,
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            )
        )
        print(f"{label}: {plan.verdict()}, peak {peak:,.0f} MB", file=sys.stderr, flush=True)
    clustering.SITES_AT_ONCE = 64
    return rows


def main() -> None:
    published = [read_pmed(DATA / f"pmed{i}.txt") for i in range(1, 11)]
    published += [read_pmedcap(DATA / f"pmedcap{i:02d}.txt") for i in range(1, 11)]
    published += [read_sjc(DATA / f"SJC{i}.dat") for i in (1, 2)]
    if QUICK:
        published = published[:5] + published[10:12]
    print(
        Table(
            f"(a) Published optima (time limit {LIMIT:.0f} s for the whole call)",
            MEDIAN_COLUMNS,
            tuple(median_rows(published)),
            MEDIAN_FORMATS,
        ),
        end="\n\n",
    )
    sizes = [(600, 5), (600, 60), (900, 5), (900, 10), (900, 90)] if not QUICK else [(600, 5)]
    generated = [beasley_graph(n, p, seed=1) for n, p in sizes]
    generated += [capacitated_points(n, p, seed=1) for n, p in ([(300, 25), (400, 40)] if not QUICK else [(300, 25)])]
    print(
        Table(
            "(b) Generated instances (OR-Library-like graphs; capacitated points, tightness 0.9)",
            MEDIAN_COLUMNS,
            tuple(median_rows(generated)),
            MEDIAN_FORMATS,
        ),
        end="\n\n",
    )
    print(
        Table(
            "(c) p-center and MCLP on pmed graphs: dispatch against spopt on HiGHS and on CBC "
            "(objective, seconds, ratio)",
            ("instance", "model", "dispatch", "status", "dispatch s", "spopt HiGHS", "s", "x", "spopt CBC", "s", "x"),
            tuple(coverage_rows([1, 3, 5] if QUICK else [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])),
            ("", "", ",.0f", "", ".2f", ",.0f", ".2f", ".1f", ",.0f", ".2f", ".1f"),
        ),
        end="\n\n",
    )
    print(
        Table(
            "(d) Clustering a synthetic province: build streamed vs all at once (tracemalloc peak, process max RSS)",
            ("build", "stations", "status", "gap", "build s", "solve s", "total s", "peak MB", "max RSS MB"),
            tuple(province_rows(1_000 if QUICK else 3_000)),
            ("", ",", "", ".3%", ".2f", ".2f", ".2f", ",.0f", ",.0f"),
        )
    )


if __name__ == "__main__":
    main()
