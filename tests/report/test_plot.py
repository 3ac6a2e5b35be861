"""Figures: what each one draws, in Chinese and English, with every glyph."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import pytest

from dispatch import District
from dispatch.datasets import zhuoshui_shuishi
from dispatch.evaluate.simulation import Comparison, SimulationParams, compare
from dispatch.plan.clustering import cluster
from dispatch.plan.structure import ClusterPlan

if TYPE_CHECKING:
    from matplotlib.figure import Figure

pytest.importorskip("matplotlib")

from dispatch.report.plot import cluster_map, figure_png, response_cdf, response_map, sweep_chart


@pytest.fixture(scope="module")
def demo_map(demo: District, demo_plan: ClusterPlan) -> Figure:
    return cluster_map(demo, demo_plan)


def test_the_cluster_map_draws_stations_links_roads_villages_and_partners(
    demo: District, demo_plan: ClusterPlan, demo_map: Figure
) -> None:
    ax = demo_map.axes[0]
    labels = {text.get_text() for text in ax.get_legend().get_texts()}
    assert {"central station", "base station", "border station", "partner across the line", "county boundary"} <= labels
    assert {"local roads", "county roads", "provincial roads", "national roads", "villages"} <= labels
    links = sum(len(c.bases) for c in demo_plan.clusters)
    assert len([line for line in ax.get_lines() if line.get_linewidth() == 2.5]) == links
    names = {s.name for s in demo.stations}
    assert len([t for t in ax.texts if t.get_text() in names]) == 25  # every station labelled by name
    assert ax.get_xlabel() == "west-east (km)" and any(t.get_text() == "N" for t in ax.texts)  # km, north arrow
    assert any(t.get_text().endswith(" km") for t in ax.texts)  # the scale bar


def test_station_labels_do_not_overlap_each_other(demo: District, demo_map: Figure) -> None:
    ax = demo_map.axes[0]
    renderer = demo_map.canvas.get_renderer()
    names = {s.name for s in demo.stations}
    boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text() in names]
    overlapping = [(a, b) for k, a in enumerate(boxes) for b in boxes[k + 1 :] if a.overlaps(b)]
    assert len(overlapping) <= 1  # the demo's 25 labels find clear places (one pair may be unavoidable)


@pytest.fixture(scope="module")
def chinese_case() -> tuple[District, ClusterPlan, Comparison]:
    """The reported case with Chinese names, and a station id that looks like mathtext."""
    case = zhuoshui_shuishi()
    names = {"zhuoshui": "浊水派出所", "shuishi": "水市派出所"}
    case = case.replace(
        name="浊水与水市（报道的案例）$x_1$",
        stations=[s.replace(name=names[s.id]) for s in case.stations],
        villages=[v.replace(name="岩塘村") for v in case.villages],
    )
    plan = cluster(case)
    comparison = compare(case, plan, params=SimulationParams(horizon=20 * 86_400.0, seed=3, replications=3))
    return case, plan, comparison


def test_chinese_renders_in_every_figure_without_a_missing_glyph(
    chinese_case: tuple[District, ClusterPlan, Comparison],
) -> None:
    case, plan, comparison = chinese_case
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would fail here
        figures = [
            cluster_map(case, plan, language="zh"),
            response_map(case, comparison, plan, language="zh"),
            response_cdf({"改革前": comparison.before, "改革后": comparison.after}, language="zh"),
            sweep_chart([("甲", "", 14.0, 0.5), ("乙", "", 12.0, 0.4)], "方案", "平均响应时间", language="zh"),
        ]
        pngs = [figure_png(figure, "zh") for figure in figures]
    assert all(png.startswith(b"\x89PNG") for png in pngs)
    assert "浊水派出所" in {t.get_text() for t in figures[0].axes[0].texts}


def test_dollar_signs_in_names_are_drawn_as_written(chinese_case: tuple[District, ClusterPlan, Comparison]) -> None:
    case, plan, _ = chinese_case
    odd = case.replace(stations=[s.replace(name=f"${s.id}$ \\frac{{") for s in case.stations])
    figure = cluster_map(odd, plan, language="en")
    assert figure_png(figure).startswith(b"\x89PNG")  # no mathtext parse error
    assert "$zhuoshui$ \\frac{" in {t.get_text() for t in figure.axes[0].texts}


def test_the_response_map_colours_villages_before_and_after(
    demo: District, demo_plan: ClusterPlan, demo_comparison: Comparison
) -> None:
    figure = response_map(demo, demo_comparison, demo_plan, language="en")
    before, after = figure.axes[:2]
    assert (before.get_title(), after.get_title()) == ("before", "after")
    coloured = [c for c in after.collections if len(c.get_offsets()) == len(demo.villages)]
    assert coloured and coloured[0].get_array() is not None  # villages carry their response times
    legend = {t.get_text() for t in after.get_legend().get_texts()}
    assert {"within 15 min of a station", "within 30 min of a station"} <= legend


def test_the_response_curve_has_one_line_per_policy(demo_comparison: Comparison) -> None:
    ax = response_cdf({"a": demo_comparison.before, "b": demo_comparison.after}).axes[0]
    assert [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")] == ["a", "b"]


def test_sweep_charts_space_names_evenly() -> None:
    ax = sweep_chart([("own_station", "", 14.0, 0.5), ("cluster_first", "", 12.0, 0.4)], "policy.name", "mean").axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cluster_first", "own_station"]
