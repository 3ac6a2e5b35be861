"""Response-time statistics shared by the simulator and the hypercube model.

Metric keys are plain identifiers with times in seconds: ``mean``, ``p50``,
``p90``, ``p95``, ``within_900`` (the share of calls reached within 900 s) and so
on; :func:`label` gives the words a person reads.

Percentiles are Harrell-Davis estimates (a smooth weighting of every order
statistic), so that they move with the whole response distribution of a run
rather than sticking to one village's fixed travel time; their intervals are the
variation between runs. Share intervals are built on the logit scale and stay
within [0, 1].
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import IntervalWarning
from ..model import Queue as Queue

__all__ = [
    "TARGETS",
    "TIME_METRICS",
    "Estimate",
    "IntervalWarning",
    "Queue",
    "estimate",
    "label",
    "quantiles",
    "response_metrics",
    "within",
]

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


MIN_REPLICATIONS = 3
"""Fewer replications than this give an interval too wide or too unstable to read
(two runs: a Student-t factor of 12.7 at 95 %); one run gives none."""


@dataclass(frozen=True)
class Estimate:
    """A mean over replications and its confidence interval (``nan`` bounds for a
    single replication). Share intervals need not be symmetric."""

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
        if self.low == self.high:  # every run gave the same value: nothing to show
            return format(self.mean, spec)
        below, above = self.mean - self.low, self.high - self.mean
        if format(below, spec) == format(above, spec):
            half = format(self.half_width, spec)
            if float(half) == 0:  # narrower than the figures shown: one significant digit
                half = f"{self.half_width:.1g}"
            return f"{format(self.mean, spec)} ± {half}"
        return f"{format(self.mean, spec)} ({format(self.low, spec)}–{format(self.high, spec)})"


def estimate(
    values: ArrayLike, confidence: float = 0.95, *, share: bool = False, bounds: tuple[float, float] | None = None
) -> Estimate:
    """The mean of per-replication ``values`` with a Student-t interval.

    With ``share``, the values are shares in [0, 1] and the interval is built on
    the logit scale (the delta method), so it stays inside (0, 1); ``bounds``
    clips a plain interval (differences of shares lie in [-1, 1]). Two values
    give an interval with one degree of freedom: an :class:`IntervalWarning` says
    so.

    Examples
    --------
    >>> e = estimate([1.0, 2.0, 3.0])
    >>> round(e.mean, 3), round(e.half_width, 3)
    (2.0, 2.484)
    >>> s = estimate([0.97, 0.99, 0.995], share=True)
    >>> 0 < s.low < s.mean < s.high < 1
    True
    """
    array = np.asarray(values, dtype=np.float64)
    array = array[~np.isnan(array)]
    if len(array) == 0:
        return Estimate(math.nan, math.nan, math.nan)
    mean = float(array.mean())
    if len(array) < 2:
        return Estimate(mean, math.nan, math.nan)
    if len(array) < MIN_REPLICATIONS:
        warnings.warn(
            f"an interval from {len(array)} replications is not meaningful; run at least {MIN_REPLICATIONS}",
            IntervalWarning,
            stacklevel=2,
        )
    from scipy.special import stdtrit  # the t quantile, without importing scipy.stats

    t = float(stdtrit(len(array) - 1, 0.5 + confidence / 2))
    error = float(array.std(ddof=1) / math.sqrt(len(array)))
    if share:
        if not 0.0 < mean < 1.0:  # every run at 0 or at 1: nothing varies
            return Estimate(mean, mean, mean)
        logit = math.log(mean / (1 - mean))
        spread = t * error / (mean * (1 - mean))
        return Estimate(mean, 1 / (1 + math.exp(spread - logit)), 1 / (1 + math.exp(-spread - logit)))
    low, high = mean - t * error, mean + t * error
    if bounds is not None:
        low, high = max(low, bounds[0]), min(high, bounds[1])
    return Estimate(mean, low, high)


def quantiles(values: ArrayLike, q: Sequence[float]) -> NDArray[np.float64]:
    """Harrell-Davis estimates of the ``q`` quantiles (each in (0, 1)) of ``values``.

    Each is a weighted mean of all order statistics, weighted by a beta
    distribution centred on the quantile (Harrell & Davis 1982): it varies
    smoothly with the data, where the plain sample percentile jumps between (and
    sticks to) repeated values.

    Examples
    --------
    >>> quantiles([1.0, 2.0, 3.0, 4.0, 5.0], [0.5]).round(6).tolist()
    [3.0]
    """
    from scipy.special import betainc

    ordered = np.sort(np.asarray(values, dtype=np.float64))
    n = len(ordered)
    edges = np.arange(n + 1) / n
    found = []
    for p in q:
        a, b = p * (n + 1), (1 - p) * (n + 1)
        weights = np.diff(betainc(a, b, edges))
        found.append(float(weights @ ordered))
    return np.array(found)


def response_metrics(response: ArrayLike, targets: Sequence[float] = TARGETS) -> dict[str, float]:
    """Mean, median, 90th and 95th percentile response time (seconds) and the share
    within each target (``nan`` entries, lost calls, are left out).

    A call never answered is ``inf``: it counts against every percentile and
    share (a p90 is ``inf`` when over a tenth of the calls went unanswered); the
    mean is over the answered calls.

    Examples
    --------
    >>> found = response_metrics([60.0, 600.0, float("inf")], targets=(900.0,))
    >>> found["mean"], found["within_900"], found["p95"]
    (330.0, 0.6666666666666666, inf)
    """
    times = np.asarray(response, dtype=np.float64)
    times = times[~np.isnan(times)]
    answered = times[np.isfinite(times)]
    if not len(times):
        return {"mean": math.nan, "p50": math.nan, "p90": math.nan, "p95": math.nan} | {
            within(t): math.nan for t in targets
        }
    # a level q of all calls is the level q / (share answered) of the answered ones, or never reached
    share = len(answered) / len(times)
    p50, p90, p95 = (quantiles(answered, [q / share])[0] if q < share else math.inf for q in (0.5, 0.9, 0.95))
    mean = float(answered.mean()) if len(answered) else math.inf
    found = {"mean": mean, "p50": float(p50), "p90": float(p90), "p95": float(p95)}
    return found | {within(t): float((times <= t).mean()) for t in targets}
