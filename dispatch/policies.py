"""Dispatch policies: which units may answer an incident, in which order.

A policy gives *tiers*: masks over the units. The dispatcher sends the free unit
with the smallest ETA from the first tier that has one, and queues the incident
when no tier has. Every policy is a small class behind the :class:`Policy`
protocol, so an operational system and the simulator run the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

__all__ = ["ClusterFirst", "Fleet", "NearestFree", "OwnStation", "Policy"]


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


class Policy(Protocol):
    """Which units may answer an incident in station ``home``'s jurisdiction."""

    def tiers(self, home: int, fleet: Fleet) -> list[NDArray[np.bool_]]:
        """Unit masks, most preferred first."""
        ...


@dataclass(frozen=True)
class OwnStation:
    """The pre-reform baseline: only the units of the incident's own station; the
    call waits when they are busy. With ``mutual_aid`` a border station may ask its
    partners across the boundary."""

    mutual_aid: bool = False

    def tiers(self, home: int, fleet: Fleet) -> list[NDArray[np.bool_]]:
        tiers = [np.asarray(fleet.unit_post == home)]
        return fleet.with_partners(home, tiers) if self.mutual_aid else tiers


@dataclass(frozen=True)
class NearestFree:
    """The nearest free unit by road, from any station of the district."""

    mutual_aid: bool = False

    def tiers(self, home: int, fleet: Fleet) -> list[NDArray[np.bool_]]:
        tiers = [fleet.at_stations]
        return fleet.with_partners(home, tiers) if self.mutual_aid else tiers


@dataclass(frozen=True)
class ClusterFirst:
    """The central-station rule: the nearest free unit within the incident's
    cluster (its central and bases), then anywhere in the district. A station
    outside every cluster (a border station) asks its own units first, then its
    partners across the boundary (``mutual_aid``), then the district."""

    mutual_aid: bool = True

    def tiers(self, home: int, fleet: Fleet) -> list[NDArray[np.bool_]]:
        cluster = fleet.cluster_of[home]
        if cluster >= 0:
            members = np.flatnonzero(fleet.cluster_of == cluster)
            first = fleet.of_posts(members)
        else:
            first = np.asarray(fleet.unit_post == home)
        tiers = [first, fleet.at_stations]
        return fleet.with_partners(home, tiers) if self.mutual_aid else tiers
