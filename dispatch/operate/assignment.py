"""Assignment: the one code path that sends a unit to a call, or queues or loses
it, takes again a call a diverted unit drops, and serves the queue."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from ..model import Incident, Queue
from .calls import CallQueue
from .decision import Decision, Explainer, Reason, Weighed
from .selection import Selector
from .travel import Spot
from .units import DISPATCHED, StatusBoard

__all__ = ["Assigner"]


class Assigner:
    """Carries out the selector's choices on the status board.

    A call no allowed unit can take waits in ``calls`` (``discipline``
    ``"infinite"``) or is lost (``"loss"``). Every call that waits, waits only while
    no unit its policy allows is free to reach it.
    """

    def __init__(
        self, selector: Selector, board: StatusBoard, explainer: Explainer, calls: CallQueue, discipline: Queue
    ) -> None:
        self.selector, self.board, self.explainer = selector, board, explainer
        self.calls, self.discipline = calls, discipline

    def take(self, incident: Incident, target: Spot, home: int, now: float) -> Decision:
        """Send the unit the policy chooses for ``incident``, else queue or lose it."""
        u, weighed = self.selector.choose(incident.priority, target, home, now)
        if u is not None:
            return self.send(incident, target, home, u, weighed, now)
        if self.discipline == "loss":
            return self.explainer.unserved(incident, home, target, now, Reason.LOST)
        self.calls.push(incident, target, home)
        return self.explainer.unserved(incident, home, target, now, Reason.QUEUED)

    def take_many(
        self, incidents: Sequence[Incident], located: Sequence[tuple[Spot, int]], now: float
    ) -> list[Decision]:
        """Units for several incidents at once (see
        :meth:`~dispatch.operate.selection.Selector.choose_many`); the rest are
        taken one by one, most urgent first. Decisions in the order of ``incidents``."""
        chosen, etas = self.selector.choose_many([i.priority for i in incidents], located, now)
        decisions = {
            row: self.send(incidents[row], *located[row], u, [(0, etas[row])], now) for row, u in chosen.items()
        }
        for row in sorted(set(range(len(incidents))) - set(chosen), key=lambda r: incidents[r].priority):
            decisions[row] = self.take(incidents[row], *located[row], now)
        return [decisions[row] for row in range(len(incidents))]

    def send(self, incident: Incident, target: Spot, home: int, u: int, weighed: Weighed, now: float) -> Decision:
        """Send unit ``u``; a less urgent incident it drops is taken again at once."""
        board = self.board
        start_xy = np.array(board.position(u, now))
        leg = board.leg_to(u, target, now, float(weighed[-1][1][u]))
        dropped = board.calls[u] if board.status[u] == DISPATCHED else None
        place = board.targets[u], board.homes[u]
        assert place[0] is not None or dropped is None
        preempted = dropped.id if dropped is not None else None
        decision = self.explainer.sent(incident, home, target, u, leg, start_xy, preempted, weighed, now)
        board.send(u, leg, incident, target, home)
        if dropped is None:
            return decision
        assert place[0] is not None
        return dataclasses.replace(decision, displaced=self.take(dropped, place[0], place[1], now))

    def serve_queue(self, now: float) -> list[Decision]:
        """Send free units to waiting incidents, most urgent and oldest first."""
        decisions: list[Decision] = []
        for entry in self.calls.drain():
            if (self.selector.allowed(entry.home) & self.board.free()).any():
                u, weighed = self.selector.choose(entry.incident.priority, entry.target, entry.home, now)
                if u is not None:
                    decisions.append(self.send(entry.incident, entry.target, entry.home, u, weighed, now))
                    continue
            self.calls.restore(entry)
        return decisions
