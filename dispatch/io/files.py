"""Reading and writing files safely: errors that name the file, encodings
detected, atomic writes.

Text is decoded as the caller says (``encoding``), else by what the bytes show: a
UTF-16 byte-order mark, then UTF-8 (a byte-order mark tolerated), then
GBK/GB18030. A file that is none of these, or mixes them, is an
:class:`~dispatch.errors.InputError` that names the file and suggests
``encoding:``.
"""

from __future__ import annotations

import codecs
import csv
import gc
import gzip
import io
import os
import re
import shutil
import stat
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..errors import InputError

__all__ = [
    "atomic_folder",
    "atomic_write",
    "checked_file",
    "collector_paused",
    "csv_rows",
    "decode",
    "open_text",
    "read_bytes",
]

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def checked_file(path: str | Path) -> Path:
    """``path`` if it is a regular file; otherwise an :class:`InputError` saying
    what it is (missing, a folder, a FIFO, a device ...)."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError(f"file {str(path)!r} does not exist") from None
    except OSError as error:
        raise InputError(f"cannot read {str(path)!r}: {error.strerror}") from None
    for test, kind in _KINDS:
        if test(mode):
            raise InputError(f"{str(path)!r} is {kind}, not a file")
    return path


def read_bytes(path: str | Path) -> bytes:
    """The bytes of a regular file, gunzipped if it ends in ``.gz``."""
    path = checked_file(path)
    data = path.read_bytes()
    if path.suffix.lower() != ".gz":
        return data
    try:
        return gzip.decompress(data)
    except (EOFError, OSError, zlib.error) as error:
        raise InputError(f"{str(path)!r} is not a valid gzip file ({error}); is it truncated?") from None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes, source: str, encoding: str | None = None) -> tuple[str, str]:
    """``data`` as text and the encoding used (see the module notes).

    Examples
    --------
    >>> decode("名称".encode("gbk"), "stations.csv")
    ('名称', 'gb18030')
    """
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"{source}: unknown encoding {encoding!r} (try utf-8 or gbk)") from None
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as error:
            raise InputError(
                f"{source} is not in {encoding} (line {_line_of(data, error.start)} does not decode); "
                "give its real encoding with encoding: (utf-8, gbk ...)"
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise InputError(f"{source} starts like UTF-16 but does not decode as UTF-16") from None
    if b"\0" in data[:65_536]:
        raise InputError(f"{source} holds binary data, not text: is it the file you meant?")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as error:
        first_bad = _line_of(data, error.start)
    _refuse_mixed(data, source)
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise InputError(
            f"{source} is neither UTF-8 nor GBK/GB18030 (line {first_bad} does not decode); "
            "give its encoding with encoding:"
        ) from None


_UTF8_LINE = re.compile("^[^\n\udc80-\udcff]*[\u0800-\ud7ff\ue000-\U0010ffff][^\n\udc80-\udcff]*$", re.M)
"""A line of text decoded with ``surrogateescape`` that was all UTF-8 and holds a
character beyond U+0800."""


def _refuse_mixed(data: bytes, source: str) -> None:
    """Refuse text whose non-ASCII lines are partly UTF-8 and partly not.

    A line counts as UTF-8 when it decodes with a character beyond U+0800 (CJK,
    say): short GBK text can decode as UTF-8 by chance, but to rarer characters.
    The file is decoded once, bytes that are not UTF-8 kept as surrogates, and
    searched line by line only when both kinds are there.
    """
    text = data.decode("utf-8", errors="surrogateescape")
    if _UTF8_LINE.search(text) is None or re.search("[\udc80-\udcff]", text) is None:
        return
    lines = text.split("\n")
    utf8 = [k for k, line in enumerate(lines, start=1) if _UTF8_LINE.fullmatch(line)]
    other = [k for k, line in enumerate(lines, start=1) if re.search("[\udc80-\udcff]", line)]
    raise InputError(
        f"{source} mixes encodings: line(s) {utf8[:5]} are UTF-8, line(s) {other[:5]} are not; "
        "save the whole file in one encoding (UTF-8 is best)"
    )


def open_text(path: str | Path, encoding: str | None = None) -> IO[str]:
    """A text file for reading (gunzipped if it ends in ``.gz``), decoded as
    :func:`decode` does; a missing or unreadable file raises :class:`InputError`
    naming it."""
    text, _ = decode(read_bytes(path), repr(str(path)), encoding)
    return io.StringIO(text, newline=None)


def csv_rows(text: str, source: str) -> list[list[str]]:
    """The rows of CSV ``text`` (comma-, semicolon- or tab-separated, as its
    first line shows); a malformed or oversized field names its line."""
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return list(reader)
    except csv.Error as error:  # e.g. a field over the csv module's 128 KB limit
        raise InputError(f"{source}, line {reader.line_num}: {error}") from None


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a file becomes millions of small
    objects (it would scan them again and again, more often the bigger the file),
    and back on after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def atomic_folder(folder: str | Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Write a folder of files all at once or not at all: the block writes into a
    temporary folder beside ``folder`` that takes its place when the block
    finishes without error. An existing ``folder`` is replaced only with
    ``overwrite=True``."""
    folder = Path(folder)
    if folder.exists() and not overwrite:
        raise InputError(f"{str(folder)!r} exists; pass overwrite=True to replace it")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        yield staging
        staging.chmod(0o755)  # mkdtemp makes folders private
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


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
