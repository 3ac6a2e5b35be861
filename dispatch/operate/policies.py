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

from .fleet import Fleet

__all__ = ["ClusterFirst", "NearestFree", "OwnStation", "Policy"]


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
