"""Bad entities and districts: stations, units, villages, partners, incidents,
indicators, and the District that checks them together."""

from __future__ import annotations

import math
from typing import Any

import pytest
from shapely.geometry import Polygon, box

from dispatch import District, Incident, Indicators, InputError, Partner, Station, Unit, Village

from .framework import Bad, Kit, cases, check

nan, inf = math.nan, math.inf
BOWTIE = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])  # crosses itself


def station(**changes: Any) -> Station:
    return Station(**{"id": "s", "location": (0.0, 0.0), "officers": 3, **changes})


def village(**changes: Any) -> Village:
    return Village(**{"id": "v", "location": (0.0, 0.0), **changes})


def partner(**changes: Any) -> Partner:
    return Partner(**{"id": "p", "location": (0.0, 0.0), "stations": ("s",), **changes})


def incident(**changes: Any) -> Incident:
    return Incident(**{"id": "c", "village": "v", **changes})


def district(k: Kit, **changes: Any) -> District:
    return k.tiny.replace(**changes)


def more(k: Kit, field: str, *items: Any) -> District:
    """The tiny district with ``items`` added to ``field``."""
    return k.tiny.replace(**{field: (*getattr(k.tiny, field), *items)})


CASES = [
    # Station
    Bad(lambda k: station(id=""), InputError, "field 'id'"),  # an empty id
    Bad(lambda k: station(id="   "), InputError, "field 'id'"),  # an id of blanks only
    Bad(lambda k: station(id=3), InputError, "field 'id'"),  # a number where an id (text) belongs
    Bad(lambda k: station(id=None), InputError, "field 'id'"),  # no id at all
    Bad(lambda k: station(officers=-1), InputError, "field 'officers'"),  # negative officers
    Bad(lambda k: station(officers=True), InputError, "field 'officers'"),  # a boolean is no count of officers
    Bad(lambda k: station(officers=2.5), InputError, "field 'officers'"),  # half an officer
    Bad(lambda k: station(officers="many"), InputError, "field 'officers'"),  # text for a count
    Bad(lambda k: station(officers=nan), InputError, "field 'officers'"),  # NaN officers
    Bad(lambda k: station(location=(nan, 0.0)), InputError, "field 'location'"),  # NaN x
    Bad(lambda k: station(location=(0.0, inf)), InputError, "field 'location'"),  # infinite y
    Bad(lambda k: station(location=(1.0,)), InputError, "field 'location"),  # one coordinate
    Bad(lambda k: station(location=(1.0, 2.0, 3.0)), InputError, "field 'location'"),  # three coordinates
    Bad(lambda k: station(location="here"), InputError, "field 'location'"),  # text for a point
    Bad(lambda k: station(location=(True, False)), InputError, "field 'location'"),  # booleans for coordinates
    Bad(lambda k: station(kind="capital"), InputError, "field 'kind'"),  # a kind that does not exist
    Bad(lambda k: station(colour="red"), InputError, "field 'colour'"),  # a field that does not exist
    Bad(lambda k: station(name=5), InputError, "field 'name'"),  # a number for a name
    Bad(lambda k: station(indicators={"population": -5}), InputError, "indicators.population"),  # negative people
    Bad(lambda k: station(indicators={"cases": nan}), InputError, "indicators.cases"),  # NaN cases
    Bad(lambda k: station(indicators={"other": {"roads": inf}}), InputError, "indicators.other.roads"),  # inf extra
    Bad(lambda k: station(indicators={"population": True}), InputError, "indicators.population"),  # bool for people
    Bad(lambda k: station(indicators={"floods": 3}), InputError, "indicators.floods"),  # unknown indicator field
    Bad(lambda k: Indicators().value("floods"), InputError, "floods"),  # asking for an unknown indicator
    Bad(lambda k: Indicators(disputes=-0.5), InputError, "field 'disputes'"),  # negative disputes
    # Unit
    Bad(lambda k: Unit(id="", station="s"), InputError, "field 'id'"),  # an empty unit id
    Bad(lambda k: Unit(id="u", station=""), InputError, "field 'station'"),  # an empty station id
    Bad(lambda k: Unit(id="u"), InputError, "field 'station'"),  # a unit without a station
    Bad(lambda k: Unit(id="u", station="s", crew=2), InputError, "field 'crew'"),  # unknown field
    # Village
    Bad(lambda k: village(population=-1), InputError, "field 'population'"),  # negative population
    Bad(lambda k: village(population=True), InputError, "field 'population'"),  # boolean population
    Bad(lambda k: village(population=1.5), InputError, "field 'population'"),  # a fraction of a person
    Bad(lambda k: village(incident_rate=-2.0), InputError, "field 'incident_rate'"),  # negative rate
    Bad(lambda k: village(incident_rate=inf), InputError, "field 'incident_rate'"),  # infinite rate
    Bad(lambda k: village(incident_rate=nan), InputError, "field 'incident_rate'"),  # NaN rate
    Bad(lambda k: village(station=""), InputError, "field 'station'"),  # an empty home station
    Bad(lambda k: village(location=(0.0, nan)), InputError, "field 'location'"),  # NaN location
    # Partner
    Bad(lambda k: partner(stations=()), InputError, "field 'stations'"),  # a partner of no station
    Bad(lambda k: partner(stations=("",)), InputError, "stations.0"),  # an empty station id
    Bad(lambda k: partner(stations="s"), InputError, "field 'stations'"),  # text, not a list of ids
    Bad(lambda k: partner(location=(inf, 0.0)), InputError, "field 'location'"),  # infinite location
    # Incident
    Bad(lambda k: Incident(id="c"), InputError, "village or a location"),  # nowhere
    Bad(lambda k: incident(priority=0), InputError, "field 'priority'"),  # priority 0 (1 is the most urgent)
    Bad(lambda k: incident(priority=-3), InputError, "field 'priority'"),  # negative priority
    Bad(lambda k: incident(priority=True), InputError, "field 'priority'"),  # boolean priority
    Bad(lambda k: incident(priority=1.5), InputError, "field 'priority'"),  # fractional priority
    Bad(lambda k: incident(time=-1.0), InputError, "field 'time'"),  # before time zero
    Bad(lambda k: incident(time=nan), InputError, "field 'time'"),  # NaN time
    Bad(lambda k: incident(time=inf), InputError, "field 'time'"),  # infinite time
    Bad(lambda k: incident(location=(nan, nan)), InputError, "field 'location'"),  # NaN location
    Bad(lambda k: incident(id=""), InputError, "field 'id'"),  # an empty incident id
    # District: references and ids
    Bad(lambda k: district(k, stations=()), InputError, "field 'stations'"),  # no stations
    Bad(lambda k: district(k, name=None), InputError, "field 'name'"),  # no name
    Bad(lambda k: district(k, max_snap_distance=0), InputError, "max_snap_distance"),  # nothing may snap
    Bad(lambda k: district(k, max_snap_distance=-5.0), InputError, "max_snap_distance"),  # negative distance
    Bad(lambda k: district(k, roads="roads.csv"), InputError, "field 'roads'"),  # a file name for a network
    Bad(lambda k: more(k, "stations", station(id="zhuoshui")), InputError, "'zhuoshui' is used 2 times"),  # same id
    Bad(lambda k: more(k, "units", Unit(id="zhuoshui-1", station="shuishi")), InputError, "'zhuoshui-1'"),  # same unit
    Bad(lambda k: more(k, "villages", village(id="yantang")), InputError, "'yantang' is used 2 times"),  # same village
    Bad(lambda k: more(k, "units", Unit(id="u9", station="nowhere")), InputError, "'nowhere'"),  # unknown station
    Bad(lambda k: more(k, "villages", village(station="nowhere")), InputError, "'nowhere'"),  # unknown home station
    Bad(lambda k: more(k, "partners", partner(stations=("nowhere",))), InputError, "'nowhere'"),  # unknown partner
    Bad(
        lambda k: more(k, "partners", partner(id="zhuoshui", stations=("shuishi",))), InputError, "'zhuoshui'"
    ),  # clash
    Bad(lambda k: more(k, "stations", station(id="far", location=(9e6, 9e6))), InputError, "station 'far'"),  # far away
    Bad(
        lambda k: more(k, "villages", village(id="far", location=(-9e6, 0.0))), InputError, "village 'far'"
    ),  # far away
    Bad(lambda k: district(k, jurisdictions={"nowhere": box(0, 0, 1, 1)}), InputError, "'nowhere'"),  # unknown owner
    # District: polygons
    Bad(lambda k: district(k, jurisdictions={"zhuoshui": BOWTIE}), InputError, "station 'zhuoshui'"),  # self-crossing
    Bad(lambda k: district(k, jurisdictions={"zhuoshui": Polygon()}), InputError, "station 'zhuoshui'"),  # empty
    # two stations claim the same ground
    Bad(
        lambda k: district(k, jurisdictions={"zhuoshui": box(0, 0, 10, 10), "shuishi": box(5, 5, 20, 20)}),
        InputError,
        "'zhuoshui' and 'shuishi' overlap",
    ),  # two stations claim the same ground
    # one jurisdiction inside another
    Bad(
        lambda k: district(k, jurisdictions={"zhuoshui": box(0, 0, 10, 10), "shuishi": box(2, 2, 8, 8)}),
        InputError,
        "'zhuoshui' and 'shuishi' overlap",
    ),  # one jurisdiction inside another
    Bad(lambda k: district(k, boundary=BOWTIE), InputError, "the boundary"),  # a self-crossing boundary
    Bad(lambda k: district(k, boundary="county"), InputError, "field 'boundary"),  # text for a polygon
    Bad(lambda k: district(k, jurisdictions={"zhuoshui": "area"}), InputError, "jurisdictions.zhuoshui"),  # text
    # District: lookups
    Bad(lambda k: k.tiny.station("nowhere"), InputError, "'nowhere'"),  # an unknown station
    Bad(lambda k: k.tiny.locate(incident(village="nowhere")), InputError, "'nowhere'"),  # an unknown village
    Bad(lambda k: k.tiny.locate(incident(village=None, location=(9e6, 0.0))), InputError, "incident 'c'"),  # far off
]


@pytest.mark.parametrize("case", cases(CASES))
def test_bad_entities_and_districts_are_refused_by_name(
    case: Bad, kit: Kit, capsys: pytest.CaptureFixture[str]
) -> None:
    check(case, kit, capsys)
