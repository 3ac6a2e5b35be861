"""The fuzz suite's machinery: a bad input is one line, run within time and memory.

A case is ``Bad(call, error, names)``: ``call(kit)`` must raise ``error`` (a
:class:`~dispatch.errors.DispatchError`) whose message contains ``names``, the
field, id, file or line at fault; or, for the command line, return the exit code
``error`` (2) with ``names`` in what it printed to stderr. Each case runs in this
process (so coverage sees it) with three bounds:

- time: a timer interrupts Python code after :data:`SECONDS`; a hang in C code
  that the timer cannot interrupt ends the whole run after :data:`HARD_SECONDS`
  (``faulthandler``; run pytest with ``-s`` to see where it hung), so nothing
  waits for ever;
- memory: the address space may grow by at most :data:`MEMORY_BYTES` while the
  case runs (``RLIMIT_AS``), so a huge allocation fails at once with
  ``MemoryError`` instead of swapping the machine.

Adding a case is one line in a ``test_*.py`` module of this package, with a
comment saying what is wrong with the input.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from dispatch import DispatchError, District

SECONDS = 20.0
"""Soft time limit of one case."""

HARD_SECONDS = 120.0
"""After this, a case stuck in C code ends the test run with a traceback."""

MEMORY_BYTES = 1 << 30
"""How much a case may add to the process's address space."""

EXIT_2 = 2
"""The command line's exit code for bad input."""


@dataclass(frozen=True)
class Bad:
    """A bad input and the error it must get.

    ``slow`` marks a case over a second or so; ``xfail`` (``"owner: why"``) marks
    a case whose fix belongs to another part of the package: it must still fail.
    """

    call: Callable[[Kit], object]
    error: type[DispatchError] | int
    names: str
    slow: bool = False
    xfail: str | None = None

    @property
    def where(self) -> str:
        """The case's module and line, its test id."""
        code = self.call.__code__
        return f"{Path(code.co_filename).stem.removeprefix('test_')}:{code.co_firstlineno}"


@dataclass
class Kit:
    """What cases build their inputs from: a private folder and the tiny district."""

    tmp: Path
    tiny: District
    made: dict[str, Any] = field(default_factory=dict)

    def file(self, name: str, content: str | bytes) -> Path:
        """Write ``content`` to ``name`` in the case's folder; return the path."""
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def fifo(self, name: str) -> Path:
        """A named pipe nobody writes to: reading it would block for ever."""
        path = self.tmp / name
        os.mkfifo(path)
        return path


def cases(found: Sequence[Bad]) -> list[Any]:
    """``found`` as pytest parameters, with their marks and ids."""
    params = []
    for case in found:
        marks = [pytest.mark.slow] if case.slow else []
        if case.xfail:
            marks.append(pytest.mark.xfail(strict=True, reason=case.xfail))
        params.append(pytest.param(case, marks=marks, id=case.where))
    return params


class CaseTimeoutError(Exception):
    """A case ran past :data:`SECONDS`."""


@contextmanager
def bounded(seconds: float = SECONDS, memory: int = MEMORY_BYTES) -> Iterator[None]:
    """Run the block within ``seconds`` and ``memory`` more bytes of address space."""

    def expire(*_: object) -> None:
        raise CaseTimeoutError(f"the case ran over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(max(HARD_SECONDS, 4 * seconds), exit=True, file=sys.__stderr__)
    limits = _limit_memory(memory)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        faulthandler.cancel_dump_traceback_later()
        if limits is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, limits)


def _limit_memory(memory: int) -> tuple[int, int] | None:
    """Cap the address space at its present size plus ``memory``; return the
    limits to restore (``None`` where this cannot be done)."""
    if not sys.platform.startswith("linux"):
        return None
    import resource

    pages = int(Path("/proc/self/statm").read_text().split()[0])
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = pages * os.sysconf("SC_PAGE_SIZE") + memory
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    return soft, hard


def check(case: Bad, kit: Kit, capsys: pytest.CaptureFixture[str]) -> None:
    """Run ``case`` within bounds and check the error it gets."""
    if isinstance(case.error, int):
        with bounded():
            try:
                code = case.call(kit)
            except SystemExit as stop:  # argparse refuses a bad option by exiting
                code = stop.code
        err = capsys.readouterr().err
        assert code == case.error, f"exit code {code}, not {case.error}: {err}"
        # progress lines may come first; the error is one line starting "dispatch ...: error:"
        assert any(line.startswith("dispatch") and ": error:" in line for line in err.splitlines()), err
        message = err
    else:
        with pytest.raises(case.error) as caught, bounded():
            case.call(kit)
        message = str(caught.value)
    assert case.names in message, f"{case.names!r} is not named in: {message}"
