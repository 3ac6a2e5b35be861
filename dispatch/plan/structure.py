"""The cluster plan: central stations with their bases, and border stations with
their partners."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..district import District
from ..errors import InputError, listed
from ..model import StationKind
from ..texttable import Table
from .params import ClusterParams
from .result import SolverResult

__all__ = ["BorderGroup", "Cluster", "ClusterPlan"]


@dataclass(frozen=True)
class Cluster:
    """A central station and its bases, with what the plan measured of them.

    Times are seconds by road from the central: to each base (``link``), and to the
    cluster's demand weighted by incidents (``mean_travel``). ``balance`` is the
    cluster's strength per workload over the district's (1.0 is the district's).
    """

    central: str
    bases: tuple[str, ...]
    strength: float
    workload: float
    balance: float
    mean_link_time: float
    worst_link_time: float
    mean_travel: float

    @property
    def members(self) -> tuple[str, ...]:
        """The central first, then its bases."""
        return (self.central, *self.bases)


@dataclass(frozen=True)
class BorderGroup:
    """A border station and its partner stations across the boundary."""

    station: str
    partners: tuple[str, ...]
    cluster: str | None = None


@dataclass(frozen=True, kw_only=True)
class ClusterPlan(SolverResult):
    """The typed and clustered stations, and how the solver got there.

    ``objective`` is in incident-seconds a year (plus the balance penalty),
    ``bound`` the proven lower bound. ``mean_travel`` is the incident-weighted mean
    road time (seconds) from each station's central to that station's demand.
    """

    clusters: tuple[Cluster, ...]
    border: tuple[BorderGroup, ...]
    kinds: dict[str, StationKind]
    scores: dict[str, float]
    strengths: dict[str, float]
    mean_travel: float
    params: ClusterParams

    def counts(self) -> dict[str, int]:
        """How many stations of each kind."""
        counts = dict.fromkeys([k.value for k in StationKind if k != StationKind.UNASSIGNED], 0)
        for kind in self.kinds.values():
            counts[kind.value] = counts.get(kind.value, 0) + 1
        return counts

    def cluster_of(self, station_id: str) -> Cluster | None:
        """The cluster holding ``station_id`` (``None`` for a border station
        outside every cluster)."""
        if station_id not in self.kinds:
            raise InputError(f"station {station_id!r} is not in this plan")
        return next((c for c in self.clusters if station_id in c.members), None)

    def apply(self, district: District) -> District:
        """``district`` with each station's kind set by this plan."""
        missing = sorted(set(self.kinds) ^ {s.id for s in district.stations})
        if missing:
            raise InputError(f"the plan and district {district.name!r} differ in stations", listed(missing))
        return district.replace(stations=[s.replace(kind=self.kinds[s.id]) for s in district.stations])

    def summary(self) -> str:
        """Counts by kind, the solver's verdict and the mean travel, a line each."""
        counts = ", ".join(f"{n} {kind}" for kind, n in self.counts().items())
        return f"{counts}\n{self.verdict()}\nmean travel from central {self.mean_travel / 60:.1f} min"

    def table(self) -> Table:
        """One row a cluster (and a row a border station)."""
        rows: list[tuple[Any, ...]] = [
            (
                c.central,
                ", ".join(c.bases),
                c.strength,
                c.workload,
                c.balance,
                c.mean_link_time / 60,
                c.worst_link_time / 60,
                c.mean_travel / 60,
            )
            for c in self.clusters
        ]
        rows += [
            (
                g.station + " (border)",
                ", ".join(g.partners) + (f"; base of {g.cluster}" if g.cluster else ""),
                self.strengths[g.station],
                None,
                None,
                None,
                None,
                None,
            )
            for g in self.border
        ]
        return Table(
            "Clusters: bases (or partners), strength, workload and road minutes from the central",
            (
                "central",
                "bases / partners",
                "strength",
                "incidents/yr",
                "balance",
                "mean link",
                "worst link",
                "mean travel",
            ),
            tuple(rows),
            ("", "", ".0f", ",.0f", ".2f", ".1f", ".1f", ".1f"),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return super().to_dict() | {
            "clusters": [c.__dict__ | {"members": list(c.members)} for c in self.clusters],
            "border": [g.__dict__ for g in self.border],
            "kinds": {k: v.value for k, v in self.kinds.items()},
            "counts": self.counts(),
            "mean_travel": self.mean_travel,
            "params": self.params.model_dump(mode="json"),
        }
