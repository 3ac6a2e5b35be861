"""Progress of long work, reported to a callback the caller passes.

The library never draws anything: a long function takes ``on_progress``, a
callable that receives a :class:`Progress` after each piece of work. The command
line draws a bar from it; other systems show it their own way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["OnProgress", "Progress", "Tracker"]


@dataclass(frozen=True)
class Progress:
    """``done`` of ``total`` pieces of ``task``, ``elapsed`` seconds since it began;
    ``detail`` says more in English words (a solver's best objective and bound,
    say), ``best`` and ``bound`` give those figures as numbers when there are
    any."""

    task: str
    done: int
    total: int
    elapsed: float
    detail: str = ""
    best: float | None = None
    bound: float | None = None


OnProgress = Callable[[Progress], None]
"""A callback that receives progress."""


@dataclass
class Tracker:
    """Counts pieces of ``task`` and tells ``on_progress`` (if any) after each."""

    task: str
    total: int
    on_progress: OnProgress | None
    done: int = 0
    start: float = field(default_factory=time.perf_counter)

    def advance(self, count: int = 1, detail: str = "", best: float | None = None, bound: float | None = None) -> None:
        """Record ``count`` more pieces done (``detail``, ``best`` and ``bound``: see :class:`Progress`)."""
        self.done += count
        if self.on_progress is not None:
            elapsed = time.perf_counter() - self.start
            self.on_progress(Progress(self.task, self.done, self.total, elapsed, detail, best, bound))
