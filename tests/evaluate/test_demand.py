"""Incident streams: seeded generation, profiles, replay from CSV, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dispatch import District, InputError, Village
from dispatch.evaluate.demand import SECONDS_PER_YEAR, DemandParams, ServiceParams
from dispatch.evaluate.history import read_incidents

YEAR = SECONDS_PER_YEAR


def test_the_same_seed_gives_the_same_calls(demo: District) -> None:
    first = DemandParams().incidents(demo, 30 * 86_400, seed=5)
    second = DemandParams().incidents(demo, 30 * 86_400, seed=5)
    other = DemandParams().incidents(demo, 30 * 86_400, seed=6)
    for field in ("time", "village", "priority", "service"):
        assert np.array_equal(getattr(first, field), getattr(second, field))
    assert not np.array_equal(first.time[:10], other.time[:10])


def test_a_year_of_calls_follows_the_village_rates(demo: District) -> None:
    stream = DemandParams().incidents(demo, YEAR, seed=1)
    assert len(stream) == pytest.approx(20_000, abs=4 * np.sqrt(20_000))
    assert np.all(np.diff(stream.time) >= 0) and stream.time[-1] < YEAR
    counts = np.bincount(stream.village, minlength=len(demo.villages))
    busiest = np.argmax(demo.incident_rates)
    assert counts[busiest] == pytest.approx(demo.incident_rates[busiest], abs=5 * np.sqrt(demo.incident_rates[busiest]))
    shares = np.bincount(stream.priority, minlength=4)[1:] / len(stream)
    assert shares == pytest.approx([0.1, 0.6, 0.3], abs=0.02)
    assert stream.service.mean() == pytest.approx(2_700, rel=0.05)


def test_a_time_of_day_profile_moves_calls_into_the_busy_hours(demo: District) -> None:
    night_and_day = tuple([0.0] * 12 + [1.0] * 12)  # calls only in the afternoon
    stream = DemandParams(profile=night_and_day).incidents(demo, 20 * 86_400, seed=2)
    hours = (stream.time // 3_600) % 24
    assert hours.min() >= 12
    assert len(stream) == pytest.approx(20 * 20_000 / 365, rel=0.1)  # the daily total is kept


@pytest.mark.parametrize("kind", ["exponential", "lognormal"])
def test_service_times_have_the_asked_mean(kind: str) -> None:
    times = ServiceParams(kind=kind, mean=1_800.0).draw(np.random.default_rng(0), 200_000)  # type: ignore[arg-type]
    assert times.mean() == pytest.approx(1_800.0, rel=0.01)


def test_empirical_service_times_come_from_the_samples() -> None:
    times = ServiceParams(kind="empirical", samples=(600.0, 1_200.0)).draw(np.random.default_rng(0), 100)
    assert set(times.tolist()) == {600.0, 1_200.0}


def test_calls_round_trip_through_csv(demo: District, tmp_path: Path) -> None:
    stream = DemandParams().incidents(demo, 5 * 86_400, seed=3)
    stream.to_csv(tmp_path / "calls.csv")
    again = read_incidents(tmp_path / "calls.csv", demo)
    for field in ("time", "village", "priority", "service"):
        assert np.array_equal(getattr(again, field), getattr(stream, field))


def test_iso_times_count_from_the_first_call_and_missing_service_is_drawn(tiny: District, tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text("time,village\n2023-05-01T08:00:00,yantang\n2023-05-01T08:30:00,shuishi-town\n")
    stream = read_incidents(path, tiny, service=ServiceParams(mean=600.0), seed=1)
    assert stream.time.tolist() == [0.0, 1_800.0]
    assert stream.priority.tolist() == [2, 2]
    assert (stream.service > 0).all()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("time,village\n10,atlantis\n", "row 2: names no village of the district"),  # unknown village
        ("time,village\nsoon,yantang\n", "row 2, column 'time': 'soon' is not a time"),  # malformed time
        ("time,village\n-5,yantang\n", "row 2, column 'time': '-5' is not a time"),  # negative time
        ("time,village,priority\n5,yantang,urgent\n", "row 2, column 'priority': 'urgent'"),  # bad priority
        ("time,village,service_time\n5,yantang,-1\n", "row 2, column 'service_time': '-1'"),  # negative service
        ("when,village\n5,yantang\n", "unknown column 'when'"),  # an unknown column instead of time
    ],
)
def test_bad_incident_files_are_named(tiny: District, tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_incidents(path, tiny)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"scale": -1.0}, "field 'scale'"),  # negative scale
        ({"profile": (1.0, 2.0)}, "24 hourly weights"),  # short profile
        ({"priorities": {1: 0.5, 2: 0.2}}, "must sum to 1"),  # shares not summing to one
        ({"service": {"kind": "empirical"}}, "needs samples"),  # empirical without samples
    ],
)
def test_bad_demand_models_are_named(fields: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        DemandParams(**fields)  # type: ignore[arg-type]


def test_negative_rates_and_empty_horizons_are_refused(tiny: District) -> None:
    with pytest.raises(InputError, match="field 'incident_rate'"):
        Village(id="v", location=(0, 0), incident_rate=-3.0)
    with pytest.raises(InputError, match="horizon must be a positive number of seconds"):
        DemandParams().incidents(tiny, 0.0, seed=1)
