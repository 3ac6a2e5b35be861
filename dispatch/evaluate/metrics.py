"""Response-time statistics shared by the simulator and the hypercube model.

Metric keys are plain identifiers with times in seconds: ``mean``, ``p50``,
``p90``, ``p95``, ``within_900`` (the share of calls reached within 900 s) and so
on; :func:`label` gives the words a person reads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..model import Queue as Queue

__all__ = ["TARGETS", "TIME_METRICS", "Estimate", "Queue", "estimate", "label", "response_metrics", "within"]

TARGETS = (900.0, 1_800.0)
"""Response-time targets (seconds) reported by default: 15 and 30 minutes."""

TIME_METRICS = frozenset({"mean", "p50", "p90", "p95", "mean_travel", "mean_wait"})
"""Metrics measured in seconds; the others are shares in [0, 1]."""


def within(target: float) -> str:
    """The key of the share of calls reached within ``target`` seconds."""
    return f"within_{target:g}"


def label(key: str) -> str:
    """The metric ``key`` in words, with its unit as shown (minutes or per cent)."""
    if key.startswith("within_"):
        return f"within {float(key.removeprefix('within_')) / 60:g} min (%)"
    return f"{key.replace('_', ' ')} ({'min' if key in TIME_METRICS else '%'})"


@dataclass(frozen=True)
class Estimate:
    """A mean over replications and its confidence interval (``nan`` bounds for a
    single replication)."""

    mean: float
    low: float
    high: float

    @property
    def half_width(self) -> float:
        """Half the width of the interval."""
        return (self.high - self.low) / 2

    def scaled(self, factor: float) -> Estimate:
        """The estimate in other units (``factor`` times each figure)."""
        return Estimate(self.mean * factor, self.low * factor, self.high * factor)

    def __format__(self, spec: str) -> str:
        if math.isnan(self.half_width):
            return format(self.mean, spec)
        return f"{format(self.mean, spec)} ± {format(self.half_width, spec)}"


def estimate(values: ArrayLike, confidence: float = 0.95) -> Estimate:
    """The mean of per-replication ``values`` with a Student-t interval.

    Examples
    --------
    >>> e = estimate([1.0, 2.0, 3.0])
    >>> round(e.mean, 3), round(e.half_width, 3)
    (2.0, 2.484)
    """
    array = np.asarray(values, dtype=np.float64)
    array = array[~np.isnan(array)]
    if len(array) == 0:
        return Estimate(math.nan, math.nan, math.nan)
    mean = float(array.mean())
    if len(array) < 2:
        return Estimate(mean, math.nan, math.nan)
    from scipy.special import stdtrit  # the t quantile, without importing scipy.stats

    half = float(stdtrit(len(array) - 1, 0.5 + confidence / 2) * array.std(ddof=1) / math.sqrt(len(array)))
    return Estimate(mean, mean - half, mean + half)


def response_metrics(response: ArrayLike, targets: Sequence[float] = TARGETS) -> dict[str, float]:
    """Mean, median, 90th and 95th percentile response time (seconds) and the share
    within each target, over the served calls (``nan`` entries are left out)."""
    times = np.asarray(response, dtype=np.float64)
    times = times[~np.isnan(times)]
    if not len(times):
        return {"mean": math.nan, "p50": math.nan, "p90": math.nan, "p95": math.nan} | {
            within(t): math.nan for t in targets
        }
    p50, p90, p95 = np.percentile(times, [50, 90, 95])
    found = {"mean": float(times.mean()), "p50": float(p50), "p90": float(p90), "p95": float(p95)}
    return found | {within(t): float((times <= t).mean()) for t in targets}
