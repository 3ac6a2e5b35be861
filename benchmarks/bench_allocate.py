"""Allocation of extra units: the cost of scoring one fleet, and the demo's 20 units.

(a) Scoring one allocation with Larson's approximation, 50 units x 1,000
    villages (a synthetic province of 50 stations, a unit each): the
    allocation's own path (atoms built once, then one model per fleet) against
    the bare ``hypercube`` call on the same travel matrix and against
    ``district_hypercube``, which rebuilds its inputs each time. One-off costs (travel tables, atoms) are shown.
    Wall and CPU seconds are both printed: the machine may be shared.
(b) Allocating 20 extra units over the 25-station demo county with the model in
    the loop (keeping the rule that a central is at least as strong as its bases,
    and again without it), then simulating, on the same calls, today's fleet, our
    allocations, MEXCLP's allocation (the search's proxy start) and "each unit to
    the busiest station" (the most calls a year per unit, in turn); neither of the
    last two knows the central rule. The model's policy, NearestFree, is
    simulated; differences are paired run by run, and the model's mean response
    of each fleet is shown beside.
(c) The same for the demo with four times the calls, where units are busy more
    often and where they go matters more.

Run: ``python benchmarks/bench_allocate.py``.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
from common import best_of

from dispatch import NearestFree, cluster
from dispatch.datasets import demo_district
from dispatch.datasets.synthetic import synthetic_province
from dispatch.district import District
from dispatch.evaluate.allocation import Allocation, AllocationParams, allocate
from dispatch.evaluate.atoms import DistrictAtoms
from dispatch.evaluate.demand import DemandParams
from dispatch.evaluate.fleetsearch import fleet_model
from dispatch.evaluate.metrics import Estimate, estimate, label
from dispatch.evaluate.queueing import district_hypercube, hypercube
from dispatch.evaluate.simulation import SimulationParams, simulate
from dispatch.model import Unit
from dispatch.operate.travel import TravelTables
from dispatch.plan import ClusterPlan
from dispatch.texttable import Table

SERVICE = 3_300.0  # seconds a call keeps a unit: 45 min on scene and about 10 min of travel
BUDGET = 20
SEED = 2023
METRICS = ("mean", "within_900", "within_1800")


def timed(run: object) -> tuple[float, float, object]:
    """Wall and CPU seconds of one call of ``run``, and its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()  # type: ignore[operator]
    return time.perf_counter() - wall, time.process_time() - cpu, result


def scoring() -> None:
    province = synthetic_province(50, seed=7, villages_per_station=20)
    units = np.ones(50, dtype=np.int64)  # a unit a station
    district = province.replace(units=[Unit(id=f"{s.id}-1", station=s.id) for s in province.stations])
    build_tables, _, tables = timed(lambda: TravelTables.for_district(district))
    build_atoms, _, atoms = timed(lambda: DistrictAtoms.of(district, tables=tables))
    assert isinstance(atoms, DistrictAtoms)
    rows = []
    ours, model = best_of(
        5, lambda: fleet_model(atoms, units, service_time=SERVICE, queue="infinite", method="approximate")
    )
    cpu = time.process_time()
    for _ in range(5):
        fleet_model(atoms, units, service_time=SERVICE, queue="infinite", method="approximate")
    ours_cpu = (time.process_time() - cpu) / 5
    travel = np.repeat(atoms.station_travel, units, axis=0)
    bare, _ = best_of(5, lambda: hypercube(atoms.rates, travel, mu=1 / SERVICE, queue="infinite", method="approximate"))
    whole, _ = best_of(
        3,
        lambda: district_hypercube(
            district, service_time=SERVICE, queue="infinite", method="approximate", tables=tables
        ),
    )
    verdict = "meets" if ours <= 0.020 else "misses"
    print(
        f"(a) Scoring one allocation, {int(units.sum())} units x {len(district.villages):,} villages with Larson's "
        f"approximation ({model.result.iterations} fixed-point steps), takes **{ours * 1e3:.1f} ms** (best of 5, wall; "
        f"{ours_cpu * 1e3:.1f} ms of CPU on average), which {verdict} the 20 ms target.\n"
    )
    rows = [
        ("one fleet scored (the allocation's path)", ours * 1e3, ours_cpu * 1e3, 1.0),
        ("bare `hypercube()` on the same travel matrix", bare * 1e3, None, bare / ours),
        ("`district_hypercube` (inputs rebuilt each time)", whole * 1e3, None, whole / ours),
        ("one-off: travel tables", build_tables * 1e3, None, None),
        ("one-off: atoms", build_atoms * 1e3, None, None),
    ]
    table = Table(
        "Scoring one allocation (best of 5)",
        ("", "wall ms", "CPU ms", "× ours"),
        tuple(rows),
        ("", ".1f", ".1f", ".2f"),
    )
    print(table.to_markdown(), end="\n\n")


def busiest(district: District, budget: int) -> tuple[int, ...]:
    """Each unit in turn to the station with the most calls a year per unit
    (its villages' calls over its units; ties to the first listed)."""
    calls = np.bincount(district.home_stations, weights=district.incident_rates, minlength=len(district.stations))
    counts = np.bincount(district.unit_posts[district.unit_posts < len(district.stations)], minlength=len(calls))
    for _ in range(budget):
        counts[int(np.argmax(calls / np.maximum(counts, 1e-9)))] += 1
    return tuple(counts.tolist())


def fleet_district(district: District, allocation: Allocation, counts: tuple[int, ...]) -> District:
    """``district`` with ``counts`` units a station, placed as an allocation would."""
    return dataclasses.replace(allocation, after=counts).apply(district)


def keeps_rule(district: District, plan: ClusterPlan, before: tuple[int, ...], after: tuple[int, ...]) -> bool:
    """Whether every central is at least as strong as each of its bases after the
    units (and their officers, two a unit) are added."""
    weights, index = plan.params.strength, district.station_index
    strength = [
        weights.officers * (s.officers + 2 * (a - b)) + weights.units * a
        for s, a, b in zip(district.stations, after, before)
    ]
    return all(strength[index[c.central]] >= strength[index[b]] for c in plan.clusters for b in c.bases)


def allocation_run(title: str, demand: DemandParams, settings: SimulationParams) -> None:
    demo = demo_district()
    plan = cluster(demo)
    tables = TravelTables.for_district(demo)
    tables.warm()
    found, seconds = {}, {}
    for rule in (True, False):
        params = AllocationParams(units=BUDGET, central_rule=rule)
        wall, cpu, result = timed(lambda p=params: allocate(demo, p, plan=plan, demand=demand, tables=tables))
        assert isinstance(result, Allocation)
        found[rule], seconds[rule] = result, (wall, cpu)
    allocation = found[True]
    fleets = {
        "today": allocation.before,
        "ours": allocation.after,
        "ours, no rule": found[False].after,
        "MEXCLP": allocation.mexclp,
        "busiest station": busiest(demo, BUDGET),
    }
    atoms = DistrictAtoms.of(demo, tables=tables, demand=demand)
    predicted = {
        name: fleet_model(
            atoms, np.array(counts), service_time=allocation.service_time, queue="infinite", method="approximate"
        ).mean_response
        / 60
        for name, counts in fleets.items()
    }
    simulated = {}
    for name, counts in fleets.items():
        district = fleet_district(demo, allocation, counts)
        simulated[name] = simulate(district, None, NearestFree(), params=settings, demand=demand, tables=tables)
    pairs = (
        ("ours", "MEXCLP"),
        ("ours", "busiest station"),
        ("ours, no rule", "MEXCLP"),
        ("ours, no rule", "busiest station"),
    )
    differences = {}
    for key in METRICS:
        factor = 1 / 60 if key == "mean" else 100
        for ours, other in pairs:
            mine = [run.metrics()[key] for run in simulated[ours].runs]
            theirs = [run.metrics()[key] for run in simulated[other].runs]
            differences[key, ours, other] = estimate(np.subtract(mine, theirs) * factor, settings.confidence)
    wall, cpu = seconds[True]
    busy = allocation.current["utilisation"]
    print(
        f"{title}: allocating {BUDGET} units over the {len(demo.stations)} stations (units {busy:.0%} busy today) "
        f"takes **{wall:.1f} s** (wall; {cpu:.1f} s of CPU, {allocation.evaluations} fleets scored) keeping the "
        f"central rule and {seconds[False][0]:.1f} s without it: the 30 s target is "
        f"{'met' if max(seconds[True][0], seconds[False][0]) <= 30 else 'missed'}. "
        + _verdict(differences, predicted)
        + "\n"
    )
    if title.startswith("(b)"):
        print(allocation.table().to_markdown(), end="\n\n")
    rows = []
    for key in METRICS:
        factor = 1 / 60 if key == "mean" else 100
        row = [label(key), *(simulated[name].metrics()[key].scaled(factor) for name in fleets)]
        rows.append(tuple(row + [differences[key, a, b] for a, b in pairs]))
    rows.append(("mean, the model (min)", *predicted.values(), *(predicted[a] - predicted[b] for a, b in pairs)))
    table = Table(
        f"{title}: each fleet simulated on the same calls ({settings.horizon / 86_400:g} days x "
        f"{settings.replications}, NearestFree); differences paired run by run",
        ("", *fleets, "ours − MEXCLP", "ours − busiest", "no rule − MEXCLP", "no rule − busiest"),
        tuple(rows),
        ("", *([".2f"] * (len(fleets) + len(pairs)))),
    )
    print(table.to_markdown(), end="\n\n")
    kept = [name for name, counts in fleets.items() if keeps_rule(demo, plan, allocation.before, counts)]
    print(f"Fleets that keep the central rule: {', '.join(kept)}.\n")


def _verdict(differences: dict[tuple[str, str, str], Estimate], predicted: dict[str, float]) -> str:
    """Whether our fleets beat the others in simulated mean response, in words."""

    def word(estimate: Estimate) -> str:
        if estimate.high < 0:
            return f"beats it by {-estimate.mean:.2f} ± {estimate.half_width:.2f} min"
        if estimate.low > 0:
            return f"loses to it by {estimate.mean:.2f} ± {estimate.half_width:.2f} min"
        return f"ties with it ({estimate.mean:+.2f} ± {estimate.half_width:.2f} min)"

    parts = [
        f"Under the same rules (no central rule, which neither MEXCLP nor the busiest-station rule knows) our "
        f"allocation's simulated mean response {word(differences['mean', 'ours, no rule', 'MEXCLP'])} against MEXCLP "
        f"and {word(differences['mean', 'ours, no rule', 'busiest station'])} against the busiest-station rule.",
        f"Keeping the central rule costs {predicted['ours'] - predicted['ours, no rule']:.2f} min by the model; with "
        f"it, ours {word(differences['mean', 'ours', 'MEXCLP'])} against MEXCLP and "
        f"{word(differences['mean', 'ours', 'busiest station'])} against the busiest-station rule, both of which "
        "break the rule.",
    ]
    return " ".join(parts)


def main() -> None:
    scoring()
    print()
    allocation_run("(b) The demo, 20 extra units", DemandParams(), SimulationParams(seed=SEED, replications=5))
    allocation_run(
        "(c) The demo with 4x the calls, 20 extra units",
        DemandParams(scale=4.0),
        SimulationParams(horizon=120 * 86_400.0, seed=SEED, replications=5),
    )


if __name__ == "__main__":
    main()
