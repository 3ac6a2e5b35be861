"""Self-contained HTML reports, in Chinese or English: the reform report (verdict
first, maps, tables, the worst places, what each figure means) and the sweep
report. Every figure is embedded as PNG and nothing is fetched when the page is
opened."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from ..district import District
from ..evaluate.metrics import TARGETS
from ..evaluate.simulation import Comparison
from ..experiment.scenario import Sweep
from ..experiment.sweep import Row
from ..io.files import atomic_write
from ..plan.structure import ClusterPlan
from ..texttable import Table
from .i18n import Language, metric_label, term
from .summary import (
    cluster_table,
    district_summary,
    first_due_table,
    metric_notes,
    metrics_table,
    plan_summary,
    plan_table,
    station_table,
    sweep_tables,
    verdict,
    village_table,
)

__all__ = ["HtmlReport", "reform_report", "sweep_report"]


class HtmlReport:
    """A self-contained HTML page: headings, text, tables and figures embedded as
    PNG, written in one piece."""

    def __init__(self, title: str, language: Language = "en") -> None:
        self.title = title
        self.language = language
        self._parts: list[str] = []

    def heading(self, text: str) -> None:
        """A section heading."""
        self._parts.append(f"<h2>{html.escape(text)}</h2>")

    def text(self, text: str, css: str = "") -> None:
        """A paragraph (of the CSS class ``css``, if given)."""
        attribute = f' class="{css}"' if css else ""
        self._parts.append(f"<p{attribute}>{html.escape(text)}</p>")

    def table(self, table: Table) -> None:
        """A table."""
        self._parts.append(table.to_html())

    def figure(self, figure: Any, caption: str) -> None:
        """A matplotlib figure, embedded as PNG (and closed)."""
        from .plot import figure_png

        data = base64.b64encode(figure_png(figure, self.language)).decode()
        self._parts.append(
            f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )

    def write(self, path: str | Path) -> Path:
        """Write the page to ``path`` (atomically)."""
        from .plot import font_face

        path = Path(path)
        lang = "zh-CN" if self.language == "zh" else "en"
        body = f"<h1>{html.escape(self.title)}</h1>" + "\n".join(self._parts)
        with atomic_write(path) as f:
            f.write(
                f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{html.escape(self.title)}</title><style>{STYLE}{font_face(body)}</style></head>"
                f"<body>{body}</body></html>\n"
            )
        return path


STYLE = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans SC',sans-serif;"
    "max-width:1100px;margin:2em auto;color:#222;padding:0 1em;line-height:1.5}"
    "p.verdict{font-size:1.3em;font-weight:600;background:#eef4fb;border-left:6px solid #1f3b8c;padding:0.7em 1em}"
    "table{border-collapse:collapse;margin:1em 0;font-size:0.9em}caption{text-align:left;font-weight:600;"
    "padding:0.3em 0}th,td{border-bottom:1px solid #ddd;padding:0.25em 0.7em}td.num{text-align:right;"
    "font-variant-numeric:tabular-nums}th{background:#f3f3f3}img{max-width:100%}figcaption{color:#555;"
    "font-size:0.9em}"
)


def reform_report(
    district: District, plan: ClusterPlan, comparison: Comparison, path: str | Path, *, language: Language = "en"
) -> Path:
    """The report for decision-makers: the verdict first, the key figures with
    what each means, the proposed clusters on a map, villages coloured by
    response time before and after over the 15/30-minute areas, the slowest
    villages, and tables by cluster and by station."""
    from .plot import cluster_map, response_cdf, response_map

    zh = language == "zh"
    report = HtmlReport(
        f"中心派出所改革评估：{district.name}" if zh else f"Central-station reform: {district.name}", language
    )
    report.text(verdict(district, plan, comparison, language), "verdict")
    if zh:
        report.text(
            f"方案：{plan_summary(plan, language).splitlines()[0]}。改革前：各派出所只派本所警力；改革后：先派本中心所"
            "片区内最近的空闲警力，再派全县最近的空闲警力，边界所可请县界外协作所支援。两者在同一批模拟警情上比较，"
            "± 为 95% 置信区间半宽，括号内为不对称区间。"
        )
    else:
        report.text(
            f"Proposed structure: {plan_summary(plan, language).splitlines()[0]}. Before: each station sends only "
            "its own units. After: the nearest free unit of the incident's cluster, then of the district, with "
            "border partners on request. Both are simulated on the same calls; ± is the 95 % half-width, "
            "brackets give an interval that is not symmetric."
        )
    keys = list(comparison.difference)
    report.table(
        metrics_table(
            "改革前后对比（同一批警情）" if zh else "Before and after the reform, on the same calls",
            {
                "before": comparison.before.metrics(),
                "after": comparison.after.metrics(),
                "difference": comparison.difference,
            },
            language,
        )
    )
    report.heading("哪里慢：各村响应时间" if zh else "Where calls are slow: response by village")
    minutes = "、".join(f"{t / 60:g}" for t in TARGETS) if zh else " and ".join(f"{t / 60:g}" for t in TARGETS)
    report.figure(
        response_map(district, comparison, plan, language=language),
        f"圆点为村，颜色为改革前后的村平均响应时间；蓝色区域为从派出所出发 {minutes} 分钟内可达的范围。"
        if zh
        else f"Dots are villages, coloured by their mean response before and after; blue areas are reached "
        f"from a station within {minutes} minutes by road.",
    )
    report.table(village_table(district, comparison, language))
    report.heading("中心所片区方案" if zh else "The proposed clusters")
    report.figure(
        cluster_map(district, plan, language=language),
        "派出所类型、中心所与基础所的联络线、辖区按片区着色、道路、县界及县界外协作所"
        if zh
        else "Stations by kind, links from each central to its bases, jurisdictions shaded by cluster, roads, "
        "the county line and partners across it",
    )
    report.table(cluster_table(district, plan, comparison, language))
    report.table(plan_table(district, plan, language))
    report.text(plan_summary(plan, language).replace("\n", "; " if not zh else "；"))
    report.heading("响应时间分布" if zh else "Response times")
    report.figure(
        response_cdf(
            {term("before", language): comparison.before, term("after", language): comparison.after},
            language=language,
        ),
        "在各时间内到达的警情比例" if zh else "Share of calls answered within each time",
    )
    report.heading("各派出所" if zh else "Stations")
    report.table(station_table(district, plan, comparison, language))
    report.heading("指标说明" if zh else "What the figures mean")
    report.table(metric_notes(keys, language))
    report.heading("全县概况" if zh else "The district")
    report.table(district_summary(plan.apply(district), language))
    report.table(first_due_table(district, language))
    return report.write(path)


def sweep_report(sweep: Sweep, rows: list[Row], path: str | Path, *, language: Language = "en") -> Path:
    """The comparison across a sweep's grid: its table and one chart a parameter,
    with intervals of each point's difference from the first of its line,
    paired by replication."""
    from .plot import sweep_chart

    zh = language == "zh"
    table, charts = sweep_tables(rows, language)
    report = HtmlReport(f"参数扫描：{sweep.name}" if zh else f"Sweep: {sweep.name}", language)
    grid = "; ".join(f"{k} = {v}" for k, v in sweep.grid.items())
    report.text(f"{len(rows)} 行；参数网格：{grid}" if zh else f"{len(rows)} rows; grid: {grid}")
    report.table(table)
    label = metric_label("mean", language)
    for parameter, points in charts:
        report.figure(
            sweep_chart(points, parameter, label, language=language),
            f"{label} 随 {parameter} 的变化；误差线为与该线第一个点之差的 95% 区间（按模拟次数配对）"
            if zh
            else f"{label} by {parameter}; error bars: 95 % interval of the difference from the line's first "
            "point, paired by replication",
        )
    return report.write(path)
