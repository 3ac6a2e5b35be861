"""Entities: validation at construction, frozen, validated replace."""

from __future__ import annotations

import math

import pytest

from dispatch import EmergencyUnit, Incident, Indicators, InputError, Station, StationKind, Village


def test_a_station_is_frozen_and_replace_validates() -> None:
    station = Station(id="zhuoshui", location=(0, 0), officers=8)
    with pytest.raises(ValueError, match="frozen"):
        station.officers = 9  # type: ignore[misc]
    assert station.replace(officers=9).officers == 9
    with pytest.raises(InputError, match=r"Station 'zhuoshui': field 'officers'"):
        station.replace(officers=-1)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"id": "s", "location": (0, 0), "officers": -1}, "field 'officers'"),  # negative officers
        ({"id": "", "location": (0, 0), "officers": 1}, "field 'id'"),  # empty id
        ({"id": "s", "location": (math.nan, 0), "officers": 1}, "coordinates must be finite"),  # NaN location
        ({"id": "s", "location": (0, 0), "officers": 1, "kind": "capital"}, "field 'kind'"),  # unknown kind
        ({"id": "s", "location": (0, 0), "officers": 1, "staff": 3}, "field 'staff'"),  # unknown field
        ({"id": "s", "officers": 1}, "field 'location': Field required"),  # missing location
    ],
)
def test_bad_station_fields_are_named(fields: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        Station(**fields)  # type: ignore[arg-type]


def test_every_bad_field_is_listed_at_once() -> None:
    with pytest.raises(InputError) as caught:
        Village(id="v", location=(0, 0), population=-5, incident_rate=-1.0)
    assert len(caught.value.problems) == 2


def test_indicators_are_read_by_name_including_extra_ones() -> None:
    indicators = Indicators(population=1_000, cases=12, other={"traffic_accidents": 4})
    assert indicators.value("population") == 1_000
    assert indicators.value("traffic_accidents") == 4
    with pytest.raises(InputError, match="unknown indicator 'petitions'; known: population"):
        indicators.value("petitions")


def test_an_incident_needs_a_village_or_a_location() -> None:
    with pytest.raises(InputError, match="give the incident a village or a location"):
        Incident(id="i1", time=10.0)
    assert Incident(id="i1", village="yantang").priority == 2


def test_station_kinds_are_strings() -> None:
    assert Station(id="s", location=(0, 0), officers=1, kind="border").kind is StationKind.BORDER


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"on_duty": (8 * 3_600.0, 8 * 3_600.0)}, "field 'on_duty'"),  # a window of no time
        ({"on_duty": (0.0, 90_000.0)}, "field 'on_duty'"),  # ends after midnight's 86,400 s
        ({"on_duty": (-1.0, 3_600.0)}, "field 'on_duty.0'"),  # starts before midnight
        ({"priorities": ()}, "field 'priorities'"),  # may take nothing
        ({"priorities": (2, 2)}, "field 'priorities'"),  # a priority twice
        ({"priorities": (0,)}, "field 'priorities.0'"),  # priorities start at 1
        ({"turnout": -30.0}, "field 'turnout'"),  # leaves before the call
        ({"reach": 0.0}, "field 'reach'"),  # reaches nowhere
        ({"village": ""}, "field 'village'"),  # based nowhere
    ],
)
def test_bad_emergency_unit_fields_are_named(fields: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=rf"EmergencyUnit 'e1': {message}"):
        EmergencyUnit(**({"id": "e1", "village": "v1"} | fields))  # type: ignore[arg-type]


def test_an_emergency_units_duty_may_run_past_midnight() -> None:
    day = EmergencyUnit(id="e1", village="v1", on_duty=(8 * 3_600.0, 20 * 3_600.0))
    night = day.replace(on_duty=(20 * 3_600.0, 6 * 3_600.0))
    assert day.availability == 0.5 and night.availability == pytest.approx(10 / 24)
    assert [day.on_duty_at(h * 3_600.0) for h in (7, 8, 19.99, 20, 32)] == [False, True, True, False, True]
    assert [night.on_duty_at(h * 3_600.0) for h in (5, 6, 19, 20, 23, 29)] == [True, False, False, True, True, True]
    assert EmergencyUnit(id="e2", village="v1").availability == 1.0  # on duty all day by default
