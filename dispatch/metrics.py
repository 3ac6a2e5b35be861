"""Response-time statistics shared by the simulator and the hypercube model."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

__all__ = ["TARGETS", "Estimate", "estimate", "response_metrics"]

TARGETS = (900.0, 1_800.0)
"""Response-time targets (seconds) reported by default: 15 and 30 minutes."""


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

    def __format__(self, spec: str) -> str:
        if math.isnan(self.half_width):
            return format(self.mean, spec)
        return f"{format(self.mean, spec)} ± {format(self.half_width, spec)}"


def estimate(values: ArrayLike, confidence: float = 0.95) -> Estimate:
    """The mean of per-replication ``values`` with a Student-t interval."""
    array = np.asarray(values, dtype=np.float64)
    array = array[~np.isnan(array)]
    if len(array) == 0:
        return Estimate(math.nan, math.nan, math.nan)
    mean = float(array.mean())
    if len(array) < 2:
        return Estimate(mean, math.nan, math.nan)
    half = float(stats.t.ppf(0.5 + confidence / 2, len(array) - 1) * array.std(ddof=1) / math.sqrt(len(array)))
    return Estimate(mean, mean - half, mean + half)


def response_metrics(response: ArrayLike, targets: Sequence[float] = TARGETS) -> dict[str, float]:
    """Mean, median, 90th and 95th percentile response time (seconds) and the share
    within each target, over the served calls (``nan`` entries are left out)."""
    times = np.asarray(response, dtype=np.float64)
    times = times[~np.isnan(times)]
    if not len(times):
        return {"mean": math.nan, "p50": math.nan, "p90": math.nan, "p95": math.nan} | {
            f"within {t / 60:g} min": math.nan for t in targets
        }
    p50, p90, p95 = np.percentile(times, [50, 90, 95])
    found = {"mean": float(times.mean()), "p50": float(p50), "p90": float(p90), "p95": float(p95)}
    return found | {f"within {t / 60:g} min": float((times <= t).mean()) for t in targets}
