"""The hypercube's inputs for a district: its atoms, the travel time of each
station's units and of each emergency unit to them, and the day's duty segments.

Atoms are the villages, each split by the emergency units that may take its
calls (by priority and reach). A station unit may take every atom; an emergency unit only the
calls of its priorities within its reach. The hypercube model needs every unit in
every atom's preference list, so an emergency unit comes last for the calls it
may not take: the model sends it there only when every other unit is busy, which
the dispatcher never does (a small error while units are seldom all busy).

Emergency units are on duty part of the day. The day splits into segments in
which the same emergency units are on duty; the model is solved for each segment
as if it lasted (a fair approximation when duty windows last hours and calls keep
a unit for less than one), and the segments are weighed by their share of the
day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..district import District
from ..errors import InputError
from ..model import DAY, in_window
from ..operate.travel import TravelTables
from .demand import SECONDS_PER_YEAR, DemandParams

__all__ = ["DistrictAtoms", "Segment"]


@dataclass(frozen=True)
class Segment:
    """A part of the day: its ``share`` and the emergency units ``on_duty``."""

    share: float
    on_duty: NDArray[np.bool_]


@dataclass(frozen=True)
class DistrictAtoms:
    """A district's atoms and the travel times to them (seconds, turnout included).

    ``village[a]`` is where atom ``a``'s calls come from and ``rates[a]`` its
    calls a second: the calls of one village that the same emergency units may
    take (by priority and reach).
    ``station_travel[s, a]`` is the time a unit of station ``s`` takes to reach
    atom ``a``; ``emergency_travel[e, a]`` that of emergency unit ``e``, and
    ``emergency_allowed[e, a]`` whether it may take atom ``a``'s calls.
    """

    village: NDArray[np.int64]
    rates: NDArray[np.float64]
    station_travel: NDArray[np.float64]
    emergency_travel: NDArray[np.float64]
    emergency_allowed: NDArray[np.bool_]
    segments: tuple[Segment, ...]
    n_villages: int

    @classmethod
    def of(
        cls,
        district: District,
        *,
        turnout: float = 60.0,
        tables: TravelTables | None = None,
        demand: DemandParams | None = None,
    ) -> DistrictAtoms:
        """The atoms of ``district``: its villages at their yearly rates times
        ``demand.scale``, split by ``demand.priorities`` where emergency units take
        some priorities only (the default demand when ``None``). ``turnout`` is a
        station unit's. The calls come at a steady rate: an hourly profile is not
        modelled."""
        if not (np.isfinite(turnout) and turnout >= 0):
            raise InputError(f"turnout must be a number of seconds >= 0, got {turnout}")
        tables = tables or TravelTables.for_district(district)
        tables.require(district)
        extra = district.emergency_units
        demand = demand or DemandParams()
        shares = demand.priorities
        levels = sorted(shares)
        road = tables.post_times[:, : len(district.villages)]  # the villages come first among the kept places
        emergency_road = road[len(district.post_ids) :]  # the emergency units' villages come after the posts
        near = emergency_road <= np.array([e.reach or np.inf for e in extra])[:, None]
        takes = np.array([[e.priorities is None or p in e.priorities for p in levels] for e in extra], dtype=bool)
        allowed = near[:, :, None] & takes.reshape(len(extra), 1, len(levels))  # [unit, village, priority]
        # The calls of a village that the same emergency units may take make one atom.
        pairs = np.column_stack(
            [
                np.repeat(np.arange(len(district.villages)), len(levels)),
                allowed.reshape(len(extra), len(district.villages) * len(levels)).T,
            ]
        )
        kinds, atom_of = np.unique(pairs.astype(np.int64), axis=0, return_inverse=True)
        rates = (district.incident_rates * demand.scale / SECONDS_PER_YEAR)[:, None] * np.array(
            [shares[p] for p in levels]
        )
        village = kinds[:, 0]
        return cls(
            village=village,
            rates=np.bincount(atom_of.ravel(), weights=rates.ravel(), minlength=len(kinds)).astype(np.float64),
            station_travel=turnout + road[: len(district.stations)][:, village],
            emergency_travel=np.array([e.turnout for e in extra])[:, None] + emergency_road[:, village],
            emergency_allowed=kinds[:, 1:].T.astype(bool),
            segments=_segments(np.array([e.on_duty for e in extra]).reshape(-1, 2)),
            n_villages=len(district.villages),
        )

    @property
    def n_emergency(self) -> int:
        """Number of emergency units."""
        return len(self.emergency_travel)

    def rows(
        self, stations: NDArray[np.int64], on_duty: NDArray[np.bool_]
    ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Travel rows of units at ``stations`` (one entry a unit) and of the
        emergency units ``on_duty``, and each atom's preference list over them:
        nearest first, an emergency unit after every other unit for calls it may
        not take."""
        travel = np.vstack([self.station_travel[stations], self.emergency_travel[on_duty]])
        refused = np.zeros(travel.shape, dtype=bool)
        refused[len(stations) :] = ~self.emergency_allowed[on_duty]
        key = travel + refused * (1.0 + travel.max(initial=0.0)) if refused.any() else travel
        return travel, np.argsort(key, axis=0, kind="stable").T

    def by_village(self, values: NDArray[np.float64]) -> NDArray[np.float64]:
        """``values[..., atom]`` summed over each village's atoms."""
        found = np.zeros((*values.shape[:-1], self.n_villages))
        np.add.at(found.T, self.village, values.T)
        return found


def _segments(duty: NDArray[np.float64]) -> tuple[Segment, ...]:
    """Parts of the day with the same emergency units on duty, and their shares."""
    cuts = np.unique(np.concatenate([[0.0, DAY], duty.ravel()]))
    found: list[Segment] = []
    for start, end in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
        on_duty = in_window(duty[:, 0], duty[:, 1], (start + end) / 2)
        share = (end - start) / DAY
        same = next((k for k, s in enumerate(found) if np.array_equal(s.on_duty, on_duty)), None)
        if same is None:
            found.append(Segment(share, on_duty))
        else:
            found[same] = Segment(found[same].share + share, on_duty)
    return tuple(found)
