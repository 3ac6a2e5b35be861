"""Figures for planners: the cluster map, response-time curves, sweep charts.

Needs matplotlib (the ``plot`` extra); the core never imports this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..district import District
from ..evaluate.metrics import TARGETS
from ..evaluate.simulation import SimulationResult
from ..plan.structure import ClusterPlan

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["cluster_map", "response_cdf", "sweep_chart"]

ROAD_CLASSES = (
    (0.0, 0.3, "#c8c8c8", "local roads"),
    (35.0, 0.9, "#d9a441", "county roads"),
    (50.0, 1.6, "#c0392b", "provincial roads"),
    (65.0, 2.4, "#7b241c", "national roads"),
)
"""(lowest speed km/h, line width, colour, label) of each drawn road class."""


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError("plots need matplotlib: pip install 'central-dispatch[plot]'") from error
    return plt


def cluster_map(district: District, plan: ClusterPlan | None = None) -> Figure:
    """Roads by class, the county boundary, jurisdictions shaded by cluster, links
    from each central to its bases, stations by kind and partners across the line."""
    plt = _pyplot()
    from matplotlib.collections import LineCollection

    fig: Figure
    fig, ax = plt.subplots(figsize=(10, 9), layout="constrained")
    roads = district.roads
    lengths = np.where(
        np.isnan(roads.length), np.hypot(*(roads.xy[roads.heads] - roads.xy[roads.tails]).T), roads.length
    )
    speed = lengths / np.maximum(roads.travel_time, 1e-9) * 3.6
    bounds = [c[0] for c in ROAD_CLASSES] + [np.inf]
    for (low, width, colour, label), high in zip(ROAD_CLASSES, bounds[1:]):
        drawn = (speed >= low) & (speed < high)
        segments = np.stack([roads.xy[roads.tails[drawn]], roads.xy[roads.heads[drawn]]], axis=1)
        ax.add_collection(LineCollection(list(segments), linewidths=width, colors=colour, label=label, zorder=1))
    colours = plt.get_cmap("tab10")
    kinds = plan.kinds if plan is not None else {s.id: s.kind for s in district.stations}
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
    for area in district.jurisdictions.values():
        for polygon in getattr(area, "geoms", [area]):
            ax.plot(*polygon.exterior.xy, color="#5b8c5a", lw=0.5, zorder=2)
    if district.boundary is not None:
        for polygon in getattr(district.boundary, "geoms", [district.boundary]):
            ax.plot(*polygon.exterior.xy, color="black", lw=2, zorder=2, label="county boundary")
    style = {
        "central": ("*", 260, "#1f3b8c"),
        "base": ("o", 70, "#3f7fd6"),
        "border": ("^", 110, "#8e44ad"),
        "unassigned": ("o", 60, "#777777"),
    }
    for kind, (marker, size, colour) in style.items():
        chosen = [s for s in district.stations if kinds[s.id].value == kind]
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
                label=f"{kind} station",
            )
    for s in district.stations:
        ax.annotate(s.id, s.location, xytext=(5, 5), textcoords="offset points", fontsize=7, zorder=6)
    if district.partners:
        xy = np.array([p.location for p in district.partners])
        ax.scatter(xy[:, 0], xy[:, 1], marker="X", s=80, c="#b03a2e", zorder=5, label="partner across the line")
        for partner in district.partners:
            for station_id in partner.stations:
                x, y = zip(partner.location, district.station(station_id).location)
                ax.plot(x, y, color="#b03a2e", lw=1.2, ls="--", zorder=3)
    ax.set_aspect("equal")
    ax.autoscale()
    ax.set_title(f"{district.name}: stations by kind and cluster links")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    return fig


def response_cdf(results: Mapping[str, SimulationResult], targets: Sequence[float] = TARGETS) -> Figure:
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
        ax.annotate(f"{target / 60:g} min", (target / 60, 0.02), xytext=(3, 0), textcoords="offset points", fontsize=8)
    ax.set_xlim(0, max(targets) / 60 * 2)
    ax.set_ylim(0, 1)
    ax.set_xlabel("response time (minutes from call to arrival)")
    ax.set_ylabel("share of calls answered")
    ax.set_title("Response times")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def sweep_chart(points: Sequence[tuple[Any, str, float, float]], parameter: str, metric: str) -> Figure:
    """``metric`` against ``parameter``: ``points`` are (parameter value, series,
    mean, confidence half-width), one line a series. Values that are not numbers
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
    ax.set_title(f"{metric} by {parameter}")
    ax.grid(alpha=0.3)
    if any(p[1] for p in points):
        ax.legend(fontsize=8)
    return fig
