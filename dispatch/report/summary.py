"""Tables and lines for planners, in Chinese or English: the district, first-due
areas, the plan, stations, clusters and villages before and after, the headline
verdict, and sweeps. Stations and villages are shown by name with their id."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..district import District
from ..evaluate.metrics import TIME_METRICS, Estimate, estimate, quantiles, within
from ..evaluate.simulation import Comparison, SimulationResult
from ..experiment.sweep import Row
from ..plan.structure import ClusterPlan
from ..texttable import Table
from .i18n import PLAN_TERMS, Language, display_name, metric_label, metric_meaning, term

__all__ = [
    "cluster_table",
    "district_summary",
    "first_due_table",
    "metric_notes",
    "metrics_table",
    "plan_summary",
    "plan_table",
    "station_table",
    "sweep_tables",
    "verdict",
    "village_response",
    "village_table",
]


def _zh(language: Language) -> bool:
    return language == "zh"


def _counts(kinds: Sequence[str], language: Language) -> str:
    found: dict[str, int] = {}
    for kind in kinds:
        found[kind] = found.get(kind, 0) + 1
    if _zh(language):
        return "，".join(f"{term(kind, language)} {n} 个" for kind, n in found.items())
    return ", ".join(f"{n} {kind}" for kind, n in found.items())


def _names(district: District) -> dict[str, str]:
    """How a person reads each station and partner: name with id."""
    names = {s.id: display_name(s.id, s.name) for s in district.stations}
    return names | {p.id: display_name(p.id, p.name) for p in district.partners}


def district_summary(district: District, language: Language = "en") -> Table:
    """What the district holds: stations, units, emergency units, partners,
    roads and villages."""
    roads = district.roads
    population = sum(v.population for v in district.villages)
    station_ids = {s.id for s in district.stations}
    zh = _zh(language)
    rows: list[tuple[Any, ...]] = [
        (
            "派出所" if zh else "stations",
            len(district.stations),
            _counts([s.kind.value for s in district.stations], language),
        ),
        ("民警" if zh else "officers", sum(s.officers for s in district.stations), ""),
        (
            "警车" if zh else "units",
            sum(u.station in station_ids for u in district.units),
            "驻所" if zh else "at stations",
        ),
        (
            "县界外协作所" if zh else "partners",
            len(district.partners),
            "签有协作协议的县界外派出所" if zh else "stations across the boundary with mutual aid",
        ),
        (
            "道路节点" if zh else "road nodes",
            roads.n_nodes,
            f"{roads.n_edges:,} " + ("条有向路段" if zh else "directed edges"),
        ),
        ("村" if zh else "villages", len(district.villages), ("人口 " if zh else "population ") + f"{population:,}"),
        ("年警情" if zh else "incidents a year", round(float(district.incident_rates.sum())), ""),
    ]
    if district.emergency_units:
        share = 100 * np.mean([e.availability for e in district.emergency_units])
        notes = f"驻村，平均每天在岗 {share:.0f}%" if zh else f"at villages, on duty {share:.0f}% of the day on average"
        rows.insert(3, (term("emergency units", language), len(district.emergency_units), notes))
    return Table(district.name, ("", term("count", language), term("notes", language)), tuple(rows), ("", ",", ""))


def first_due_table(district: District, language: Language = "en") -> Table:
    """Each station's first-due area (the villages nearest to it by road) and the
    incident-weighted mean and worst travel time from the station to them."""
    time = district.village_first_due.time / 60
    owner = district.village_first_due.source
    rates = district.incident_rates
    population = np.array([v.population for v in district.villages])
    names = _names(district)
    rows = []
    for i, station in enumerate(district.stations):
        mine = owner == i
        mean = np.average(time[mine], weights=rates[mine]) if rates[mine].sum() > 0 else None
        worst = time[mine].max() if mine.any() else None
        rows.append(
            (names[station.id], int(mine.sum()), int(population[mine].sum()), float(rates[mine].sum()), mean, worst)
        )
    rows.append(
        (
            term("district", language),
            len(time),
            int(population.sum()),
            float(rates.sum()),
            np.average(time, weights=rates) if rates.sum() > 0 else None,
            time.max() if len(time) else None,
        )
    )
    title = (
        "责任区：最近派出所到各村的道路时间（分钟）"
        if _zh(language)
        else "First-due areas: travel time from the nearest station by road (minutes)"
    )
    columns = ("station", "villages", "population", "incidents/yr", "mean min", "worst min")
    return Table(title, tuple(term(c, language) for c in columns), tuple(rows), ("", ",", ",", ",.0f", ".1f", ".1f"))


def plan_table(district: District, plan: ClusterPlan, language: Language = "en") -> Table:
    """The plan's table (:meth:`ClusterPlan.table`) with stations by name and the
    words in ``language``."""
    names = _names(district)
    joiner = "、" if _zh(language) else ", "
    table = plan.table()
    rows: list[tuple[Any, ...]] = [
        (names[c.central], joiner.join(names[b] for b in c.bases), *row[2:])
        for c, row in zip(plan.clusters, table.rows)
    ]
    for g, row in zip(plan.border, table.rows[len(plan.clusters) :]):
        partners = joiner.join(names.get(p, p) for p in g.partners)
        if g.cluster:
            partners += f"；属 {names[g.cluster]} 片区" if _zh(language) else f"; base of {names[g.cluster]}"
        rows.append((f"{names[g.station]} ({term('border', language)})", partners, *row[2:]))
    title = (
        "中心所片区：基础所（或协作所）、警力强度、警情量及中心所出发的道路时间（分钟）"
        if _zh(language)
        else table.title
    )
    return Table(title, tuple(term(c, language) for c in table.columns), tuple(rows), table.formats)


def plan_summary(plan: ClusterPlan, language: Language = "en") -> str:
    """Counts by kind, the solver's verdict and the mean travel, a line each."""
    if not _zh(language):
        return plan.summary()
    counts = "，".join(f"{term(kind, language)} {n} 个" for kind, n in plan.counts().items())
    status = {"optimal": "已证明最优", "feasible": "可行解（未证明最优）", "infeasible": "无可行解"}[plan.status]
    gap = "" if plan.status == "optimal" or math.isnan(plan.gap) else f"，差距 {plan.gap:.2%}"
    return (
        f"{counts}\n求解：{status}{gap}，目标值 {plan.objective:,.0f} 警情·秒/年，求解 {plan.solve_time:.2f} 秒"
        f"\n中心所到各所警情的平均道路时间 {plan.mean_travel / 60:.1f} 分钟"
    )


def metrics_table(title: str, columns: dict[str, dict[str, Estimate]], language: Language = "en") -> Table:
    """Metrics side by side (times in minutes, shares in per cent), one column a
    result: the estimates and their 95 % intervals."""
    names = next(iter(columns.values()))
    rows = []
    for name in names:
        factor = 1 / 60 if name in TIME_METRICS else 100
        rows.append((metric_label(name, language), *(metrics[name].scaled(factor) for metrics in columns.values())))
    heads = tuple(term(c, language) for c in columns)
    return Table(title, (term("metric", language), *heads), tuple(rows), ("", *([".1f"] * len(columns))))


def metric_notes(keys: Sequence[str], language: Language = "en") -> Table:
    """What each metric means, one line each, and the plan's quantities."""
    rows = [(metric_label(k, language, unit=False), metric_meaning(k, language)) for k in keys]
    rows += [(term(k, language), PLAN_TERMS[k][0 if _zh(language) else 1]) for k in PLAN_TERMS]
    title = "指标说明" if _zh(language) else "What the figures mean"
    return Table(title, (term("metric", language), term("meaning", language)), tuple(rows), ("", ""))


def _pooled(runs: Sequence[NDArray[np.float64]]) -> NDArray[np.float64]:
    values = np.concatenate(runs) if runs else np.zeros(0)
    return values[~np.isnan(values)]


def _mean(values: NDArray[np.float64]) -> float:
    return float(values.mean()) if len(values) else math.nan


def _p90(values: NDArray[np.float64]) -> float:
    return float(quantiles(values, [0.9])[0]) if len(values) else math.nan


def _busy(result: SimulationResult) -> NDArray[np.float64]:
    return np.asarray(np.mean([run.busy / run.horizon for run in result.runs], axis=0))


def station_table(district: District, plan: ClusterPlan, comparison: Comparison, language: Language = "en") -> Table:
    """Per station: kind, cluster, units, calls, response before and after, utilisation."""
    names = _names(district)
    busy = _busy(comparison.after)
    rows = []
    for i, station in enumerate(district.stations):
        before = _pooled([run.response[run.home == i] for run in comparison.before.runs])
        after = _pooled([run.response[run.home == i] for run in comparison.after.runs])
        mine = [k for k, u in enumerate(district.units) if u.station == station.id]
        cluster = plan.cluster_of(station.id)
        rows.append(
            (
                names[station.id],
                term(plan.kinds[station.id].value, language),
                names[cluster.central] if cluster else "",
                len(mine),
                len(after) / len(comparison.after.runs),
                _mean(before) / 60,
                _mean(after) / 60,
                _p90(before) / 60,
                _p90(after) / 60,
                float(busy[mine].mean() * 100) if mine else None,
            )
        )
    title = (
        "各派出所：每年警情、改革前后响应时间（分钟）、改革后警车占用率"
        if _zh(language)
        else "Stations: calls a year, response (minutes) before and after, utilisation of their units after"
    )
    columns: tuple[str, ...] = ("station", "kind", "cluster", "units", "calls a year")
    columns += ("mean before", "mean after", "p90 before", "p90 after", "busy %")
    return Table(
        title,
        tuple(term(c, language) for c in columns),
        tuple(rows),
        ("", "", "", ",", ",.0f", ".1f", ".1f", ".1f", ".1f", ".1f"),
    )


def _cluster_rows(district: District, plan: ClusterPlan, comparison: Comparison) -> list[tuple[Any, ...]]:
    """(central id, members, units, calls a year, mean, p90 before and after, busy %) a cluster."""
    index = district.station_index
    busy = _busy(comparison.after)
    rows = []
    for c in plan.clusters:
        members = [index[m] for m in c.members]
        before = _pooled([run.response[np.isin(run.home, members)] for run in comparison.before.runs])
        after = _pooled([run.response[np.isin(run.home, members)] for run in comparison.after.runs])
        mine = [k for k, u in enumerate(district.units) if u.station in c.members]
        rows.append(
            (
                c.central,
                c.bases,
                len(mine),
                len(after) / len(comparison.after.runs),
                _mean(before) / 60,
                _mean(after) / 60,
                _p90(before) / 60,
                _p90(after) / 60,
                float(busy[mine].mean() * 100) if mine else None,
            )
        )
    return rows


def cluster_table(district: District, plan: ClusterPlan, comparison: Comparison, language: Language = "en") -> Table:
    """Per cluster: members, calls, response before and after, utilisation."""
    names = _names(district)
    joiner = "、" if _zh(language) else ", "
    rows = tuple(
        (names[central], joiner.join(names[b] for b in bases), *rest)
        for central, bases, *rest in _cluster_rows(district, plan, comparison)
    )
    title = (
        "中心所片区：每年警情、改革前后响应时间（分钟）、改革后警车占用率"
        if _zh(language)
        else "Clusters: calls a year, response (minutes) before and after, utilisation after"
    )
    columns = (
        "central",
        "bases",
        "units",
        "calls a year",
        "mean before",
        "mean after",
        "p90 before",
        "p90 after",
        "busy %",
    )
    return Table(
        title, tuple(term(c, language) for c in columns), rows, ("", "", ",", ",.0f", ".1f", ".1f", ".1f", ".1f", ".1f")
    )


def village_table(
    district: District, comparison: Comparison, language: Language = "en", *, target: float = 1_800.0, limit: int = 15
) -> Table:
    """The villages slowest to reach after the reform (by mean response), at most
    ``limit``, with the share of their calls reached within ``target`` seconds."""
    n = len(district.villages)
    before, after = village_response(comparison.before, n), village_response(comparison.after, n)
    reached = _village_share(comparison.after, n, target)
    calls = np.bincount(np.concatenate([run.village for run in comparison.after.runs]), minlength=n)
    order = [k for k in np.argsort(-np.nan_to_num(after, nan=-1.0)) if not math.isnan(after[k])][:limit]
    names = _names(district)
    home = district.home_stations
    rows = tuple(
        (
            display_name(district.villages[k].id, district.villages[k].name),
            names[district.stations[int(home[k])].id],
            calls[k] / len(comparison.after.runs),
            before[k] / 60,
            after[k] / 60,
            reached[k] * 100,
        )
        for k in order
    )
    minutes = f"{target / 60:g}"
    title = (
        f"响应最慢的 {len(rows)} 个村（改革后平均响应时间）"
        if _zh(language)
        else f"The {len(rows)} villages slowest to reach after the reform"
    )
    columns = (
        term("village", language),
        term("station", language),
        term("calls a year", language),
        term("mean before", language),
        term("mean after", language),
        f"{minutes} 分钟内 %" if _zh(language) else f"within {minutes} min %",
    )
    return Table(title, columns, rows, ("", "", ",.1f", ".1f", ".1f", ".1f"))


def village_response(result: SimulationResult, n_villages: int) -> NDArray[np.float64]:
    """Each village's mean response (seconds) over every call from it in every
    run (``nan`` for a village with no served call)."""
    total, count = np.zeros(n_villages), np.zeros(n_villages)
    for run in result.runs:
        served = ~np.isnan(run.response)
        np.add.at(total, run.village[served], run.response[served])
        np.add.at(count, run.village[served], 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _village_share(result: SimulationResult, n: int, target: float) -> NDArray[np.float64]:
    hit, count = np.zeros(n), np.zeros(n)
    for run in result.runs:
        served = ~np.isnan(run.response)
        np.add.at(hit, run.village[served], run.response[served] <= target)
        np.add.at(count, run.village[served], 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, hit / np.maximum(count, 1), np.nan)


def verdict(district: District, plan: ClusterPlan, comparison: Comparison, language: Language = "en") -> str:
    """The headline: the change in mean response and in calls reached within
    30 minutes, and the slowest cluster after the reform."""
    mean = comparison.difference["mean"].scaled(1 / 60)
    share = comparison.difference[within(1_800)].scaled(100)
    names = _names(district)
    slowest = max(_cluster_rows(district, plan, comparison), key=lambda row: np.nan_to_num(row[7], nan=-1.0))
    where = names[slowest[0]]
    if _zh(language):
        return (
            f"平均响应时间 {mean.mean:+.1f} 分钟（95% 区间 {mean.low:+.1f} 至 {mean.high:+.1f}），"
            f"30 分钟内到达 {share.mean:+.1f} 个百分点；"
            f"最慢的片区是 {where} 中心所片区，改革后 90% 警情 {slowest[7]:.1f} 分钟内到达。"
        )
    return (
        f"Mean response {mean.mean:+.1f} min (95 % interval {mean.low:+.1f} to {mean.high:+.1f}), "
        f"reached within 30 minutes {share.mean:+.1f} percentage points; "
        f"the slowest cluster is {where}'s, p90 {slowest[7]:.1f} min after the reform."
    )


def _order(value: Any) -> tuple[int, Any]:
    """Numbers in numeric order, then anything else by its text."""
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    return (0, value) if numeric else (1, str(value))


def sweep_tables(
    rows: list[Row], language: Language = "en"
) -> tuple[Table, list[tuple[str, list[tuple[Any, str, float, float]]]]]:
    """One line a scenario of a sweep (grid values and key metrics with their
    intervals), and for each grid parameter the points of its chart of mean
    response time: each point's error bar is the interval of its difference from
    the first point of its line, paired by replication (runs of one replication
    number share their calls when the demand is the same)."""
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
            name: estimate([r.result["metrics"][name] for r in group], share=name not in TIME_METRICS)
            for name in ("mean", "p90", within(1_800), "utilisation")
        }
        plan = group[0].result.get("plan") or {}
        means[key] = (group[0].changes, {r.replication: r.result["metrics"]["mean"] for r in group})
        lines.append(
            (
                *values,
                len(group),
                metric["mean"].scaled(1 / 60),
                metric["p90"].scaled(1 / 60),
                metric[within(1_800)].scaled(100),
                metric["utilisation"].scaled(100),
                plan.get("central"),
                plan.get("base"),
            )
        )
    lines.sort(key=lambda line: [str(v) for v in line[: len(keys)]])
    zh = _zh(language)
    table = Table(
        "参数扫描：每个情景一行（各次模拟的平均 ± 95% 区间半宽）"
        if zh
        else "Sweep: one line a scenario (mean over replications ± 95 % half-width)",
        (
            *keys,
            term("runs", language),
            metric_label("mean", language),
            metric_label("p90", language),
            metric_label(within(1_800), language),
            metric_label("utilisation", language),
            term("central", language),
            term("base", language),
        ),
        tuple(lines),
        (*([""] * len(keys)), ",", ".1f", ".1f", ".1f", ".1f", "", ""),
    )
    charts = []
    for parameter in keys:
        others = [k for k in keys if k != parameter]
        series: dict[str, list[tuple[Any, dict[int, float]]]] = {}
        for changes, by_run in means.values():
            series.setdefault(", ".join(f"{k}={changes[k]}" for k in others), []).append((changes[parameter], by_run))
        points = []
        for name, line in series.items():
            line.sort(key=lambda point: _order(point[0]))
            first = line[0][1]
            for value, by_run in line:
                shared = sorted(set(first) & set(by_run))
                paired = estimate([by_run[r] - first[r] for r in shared]) if len(shared) > 1 else None
                half = 0.0 if paired is None or math.isnan(paired.half_width) else paired.half_width
                points.append((value, name, float(np.mean(list(by_run.values()))) / 60, half / 60))
        if len({p[0] for p in points}) > 1:
            charts.append((parameter, points))
    return table, charts
