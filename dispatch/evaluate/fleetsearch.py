"""The search behind :func:`~dispatch.evaluate.allocation.allocate`: which
station counts of units are allowed, what the hypercube model makes of them, and
the greedy and local searches over them.

A fleet is a count of units a station. It is allowed when every station's count
lies within its bounds, at most ``moves`` existing units have left their station,
and (with a plan) every central is at least as strong as each of its bases,
strength counting the officers that come and go with the units.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..progress import Tracker
from .atoms import DistrictAtoms
from .metrics import Queue
from .queueing import FleetPrediction, Method, fleet_hypercube

__all__ = ["EXACT_UNITS", "Bounds", "Counts", "FleetSearch", "Rule", "fleet_model"]

EXACT_UNITS = 15
"""Inside the search, ``method="auto"`` solves the exact model up to this many
units (a fraction of a second each) and Larson's approximation beyond."""

Counts = NDArray[np.int64]
"""Units a station."""


def fleet_model(
    atoms: DistrictAtoms, counts: Counts, *, service_time: float, queue: Queue, method: Method
) -> FleetPrediction:
    """The hypercube model of ``counts`` units a station and the emergency units
    of ``atoms`` (``"auto"``: exact up to :data:`EXACT_UNITS` units)."""
    if method == "auto":
        method = "exact" if int(counts.sum()) + atoms.n_emergency <= EXACT_UNITS else "approximate"
    stations = np.repeat(np.arange(len(counts)), counts)
    return fleet_hypercube(atoms, stations, service_time=service_time, queue=queue, method=method)


@dataclass(frozen=True)
class Rule:
    """Centrals at least as strong as their bases: ``pairs`` of (central, base)
    station indices; a station's strength is ``base + per_unit * units`` (with
    its officers, who come and go with its units)."""

    pairs: NDArray[np.int64]
    base: NDArray[np.float64]
    per_unit: float

    def broken(self, counts: Counts) -> NDArray[np.int64]:
        """The (central, base) pairs the fleet ``counts`` breaks."""
        if not len(self.pairs):
            return self.pairs
        strength = self.base + self.per_unit * counts
        return self.pairs[strength[self.pairs[:, 0]] < strength[self.pairs[:, 1]] - 1e-9]


@dataclass(frozen=True)
class Bounds:
    """What a fleet must keep: each station's ``low`` and ``high`` count, the
    ``current`` fleet, at most ``moves`` of its units moved, and the ``rule``."""

    low: Counts
    high: Counts
    current: Counts
    moves: int
    rule: Rule

    def allows(self, counts: Counts) -> bool:
        """Whether ``counts`` keeps every bound and the rule."""
        if (counts < self.low).any() or (counts > self.high).any():
            return False
        moved = int(np.maximum(self.current - counts, 0).sum())
        return moved <= self.moves and not len(self.rule.broken(counts))


class FleetSearch:
    """Fleets scored by the hypercube model, each fleet solved once.

    ``score`` turns a model into the number to minimise.
    """

    def __init__(
        self,
        atoms: DistrictAtoms,
        bounds: Bounds,
        score: Callable[[FleetPrediction], float],
        *,
        service_time: float,
        queue: Queue,
        method: Method,
        tracker: Tracker,
    ) -> None:
        self.atoms, self.bounds, self.score = atoms, bounds, score
        self.service_time, self.queue, self.method = service_time, queue, method
        self.tracker = tracker
        self._scores: dict[tuple[int, ...], float] = {}
        self.offered = float(atoms.rates.sum()) * service_time
        self.fewest_emergency = min(int(segment.on_duty.sum()) for segment in atoms.segments)

    @property
    def evaluations(self) -> int:
        """Fleets solved so far."""
        return len(self._scores)

    def model(self, counts: Counts) -> FleetPrediction:
        """The hypercube model of the fleet ``counts`` (and the emergency units)."""
        return fleet_model(self.atoms, counts, service_time=self.service_time, queue=self.queue, method=self.method)

    def value(self, counts: Counts) -> float:
        """The score of ``counts`` (``inf`` when some part of the day has no unit,
        or more calls than units can ever serve in an infinite queue)."""
        key = tuple(counts.tolist())
        found = self._scores.get(key)
        if found is None:
            fewest = int(counts.sum()) + self.fewest_emergency  # units in the leanest part of the day
            overloaded = self.queue == "infinite" and self.offered >= fewest
            found = math.inf if fewest == 0 or overloaded else float(self.score(self.model(counts)))
            self._scores[key] = found
        return found

    def best_addition(
        self, counts: Counts, candidates: Counts | None = None, *, keep_rule: bool = True
    ) -> tuple[int, float] | None:
        """The station (among ``candidates``, by default all) where one more unit
        scores best within the stations' highs (and the rule, with ``keep_rule``),
        and that score; ``None`` if none may take one."""
        found: tuple[int, float] | None = None
        for s in np.flatnonzero(np.ones(len(counts), bool) if candidates is None else candidates > 0).tolist():
            trial = counts.copy()
            trial[s] += 1
            if (trial > self.bounds.high).any() or (keep_rule and len(self.bounds.rule.broken(trial))):
                continue
            value = self.value(trial)
            if found is None or value < found[1] - 1e-12:
                found = (s, value)
        return found

    def greedy(self, counts: Counts, units: int) -> Counts:
        """``counts`` with ``units`` more, each to the station where it scores best."""
        counts = counts.copy()
        for _ in range(units):
            step = self.best_addition(counts)
            if step is None:
                break
            counts[step[0]] += 1
            self._advance(1, step[1])
        return counts

    def improve(self, counts: Counts) -> Counts:
        """Move units between stations while a move scores better (the best
        first), keeping the bounds and the rule: a local optimum."""
        counts, value = counts.copy(), self.value(counts)
        while True:
            best: tuple[float, Counts] | None = None
            for trial in self._neighbours(counts):
                score = self.value(trial)
                if score < value - 1e-12 * max(1.0, abs(value)) and (best is None or score < best[0]):
                    best = (score, trial)
            if best is None:
                return counts
            value, counts = best
            self._advance(0, value)

    def _neighbours(self, counts: Counts) -> Iterator[Counts]:
        """The fleets one move away (a unit from one station to another) that keep
        the bounds; where a move breaks the central rule, the move mended by a
        second one: a unit to the central from the station that misses one least,
        or the base's unit to the same place."""
        bounds, unit = self.bounds, np.eye(len(counts), dtype=np.int64)
        spare = np.flatnonzero(counts > bounds.low).tolist()
        missed: list[int] | None = None  # stations by the score of the fleet without one of their units
        for a in spare:
            for b in np.flatnonzero(counts < bounds.high).tolist():
                trial = counts - unit[a] + unit[b]
                if a == b:
                    continue
                if bounds.allows(trial):
                    yield trial
                    continue
                for central, base in bounds.rule.broken(trial).tolist():
                    if missed is None:
                        missed = sorted(spare, key=lambda s: self.value(counts - unit[s]))
                    donor = next((d for d in missed if d != central and trial[d] > bounds.low[d]), None)
                    for mended in (
                        trial - unit[donor] + unit[central] if donor is not None else None,
                        trial - unit[base] + unit[b] if base != b else None,
                    ):
                        if mended is not None and bounds.allows(mended):
                            yield mended

    def order(self, start: Counts, increments: Counts) -> list[tuple[int, float]]:
        """The units of ``increments`` added to ``start`` one by one, each time the
        one that scores best: (station, score after) a unit."""
        counts, left, steps = start.copy(), increments.copy(), []
        while left.any():
            # Additions that keep the rule first; a base's unit may have to wait for its central's.
            step = self.best_addition(counts, left) or self.best_addition(counts, left, keep_rule=False)
            assert step is not None  # every increment fits under the highs
            counts[step[0]] += 1
            left[step[0]] -= 1
            steps.append(step)
        return steps

    def _advance(self, count: int, value: float) -> None:
        self.tracker.advance(count, f"best {value:.6g} after {self.evaluations} fleets", best=value)
