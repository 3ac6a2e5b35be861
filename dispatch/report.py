"""Reports for planners: tables about a district, its plan and its response times."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .district import District
from .table import Table

__all__ = ["district_summary", "first_due_table"]


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
                station.name or station.id,
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
