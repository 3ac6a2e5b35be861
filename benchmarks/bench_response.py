"""Response time: before/after the reform, and simulation throughput.

(a) The demo county before (OwnStation) and after (ClusterFirst with the plan) the
    reform, on the same calls: the figures planners ask for, with what they cost
    to compute (plan, travel tables, simulation).
(b) Throughput: dispatch's simulator against a SimPy model with networkx
    shortest paths (``simpy_baseline.py``) on the same calls, the first
    ``BASELINE_CALLS`` of a district-year (the baseline takes tens of
    milliseconds a call, so it is not run for the year). Both must send the same
    unit to every call. dispatch's one-off travel tables are counted in its
    total; the SimPy model starts from a networkx graph it is given.

The hypercube model's solve times are in ``bench_hypercube.py``.

Run: ``pip install -e '.[bench]'`` then ``python benchmarks/bench_response.py``.
"""

from __future__ import annotations

import time

from common import best_of, median_of, paragraph, progress, ratio, sig, table
from simpy_baseline import simulate_simpy

from dispatch import District, NearestFree, cluster
from dispatch.datasets import demo_district
from dispatch.evaluate.demand import DemandParams, IncidentStream
from dispatch.evaluate.simulation import SimulationParams, compare, simulate
from dispatch.network.convert import to_networkx
from dispatch.operate.travel import TravelTables

SEED = 2023
REPLICATIONS = 10
BASELINE_CALLS = 300
REPEAT = 3
TURNOUT = 60.0
TURNOUT_ONLY = SimulationParams(turnout=TURNOUT)


def travel_tables(district: District) -> TravelTables:
    """The tables a simulation uses: trees from every post and towards every village."""
    tables = TravelTables.for_district(district)
    tables.warm()
    return tables


def before_and_after(demo: District) -> None:
    progress("(a) before and after the reform")
    plan_seconds, plan = best_of(1, lambda: cluster(demo))
    tables_seconds, tables = best_of(1, lambda: travel_tables(demo))
    params = SimulationParams(seed=SEED, replications=REPLICATIONS)
    seconds, comparison = best_of(1, lambda: compare(demo, plan, params=params, tables=tables))
    calls = sum(len(run.call) for run in comparison.before.runs)
    paragraph(
        f"(a) {REPLICATIONS} simulated years of the demo county ({calls:,} calls) before and after the reform, on",
        "the same calls; ± is the 95 % half-width. Computing it took",
        f"{sig(plan_seconds + tables_seconds + seconds)} s: the plan {sig(plan_seconds)} s and the travel tables",
        f"{sig(tables_seconds)} s (one-off), then {sig(seconds)} s for the {2 * REPLICATIONS} simulated years.",
    )
    print(comparison.table().to_markdown(), end="\n\n")


def throughput(demo: District) -> None:
    progress("(b) throughput against SimPy + networkx")
    # The demo's rates give 20,000 calls a year on average; 5 % more makes sure a year holds at least that many.
    year = DemandParams(scale=1.05).incidents(demo, 365 * 86_400.0, seed=SEED)
    first = IncidentStream(
        year.village_ids,
        year.time[:BASELINE_CALLS],
        year.village[:BASELINE_CALLS],
        year.priority[:BASELINE_CALLS],
        year.service[:BASELINE_CALLS],
    )
    tables_seconds, tables = median_of(REPEAT, lambda: travel_tables(demo))

    def run(stream: IncidentStream) -> tuple[float, object]:
        return median_of(
            REPEAT, lambda: simulate(demo, None, NearestFree(), incidents=stream, params=TURNOUT_ONLY, tables=tables)
        )

    year_seconds, _ = run(year)
    prefix_seconds, prefix = run(first)
    graph = to_networkx(demo.roads)
    baseline, sent = median_of(REPEAT, lambda: simulate_simpy(demo, graph, year, BASELINE_CALLS, TURNOUT))
    units = prefix.unit_ids
    same = sum(units[u] == s for u, s in zip(prefix.runs[0].unit, sent))
    assert same == BASELINE_CALLS, f"the two simulations differ on {BASELINE_CALLS - same} calls"

    prefix_total, year_total = tables_seconds + prefix_seconds, tables_seconds + year_seconds
    paragraph(
        f"(b) Throughput, NearestFree with returning units dispatchable. On the same first {BASELINE_CALLS} calls",
        "of a district-year, a SimPy model with networkx shortest paths (`benchmarks/simpy_baseline.py`) takes",
        f"**{ratio(baseline / prefix_total)}** dispatch's time, dispatch's one-off travel tables included, and",
        f"{ratio(baseline / prefix_seconds)} its time after the tables. Both sent the same unit to every call.",
        f"Beside it, a projection: dispatch simulates the whole year ({len(year):,} calls, tables included) at",
        f"{ratio((len(year) / year_total) / (BASELINE_CALLS / baseline))} the baseline's rate on its",
        f"{BASELINE_CALLS} calls; the baseline was not run for the year (about",
        f"{sig(len(year) * baseline / BASELINE_CALLS / 60)} minutes at that rate).",
    )
    ours = ("dispatch", f"{BASELINE_CALLS:,}", sig(tables_seconds), sig(prefix_seconds), sig(prefix_total))
    simpy = ("SimPy + networkx", f"{BASELINE_CALLS:,}", "", sig(baseline), sig(baseline))
    whole = ("dispatch, the whole year", f"{len(year):,}", sig(tables_seconds), sig(year_seconds), sig(year_total))
    table(
        f"Simulation throughput (median of {REPEAT} runs each)",
        ("simulation", "calls", "one-off s (travel tables)", "calls s", "total s", "calls/s, total"),
        [
            (*ours, sig(BASELINE_CALLS / prefix_total)),
            (*simpy, sig(BASELINE_CALLS / baseline)),
            (*whole, sig(len(year) / year_total)),
        ],
        ("", "s", "s", "s", "s", "s"),
    )


def main() -> None:
    start = time.perf_counter()
    demo = demo_district()
    progress(f"demo county loaded in {time.perf_counter() - start:.1f} s")
    before_and_after(demo)
    throughput(demo)


if __name__ == "__main__":
    main()
