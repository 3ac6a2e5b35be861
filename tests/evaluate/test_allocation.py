"""Allocation of extra units: the best allocation against brute force under the
exact hypercube model, the model's prediction against simulation, the rules kept,
and bad input."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import pytest

from dispatch import (
    ClusterParams,
    District,
    InfeasibleError,
    InputError,
    OfficersLeftWarning,
    Station,
    Unit,
    Village,
    cluster,
)
from dispatch.datasets import zhuoshui_shuishi
from dispatch.evaluate.allocation import AllocationParams, allocate, verify_allocation
from dispatch.evaluate.demand import SECONDS_PER_YEAR, DemandParams, ServiceParams
from dispatch.evaluate.queueing import HypercubeResult, district_hypercube
from dispatch.evaluate.simulation import SimulationParams
from dispatch.network.convert import from_edges
from dispatch.plan import ClusterPlan

SERVICE = 1_800.0


def grid_district(
    seed: int, n_stations: int, *, load: float = 0.4, service: float = SERVICE, block: float = 600.0
) -> District:
    """A 6 x 6 grid of two-way roads (``block / 10`` to ``block`` seconds a
    block), ``n_stations`` stations with one unit each and officers 3-8, twelve
    villages whose calls keep each unit busy ``load`` of the time with
    ``service`` seconds a call."""
    rng = np.random.default_rng(seed)
    cells = list(itertools.product(range(6), range(6)))
    positions = {c: (1_000.0 * c[0], 1_000.0 * c[1]) for c in cells}
    edges = []
    for i, j in cells:
        for neighbour in ((i + 1, j), (i, j + 1)):
            if neighbour in positions:
                t = float(rng.uniform(block / 10, block))
                edges += [((i, j), neighbour, t), (neighbour, (i, j), t)]
    chosen = rng.choice(len(cells), n_stations + 12, replace=False)
    stations = [
        Station(id=f"s{k}", location=positions[cells[c]], officers=int(rng.integers(3, 9)))
        for k, c in enumerate(chosen[:n_stations])
    ]
    rates = rng.uniform(0.2, 1.5, 12)
    rates *= load * n_stations / service * SECONDS_PER_YEAR / rates.sum()
    villages = [
        Village(id=f"v{k}", location=positions[cells[c]], incident_rate=float(r))
        for k, (c, r) in enumerate(zip(chosen[n_stations:], rates))
    ]
    return District(
        name=f"grid {seed}",
        roads=from_edges(edges, positions),
        stations=stations,
        units=[Unit(id=f"s{k}-1", station=f"s{k}") for k in range(n_stations)],
        villages=villages,
    )


def fleets(n_stations: int, budget: int, maximum: dict[int, int]) -> Iterator[tuple[int, ...]]:
    """Every way to add ``budget`` units to ``n_stations`` stations of one unit."""
    for added in itertools.combinations_with_replacement(range(n_stations), budget):
        counts = tuple(1 + added.count(s) for s in range(n_stations))
        if all(counts[s] <= m for s, m in maximum.items()):
            yield counts


def modelled(district: District, counts: tuple[int, ...], params: AllocationParams) -> tuple[HypercubeResult, float]:
    """The exact model of ``district`` with ``counts`` units a station, built as a
    new district, and its share of calls reached within the target at once
    (travel times from networkx-free road trees of the district itself)."""
    units = [Unit(id=f"{s.id}-{k}", station=s.id) for s, n in zip(district.stations, counts) for k in range(n)]
    fleet = district.replace(units=units)
    model = district_hypercube(fleet, service_time=SERVICE, turnout=params.turnout, queue=params.queue, method="exact")
    stations = [fleet.station_index[u.station] for u in units]
    travel = params.turnout + fleet.roads.travel_times(fleet.station_nodes[stations], fleet.village_nodes)
    return model, float((1 - model.p_all_busy) * model.dispatches[travel <= params.target].sum())


def strength_rule(plan: ClusterPlan, district: District, counts: tuple[int, ...], crew: int) -> bool:
    """Whether every central is at least as strong as its bases with ``counts``."""
    weights = plan.params.strength
    index = district.station_index
    strength = {
        s.id: weights.officers * (s.officers + crew * (counts[k] - 1)) + weights.units * counts[k]
        for k, s in enumerate(district.stations)
    }
    return all(strength[c.central] >= strength[b] for c in plan.clusters for b in c.bases if b in index)


CASES = [
    # seed, stations, budget, objective, queue, maximum, with the central rule (which, for
    # these seeds, rules out the best fleet without it); the larger ones are slow
    (1, 5, 2, "mean", "infinite", {}, False),
    (2, 6, 3, "mean", "loss", {0: 2}, False),
    (7, 6, 3, "mean", "infinite", {}, True),
    pytest.param(3, 8, 3, "within", "loss", {}, False, marks=pytest.mark.slow),
    pytest.param(4, 7, 3, "within", "infinite", {1: 1, 2: 2}, False, marks=pytest.mark.slow),
    pytest.param(19, 8, 2, "mean", "loss", {}, True, marks=pytest.mark.slow),
    pytest.param(22, 7, 3, "within", "infinite", {}, True, marks=pytest.mark.slow),
]


@pytest.mark.parametrize(("seed", "n", "budget", "objective", "queue", "maximum", "rule"), CASES)
def test_the_allocation_is_the_best_of_every_fleet_under_the_exact_model(
    seed: int, n: int, budget: int, objective: str, queue: str, maximum: dict[int, int], rule: bool
) -> None:
    district = grid_district(seed, n)
    plan = cluster(district, ClusterParams(centrals=("s0", "s1", "s2"), strong_with_weak=False)) if rule else None
    params = AllocationParams(
        units=budget,
        maximum={f"s{s}": m for s, m in maximum.items()},
        objective=objective,  # type: ignore[arg-type]
        target=900.0,
        service_time=SERVICE,
        queue=queue,  # type: ignore[arg-type]
        method="exact",
        central_rule=rule,
    )
    assert plan is None or strength_rule(plan, district, (1,) * n, params.officers_per_unit)
    scores = {}
    for counts in fleets(n, budget, maximum):
        if plan is not None and not strength_rule(plan, district, counts, params.officers_per_unit):
            continue
        model, share = modelled(district, counts, params)
        scores[counts] = model.mean_wait + model.mean_travel if objective == "mean" else -share
    best = min(scores.values())
    allocation = allocate(district, params, plan=plan)
    assert scores[allocation.after] == pytest.approx(best, rel=1e-9, abs=1e-12)
    sign = 1 if objective == "mean" else -1
    assert allocation.objective == pytest.approx(sign * best, rel=1e-9)
    assert sum(allocation.after) == n + budget and allocation.status == "feasible"
    assert sign * allocation.bound <= sign * allocation.objective + 1e-9  # nothing beats the bound
    curve = allocation.curve
    assert [step.number for step in curve] == list(range(1, budget + 1))
    assert curve[-1].objective == pytest.approx(allocation.objective)
    now, share_now = modelled(district, (1,) * n, params)
    before = now.mean_wait + now.mean_travel if objective == "mean" else share_now
    assert sum(step.gain for step in curve) == pytest.approx(allocation.objective - before)


def test_units_move_between_stations_when_allowed() -> None:
    """With two moves and no budget, the units go where the model says; the
    stations keep one unit each unless told otherwise."""
    district = grid_district(7, 4, load=0.2).replace(
        units=[Unit(id=f"s0-{k}", station="s0") for k in range(4)] + [Unit(id="s1-1", station="s1")]
    )
    params = AllocationParams(moves=2, service_time=SERVICE, method="exact")
    allocation = allocate(district, params)
    assert sum(allocation.removed.values()) <= 2 and sum(allocation.after) == 5
    assert all(n >= 1 for n in allocation.after[:2])
    assert allocation.objective < allocation.current["mean"]
    assert allocation.curve[0].number == 0  # the moves come first, then no unit is added
    moved = allocation.apply(district)
    assert sorted(u.id for u in moved.units) == sorted(u.id for u in district.units)  # moved units keep their ids


def test_the_allocated_district_has_the_new_units() -> None:
    district = zhuoshui_shuishi()
    allocation = allocate(district, AllocationParams(units=2, central_rule=False))
    added = allocation.apply(district)
    assert [u.id for u in added.units][2:] == [
        f"{s}-new{k}" for s, n in allocation.added.items() for k in range(1, n + 1)
    ]
    assert [len(added.units_of(s)) for s in allocation.stations] == list(allocation.after)


@pytest.mark.slow
def test_the_chosen_allocation_simulates_as_the_model_predicts() -> None:
    """Exponential service, a loss system and a minute of travel against hours on
    scene: each unit's simulated workload, the mean response and the share lost
    fall within the simulation's 99 % intervals of the exact model's values (a
    call keeps a unit for its time on scene and the model's mean travel).

    The model's units wait at their stations; the simulated ones drive back and
    may be sent from the road, which matters little when the drive is short."""
    service = 4 * 3_600.0
    district = grid_district(8, 5, load=0.5, service=service, block=60.0)
    demand = DemandParams(priorities={2: 1.0}, service=ServiceParams(kind="exponential", mean=service))
    params = AllocationParams(units=2, queue="loss", method="exact", turnout=0.0)
    allocation = allocate(district, params, demand=demand)
    settings = SimulationParams(horizon=240 * 86_400.0, seed=3, replications=10, confidence=0.99)
    check = verify_allocation(district, allocation, params=settings, demand=demand)
    for unit, (predicted, simulated) in check.workloads.items():
        assert simulated.low <= predicted <= simulated.high, (unit, predicted, simulated)
    for key in ("mean", "lost", "utilisation"):
        assert check.simulated[key].low <= check.predicted[key] <= check.simulated[key].high, key
    assert "predicted" in check.table().to_text()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"units": -1}, "field 'units'"),  # a negative budget
        ({"officers": -2}, "field 'officers'"),  # negative officers
        ({"units": 5, "officers": 8}, "units: 5 units need 10 officers .* more than the 8 officers available"),
        ({"minimum": {"s1": 3}, "maximum": {"s1": 2}}, r"minimum exceeds maximum for station 's1' \(3 > 2\)"),
        ({"minimum": {"s1": -1}}, "station 's1': -1 units"),  # a negative minimum
        ({"units": 10**12}, "field 'units'"),  # a budget no county has, which would run for ever
        ({"units": True}, "field 'units'"),  # true/false for a count
        ({"target": 0.0}, "field 'target'"),  # a target time of no time
        ({"target": -900.0}, "field 'target'"),  # a negative target time
        ({"busy": 1.0}, "field 'busy'"),  # units busy all the time
        ({"busy": -0.1}, "field 'busy'"),  # a share below zero
        ({"objective": "median"}, "field 'objective'"),  # an objective there is no model for
        ({"officers_per_unit": 0}, "field 'officers_per_unit'"),  # a unit with no crew
    ],
)
def test_bad_allocation_settings_name_the_field(fields: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        AllocationParams(**fields)  # type: ignore[arg-type]


def test_a_budget_in_officers_buys_whole_units() -> None:
    assert AllocationParams(officers=9, officers_per_unit=2).budget == 4
    assert AllocationParams(units=3, officers=6).budget == 3


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"minimum": {"atlantis": 1}}, InputError, r"field 'minimum' names stations .*: atlantis"),  # unknown
        ({"maximum": {"ghost": 1}}, InputError, "field 'maximum' names stations"),  # unknown station
        ({"central_rule": True}, InputError, "'central_rule' needs a plan"),  # a rule with no plan to keep
        ({"units": 1, "minimum": {"zhuoshui": 3}}, InfeasibleError, "zhuoshui: minimum 3, has 1"),  # over budget
        ({"maximum": {"shuishi": 0}}, InfeasibleError, "shuishi: maximum 0, has 1"),  # no moves to obey it
        ({"units": 2, "maximum": {"shuishi": 1, "zhuoshui": 2}}, InfeasibleError, "the maxima hold 3 units"),
    ],
)
def test_an_allocation_no_fleet_can_keep_is_named(fields: dict[str, object], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        allocate(zhuoshui_shuishi(), AllocationParams(**fields))  # type: ignore[arg-type]


def test_a_central_already_weaker_than_its_base_is_named() -> None:
    district = zhuoshui_shuishi()
    plan = cluster(district, ClusterParams(centrals=("zhuoshui",)))
    weak = district.replace(stations=[district.stations[0].replace(officers=1), district.stations[1]])
    with pytest.raises(InfeasibleError, match="central 'zhuoshui' and its base 'shuishi'"):
        allocate(weak, AllocationParams(units=1), plan=plan)


def test_the_central_stays_at_least_as_strong_as_its_base() -> None:
    """Shuishi's unit would help most, but Zhuoshui (8 officers, 1 unit) must
    stay as strong as Shuishi (4 officers, 1 unit): Shuishi may take two of three
    units only after Zhuoshui takes one."""
    district = zhuoshui_shuishi()
    plan = cluster(district, ClusterParams(centrals=("zhuoshui",)))
    for budget in (1, 2, 3):
        allocation = allocate(district, AllocationParams(units=budget, officers_per_unit=2), plan=plan)
        zhuoshui, shuishi = allocation.after
        assert 8 + 2 * (zhuoshui - 1) + 2 * zhuoshui >= 4 + 2 * (shuishi - 1) + 2 * shuishi


def test_officers_left_without_a_unit_are_reported() -> None:
    with pytest.warns(OfficersLeftWarning, match="3 officers make 1 unit"):
        allocation = allocate(zhuoshui_shuishi(), AllocationParams(officers=3, central_rule=False))
    assert sum(allocation.after) == 3
