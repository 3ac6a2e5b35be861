"""Bundled districts: the synthetic demo county and the Zhuoshui / Shuishi case."""

from __future__ import annotations

from importlib.resources import as_file, files

from ..district import District
from ..model import Station, StationKind, Unit, Village
from ..network.convert import from_edges

__all__ = ["demo_district", "zhuoshui_shuishi"]


def demo_district() -> District:
    """The synthetic mountain county: 25 rural stations (6 on the county line),
    about 27k road nodes, 320 villages with 20,000 incidents a year, partner
    stations across the boundary.

    Written by :func:`dispatch.datasets.generate.generate_demo`, which regenerates
    it exactly from its seed.
    """
    from ..io import read_district

    with as_file(files(__package__) / "demo") as folder:
        return read_district(folder)


def zhuoshui_shuishi() -> District:
    """The reported Yantang call, on a small synthetic road network.

    Zhuoshui (central) and Shuishi (base) stations have one unit each. By road,
    Zhuoshui -> Yantang village takes 2,000 s (over 30 min, over a mountain pass)
    and Shuishi -> Yantang 600 s (10 min). Yantang lies in Zhuoshui's
    jurisdiction. Only the travel times follow the report; the coordinates
    (local metres) are invented.
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
    return District(
        name="Zhuoshui and Shuishi (reported case)",
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
