"""Words, tables, progress and the HTML report, in Chinese and English."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from dispatch import District, Unit
from dispatch.errors import InputError
from dispatch.evaluate.simulation import Comparison
from dispatch.plan.structure import ClusterPlan
from dispatch.progress import Progress
from dispatch.report.i18n import checked_language, metric_label, metric_meaning
from dispatch.report.progressbar import ProgressBar
from dispatch.report.summary import station_table, verdict
from dispatch.texttable import Table


def test_every_metric_has_chinese_words_and_a_meaning(demo_comparison: Comparison) -> None:
    for key in demo_comparison.difference:
        label = metric_label(key, "zh", unit=False)
        assert re.search(r"[\u4e00-\u9fff]", label), key
        assert metric_meaning(key, "zh") and metric_meaning(key, "en"), key


def test_an_unknown_language_is_refused_by_name() -> None:
    with pytest.raises(InputError, match="'fr'.*'zh'"):
        checked_language("fr")


def test_tables_align_chinese_by_display_width() -> None:
    text = Table("", ("派出所", "警情"), (("浊水", 1200), ("shuishi", 3)), ("", ",")).to_text()
    lines = text.splitlines()[1:]
    from wcwidth import wcswidth

    assert len({wcswidth(line) for line in lines}) == 1  # every line ends in the same column


def test_the_verdict_names_the_change_and_the_slowest_cluster(
    demo: District, demo_plan: ClusterPlan, demo_comparison: Comparison
) -> None:
    zh = verdict(demo, demo_plan, demo_comparison, "zh")
    assert zh.startswith("平均响应时间 ") and "个百分点" in zh and "中心所片区" in zh
    en = verdict(demo, demo_plan, demo_comparison, "en")
    slowest = en.split("the slowest cluster is ")[1].split("'s")[0]
    assert slowest in {demo.station(c.central).name for c in demo_plan.clusters}


def test_station_tables_show_names_and_chinese_kinds(
    demo: District, demo_plan: ClusterPlan, demo_comparison: Comparison
) -> None:
    table = station_table(demo, demo_plan, demo_comparison, "zh")
    assert table.columns[:3] == ("派出所", "类型", "所属中心所")
    assert {row[0] for row in table.rows} == {s.name for s in demo.stations}
    assert {row[1] for row in table.rows} == {"中心所", "基础所", "边界所"}


@pytest.mark.slow
def test_the_reform_report_is_one_page_in_chinese_with_its_font(
    demo: District, demo_plan: ClusterPlan, demo_comparison: Comparison, tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib")
    from dispatch.report.html import reform_report

    page = reform_report(demo, demo_plan, demo_comparison, tmp_path / "报告.html", language="zh").read_text()
    assert '<html lang="zh-CN">' in page and "@font-face{font-family:'Noto Sans SC'" in page
    body = page.split("<body>")[1]
    assert body.index('class="verdict"') < body.index("<table")  # the verdict comes first
    assert body.count("data:image/png;base64,") == 3
    assert "响应最慢的" in body and "指标说明" in body
    assert "http://" not in body and "https://" not in body  # nothing fetched when opened


def test_a_terminal_gets_one_redrawn_line_with_the_time_left() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, interactive=True)
    bar(Progress("simulating", 1, 4, elapsed=10.0))
    bar(Progress("simulating", 4, 4, elapsed=40.0))
    bar.close()
    frames = stream.getvalue().split("\r")
    assert "about 30 s left" in frames[1] and frames[2].endswith("4/4 40 s\n")


def test_a_log_gets_plain_lines_and_quiet_gets_nothing() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, interactive=False)
    bar.note("loading the district ...")
    for done in range(1, 101):
        bar(Progress("sweep", done, 100, elapsed=done * 0.01))
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()
    assert stream.getvalue().splitlines() == [
        "loading the district ...",
        "sweep: 1/100 (1 %), 0 s, about 1 s left",
        "sweep: 100/100 (100 %), 1 s",
    ]
    quiet = io.StringIO()
    ProgressBar(quiet, quiet=True)(Progress("sweep", 1, 2, elapsed=1.0))
    assert quiet.getvalue() == ""


def test_progress_speaks_chinese_with_the_solver_figures() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, interactive=False, language="zh", every=0.0)
    bar(Progress("simulating NearestFree", 1, 3, elapsed=70.0))
    bar(Progress("maximal covering", 2, 60, elapsed=2.0, detail="best 9, bound 10", best=9.0, bound=10.0))
    bar(Progress("p-median", 3, 60, elapsed=3.0, detail="best inf, bound 5", best=float("inf"), bound=5.0))
    bar(Progress("grids", 1, 1, elapsed=4_000.0, detail="a task with no Chinese name"))
    assert stream.getvalue().splitlines() == [
        "仿真 NearestFree: 1/3 (33 %), 已用 1 分 10 秒，约剩 2 分 20 秒",
        "求解最大覆盖模型: 2/60 (3 %), 已用 2 秒，约剩 58 秒；当前最优 9，界 10，差距 11.11%",
        "求解 p-中位模型: 3/60 (5 %), 已用 3 秒，约剩 57 秒；界 5",
        "grids: 1/1 (100 %), 已用 1 小时 06 分; a task with no Chinese name",
    ]


def test_sweep_chart_error_bars_are_paired_by_replication() -> None:
    from dispatch.experiment.sweep import Row
    from dispatch.report.summary import sweep_tables

    # Replication r shares its calls across the grid: its level moves both points alike.
    level = [600.0, 700.0, 800.0, 900.0]
    rows = [
        Row(f"k{k}", r, "s", {"plan.n_centrals": n}, {"metrics": metrics(level[r] + 30 * k + (r * k) % 3)})
        for k, n in enumerate((7, 9))
        for r in range(4)
    ]
    _, charts = sweep_tables(rows)
    ((parameter, points),) = charts
    assert parameter == "plan.n_centrals"
    first, second = sorted(points)
    assert first[3] == 0.0  # the line's first point is its own reference
    assert 0 < second[3] < 0.05  # minutes: the shared level cancels; unpaired it would be about 2 min


def metrics(mean: float) -> dict[str, float]:
    return {"mean": mean, "p90": 2 * mean, "within_1800": 0.9, "utilisation": 0.05}


def test_allocation_tables_name_stations_and_moves_in_chinese(tiny: District) -> None:
    from dispatch.evaluate.allocation import AllocationParams, allocate
    from dispatch.report.allocation import allocation_table, curve_table, prediction_table

    named = tiny.replace(
        stations=[s.replace(name={"zhuoshui": "浊水", "shuishi": "水市"}[s.id]) for s in tiny.stations]
    )
    crowded = named.replace(units=[*named.units, *(Unit(id=f"extra-{k}", station="zhuoshui") for k in range(3))])
    allocation = allocate(crowded, AllocationParams(units=1, moves=2, central_rule=False))
    curve = curve_table(crowded, allocation, "zh").to_text()
    assert "调动" in curve and "水市 (shuishi)" in curve  # moved units go to Shuishi first
    assert "新增警力配置" in allocation_table(crowded, allocation, "zh").to_text()
    assert "配置后" in prediction_table(allocation, "zh").to_text()
