"""The police grid map: grids in colours no two touching grids share, nests
outlined, centre cells marked and grids labelled.

Needs matplotlib (the ``plot`` extra); the core never imports this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from ..plan.gridplan import GridPlan
from .export import _staged
from .i18n import Language, term
from .plot import _pyplot, _styled, figure_png

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["grid_colours", "grid_map", "write_grid_map"]

PALETTE = ("#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd")
"""Fill colours; touching grids never share one (when ten suffice)."""


def grid_colours(plan: GridPlan) -> dict[str, int]:
    """A palette index for each grid, different for grids that touch (greedy,
    grids with the most neighbours first).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> from dispatch.plan import police_grids
    >>> row = [{"id": f"c{k}", "geometry": box(1e3 * k, 0, 1e3 * (k + 1), 1e3), "calls": 1} for k in range(3)]
    >>> grid_colours(police_grids(row, n_grids=3, balance=None))
    {'G1': 1, 'G2': 0, 'G3': 1}
    """
    polygons = plan.polygons()
    ids = list(polygons)
    shapes = np.array([polygons[g] for g in ids], dtype=object)
    tree = shapely.STRtree(shapes)
    a, b = tree.query(shapes, predicate="intersects")
    touching: dict[int, set[int]] = {k: set() for k in range(len(ids))}
    for i, j in zip(a.tolist(), b.tolist()):
        if i != j:
            touching[i].add(j)
    colour: dict[int, int] = {}
    for k in sorted(range(len(ids)), key=lambda k: (-len(touching[k]), ids[k])):
        used = {colour[j] for j in touching[k] if j in colour}
        colour[k] = next((c for c in range(len(PALETTE)) if c not in used), k % len(PALETTE))
    return {ids[k]: colour[k] for k in range(len(ids))}


def _outline(ax: Any, shape: Any, **style: Any) -> None:
    for polygon in shapely.get_parts(shape):
        ax.plot(*polygon.exterior.xy, **style)


@_styled
def grid_map(plan: GridPlan, *, title: str | None = None, label: str = "grid", language: Language = "en") -> Figure:
    """Cells filled by grid, grid borders, nests outlined, centre cells marked.

    ``label`` writes each grid's id (``"grid"``), its centre cell's name
    (``"name"``, when the cells have names) or nothing (``""``); the legend and
    default title are in ``language``.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> from dispatch.plan import police_grids
    >>> row = [{"id": f"c{k}", "geometry": box(1e3 * k, 0, 1e3 * (k + 1), 1e3), "calls": 1} for k in range(4)]
    >>> figure = grid_map(police_grids(row, n_grids=2, balance=None))
    >>> figure.axes[0].get_title()
    '2 police grids over 4 cells'
    """
    plt = _pyplot()
    fig: Figure
    fig, ax = plt.subplots(figsize=(10, 9), layout="constrained")
    cells = plan.cells
    colours = grid_colours(plan)
    polygons = plan.polygons()
    for grid in plan.grids:
        for polygon in shapely.get_parts(polygons[grid.id]):
            ax.fill(*polygon.exterior.xy, color=PALETTE[colours[grid.id]], lw=0, zorder=0)
    for shape in cells.geometry:
        _outline(ax, shape, color="white", lw=0.3, zorder=1)
    for grid in plan.grids:
        _outline(ax, polygons[grid.id], color="#555555", lw=0.8, zorder=2)
    nests = sorted({g.nest for g in plan.grids if g.nest is not None})
    for nest in nests:
        area = shapely.union_all([polygons[g.id] for g in plan.grids if g.nest == nest])
        _outline(ax, area, color="black", lw=1.8, zorder=3)
    centres = np.array([cells.anchors[cells.index[g.centre]] for g in plan.grids])
    ax.scatter(centres[:, 0], centres[:, 1], s=12, c="#b03a2e", zorder=4, label=term("centre cell", language))
    names = cells.columns.get("name")
    for grid, xy in zip(plan.grids, centres):
        text = grid.id if label == "grid" else ""
        if label == "name" and names is not None:
            text = str(names[cells.index[grid.centre]] or "")
        if text:
            ax.annotate(text, xy, xytext=(3, 3), textcoords="offset points", fontsize=6, zorder=5)
    ax.set_aspect("equal")
    ax.autoscale()
    default = (
        f"{len(cells):,} 个网格划为 {len(plan.grids)} 个警格"
        if language == "zh"
        else f"{len(plan.grids)} police grids over {len(cells):,} cells"
    )
    ax.set_title(title or default)
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    return fig


def write_grid_map(plan: GridPlan, path: str | Path, *, title: str | None = None, language: Language = "en") -> Path:
    """Draw :func:`grid_map` to a PNG file at ``path``, whole or not at all.

    Examples
    --------
    >>> import tempfile
    >>> from shapely.geometry import box
    >>> from dispatch.plan import police_grids
    >>> row = [{"id": f"c{k}", "geometry": box(1e3 * k, 0, 1e3 * (k + 1), 1e3), "calls": 1} for k in range(4)]
    >>> path = write_grid_map(police_grids(row, n_grids=2), tempfile.mkdtemp() + "/警格.png", language="zh")
    >>> path.read_bytes()[:4]
    b'\\x89PNG'
    """
    path = Path(path)
    image = figure_png(grid_map(plan, title=title, language=language), language, dpi=150)
    with _staged(path) as staged:
        staged.write_bytes(image)
    return path
