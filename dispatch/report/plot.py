"""Figures for planners: the cluster map, response maps, response-time curves and
sweep charts, in Chinese or English.

Needs matplotlib and the Noto Sans SC font (the ``plot`` extra); the core never
imports this module. Every figure is made inside :func:`figure_style`, which
registers Noto Sans SC with matplotlib's font manager as the fallback for every
glyph DejaVu Sans lacks (Chinese first for ``language="zh"``) and switches off
mathtext, so ids and names such as ``$x$`` are drawn as written.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache, wraps
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import numpy as np
from numpy.typing import NDArray

from ..district import District
from ..evaluate.metrics import TARGETS
from ..evaluate.simulation import Comparison, SimulationResult
from ..plan.structure import ClusterPlan
from .i18n import Language, term
from .summary import village_response

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "cluster_map",
    "figure_png",
    "figure_style",
    "font_face",
    "response_cdf",
    "response_map",
    "sweep_chart",
]

P = ParamSpec("P")
R = TypeVar("R")

ROAD_CLASSES = (
    (0.0, 0.3, "#c8c8c8", "local roads"),
    (35.0, 0.9, "#d9a441", "county roads"),
    (50.0, 1.6, "#c0392b", "provincial roads"),
    (65.0, 2.4, "#7b241c", "national roads"),
)
"""(lowest speed km/h, line width, colour, label) of each drawn road class."""

KIND_STYLE = {
    "central": ("*", 300, "#1f3b8c"),
    "base": ("o", 80, "#3f7fd6"),
    "border": ("^", 120, "#8e44ad"),
    "unassigned": ("o", 60, "#777777"),
}
"""Marker, size and colour of each station kind."""

RESPONSE_BANDS = (0, 5, 10, 15, 20, 25, 30, 45, 60)
"""Minutes at which the colours of the response maps change."""


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError("plots need matplotlib: pip install 'central-dispatch[plot]'") from error
    return plt


@cache
def _cjk_family() -> str:
    """Register Noto Sans SC (SIL Open Font License 1.1, from the
    ``pylopdf-fonts-zh-cn`` package) with matplotlib; return its family name."""
    try:
        from pylopdf_fonts_zh_cn import sans_path
    except ImportError as error:
        raise ImportError(
            "Chinese text in figures needs the Noto Sans SC font: pip install 'central-dispatch[plot]'"
        ) from error
    from matplotlib import font_manager

    path = str(sans_path())
    font_manager.fontManager.addfont(path)
    return str(font_manager.FontProperties(fname=path).get_name())


def font_face(text: str) -> str:
    """CSS embedding Noto Sans SC cut down to the characters of ``text`` (as
    WOFF) as the page's font, so that a page shows its Chinese on a machine with
    no Chinese font, offline; ``""`` when ``text`` has no character beyond
    Latin-1.

    Examples
    --------
    >>> font_face("abc"), font_face("中心所").split(";")[0]
    ('', "@font-face{font-family:'Noto Sans SC'")
    """
    if all(ord(c) <= 0xFF for c in text):
        return ""
    _cjk_family()
    from fontTools import subset
    from pylopdf_fonts_zh_cn import sans_path

    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    font = subset.load_font(str(sans_path()), options)
    cutter = subset.Subsetter(options)
    cutter.populate(text="".join(sorted({c for c in text if c.isprintable()})))
    cutter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    data = base64.b64encode(buffer.getvalue()).decode()
    # The embedded font comes first: Chromium draws whole runs as boxes when a
    # system font before it lacks their Chinese characters.
    return (
        f"@font-face{{font-family:'Noto Sans SC';src:url(data:font/woff;base64,{data}) format('woff')}}"
        "body{font-family:'Noto Sans SC',system-ui,sans-serif}"
    )


@contextmanager
def figure_style(language: Language = "en") -> Iterator[None]:
    """Matplotlib settings for every figure: DejaVu Sans with Noto Sans SC as the
    fallback (the other way round in Chinese), and text drawn literally (no
    mathtext).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> with figure_style("zh"):
    ...     figure, ax = plt.subplots()
    ...     title = ax.set_title("中心所 $x$")
    >>> len(figure_png(figure, "zh")) > 1_000
    True
    """
    plt = _pyplot()
    cjk = _cjk_family()
    families = [cjk, "DejaVu Sans"] if language == "zh" else ["DejaVu Sans", cjk]
    with plt.rc_context({"font.family": families, "text.parse_math": False, "svg.fonttype": "path"}):
        yield


def _styled(function: Callable[P, R]) -> Callable[P, R]:
    """Run a figure function inside :func:`figure_style` of its ``language``."""

    @wraps(function)
    def styled(*args: P.args, **kwargs: P.kwargs) -> R:
        language: Any = kwargs.get("language", "en")
        with figure_style(language):
            return function(*args, **kwargs)

    return styled


def figure_png(figure: Figure, language: Language = "en", *, dpi: int = 110) -> bytes:
    """The figure as PNG bytes; the figure is closed."""
    plt = _pyplot()
    buffer = io.BytesIO()
    with figure_style(language):
        figure.savefig(buffer, format="png", dpi=dpi)
    plt.close(figure)
    return buffer.getvalue()


def _speeds(district: District) -> NDArray[np.float64]:
    roads = district.roads
    lengths = np.where(
        np.isnan(roads.length), np.hypot(*(roads.xy[roads.heads] - roads.xy[roads.tails]).T), roads.length
    )
    return np.asarray(lengths / np.maximum(roads.travel_time, 1e-9) * 3.6)


def _roads(ax: Axes, district: District, language: Language, *, faint: bool = False) -> None:
    from matplotlib.collections import LineCollection

    roads = district.roads
    speed = _speeds(district)
    bounds = [c[0] for c in ROAD_CLASSES] + [np.inf]
    for (low, width, colour, label), high in zip(ROAD_CLASSES, bounds[1:]):
        drawn = (speed >= low) & (speed < high)
        segments = np.stack([roads.xy[roads.tails[drawn]], roads.xy[roads.heads[drawn]]], axis=1)
        ax.add_collection(
            LineCollection(
                list(segments),
                linewidths=width * (0.7 if faint else 1),
                colors="#9a9a9a" if faint and low > 0 else colour,
                label=None if faint else term(label, language),
                zorder=1,
                alpha=0.6 if faint else 1,
            )
        )


def _outlines(ax: Axes, district: District, language: Language) -> None:
    for area in district.jurisdictions.values():
        for polygon in getattr(area, "geoms", [area]):
            ax.plot(*polygon.exterior.xy, color="#5b8c5a", lw=0.5, zorder=2)
    if district.boundary is not None:
        for k, polygon in enumerate(getattr(district.boundary, "geoms", [district.boundary])):
            label = term("county boundary", language) if k == 0 else None
            ax.plot(*polygon.exterior.xy, color="black", lw=2, zorder=2, label=label)


def _frame(ax: Axes, language: Language, *, lonlat: bool) -> None:
    """Equal scales, axes in km (or degrees when ``lonlat``), a scale bar and a
    north arrow."""
    from matplotlib.ticker import FuncFormatter

    ax.set_aspect("equal")
    ax.autoscale()
    if lonlat:
        ax.set_xlabel("经度 (°)" if language == "zh" else "longitude (°)")
        ax.set_ylabel("纬度 (°)" if language == "zh" else "latitude (°)")
    else:
        kilometres = FuncFormatter(lambda value, _: f"{value / 1000:g}")
        ax.xaxis.set_major_formatter(kilometres)
        ax.yaxis.set_major_formatter(kilometres)
        ax.set_xlabel("东西 (公里)" if language == "zh" else "west-east (km)")
        ax.set_ylabel("南北 (公里)" if language == "zh" else "south-north (km)")
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    metres_per_unit = 111_320 * math.cos(math.radians((y0 + y1) / 2)) if lonlat else 1.0
    span_km = (x1 - x0) * metres_per_unit / 1000
    length = max((n for n in (1, 2, 5, 10, 20, 50, 100, 200, 500) if n <= span_km / 5), default=1)
    width = length * 1000 / metres_per_unit
    left, base = x1 - (x1 - x0) * 0.04 - width, y0 + (y1 - y0) * 0.04
    ax.plot([left, left + width], [base, base], color="black", lw=4, solid_capstyle="butt", zorder=8)
    ax.plot([left, left + width / 2], [base, base], color="white", lw=2, solid_capstyle="butt", zorder=9)
    ax.text(
        left + width / 2,
        base + (y1 - y0) * 0.012,
        f"{length} 公里" if language == "zh" else f"{length} km",
        ha="center",
        va="bottom",
        fontsize=9,
        zorder=9,
    )
    ax.annotate(
        "北" if language == "zh" else "N",
        xy=(0.96, 0.97),
        xytext=(0.96, 0.87),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=13,
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 2},
        zorder=9,
    )


def _settled(ax: Axes) -> Any:
    """Draw the figure once to settle its layout, keep it, and return the
    renderer that measures text where it will be drawn."""
    figure = ax.get_figure(root=True)
    assert figure is not None
    figure.canvas.draw()
    figure.set_layout_engine("none")
    return figure.canvas.get_renderer()  # type: ignore[attr-defined]


CANDIDATE_OFFSETS = ((7, 5, "left"), (7, -14, "left"), (-7, 5, "right"), (-7, -14, "right"), (0, 10, "center"))
"""Label positions tried around a point, in points: right-above first."""


def _label_points(
    ax: Axes, points: Sequence[tuple[float, float]], texts: Sequence[str], *, fontsize: float = 8.5
) -> None:
    """Label each point with a white halo, at the first nearby position that
    overlaps no label placed before it and no other point (else the first)."""
    import matplotlib.patheffects as effects

    renderer = _settled(ax)
    screen = ax.transData.transform(np.asarray(points, dtype=np.float64).reshape(-1, 2))
    placed: list[Any] = []
    halo = [effects.withStroke(linewidth=3, foreground="white")]
    for k, ((x, y), text) in enumerate(zip(points, texts)):
        others = np.delete(screen, k, axis=0)
        for dx, dy, align in CANDIDATE_OFFSETS:
            label = ax.annotate(
                text,
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=align,
                fontsize=fontsize,
                path_effects=halo,
                zorder=7,
            )
            box = label.get_window_extent(renderer).expanded(1.05, 1.1)
            inside = (
                (others[:, 0] >= box.x0)
                & (others[:, 0] <= box.x1)
                & (others[:, 1] >= box.y0)
                & (others[:, 1] <= box.y1)
            )
            crowded = any(box.overlaps(b) for b in placed) or bool(inside.any())
            if not crowded or (dx, dy, align) == CANDIDATE_OFFSETS[-1]:
                break  # a clear place, or the last one tried
            label.remove()
        placed.append(box)


def _stations(ax: Axes, district: District, kinds: Mapping[str, str], language: Language) -> None:
    for kind, (marker, size, colour) in KIND_STYLE.items():
        chosen = [s for s in district.stations if kinds[s.id] == kind]
        if chosen:
            xy = np.array([s.location for s in chosen])
            ax.scatter(
                xy[:, 0],
                xy[:, 1],
                marker=marker,
                s=size,
                c=colour,
                edgecolors="white",
                zorder=5,
                label=term(f"{kind} station", language),
            )


def _station_labels(ax: Axes, district: District, kinds: Mapping[str, str]) -> None:
    order = sorted(district.stations, key=lambda s: list(KIND_STYLE).index(kinds[s.id]))  # centrals first
    _label_points(ax, [s.location for s in order], [s.name or s.id for s in order])


def _legend(ax: Axes, columns: int = 4) -> None:
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=columns, fontsize=8, frameon=False)


@_styled
def cluster_map(district: District, plan: ClusterPlan | None = None, *, language: Language = "en") -> Figure:
    """Roads by class, the county boundary, jurisdictions shaded by cluster, links
    from each central to its bases, villages, stations by kind labelled with their
    names, and partners across the line; axes in km with a scale bar and a north
    arrow."""
    plt = _pyplot()
    fig: Figure
    fig, ax = plt.subplots(figsize=(10, 10), layout="constrained")
    _roads(ax, district, language)
    colours = plt.get_cmap("tab10")
    kinds = {k: v.value for k, v in plan.kinds.items()} if plan else {s.id: s.kind.value for s in district.stations}
    if plan is not None:
        for k, c in enumerate(plan.clusters):
            for member in c.members:
                area = district.jurisdictions.get(member)
                for polygon in getattr(area, "geoms", [area]) if area is not None else []:
                    ax.fill(*polygon.exterior.xy, color=colours(k % 10), alpha=0.18, lw=0, zorder=0)
            central = district.station(c.central).location
            for base in c.bases:
                x, y = zip(central, district.station(base).location)
                ax.plot(x, y, color=colours(k % 10), lw=2.5, zorder=3)
    _outlines(ax, district, language)
    if district.villages:
        xy = np.array([v.location for v in district.villages])
        population = np.array([v.population for v in district.villages], dtype=float)
        sizes = 4 + 20 * np.sqrt(population / max(population.max(), 1))
        ax.scatter(
            xy[:, 0], xy[:, 1], s=sizes, c="#6d6d6d", alpha=0.6, lw=0, zorder=4, label=term("villages", language)
        )
    _stations(ax, district, kinds, language)
    if district.partners:
        xy = np.array([p.location for p in district.partners])
        label = term("partner across the line", language)
        ax.scatter(xy[:, 0], xy[:, 1], marker="X", s=80, c="#b03a2e", zorder=5, label=label)
        for partner in district.partners:
            for station_id in partner.stations:
                x, y = zip(partner.location, district.station(station_id).location)
                ax.plot(x, y, color="#b03a2e", lw=1.2, ls="--", zorder=3)
    _frame(ax, language, lonlat=district.roads.geographic)
    ax.set_title(
        f"{district.name}：派出所类型与中心所片区"
        if language == "zh"
        else f"{district.name}: stations by kind and cluster"
    )
    _legend(ax)
    _station_labels(ax, district, kinds)
    return fig


def _coverage(ax: Axes, district: District, targets: Sequence[float], language: Language) -> None:
    """Shade the areas the stations reach within each target by road: a contour of
    the road nodes' time from the nearest station, with no fill across gaps wider
    than the road network's spacing."""
    import matplotlib.tri as mtri

    roads = district.roads
    time = np.minimum(district.first_due.time, max(targets) * 2)
    grid = mtri.Triangulation(roads.xy[:, 0], roads.xy[:, 1])
    corners = roads.xy[grid.triangles]
    longest = np.max(np.hypot(*(corners - np.roll(corners, 1, axis=1)).transpose(2, 0, 1)), axis=1)
    grid.set_mask(longest > 4 * np.median(longest))
    fills = ("#2e86c1", "#85c1e9")
    levels = [0.0, *targets]
    for k in range(len(targets)):
        ax.tricontourf(grid, time, levels=[levels[k], levels[k + 1]], colors=[fills[k % 2]], alpha=0.22, zorder=0)
    ax.tricontour(grid, time, levels=list(targets), colors=["#1b4f72"], linewidths=0.8, zorder=2)
    from matplotlib.patches import Patch

    handles = [
        Patch(
            color=fills[k % 2],
            alpha=0.35,
            label=f"{t / 60:g} 分钟可达范围" if language == "zh" else f"within {t / 60:g} min of a station",
        )
        for k, t in enumerate(targets)
    ]
    ax.add_artist(ax.legend(handles=handles, loc="upper left", fontsize=8, framealpha=0.9))


@_styled
def response_map(
    district: District,
    comparison: Comparison,
    plan: ClusterPlan | None = None,
    *,
    targets: Sequence[float] = TARGETS,
    language: Language = "en",
) -> Figure:
    """Villages coloured by their mean response time before and after, side by
    side, over the areas the stations reach within each target by road."""
    plt = _pyplot()
    from matplotlib.colors import BoundaryNorm

    fig: Figure
    fig, axes = plt.subplots(1, 2, figsize=(14, 6.6), layout="constrained", sharex=True, sharey=True)
    xy = np.array([v.location for v in district.villages])
    norm = BoundaryNorm(RESPONSE_BANDS, 256, extend="max")
    cmap = plt.get_cmap("RdYlGn_r")
    kinds = {k: v.value for k, v in plan.kinds.items()} if plan else {s.id: s.kind.value for s in district.stations}
    scatter = None
    for ax, (name, result) in zip(axes, (("before", comparison.before), ("after", comparison.after))):
        _roads(ax, district, language, faint=True)
        _coverage(ax, district, targets, language)
        _outlines(ax, district, language)
        minutes = village_response(result, len(district.villages)) / 60
        scatter = ax.scatter(
            xy[:, 0], xy[:, 1], c=minutes, cmap=cmap, norm=norm, s=28, edgecolors="black", linewidths=0.3, zorder=4
        )
        _stations(ax, district, kinds, language)
        _frame(ax, language, lonlat=district.roads.geographic)
        ax.set_title(term(name, language))
    assert scatter is not None
    bar = fig.colorbar(scatter, ax=list(axes), shrink=0.7, ticks=RESPONSE_BANDS)
    bar.set_label("村平均响应时间 (分钟)" if language == "zh" else "village mean response (min)")
    fig.suptitle(
        "各村平均响应时间：改革前后" if language == "zh" else "Mean response time by village, before and after"
    )
    return fig


@_styled
def response_cdf(
    results: Mapping[str, SimulationResult], targets: Sequence[float] = TARGETS, *, language: Language = "en"
) -> Figure:
    """Share of calls answered within each time, one curve per result."""
    plt = _pyplot()
    fig: Figure
    fig, ax = plt.subplots(figsize=(8, 5), layout="constrained")
    for name, result in results.items():
        response = np.concatenate([run.response for run in result.runs]) / 60
        response = np.sort(response[~np.isnan(response)])
        ax.step(response, np.arange(1, len(response) + 1) / len(response), where="post", lw=2, label=name)
    for target in targets:
        ax.axvline(target / 60, color="grey", ls=":", lw=1)
        text = f"{target / 60:g} 分钟" if language == "zh" else f"{target / 60:g} min"
        ax.annotate(text, (target / 60, 0.02), xytext=(3, 0), textcoords="offset points", fontsize=8)
    ax.set_xlim(0, max(targets) / 60 * 2)
    ax.set_ylim(0, 1)
    if language == "zh":
        ax.set_xlabel("响应时间 (从接警到到达现场，分钟)")
        ax.set_ylabel("已到达的警情比例")
        ax.set_title("响应时间分布")
    else:
        ax.set_xlabel("response time (minutes from call to arrival)")
        ax.set_ylabel("share of calls answered")
        ax.set_title("Response times")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


@_styled
def sweep_chart(
    points: Sequence[tuple[Any, str, float, float]], parameter: str, metric: str, *, language: Language = "en"
) -> Figure:
    """``metric`` against ``parameter``: ``points`` are (parameter value, series,
    mean, half-width of the interval of its difference from the series' first
    point, paired by replication), one line a series. Values that are not numbers
    (policy names, say) are spaced evenly in their sorted order."""
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    fig: Figure
    fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    values = sorted({p[0] for p in points}, key=str)
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    position = {v: (v if numeric else k) for k, v in enumerate(values)}
    markers = "osD^v<>"
    for k, series in enumerate(sorted({p[1] for p in points})):
        line = sorted((p for p in points if p[1] == series), key=lambda p: position[p[0]])
        ax.errorbar(
            [position[p[0]] for p in line],
            [p[2] for p in line],
            yerr=[p[3] for p in line],
            marker=markers[k % len(markers)],
            capsize=4,
            label=series or None,
        )
    if not numeric:
        ax.set_xticks(range(len(values)), [str(v) for v in values])
    elif all(isinstance(v, int) for v in values):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(parameter)
    ax.set_ylabel(metric)
    ax.set_title(f"{metric}：随 {parameter} 变化" if language == "zh" else f"{metric} by {parameter}")
    ax.grid(alpha=0.3)
    if any(p[1] for p in points):
        ax.legend(fontsize=8)
    return fig
