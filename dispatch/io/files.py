"""Reading and writing files safely: errors that name the file, atomic writes."""

from __future__ import annotations

import gzip
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..errors import InputError

__all__ = ["atomic_write", "open_text"]


def open_text(path: str | Path) -> IO[str]:
    """Open a text file for reading (gzip if it ends in ``.gz``); a missing file
    raises :class:`InputError` naming it."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"file {str(path)!r} does not exist")
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open("r", encoding="utf-8", newline="")


@contextmanager
def atomic_write(path: str | Path) -> Iterator[IO[str]]:
    """Write a text file (gzip if it ends in ``.gz``) all at once or not at all.

    The text goes to a temporary file beside ``path`` that replaces ``path`` only
    when the block finishes without error.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw:
            # No name and mtime 0 in the gzip header: identical text, identical bytes.
            binary = gzip.GzipFile("", "wb", fileobj=raw, mtime=0) if path.suffix == ".gz" else raw
            with io.TextIOWrapper(binary, encoding="utf-8", newline="") as text:
                yield text
        os.chmod(temporary, 0o644)  # mkstemp makes files private
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
