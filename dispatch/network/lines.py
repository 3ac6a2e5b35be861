"""Road networks from line layers: lines noded where they share a vertex, travel
times from a speed per line, and default speeds by road class.

Chinese classes (国道/省道/县道/乡道/村道, or the letters G/S/X/Y/C/Z that begin
road numbers such as ``X123``) and OSM ``highway`` classes share one table,
:data:`ROAD_SPEEDS_KPH`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError, listed
from .convert import RURAL_SPEEDS_KPH
from .graph import RoadNetwork

__all__ = ["CHINESE_SPEEDS_KPH", "ROAD_SPEEDS_KPH", "VERTEX_PRECISION", "from_lines", "from_vertices", "road_speeds"]

CHINESE_SPEEDS_KPH: dict[str, float] = {
    "高速": 100,
    "高速公路": 100,
    "国道": 70,
    "省道": 55,
    "县道": 40,
    "乡道": 30,
    "村道": 25,
    "专用公路": 30,
    "G": 70,
    "S": 55,
    "X": 40,
    "Y": 30,
    "C": 25,
    "Z": 30,
}
"""Default speeds (km/h) of Chinese road classes on winding rural roads; the
letters are the first letter of a road number (``G318`` is a national road)."""

ROAD_SPEEDS_KPH: dict[str, float] = {**CHINESE_SPEEDS_KPH, **RURAL_SPEEDS_KPH}
"""Every default class speed: Chinese classes and OSM ``highway`` classes."""

VERTEX_PRECISION = 3
"""Decimals to which vertices are compared when noding (millimetres in metres)."""

_CODE = re.compile(r"^([GSXYCZ])\d")


def road_speeds(classes: Sequence[Any], speeds_kph: Mapping[str, float] = ROAD_SPEEDS_KPH) -> NDArray[np.float64]:
    """The speed (km/h) of each road class, ``nan`` for classes not in
    ``speeds_kph``. A class matches by name (case-insensitive), by the letter of a
    road number (``X123``), or by a Chinese class word it contains
    (``县道X123``).

    Examples
    --------
    >>> road_speeds(["国道", "X123", "乡道(水泥)", "residential", "马路"]).tolist()
    [70.0, 40.0, 30.0, 30.0, nan]
    """
    table = {k.casefold(): float(v) for k, v in speeds_kph.items()}
    words = sorted((k for k in speeds_kph if not k.isascii()), key=len, reverse=True)
    names, position = np.unique(np.array(["" if c is None else str(c).strip() for c in classes]), return_inverse=True)
    speeds = np.full(len(names), np.nan)
    for i, text in enumerate(names.tolist()):  # each class once
        code = _CODE.match(text.upper())
        hit = table.get(text.casefold())
        if hit is None and code:
            hit = table.get(code.group(1).casefold())
        if hit is None:
            hit = next((table[w.casefold()] for w in words if w in text), None)
        if hit is not None and text:
            speeds[i] = hit
    return speeds[position.reshape(-1)] if len(classes) else np.zeros(0)


def from_lines(
    lines: Sequence[Any] | NDArray[Any],
    speed_kph: ArrayLike,
    *,
    oneway: ArrayLike | None = None,
    crs: str | None = None,
    names: Sequence[str] | None = None,
) -> RoadNetwork:
    """A network from road lines in a metric CRS.

    Lines are split into edges at every vertex shared with another line (or
    repeated in the same line) and at their ends; lines that cross without a
    shared vertex (a bridge over a road) stay apart. Each edge's length is the
    length of its piece of line and its time that length at the line's
    ``speed_kph``. ``oneway`` per line: ``1`` only in the drawn direction, ``-1``
    only against it, ``0`` (default) both ways. Node labels are integers.
    ``names`` (say, ``"row 5"``) name the lines in errors.

    Examples
    --------
    >>> from shapely import LineString
    >>> roads = from_lines([LineString([(0, 0), (500, 0), (1000, 0)]), LineString([(500, 0), (500, 400)])], [36, 36])
    >>> roads.n_nodes, roads.n_edges, float(roads.shortest_path(0, 2).time)
    (4, 6, 90.0)
    """
    geometry = np.asarray(lines, dtype=object)
    speed = np.asarray(speed_kph, dtype=np.float64)
    direction = np.zeros(len(geometry), dtype=np.int64) if oneway is None else np.asarray(oneway, dtype=np.int64)
    names = names or [f"line {i}" for i in range(len(geometry))]
    kinds = shapely.get_type_id(geometry) if len(geometry) else np.zeros(0, dtype=np.int64)
    problems = [f"{names[i]}: a {geometry[i].geom_type}, not a LineString" for i in np.flatnonzero(kinds != 1).tolist()]
    slow = np.flatnonzero(~(speed > 0) | ~np.isfinite(speed)).tolist()
    problems += [f"{names[i]}: speed {float(speed[i])!r} km/h" for i in slow]
    if problems:
        raise InputError("road lines need LineString geometry and a speed > 0 km/h", listed(problems))
    if not len(geometry):
        raise InputError("the road layer holds no lines")
    coords, line = shapely.get_coordinates(geometry, return_index=True)
    return from_vertices(coords, line, speed, direction, crs=crs)


def from_vertices(
    coords: NDArray[np.float64],
    line: NDArray[np.int64],
    speed_kph: NDArray[np.float64],
    oneway: NDArray[np.int64],
    *,
    crs: str | None = None,
) -> RoadNetwork:
    """:func:`from_lines` on the lines' vertices: ``coords[k]`` belongs to line
    ``line[k]`` (in order along it), whose speed and one-way flag are
    ``speed_kph[line[k]]`` and ``oneway[line[k]]``."""
    speed, direction = speed_kph, oneway
    key = np.round(coords * 10**VERTEX_PRECISION).astype(np.int64)
    order = np.lexsort((key[:, 1], key[:, 0]))  # by x, then y: as np.unique(axis=0), but faster
    change = np.r_[True, (np.diff(key[order], axis=0) != 0).any(axis=1)]
    vertex = np.empty(len(coords), dtype=np.int64)
    vertex[order] = np.cumsum(change) - 1
    start = np.r_[True, line[1:] != line[:-1]]
    end = np.r_[line[1:] != line[:-1], True]
    is_node = start | end | (np.bincount(vertex)[vertex] >= 2)
    step = np.r_[0.0, np.hypot(*np.diff(coords, axis=0).T)]
    step[start] = 0.0
    along = np.cumsum(step)
    at = np.flatnonzero(is_node)
    a, b = at[:-1], at[1:]
    same = (line[a] == line[b]) & (vertex[a] != vertex[b])
    a, b = a[same], b[same]
    owner = line[a]
    length = along[b] - along[a]
    tails, heads = vertex[a], vertex[b]
    backwards = direction[owner] == -1
    tails, heads = np.where(backwards, heads, tails), np.where(backwards, tails, heads)
    used, index = np.unique(np.r_[tails, heads], return_inverse=True)
    first_seen = np.zeros(vertex.max() + 1, dtype=np.int64)
    first_seen[vertex[::-1]] = np.arange(len(vertex))[::-1]
    xy = coords[first_seen[used]]
    n_edges = len(tails)
    return RoadNetwork(
        np.arange(len(used)),
        xy,
        index[:n_edges],
        index[n_edges:],
        length / (speed[owner] / 3.6),
        length=length,
        two_way=direction[owner] == 0,
        crs=crs,
    )
