"""Which cells touch, and whether a group of them is connected.

Cells are neighbours by **rook** contiguity (they share a stretch of border) or
**queen** contiguity (they share at least a point), measured on the cells'
polygons in metres with a small ``gap`` tolerance for layers whose borders do not
quite meet. A cell or group of cells that touches no other cell of its group (an
island, or an enclave of another station's area) is linked to the nearest cell of
its group, and the link is reported.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from ..errors import GeometryWarning, InputError, IslandWarning, listed
from .cells import Cells

__all__ = ["ROOK_BORDER", "Link", "is_connected", "link_islands", "neighbours", "separator"]

Contiguity = Literal["rook", "queen", "none"]

ROOK_BORDER = 5.0
"""Rook neighbours share more than this many times ``gap`` metres of border
(more than a corner point, whatever the tolerance)."""

OVERLAP_SHARE = 0.01
"""Two cells overlapping by more than this share of the smaller one are reported."""

Gaps = Callable[[NDArray[np.int64], NDArray[np.int64]], NDArray[np.float64]]
"""Distance (or road time) from each of some cells to each of others."""


@dataclass(frozen=True)
class Link:
    """An island cell ``cell`` linked to ``to``, the nearest cell of its group,
    ``distance`` away (metres, or seconds by road)."""

    cell: str
    to: str
    distance: float


def neighbours(cells: Cells, rule: Literal["rook", "queen"], gap: float) -> csr_matrix:
    """The symmetric adjacency matrix of ``cells`` under ``rule``.

    Cells closer than ``gap`` metres touch; rook neighbours also share more than
    ``ROOK_BORDER * gap`` metres of border (any length when ``gap`` is 0).
    Overlapping cells are neighbours, with a :class:`GeometryWarning` naming them.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> from dispatch.plan.cells import read_cells
    >>> corners = [(1e3 * (k % 2), 1e3 * (k // 2)) for k in range(4)]
    >>> squares = read_cells([{"id": f"{x},{y}", "geometry": box(x, y, x + 1e3, y + 1e3)} for x, y in corners])
    >>> neighbours(squares, "rook", 0.0).getnnz(axis=1).tolist()  # 2 x 2 squares: no diagonals
    [2, 2, 2, 2]
    >>> neighbours(squares, "queen", 0.0).getnnz(axis=1).tolist()
    [3, 3, 3, 3]
    """
    geoms = cells.metric
    tree = shapely.STRtree(geoms)
    if gap > 0:
        a, b = tree.query(geoms, predicate="dwithin", distance=gap)
    else:
        a, b = tree.query(geoms, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    shared = shapely.intersection(geoms[a], geoms[b])
    area = shapely.area(shared)
    smaller = np.minimum(shapely.area(geoms[a]), shapely.area(geoms[b]))
    overlapping = np.flatnonzero(area > OVERLAP_SHARE * smaller)
    if len(overlapping):
        pairs = [f"{cells.ids[a[k]]!r} and {cells.ids[b[k]]!r}" for k in overlapping]
        warnings.warn(
            f"{len(pairs)} pair(s) of cells overlap; they are taken as neighbours: " + ", ".join(listed(pairs)),
            GeometryWarning,
            stacklevel=3,
        )
    if rule == "rook":
        near = shapely.buffer(geoms[b], gap) if gap > 0 else geoms[b]
        border = shapely.length(shapely.intersection(shapely.boundary(geoms[a]), near))
        touching = (border > ROOK_BORDER * gap) | (area > OVERLAP_SHARE * smaller)
        a, b = a[touching], b[touching]
    n = len(cells)
    ones = np.ones(2 * len(a))
    return coo_matrix((ones, (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n)).tocsr()


def link_islands(
    graph: csr_matrix,
    groups: NDArray[np.int64],
    gaps: Gaps,
    cells: Cells,
    *,
    attach: bool,
    group_names: list[str],
) -> tuple[csr_matrix, list[Link]]:
    """Make each group of cells connected by linking every part that touches no
    other part to the nearest cell outside it (smallest part first).

    ``groups`` numbers each cell's group (its station, say); cells of different
    groups are never linked. With ``attach`` false, islands raise
    :class:`InputError` naming them instead; otherwise each link is reported with
    an :class:`IslandWarning`.
    """
    rows, cols = [], []
    links: list[Link] = []
    islands: list[str] = []
    for g in np.unique(groups):
        members = np.flatnonzero(groups == g)
        n_parts, part = connected_components(graph[members][:, members], directed=False)
        while n_parts > 1:
            sizes = np.bincount(part, minlength=n_parts)
            smallest = int(np.argmin(np.where(sizes > 0, sizes, np.iinfo(np.int64).max)))
            inside, outside = members[part == smallest], members[part != smallest]
            islands.append(f"{[cells.ids[i] for i in inside]} in {group_names[g]}")
            distance = gaps(inside, outside)
            i, j = np.unravel_index(int(np.argmin(distance)), distance.shape)
            rows.append(int(inside[i]))
            cols.append(int(outside[j]))
            links.append(Link(cells.ids[inside[i]], cells.ids[outside[j]], float(distance[i, j])))
            part[part == smallest] = part[np.flatnonzero(members == outside[j])[0]]
            n_parts -= 1
    if islands and not attach:
        raise InputError(
            f"{len(islands)} group(s) of cells touch no other cell of their group; "
            "set islands to 'attach' to link each to the nearest cell",
            listed(islands),
        )
    if links:
        warnings.warn(
            f"{len(links)} island(s) linked to the nearest cell of their group: "
            + ", ".join(listed([f"{k.cell!r} -> {k.to!r} ({k.distance:,.0f})" for k in links])),
            IslandWarning,
            stacklevel=3,
        )
    n = graph.shape[0]
    extra = coo_matrix((np.ones(2 * len(rows)), (rows + cols, cols + rows)), shape=(n, n)).tocsr()
    return ((graph + extra) > 0).astype(np.float64).tocsr(), links


def is_connected(members: NDArray[np.int64], graph: csr_matrix) -> bool:
    """Whether ``members`` induce a connected subgraph of ``graph``."""
    if len(members) <= 1:
        return True
    n_parts, _ = connected_components(graph[members][:, members], directed=False)
    return bool(n_parts == 1)


def separator(graph: csr_matrix, part: NDArray[np.int64], centre: int) -> NDArray[np.int64]:
    """A set of cells every path from ``part`` to ``centre`` crosses, none of them
    in ``part`` or next to nothing on the centre's side (a minimal separator
    around ``part``, which must not touch ``centre``)."""
    n = graph.shape[0]
    in_part = np.zeros(n, dtype=bool)
    in_part[part] = True
    ring = np.zeros(n, dtype=bool)
    ring[graph[part].indices] = True
    ring &= ~in_part
    # The centre's side: what the centre reaches without entering the part or its ring.
    blocked = in_part | ring
    side = np.zeros(n, dtype=bool)
    side[centre] = True
    frontier = [centre]
    while frontier:
        reached = graph[frontier].indices
        new = np.unique(reached[~side[reached] & ~blocked[reached]])
        side[new] = True
        frontier = new.tolist()
    touching_side = np.zeros(n, dtype=bool)
    touching_side[graph[np.flatnonzero(side)].indices] = True
    return np.flatnonzero(ring & touching_side)
