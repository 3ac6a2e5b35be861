"""The fleet: the fixed facts policies read (which post each unit belongs to,
each station's cluster and its partners across the boundary) and what each unit
may take (priorities, duty hours, reach, turnout)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..district import District
from ..errors import InputError
from ..model import DAY, in_window
from ..plan.structure import ClusterPlan

__all__ = ["Fleet"]


@dataclass(frozen=True)
class Fleet:
    """The fixed facts policies read.

    Posts are the stations (``0 .. n_stations - 1``) then the partners.
    ``unit_post[u]`` is the post unit ``u`` belongs to (an emergency unit's is its
    village's home station) and ``unit_base[u]`` where it leaves from (an index
    into :meth:`TravelTables.bases <dispatch.operate.travel.TravelTables.bases>`:
    its post, or an emergency unit's village after every post). ``cluster_of[s]`` numbers station ``s``'s
    cluster (``-1`` outside every cluster); ``partners_of[s]`` lists the partner
    posts of border station ``s``.

    What each unit may take: ``turnout`` (seconds to leave its base), ``duty``
    (each day's on-duty window, seconds after midnight), ``reach`` (most road
    seconds from its base to a call; ``inf``: no limit) and ``priorities``
    (priority -> the units that may take it; a priority not listed: units with
    no restriction, ``unrestricted``). ``emergency`` marks emergency units.
    """

    unit_post: NDArray[np.int64]
    n_stations: int
    cluster_of: NDArray[np.int64]
    partners_of: tuple[NDArray[np.int64], ...]
    unit_base: NDArray[np.int64]
    turnout: NDArray[np.float64]
    duty: NDArray[np.float64]
    reach: NDArray[np.float64]
    priorities: dict[int, NDArray[np.bool_]]
    unrestricted: NDArray[np.bool_]
    emergency: NDArray[np.bool_]

    @classmethod
    def of(cls, district: District, plan: ClusterPlan | None = None, *, turnout: float = 60.0) -> Fleet:
        """The fleet of ``district``, clustered by ``plan`` (no clusters without
        one); ``turnout`` is the seconds a station unit needs to leave (an
        emergency unit has its own)."""
        cluster_of = np.full(len(district.stations), -1, dtype=np.int64)
        for k, cluster in enumerate(plan.clusters if plan is not None else ()):
            for member in cluster.members:
                if member not in district.station_index:
                    raise InputError(f"the plan names station {member!r}, which is not in district {district.name!r}")
                cluster_of[district.station_index[member]] = k
        n_units, extra = len(district.units), district.emergency_units
        emergency = np.arange(n_units + len(extra)) >= n_units
        homes = district.home_stations[[district.village_index[e.village] for e in extra]]
        first = len(district.post_ids)
        duty = np.array([(0.0, DAY)] * n_units + [e.on_duty for e in extra], dtype=np.float64).reshape(-1, 2)
        reach = [np.inf if e.reach is None else e.reach for e in extra]
        listed = {p for e in extra for p in e.priorities or ()}
        unrestricted = np.array([True] * n_units + [e.priorities is None for e in extra])
        return cls(
            unit_post=np.concatenate([district.unit_posts, homes]).astype(np.int64),
            n_stations=len(district.stations),
            cluster_of=cluster_of,
            partners_of=district.partners_of,
            unit_base=np.concatenate([district.unit_posts, first + np.arange(len(extra))]).astype(np.int64),
            turnout=np.array([turnout] * n_units + [e.turnout for e in extra], dtype=np.float64),
            duty=duty,
            reach=np.array([np.inf] * n_units + reach, dtype=np.float64),
            priorities={
                p: unrestricted | np.array([False] * n_units + [p in (e.priorities or ()) for e in extra])
                for p in sorted(listed)
            },
            unrestricted=unrestricted,
            emergency=emergency,
        )

    @property
    def at_stations(self) -> NDArray[np.bool_]:
        """Units of the district's own stations (not partners)."""
        return np.asarray(self.unit_post < self.n_stations)

    def of_posts(self, posts: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Units belonging to any of ``posts``."""
        return np.isin(self.unit_post, posts)

    def with_partners(self, home: int, tiers: list[NDArray[np.bool_]]) -> list[NDArray[np.bool_]]:
        """``tiers`` with the partners of border station ``home`` asked right after
        the first tier (mutual aid on request)."""
        partners = self.partners_of[home]
        if not len(partners):
            return tiers
        return [tiers[0], self.of_posts(partners), *tiers[1:]]

    def may_take(self, priority: int, now: float) -> NDArray[np.bool_]:
        """Units that may take a call of ``priority`` at ``now``: the priority is
        theirs and they are on duty."""
        takes = self.priorities.get(priority, self.unrestricted)
        if not self.emergency.any():
            return takes
        return np.asarray(takes & in_window(self.duty[:, 0], self.duty[:, 1], now))
