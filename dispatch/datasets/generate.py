"""Generate the synthetic demo county bundled with :mod:`dispatch`.

The county is invented: a mountainous rural county shaped like the Qianjiang case
(25 rural township stations, 6 of them on the county boundary) in local metric
coordinates with no real-world position. Valleys carry the villages and the main
roads; mountain roads wind and are slow.

Run ``python -m dispatch.datasets.generate FOLDER`` to write it to a folder; the
same seed always gives the same files.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra, minimum_spanning_tree
from scipy.spatial import Delaunay, cKDTree
from shapely.geometry import Polygon

from ..district import District
from ..model import Partner, Unit, Village
from ..network import RoadNetwork
from .synthetic import township_stations

__all__ = ["SEED", "generate_demo"]

SEED = 2023
COUNTY_RADIUS = 29_000.0  # metres; the county covers about 2,200 km2
OUTSIDE = 7_000.0  # roads run this far beyond the boundary
MESH_SPACING = 320.0  # metres between candidate road junctions
N_INTERIOR_STATIONS = 19
N_BORDER_STATIONS = 6
N_VILLAGES = 320
INCIDENTS_PER_YEAR = 20_000
RELIEF = 1_400.0  # metres between the lowest valley and the highest ridge

SPEEDS_KPH = {"national": 70.0, "provincial": 55.0, "county": 40.0, "village": 25.0}
"""Rural mountain speeds by road class, before winding."""

SYLLABLES = (
    "bai",
    "long",
    "shi",
    "huang",
    "qing",
    "ma",
    "yun",
    "jin",
    "tian",
    "he",
    "shui",
    "feng",
    "ping",
    "gao",
    "xin",
    "da",
    "mu",
    "song",
    "lian",
    "yang",
    "hua",
    "an",
    "tai",
    "fu",
    "lu",
)
ENDINGS = (
    "tan",
    "ba",
    "ping",
    "xi",
    "kou",
    "ling",
    "he",
    "ya",
    "qiao",
    "wan",
    "tang",
    "chang",
    "gou",
    "pu",
    "zhai",
    "ao",
)


@dataclass
class _Mesh:
    """Candidate junctions and the roads between them."""

    xy: NDArray[np.float64]
    height: NDArray[np.float64]  # 0 (valley floor) .. 1 (ridge)
    tails: NDArray[np.int64]
    heads: NDArray[np.int64]
    winding: NDArray[np.float64]  # road length / straight distance
    straight: NDArray[np.float64]

    def cost(self, valley_preference: float, stay_in: NDArray[np.bool_] | None = None) -> csr_matrix:
        """Undirected routing costs that favour valleys (and nodes in ``stay_in``)."""
        mid = (self.height[self.tails] + self.height[self.heads]) / 2
        weight = self.straight * self.winding * (1 + valley_preference * mid)
        if stay_in is not None:
            weight *= np.where(stay_in[self.tails] & stay_in[self.heads], 1.0, 3.0)
        n = len(self.xy)
        matrix = coo_matrix((weight, (self.tails, self.heads)), shape=(n, n)).tocsr()
        return matrix.maximum(matrix.T).tocsr()


def _boundary(rng: np.random.Generator) -> Polygon:
    angle = np.linspace(0, 2 * np.pi, 181)[:-1]
    radius = np.ones_like(angle)
    for k in range(2, 7):
        radius += rng.uniform(0.03, 0.12) / k * 2 * np.cos(k * angle + rng.uniform(0, 2 * np.pi))
    radius *= COUNTY_RADIUS
    return Polygon(np.column_stack([radius * np.cos(angle), radius * np.sin(angle) * 0.85]))


def _terrain(rng: np.random.Generator, xy: NDArray[np.float64]) -> NDArray[np.float64]:
    """Height in 0..1: scattered peaks on north-east ridges."""
    extent = COUNTY_RADIUS + OUTSIDE
    height = np.zeros(len(xy))
    for _ in range(40):
        centre = rng.uniform(-extent, extent, 2)
        spread = rng.uniform(2_500, 7_000)
        height += rng.uniform(0.4, 1.0) * np.exp(-((xy - centre) ** 2).sum(axis=1) / (2 * spread**2))
    along = (xy[:, 0] - xy[:, 1]) / np.sqrt(2)
    height += 0.6 * np.sin(2 * np.pi * along / 11_000 + rng.uniform(0, 2 * np.pi)) ** 2
    height -= height.min()
    return np.asarray(height / height.max())


def _mesh(rng: np.random.Generator, region: Polygon) -> _Mesh:
    x0, y0, x1, y1 = region.bounds
    gx, gy = np.meshgrid(np.arange(x0, x1, MESH_SPACING), np.arange(y0, y1, MESH_SPACING))
    xy = np.column_stack([gx.ravel(), gy.ravel()])
    xy += rng.uniform(-0.4, 0.4, xy.shape) * MESH_SPACING
    xy = xy[shapely.contains_xy(region, xy[:, 0], xy[:, 1])]
    height = _terrain(rng, xy)
    keep = rng.random(len(xy)) < 1 - 0.65 * height  # fewer junctions up in the mountains
    xy, height = np.round(xy[keep], 1), height[keep]
    simplices = Delaunay(xy).simplices
    pairs = np.sort(np.vstack([simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [0, 2]]]), axis=1)
    pairs = np.unique(pairs, axis=0)
    straight = np.linalg.norm(xy[pairs[:, 0]] - xy[pairs[:, 1]], axis=1)
    short = straight < 3 * MESH_SPACING
    pairs, straight = pairs[short], straight[short]
    grade = np.abs(height[pairs[:, 0]] - height[pairs[:, 1]]) * RELIEF / straight
    mid = (height[pairs[:, 0]] + height[pairs[:, 1]]) / 2
    winding = (1 + np.minimum(2.5, 6 * grade)) * (1 + 0.4 * mid)
    return _Mesh(xy, height, pairs[:, 0], pairs[:, 1], winding, straight)


def _village_roads(rng: np.random.Generator, mesh: _Mesh) -> NDArray[np.bool_]:
    """A spanning tree along the valleys plus a few loops: which mesh edges are roads."""
    tree = minimum_spanning_tree(mesh.cost(valley_preference=3.0)).tocoo()
    in_tree = set(zip(np.minimum(tree.row, tree.col).tolist(), np.maximum(tree.row, tree.col).tolist()))
    road = np.array([(t, h) in in_tree for t, h in zip(mesh.tails.tolist(), mesh.heads.tolist())])
    mid = (mesh.height[mesh.tails] + mesh.height[mesh.heads]) / 2
    return road | (rng.random(len(road)) < 0.14 * (1 - mid))


def _route(mesh: _Mesh, cost: csr_matrix, a: int, b: int) -> list[tuple[int, int]]:
    _, predecessors = dijkstra(cost, directed=False, indices=a, return_predecessors=True)
    path = [b]
    while path[-1] != a:
        path.append(int(predecessors[path[-1]]))
    return [(min(u, v), max(u, v)) for u, v in pairwise(path)]


def _spread_nodes(
    rng: np.random.Generator,
    candidates: NDArray[np.int64],
    weights: NDArray[np.float64],
    xy: NDArray[np.float64],
    count: int,
    separation: float,
) -> list[int]:
    """Draw ``count`` candidates by weight, at least ``separation`` apart."""
    chosen: list[int] = []
    order = rng.choice(len(candidates), size=len(candidates), replace=False, p=weights / weights.sum())
    for i in order:
        node = int(candidates[i])
        if all(np.hypot(*(xy[node] - xy[c])) >= separation for c in chosen):
            chosen.append(node)
            if len(chosen) == count:
                return chosen
    raise RuntimeError(f"could not place {count} points {separation} m apart")


def _names(rng: np.random.Generator, count: int) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = (rng.choice(SYLLABLES) + rng.choice(ENDINGS)).capitalize()
        if name not in names:
            names.append(name)
    return names


def generate_demo(seed: int = SEED) -> District:
    """Generate the synthetic mountain county: the same ``seed`` gives the same district."""
    rng = np.random.default_rng(seed)
    boundary = _boundary(rng)
    mesh = _mesh(rng, boundary.buffer(OUTSIDE))
    xy = mesh.xy
    inside = shapely.contains_xy(boundary, xy[:, 0], xy[:, 1])
    to_edge = shapely.distance(boundary.exterior, shapely.points(xy))

    # Stations: townships in the valleys; six of them on the county line.
    valley = np.exp(-4 * mesh.height)
    interior = np.flatnonzero(inside & (to_edge > 4_000))
    stations = _spread_nodes(rng, interior, valley[interior], xy, N_INTERIOR_STATIONS, 6_500)
    angle = np.arctan2(xy[:, 1], xy[:, 0])
    for sector in rng.permutation(N_BORDER_STATIONS):
        low = -np.pi + sector * 2 * np.pi / N_BORDER_STATIONS
        band = np.flatnonzero(
            inside
            & (to_edge > 300)
            & (to_edge < 1_500)
            & (angle >= low + 0.15)
            & (angle < low + 2 * np.pi / N_BORDER_STATIONS - 0.15)
        )
        stations.append(_spread_nodes(rng, band, valley[band], xy, 1, 0)[0])
    border = stations[N_INTERIOR_STATIONS:]

    # Partners across the line, 3-7 km beyond each border station.
    partners: list[tuple[int, int]] = []  # (node, border station node)
    outside = np.flatnonzero(~inside & (to_edge > 3_000) & (to_edge < OUTSIDE - 1_000))
    for station in border:
        near = outside[np.hypot(*(xy[outside] - xy[station]).T) < 9_000]
        for node in _spread_nodes(rng, near, valley[near], xy, int(rng.integers(1, 3)), 4_000):
            partners.append((node, station))

    # Roads: village roads everywhere, upgraded along valley routes.
    road_class = np.where(_village_roads(rng, mesh), 3, -1)  # 0 national .. 3 village
    edge_of = {(t, h): i for i, (t, h) in enumerate(zip(mesh.tails.tolist(), mesh.heads.tolist()))}
    cost = mesh.cost(valley_preference=6.0, stay_in=inside)
    links = Delaunay(xy[stations]).simplices
    station_pairs = {
        tuple(sorted((stations[a], stations[b]))) for s in links for a, b in ((s[0], s[1]), (s[1], s[2]), (s[0], s[2]))
    }
    routes = [(2, a, b) for a, b in station_pairs if np.hypot(*(xy[a] - xy[b])) < 20_000]
    routes += [(2, node, station) for node, station in partners]
    gates = np.flatnonzero(~inside & (to_edge > OUTSIDE - 600))
    gate_angle = angle[gates]
    for road, (a1, a2) in ((0, (-2.4, 0.7)), (1, (2.0, -0.6)), (1, (-1.2, 1.9))):
        ends = [gates[np.argmin(np.abs(np.angle(np.exp(1j * (gate_angle - a)))))] for a in (a1, a2)]
        routes.append((road, int(ends[0]), int(ends[1])))
    for road, a, b in routes:
        for pair in _route(mesh, cost, a, b):
            i = edge_of[pair]
            road_class[i] = road if road_class[i] < 0 else min(road_class[i], road)
    used = road_class >= 0
    speed = np.array(list(SPEEDS_KPH.values()))[road_class[used]] / 3.6
    length = np.round(mesh.straight[used] * mesh.winding[used], 1)
    time = np.round(length / speed, 2)
    tails, heads = mesh.tails[used], mesh.heads[used]
    on_road = np.unique(np.concatenate([tails, heads]))
    renumber = np.full(len(xy), -1)
    renumber[on_road] = np.arange(len(on_road))
    roads = RoadNetwork(
        np.arange(len(on_road)),
        xy[on_road],
        renumber[tails],
        renumber[heads],
        time,
        length=length,
        two_way=np.ones(len(time), dtype=bool),
    )

    # Villages in the valleys, crowding round the townships.
    village_candidates = np.flatnonzero(inside[on_road])
    road_xy = roads.xy
    station_xy = xy[stations]
    near_town = np.exp(-cKDTree(station_xy).query(road_xy[village_candidates])[0] / 2_500)
    weight = np.exp(-3 * mesh.height[on_road][village_candidates]) * (1 + 3 * near_town)
    township_nodes = renumber[stations]
    free = ~np.isin(village_candidates, township_nodes)
    village_nodes = list(township_nodes) + _spread_nodes(
        rng, village_candidates[free], weight[free], road_xy, N_VILLAGES - len(stations), 900
    )
    population = np.clip(rng.lognormal(6.9, 0.6, len(village_nodes)), 150, 6_000)
    population[: len(stations)] = rng.uniform(3_000, 8_000, len(stations))  # township seats
    population = np.round(population).astype(int)
    rate = population * rng.lognormal(0, 0.3, len(population))
    rate = np.round(rate * INCIDENTS_PER_YEAR / rate.sum(), 2)

    names = _names(rng, len(stations) + len(partners) + len(village_nodes))
    station_models, units = township_stations(
        rng, roads, township_nodes, np.array(village_nodes), population, rate, names[: len(stations)]
    )
    partner_models = []
    for j, (node, station) in enumerate(partners):
        name = names[len(stations) + j]
        pid = f"{name.lower()}-across"
        partner_models.append(
            Partner(
                id=pid,
                name=f"{name} (neighbouring county)",
                location=tuple(road_xy[renumber[node]]),
                stations=(station_models[stations.index(station)].id,),
            )
        )
        units.append(Unit(id=f"{pid}-1", station=pid))
    villages = [
        Village(
            id=f"v{k:03d}",
            name=names[len(stations) + len(partners) + k],
            location=tuple(road_xy[node]),
            population=int(population[k]),
            incident_rate=float(rate[k]),
        )
        for k, node in enumerate(village_nodes)
    ]

    # Jurisdictions: the first-due areas inside the county, as polygons.
    county_nodes = np.flatnonzero(shapely.contains_xy(boundary, road_xy[:, 0], road_xy[:, 1]))
    cells = shapely.voronoi_polygons(shapely.multipoints(road_xy[county_nodes]), ordered=True)
    owner = roads.nearest_source(township_nodes).source[county_nodes]
    cell_array = np.array(cells.geoms)
    jurisdictions = {
        station.id: shapely.coverage_union_all(cell_array[owner == i]).intersection(boundary).simplify(50)
        for i, station in enumerate(station_models)
    }
    return District(
        name="Synthetic mountain county (demo)",
        roads=roads,
        stations=station_models,
        units=units,
        villages=villages,
        partners=partner_models,
        boundary=boundary,
        jurisdictions=jurisdictions,
    )


def main(argv: list[str]) -> int:
    """Write the demo district to the folder named on the command line."""
    from ..io import write_district

    if len(argv) != 1:
        print("usage: python -m dispatch.datasets.generate FOLDER", file=sys.stderr)
        return 2
    write_district(generate_demo(), argv[0], overwrite=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
