"""A plain progress bar on standard error, shown only when asked for."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Counts work done out of ``total`` and redraws one line on ``stream``.

    Silent unless ``enabled``: the library never writes unless a caller (the
    command line) asks.
    """

    def __init__(self, total: int, label: str, *, enabled: bool, stream: TextIO | None = None) -> None:
        self.total, self.label, self.enabled = total, label, enabled
        self.done = 0
        self.stream = stream or sys.stderr
        self._start = time.perf_counter()
        self._draw()

    def advance(self, count: int = 1) -> None:
        """Record ``count`` more pieces of work done."""
        self.done += count
        self._draw()

    def close(self) -> None:
        """Finish the line."""
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self) -> None:
        if not self.enabled:
            return
        width = 30
        share = self.done / self.total if self.total else 1.0
        bar = "#" * round(width * share)
        elapsed = time.perf_counter() - self._start
        self.stream.write(f"\r{self.label} [{bar:<{width}}] {self.done}/{self.total} {elapsed:,.0f} s")
        self.stream.flush()
