"""Progress drawn from :class:`~dispatch.progress.Progress` callbacks: a bar with
an ETA redrawn in place on a terminal, plain log lines anywhere else."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from ..progress import Progress

__all__ = ["ProgressBar"]


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3_600:
        return f"{seconds // 60:.0f} min {seconds % 60:02.0f} s"
    return f"{seconds // 3_600:.0f} h {seconds % 3_600 // 60:02.0f} min"


class ProgressBar:
    """Shows each progress report it is called with on ``stream`` (stderr).

    On a terminal one line is redrawn (``\\r``) with the share done, the time so
    far and the time left; elsewhere (a log file, a pipe) a plain line is written
    at the start, at most every ``every`` seconds, and at the end, with no
    control characters. ``quiet`` shows nothing. Pass it as ``on_progress``;
    :meth:`note` says what starts next; call :meth:`close` when the work is done.

    Examples
    --------
    >>> import io
    >>> log = io.StringIO()
    >>> bar = ProgressBar(log, interactive=False)
    >>> for done in (1, 2, 3, 4):
    ...     bar(Progress("simulating", done, 4, elapsed=done * 2.0))
    >>> print(log.getvalue().strip())
    simulating: 1/4 (25 %), 2 s, about 6 s left
    simulating: 4/4 (100 %), 8 s
    """

    width = 30

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        interactive: bool | None = None,
        quiet: bool = False,
        every: float = 10.0,
    ) -> None:
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.quiet = quiet
        self.every = every
        self._drawn = False
        self._last: tuple[str, float] | None = None

    def __call__(self, progress: Progress) -> None:
        if self.quiet:
            return
        share = progress.done / progress.total if progress.total else 1.0
        left = progress.elapsed / progress.done * (progress.total - progress.done) if progress.done else None
        finished = progress.done >= progress.total
        timing = _duration(progress.elapsed) + ("" if finished or left is None else f", about {_duration(left)} left")
        detail = f"; {progress.detail}" if progress.detail else ""
        if self.interactive:
            bar = "#" * round(self.width * share)
            self.stream.write(
                f"\r\033[K{progress.task} [{bar:<{self.width}}] {progress.done}/{progress.total} {timing}{detail}"
            )
            self._drawn = True
        else:
            now = time.monotonic()
            new_task = self._last is None or self._last[0] != progress.task
            if not (new_task or finished or now - self._last[1] >= self.every):  # type: ignore[index]
                return
            self._last = (progress.task, now)
            self.stream.write(
                f"{progress.task}: {progress.done}/{progress.total} ({share * 100:.0f} %), {timing}{detail}\n"
            )
        self.stream.flush()

    def note(self, text: str) -> None:
        """Say what starts now (a file loading, a solver running), on its own line."""
        if self.quiet:
            return
        self.close()
        self.stream.write(f"{text}\n")
        self.stream.flush()

    def close(self) -> None:
        """Finish the bar's line, if one was drawn."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
