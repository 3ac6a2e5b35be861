"""Police grids: the county target, the city target, and spopt side by side.

(a) The demo county's 1,291 village grids (``demo_grid_cells``) into 220 police
    grids nested in the 25 station jurisdictions, ±10 % balance, rook
    contiguity: the exact models (target: proven optimal or <= 1 % gap in 60 s)
    against the heuristic alone and the current grids, in the same run.
(b) 325 cells of a synthetic city into 12 grids without nesting, ±5 % balance:
    the exact models (target: <= 1 % gap in 10 minutes) against the heuristic
    alone.
(c) The same 325 cells and 12 regions by pysal spopt's AZP, MaxP, SKATER and
    Ward (the ``bench`` extra), on the cells'
    coordinates (so that they, too, seek compact regions): objective (workload-
    weighted metres to each region's best centre cell), workload spread,
    regions that are not contiguous (checked with shapely on the polygons) and
    time.

Every figure includes the one-off costs (reading cells, adjacency, distances).
Prints Markdown (``benchmarks/readme.py grids`` pastes it into the README).
Run: ``pip install -e '.[bench]'`` then
``python benchmarks/bench_grids.py [--skip-spopt] [--county-limit S] [--city-limit S]``.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import shapely
from common import best_of, paragraph, progress, sig, stdout_to_stderr, table

from dispatch.datasets.cells import DEMO_POLICE_GRIDS, demo_grid_cells, synthetic_cells
from dispatch.errors import DispatchWarning
from dispatch.plan import GridParams, GridPlan, SolveParams, police_grids

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
    cells: list[dict[str, Any]], labels: dict[str, Any], links: set[frozenset[str]], nest: str | None
) -> tuple[float, float, float, int]:
    """(objective, largest deviation of a region's workload from the mean of the
    regions in its ``nest`` (the balance band's reference), the coefficient of
    variation over all regions, regions not contiguous) of any labelling."""
    points = {c["id"]: np.array(shapely.point_on_surface(c["geometry"]).coords[0]) for c in cells}
    load = {c["id"]: float(c["calls"]) for c in cells}
    group = {c["id"]: c[nest] if nest else "" for c in cells}
    regions: dict[Any, list[str]] = {}
    for cell, region in labels.items():
        regions.setdefault(region, []).append(cell)
    objective, loads, groups = 0.0, [], []
    for members in regions.values():
        xy = np.array([points[c] for c in members])
        weight = np.array([load[c] for c in members])
        distance = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
        objective += float((weight[:, None] * distance).sum(axis=0).min())
        loads.append(weight.sum())
        groups.append(group[members[0]])
    loads_array, groups_array = np.array(loads), np.array(groups)
    means = {g: loads_array[groups_array == g].mean() for g in set(groups)}
    own_mean = np.array([means[g] for g in groups])
    return (
        objective,
        float((np.abs(loads_array - own_mean) / own_mean).max()),
        float(loads_array.std() / loads_array.mean()),
        broken_regions(cells, labels, links),
    )


def row(
    name: str,
    seconds: float,
    cells: list[dict[str, Any]],
    labels: dict[str, Any],
    plan: GridPlan | None,
    best: float,
    nest: str | None = None,
) -> tuple[Any, ...]:
    links = set() if plan is None else {frozenset((k.cell, k.to)) for k in plan.links}
    objective, deviation, cv, broken = measure(cells, labels, links, nest)
    status = "" if plan is None else f"{plan.status}, gap {plan.gap:.2%}"
    bound = "" if plan is None else sig(plan.bound, 4)
    return (
        name,
        status,
        sig(objective, 4),
        bound,
        f"{objective / best:.3f}",
        100 * deviation,
        100 * cv,
        broken,
        seconds,
    )


COLUMNS = ("method", "status", "objective", "bound", "vs best", "max dev (%)", "cv (%)", "not contiguous", "time (s)")
FORMATS = ("", "", "s", "s", "s", ".1f", ".1f", "d", ".1f")


def verdict(met: bool) -> str:
    return "which meets the target" if met else "which misses the target"


def county(limit: float) -> None:
    progress(f"county: 1,291 cells -> {DEMO_POLICE_GRIDS} grids, time limit {limit:g} s ...")
    start = time.perf_counter()
    cells = demo_grid_cells()
    made = time.perf_counter() - start
    options = SolveParams(time_limit=limit, relative_gap=0.01)
    params = GridParams(n_grids=DEMO_POLICE_GRIDS, nest="station", balance=0.1, options=options)
    with stdout_to_stderr():
        seconds, exact = best_of(1, lambda: police_grids(cells, params))
        quick, fast = best_of(1, lambda: police_grids(cells, params.replace(method="heuristic")))
    current = {c["id"]: c["current"] for c in cells}
    best = exact.objective
    proven = sum(p.status == "optimal" for p in exact.parts)
    met = seconds <= 60 and (exact.status == "optimal" or exact.gap <= 0.01)
    solvers = Counter(p.solver for p in exact.parts)
    slowest = max(exact.parts, key=lambda p: p.solve_time)
    paragraph(
        f"(a) The demo county's {len(cells):,} village grids into {DEMO_POLICE_GRIDS} police grids nested in"
        f" {len(exact.parts)} jurisdictions, ±10 % balance, rook contiguity, time limit {limit:g} s, each"
        " jurisdiction stopping at 1 % gap:"
        f" {proven} of {len(exact.parts)} jurisdictions proven optimal, overall {exact.status} with gap"
        f" **{exact.gap:.2%}** in **{seconds:.1f} s** ({verdict(met)}: proven optimal or ≤ 1 % gap in ≤ 60 s).",
        f"Solvers by jurisdiction: {', '.join(f'{n} {name}' for name, n in sorted(solvers.items()))};"
        f" the slowest jurisdiction ({slowest.nest}, {slowest.cells} cells, {slowest.grids} grids) took"
        f" {slowest.solve_time:.1f} s. Times include reading the cells, adjacency and distances;"
        f" making the synthetic cells took {made:.1f} s more. The current grids are the generator's"
        " equal-cell-count grids. Max dev is the largest deviation of a grid's workload from the mean of its"
        " jurisdiction's grids (what the ±10 % band bounds), cv the coefficient of variation over all grids.",
    )
    table(
        f"Demo county: {len(cells):,} cells -> {DEMO_POLICE_GRIDS} grids in {len(exact.parts)} jurisdictions",
        COLUMNS,
        [
            row("dispatch exact (nested)", seconds, cells, exact.labels, exact, best, "station"),
            row("dispatch heuristic (nested)", quick, cells, fast.labels, fast, best, "station"),
            row("current grids", 0.0, cells, current, None, best, "station"),
        ],
        FORMATS,
    )


def city(limit: float, spopt: bool) -> None:
    progress(f"city: {CITY_CELLS} cells -> {CITY_GRIDS} grids, time limit {limit:g} s ...")
    cells = synthetic_cells(CITY_CELLS, seed=CITY_SEED)
    params = GridParams(n_grids=CITY_GRIDS, balance=0.05, options=SolveParams(time_limit=limit, relative_gap=0.01))
    with stdout_to_stderr():
        seconds, exact = best_of(1, lambda: police_grids(cells, params))
        quick, fast = best_of(1, lambda: police_grids(cells, params.replace(method="heuristic")))
    best = exact.objective
    rows = [
        row("dispatch exact", seconds, cells, exact.labels, exact, best),
        row("dispatch heuristic", quick, cells, fast.labels, fast, best),
    ]
    if spopt:
        progress("spopt AZP, MaxP, SKATER and Ward ...")
        with stdout_to_stderr():
            found = spopt_regions(cells)
        rows += [row(name, s, cells, labels, None, best) for name, s, labels in found]
    met = seconds <= 600 and exact.gap <= 0.01
    paragraph(
        f"(b) {CITY_CELLS} cells of a synthetic city into {CITY_GRIDS} grids without nesting, ±5 % balance,"
        f" rook contiguity, time limit {limit:g} s, stop at 1 % gap: {exact.status} ({exact.solver}) with gap"
        f" **{exact.gap:.2%}** in **{seconds:.1f} s** ({verdict(met)}: ≤ 1 % gap in ≤ 10 minutes).",
        "Objective: workload-weighted metres from each cell to its region's best centre cell, the same measure"
        " for every row; vs best divides it by the exact run's; max dev and cv are the workload spread.",
    )
    if spopt:
        paragraph(
            f"(c) pysal spopt's regionalisation on the same cells and {CITY_GRIDS} regions, on the cells'"
            " coordinates with rook weights (their time leaves out building the weights); not contiguous counts"
            " the regions that are not one piece, checked with shapely on the polygons.",
        )
    table(
        f"City: {CITY_CELLS} cells -> {CITY_GRIDS} grids, no nesting, ±5 %",
        COLUMNS,
        rows,
        FORMATS,
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

        seconds, model = best_of(1, run)
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
    county(args.county_limit)
    city(args.city_limit, not args.skip_spopt)


if __name__ == "__main__":
    main()
