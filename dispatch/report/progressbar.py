"""A progress bar drawn from :class:`~dispatch.progress.Progress` callbacks."""

from __future__ import annotations

import sys
from typing import TextIO

from ..progress import Progress

__all__ = ["ProgressBar"]


class ProgressBar:
    """Redraws one line on ``stream`` for each progress report it is called with.

    Pass it as ``on_progress``; call :meth:`close` when the work is done.
    """

    width = 30

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self._drawn = False

    def __call__(self, progress: Progress) -> None:
        share = progress.done / progress.total if progress.total else 1.0
        bar = "#" * round(self.width * share)
        self.stream.write(
            f"\r{progress.task} [{bar:<{self.width}}] {progress.done}/{progress.total} {progress.elapsed:,.0f} s"
        )
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Finish the line, if one was drawn."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
