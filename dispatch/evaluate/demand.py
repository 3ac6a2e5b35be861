"""Incident streams: generated from village incident rates (replayed from files
in :mod:`~dispatch.evaluate.history`).

A stream is plain arrays (call time, village, priority, on-scene service time), so
two policies can be simulated on exactly the same incidents.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator
from typing_extensions import Self

from ..district import District
from ..errors import InputError
from ..io.files import atomic_write
from ..model import Frozen, Incident

__all__ = ["MAX_CALLS", "SECONDS_PER_YEAR", "DemandParams", "IncidentStream", "ServiceParams"]

SECONDS_PER_YEAR = 365.0 * 86_400.0

MAX_CALLS = 10_000_000
"""Most calls one replication may expect: more would exhaust memory and time."""


class ServiceParams(Frozen):
    """On-scene time in seconds: exponential, lognormal or drawn from samples.

    ``mean`` is the mean of the exponential and lognormal kinds (at most a
    year); ``sigma`` the lognormal's shape (the standard deviation of its log, at
    most 10).
    """

    kind: Literal["exponential", "lognormal", "empirical"] = "exponential"
    mean: float = Field(2_700.0, gt=0, le=SECONDS_PER_YEAR, allow_inf_nan=False)
    sigma: float = Field(0.6, gt=0, le=10)
    samples: tuple[float, ...] = ()

    @model_validator(mode="after")
    def _samples_for_empirical(self) -> Self:
        if self.kind == "empirical" and not self.samples:
            raise ValueError("an empirical service time needs samples (seconds)")
        if any(not (math.isfinite(s) and s >= 0) for s in self.samples):
            raise ValueError("service time samples must be finite seconds >= 0")
        return self

    def draw(self, rng: np.random.Generator, count: int) -> NDArray[np.float64]:
        """``count`` service times."""
        if self.kind == "exponential":
            return rng.exponential(self.mean, count)
        if self.kind == "lognormal":
            return rng.lognormal(math.log(self.mean) - self.sigma**2 / 2, self.sigma, count)
        return rng.choice(np.asarray(self.samples), count)


class DemandParams(Frozen):
    """Poisson calls at each village at its yearly incident rate.

    Parameters
    ----------
    scale
        Multiplies every village's rate (a busier or quieter scenario); a run may
        expect at most :data:`MAX_CALLS` calls.
    profile
        24 finite weights >= 0, one per hour of the day, for a time-of-day
        pattern; they are normalised to average 1, so daily totals keep the yearly
        rates.
    priorities
        Priority -> probability (1 is the most urgent).
    service
        On-scene service time.
    """

    scale: float = Field(1.0, gt=0, allow_inf_nan=False)
    profile: tuple[Annotated[float, Field(ge=0, allow_inf_nan=False)], ...] | None = None
    priorities: dict[int, float] = Field(default_factory=lambda: {1: 0.1, 2: 0.6, 3: 0.3})
    service: ServiceParams = Field(default_factory=ServiceParams)

    @model_validator(mode="after")
    def _valid_shares(self) -> Self:
        if self.profile is not None and (len(self.profile) != 24 or sum(self.profile) <= 0):
            raise ValueError("profile needs 24 hourly weights >= 0, not all zero")
        if not self.priorities or min(self.priorities) < 1 or min(self.priorities.values()) < 0:
            raise ValueError("priorities maps priorities >= 1 to probabilities >= 0")
        if not math.isclose(sum(self.priorities.values()), 1.0, rel_tol=1e-6):
            raise ValueError(f"priority probabilities must sum to 1, got {sum(self.priorities.values())}")
        return self

    def incidents(self, district: District, horizon: float, seed: int | np.random.SeedSequence) -> IncidentStream:
        """The calls of one run of ``horizon`` seconds; same seed, same calls."""
        if not (math.isfinite(horizon) and horizon > 0):
            raise InputError(f"horizon must be a positive number of seconds, got {horizon}")
        rates = district.incident_rates * self.scale / SECONDS_PER_YEAR
        if not len(rates) or rates.sum() <= 0:
            raise InputError(f"district {district.name!r} has no villages with incidents to generate calls from")
        expected = rates.sum() * horizon
        if not expected <= MAX_CALLS:
            raise InputError(
                f"{expected:,.0f} calls expected in one run of {horizon:,.0f} s at demand scale {self.scale:g}; "
                f"at most {MAX_CALLS:,} are allowed: lower the scale or the horizon"
            )
        rng = np.random.default_rng(seed)
        weights = np.ones(24) if self.profile is None else np.asarray(self.profile) / np.mean(self.profile)
        hours = math.ceil(horizon / 3_600.0)
        slot_start = np.arange(hours) * 3_600.0
        slot_length = np.minimum(3_600.0, horizon - slot_start)
        counts = rng.poisson(rates.sum() * slot_length * weights[np.arange(hours) % 24])
        times = np.sort(np.repeat(slot_start, counts) + rng.random(counts.sum()) * np.repeat(slot_length, counts))
        n = len(times)
        villages = rng.choice(len(rates), n, p=rates / rates.sum())
        levels = np.array(sorted(self.priorities))
        priorities = rng.choice(levels, n, p=np.array([self.priorities[p] for p in levels]))
        service = self.service.draw(rng, n)
        return IncidentStream(district.village_ids, times, villages, priorities, service)


@dataclass(frozen=True)
class IncidentStream:
    """Calls in time order: ``time`` (seconds), ``village`` (index into
    ``village_ids``), ``priority`` and on-scene ``service`` time (seconds)."""

    village_ids: tuple[str, ...]
    time: NDArray[np.float64]
    village: NDArray[np.int64]
    priority: NDArray[np.int64]
    service: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.time)

    def incident(self, k: int) -> Incident:
        """Call ``k`` as an :class:`~dispatch.model.Incident` (id ``"c<k>"``)."""
        return Incident(
            id=f"c{k}",
            time=float(self.time[k]),
            village=self.village_ids[self.village[k]],
            priority=int(self.priority[k]),
        )

    def __iter__(self) -> Iterator[Incident]:
        return (self.incident(k) for k in range(len(self)))

    def to_csv(self, path: str | Path) -> None:
        """Write the calls as CSV (``id, time, village, priority, service_time``)."""
        with atomic_write(path) as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(["id", "time", "village", "priority", "service_time"])
            for k in range(len(self)):
                writer.writerow(
                    [
                        f"c{k}",
                        repr(float(self.time[k])),
                        self.village_ids[self.village[k]],
                        int(self.priority[k]),
                        repr(float(self.service[k])),
                    ]
                )
