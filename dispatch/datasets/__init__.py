"""Bundled districts: the synthetic demo county and the Zhuoshui / Shuishi case."""

from __future__ import annotations

from importlib.resources import as_file, files

import numpy as np

from ..district import District
from ..model import EmergencyUnit, Station, StationKind, Unit, Village
from ..network.convert import from_edges

__all__ = ["DEMO_EMERGENCY_UNITS", "demo_district", "zhuoshui_shuishi"]

DEMO_EMERGENCY_UNITS = 6
"""Emergency units of the demo's variant: one in each of the busiest villages
more than 30 minutes by road from every station."""


def demo_district(*, with_emergency_units: bool = False) -> District:
    """The synthetic mountain county: 25 rural stations (6 on the county line),
    about 27k road nodes, 320 villages with 20,000 incidents a year, partner
    stations across the boundary.

    Written by :func:`dispatch.datasets.generate.generate_demo`, which regenerates
    it exactly from its seed. ``with_emergency_units`` adds
    :data:`DEMO_EMERGENCY_UNITS` minimal emergency units (最小应急处置单元), one in
    each of the busiest villages more than 30 minutes by road from every station:
    on duty 08:00-20:00, out in 2 minutes, for priority 2 and 3 calls within 20
    minutes of their village.

    Examples
    --------
    >>> county = demo_district(with_emergency_units=True)
    >>> len(county.units), [e.id for e in county.emergency_units][:2]
    (46, ['v291-eu', 'v188-eu'])
    """
    from ..io import read_district

    with as_file(files(__package__) / "demo") as folder:
        district = read_district(folder)
    if not with_emergency_units:
        return district
    remote = np.flatnonzero(district.first_due.time[district.village_nodes] > 1_800.0)
    busiest = remote[np.argsort(-district.incident_rates[remote], kind="stable")[:DEMO_EMERGENCY_UNITS]]
    units = [
        EmergencyUnit(
            id=f"{district.villages[i].id}-eu",
            village=district.villages[i].id,
            name=f"{district.villages[i].name} emergency unit",
            turnout=120.0,
            on_duty=(8 * 3_600.0, 20 * 3_600.0),
            priorities=(2, 3),
            reach=1_200.0,
        )
        for i in busiest.tolist()
    ]
    return district.replace(emergency_units=units)


def zhuoshui_shuishi(*, with_emergency_unit: bool = False) -> District:
    """The reported Yantang call, on a small synthetic road network.

    Zhuoshui (central) and Shuishi (base) stations have one unit each. By road,
    Zhuoshui -> Yantang village takes 2,000 s (over 30 min, over a mountain pass)
    and Shuishi -> Yantang 600 s (10 min). Yantang lies in Zhuoshui's
    jurisdiction. Only the travel times follow the report; the coordinates
    (local metres) are invented. ``with_emergency_unit`` adds Yantang's minimal
    emergency unit ``yantang-eu``: on duty 08:00-20:00, out in 3 minutes, for
    priority 2 and 3 calls within 15 minutes of Yantang.
    """
    positions = {
        "zhuoshui": (0.0, 0.0),
        "zhuoshui-town": (1_500.0, -500.0),
        "pass": (3_000.0, 7_000.0),
        "yantang": (6_000.0, 11_000.0),
        "shuishi": (11_000.0, 4_000.0),
        "shuishi-town": (12_000.0, 3_000.0),
    }
    roads = from_edges(
        [
            ("zhuoshui", "zhuoshui-town", 120.0),
            ("zhuoshui", "pass", 1_200.0),
            ("pass", "yantang", 800.0),
            ("zhuoshui", "shuishi", 1_500.0),
            ("shuishi", "yantang", 600.0),
            ("shuishi", "shuishi-town", 90.0),
        ],
        positions,
        bidirectional=True,
    )
    emergency = EmergencyUnit(
        id="yantang-eu",
        village="yantang",
        name="Yantang emergency unit",
        turnout=180.0,
        on_duty=(8 * 3_600.0, 20 * 3_600.0),
        priorities=(2, 3),
        reach=900.0,
    )
    return District(
        name="Zhuoshui and Shuishi (reported case)",
        emergency_units=[emergency] if with_emergency_unit else [],
        roads=roads,
        stations=[
            Station(
                id="zhuoshui",
                name="Zhuoshui",
                kind=StationKind.CENTRAL,
                location=positions["zhuoshui"],
                officers=8,
            ),
            Station(id="shuishi", name="Shuishi", kind=StationKind.BASE, location=positions["shuishi"], officers=4),
        ],
        units=[Unit(id="zhuoshui-1", station="zhuoshui"), Unit(id="shuishi-1", station="shuishi")],
        villages=[
            Village(
                id="yantang",
                name="Yantang",
                location=positions["yantang"],
                population=900,
                incident_rate=40.0,
                station="zhuoshui",
            ),
            Village(
                id="zhuoshui-town",
                name="Zhuoshui town",
                location=positions["zhuoshui-town"],
                population=4_000,
                incident_rate=160.0,
                station="zhuoshui",
            ),
            Village(
                id="shuishi-town",
                name="Shuishi town",
                location=positions["shuishi-town"],
                population=2_500,
                incident_rate=100.0,
                station="shuishi",
            ),
        ],
    )
