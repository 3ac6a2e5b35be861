"""The fleet: the fixed facts policies read (which post each unit belongs to,
each station's cluster and its partners across the boundary)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..district import District
from ..errors import InputError
from ..plan.structure import ClusterPlan

__all__ = ["Fleet"]


@dataclass(frozen=True)
class Fleet:
    """The fixed facts policies read.

    Posts are the stations (``0 .. n_stations - 1``) then the partners.
    ``cluster_of[s]`` numbers station ``s``'s cluster (``-1`` outside every
    cluster); ``partners_of[s]`` lists the partner posts of border station ``s``.
    """

    unit_post: NDArray[np.int64]
    n_stations: int
    cluster_of: NDArray[np.int64]
    partners_of: tuple[NDArray[np.int64], ...]

    @classmethod
    def of(cls, district: District, plan: ClusterPlan | None = None) -> Fleet:
        """The fleet of ``district``, clustered by ``plan`` (no clusters without one)."""
        cluster_of = np.full(len(district.stations), -1, dtype=np.int64)
        for k, cluster in enumerate(plan.clusters if plan is not None else ()):
            for member in cluster.members:
                if member not in district.station_index:
                    raise InputError(f"the plan names station {member!r}, which is not in district {district.name!r}")
                cluster_of[district.station_index[member]] = k
        return cls(district.unit_posts, len(district.stations), cluster_of, district.partners_of)

    @property
    def at_stations(self) -> NDArray[np.bool_]:
        """Units of the district's own stations (not partners)."""
        return np.asarray(self.unit_post < self.n_stations)

    def of_posts(self, posts: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Units based at any of ``posts``."""
        return np.isin(self.unit_post, posts)

    def with_partners(self, home: int, tiers: list[NDArray[np.bool_]]) -> list[NDArray[np.bool_]]:
        """``tiers`` with the partners of border station ``home`` asked right after
        the first tier (mutual aid on request)."""
        partners = self.partners_of[home]
        if not len(partners):
            return tiers
        return [tiers[0], self.of_posts(partners), *tiers[1:]]
