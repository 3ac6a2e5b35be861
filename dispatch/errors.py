"""Exceptions and warnings raised by :mod:`dispatch`.

Every error derives from :class:`DispatchError`, so a caller can catch the whole
family at once. :class:`InputError` is also a :class:`ValueError`.
"""

from __future__ import annotations

from collections.abc import Sequence

MAX_LISTED = 10
"""How many offending items an error message lists before summarising the rest."""


def listed(problems: Sequence[str]) -> list[str]:
    """The first :data:`MAX_LISTED` problems, and a count of the rest."""
    shown = list(problems[:MAX_LISTED])
    if len(problems) > MAX_LISTED:
        shown.append(f"... and {len(problems) - MAX_LISTED} more")
    return shown


class DispatchError(Exception):
    """Base class of every error raised by :mod:`dispatch`.

    ``problems`` lists each offending item on its own line of the message.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or [message]
        if problems and len(problems) > 1:
            message = message + "\n" + "\n".join(f"  - {p}" for p in problems)
        elif problems:
            message = f"{message}: {problems[0]}"
        super().__init__(message)


class InputError(DispatchError, ValueError):
    """Input that cannot be used: its message names the offending ids or fields.

    ``validation`` keeps the pydantic error behind it, if any.
    """

    validation: Exception | None = None


class InfeasibleError(DispatchError):
    """A model that provably has no solution; the message says which constraint."""


class UnreachableError(DispatchError):
    """No road path joins the named origin and destination."""


class SolverError(DispatchError):
    """The solver failed or stopped without a usable solution."""


class DispatchWarning(UserWarning):
    """Base class of the warnings issued by :mod:`dispatch`."""


class UnansweredCallsWarning(DispatchWarning):
    """Some simulated calls were never answered: no unit allowed to take them
    ever came free (a station without units under OwnStation, say)."""


class IntervalWarning(DispatchWarning):
    """An interval rests on too few replications to mean anything."""


class HypercubeConvergenceWarning(DispatchWarning):
    """A hypercube solver stopped at its iteration limit before converging: the
    message gives the iterations run and the residual left."""


class OfficersLeftWarning(DispatchWarning):
    """A budget in officers does not make whole units: some officers are left."""


class DefaultsWarning(DispatchWarning):
    """A layer lacked a value and the reader filled in a default (each named)."""


class CoordinateShiftWarning(DispatchWarning):
    """A layer's points sit off the roads by a shift that GCJ-02 or BD-09 explains."""
