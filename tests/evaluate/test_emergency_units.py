"""Minimal emergency units in the simulator and the hypercube model: off-duty
hours, priorities, reach and own turnout; the model's day split into parts
against the model solved for each part, and against simulation."""

from __future__ import annotations

import numpy as np
import pytest

from dispatch import District, EmergencyUnit, NearestFree, OwnStation, Station, Unit
from dispatch.datasets import demo_district, zhuoshui_shuishi
from dispatch.evaluate.demand import SECONDS_PER_YEAR, DemandParams, IncidentStream, ServiceParams
from dispatch.evaluate.queueing import district_hypercube
from dispatch.evaluate.simulation import SimulationParams, simulate

from .test_simulation import small_district

HOUR = 3_600.0
SERVICE = 1_800.0  # half an hour on scene against hours of duty: the day's parts are each nearly steady


@pytest.fixture(scope="module")
def county() -> District:
    return demo_district(with_emergency_units=True)


def test_simulated_emergency_units_take_only_their_calls_on_duty_and_in_reach(county: District) -> None:
    params = SimulationParams(horizon=30 * 86_400.0, seed=5)
    run = simulate(county, None, NearestFree(), params=params).runs[0]
    again = simulate(county, None, NearestFree(), params=params).runs[0]
    assert np.array_equal(run.unit, again.unit) and np.array_equal(run.arrival, again.arrival, equal_nan=True)
    first = len(county.units)
    by_emergency = run.unit >= first
    assert by_emergency.sum() > 20
    assert set(run.reason[by_emergency]) == {"emergency unit"} and "emergency unit" not in set(
        run.reason[~by_emergency]
    )
    for k in np.flatnonzero(by_emergency).tolist():
        unit = county.emergency_units[run.unit[k] - first]
        assert unit.on_duty_at(run.dispatch[k]) and run.priority[k] in (2, 3)
        road = county.roads.travel_times(
            county.village_nodes[[county.village_index[unit.village]]], county.village_nodes[[run.village[k]]]
        )[0, 0]
        assert road <= 1_200.0
        assert run.arrival[k] - run.dispatch[k] == pytest.approx(120.0 + road)  # its own turnout, from its village


def test_a_call_waiting_at_dawn_is_sent_the_moment_the_unit_comes_on_duty() -> None:
    """Zhuoshui's only unit is busy in town from 07:00 for three hours; a routine
    call from Yantang at 07:30 waits (OwnStation) and goes to Yantang's unit at
    08:00 sharp."""
    district = zhuoshui_shuishi(with_emergency_unit=True)
    calls = IncidentStream(
        village_ids=district.village_ids,
        time=np.array([7 * HOUR, 7.5 * HOUR]),
        village=np.array([district.village_index["zhuoshui-town"], district.village_index["yantang"]]),
        priority=np.array([2, 2]),
        service=np.array([3 * HOUR, 600.0]),
    )
    run = simulate(district, None, OwnStation(), params=SimulationParams(horizon=86_400.0), incidents=calls).runs[0]
    assert run.dispatch[1] == 8 * HOUR and district.unit_ids[run.unit[1]] == "yantang-eu"
    assert run.arrival[1] == 8 * HOUR + 180.0


def with_village_unit(district: District, **fields: object) -> District:
    """``district`` with an emergency unit at its first village."""
    unit = EmergencyUnit(id="e1", village=district.villages[0].id, turnout=0.0, **fields)  # type: ignore[arg-type]
    return district.replace(emergency_units=[unit])


def test_an_unrestricted_emergency_unit_is_modelled_as_a_unit_at_its_village() -> None:
    district = small_district(4)
    village = district.villages[0]
    as_station = district.replace(
        stations=[*district.stations, Station(id="at-v0", location=village.location, officers=1)],
        units=[*district.units, Unit(id="at-v0-1", station="at-v0")],
    )
    expected = district_hypercube(as_station, service_time=SERVICE, turnout=0.0, method="exact")
    found = district_hypercube(with_village_unit(district), service_time=SERVICE, turnout=0.0, method="exact")
    assert found.workloads == pytest.approx(expected.workloads, rel=1e-9)
    assert found.mean_travel == pytest.approx(expected.mean_travel, rel=1e-9)
    assert found.dispatches == pytest.approx(expected.dispatches, rel=1e-9, abs=1e-15)


def test_a_unit_on_duty_part_of_the_day_weighs_the_models_with_and_without_it() -> None:
    district = small_district(4)
    settings = {"service_time": SERVICE, "turnout": 0.0, "method": "exact"}
    windowed = district_hypercube(with_village_unit(district, on_duty=(20 * HOUR, 2 * HOUR)), **settings)  # type: ignore[arg-type]
    on = district_hypercube(with_village_unit(district), **settings)  # type: ignore[arg-type]
    off = district_hypercube(district, **settings)  # type: ignore[arg-type]
    share = 0.25  # 20:00 to 02:00
    assert windowed.workloads == pytest.approx(share * on.workloads + (1 - share) * np.append(off.workloads, 0.0))
    assert windowed.p_all_busy == pytest.approx(share * on.p_all_busy + (1 - share) * off.p_all_busy)
    served = share * (1 - on.p_all_busy), (1 - share) * (1 - off.p_all_busy)
    travel = (served[0] * on.mean_travel + served[1] * off.mean_travel) / sum(served)
    assert windowed.mean_travel == pytest.approx(travel)


@pytest.mark.slow
def test_simulation_agrees_with_the_hypercube_with_emergency_units() -> None:
    """Four station units, a day unit for priority 2 only and a night unit with a
    15 s reach, exponential service, loss system: the station units' workloads,
    the share lost and the mean travel time fall within the simulation's 99 %
    intervals. The emergency units' workloads are within 5 %: the model treats
    each part of the day as steady, while a unit starts its duty free and finishes
    the call it holds when the duty ends (a percent or two here)."""
    district = small_district(4, service=SERVICE)
    units = [
        EmergencyUnit(id="day", village="v0", turnout=0.0, on_duty=(8 * HOUR, 20 * HOUR), priorities=(2,)),
        EmergencyUnit(id="night", village="v5", turnout=0.0, on_duty=(20 * HOUR, 6 * HOUR), reach=15.0),
    ]
    district = district.replace(emergency_units=units)
    shares = {1: 0.3, 2: 0.7}
    demand = DemandParams(priorities=shares, service=ServiceParams(kind="exponential", mean=SERVICE))
    params = SimulationParams(
        horizon=120 * 86_400.0, seed=11, replications=10, turnout=0.0, queue="loss", confidence=0.99
    )
    result = simulate(district, None, NearestFree(), demand=demand, params=params)
    model = district_hypercube(district, service_time=SERVICE, turnout=0.0, queue="loss", method="exact", demand=demand)
    utilisation = result.utilisation()
    for k, unit in enumerate(result.unit_ids):
        interval = utilisation[unit]
        if unit in ("day", "night"):
            assert model.workloads[k] == pytest.approx(interval.mean, rel=0.05), unit
        else:
            assert interval.low <= model.workloads[k] <= interval.high, (unit, model.workloads[k], interval)
    metrics = result.metrics()
    assert metrics["lost"].low <= model.p_all_busy <= metrics["lost"].high
    assert metrics["mean_travel"].low <= model.mean_travel <= metrics["mean_travel"].high


def test_the_model_takes_the_demands_scale() -> None:
    """With an infinite queue the units' workloads add up to the offered load:
    twice the calls, twice the load."""
    district = small_district(4)
    settings = {"service_time": SERVICE, "turnout": 0.0, "queue": "infinite", "method": "exact"}
    single = district_hypercube(district, **settings)  # type: ignore[arg-type]
    double = district_hypercube(district, demand=DemandParams(scale=2.0), **settings)  # type: ignore[arg-type]
    offered = district.incident_rates.sum() / SECONDS_PER_YEAR * SERVICE
    assert single.workloads.sum() == pytest.approx(offered) and double.workloads.sum() == pytest.approx(2 * offered)
