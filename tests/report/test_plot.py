"""Figures: what each one draws."""

from __future__ import annotations

import pytest

from dispatch import District, cluster
from dispatch.evaluate.simulation import SimulationParams, simulate
from dispatch.report.plot import cluster_map, response_cdf, sweep_chart

pytest.importorskip("matplotlib")


def test_the_cluster_map_draws_stations_links_roads_and_partners(demo: District) -> None:
    plan = cluster(demo)
    figure = cluster_map(demo, plan)
    ax = figure.axes[0]
    labels = {text.get_text() for text in ax.get_legend().get_texts()}
    assert {"central station", "base station", "border station", "partner across the line", "county boundary"} <= labels
    assert {"local roads", "county roads", "provincial roads", "national roads"} <= labels
    links = sum(len(c.bases) for c in plan.clusters)
    assert len([line for line in ax.get_lines() if line.get_linewidth() == 2.5]) == links
    assert len([t for t in ax.texts if t.get_text() in demo.station_index]) == 25


def test_the_response_curve_has_one_line_per_policy(demo: District) -> None:
    result = simulate(demo, params=SimulationParams(horizon=5 * 86_400.0, seed=1))
    ax = response_cdf({"a": result, "b": result}).axes[0]
    assert [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")] == ["a", "b"]


def test_sweep_charts_space_names_evenly() -> None:
    ax = sweep_chart([("own_station", "", 14.0, 0.5), ("cluster_first", "", 12.0, 0.4)], "policy.name", "mean").axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cluster_first", "own_station"]
