"""Choosing units: the policy's tiers, the nearest free unit of the first tier
that has one, preemption, and joint assignment of several calls. Only units that
may take the call are weighed: an emergency unit on duty, for its priorities and
within its reach."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .decision import Weighed
from .fleet import Fleet
from .policies import Policy
from .travel import Spot
from .units import DISPATCHED, StatusBoard

__all__ = ["Selector"]


class Selector:
    """Applies a policy to the status board.

    ``choose`` returns the unit to send and the ETAs weighed, or ``None`` when no
    allowed unit can go.
    """

    def __init__(self, policy: Policy, fleet: Fleet, board: StatusBoard, *, preemption: bool) -> None:
        self.policy = policy
        self.fleet = fleet
        self.board = board
        self.preemption = preemption
        self._tiers: dict[int, list[NDArray[np.bool_]]] = {}
        self._limited = bool(np.isfinite(fleet.reach).any())

    def tiers(self, home: int) -> list[NDArray[np.bool_]]:
        """The policy's unit masks for station ``home``'s incidents, most preferred first."""
        tiers = self._tiers.get(home)
        if tiers is None:
            tiers = self._tiers[home] = self.policy.tiers(home, self.fleet)
        return tiers

    def allowed(self, home: int) -> NDArray[np.bool_]:
        """Every unit the policy would ever send to station ``home``'s incidents."""
        return np.asarray(np.logical_or.reduce(self.tiers(home)))

    def able(self, priority: int, target: Spot, now: float) -> NDArray[np.bool_]:
        """Units that may take a call of ``priority`` at ``target`` at ``now`` (on
        duty, for that priority, within reach), free or not."""
        able = self.fleet.may_take(priority, now)
        if self._limited:
            fleet = self.fleet
            able = able & (self.board.tables.times_from_posts(target)[fleet.unit_base] <= fleet.reach)
        return able

    def choose(self, priority: int, target: Spot, home: int, now: float) -> tuple[int | None, Weighed]:
        """The nearest free unit of the first tier that has one (or, with
        preemption, the nearest unit on its way to a less urgent call)."""
        board = self.board
        free = board.free() & self.able(priority, target, now)
        weighed: Weighed = []
        tiers = self.tiers(home)
        for k, tier in enumerate(tiers):
            allowed = tier & free
            if allowed.any():
                eta = board.etas(target, allowed, now)
                weighed.append((k, eta))
                if np.isfinite(eta).any():
                    return int(np.argmin(eta)), weighed
        if self.preemption:
            on_the_way = np.array([c is not None and c.priority > priority for c in board.calls])
            divertible = self.allowed(home) & (board.status == DISPATCHED) & on_the_way
            divertible &= self.able(priority, target, now)
            if divertible.any():
                eta = board.etas(target, divertible, now)
                if np.isfinite(eta).any():
                    return int(np.argmin(eta)), [(len(tiers), eta)]
        return None, weighed

    def choose_many(
        self, priorities: Sequence[int], located: Sequence[tuple[Spot, int]], now: float
    ) -> tuple[dict[int, int], NDArray[np.float64]]:
        """Units for several calls at once, the most urgent calls first: the calls
        of each priority get as many of the free units left as they can, with the
        least total ETA (every free unit a call's policy allows and that may take
        it, at its true ETA).
        Returns call row -> unit, and the ETA matrix."""
        from scipy.optimize import linear_sum_assignment  # imported on first use: it is slow to import

        free = self.board.free()
        etas = np.array(
            [
                self.board.etas(t, self.allowed(home) & free & self.able(p, t, now), now, complete=True)
                for p, (t, home) in zip(priorities, located)
            ]
        )
        urgency = np.asarray(priorities)
        chosen: dict[int, int] = {}
        for priority in np.unique(urgency):
            rows = np.flatnonzero(urgency == priority)
            costs = np.where(free, etas[rows], np.inf)
            finite = np.isfinite(costs)
            # A missing pair costs more than every real one together: as many calls as
            # possible get a unit, then the least total ETA.
            big = 1.0 + 2.0 * float(costs[finite].sum())
            for r, u in zip(*linear_sum_assignment(np.where(finite, costs, big))):
                if finite[r, u]:
                    chosen[int(rows[r])] = int(u)
                    free[u] = False
        return chosen, etas
