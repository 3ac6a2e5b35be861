"""Helpers shared by the benchmark scripts: timing, figures and Markdown output.

Every script prints Markdown on standard output (tables and the sentences that
lead them) and its progress on standard error, so that ``benchmarks/readme.py``
can paste what a script printed into the README as it is.
"""

from __future__ import annotations

import contextlib
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from dispatch.texttable import Table

T = TypeVar("T")


def best_of(repeat: int, run: Callable[[], T]) -> tuple[float, T]:
    """The fastest of ``repeat`` runs in seconds, and the last run's result."""
    times, result = runs(repeat, run)
    return min(times), result


def median_of(repeat: int, run: Callable[[], T]) -> tuple[float, T]:
    """The median of ``repeat`` runs in seconds, and the last run's result."""
    times, result = runs(repeat, run)
    return statistics.median(times), result


def runs(repeat: int, run: Callable[[], T]) -> tuple[list[float], T]:
    """The seconds each of ``repeat`` runs took, and the last run's result."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return times, result


def sig(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant figures, with thousands separators and
    never an exponent: 0.0193, 1.26, 181, 9,385."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    decimals = max(digits - 1 - math.floor(math.log10(abs(value))), 0)
    return f"{value:,.{decimals}f}"


def ratio(value: float) -> str:
    """A ratio for people: ``24×``, ``1.5×``."""
    return f"{sig(value, 2 if value < 10 else 3)}×"


def span(ratios: Sequence[float]) -> str:
    """The range of ``ratios`` for people: ``1.5–24×``."""
    return f"{ratio(min(ratios))[:-1]}–{ratio(max(ratios))}"


def mark(seconds: float, proven: bool) -> str:
    """A time, marked † when the solve stopped without proving optimality."""
    return sig(seconds) + ("" if proven else " †")


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], formats: Sequence[str]) -> None:
    """Print a Markdown table; ``formats`` holds one format spec a column (``""``
    for text, which is left-aligned; ``"s"`` for figures already formatted)."""
    print(Table(title, tuple(columns), tuple(tuple(row) for row in rows), tuple(formats)).to_markdown(), end="\n\n")


def paragraph(*sentences: str) -> None:
    """Print one Markdown paragraph."""
    print(" ".join(sentences), end="\n\n")


def progress(message: str) -> None:
    """Tell the person waiting what is running (standard error, not the README)."""
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send what native code prints (solver banners) to standard error, so that
    standard output keeps only the Markdown."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
