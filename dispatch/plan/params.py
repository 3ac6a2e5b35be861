"""Settings of the cluster plan: what :func:`~dispatch.plan.cluster` weighs."""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator
from typing_extensions import Self

from ..model import Frozen, Station
from .mip import SolveParams

__all__ = ["MAX_WEIGHT", "BalanceParams", "BorderParams", "ClusterParams", "ScoreParams", "StrengthParams"]

MAX_WEIGHT = 1e6
"""Largest weight or tolerance the plan settings take: beyond it the solver's
coefficients lose their meaning (or overflow)."""

Weight = Annotated[float, Field(ge=0, le=MAX_WEIGHT, allow_inf_nan=False)]
"""A finite weight in ``[0, MAX_WEIGHT]``."""


class ScoreParams(Frozen):
    """How strongly a station's area concentrates what a central station needs.

    ``score = sum(weight[k] * indicator[k] / mean(indicator[k]))`` over the
    district's stations, so 1.0 is an average station. Indicators are read by name
    from :class:`~dispatch.model.Indicators` (extra ones included); an indicator
    that is zero everywhere adds nothing. Weights are finite, in
    ``[0, MAX_WEIGHT]``.
    """

    weights: dict[str, Weight] = Field(
        default_factory=lambda: {"population": 0.3, "incidents_per_year": 0.3, "disputes": 0.2, "cases": 0.2}
    )

    def of(self, stations: tuple[Station, ...]) -> NDArray[np.float64]:
        """The score of each station."""
        score = np.zeros(len(stations))
        for name, weight in self.weights.items():
            values = np.array([s.indicators.value(name) for s in stations])
            if values.mean() > 0:
                score += weight * values / values.mean()
        return score


class StrengthParams(Frozen):
    """Station strength: ``officers * officers_weight + units * units_weight``."""

    officers: Weight = 1.0
    units: Weight = 2.0


class BalanceParams(Frozen):
    """Each cluster's strength relative to its workload, against the district's.

    A cluster's imbalance is ``strength / district_ratio - workload`` in incidents
    a year (``district_ratio`` = total strength / total workload).

    - ``"none"``: no balance term.
    - ``"tolerance"``: ``|imbalance| <= tolerance * workload`` for every cluster.
    - ``"weighted"``: add ``weight * sum(|imbalance|)`` to the objective.
    - ``"minmax"``: add ``weight * max(|imbalance|)`` to the objective.

    ``weight`` is in seconds: one incident a year of imbalance costs as much as
    ``weight`` seconds of travel to one incident a year.
    """

    mode: Literal["none", "tolerance", "weighted", "minmax"] = "none"
    tolerance: Weight = 0.5
    weight: Weight = 600.0


class BorderParams(Frozen):
    """Which stations are border stations, and whether they may join clusters.

    A station is a border station when its kind is ``border``, when it lies within
    ``distance`` metres of the county boundary, or (``touching``) when its
    jurisdiction touches the boundary. With ``join`` border stations may also be
    bases of a central (never centrals); they keep their partners either way.
    """

    distance: float = Field(2_000.0, ge=0, allow_inf_nan=False)
    touching: bool = False
    join: bool = False


class ClusterParams(Frozen):
    """Everything :func:`cluster` weighs. Change one, rerun, compare.

    Parameters
    ----------
    min_bases, max_bases
        Bases per central (the Qianjiang rule is 1-2).
    max_link_time
        Longest road time (seconds) from a central to one of its bases.
    adjacent_only
        A base may only join a central whose jurisdiction touches its own (needs
        jurisdiction polygons).
    centrals
        Station ids fixed as centrals; the rest are assigned by min cost flow.
    n_centrals
        Number of centrals, or an inclusive ``(low, high)`` range; ``None`` lets the
        count follow from the bases rule.
    candidates
        Only the ``candidates`` highest-scoring stations may be centrals.
    strong_with_weak
        A central is at least as strong as each of its bases.
    workload_indicator
        The indicator that measures a station's workload for balance.
    score, strength, balance, border
        How centrals are ranked, how strength is counted, the balance rule and
        which stations are border stations.
    options
        Solver, time limit, gap and seed.
    """

    min_bases: int = Field(1, ge=0)
    max_bases: int = Field(2, ge=0)
    max_link_time: float = Field(2_700.0, gt=0)
    adjacent_only: bool = False
    centrals: tuple[str, ...] | None = None
    n_centrals: int | tuple[int, int] | None = None
    candidates: int | None = Field(None, ge=1)
    strong_with_weak: bool = True
    workload_indicator: str = "incidents_per_year"
    score: ScoreParams = Field(default_factory=ScoreParams)
    strength: StrengthParams = Field(default_factory=StrengthParams)
    balance: BalanceParams = Field(default_factory=BalanceParams)
    border: BorderParams = Field(default_factory=BorderParams)
    options: SolveParams = Field(default_factory=SolveParams)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.min_bases > self.max_bases:
            raise ValueError(f"min_bases ({self.min_bases}) exceeds max_bases ({self.max_bases})")
        if self.centrals is not None and self.n_centrals is not None:
            raise ValueError("give either centrals or n_centrals, not both")
        low, high = self.centrals_range or (1, 1)
        if not 1 <= low <= high:
            raise ValueError(f"n_centrals must be >= 1 and low <= high, got {self.n_centrals}")
        return self

    @property
    def centrals_range(self) -> tuple[int, int] | None:
        """``n_centrals`` as an inclusive range, or ``None``."""
        if self.n_centrals is None:
            return None
        if isinstance(self.n_centrals, int):
            return self.n_centrals, self.n_centrals
        return self.n_centrals
