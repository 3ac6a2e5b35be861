"""Choosing units: the policy's tiers, the nearest free unit of the first tier
that has one, preemption, and joint assignment of several calls."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .decision import Weighed
from .fleet import Fleet
from .policies import Policy
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

    def tiers(self, home: int) -> list[NDArray[np.bool_]]:
        """The policy's unit masks for station ``home``'s incidents, most preferred first."""
        tiers = self._tiers.get(home)
        if tiers is None:
            tiers = self._tiers[home] = self.policy.tiers(home, self.fleet)
        return tiers

    def allowed(self, home: int) -> NDArray[np.bool_]:
        """Every unit the policy would ever send to station ``home``'s incidents."""
        return np.asarray(np.logical_or.reduce(self.tiers(home)))

    def choose(self, priority: int, target: int, home: int, now: float) -> tuple[int | None, Weighed]:
        """The nearest free unit of the first tier that has one (or, with
        preemption, the nearest unit on its way to a less urgent call)."""
        board = self.board
        free = board.free()
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
            if divertible.any():
                eta = board.etas(target, divertible, now)
                if np.isfinite(eta).any():
                    return int(np.argmin(eta)), [(len(tiers), eta)]
        return None, weighed

    def choose_many(
        self, priorities: Sequence[int], located: Sequence[tuple[int, int]], now: float
    ) -> tuple[dict[int, int], NDArray[np.float64]]:
        """Units for several calls at once, minimising the total priority-weighted
        ETA (weight ``1 / priority``) over every free unit each call's policy
        allows: call row -> unit, and the ETA matrix."""
        from scipy.optimize import linear_sum_assignment  # imported on first use: it is slow to import

        free = self.board.free()
        etas = np.array([self.board.etas(target, self.allowed(home) & free, now) for target, home in located])
        costs = etas / np.asarray(priorities, dtype=np.float64)[:, None]
        finite = np.isfinite(costs)
        big = 1.0 + 2.0 * float(costs[finite].sum()) if finite.any() else 1.0
        rows, cols = linear_sum_assignment(np.where(finite, costs, big))
        return {int(r): int(c) for r, c in zip(rows, cols) if finite[r, c]}, etas
