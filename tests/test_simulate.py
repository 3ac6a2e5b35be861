"""Simulation: determinism, common random numbers, agreement with the hypercube."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from dispatch import (
    ClusterFirst,
    District,
    InputError,
    NearestFree,
    OwnStation,
    RoadNetwork,
    Station,
    Unit,
    Village,
    cluster,
)
from dispatch.demand import SECONDS_PER_YEAR, DemandModel, ServiceTime
from dispatch.hypercube import district_hypercube
from dispatch.simulate import compare, simulate

MONTH = 30 * 86_400.0
SERVICE = 4 * 3_600.0  # hours on scene against seconds of driving: travel barely adds to busy time


def test_the_same_seed_gives_identical_records(demo: District) -> None:
    plan = cluster(demo)
    first = simulate(demo, plan, ClusterFirst(), horizon=MONTH, seed=4, replications=2)
    second = simulate(demo, plan, ClusterFirst(), horizon=MONTH, seed=4, replications=2)
    for a, b in zip(first.runs, second.runs):
        for field in ("call", "dispatch", "arrival", "clear", "unit", "post", "reason", "busy"):
            assert np.array_equal(getattr(a, field), getattr(b, field), equal_nan=True), field


def test_policies_see_identical_calls(demo: District) -> None:
    before = simulate(demo, None, OwnStation(), horizon=MONTH, seed=8, replications=2)
    after = simulate(demo, cluster(demo), ClusterFirst(), horizon=MONTH, seed=8, replications=2)
    for a, b in zip(before.runs, after.runs):
        assert np.array_equal(a.call, b.call) and np.array_equal(a.priority, b.priority)
    assert not np.array_equal(before.runs[0].call, before.runs[1].call)  # replications differ


def test_every_record_is_in_time_order_and_every_call_is_served(demo: District) -> None:
    result = simulate(demo, None, NearestFree(), horizon=MONTH, seed=2)
    run = result.runs[0]
    assert (run.unit >= 0).all() and not run.lost.any()
    assert np.all(run.call <= run.dispatch) and np.all(run.dispatch <= run.arrival) and np.all(run.arrival <= run.clear)
    utilisation = result.utilisation()
    assert all(0 <= u.mean < 1 for u in utilisation.values())


def test_compare_reports_paired_differences(demo: District) -> None:
    result = compare(demo, cluster(demo), horizon=MONTH, seed=3, replications=3)
    metrics_before, metrics_after = result.before.metrics(), result.after.metrics()
    assert result.difference["mean"].mean == pytest.approx(metrics_after["mean"].mean - metrics_before["mean"].mean)
    assert metrics_before["cross-station"].mean == 0.0  # OwnStation never crosses stations
    assert "difference" in result.table().to_text()


def test_bad_settings_are_refused(tiny: District) -> None:
    with pytest.raises(InputError, match="horizon must be a positive number of seconds"):
        simulate(tiny, horizon=-1.0)
    with pytest.raises(InputError, match="replications must be at least 1"):
        simulate(tiny, replications=0)


def small_district(n_units: int) -> District:
    """A 5 x 5 grid of roads with tiny travel times, a unit at each of
    ``n_units`` stations and twelve villages."""
    positions = {(i, j): (100.0 * i, 100.0 * j) for i, j in itertools.product(range(5), range(5))}
    rng = np.random.default_rng(n_units)
    edges = []
    for (i, j), _ in positions.items():
        for neighbour in ((i + 1, j), (i, j + 1)):
            if neighbour in positions:
                t = float(rng.uniform(2.0, 10.0))
                edges += [((i, j), neighbour, t), (neighbour, (i, j), t)]
    roads = RoadNetwork.from_edges(edges, positions)
    cells = list(positions)
    chosen = rng.choice(len(cells), n_units + 12, replace=False)
    stations = [Station(id=f"s{k}", location=positions[cells[c]], officers=4) for k, c in enumerate(chosen[:n_units])]
    units = [Unit(id=f"s{k}-1", station=f"s{k}") for k in range(n_units)]
    rates = rng.uniform(0.5, 1.5, 12)
    offered = 0.5 * n_units  # half of the units busy on average
    rates *= offered / SERVICE * SECONDS_PER_YEAR / rates.sum()
    villages = [
        Village(id=f"v{k}", location=positions[cells[c]], incident_rate=float(r))
        for k, (c, r) in enumerate(zip(chosen[n_units:], rates))
    ]
    return District(name=f"small {n_units}", roads=roads, stations=stations, units=units, villages=villages)


@pytest.mark.parametrize(("n_units", "queue"), [(4, "loss"), (6, "loss"), (5, "infinite")])
def test_simulation_agrees_with_the_exact_hypercube(n_units: int, queue: str) -> None:
    """Exponential service and the nearest free unit: the simulated workloads,
    mean travel time and share of calls lost or queued fall within the
    simulation's 99 % confidence intervals of the exact hypercube's values.

    The hypercube's units wait at home; the simulated ones drive back, which takes
    seconds here against hours on scene. A queued call is served by the unit that
    frees first, from where it is in the simulation and from home in the model, so
    mean travel is compared for the loss system only.
    """
    district = small_district(n_units)
    demand = DemandModel(priorities={2: 1.0}, service=ServiceTime(kind="exponential", mean=SERVICE))
    result = simulate(
        district,
        None,
        NearestFree(),
        demand=demand,
        horizon=240 * 86_400.0,
        seed=11,
        replications=10,
        turnout=0.0,
        queue=queue == "infinite",
        confidence=0.99,
    )
    model = district_hypercube(district, service_time=SERVICE, turnout=0.0, queue=queue, method="exact")  # type: ignore[arg-type]
    for unit, workload in zip(result.unit_ids, model.workloads):
        interval = result.utilisation()[unit]
        assert interval.low <= workload <= interval.high, (unit, workload, interval)
    metrics = result.metrics()
    share = metrics["lost" if queue == "loss" else "queued"]
    assert share.low <= model.p_all_busy <= share.high
    if queue == "loss":
        assert metrics["mean travel"].low <= model.mean_travel <= metrics["mean travel"].high
