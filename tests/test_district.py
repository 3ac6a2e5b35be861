"""District: cross-references, snapping, cut-off parts, scenario variants."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import box

from dispatch import District, EmergencyUnit, InputError, Partner, RoadNetwork, Station, Unit, Village
from dispatch.network.convert import from_edges, to_networkx
from dispatch.operate import Fleet, TravelTables


@pytest.fixture
def roads() -> RoadNetwork:
    """A two-way road a -- b -- c, and an island d reached only one way from c."""
    positions = {"a": (0.0, 0.0), "b": (1_000.0, 0.0), "c": (2_000.0, 0.0), "d": (3_000.0, 0.0)}
    edges = [("a", "b", 60.0), ("b", "a", 60.0), ("b", "c", 60.0), ("c", "b", 60.0), ("c", "d", 60.0)]
    return from_edges(edges, positions)


def station(sid: str, x: float, y: float = 0.0) -> Station:
    return Station(id=sid, location=(x, y), officers=4)


def test_a_valid_district_snaps_everything_and_knows_home_stations(roads: RoadNetwork) -> None:
    district = District(
        name="ok",
        roads=roads,
        stations=[station("s1", 0), station("s2", 2_000)],
        units=[Unit(id="u1", station="s1"), Unit(id="p1-u", station="p1")],
        villages=[Village(id="v1", location=(100, 10)), Village(id="v2", location=(1_900, 0), station="s1")],
        partners=[Partner(id="p1", location=(1_000, 0), stations=("s2",))],
    )
    assert district.station_nodes.tolist() == [0, 2]
    assert district.village_nodes.tolist() == [0, 2]
    assert district.partner_nodes.tolist() == [1]
    # v1 is nearest s1 by road; v2 names its station.
    assert district.home_stations.tolist() == [0, 0]
    assert [u.id for u in district.units_of("p1")] == ["p1-u"]


def test_jurisdiction_polygons_decide_home_stations(roads: RoadNetwork) -> None:
    district = District(
        name="areas",
        roads=roads,
        stations=[station("s1", 0), station("s2", 2_000)],
        villages=[Village(id="v1", location=(900, 0))],
        jurisdictions={"s2": box(500, -100, 1_500, 100)},
    )
    assert district.home_stations.tolist() == [1]


def test_every_reference_problem_is_listed_in_one_error(roads: RoadNetwork) -> None:
    with pytest.raises(InputError) as caught:
        District(
            name="broken",
            roads=roads,
            stations=[station("s1", 0), station("s1", 1_000)],
            units=[Unit(id="u1", station="s1"), Unit(id="u1", station="nowhere")],
            villages=[Village(id="v1", location=(0, 0), station="ghost")],
            partners=[Partner(id="p1", location=(0, 0), stations=("phantom",))],
            jurisdictions={"elsewhere": box(0, 0, 1, 1)},
        )
    message = str(caught.value)
    for expected in (
        "station or partner id 's1' is used 2 times",
        "unit id 'u1' is used 2 times",
        "unit 'u1' belongs to 'nowhere'",
        "village 'v1' names station 'ghost'",
        "partner 'p1' names station 'phantom'",
        "jurisdiction given for 'elsewhere'",
    ):
        assert expected in message
    assert len(caught.value.problems) == 6


def test_an_emergency_unit_belongs_to_its_villages_station_and_leaves_from_the_village(roads: RoadNetwork) -> None:
    district = District(
        name="grids",
        roads=roads,
        stations=[station("s1", 0), station("s2", 2_000)],
        units=[Unit(id="u1", station="s1"), Unit(id="p1-u", station="p1")],
        emergency_units=[EmergencyUnit(id="e1", village="v2")],
        villages=[Village(id="v1", location=(0, 0)), Village(id="v2", location=(1_100, 0), station="s2")],
        partners=[Partner(id="p1", location=(1_000, 0), stations=("s2",))],
    )
    assert district.unit_ids == ("u1", "p1-u", "e1")
    assert [u.id for u in district.units] == ["u1", "p1-u"]  # the station and partner units alone
    fleet = Fleet.of(district)
    assert fleet.unit_post.tolist() == [0, 2, 1]  # s1, partner p1, then v2's station s2
    assert TravelTables.bases(district).nearest_node.tolist() == [0, 2, 1, 1]  # s1, s2, p1, then village v2's node
    assert fleet.unit_base.tolist() == [0, 2, 3]


@pytest.mark.parametrize(
    ("emergency", "message"),
    [
        ([EmergencyUnit(id="e1", village="atlantis")], "emergency unit 'e1' is based at village 'atlantis'"),
        ([EmergencyUnit(id="u1", village="v1")], "unit id 'u1' is used 2 times"),  # a unit's id again
        ([EmergencyUnit(id="e1", village="v1")] * 2, "unit id 'e1' is used 2 times"),  # twice
    ],
)
def test_a_bad_emergency_unit_is_named(roads: RoadNetwork, emergency: list[EmergencyUnit], message: str) -> None:
    with pytest.raises(InputError, match=message):
        District(
            name="grids",
            roads=roads,
            stations=[station("s1", 0)],
            units=[Unit(id="u1", station="s1")],
            emergency_units=emergency,
            villages=[Village(id="v1", location=(0, 0))],
        )


def test_a_station_5_km_from_any_road_is_named(roads: RoadNetwork) -> None:
    with pytest.raises(InputError, match=r"station 'hilltop' is 5,000 m from the nearest road"):
        District(name="far", roads=roads, stations=[station("s1", 0), station("hilltop", 1_000, 5_000)])


def test_a_station_cut_off_from_the_rest_of_the_network_is_named(roads: RoadNetwork) -> None:
    with pytest.raises(
        InputError, match=r"station 'island' snaps to road node 'd', in a part of the road network cut off"
    ):
        District(name="cut", roads=roads, stations=[station("s1", 0), station("island", 3_000)])


def test_the_snap_distance_is_a_parameter(roads: RoadNetwork) -> None:
    near = station("s1", 1_000, 1_500)
    with pytest.raises(InputError):
        District(name="x", roads=roads, stations=[near])
    assert District(name="x", roads=roads, stations=[near], max_snap_distance=2_000).station_nodes.tolist() == [1]


def test_replace_makes_a_validated_variant(roads: RoadNetwork) -> None:
    district = District(name="base", roads=roads, stations=[station("s1", 0)])
    variant = district.replace(stations=[station("s1", 0), station("s2", 2_000)])
    assert variant.station_nodes.tolist() == [0, 2]
    assert district.station_nodes.tolist() == [0]
    with pytest.raises(InputError, match="unit 'u9' belongs to 'zz'"):
        district.replace(units=[Unit(id="u9", station="zz")])


def test_lookups_name_unknown_ids(roads: RoadNetwork) -> None:
    district = District(name="base", roads=roads, stations=[station("s1", 0)])
    assert district.station("s1").id == "s1"
    with pytest.raises(InputError, match="no station 'zz' in district 'base'"):
        district.station("zz")


@pytest.mark.parametrize("name", ["tiny", "demo"])
def test_first_due_areas_match_networkx_voronoi_cells(name: str, request: pytest.FixtureRequest) -> None:
    import networkx as nx

    district: District = request.getfixturevalue(name)
    graph = to_networkx(district.roads)
    labels = [district.roads.label(v) for v in district.station_nodes]
    cells = nx.voronoi_cells(graph, set(labels), weight="travel_time")
    times = nx.multi_source_dijkstra_path_length(graph, set(labels), weight="travel_time")
    for i, label in enumerate(labels):
        mine = {district.roads.label(v) for v in np.flatnonzero(district.first_due.source == i)}
        # Nodes equally near two stations may fall to either: compare times there.
        for node in mine ^ cells[label]:
            assert district.first_due.time[district.roads.index(node)] == pytest.approx(times[node])
        assert len(mine ^ cells[label]) <= 0.001 * district.roads.n_nodes


def test_jurisdictions_may_share_edges_and_slivers_but_not_ground(roads: RoadNetwork) -> None:
    district = District(name="base", roads=roads, stations=[station("s1", 0), station("s2", 2_000)])
    touching = {"s1": box(-500, -500, 1_000, 500), "s2": box(1_000, -500, 2_500, 500)}
    assert district.replace(jurisdictions=touching).adjacency is not None
    sliver = {"s1": box(-500, -500, 1_001, 500), "s2": box(1_000, -500, 2_500, 500)}  # 1 m of overlap: 0.07 %
    assert district.replace(jurisdictions=sliver).jurisdictions == sliver
    overlapping = {"s1": box(-500, -500, 1_100, 500), "s2": box(1_000, -500, 2_500, 500)}  # 100 m: 6.7 %
    with pytest.raises(InputError, match=r"'s1' and 's2' overlap \(6.7% of the smaller\)"):
        district.replace(jurisdictions=overlapping)
