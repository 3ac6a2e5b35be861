"""Progress drawn from :class:`~dispatch.progress.Progress` callbacks: a bar with
an ETA redrawn in place on a terminal, plain log lines anywhere else."""

from __future__ import annotations

import math
import sys
import time
from typing import TextIO

from ..plan.result import relative_gap
from ..progress import Progress
from .i18n import Language, task_label

__all__ = ["ProgressBar"]

_UNITS: dict[Language, tuple[str, str, str]] = {"zh": (" 小时", " 分", " 秒"), "en": (" h", " min", " s")}


def _duration(seconds: float, language: Language) -> str:
    hours, minutes, secs = _UNITS[language]
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f}{secs}"
    if seconds < 3_600:
        return f"{seconds // 60:.0f}{minutes} {seconds % 60:02.0f}{secs}"
    return f"{seconds // 3_600:.0f}{hours} {seconds % 3_600 // 60:02.0f}{minutes}"


def _timing(progress: Progress, language: Language) -> str:
    """Time so far and, until the end, the time left, estimated from the pace so far."""
    spent = _duration(progress.elapsed, language)
    if progress.done >= progress.total or not progress.done:
        return spent if language == "en" else f"已用 {spent}"
    left = _duration(progress.elapsed / progress.done * (progress.total - progress.done), language)
    return f"{spent}, about {left} left" if language == "en" else f"已用 {spent}，约剩 {left}"


def _detail(progress: Progress, language: Language) -> str:
    """What the task says beyond its count: in Chinese from its figures."""
    if language == "en" or progress.best is None:
        return f"; {progress.detail}" if progress.detail else ""
    best, bound = progress.best, progress.bound
    parts = [f"当前最优 {best:,.6g}"] if math.isfinite(best) else []
    if bound is not None and math.isfinite(bound):
        parts.append(f"界 {bound:,.6g}")
        if math.isfinite(best):
            parts.append(f"差距 {relative_gap(best, bound):.2%}")
    return "；" + "，".join(parts) if parts else ""


class ProgressBar:
    """Shows each progress report it is called with on ``stream`` (stderr).

    On a terminal one line is redrawn (``\\r``) with the share done, the time so
    far and the time left; elsewhere (a log file, a pipe) a plain line is written
    at the start, at most every ``every`` seconds, and at the end, with no
    control characters. ``quiet`` shows nothing; ``language`` is that of the
    words around the figures. Pass it as ``on_progress``;
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
    >>> bar = ProgressBar(log, interactive=False, language="zh")
    >>> bar(Progress("p-median", 3, 60, elapsed=3.2, best=713.0, bound=700.0))
    >>> print(log.getvalue().strip().splitlines()[-1])
    求解 p-中位模型: 3/60 (5 %), 已用 3 秒，约剩 1 分 01 秒；当前最优 713，界 700，差距 1.82%
    """

    width = 30

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        interactive: bool | None = None,
        quiet: bool = False,
        every: float = 10.0,
        language: Language = "en",
    ) -> None:
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.quiet = quiet
        self.every = every
        self.language = language
        self._drawn = False
        self._last: tuple[str, float] | None = None

    def __call__(self, progress: Progress) -> None:
        if self.quiet:
            return
        share = progress.done / progress.total if progress.total else 1.0
        finished = progress.done >= progress.total
        task = task_label(progress.task, self.language)
        timing, detail = _timing(progress, self.language), _detail(progress, self.language)
        if self.interactive:
            bar = "#" * round(self.width * share)
            self.stream.write(f"\r\033[K{task} [{bar:<{self.width}}] {progress.done}/{progress.total} {timing}{detail}")
            self._drawn = True
        else:
            now = time.monotonic()
            new_task = self._last is None or self._last[0] != progress.task
            if not (new_task or finished or now - self._last[1] >= self.every):  # type: ignore[index]
                return
            self._last = (progress.task, now)
            self.stream.write(f"{task}: {progress.done}/{progress.total} ({share * 100:.0f} %), {timing}{detail}\n")
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
