"""110 / CAD exports: times in every common form, calls matched to villages, and
demand fitted from them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from dispatch import District, InputError
from dispatch.evaluate.demand import SECONDS_PER_YEAR, DemandParams
from dispatch.evaluate.history import match_calls
from dispatch.io import read_calls
from dispatch.io.incidents import CHINA_TIME, parse_time

NOON = datetime(2024, 7, 1, 12, 0, tzinfo=CHINA_TIME).timestamp()


@pytest.mark.parametrize(
    "text",
    [
        "2024-07-01T12:00:00",  # ISO 8601 without a zone: China Standard Time
        "2024-07-01 12:00",
        "2024-07-01T04:00:00Z",  # UTC
        "2024-07-01T13:00:00+09:00",  # another zone
        "2024/7/1 12:00",  # as Excel shows dates in China
        "2024/07/01 12:00:00",
        "2024年7月1日 12:00:00",
        "2024年7月1日12时0分",
        "2024.7.1 12:00",
        "20240701120000",  # compact CAD form
    ],
)
def test_every_common_time_form_gives_the_same_moment(text: str) -> None:
    assert parse_time(text) == NOON


def test_excel_serial_dates_and_date_cells_give_the_same_moment() -> None:
    assert parse_time(45474.5, serial=True) == NOON  # 2024-07-01 12:00 as Excel counts days
    assert parse_time(datetime(2024, 7, 1, 12, 0)) == NOON  # a date cell without a zone
    assert parse_time(datetime(2024, 7, 1, 4, 0, tzinfo=timezone.utc)) == NOON


def test_naive_and_aware_times_mix_without_a_type_error(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text("time,village\n2024-07-01T12:00:00,a\n2024-07-01T05:00:00+01:00,a\n")
    calls = read_calls(path)
    assert (calls.time == NOON).all()


def test_every_bad_time_is_listed_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "警情.csv"
    rows = "".join(f"{'soon' if k in (3, 17, 40) else '2024/7/1 10:05'},v1\n" for k in range(50))
    path.write_text("报警时间,村\n" + rows, encoding="gbk")
    with pytest.raises(InputError) as caught:
        read_calls(path)
    message = str(caught.value)
    assert "3 bad value(s)" in message
    for row in (5, 19, 42):  # every one, not the first only
        assert f"row {row}, column '报警时间': 'soon' is not a time" in message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("time,village\n10,a\n2024/7/1 10:05,a\n", "times mix date-times and plain seconds"),  # two kinds of time
        ("time,village,valid\n10,a,maybe\n", r"row 2, column 'valid': 'maybe' is neither valid"),  # a bad flag
        ("time,village,priority\n10,a,0\n", r"row 2, column 'priority': '0' is not a priority"),  # priority 0
        ("time,village,arrival,clear\n10,a,100,50\n", "row 2: cleared before it was reached"),  # clear before arrival
        ("time,category\n10,x\n", "gives calls no place"),  # no location and no village
        ("village\na\n", "has no 'time' column"),  # no time
    ],
)
def test_bad_call_exports_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as caught:
        read_calls(path)
    assert "calls.csv" in str(caught.value)


def test_calls_match_villages_by_id_name_grid_or_distance_and_drops_are_counted(demo: District, tmp_path: Path) -> None:
    first, second = demo.villages[:2]
    far = (demo.roads.xy[:, 0].max() + 50_000, 0.0)
    near = (first.location[0] + 200, first.location[1])
    path = tmp_path / "calls.csv"
    path.write_text(
        "id,time,village,x,y,valid\n"
        f"c1,0,{first.id},,,是\n"  # by id
        f"c2,60,{second.name},,,是\n"  # by a unique name
        f"c3,120,,{near[0]},{near[1]},1\n"  # by distance: the nearest village
        f"c4,180,,{far[0]},{far[1]},\n"  # far from everything
        "c5,240,atlantis,,,\n"  # an unknown village
        "c6,300,,,,\n"  # no place at all
        f"c7,360,{first.id},,,否\n"  # marked invalid
    )
    history = match_calls(read_calls(path), demo)
    assert [history.village_ids[v] for v in history.village] == [first.id, second.id, first.id]
    counts = {reason: len(rows) for reason, rows in history.dropped.items()}
    assert counts == {
        "marked invalid": 1,
        "names no village of the district": 1,
        "gives no place": 1,
        "lies in no village grid and over 5,000 m from every village": 1,
    }
    assert "row 5" in history.dropped["lies in no village grid and over 5,000 m from every village"][0]
    assert history.table().rows[:2] == (("matched to a village", 3), ("dropped: gives no place", 1))


def test_a_grid_polygon_wins_over_the_nearest_village(demo: District) -> None:
    import shapely

    from dispatch.io.incidents import Calls

    first, second = demo.villages[:2]
    between = np.array([first.location])  # at the first village, but inside the second's grid
    calls = Calls(
        "calls",
        ("c",),
        np.zeros(1),
        False,
        between,
        (None,),
        (None,),
        np.zeros(1, dtype=np.int64),
        np.full(1, np.nan),
        np.full(1, np.nan),
        np.full(1, np.nan),
        ("row 2",),
    )
    grid = {second.id: shapely.Point(first.location).buffer(10)}
    assert match_calls(calls, demo, areas=grid).village.tolist() == [1]
    assert match_calls(calls, demo).village.tolist() == [0]


def test_demand_is_fitted_from_a_year_of_calls(demo: District, tmp_path: Path) -> None:
    stream = DemandParams(profile=tuple([1.0] * 8 + [3.0] * 16)).incidents(demo, SECONDS_PER_YEAR, seed=4)
    start = datetime(2024, 1, 1, tzinfo=CHINA_TIME)
    path = tmp_path / "110.csv"
    with path.open("w", encoding="utf-8-sig") as f:
        f.write("报警时间,村编号,优先级,到达时间,处置结束时间\n")
        for k in range(len(stream)):
            call = start + timedelta(seconds=float(stream.time[k]))
            clear = call + timedelta(seconds=600 + round(float(stream.service[k])))
            f.write(
                f"{call:%Y年%-m月%-d日 %H:%M:%S},{stream.village_ids[stream.village[k]]},{stream.priority[k]},"
                f"{call + timedelta(seconds=600):%Y/%m/%d %H:%M:%S},{clear:%Y/%m/%d %H:%M:%S}\n"
            )
    history = match_calls(read_calls(path), demo)
    assert len(history) == len(stream) and not history.dropped
    assert history.rates().sum() == pytest.approx(demo.incident_rates.sum(), rel=0.03)
    profile = np.array(history.profile())
    assert profile[:8].sum() == pytest.approx(8 / 56, abs=0.01)  # night hours a third as busy
    shares = history.priorities()
    assert (
        shares is not None and shares[1] == pytest.approx(0.1, abs=0.01) and shares[2] == pytest.approx(0.6, abs=0.02)
    )
    service = history.service()
    assert service is not None and np.mean(service.samples) == pytest.approx(2_700, rel=0.05)
    fitted = history.demand(DemandParams(priorities={1: 0.5, 2: 0.5}))
    assert fitted.priorities == {1: 0.5, 2: 0.5} and fitted.service.kind == "empirical"  # given settings win
    replay = history.stream()
    assert replay.time[0] == 0.0 and np.array_equal(np.diff(replay.time) >= 0, np.ones(len(replay) - 1, dtype=bool))
