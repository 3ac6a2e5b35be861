"""Facility engine at its limits: published optima, generated instances, coverage
models against spopt, and the station clustering model at province scale.

(a) OR-Library pmed1-10 (p-median), pmedcap01-10 and SJC1-2 (capacitated): the
    published optimum beside dispatch's objective, bound, status, gap and times.
(b) Generated instances beyond the sizes we hold (``instances.py``): OR-Library-like
    graphs of 600-900 vertices, capacitated points of 300-400.
(c) p-center (Pullan's optima) and MCLP on the pmed graphs, dispatch against
    spopt on the same solver (HiGHS, through PuLP) and on its default (CBC),
    build and solve included for both, the like-for-like comparison.
(d) Clustering 3,000 stations: site road times streamed a few sites at a time
    against all sites at once (the former build), each in a fresh interpreter:
    time, peak numpy memory (tracemalloc) and the process's peak memory.

Targets: every pmed instance proven optimal within 60 s; capacitated instances of
n <= 400 within 1 % of the optimum at 60 s; clustering 3,000 stations under 1 GB.
Every solve has a time limit of 60 s for the whole call.

Run: ``pip install -e '.[bench]'`` then ``python benchmarks/bench_facility.py
[--quick]`` (``--quick``: 10 s limits, fewer instances).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import json
import math
import resource
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from common import best_of, mark, paragraph, progress, ratio, sig, span, stdout_to_stderr, table
from instances import DATA, beasley_graph, capacitated_points, published, published_instances, solve_median

import dispatch.plan.clustering as clustering
from dispatch.datasets.orlib import FacilityInstance, read_pmed
from dispatch.datasets.synthetic import synthetic_province
from dispatch.plan import ClusterParams, SolveParams, cluster, mclp, p_center
from dispatch.plan.facility import FacilitySolution

QUICK = "--quick" in sys.argv
LIMIT = 10.0 if QUICK else 60.0
P_CENTER_OPTIMA = [127, 98, 93, 74, 48, 84, 64, 55, 37, 20]  # Pullan 2008, pmed1-10
CAPACITATED_TARGET = 0.01  # within 1 % of the optimum
MEMORY_TARGET_MB = 1_024.0
STREAMED = 64  # sites whose road times are computed at once, as shipped
T = TypeVar("T")


@dataclass(frozen=True)
class Solved:
    """One instance of (a) or (b): dispatch's solution and the call's wall time."""

    instance: FacilityInstance
    solution: FacilitySolution
    seconds: float

    @property
    def known(self) -> float:
        return published(self.instance)

    @property
    def above_optimum(self) -> float:
        """How far the objective is above the optimum: from the published one when
        there is one, else at most the proven gap."""
        return self.solution.objective / self.known - 1 if math.isfinite(self.known) else self.solution.gap

    def reached(self) -> bool:
        return abs(self.solution.objective - self.known) <= 1e-6 * max(1.0, abs(self.known))


def solve_all(instances: list[FacilityInstance]) -> list[Solved]:
    found = []
    for instance in instances:
        seconds, solution = solve_median(instance, LIMIT)
        progress(f"{instance.name}: {solution.verdict()}")
        found.append(Solved(instance, solution, seconds))
    return found


def median_table(title: str, solved: list[Solved]) -> None:
    rows = [
        (
            s.instance.name,
            len(s.instance.costs),
            s.instance.p,
            s.known,
            s.solution.objective,
            s.solution.bound,
            s.solution.status,
            s.solution.gap,
            s.solution.objective / s.known - 1,
            s.solution.solver,
            sig(s.solution.build_time),
            sig(s.solution.solve_time),
            sig(s.seconds),
        )
        for s in solved
    ]
    table(
        title,
        (
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
        ),
        rows,
        ("", ",", ",", ",.2f", ",.2f", ",.2f", "", ".2%", ".2%", "", "s", "s", "s"),
    )


def short_of(solved: list[Solved]) -> str:
    """The solves that did not reach or prove the optimum, in words."""
    return "; ".join(
        f"{s.instance.name}: {s.solution.objective:,.2f} against {s.known:,.2f}, bound {s.solution.bound:,.2f}, "
        f"{s.solution.status} after {sig(s.seconds)} s"
        for s in solved
        if not (s.reached() and s.solution.status == "optimal")
    )


def group(solved: list[Solved]) -> str:
    """How one family of published instances went, in words."""
    reached = sum(s.reached() for s in solved)
    proven = sum(s.reached() and s.solution.status == "optimal" for s in solved)
    times = [s.seconds for s in solved]
    names = f"{solved[0].instance.name}–{solved[-1].instance.name}"
    said = (
        f"{names} reach the published optimum in {reached} of {len(solved)} and prove it in {proven} "
        f"({sig(min(times))}–{sig(max(times))} s)"
    )
    lagrangian = [s.instance.name for s in solved if s.solution.solver == "lagrangian"]
    if lagrangian:
        said += f", {' and '.join(lagrangian)} by the Lagrangian bound alone"
    missed = short_of(solved)
    return said + (f" ({missed})" if missed else "")


def optima() -> tuple[str, list[Solved]]:
    """(a): the published instances; the sentence on the pmed target, and the
    capacitated solves."""
    instances = published_instances()
    if QUICK:
        instances = instances[:5] + instances[10:12]
    solved = solve_all(instances)
    pmed = [s for s in solved if s.instance.capacity is None]
    capacitated = [s for s in solved if s.instance.capacity is not None]
    pmedcap = [s for s in capacitated if s.instance.name.startswith("pmedcap")]
    sjc = [s for s in capacitated if s.instance.name.startswith("SJC")]
    paragraph(
        f"(a) Published optima, {LIMIT:g} s for each whole call, model building included:",
        "; ".join(group(part) for part in (pmed, pmedcap, sjc) if part) + ".",
    )
    median_table(f"(a) Published optima (time limit {LIMIT:g} s for the whole call)", solved)
    proven = sum(s.reached() and s.solution.status == "optimal" for s in pmed)
    verdict = "**met**" if proven == len(pmed) else "**missed**"
    return f"every pmed instance proven optimal within {LIMIT:g} s: {verdict} ({proven} of {len(pmed)})", capacitated


def generated() -> list[Solved]:
    """(b): generated instances; the capacitated solves."""
    sizes = [(600, 5), (600, 60), (900, 5), (900, 10), (900, 90)] if not QUICK else [(600, 5)]
    instances = [beasley_graph(n, p, seed=1) for n, p in sizes]
    instances += [capacitated_points(n, p, seed=1) for n, p in ([(300, 25), (400, 40)] if not QUICK else [(300, 25)])]
    solved = solve_all(instances)
    proven = [s for s in solved if s.solution.status == "optimal"]
    open_gaps = [s for s in solved if s.solution.status != "optimal"]
    paragraph(
        "(b) Generated instances like OR-Library's (`benchmarks/instances.py`: graphs of n vertices and n²/50",
        "edges; capacitated points in a square, capacities 90 % full); no optimum is published, so the gap to",
        f"the solver's bound is the measure. {len(proven)} of {len(solved)} proven optimal;",
        "at the limit: " + ", ".join(f"{s.instance.name} gap {s.solution.gap:.2%}" for s in open_gaps) + "."
        if open_gaps
        else "none left at the limit.",
    )
    median_table("(b) Generated instances (OR-Library-like graphs; capacitated points, tightness 0.9)", solved)
    return [s for s in solved if s.instance.capacity is not None]


def capacitated_verdict(solved: list[Solved]) -> str:
    """The sentence on the capacitated target."""
    small = [s for s in solved if len(s.instance.costs) <= 400]
    within = [s for s in small if s.above_optimum <= CAPACITATED_TARGET]
    worst = max(small, key=lambda s: s.above_optimum)
    verdict = "**met**" if len(within) == len(small) else "**missed**"
    return (
        f"capacitated instances of n ≤ 400 within {CAPACITATED_TARGET:.0%} of the optimum at {LIMIT:g} s (of the "
        "published one, or by the proven gap where none is published): "
        f"{verdict} ({len(within)} of {len(small)}; the worst, {worst.instance.name}, {worst.above_optimum:.1%})"
    )


@dataclass(frozen=True)
class SpoptRun:
    """spopt on one solver: its objective, its wall time (build and solve), and
    whether the solver proved optimality before the limit."""

    objective: float
    seconds: float
    proven: bool


def spopt_solve(kind: str, costs: np.ndarray, p: int, radius: float, solver: str) -> SpoptRun:
    """spopt's p-center or MCLP on ``solver`` (``"highs"`` or ``"cbc"``)."""
    import pulp
    from spopt.locate import MCLP, PCenter

    engine = {"highs": pulp.HiGHS, "cbc": pulp.PULP_CBC_CMD}[solver](msg=False, timeLimit=LIMIT)
    weights = np.ones(len(costs))

    def run() -> Any:
        if kind == "p-center":
            return PCenter.from_cost_matrix(costs, p_facilities=p).solve(engine)
        return MCLP.from_cost_matrix(costs, weights, service_radius=radius, p_facilities=p).solve(engine)

    with stdout_to_stderr():  # HiGHS prints its banner whatever msg says
        seconds, model = best_of(1, run)
    objective = float(pulp.value(model.problem.objective))
    return SpoptRun(objective, seconds, model.problem.sol_status == pulp.LpSolutionOptimal)


@dataclass(frozen=True)
class CoverageRun:
    """One model on one pmed graph: dispatch's solve and spopt's on both solvers."""

    name: str
    kind: str
    radius: float
    ours: FacilitySolution
    seconds: float
    spopt: dict[str, SpoptRun]

    def same(self, solver: str) -> bool:
        return abs(self.spopt[solver].objective - self.ours.objective) <= 1e-6 * max(1.0, abs(self.ours.objective))


def coverage(numbers: list[int]) -> str:
    """(c): p-center and MCLP against spopt; the like-for-like sentence."""
    runs = []
    for number in numbers:
        instance = read_pmed(DATA / f"pmed{number}.txt")
        radius = float(round(0.6 * P_CENTER_OPTIMA[number - 1]))
        options = SolveParams(time_limit=LIMIT)
        for kind in ("p-center", "mclp"):
            if kind == "p-center":
                seconds, ours = best_of(1, lambda i=instance, o=options: p_center(i.costs, i.p, options=o))
            else:
                seconds, ours = best_of(1, lambda i=instance, o=options, r=radius: mclp(i.costs, i.p, r, options=o))
            spopt = {
                solver: spopt_solve(kind, instance.costs, instance.p, radius, solver) for solver in ("highs", "cbc")
            }
            progress(f"{instance.name} {kind}: {ours.verdict()}; spopt {spopt}")
            runs.append(CoverageRun(instance.name, kind, radius, ours, seconds, spopt))
    centers = [r for r in runs if r.kind == "p-center"]
    covering = [r for r in runs if r.kind == "mclp"]
    known = dict(zip((f"pmed{k}" for k in range(1, 11)), P_CENTER_OPTIMA))
    pullan = sum(r.ours.status == "optimal" and abs(r.ours.objective - known[r.name]) < 1e-6 for r in centers)

    def ratios(part: list[CoverageRun], solver: str) -> list[float]:
        return [r.spopt[solver].seconds / r.seconds for r in part]

    def times(part: list[CoverageRun], solver: str | None = None) -> str:
        values = [r.seconds if solver is None else r.spopt[solver].seconds for r in part]
        return f"{sig(min(values))}–{sig(max(values))} s"

    def worse(part: list[CoverageRun]) -> str:
        said = [
            f"{r.name} {'radius' if r.kind == 'p-center' else 'coverage'} {r.spopt[solver].objective:,.0f} on "
            f"{label} against {r.ours.objective:,.0f}"
            for r in part
            for solver, label in (("highs", "HiGHS"), ("cbc", "CBC"))
            if not r.same(solver)
        ]
        return "; ".join(said) if said else "none"

    def unproven(part: list[CoverageRun], solver: str) -> str:
        names = [r.name for r in part if not r.spopt[solver].proven]
        return ", ".join(names) if names else "none"

    lead = (
        f"against spopt {importlib.metadata.version('spopt')} on the same solver (HiGHS through PuLP), model building "
        f"included on both sides, spopt takes **{span(ratios(centers, 'highs'))}** dispatch's time for the p-center "
        f"on pmed{numbers[0]}–{numbers[-1]} and **{span(ratios(covering, 'highs'))}** for the MCLP "
        f"({span(ratios(centers, 'cbc'))} and {span(ratios(covering, 'cbc'))} on CBC, spopt's default; where spopt "
        "stopped at the limit, the ratio is only a lower bound)"
    )
    paragraph(
        f"(c) p-center and MCLP on pmed{numbers[0]}–{numbers[-1]}, dispatch against spopt on HiGHS and on CBC",
        f"in the same run, {LIMIT:g} s for every solve. p-center: dispatch proves {pullan} of {len(centers)}",
        f"of Pullan's published optima in {times(centers)}; spopt took {times(centers, 'highs')} on HiGHS",
        f"and {times(centers, 'cbc')} on CBC, stopping at the limit without proof on",
        f"{unproven(centers, 'highs')} (HiGHS) and {unproven(centers, 'cbc')} (CBC);",
        f"spopt's radii differing from dispatch's: {worse(centers)}.",
        f"MCLP (radius 0.6 × the p-center optimum): dispatch {times(covering)}, spopt",
        f"{times(covering, 'highs')} on HiGHS and {times(covering, 'cbc')} on CBC;",
        f"coverage differing from dispatch's: {worse(covering)}.",
        "† marks a spopt solve that stopped without proving optimality, whose ratio is only a bound.",
    )
    rows = [
        (
            r.name,
            r.kind if r.kind == "p-center" else f"mclp r={r.radius:g}",
            r.ours.objective,
            r.ours.status,
            sig(r.seconds),
            r.spopt["highs"].objective,
            mark(r.spopt["highs"].seconds, r.spopt["highs"].proven),
            ratio(r.spopt["highs"].seconds / r.seconds),
            r.spopt["cbc"].objective,
            mark(r.spopt["cbc"].seconds, r.spopt["cbc"].proven),
            ratio(r.spopt["cbc"].seconds / r.seconds),
        )
        for r in runs
    ]
    table(
        "(c) p-center and MCLP on pmed graphs: dispatch against spopt on HiGHS and on CBC (objective, seconds with "
        "model building, ratio)",
        (
            "instance",
            "model",
            "dispatch",
            "status",
            "dispatch s",
            "spopt HiGHS",
            "s",
            "× (spopt ÷ dispatch)",
            "spopt CBC",
            "s",
            "× (spopt ÷ dispatch)",
        ),
        rows,
        ("", "", ",.0f", "", "s", ",.0f", "s", "s", ",.0f", "s", "s"),
    )
    return lead


def province_build(stations: int, at_once: int) -> dict[str, Any]:
    """Cluster a synthetic province in this process with ``at_once`` sites'
    road times at a time: the plan's figures, its wall time and peak memory."""
    district = synthetic_province(stations, seed=1)
    clustering.SITES_AT_ONCE = at_once
    tracemalloc.start()
    seconds, plan = best_of(1, lambda: cluster(district, ClusterParams(options=SolveParams(time_limit=LIMIT))))
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return {
        "stations": len(district.stations),
        "status": plan.status,
        "objective": plan.objective,
        "gap": plan.gap,
        "build": plan.build_time,
        "solve": plan.solve_time,
        "total": seconds,
        "peak": peak,
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "verdict": plan.verdict(),
    }


def province(stations: int) -> str:
    """(d): the two builds, each in a fresh interpreter; the sentence on the memory target."""
    found = {}
    for label, at_once in (
        (f"streamed ({STREAMED} sites at once)", STREAMED),
        ("all sites at once (former)", stations),
    ):
        done = subprocess.run(
            [sys.executable, __file__, "--province", str(stations), str(at_once), *sys.argv[1:]],
            stdout=subprocess.PIPE,
            encoding="utf-8",
            check=True,
        )
        found[label] = json.loads(done.stdout)
        progress(f"{label}: {found[label]['verdict']}, peak {found[label]['peak']:,.0f} MB")
    streamed, former = found.values()
    same = abs(streamed["objective"] - former["objective"]) <= 1e-6 * max(1.0, abs(former["objective"]))
    paragraph(
        f"(d) Clustering {stations:,} synthetic stations, each build in a fresh interpreter: road times between",
        f"sites streamed {STREAMED} sites at a time against all sites at once (the former build),",
        f"{'the same' if same else 'a different'} objective ({streamed['status']} against {former['status']}):",
        f"build {sig(streamed['build'])} s against {sig(former['build'])} s, numpy's peak (tracemalloc)",
        f"{sig(streamed['peak'])} MB against {sig(former['peak'])} MB, the process's peak memory (max RSS,",
        f"imports included) {sig(streamed['rss'])} MB against {sig(former['rss'])} MB; total",
        f"{sig(streamed['total'])} s with a {LIMIT:g} s solver limit.",
    )
    rows = [
        (
            label,
            r["stations"],
            r["status"],
            r["gap"],
            *(sig(r[key]) for key in ("build", "solve", "total", "peak", "rss")),
        )
        for label, r in found.items()
    ]
    table(
        "(d) Clustering a synthetic province: build streamed vs all at once (tracemalloc peak, process max RSS)",
        ("build", "stations", "status", "gap", "build s", "solve s", "total s", "peak MB", "max RSS MB"),
        rows,
        ("", ",", "", ".2%", "s", "s", "s", "s", "s"),
    )
    met = streamed["rss"] <= MEMORY_TARGET_MB
    return (
        f"clustering {stations:,} stations under 1 GB: **{'met' if met else 'missed'}** "
        f"({sig(streamed['rss'])} MB at the process's peak)"
    )


def captured(part: Callable[[], T]) -> tuple[T, str]:
    """What ``part`` returns and the Markdown it printed, so the lead can be printed first."""
    with contextlib.redirect_stdout(io.StringIO()) as out:
        found = part()
    return found, out.getvalue()


def main() -> None:
    if "--province" in sys.argv:  # one build of (d), in its own interpreter
        at = sys.argv.index("--province")
        with stdout_to_stderr():
            built = province_build(int(sys.argv[at + 1]), int(sys.argv[at + 2]))
        print(json.dumps(built))
        return
    (pmed_target, capacitated), optima_text = captured(optima)
    capacitated_more, generated_text = captured(generated)
    lead, coverage_text = captured(lambda: coverage([1, 3, 5] if QUICK else list(range(1, 11))))
    memory_target, province_text = captured(lambda: province(1_000 if QUICK else 3_000))
    paragraph(
        f"Like for like, {lead}. Targets: {pmed_target}; {capacitated_verdict(capacitated + capacitated_more)};",
        f"{memory_target}. Every solve has {LIMIT:g} s for the whole call, model building included.",
    )
    print(optima_text + generated_text + coverage_text + province_text, end="")


if __name__ == "__main__":
    main()
