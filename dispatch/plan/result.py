"""The result protocol every solver-backed result shares.

Every solver-backed result carries ``status`` (``"optimal"`` only when the bound
meets the objective), ``objective``, ``bound``, ``gap``, ``build_time`` and
``solve_time`` (seconds), ``solver``, and offers ``to_dict()``, ``summary()`` and
``table()``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["GAP_TOLERANCE", "SolverResult", "Status", "proven", "relative_gap"]

Status = Literal["optimal", "feasible", "infeasible"]
"""A solve's outcome: ``optimal`` only when proven."""

GAP_TOLERANCE = 1e-6
"""Relative difference between objective and bound still counted as proven."""


def relative_gap(objective: float, bound: float) -> float:
    """``|objective - bound| / |objective|`` (``inf`` without a solution)."""
    if not math.isfinite(objective):
        return math.inf
    return abs(objective - bound) / max(abs(objective), 1e-9)


def proven(status: str, objective: float, bound: float) -> Status:
    """``status`` kept as ``optimal`` only when ``bound`` meets ``objective``."""
    if status == "infeasible":
        return "infeasible"
    return "optimal" if status == "optimal" and relative_gap(objective, bound) <= GAP_TOLERANCE else "feasible"


@dataclass(frozen=True, kw_only=True)
class SolverResult:
    """The fields and verdict every solver-backed result shares."""

    status: Status
    objective: float
    bound: float
    build_time: float
    solve_time: float
    solver: str

    @property
    def gap(self) -> float:
        """Relative gap between the objective and the bound."""
        return relative_gap(self.objective, self.bound)

    def verdict(self) -> str:
        """One line: status, solver, objective, bound, gap and times."""
        return (
            f"{self.status} ({self.solver}): objective {self.objective:,.4f}, bound {self.bound:,.4f}, "
            f"gap {self.gap:.4%}, build {self.build_time:.3f} s, solve {self.solve_time:.3f} s"
        )

    def to_dict(self) -> dict[str, Any]:
        """The shared fields as plain data."""
        return {
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "build_time": self.build_time,
            "solve_time": self.solve_time,
            "solver": self.solver,
        }
