"""The police grid map: grids in colours no two touching grids share, nests
outlined and named, centre cells marked, grids numbered where the number fits,
axes in km with a scale bar and a north arrow.

Needs matplotlib (the ``plot`` extra); the core never imports this module.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from ..network.snap import is_geographic
from ..plan.gridplan import GridPlan
from .export import _staged
from .i18n import Language, term
from .plot import _frame, _pyplot, _settled, _styled, figure_png

if TYPE_CHECKING:
    from matplotlib.axes import Axes
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


def _outline(ax: Any, shape: Any, *, label: str | None = None, **style: Any) -> None:
    for k, polygon in enumerate(shapely.get_parts(shape)):
        ax.plot(*polygon.exterior.xy, label=label if k == 0 else None, **style)


def _label_areas(
    ax: Axes, shapes: list[Any], texts: list[str], *, fontsize: float, avoid: list[Any] | None = None
) -> list[Any]:
    """Write each text at the heart of its shape (the centre of the largest
    circle inside it), only where the text fits inside the shape and clear of
    the boxes in ``avoid``; the boxes of the texts written."""
    import matplotlib.patheffects as effects

    renderer = _settled(ax)
    to_data = ax.transData.inverted()
    placed: list[Any] = []
    for shape, text in zip(shapes, texts):
        if not text:
            continue
        heart = shapely.get_coordinates(shapely.maximum_inscribed_circle(shape, math.sqrt(shape.area) / 50))[0]
        label = ax.text(
            float(heart[0]),
            float(heart[1]),
            text,
            ha="center",
            va="center",
            fontsize=fontsize,
            path_effects=[effects.withStroke(linewidth=2.5, foreground="white")],
            zorder=5,
        )
        box = label.get_window_extent(renderer)
        corners = to_data.transform([[box.x0, box.y0], [box.x1, box.y1]])
        fits = shape.contains(shapely.box(*corners[0], *corners[1]))
        if not fits or any(box.overlaps(other) for other in [*(avoid or []), *placed]):
            label.remove()
        else:
            placed.append(box)
    return placed


def _grid_texts(plan: GridPlan, label: str) -> list[str]:
    """What each grid is labelled with: its number within its nest (its id
    without nests), its centre cell's name, or nothing."""
    names = plan.cells.columns.get("name")
    if label == "name" and names is not None:
        return [str(names[plan.cells.index[g.centre]] or "") for g in plan.grids]
    if label != "grid":
        return ["" for _ in plan.grids]
    counted: dict[str | None, int] = {}
    texts = []
    for grid in plan.grids:
        counted[grid.nest] = counted.get(grid.nest, 0) + 1
        texts.append(str(counted[grid.nest]) if grid.nest is not None else grid.id)
    return texts


@_styled
def grid_map(plan: GridPlan, *, title: str | None = None, label: str = "grid", language: Language = "en") -> Figure:
    """Cells filled by grid, grid borders, nests outlined and named, centre
    cells marked; axes in km (degrees for longitude/latitude cells) with a scale
    bar and a north arrow.

    ``label`` writes each grid's number within its nest (its id without nests:
    ``"grid"``), its centre cell's name (``"name"``, when the cells have names)
    or nothing (``""``); a label is written only where it fits inside its grid,
    clear of the others, so a crowded map stays legible. The legend and default
    title are in ``language``.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> from dispatch.plan import police_grids
    >>> row = [{"id": f"c{k}", "geometry": box(1e3 * k, 0, 1e3 * (k + 1), 1e3), "calls": 1} for k in range(4)]
    >>> figure = grid_map(police_grids(row, n_grids=2, balance=None))
    >>> figure.axes[0].get_title(), sorted(t.get_text() for t in figure.axes[0].texts if t.get_text()[:1] == "G")
    ('2 police grids over 4 cells', ['G1', 'G2'])
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
    areas = [shapely.union_all([polygons[g.id] for g in plan.grids if g.nest == nest]) for nest in nests]
    for k, area in enumerate(areas):
        _outline(ax, area, color="black", lw=1.8, zorder=3, label=term("jurisdiction", language) if k == 0 else None)
    centres = np.array([cells.anchors[cells.index[g.centre]] for g in plan.grids])
    ax.scatter(centres[:, 0], centres[:, 1], s=8, c="#b03a2e", zorder=4, label=term("centre cell", language))
    _frame(ax, language, lonlat=is_geographic(cells.crs))
    default = (
        f"{len(cells):,} 个网格划为 {len(plan.grids)} 个警格"
        if language == "zh"
        else f"{len(plan.grids)} police grids over {len(cells):,} cells"
    )
    ax.set_title(title or default)
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    named = _label_areas(ax, areas, list(nests), fontsize=10.5) if label else []
    _label_areas(ax, [polygons[g.id] for g in plan.grids], _grid_texts(plan, label), fontsize=6.5, avoid=named)
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
