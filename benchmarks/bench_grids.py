"""Police grids: the county target, the city target, and spopt side by side.

(a) The demo county's 1,291 village grids (``demo_grid_cells``) into 220 police
    grids nested in the 25 station jurisdictions, ±10 % balance, rook
    contiguity: the exact models (target: proven optimal or <= 1 % gap in 60 s)
    against the heuristic alone and the current grids, in the same run.
(b) 325 cells of a synthetic city into 12 grids without nesting, ±5 % balance:
    the exact models (target: <= 1 % gap in 10 minutes) against the heuristic
    alone.
(c) The same 325 cells and 12 regions by pysal spopt's AZP, MaxP, SKATER and
    Ward (``pip install spopt`` for this benchmark only), on the cells'
    coordinates (so that they, too, seek compact regions): objective (workload-
    weighted metres to each region's best centre cell), workload spread,
    regions that are not contiguous (checked with shapely on the polygons) and
    time.

Every figure includes the one-off costs (reading cells, adjacency, distances).
Run: ``python benchmarks/bench_grids.py [--skip-spopt] [--county-limit S] [--city-limit S]``.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import shapely

from dispatch.datasets.cells import DEMO_POLICE_GRIDS, demo_grid_cells, synthetic_cells
from dispatch.errors import DispatchWarning
from dispatch.plan import GridParams, GridPlan, SolveParams, police_grids
from dispatch.texttable import Table

CITY_CELLS, CITY_GRIDS, CITY_SEED = 325, 12, 7


def broken_regions(cells: list[dict[str, Any]], labels: dict[str, Any], links: set[frozenset[str]]) -> int:
    """Regions whose cells do not form one piece through shared borders (shapely)
    or the island ``links`` a plan declares."""
    geometry = {c["id"]: c["geometry"] for c in cells}
    regions: dict[Any, list[str]] = {}
    for cell, region in labels.items():
        regions.setdefault(region, []).append(cell)
    broken = 0
    for members in regions.values():
        shapes = [geometry[c] for c in members]
        seen, frontier = {0}, [0]
        while frontier:
            i = frontier.pop()
            for j in range(len(shapes)):
                linked = frozenset((members[i], members[j])) in links
                if j not in seen and (linked or shapes[i].intersection(shapes[j]).length > 0):
                    seen.add(j)
                    frontier.append(j)
        broken += len(seen) < len(shapes)
    return broken


def measure(
    cells: list[dict[str, Any]], labels: dict[str, Any], links: set[frozenset[str]]
) -> tuple[float, float, float, int]:
    """(objective, largest deviation from the mean workload, its coefficient of
    variation, regions not contiguous) of any labelling of the cells."""
    points = {c["id"]: np.array(shapely.point_on_surface(c["geometry"]).coords[0]) for c in cells}
    load = {c["id"]: float(c["calls"]) for c in cells}
    regions: dict[Any, list[str]] = {}
    for cell, region in labels.items():
        regions.setdefault(region, []).append(cell)
    objective, loads = 0.0, []
    for members in regions.values():
        xy = np.array([points[c] for c in members])
        weight = np.array([load[c] for c in members])
        distance = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
        objective += float((weight[:, None] * distance).sum(axis=0).min())
        loads.append(weight.sum())
    loads_array = np.array(loads)
    mean = loads_array.mean()
    return (
        objective,
        float(np.abs(loads_array - mean).max() / mean),
        float(loads_array.std() / mean),
        broken_regions(cells, labels, links),
    )


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def row(
    name: str, seconds: float, cells: list[dict[str, Any]], labels: dict[str, Any], plan: GridPlan | None, best: float
) -> tuple[Any, ...]:
    links = set() if plan is None else {frozenset((k.cell, k.to)) for k in plan.links}
    objective, deviation, cv, broken = measure(cells, labels, links)
    status = "" if plan is None else f"{plan.status}, gap {plan.gap:.2%}"
    bound = "" if plan is None else f"{plan.bound:,.0f}"
    return (
        name,
        status,
        f"{objective:,.0f}",
        bound,
        f"{objective / best:.3f}",
        f"{100 * deviation:.1f}",
        f"{100 * cv:.1f}",
        broken,
        f"{seconds:.1f}",
    )


COLUMNS = ("method", "status", "objective", "bound", "vs best", "max dev (%)", "cv (%)", "not contiguous", "time (s)")


def county(limit: float) -> Table:
    cells = demo_grid_cells()
    params = GridParams(n_grids=DEMO_POLICE_GRIDS, nest="station", balance=0.1, options=SolveParams(time_limit=limit))
    seconds, exact = timed(lambda: police_grids(cells, params))
    quick, fast = timed(lambda: police_grids(cells, params.replace(method="heuristic")))
    current = {c["id"]: c["current"] for c in cells}
    best = exact.objective
    rows = [
        row("dispatch exact (nested)", seconds, cells, exact.labels, exact, best),
        row("dispatch heuristic (nested)", quick, cells, fast.labels, fast, best),
        row("current grids (equal cell counts)", 0.0, cells, current, None, best),
    ]
    proven = sum(p.status == "optimal" for p in exact.parts)
    print(f"county: {proven} of {len(exact.parts)} jurisdictions proven optimal; bound {exact.bound:,.0f}")
    print(exact.parts_table(), end="\n\n")
    return Table(
        f"(a) demo county: 1,291 cells -> 220 grids in 25 jurisdictions, ±10 %, limit {limit:g} s",
        COLUMNS,
        tuple(rows),
        ("",) * 9,
    )


def city(limit: float, spopt: bool) -> Table:
    cells = synthetic_cells(CITY_CELLS, seed=CITY_SEED)
    params = GridParams(n_grids=CITY_GRIDS, balance=0.05, options=SolveParams(time_limit=limit, relative_gap=0.01))
    seconds, exact = timed(lambda: police_grids(cells, params))
    quick, fast = timed(lambda: police_grids(cells, params.replace(method="heuristic")))
    best = exact.objective
    rows = [
        row("dispatch exact", seconds, cells, exact.labels, exact, best),
        row("dispatch heuristic", quick, cells, fast.labels, fast, best),
    ]
    if spopt:
        rows += [row(name, s, cells, labels, None, best) for name, s, labels in spopt_regions(cells)]
    return Table(
        f"(b, c) city: {CITY_CELLS} cells -> {CITY_GRIDS} grids, no nesting, ±5 %, limit {limit:g} s",
        COLUMNS,
        tuple(rows),
        ("",) * 9,
    )


def spopt_regions(cells: list[dict[str, Any]]) -> list[tuple[str, float, dict[str, Any]]]:
    """AZP, MaxP, SKATER and Ward on the cells' coordinates, 12 regions, rook weights."""
    import geopandas
    from libpysal.weights import Rook
    from spopt.region import AZP, MaxPHeuristic, Skater, WardSpatial

    frame = geopandas.GeoDataFrame(
        {"id": [c["id"] for c in cells], "calls": [c["calls"] for c in cells]}, geometry=[c["geometry"] for c in cells]
    )
    inner = shapely.point_on_surface(frame.geometry.values)
    frame["x"], frame["y"] = shapely.get_x(inner), shapely.get_y(inner)
    weights = Rook.from_dataframe(frame, use_index=False)
    attrs = ["x", "y"]
    threshold = 0.95 * frame["calls"].sum() / CITY_GRIDS
    models = {
        "spopt AZP": lambda: AZP(frame, weights, attrs, n_clusters=CITY_GRIDS, random_state=0),
        "spopt MaxP (floor 95 % of mean)": lambda: MaxPHeuristic(frame, weights, attrs, "calls", threshold, top_n=2),
        "spopt SKATER": lambda: Skater(frame, weights, attrs, n_clusters=CITY_GRIDS),
        "spopt Ward (spatial)": lambda: WardSpatial(frame, weights, attrs, n_clusters=CITY_GRIDS),
    }
    found = []
    for name, make in models.items():

        def run(make: Callable[[], Any] = make) -> Any:
            model = make()
            model.solve()
            return model

        seconds, model = timed(run)
        labels = dict(zip(frame["id"], np.asarray(model.labels_).tolist()))
        found.append((f"{name} ({len(set(labels.values()))} regions)", seconds, labels))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-spopt", action="store_true")
    parser.add_argument("--county-limit", type=float, default=60.0)
    parser.add_argument("--city-limit", type=float, default=600.0)
    args = parser.parse_args()
    warnings.simplefilter("ignore", DispatchWarning)  # the county's overlaps and island are expected
    print(county(args.county_limit), end="\n\n")
    print(city(args.city_limit, not args.skip_spopt))


if __name__ == "__main__":
    main()
