"""Self-contained HTML reports: the reform report and the sweep report."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

from ..district import District
from ..evaluate.simulation import Comparison
from ..experiment.scenario import Sweep
from ..experiment.sweep import Row
from ..io.files import atomic_write
from ..plan.structure import ClusterPlan
from ..texttable import Table
from .summary import cluster_table, district_summary, first_due_table, station_table, sweep_tables

__all__ = ["HtmlReport", "reform_report", "sweep_report"]


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
    report.table(cluster_table(district, plan, comparison))
    report.heading("Stations")
    report.table(station_table(district, plan, comparison))
    report.heading("The district")
    report.table(district_summary(plan.apply(district)))
    report.table(first_due_table(district))
    return report.write(path)


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
