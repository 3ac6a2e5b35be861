"""Calls from a 110 / CAD export: :func:`read_calls`.

Times may be seconds, ISO 8601, common Chinese forms (``2024/7/1 10:05``,
``2024年7月1日 10:05:00``, ``20240701100500``) or Excel date cells and serial
numbers; times without a zone are China Standard Time (UTC+8), and times with one
are converted to it. A call's place is a point (``lon``/``lat`` or ``x``/``y`` in
any CRS :mod:`dispatch.io.coords` reads) or a village (id or name). A ``valid``
column drops the calls marked invalid (否, 无效, 0, false ...), and the calls
dropped are counted by reason.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import InputError, listed
from .files import collector_paused
from .layers import Layer, LayerSource, read_layer

__all__ = ["CHINA_TIME", "Calls", "calls_of", "parse_time", "read_calls"]

CHINA_TIME = timezone(timedelta(hours=8), "CST")
"""China Standard Time, the zone of times that name none."""

EXCEL_EPOCH = datetime(1899, 12, 30, tzinfo=CHINA_TIME)

_CHINESE = re.compile(
    r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[:：时点]\s*(\d{1,2})\s*(?:[:：分]\s*(\d{1,2}(?:\.\d+)?)\s*秒?)?\s*分?)?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$")

INVALID_MARKS = {"否", "无效", "0", "false", "no", "n", "f", "invalid", "×"}
VALID_MARKS = {"是", "有效", "1", "true", "yes", "y", "t", "valid", "√"}


def parse_time(value: Any, *, serial: bool = False) -> float:
    """Seconds since the epoch (a date-time) or seconds as given (a plain
    number; an Excel serial date with ``serial=True``).

    Examples
    --------
    >>> parse_time("2024年7月1日 10:05:00") == parse_time("2024/7/1 10:05") == parse_time("2024-07-01T02:05:00Z")
    True
    >>> parse_time("3600")
    3600.0
    """
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=CHINA_TIME)
        return moment.timestamp()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        if not math.isfinite(number) or number < 0:
            raise ValueError("not a time")
        return (EXCEL_EPOCH + timedelta(days=number)).timestamp() if serial else number
    text = str(value).strip()
    for pattern in (_CHINESE, _COMPACT):
        match = pattern.match(text)
        if match:
            year, month, day, hour, minute = (int(g or 0) for g in match.groups()[:5])
            second = float(match.group(6) or 0)
            moment = datetime(year, month, day, hour, minute, tzinfo=CHINA_TIME) + timedelta(seconds=second)
            return moment.timestamp()
    try:
        return parse_time(float(text), serial=serial)
    except ValueError:
        return parse_time(datetime.fromisoformat(text.replace("Z", "+00:00")))


@dataclass(frozen=True)
class Calls:
    """Calls read from an export, in file order.

    ``time``, ``arrival`` and ``clear`` are seconds (since the epoch for
    date-times; ``nan`` when absent); ``clock`` says whether they are date-times.
    ``xy`` is each call's point in the target CRS (``nan`` when it gives a
    village instead); ``village`` the village id or name given; ``priority`` 0
    when not given; ``service`` the seconds on scene (the ``service_time``
    column, else clear minus arrival; ``nan`` when unknown). ``dropped`` maps a
    reason to the rows left out for it.
    """

    source: str
    ids: tuple[str, ...]
    time: NDArray[np.float64]
    clock: bool
    xy: NDArray[np.float64]
    village: tuple[str | None, ...]
    category: tuple[str | None, ...]
    priority: NDArray[np.int64]
    arrival: NDArray[np.float64]
    clear: NDArray[np.float64]
    service: NDArray[np.float64]
    numbers: NDArray[np.int64]
    unit: str = "row"
    dropped: dict[str, list[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.time)

    def where(self, k: int) -> str:
        """``"'110.csv', row 7"``: where call ``k`` is in its file."""
        return f"{self.source}, {self.unit} {self.numbers[k]}"


def read_calls(
    source: str | Path | LayerSource | Any,
    *,
    to_crs: str | None = None,
    crs: str | int | None = None,
    columns: Mapping[str, str | None] | None = None,
) -> Calls:
    """Read calls (an ``incidents`` layer, see :func:`~dispatch.io.read_layer`).

    Every time that does not parse is listed by row in one :class:`InputError`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "110.csv"
    >>> _ = path.write_text("报警时间,村,警情类别\\n2024/7/1 10:05,v001,纠纷\\n2024年7月1日 11:00:00,v002,盗窃\\n")
    >>> calls = read_calls(path)
    >>> len(calls), calls.village, float(calls.time[1] - calls.time[0])
    (2, ('v001', 'v002'), 3300.0)
    """
    with collector_paused():
        return calls_of(read_layer(source, "incidents", to_crs=to_crs, crs=crs, columns=columns))


def calls_of(layer: Layer) -> Calls:
    """The calls of an ``incidents`` layer (see :func:`read_calls`)."""
    table = layer.table
    assert table is not None
    fields, rows = layer.fields, table.rows
    serial = table.source.endswith(("'.xlsx'", ".xlsm'")) or ", sheet " in table.source

    def cells(name: str) -> list[Any]:
        return table.column(fields[name]) if name in fields else [None] * len(rows)

    problems: list[str] = []
    times = {name: np.full(len(rows), np.nan) for name in ("time", "arrival", "clear")}
    kinds: set[bool] = set()
    for name, values in ((n, cells(n)) for n in times if n in fields):
        fast = _chinese_times(values)
        times[name][:] = fast
        if not np.isnan(fast).all():
            kinds.add(True)
        for i in np.flatnonzero(np.isnan(fast)).tolist():
            value = values[i]
            if value is None:
                if name == "time":
                    problems.append(f"{table.where(i, table.headers[fields['time']])}: no time")
                continue
            try:
                times[name][i] = parse_time(value, serial=serial)
                kinds.add(isinstance(value, datetime) or serial or not _plain_number(value))
            except (ValueError, OverflowError):
                problems.append(
                    f"{table.where(i, table.headers[fields[name]])}: {value!r} is not a time "
                    "(ISO 8601, 2024/7/1 10:05, 2024年7月1日 10:05:00, or seconds)"
                )
    if len(kinds) > 1:
        problems.append(f"{table.source}: times mix date-times and plain seconds; give them all one way")
    service = np.full(len(rows), np.nan)
    for i, value in enumerate(cells("service_time") if "service_time" in fields else []):
        try:
            seconds = math.nan if value is None else float(value)
            if not (math.isnan(seconds) or (math.isfinite(seconds) and seconds >= 0)):
                raise ValueError
            service[i] = seconds
        except (TypeError, ValueError):
            column = table.headers[fields["service_time"]]
            problems.append(f"{table.where(i, column)}: {value!r} is not a number of seconds >= 0")
    unknown = np.isnan(service)
    service[unknown] = (times["clear"] - times["arrival"])[unknown]
    late = np.flatnonzero(service < 0)
    problems += [f"{table.where(int(i))}: cleared before it was reached (clear < arrival)" for i in late]
    priority = np.zeros(len(rows), dtype=np.int64)
    for i, value in enumerate(cells("priority") if "priority" in fields else []):
        if value is None:
            continue
        try:
            number = float(value)
            if not number.is_integer() or number < 1:
                raise ValueError
            priority[i] = int(number)
        except (TypeError, ValueError):
            problems.append(
                f"{table.where(i, table.headers[fields['priority']])}: {value!r} is not a priority (1, 2, 3 ...)"
            )
    keep = np.ones(len(rows), dtype=bool)
    dropped: dict[str, list[str]] = {}
    for i, value in enumerate(cells("valid") if "valid" in fields else []):
        mark = None if value is None else str(value).strip().casefold()
        if mark in INVALID_MARKS:
            keep[i] = False
            dropped.setdefault("marked invalid", []).append(table.where(i))
        elif mark is not None and mark not in VALID_MARKS:
            problems.append(
                f"{table.where(i, table.headers[fields['valid']])}: {value!r} is neither valid (是) nor invalid (否)"
            )
    if problems:
        raise InputError(f"{table.source} has {len(problems)} bad value(s)", listed(problems))
    text = (
        [None if v is None else str(v).strip() for v in cells("village")] if "village" in fields else cells("village")
    )
    ids = [str(v).strip() if v is not None else f"row{table.numbers[i]}" for i, v in enumerate(cells("id"))]
    categories = (
        [None if c is None else str(c) for c in cells("category")] if "category" in fields else cells("category")
    )
    index = np.flatnonzero(keep).tolist()
    return Calls(
        source=table.source,
        ids=tuple(ids[i] for i in index),
        time=times["time"][index],
        clock=True in kinds,
        xy=layer.xy[index],
        village=tuple(text[i] for i in index),
        category=tuple(categories[i] for i in index),
        priority=priority[index],
        arrival=times["arrival"][index],
        clear=times["clear"][index],
        service=service[index],
        numbers=np.asarray(table.numbers)[index],
        unit=table.unit,
        dropped=dropped,
    )


_EVERY_LINE = re.compile(
    "^(?:" + _CHINESE.pattern[1:-1].replace("[\\sT]", "(?:[^\\S\\n]|T)").replace("\\s", "[^\\S\\n]") + ")?([^\\n]*)$",
    re.M,
)
"""Every line of a text: the parts of :data:`_CHINESE` where it begins so, and
what is left of the line after them (all of it when it does not)."""


def _chinese_times(values: list[Any]) -> NDArray[np.float64]:
    """Seconds since the epoch of the values in the usual Chinese and ISO forms
    without a zone, parsed at once (``nan`` for any other value): one regular
    expression over all the values, one a line, then numpy's date parsing."""
    text = "\n".join(v.replace("\n", " ") if isinstance(v, str) else "" for v in values)
    iso = [
        f"{y}-{mo:0>2}-{d:0>2}T{h or 0:0>2}:{mi or 0:0>2}:{_two(s)}" if y and not rest else "NaT"
        for y, mo, d, h, mi, s, rest in _EVERY_LINE.findall(text)
    ]
    try:
        stamps = np.array(iso, dtype="datetime64[ms]")
    except ValueError:  # an impossible date somewhere: each is parsed on its own
        return np.full(len(values), np.nan)
    found = stamps.astype(np.int64) / 1_000.0 - 8 * 3_600.0
    found[np.isnat(stamps)] = np.nan
    return np.asarray(found, dtype=np.float64)


def _two(seconds: str) -> str:
    """Seconds (``5``, ``5.25`` or none) with two digits before the point."""
    whole = seconds.find(".")
    return "00" if not seconds else "0" + seconds if (whole if whole >= 0 else len(seconds)) == 1 else seconds


def _plain_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True
