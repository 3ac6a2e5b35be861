"""Speed on road networks: contraction, travel tables, decisions and a simulated year.

For each network (the synthetic 100,000-junction grid, the demo county, and a
real OpenStreetMap extract), a district of 30 stations with two units each and
300 villages placed at random on the largest strongly connected part, measured
side by side in one run:

- the contraction (core nodes) and the travel-table build (searches from every
  post), then the searches towards every village (``tables.warm``), wall and
  CPU seconds; the peak of the memory the build allocates is measured in a
  second build under tracemalloc, which slows what it traces;
- decision latency (p50 and p99 of ``Dispatcher.dispatch``) for calls at
  villages with every unit at its station, and for calls at villages and calls
  anywhere (a random point of a random road, 5 m off it) with half the units on
  the road, beside the competent networkx dispatcher of ``bench_dispatch.py``
  (station trees once; per call a reverse Dijkstra cut at the best ETA known,
  cached per target node), which snaps calls to the nearest node: for calls at
  villages (at nodes) both must send the same unit, for calls anywhere the
  units both chose are counted;
- a simulated district-year of at least 60,000 calls (NearestFree, returning
  units dispatchable): calls per second with the contraction and the table
  build included, wall and CPU.

The real network is ``--osm FILE`` (``.osm.pbf`` with the ``files`` extra, or OSM
XML / GraphML with the ``osm`` extra), else Wuhan's streets from OpenStreetMap as
shipped in the ``neatnet`` source archive on PyPI, fetched once with ``pip
download`` into ``benchmarks/data/`` (see benchmarks/data/README.md for its
source and licence) and read as a GeoPackage line layer by ``read_road_lines``.

Run: ``python benchmarks/bench_speed.py [--osm FILE] [--calls 400]``.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from bench_dispatch import (
    Calls,
    CompetentNetworkx,
    anywhere,
    at_villages,
    district_on,
    free_units,
    send_and_settle,
)
from common import paragraph, progress, ratio, sig, table

from dispatch import District, Incident, NearestFree, RoadNetwork, UnitStatus
from dispatch.datasets import demo_district
from dispatch.datasets.synthetic import synthetic_roads
from dispatch.evaluate.demand import DemandParams
from dispatch.evaluate.simulation import SimulationParams, simulate
from dispatch.network.convert import RURAL_SPEEDS_KPH, to_networkx
from dispatch.operate import Dispatcher, TravelTables

SEED = 3
TURNOUT = 60.0
YEAR_CALLS = 60_000
DATA = Path(__file__).resolve().parent / "data"
NEATNET = "neatnet==0.1.6"
WUHAN = "neatnet-0.1.6/data/wuhan_8989/original.parquet"
WUHAN_SHA256 = "aeadb891a146320d617de30b7df552818b200e9372cfeaf50535300b8bd8d244"


# ---------------------------------------------------------------------- the real network


def wuhan() -> Path:
    """Wuhan's drivable streets from the ``neatnet`` source archive on PyPI, as a
    GeoPackage in ``benchmarks/data/``, made once (see benchmarks/data/README.md)."""
    path = DATA / "wuhan.gpkg"
    if path.exists():
        return path
    import geopandas as gpd  # the bench extra

    with tempfile.TemporaryDirectory() as folder:
        progress(f"fetching {NEATNET} from PyPI (pip download, once)")
        pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        subprocess.run(
            [*pip, "--no-binary=:all:", "-d", folder, NEATNET],
            check=True,
            stdout=sys.stderr,
        )
        with tarfile.open(next(Path(folder).glob("neatnet-*.tar.gz"))) as archive:
            member = archive.extractfile(WUHAN)
            assert member is not None
            content = member.read()
        if hashlib.sha256(content).hexdigest() != WUHAN_SHA256:
            raise SystemExit(f"{WUHAN} in {NEATNET} is not the file benchmarks/data/README.md describes")
        parquet = Path(folder) / "original.parquet"
        parquet.write_bytes(content)
        streets = gpd.read_parquet(parquet)
    drivable = streets[streets["highway"].isin(list(RURAL_SPEEDS_KPH))][["highway", "geometry"]]
    part = path.with_name(f".{path.stem}.part.gpkg")  # a whole file or none
    drivable.to_file(part, driver="GPKG", layer="roads")
    part.replace(path)
    return path


def real_roads(path: str | None) -> tuple[str, RoadNetwork]:
    """The real network: ``path``, else Wuhan's streets."""
    from dispatch.io.roads import read_osm_pbf, read_road_lines
    from dispatch.network.convert import from_osm_file

    if path is None:
        return "OSM Wuhan", read_road_lines(wuhan(), class_column="highway", speeds_kph=RURAL_SPEEDS_KPH)
    found = Path(path)
    roads = read_osm_pbf(found) if found.name.endswith(".pbf") else from_osm_file(found)
    return f"OSM {found.name}", roads


# ---------------------------------------------------------------------- units on the road


def half_on_the_road(dispatcher: Dispatcher, rng: np.random.Generator) -> None:
    """Send half the units to random villages and start them home from there."""
    villages = dispatcher.district.village_ids
    for k in range(len(dispatcher.unit_ids) // 2):
        decision = dispatcher.dispatch(
            Incident(id=f"warm{k}", village=villages[rng.integers(len(villages))]), at=dispatcher.now
        )
        assert decision.unit is not None
        dispatcher.arrive(decision.unit, dispatcher.now)
    for state in dispatcher.units:
        if state.status == UnitStatus.ON_SCENE:
            dispatcher.clear(state.unit, dispatcher.now)
    dispatcher.now += 120.0  # two minutes into their drives home


def latency(
    district: District, tables: TravelTables, competent: CompetentNetworkx, calls: Calls, on_road: bool, count: int
) -> tuple[float, float, float, float, int]:
    """p50 and p99 (ms) of dispatch and of the competent dispatcher, and the
    calls on which both chose the same unit (every call at a village must).
    Each runs its own pass over the same calls and unit states: taking turns
    call by call, each would find the CPU caches filled with the other's data."""
    rng = np.random.default_rng(SEED)
    dispatcher = Dispatcher(district, tables=tables, turnout=TURNOUT)
    if on_road:
        half_on_the_road(dispatcher, rng)
    ours, seen, chosen = [], [], []
    for k in range(count):
        incident = calls(k, rng)
        seen.append((incident, free_units(dispatcher), dispatcher.now))
        unit, (elapsed,) = send_and_settle([dispatcher], incident, back_home=not on_road)
        ours.append(elapsed)
        chosen.append(unit)
    theirs, same = [], 0
    for (incident, free, now), unit in zip(seen, chosen):
        start = time.perf_counter()
        expected, _ = competent.choose(incident, free, now)
        theirs.append(time.perf_counter() - start)
        assert incident.village is None or unit == expected, (incident, unit, expected)
        same += unit == expected
    p50, p99 = np.percentile(ours, [50, 99]) * 1_000
    n50, n99 = np.percentile(theirs, [50, 99]) * 1_000
    return p50, p99, n50, n99, same


# ---------------------------------------------------------------------- one network


def timed(run: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall and CPU seconds of ``run()``, and its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def peak_mb(run: Callable[[], Any]) -> float:
    """The peak of the memory ``run()`` allocates, in MB."""
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def network(name: str, roads: RoadNetwork, count: int) -> dict[str, Any]:
    """Every figure of one network."""
    progress(f"{name}: contraction and travel tables")
    found: dict[str, Any] = {"name": name, "nodes": roads.n_nodes}
    roads.__dict__.pop("core", None)  # built already if a district was made on these roads
    found["contraction"] = timed(lambda: roads.core)[:2]
    found["core"] = roads.core.n_nodes
    district = district_on(roads, name)
    *found["tables"], tables = timed(lambda: TravelTables.for_district(district))
    found["tables_mb"] = peak_mb(lambda: TravelTables.for_district(district))
    found["warm"] = timed(tables.warm)[:2]
    progress(f"{name}: decisions")
    graph = to_networkx(roads)
    *found["networkx"], competent = timed(lambda: CompetentNetworkx(district, graph, TURNOUT))
    found["decisions"] = [
        (label, *latency(district, tables, competent, calls, on_road, count))
        for label, calls, on_road in (
            ("calls at villages, units at stations", at_villages(district), False),
            ("calls at villages, half the units on the road", at_villages(district), True),
            ("calls anywhere, half the units on the road", anywhere(district), True),
        )
    ]
    progress(f"{name}: a simulated year")
    scale = YEAR_CALLS / float(district.incident_rates.sum()) * 1.02
    year = DemandParams(scale=scale).incidents(district, 365 * 86_400.0, seed=SEED)
    roads.__dict__.pop("core", None)  # the year pays for the contraction too

    def simulate_year() -> Any:
        again = District(
            name=name, roads=roads, stations=district.stations, units=district.units, villages=district.villages
        )
        return simulate(again, None, NearestFree(), incidents=year, params=SimulationParams(turnout=TURNOUT))

    found["year"] = (len(year), *timed(simulate_year)[:2])
    return found


# ---------------------------------------------------------------------- the report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--osm", help="an OSM extract (.osm.pbf, .osm or .graphml)")
    parser.add_argument("--calls", type=int, default=400, help="timed calls per setting")
    args = parser.parse_args()
    makers: list[Callable[[], tuple[str, RoadNetwork]]] = [
        lambda: ("synthetic 100k", synthetic_roads(100_000, seed=SEED)),
        lambda: ("demo county", demo_district().roads),
        lambda: real_roads(args.osm),
    ]
    results = [network(*make(), args.calls) for make in makers]
    report(results, args.calls)


def report(results: list[dict[str, Any]], count: int) -> None:
    """Print the figures as Markdown, the targets first."""
    synthetic, real = results[0], results[-1]
    far = {r["name"]: r["decisions"][2] for r in results}  # calls anywhere, half the units on the road
    rate = {r["name"]: r["year"][0] / r["year"][1] for r in results}
    build = synthetic["contraction"][0] + synthetic["tables"][0]
    paragraph(
        "Targets, as measured here: a decision for a call anywhere with half the units on the road takes p99",
        f"**{sig(far[synthetic['name']][2])} ms** on the synthetic 100k-node network (target 2 ms) and",
        f"**{sig(far[real['name']][2])} ms** on the real network, {real['name']} with {real['nodes']:,} nodes",
        "(target 1 ms on one of 50,000 nodes or more); a simulated year on the real network runs at",
        f"**{rate[real['name']]:,.0f} calls/s**, contraction and tables included (target 20,000); the contraction",
        f"and travel tables of the 100k-node network take **{sig(build)} s** (target 1 s).",
        "Wall seconds on a shared machine; CPU seconds beside them.",
    )
    table(
        "Contraction and travel tables (30 posts, 300 villages)",
        (
            "network",
            "nodes",
            "core nodes",
            "contraction s",
            "CPU s",
            "tables s",
            "CPU s",
            "tables peak MB",
            "searches towards villages s",
            "networkx dispatcher built s",
        ),
        [
            (
                r["name"],
                f"{r['nodes']:,}",
                f"{r['core']:,}",
                sig(r["contraction"][0]),
                sig(r["contraction"][1]),
                sig(r["tables"][0]),
                sig(r["tables"][1]),
                sig(r["tables_mb"]),
                sig(r["warm"][0]),
                sig(r["networkx"][0]),
            )
            for r in results
        ],
        ("",) + ("s",) * 9,
    )
    table(
        f"Decisions ({count} calls a setting; NearestFree; ms)",
        (
            "network",
            "setting",
            "dispatch p50",
            "dispatch p99",
            "networkx p50",
            "networkx p99",
            "× p50",
            "× p99",
            "same unit",
        ),
        [
            (r["name"], label, sig(p50), sig(p99), sig(n50), sig(n99), ratio(n50 / p50), ratio(n99 / p99), f"{same}")
            for r in results
            for label, p50, p99, n50, n99, same in r["decisions"]
        ],
        ("", "") + ("s",) * 7,
    )
    table(
        "A simulated district-year (contraction and travel tables included)",
        ("network", "calls", "wall s", "CPU s", "calls/s", "calls/s of CPU"),
        [
            (r["name"], f"{calls:,}", sig(wall), sig(cpu), f"{calls / wall:,.0f}", f"{calls / cpu:,.0f}")
            for r in results
            for calls, wall, cpu in [r["year"]]
        ],
        ("", "s", "s", "s", "s", "s"),
    )
    paragraph(
        "The networkx dispatcher snaps a call anywhere to the nearest node, dispatch to the nearest point of the",
        "nearest road segment, so for calls anywhere the same-unit column counts agreement, not a requirement;",
        f"for calls at villages every one of the {count} must agree, and did. × is networkx's time over dispatch's.",
    )


if __name__ == "__main__":
    main()
