"""Reports for planners: tables about a district, its plan and its response times."""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .district import District
from .io.files import atomic_write
from .metrics import Estimate, estimate
from .plan import ClusterPlan
from .scenario import Sweep
from .simulate import Comparison
from .sweep import Row
from .table import Table

__all__ = ["HtmlReport", "district_summary", "first_due_table", "reform_report", "sweep_report", "sweep_tables"]


def _counts(items: Sequence[Any]) -> str:
    kinds: dict[str, int] = {}
    for item in items:
        kinds[item.kind.value] = kinds.get(item.kind.value, 0) + 1
    return ", ".join(f"{n} {kind}" for kind, n in kinds.items())


def district_summary(district: District) -> Table:
    """What the district holds: stations, units, partners, roads and villages."""
    roads = district.roads
    population = sum(v.population for v in district.villages)
    station_ids = {s.id for s in district.stations}
    rows = (
        ("stations", len(district.stations), _counts(district.stations)),
        ("officers", sum(s.officers for s in district.stations), ""),
        ("units", sum(u.station in station_ids for u in district.units), "at stations"),
        ("partners", len(district.partners), "stations across the boundary with mutual aid"),
        ("road nodes", roads.n_nodes, f"{roads.n_edges:,} directed edges"),
        ("villages", len(district.villages), f"population {population:,}"),
        ("incidents a year", round(float(district.incident_rates.sum())), ""),
    )
    return Table(district.name, ("", "count", "notes"), rows, ("", ",", ""))


def first_due_table(district: District) -> Table:
    """Each station's first-due area (the villages nearest to it by road) and the
    incident-weighted mean and worst travel time from the station to them."""
    time = district.first_due.time[district.village_nodes] / 60
    owner = district.first_due.source[district.village_nodes]
    rates = district.incident_rates
    population = np.array([v.population for v in district.villages])
    rows = []
    for i, station in enumerate(district.stations):
        mine = owner == i
        mean = np.average(time[mine], weights=rates[mine]) if rates[mine].sum() > 0 else None
        worst = time[mine].max() if mine.any() else None
        rows.append(
            (
                station.id,
                int(mine.sum()),
                int(population[mine].sum()),
                float(rates[mine].sum()),
                mean,
                worst,
            )
        )
    rows.append(
        (
            "district",
            len(time),
            int(population.sum()),
            float(rates.sum()),
            np.average(time, weights=rates) if rates.sum() > 0 else None,
            time.max() if len(time) else None,
        )
    )
    return Table(
        "First-due areas: travel time from the nearest station by road (minutes)",
        ("station", "villages", "population", "incidents/yr", "mean min", "worst min"),
        tuple(rows),
        ("", ",", ",", ",.0f", ".1f", ".1f"),
    )


class HtmlReport:
    """A self-contained HTML page: headings, text, tables and figures embedded as
    PNG, written in one piece."""

    def __init__(self, title: str) -> None:
        self.title = title
        self._parts: list[str] = []

    def heading(self, text: str) -> None:
        """A section heading."""
        self._parts.append(f"<h2>{html.escape(text)}</h2>")

    def text(self, text: str) -> None:
        """A paragraph."""
        self._parts.append(f"<p>{html.escape(text)}</p>")

    def table(self, table: Table) -> None:
        """A table."""
        self._parts.append(table.to_html())

    def figure(self, figure: Any, caption: str) -> None:
        """A matplotlib figure, embedded as PNG (and closed)."""
        import matplotlib.pyplot as plt

        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=110)
        plt.close(figure)
        data = base64.b64encode(buffer.getvalue()).decode()
        self._parts.append(
            f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )

    def write(self, path: str | Path) -> Path:
        """Write the page to ``path`` (atomically)."""
        path = Path(path)
        with atomic_write(path) as f:
            f.write(
                f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(self.title)}'
                f"</title><style>{STYLE}</style></head><body><h1>{html.escape(self.title)}</h1>"
                + "\n".join(self._parts)
                + "</body></html>\n"
            )
        return path


STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222;padding:0 1em}"
    "table{border-collapse:collapse;margin:1em 0;font-size:0.9em}caption{text-align:left;font-weight:600;"
    "padding:0.3em 0}th,td{border-bottom:1px solid #ddd;padding:0.25em 0.7em}td.num{text-align:right;"
    "font-variant-numeric:tabular-nums}th{background:#f3f3f3}img{max-width:100%}figcaption{color:#555;"
    "font-size:0.9em}"
)


def _station_rows(district: District, plan: ClusterPlan, comparison: Comparison) -> Table:
    """Per station: kind, cluster, units, calls, response before and after, utilisation."""
    stations = district.stations
    units = district.units
    rows = []
    after_busy = np.mean([run.busy / run.horizon for run in comparison.after.runs], axis=0)
    for i, station in enumerate(stations):
        before = np.concatenate([run.response[run.home == i] for run in comparison.before.runs])
        after = np.concatenate([run.response[run.home == i] for run in comparison.after.runs])
        mine = [k for k, u in enumerate(units) if u.station == station.id]
        cluster = plan.cluster_of(station.id)
        calls = len(after) / len(comparison.after.runs)
        rows.append(
            (
                station.id,
                plan.kinds[station.id].value,
                cluster.central if cluster else "",
                len(mine),
                calls,
                _mean(before) / 60,
                _mean(after) / 60,
                _percentile(after, 90) / 60,
                float(after_busy[mine].mean() * 100) if mine else None,
            )
        )
    return Table(
        "Stations: calls a replication, response (minutes) before and after, utilisation of their units after",
        ("station", "kind", "cluster", "units", "calls", "mean before", "mean after", "p90 after", "busy %"),
        tuple(rows),
        ("", "", "", ",", ",.0f", ".1f", ".1f", ".1f", ".1f"),
    )


def _cluster_rows(district: District, plan: ClusterPlan, comparison: Comparison) -> Table:
    """Per cluster: members, calls, response after and utilisation."""
    index = district.station_index
    after_busy = np.mean([run.busy / run.horizon for run in comparison.after.runs], axis=0)
    rows = []
    for c in plan.clusters:
        members = [index[m] for m in c.members]
        after = np.concatenate([run.response[np.isin(run.home, members)] for run in comparison.after.runs])
        mine = [k for k, u in enumerate(district.units) if u.station in c.members]
        rows.append(
            (
                c.central,
                ", ".join(c.bases),
                len(mine),
                len(after) / len(comparison.after.runs),
                _mean(after) / 60,
                _percentile(after, 90) / 60,
                float(after_busy[mine].mean() * 100) if mine else None,
            )
        )
    return Table(
        "Clusters after the reform: units, calls a replication, response (minutes), utilisation",
        ("central", "bases", "units", "calls", "mean", "p90", "busy %"),
        tuple(rows),
        ("", "", ",", ",.0f", ".1f", ".1f", ".1f"),
    )


def _mean(values: NDArray[np.float64]) -> float:
    values = values[~np.isnan(values)]
    return float(values.mean()) if len(values) else math.nan


def _percentile(values: NDArray[np.float64], q: float) -> float:
    values = values[~np.isnan(values)]
    return float(np.percentile(values, q)) if len(values) else math.nan


def reform_report(district: District, plan: ClusterPlan, comparison: Comparison, path: str | Path) -> Path:
    """The report for decision-makers: the district, the proposed clusters on a
    map, response before and after, and tables by station and by cluster."""
    from .plot import cluster_map, response_cdf

    report = HtmlReport(f"Central-station reform: {district.name}")
    report.text(
        f"Proposed structure: {', '.join(f'{n} {k}' for k, n in plan.counts().items())}. Before: each station "
        "sends only its own units (OwnStation). After: the nearest free unit of the incident's cluster, then of "
        "the district (ClusterFirst), with border partners on request. Both are simulated on the same calls."
    )
    report.figure(cluster_map(district, plan), "Stations by kind, cluster links, roads, county boundary, partners")
    report.heading("Response times before and after")
    report.table(comparison.table())
    report.figure(
        response_cdf({"before (OwnStation)": comparison.before, "after (ClusterFirst)": comparison.after}),
        "Share of calls answered within each time",
    )
    report.heading("Clusters")
    report.table(plan.table())
    report.text(plan.summary())
    report.table(_cluster_rows(district, plan, comparison))
    report.heading("Stations")
    report.table(_station_rows(district, plan, comparison))
    report.heading("The district")
    report.table(district_summary(plan.apply(district)))
    report.table(first_due_table(district))
    return report.write(path)


def sweep_tables(rows: list[Row]) -> tuple[Table, list[tuple[str, list[tuple[Any, str, float, float]]]]]:
    """One line a scenario of a sweep (grid values and key metrics with their
    intervals), and for each grid parameter the points of its chart of mean
    response time."""
    by_key: dict[str, list[Row]] = {}
    for row in rows:
        by_key.setdefault(row.key, []).append(row)
    keys = sorted({k for row in rows for k in row.changes})
    lines, means = [], {}
    for key, group in by_key.items():
        values = [group[0].changes.get(k) for k in keys]
        if "infeasible" in group[0].result:
            lines.append((*values, len(group), None, None, None, None, "infeasible", None))
            continue
        metric = {
            name: estimate([r.result["metrics"][name] for r in group])
            for name in ("mean", "p90", "within 30 min", "utilisation")
        }
        plan = group[0].result.get("plan") or {}
        means[key] = (group[0].changes, metric["mean"])
        lines.append(
            (
                *values,
                len(group),
                _scaled(metric["mean"], 1 / 60),
                _scaled(metric["p90"], 1 / 60),
                _scaled(metric["within 30 min"], 100),
                _scaled(metric["utilisation"], 100),
                plan.get("central"),
                plan.get("base"),
            )
        )
    lines.sort(key=lambda line: [str(v) for v in line[: len(keys)]])
    table = Table(
        "Sweep: one line a scenario (mean over replications ± 95 % half-width)",
        (*keys, "runs", "mean min", "p90 min", "within 30 min %", "busy %", "central", "base"),
        tuple(lines),
        (*([""] * len(keys)), ",", ".1f", ".1f", ".1f", ".1f", "", ""),
    )
    charts = []
    for parameter in keys:
        others = [k for k in keys if k != parameter]
        points = [
            (changes[parameter], ", ".join(f"{k}={changes[k]}" for k in others), e.mean / 60, _half(e) / 60)
            for changes, e in means.values()
        ]
        if len({p[0] for p in points}) > 1:
            charts.append((parameter, points))
    return table, charts


def _scaled(e: Estimate, factor: float) -> Estimate:
    return Estimate(e.mean * factor, e.low * factor, e.high * factor)


def _half(e: Estimate) -> float:
    return 0.0 if math.isnan(e.half_width) else e.half_width


def sweep_report(sweep: Sweep, rows: list[Row], path: str | Path) -> Path:
    """The comparison across a sweep's grid: its table and one chart a parameter."""
    from .plot import sweep_chart

    table, charts = sweep_tables(rows)
    report = HtmlReport(f"Sweep: {sweep.name}")
    report.text(f"{len(rows)} rows; grid: " + "; ".join(f"{k} = {v}" for k, v in sweep.grid.items()))
    report.table(table)
    for parameter, points in charts:
        report.figure(sweep_chart(points, parameter, "mean response (min)"), f"Mean response time by {parameter}")
    return report.write(path)
