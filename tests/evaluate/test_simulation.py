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
    Station,
    Unit,
    Village,
    cluster,
)
from dispatch.evaluate.demand import SECONDS_PER_YEAR, DemandParams, IncidentStream, ServiceParams
from dispatch.evaluate.queueing import district_hypercube
from dispatch.evaluate.simulation import SimulationParams, compare, simulate
from dispatch.network.convert import from_edges

MONTH = 30 * 86_400.0
TWO_MONTHS = SimulationParams(horizon=MONTH, seed=4, replications=2)
SERVICE = 4 * 3_600.0  # hours on scene against seconds of driving: travel barely adds to busy time


def test_the_same_seed_gives_identical_records(demo: District) -> None:
    plan = cluster(demo)
    first = simulate(demo, plan, ClusterFirst(), params=TWO_MONTHS)
    second = simulate(demo, plan, ClusterFirst(), params=TWO_MONTHS)
    for a, b in zip(first.runs, second.runs):
        for field in ("call", "dispatch", "arrival", "clear", "unit", "post", "reason", "busy"):
            left, right = getattr(a, field), getattr(b, field)
            assert np.array_equal(left, right, equal_nan=left.dtype.kind == "f"), field


def test_policies_see_identical_calls(demo: District) -> None:
    before = simulate(demo, None, OwnStation(), params=TWO_MONTHS)
    after = simulate(demo, cluster(demo), ClusterFirst(), params=TWO_MONTHS)
    for a, b in zip(before.runs, after.runs):
        assert np.array_equal(a.call, b.call) and np.array_equal(a.priority, b.priority)
    assert not np.array_equal(before.runs[0].call, before.runs[1].call)  # replications differ


def test_every_record_is_in_time_order_and_every_call_is_served(demo: District) -> None:
    result = simulate(demo, None, NearestFree(), params=SimulationParams(horizon=MONTH, seed=2))
    run = result.runs[0]
    assert (run.unit >= 0).all() and not run.lost.any()
    assert np.all(run.call <= run.dispatch) and np.all(run.dispatch <= run.arrival) and np.all(run.arrival <= run.clear)
    utilisation = result.utilisation()
    assert all(0 <= u.mean < 1 for u in utilisation.values())


def test_paired_differences_are_tighter_than_unpaired_ones(demo: District) -> None:
    """Both policies see the same calls, so run-to-run noise cancels in the
    difference: its interval is narrower than the two intervals combined."""
    result = compare(demo, cluster(demo), params=SimulationParams(horizon=MONTH, seed=3, replications=4))
    before, after = result.before.metrics()["mean"], result.after.metrics()["mean"]
    paired = result.difference["mean"]
    assert paired.half_width < (before.half_width**2 + after.half_width**2) ** 0.5
    assert result.before.metrics()["cross_station"].mean == 0.0  # OwnStation never crosses stations
    assert "difference" in result.table().to_text()


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"horizon": -1.0}, "horizon"),  # time runs forward
        ({"horizon": float("inf")}, "horizon"),  # a run must end
        ({"replications": 0}, "replications"),  # at least one run
        ({"queue": "infinte"}, "queue"),  # a misspelt queue is refused, not run as a loss system
        ({"horizon_days": 30, "horizon": 86_400.0}, "horizon"),  # one horizon, not two
    ],
)
def test_bad_settings_name_the_field(settings: dict[str, object], field: str) -> None:
    with pytest.raises(InputError, match=field):
        SimulationParams(**settings)  # type: ignore[arg-type]


def test_a_scenario_may_give_the_horizon_in_days() -> None:
    assert SimulationParams(horizon_days=30).horizon == MONTH  # type: ignore[call-arg]


def small_district(n_units: int, *, service: float = SERVICE) -> District:
    """A 5 x 5 grid of roads with tiny travel times, a unit at each of
    ``n_units`` stations and twelve villages, calls enough to keep half the units
    busy with ``service`` seconds a call."""
    positions = {(i, j): (100.0 * i, 100.0 * j) for i, j in itertools.product(range(5), range(5))}
    rng = np.random.default_rng(n_units)
    edges = []
    for (i, j), _ in positions.items():
        for neighbour in ((i + 1, j), (i, j + 1)):
            if neighbour in positions:
                t = float(rng.uniform(2.0, 10.0))
                edges += [((i, j), neighbour, t), (neighbour, (i, j), t)]
    roads = from_edges(edges, positions)
    cells = list(positions)
    chosen = rng.choice(len(cells), n_units + 12, replace=False)
    stations = [Station(id=f"s{k}", location=positions[cells[c]], officers=4) for k, c in enumerate(chosen[:n_units])]
    units = [Unit(id=f"s{k}-1", station=f"s{k}") for k in range(n_units)]
    rates = rng.uniform(0.5, 1.5, 12)
    offered = 0.5 * n_units  # half of the units busy on average
    rates *= offered / service * SECONDS_PER_YEAR / rates.sum()
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
    demand = DemandParams(priorities={2: 1.0}, service=ServiceParams(kind="exponential", mean=SERVICE))
    result = simulate(
        district,
        None,
        NearestFree(),
        demand=demand,
        params=SimulationParams(
            horizon=240 * 86_400.0, seed=11, replications=10, turnout=0.0, queue=queue, confidence=0.99
        ),  # type: ignore[arg-type]
    )
    model = district_hypercube(district, service_time=SERVICE, turnout=0.0, queue=queue, method="exact")  # type: ignore[arg-type]
    for unit, workload in zip(result.unit_ids, model.workloads):
        interval = result.utilisation()[unit]
        assert interval.low <= workload <= interval.high, (unit, workload, interval)
    metrics = result.metrics()
    share = metrics["lost" if queue == "loss" else "queued"]
    assert share.low <= model.p_all_busy <= share.high
    if queue == "loss":
        assert metrics["mean_travel"].low <= model.mean_travel <= metrics["mean_travel"].high


@pytest.mark.parametrize(("queue", "lost"), [("loss", True), ("infinite", False)])
def test_a_call_a_preempted_unit_drops_is_lost_in_a_loss_system(tiny: District, queue: str, lost: bool) -> None:
    """A routine call from Zhuoshui town, then an urgent one from Yantang that
    diverts Zhuoshui's only unit (Zhuoshui's own units only, preemption on). In a
    loss system the routine call is lost, never served later; with a queue it
    waits and is served once the unit is done."""
    calls = IncidentStream(
        village_ids=tiny.village_ids,
        time=np.array([0.0, 30.0]),
        village=np.array([tiny.village_ids.index("zhuoshui-town"), tiny.village_ids.index("yantang")]),
        priority=np.array([3, 1]),
        service=np.array([600.0, 600.0]),
    )
    params = SimulationParams(horizon=86_400.0, preemption=True, queue=queue)  # type: ignore[arg-type]
    run = simulate(tiny, None, OwnStation(), params=params, incidents=calls).runs[0]
    assert run.preempted == 1
    assert run.lost.tolist() == [lost, False]
    assert (run.unit[0] >= 0) is not lost and run.unit[1] == tiny.unit_index["zhuoshui-1"]
    if lost:
        assert np.isnan(run.dispatch[0]) and run.reason[0] == ""
    else:  # served once the urgent call is done: after its arrival and 600 s on scene
        assert run.dispatch[0] == run.clear[1]


def test_calls_never_answered_count_against_every_share_and_are_warned(tiny: District) -> None:
    from dispatch.evaluate.simulation import UnansweredCallsWarning

    no_units = tiny.replace(units=[u for u in tiny.units if u.station != "shuishi"])  # shuishi has no unit
    with pytest.warns(UnansweredCallsWarning, match=r"never answered \(calls of 'shuishi'\)"):
        result = simulate(no_units, None, OwnStation(), params=SimulationParams(horizon=30 * 86_400.0, seed=1))
    run = result.runs[0]
    metrics = run.metrics()
    assert metrics["unanswered"] == pytest.approx(run.unanswered.mean()) and metrics["unanswered"] > 0.1
    assert metrics["lost"] == 0.0  # not lost, and not silently left out:
    assert metrics["within_1800"] <= 1 - metrics["unanswered"] and metrics["p95"] == float("inf")
    assert np.isinf(run.response[run.unanswered]).all()
