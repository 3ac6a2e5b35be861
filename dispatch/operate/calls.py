"""The call queue: incidents that no allowed unit could take, most urgent first."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..errors import InputError
from ..model import Incident
from .travel import Spot

__all__ = ["CallQueue", "Waiting"]


@dataclass(order=True)
class Waiting:
    """A waiting incident: ordered by priority (1 first), then call time, then
    arrival in the queue. ``target`` is where it meets the road, ``home`` its station."""

    priority: int
    time: float
    order: int
    incident: Incident = field(compare=False)
    target: Spot = field(compare=False)
    home: int = field(compare=False)


class CallQueue:
    """Waiting incidents, served most urgent and oldest first."""

    def __init__(self) -> None:
        self._heap: list[Waiting] = []
        self._ids: set[str] = set()
        self._order = itertools.count()

    def __len__(self) -> int:
        return len(self._heap)

    def __iter__(self) -> Iterator[Waiting]:
        """The waiting incidents, the next to be served first."""
        return iter(sorted(self._heap))

    def __contains__(self, incident_id: object) -> bool:
        """Whether incident ``incident_id`` is waiting."""
        return incident_id in self._ids

    def push(self, incident: Incident, target: Spot, home: int) -> None:
        """Put ``incident`` in the queue."""
        self.restore(Waiting(incident.priority, incident.time, next(self._order), incident, target, home))

    def restore(self, entry: Waiting) -> None:
        """Put ``entry`` (taken out by :meth:`drain`) back in its place."""
        heapq.heappush(self._heap, entry)
        self._ids.add(entry.incident.id)

    def drain(self) -> list[Waiting]:
        """Take every waiting incident out, the next to be served first."""
        entries = sorted(self._heap)
        self._heap, self._ids = [], set()
        return entries

    def remove(self, incident_id: str) -> Incident:
        """Take incident ``incident_id`` out of the queue."""
        if incident_id not in self._ids:
            raise InputError(f"incident {incident_id!r} is not waiting in the queue")
        k = next(k for k, entry in enumerate(self._heap) if entry.incident.id == incident_id)
        entry = self._heap.pop(k)
        heapq.heapify(self._heap)
        self._ids.discard(incident_id)
        return entry.incident
