"""Estimates and their intervals: percentiles that move with the data, shares
that stay within [0, 100 %], and a warning when too few runs make an interval."""

from __future__ import annotations

import numpy as np
import pytest

from dispatch.evaluate.metrics import TIME_METRICS, IntervalWarning, estimate, quantiles
from dispatch.evaluate.simulation import Comparison


def test_the_p90_interval_is_not_zero_and_share_intervals_stay_within_0_and_100(demo_comparison: Comparison) -> None:
    for result in (demo_comparison.before, demo_comparison.after):
        metrics = result.metrics()
        assert len(result.runs) == 3
        assert metrics["p90"].half_width > 0  # no "± 0.0" from one village's fixed travel time
        for name, e in metrics.items():
            if name not in TIME_METRICS:
                assert 0 <= e.low <= e.mean <= e.high <= 1, name
    for name, e in demo_comparison.difference.items():
        if name not in TIME_METRICS:
            assert -1 <= e.low <= e.high <= 1, name


def test_harrell_davis_quantiles_agree_with_the_sample_quantile_on_continuous_data() -> None:
    values = np.random.default_rng(1).exponential(size=20_000)
    assert quantiles(values, [0.9])[0] == pytest.approx(np.log(10), rel=0.02)  # exponential p90 = ln 10


def test_a_share_interval_stays_inside_0_and_1_even_from_wild_runs() -> None:
    e = estimate([0.988, 0.9, 0.999, 0.95], share=True)
    assert 0 < e.low < e.mean < e.high < 1


def test_two_replications_warn_that_the_interval_means_little() -> None:
    with pytest.warns(IntervalWarning, match="2 replications"):
        estimate([1.0, 2.0])


def test_runs_that_all_agree_show_no_interval() -> None:
    assert format(estimate([0.0, 0.0, 0.0], share=True), ".1f") == "0.0"
