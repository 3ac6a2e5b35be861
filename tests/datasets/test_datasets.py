"""The bundled districts: the demo county's shape, and its exact regeneration."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
import shapely

from dispatch import District
from dispatch.datasets import DEMO_EMERGENCY_UNITS, demo_district, zhuoshui_shuishi
from dispatch.datasets.generate import generate_demo
from dispatch.io import write_district


def test_the_demo_county_is_shaped_like_the_qianjiang_case(demo: District) -> None:
    assert len(demo.stations) == 25
    assert demo.boundary is not None
    to_line = shapely.distance(demo.boundary.exterior, shapely.points([s.location for s in demo.stations]))
    assert (to_line < 2_000).sum() == 6  # six stations on the county line
    assert all(3 <= s.officers <= 12 for s in demo.stations)
    assert 10_000 <= demo.roads.n_nodes <= 50_000
    assert 200 <= len(demo.villages) <= 500
    assert demo.incident_rates.sum() == pytest.approx(20_000, rel=0.01)
    assert len(demo.partners) >= 6
    assert all(not demo.boundary.contains(shapely.Point(p.location)) for p in demo.partners)
    assert demo.roads.main_component.all()  # every road reaches every other


def test_demo_roads_have_four_classes_of_rural_speed(demo: District) -> None:
    speed_kph = np.round(demo.roads.length / demo.roads.travel_time * 3.6)
    assert set(np.unique(speed_kph)) == {25.0, 40.0, 55.0, 70.0}


def test_the_generator_reproduces_the_bundled_files_byte_for_byte(tmp_path: Path) -> None:
    write_district(generate_demo(), tmp_path / "demo")
    bundled = files("dispatch.datasets") / "demo"
    for path in sorted((tmp_path / "demo").iterdir()):
        assert path.read_bytes() == (bundled / path.name).read_bytes(), path.name


def test_the_reported_case_has_the_reported_travel_times(tiny: District) -> None:
    times = tiny.roads.travel_times(tiny.station_nodes, tiny.village_nodes[[0]])
    zhuoshui, shuishi = times[:, 0]
    assert zhuoshui > 30 * 60
    assert abs(shuishi - 10 * 60) <= 60


def test_the_demo_with_emergency_units_only_adds_them(demo: District) -> None:
    variant = demo_district(with_emergency_units=True)
    for part in ("stations", "units", "villages", "partners"):  # the bundled county unchanged
        assert getattr(variant, part) == getattr(demo, part), part
    assert len(variant.emergency_units) == DEMO_EMERGENCY_UNITS
    villages = [variant.village_index[e.village] for e in variant.emergency_units]
    assert (variant.first_due.time[variant.village_nodes[villages]] > 1_800).all()  # remote villages
    assert all(e.availability == 0.5 and e.priorities == (2, 3) for e in variant.emergency_units)


def test_the_reported_case_may_have_yantangs_emergency_unit(tiny: District) -> None:
    case = zhuoshui_shuishi(with_emergency_unit=True)
    assert [(e.id, e.village) for e in case.emergency_units] == [("yantang-eu", "yantang")]
    assert (case.stations, case.units, case.villages) == (tiny.stations, tiny.units, tiny.villages)
