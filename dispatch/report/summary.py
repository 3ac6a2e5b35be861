"""Tables for planners: the district, first-due areas, stations and clusters
before and after, and sweeps."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..district import District
from ..evaluate.metrics import Estimate, estimate, within
from ..evaluate.simulation import Comparison
from ..experiment.sweep import Row
from ..plan.structure import ClusterPlan
from ..texttable import Table

__all__ = ["cluster_table", "district_summary", "first_due_table", "station_table", "sweep_tables"]


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


def station_table(district: District, plan: ClusterPlan, comparison: Comparison) -> Table:
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


def cluster_table(district: District, plan: ClusterPlan, comparison: Comparison) -> Table:
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
            for name in ("mean", "p90", within(1_800), "utilisation")
        }
        plan = group[0].result.get("plan") or {}
        means[key] = (group[0].changes, metric["mean"])
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


def _half(e: Estimate) -> float:
    return 0.0 if math.isnan(e.half_width) else e.half_width
