"""Column names: the fields of each layer and their Chinese and English aliases.

One table, :data:`FIELDS`, serves the readers, ``dispatch check`` and ``dispatch
init``. A header matches a field when it equals the field's name or one of its
aliases, ignoring case, spaces, underscores and a unit in brackets (``人口(人)``).
A column a user maps on purpose wins (``columns: {所名: name}``); a column mapped
to ``indicator:NAME`` is read as a further station indicator; a column mapped to
nothing (``null``) is ignored. Any other column is an error naming the closest
field.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence

from ..errors import InputError

__all__ = ["FIELDS", "INDICATOR_PREFIX", "KINDS", "header_of", "match_columns"]

INDICATOR_PREFIX = "indicator:"
"""A column mapped to ``indicator:NAME`` is the station indicator ``NAME``."""

_LOCATION = {
    "lon": ("经度", "longitude", "lng", "long", "x经度"),
    "lat": ("纬度", "latitude", "y纬度"),
    "x": ("x坐标", "横坐标", "东坐标", "easting"),
    "y": ("y坐标", "纵坐标", "北坐标", "northing"),
}

FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "stations": {
        "id": ("编号", "代码", "编码", "派出所编号", "单位编码", "code"),
        "name": ("名称", "派出所", "派出所名称", "单位名称", "所名"),
        "kind": ("类型", "派出所类型", "所类型", "type"),
        "officers": ("民警数", "民警", "民警人数", "警力"),
        "vehicles": ("警车数", "警车", "车辆", "车辆数", "cars"),
        "units": ("单元", "警车编号", "unit_ids"),
        "population": ("人口", "人口数", "辖区人口"),
        "incidents_per_year": ("警情数", "警情", "年警情数", "接警数", "incidents"),
        "disputes": ("纠纷数", "纠纷", "矛盾纠纷"),
        "cases": ("案件数", "案件", "刑事案件"),
        "indicator:auxiliaries": ("辅警数", "辅警", "辅警人数", "auxiliaries"),
        **_LOCATION,
    },
    "units": {
        "id": ("编号", "车辆编号", "警车编号", "呼号", "code"),
        "station": ("派出所", "所属派出所", "所属单位"),
        "name": ("名称", "车牌", "车牌号"),
    },
    "partners": {
        "id": ("编号", "代码", "编码", "code"),
        "name": ("名称", "派出所", "派出所名称"),
        "stations": ("协作派出所", "对口派出所", "协作单位"),
        "units": ("单元", "警车编号", "unit_ids"),
        "vehicles": ("警车", "警车数", "车辆数", "cars"),
        **_LOCATION,
    },
    "villages": {
        "id": ("编号", "代码", "编码", "村编号", "村编码", "网格编号", "网格编码", "code"),
        "name": ("名称", "村名", "村名称", "村居", "村社", "网格名称"),
        "population": ("人口", "人口数", "常住人口"),
        "incident_rate": ("警情数", "警情", "年警情数", "incidents"),
        "station": ("派出所", "所属派出所", "辖区派出所"),
        **_LOCATION,
    },
    "jurisdictions": {
        "station": ("派出所", "派出所编号", "编号", "id"),
        "name": ("名称", "派出所名称"),
    },
    "boundary": {
        "name": ("名称", "县", "区县"),
    },
    "incidents": {
        "id": ("编号", "警情编号", "接警单编号", "报警编号", "code"),
        "time": ("报警时间", "接警时间", "发生时间", "时间", "call_time"),
        "village": ("村", "村名", "村居", "所属村", "网格", "村编号"),
        "category": ("警情类别", "类别", "警情类型", "案由", "type"),
        "priority": ("优先级", "等级", "警情等级", "紧急程度", "级别"),
        "valid": ("有效", "是否有效", "有效警情"),
        "arrival": ("到达时间", "到场时间", "到达现场时间", "arrival_time"),
        "clear": ("处置结束时间", "结束时间", "办结时间", "clear_time"),
        "service_time": ("现场处置时长", "处置时长", "现场时长", "on_scene"),
        **_LOCATION,
    },
    "roads": {
        "class": ("道路等级", "等级", "技术等级", "行政等级", "公路等级", "highway", "fclass", "road_class"),
        "speed": ("设计速度", "速度", "限速", "设计时速", "maxspeed", "speed_kph"),
        "oneway": ("单行", "单向", "单行道", "one_way"),
    },
}
"""Each layer's fields and their aliases (Chinese first: ``dispatch init --lang
zh`` writes the first alias as the header)."""

KINDS = tuple(FIELDS)
"""The layer kinds."""

_UNIT = re.compile(r"[(（\[【].*?[)）\]】]")


def _normal(header: str) -> str:
    return re.sub(r"[\s_\-]", "", _UNIT.sub("", header.replace("\ufeff", ""))).casefold()


def header_of(kind: str, field: str, lang: str = "en") -> str:
    """The header ``dispatch init`` writes for ``field``: its name, or its first
    (Chinese) alias with ``lang="zh"``.

    Examples
    --------
    >>> header_of("stations", "officers", "zh")
    '民警数'
    """
    aliases = FIELDS[kind][field]
    if lang != "zh":
        return field
    return next((a for a in aliases if not a.isascii()), field)


def match_columns(
    kind: str,
    headers: Sequence[str],
    source: str,
    mapping: Mapping[str, str | None] | None = None,
    *,
    allowed: Sequence[str] = (),
    strict: bool = True,
) -> dict[str, int]:
    """Field -> column position for ``headers``; ``mapping`` (column -> field,
    ``None`` to ignore) wins over the aliases. Columns in ``allowed`` (geometry,
    say) are skipped, and so are unknown columns unless ``strict``. Unknown,
    doubly mapped and missing columns are refused in one :class:`InputError`
    naming ``source``.

    Examples
    --------
    >>> match_columns("stations", ["名称", "经度", "纬度", "民警数"], "stations.csv")
    {'name': 0, 'lon': 1, 'lat': 2, 'officers': 3}
    """
    fields = FIELDS[kind]
    lookup = {_normal(f): f for f in fields}
    lookup |= {_normal(a): f for f, aliases in fields.items() for a in aliases}
    mapping = dict(mapping or {})
    stray = sorted(set(mapping) - set(headers))
    problems = [
        f"columns: maps {c!r}, but {source} has no such column (it has {', '.join(map(repr, headers))})" for c in stray
    ]
    found: dict[str, int] = {}
    origin: dict[str, str] = {}
    for position, header in enumerate(headers):
        if header in mapping:
            field = mapping[header]
            if field is None:
                continue
            if field not in fields and not field.startswith(INDICATOR_PREFIX):
                problems.append(
                    f"columns: maps {header!r} to {field!r}, which is no {kind} field{_suggestion(field, fields)}"
                )
                continue
        elif header in allowed or not header.strip() or not (strict or _normal(header) in lookup):
            continue
        else:
            field = lookup.get(_normal(header)) or (header if header.startswith(INDICATOR_PREFIX) else None)
            if field is None:
                problems.append(
                    f"{source}: unknown column {header!r}{_suggestion(header, fields)}; map it with "
                    f"columns: {{{header}: FIELD}}, to an indicator with 'indicator:NAME', or to null to ignore it"
                )
                continue
        if field in found:
            problems.append(f"{source}: columns {origin[field]!r} and {header!r} both give {field!r}; map one to null")
            continue
        found[field], origin[field] = position, header
    if problems:
        raise InputError(f"{source} has column problems", problems)
    return found


def _suggestion(name: str, fields: Mapping[str, tuple[str, ...]]) -> str:
    """``" (did you mean 'population'?)"`` for the closest field, or ``""``."""
    candidates = {f: f for f in fields} | {a: f for f, aliases in fields.items() for a in aliases}
    close = difflib.get_close_matches(name.casefold(), list(candidates), n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(_normal(name), [_normal(c) for c in candidates], n=1, cutoff=0.6)
        close = [c for c in candidates if _normal(c) in close][:1]
    return f" (did you mean {candidates[close[0]]!r}?)" if close else ""
