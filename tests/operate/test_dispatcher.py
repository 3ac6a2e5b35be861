"""Dispatcher: nearest free unit against networkx, joint assignment against brute
force, policies, preemption, loss systems, refused operations."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch import (
    ClusterParams,
    DispatchError,
    District,
    Incident,
    InputError,
    Station,
    Unit,
    UnitStatus,
    UnreachableError,
    Village,
    cluster,
)
from dispatch.network.contract import Core, Places
from dispatch.network.convert import from_edges, to_networkx
from dispatch.network.search import Inbound
from dispatch.operate import Dispatcher, Reason, TravelTables
from dispatch.operate.policies import ClusterFirst, NearestFree, OwnStation

from ..network.test_contract import with_point
from .test_dispatcher_state import snapshot


def random_district(seed: int, n_nodes: int = 30, n_stations: int = 4) -> District:
    """A random strongly connected road graph with one-way streets, stations,
    1-2 units each and a village at every other node."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 10_000, (n_nodes, 2))
    edges = []
    for a in range(n_nodes):  # a ring keeps it strongly connected
        edges.append((a, (a + 1) % n_nodes, float(rng.uniform(30, 300))))
    for _ in range(3 * n_nodes):
        a, b = rng.integers(0, n_nodes, 2)
        if a != b:
            edges.append((int(a), int(b), float(rng.uniform(30, 600))))
            if rng.random() < 0.7:  # most streets are two-way
                edges.append((int(b), int(a), float(rng.uniform(30, 600))))
    roads = from_edges(edges, {i: tuple(p) for i, p in enumerate(xy)})
    station_nodes = rng.choice(n_nodes, n_stations, replace=False)
    stations = [Station(id=f"s{k}", location=tuple(xy[n]), officers=5) for k, n in enumerate(station_nodes)]
    units = [Unit(id=f"s{k}-{j}", station=f"s{k}") for k in range(n_stations) for j in range(int(rng.integers(1, 3)))]
    villages = [Village(id=f"v{n}", location=tuple(xy[n]), incident_rate=1.0) for n in range(0, n_nodes, 2)]
    return District(name="random", roads=roads, stations=stations, units=units, villages=villages)


def networkx_etas(dispatcher: Dispatcher, graph: nx.DiGraph, target: int, at: float) -> dict[str, float]:
    """Every free unit's ETA to ``target`` at time ``at``, computed afresh with
    networkx: from its station after turnout, or from the next node on its way home."""
    roads = dispatcher.district.roads
    to_target = nx.single_source_dijkstra_path_length(
        graph.reverse(copy=False), roads.label(target), weight="travel_time"
    )
    etas = {}
    for state in dispatcher.units:
        if state.status == UnitStatus.AVAILABLE:
            etas[state.unit] = dispatcher.turnout + to_target.get(roads.label(state.node), math.inf)
        elif state.status == UnitStatus.RETURNING:
            leg = state.leg
            assert leg is not None
            k, remaining = leg.next_stop(at)
            # The way home must itself be a fastest route: check it against networkx.
            home = roads.label(leg.nodes[-1])
            drive = nx.dijkstra_path_length(graph, roads.label(leg.nodes[0]), home, weight="travel_time")
            assert leg.end - leg.times[0] == pytest.approx(drive)
            etas[state.unit] = remaining + to_target.get(roads.label(leg.nodes[k]), math.inf)
    return etas


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.lists(st.integers(0, 29), min_size=1, max_size=8), st.data())
def test_the_chosen_unit_is_the_free_unit_with_the_least_eta(seed: int, calls: list[int], data: st.DataObject) -> None:
    district = random_district(seed)
    dispatcher = Dispatcher(district, policy=NearestFree(), turnout=45.0)
    graph = to_networkx(district.roads)
    now = 0.0
    for k, node in enumerate(calls):
        now += data.draw(st.floats(0, 900))
        incident = Incident(id=f"i{k}", location=tuple(district.roads.xy[node]), time=now)
        expected = networkx_etas(dispatcher, graph, node, now)
        decision = dispatcher.dispatch(incident)
        if not any(math.isfinite(t) for t in expected.values()):
            assert decision.unit is None
            continue
        best = min(expected.values())
        assert decision.unit is not None
        assert decision.eta == pytest.approx(best, rel=1e-9)
        first = next(u for u in (x.id for x in district.units) if u in expected and expected[u] <= best + 1e-6)
        assert decision.unit == first  # ties go to the unit listed first
        # Let some units arrive, finish and start home, so later calls see units on the road.
        for state in dispatcher.units:
            if state.status == UnitStatus.DISPATCHED and data.draw(st.booleans()):
                dispatcher.arrive(state.unit, max(now, state.until))
                now = dispatcher.now
                dispatcher.clear(state.unit, now + data.draw(st.floats(0, 600)))
                now = dispatcher.now


# ---------------------------------------------------------------------- joint assignment


def best_matching(rows: list[int], units: frozenset[str], etas: list[dict[str, float]]) -> tuple[int, float]:
    """By brute force: the most calls of ``rows`` that can get one of ``units``
    each, and the least total ETA of doing so."""
    if not rows:
        return 0, 0.0
    first, rest = rows[0], rows[1:]
    options = [best_matching(rest, units, etas)]
    for unit in units:
        if math.isfinite(etas[first].get(unit, math.inf)):
            count, total = best_matching(rest, units - {unit}, etas)
            options.append((count + 1, total + etas[first][unit]))
    return max(options, key=lambda option: (option[0], -option[1]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, 10_000),
    st.lists(st.tuples(st.integers(0, 29), st.integers(1, 2)), min_size=2, max_size=5),
    st.sampled_from([NearestFree(), OwnStation()]),
)
def test_dispatch_many_serves_the_most_urgent_first_at_every_units_true_eta(
    seed: int, calls: list[tuple[int, int]], policy: NearestFree | OwnStation
) -> None:
    """Calls anywhere on the roads, some units on their way home: the calls of
    each priority, most urgent first, get as many of the units left as brute
    force finds, with the least total ETA, every ETA computed afresh by networkx."""
    district = random_district(seed)
    dispatcher = Dispatcher(district, policy=policy, turnout=45.0)
    graph = to_networkx(district.roads)
    for k in range(len(district.units) // 2):  # half the units head home from a call
        decision = dispatcher.dispatch(Incident(id=f"earlier{k}", village=f"v{4 * k}", time=dispatcher.now))
        if decision.unit is not None:
            dispatcher.arrive(decision.unit, dispatcher.now + decision.eta)
            dispatcher.clear(decision.unit, dispatcher.now + 60.0)
    now = dispatcher.now + 200.0
    incidents = [
        Incident(id=f"i{k}", location=tuple(district.roads.xy[node]), priority=p, time=now)
        for k, (node, p) in enumerate(calls)
    ]
    etas = []
    for incident, (node, _) in zip(incidents, calls):
        home = district.locate(incident)[2]
        allowed = {
            u for u, ok in zip(district.unit_ids, np.logical_or.reduce(policy.tiers(home, dispatcher.fleet))) if ok
        }
        etas.append({u: t for u, t in networkx_etas(dispatcher, graph, node, now).items() if u in allowed})
    decisions = dispatcher.dispatch_many(incidents)
    assert [d.incident for d in decisions] == [i.id for i in incidents]
    units = frozenset(etas[0]) | frozenset(u for e in etas for u in e)
    for priority in (1, 2):
        rows = [k for k, (_, p) in enumerate(calls) if p == priority]
        served = [decisions[k] for k in rows if decisions[k].unit is not None]
        count, total = best_matching(rows, units, etas)
        assert len(served) == count
        assert sum(d.eta for d in served) == pytest.approx(total, rel=1e-9)
        for d in served:
            assert d.eta == pytest.approx(etas[int(d.incident[1:])][d.unit], rel=1e-9)
        units -= {d.unit for d in served}
    for d in decisions:
        if d.unit is None:  # it waits only if every unit it may take went to a call at least as urgent
            assert d.reason is Reason.QUEUED
            assert not set(etas[int(d.incident[1:])]) & units


def test_dispatch_many_at_a_road_node_sees_a_farther_unit_on_its_way_home(tiny: District) -> None:
    """Two calls at the mountain pass, away from every village and station:
    shuishi-1 waits at its station (60 s + 600 s + 800 s away); zhuoshui-1 heads
    home from Shuishi town (90 s to Shuishi, then 600 s + 800 s). The urgent call
    gets the nearer unit, the routine one the farther, and none waits."""
    dispatcher = Dispatcher(tiny, policy=NearestFree())
    dispatcher.out_of_service("shuishi-1", 0.0)
    dispatcher.dispatch(Incident(id="town", village="shuishi-town"))  # zhuoshui-1 drives over
    dispatcher.arrive("zhuoshui-1", 1_000.0)
    dispatcher.back_in_service("shuishi-1", 1_000.0)
    dispatcher.clear("zhuoshui-1", 2_000.0)
    pass_xy = tuple(tiny.roads.xy[tiny.roads.index("pass")])
    routine, urgent = dispatcher.dispatch_many(
        [
            Incident(id="routine", location=pass_xy, priority=2, time=2_000.0),
            Incident(id="urgent", location=pass_xy, priority=1, time=2_000.0),
        ]
    )
    assert (urgent.unit, urgent.eta) == ("shuishi-1", 1_460.0)
    assert (routine.unit, routine.eta) == ("zhuoshui-1", 1_490.0)
    assert not dispatcher.queue


# ---------------------------------------------------------------------- policies


def test_own_station_waits_but_cluster_first_sends_shuishi(tiny: District) -> None:
    plan = cluster(tiny, ClusterParams(centrals=("zhuoshui",)))
    town = Incident(id="town", village="zhuoshui-town")
    yantang = Incident(id="yantang", village="yantang", time=300.0)
    before = Dispatcher(tiny, plan, OwnStation())
    before.dispatch(town)
    assert before.dispatch(yantang).reason is Reason.QUEUED
    after = Dispatcher(tiny, plan, ClusterFirst())
    after.dispatch(town)
    decision = after.dispatch(yantang)
    assert (decision.unit, decision.reason) == ("shuishi-1", Reason.CLUSTER)
    assert decision.eta == 660.0  # 60 s turnout + 600 s by road
    assert [c.unit for c in decision.candidates] == ["shuishi-1"]
    assert list(tiny.roads.labels[decision.route]) == ["shuishi", "yantang"]
    assert decision.line.length > 0


def test_a_returning_unit_is_sent_from_where_it_is(tiny: District) -> None:
    dispatcher = Dispatcher(tiny, policy=OwnStation())
    first = dispatcher.dispatch(Incident(id="a", village="yantang"))
    dispatcher.arrive("zhuoshui-1", first.eta)
    dispatcher.clear("zhuoshui-1", 3_000.0)  # heads home over the pass (2,000 s)
    decision = dispatcher.dispatch(Incident(id="b", village="zhuoshui-town", time=3_500.0))
    # 500 s into the drive it is on the 800 s road to the pass: 300 s on, then 1,200 s
    # down to Zhuoshui and 120 s to town; no turnout on the road.
    assert decision.eta == pytest.approx(300.0 + 1_200.0 + 120.0)
    assert list(tiny.roads.labels[decision.route]) == ["pass", "zhuoshui", "zhuoshui-town"]


def test_border_incidents_may_go_to_partners_under_mutual_aid(demo: District) -> None:
    plan = cluster(demo)
    border = plan.border[0]
    dispatcher = Dispatcher(demo, plan, ClusterFirst())
    for unit in demo.units_of(border.station):
        dispatcher.out_of_service(unit.id, 0.0)
    home_villages = [
        v.id for k, v in enumerate(demo.villages) if demo.home_stations[k] == demo.station_index[border.station]
    ]
    decision = dispatcher.dispatch(Incident(id="x", village=home_villages[0]))
    assert decision.reason is Reason.PARTNER
    assert decision.post in border.partners
    assert "answers under mutual aid" in decision.explanation


def test_preemption_diverts_a_unit_from_a_less_urgent_call(tiny: District) -> None:
    dispatcher = Dispatcher(tiny, policy=OwnStation(), preemption=True)
    dispatcher.dispatch(Incident(id="minor", village="zhuoshui-town", priority=3))
    decision = dispatcher.dispatch(Incident(id="urgent", village="yantang", priority=1, time=30.0))
    assert decision.unit == "zhuoshui-1" and decision.preempted == "minor"
    assert [i.id for i in dispatcher.queue] == ["minor"]
    off = Dispatcher(tiny, policy=OwnStation())
    off.dispatch(Incident(id="minor", village="zhuoshui-town", priority=3))
    assert off.dispatch(Incident(id="urgent", village="yantang", priority=1, time=30.0)).unit is None


def test_the_queue_serves_the_most_urgent_call_first(tiny: District) -> None:
    dispatcher = Dispatcher(tiny, policy=OwnStation())
    dispatcher.dispatch(Incident(id="first", village="zhuoshui-town"))
    dispatcher.dispatch(Incident(id="routine", village="yantang", priority=3, time=10.0))
    dispatcher.dispatch(Incident(id="urgent", village="yantang", priority=1, time=20.0))
    dispatcher.arrive("zhuoshui-1", 200.0)
    (served,) = dispatcher.clear("zhuoshui-1", 900.0)
    assert served.incident == "urgent"
    assert [i.id for i in dispatcher.queue] == ["routine"]


@pytest.mark.parametrize(
    ("partner", "queue", "then"),
    [
        ("free", "infinite", Reason.PARTNER),  # the dropped call's own policy allows the free partner unit
        ("free", "loss", Reason.PARTNER),  # the same in a loss system
        ("out of service", "infinite", Reason.QUEUED),  # no unit it may take is free: it waits
        ("out of service", "loss", Reason.LOST),  # no unit it may take is free: it is lost
    ],
)
def test_a_call_a_preempted_unit_drops_is_taken_again_at_once(
    demo: District, partner: str, queue: str, then: Reason
) -> None:
    """Only dahe-1 is in service and drives to a routine call at Shiao, a border
    station; an urgent call at Dahe diverts it. Shiao's call may go to Shiao's
    partners across the border (Dahe's may not): a free partner unit takes it at
    once; with none free it waits, or in a loss system it is lost."""
    dispatcher = Dispatcher(demo, cluster(demo), ClusterFirst(), preemption=True, queue=queue)  # type: ignore[arg-type]
    for unit in demo.unit_ids:
        if unit != "dahe-1":
            dispatcher.out_of_service(unit, 0.0)
    assert dispatcher.dispatch(Incident(id="routine", village="v019", priority=3, time=10.0)).unit == "dahe-1"
    if partner == "free":
        assert dispatcher.back_in_service("lianzhai-across-1", 20.0) == []
    urgent = dispatcher.dispatch(Incident(id="urgent", village="v003", priority=1, time=30.0))
    assert (urgent.unit, urgent.preempted) == ("dahe-1", "routine")
    assert urgent.displaced is not None and urgent.displaced.incident == "routine"
    assert (urgent.displaced.reason, urgent.displaced.unit) == (
        then,
        "lianzhai-across-1" if partner == "free" else None,
    )
    assert [d.incident for d in urgent.cascade] == ["urgent", "routine"]
    assert [i.id for i in dispatcher.queue] == (["routine"] if then is Reason.QUEUED else [])
    if then is Reason.LOST:  # a lost call is never served later
        assert dispatcher.back_in_service("shiao-1", 40.0) == []


def test_a_loss_system_loses_a_call_no_unit_may_take(tiny: District) -> None:
    dispatcher = Dispatcher(tiny, policy=OwnStation(), queue="loss")
    dispatcher.dispatch(Incident(id="town", village="zhuoshui-town"))
    lost = dispatcher.dispatch(Incident(id="yantang", village="yantang", time=300.0))
    assert (lost.unit, lost.reason) == (None, Reason.LOST)
    assert "the call is lost" in lost.explanation
    assert not dispatcher.queue
    dispatcher.arrive("zhuoshui-1", 400.0)
    assert dispatcher.clear("zhuoshui-1", 900.0) == []  # the lost call is not served later


# ---------------------------------------------------------------------- bad input


def busy_tiny(tiny: District) -> Dispatcher:
    """Zhuoshui's one unit drives to Yantang ("served") and a call from Zhuoshui
    town waits ("waiting"); the clock is at 100 s."""
    dispatcher = Dispatcher(tiny, policy=OwnStation())
    dispatcher.dispatch(Incident(id="served", village="yantang"))
    dispatcher.dispatch(Incident(id="waiting", village="zhuoshui-town", time=100.0))
    return dispatcher


LATER = 5_000.0
"""A time after the clock: a refused operation must not move the clock to it."""


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        # an unknown village, at a later time (the clock stays put)
        (lambda d: d.dispatch(Incident(id="x", village="atlantis", time=LATER)), "village 'atlantis'"),
        # a time before the dispatcher's clock
        (lambda d: d.dispatch(Incident(id="x", village="yantang", time=50.0)), "before the dispatcher's clock"),
        # a time that is not a number
        (lambda d: d.dispatch(Incident(id="x", village="yantang"), at=math.nan), "time must be a finite"),
        # an infinite time
        (lambda d: d.arrive("zhuoshui-1", math.inf), "time must be a finite"),
        # an unknown unit
        (lambda d: d.arrive("ghost", LATER), "no unit 'ghost'"),
        # a unit id that is not a string
        (lambda d: d.arrive(["zhuoshui-1"], LATER), r"no unit \['zhuoshui-1'\]"),
        # a transition the unit's status does not allow
        (lambda d: d.clear("zhuoshui-1", LATER), "cannot clear unit 'zhuoshui-1': it is dispatched"),
        # a unit returning home that never left
        (lambda d: d.return_home("shuishi-1", LATER), "cannot return home unit 'shuishi-1'"),
        # an incident already being served
        (lambda d: d.dispatch(Incident(id="served", village="yantang", time=LATER)), "'served' is already being"),
        # an incident already waiting
        (lambda d: d.dispatch(Incident(id="waiting", village="yantang", time=LATER)), "'waiting' is already waiting"),
        # the same incident twice in one batch
        (lambda d: d.dispatch_many([Incident(id="x", village="yantang", time=LATER)] * 2), r"\['x'\] come more"),
        # a batch with one bad call: none of it goes
        (
            lambda d: d.dispatch_many(
                [Incident(id="x", village="shuishi-town", time=LATER), Incident(id="y", village="atlantis")]
            ),
            "village 'atlantis'",
        ),
        # a location far off the roads
        (lambda d: d.dispatch(Incident(id="far", location=(50_000.0, 50_000.0), time=LATER)), "incident 'far' is"),
        # a cancellation of an incident that is not waiting
        (lambda d: d.cancel("served"), "'served' is not waiting"),
    ],
)
def test_a_refused_operation_changes_nothing_not_even_the_clock(
    tiny: District, operation: Callable[[Dispatcher], object], message: str
) -> None:
    dispatcher = busy_tiny(tiny)
    before = snapshot(dispatcher)
    with pytest.raises(DispatchError, match=message):
        operation(dispatcher)
    assert snapshot(dispatcher) == before
    # The next real event, earlier than the refused one, is still accepted.
    assert dispatcher.dispatch(Incident(id="next", village="shuishi-town", time=200.0)).unit == "shuishi-1"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"start": math.nan}, "start must be a finite number"),  # NaN would disable every order check
        ({"start": math.inf}, "start must be a finite number"),  # no event could come after it
        ({"turnout": -1.0}, "turnout must be a finite number of seconds >= 0"),  # time runs forward
        ({"turnout": math.inf}, "turnout must be a finite number"),  # a unit must leave one day
        ({"turnout": "60"}, "turnout must be a finite number.*'60'"),  # text is not seconds
        ({"turnout": True}, "turnout must be a finite number"),  # nor is a yes/no
        ({"preemption": "yes"}, "preemption must be True or False"),  # a string is always truthy
        ({"queue": "infinte"}, "queue must be 'infinite' or 'loss', got 'infinte'"),  # misspelt
        ({"queue": False}, "queue must be 'infinite' or 'loss'"),  # the discipline is named, not a flag
        ({"policy": "nearest"}, "policy must be a Policy"),  # a name is not a policy
        ({"policy": ClusterFirst()}, "ClusterFirst policy needs a ClusterPlan"),  # clusters need a plan
        ({"plan": "plan.json"}, "takes a District and a ClusterPlan"),  # a path is not a plan
    ],
)
def test_bad_dispatcher_settings_are_refused_naming_the_field(
    tiny: District, settings: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        Dispatcher(tiny, **settings)  # type: ignore[arg-type]


def test_a_plan_or_tables_of_another_district_are_refused(tiny: District, demo: District) -> None:
    other = cluster(tiny, ClusterParams(centrals=("zhuoshui",)))
    renamed = tiny.replace(
        stations=[s.replace(id="new") if s.id == "shuishi" else s for s in tiny.stations],
        units=[u.replace(station="new") if u.station == "shuishi" else u for u in tiny.units],
        villages=[v.replace(station=None) for v in tiny.villages],
    )
    with pytest.raises(InputError, match="the plan names station 'shuishi', which is not in district"):
        Dispatcher(renamed, other, ClusterFirst())
    with pytest.raises(InputError, match="travel tables were built for another district"):
        Dispatcher(tiny, tables=TravelTables.for_district(renamed.replace(roads=demo.roads)))


def test_an_incident_no_unit_can_reach_raises_and_changes_nothing(tiny: District) -> None:
    positions = {label: tuple(xy) for label, xy in zip(tiny.roads.labels.tolist(), tiny.roads.xy.tolist())}
    positions["island"] = (20_000.0, 0.0)
    edges = [
        (tiny.roads.label(u), tiny.roads.label(v), t)
        for u, v, t in zip(tiny.roads.tails, tiny.roads.heads, tiny.roads.travel_time)
    ]
    edges.append(("island", "shuishi-town", 100.0))  # a one-way road out, none in
    district = tiny.replace(roads=from_edges(edges, positions))
    dispatcher = Dispatcher(district)
    before = snapshot(dispatcher)
    with pytest.raises(UnreachableError, match="incident 'stranded' at road node 'island' cannot be reached"):
        dispatcher.dispatch(Incident(id="stranded", location=(20_000.0, 0.0), time=LATER))
    assert snapshot(dispatcher) == before


# ---------------------------------------------------------------------- calls between nodes


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.data())
def test_a_call_between_nodes_gets_the_eta_networkx_finds_with_the_call_inserted(
    seed: int, data: st.DataObject
) -> None:
    """A call at a random point of a random road, some units on their way home:
    the unit sent and its ETA are those networkx finds on the full graph with the
    call inserted as a node (driven each way its road runs)."""
    district = random_district(seed)
    roads = district.roads
    dispatcher = Dispatcher(district, policy=NearestFree(), turnout=45.0)
    for k in range(len(district.units) // 2):
        decision = dispatcher.dispatch(Incident(id=f"earlier{k}", village=f"v{4 * k}", time=dispatcher.now))
        if decision.unit is not None:
            dispatcher.arrive(decision.unit, dispatcher.now + decision.eta)
            dispatcher.clear(decision.unit, dispatcher.now + 60.0)
    now = dispatcher.now + data.draw(st.floats(0, 300))
    edge = data.draw(st.integers(0, roads.n_edges - 1))
    a, b = int(roads.tails[edge]), int(roads.heads[edge])
    share = data.draw(st.floats(0.05, 0.95))
    point = roads.xy[a] + share * (roads.xy[b] - roads.xy[a])
    graph = with_point(to_networkx(roads), roads.label(a), roads.label(b), share, "call")
    to_call = nx.single_source_dijkstra_path_length(graph.reverse(copy=False), "call", weight="travel_time")
    expected = {}
    for state in dispatcher.units:
        if state.status == UnitStatus.AVAILABLE:
            expected[state.unit] = 45.0 + to_call.get(roads.label(state.node), math.inf)
        elif state.status == UnitStatus.RETURNING:
            assert state.leg is not None
            k, remaining = state.leg.next_stop(now)
            expected[state.unit] = remaining + to_call.get(roads.label(int(state.leg.stops[k])), math.inf)
    decision = dispatcher.dispatch(Incident(id="call", location=(float(point[0]), float(point[1])), time=now))
    best = min(expected.values())
    assert decision.unit is not None and decision.eta == pytest.approx(best, rel=1e-9)
    assert expected[decision.unit] == pytest.approx(best, rel=1e-9)
    assert decision.route_xy[-1] == pytest.approx(point)  # the drive ends at the call, not at a node


def test_a_call_on_a_one_way_road_is_reached_only_in_its_direction() -> None:
    # "up" drives the one-way road a -> b (1,000 s); "down" at b must go round by c (2 x 900 s).
    edges = [("a", "b", 1_000.0), ("b", "c", 900.0), ("c", "b", 900.0), ("c", "a", 900.0), ("a", "c", 900.0)]
    roads = from_edges(edges, {"a": (0, 0), "b": (10_000, 0), "c": (5_000, 8_000)})
    stations = [Station(id="up", location=(0, 0), officers=1), Station(id="down", location=(10_000, 0), officers=1)]
    units = [Unit(id="up-1", station="up"), Unit(id="down-1", station="down")]
    district = District(name="one-way", roads=roads, stations=stations, units=units)
    decision = Dispatcher(district, turnout=0.0).dispatch(Incident(id="c1", location=(9_000, 50)))
    assert (decision.unit, decision.eta) == ("up-1", pytest.approx(900.0))  # 0.9 of the way, in its direction
    assert decision.route.tolist() == [roads.index("a")]


def test_a_call_far_from_every_road_names_the_call_and_the_distance(tiny: District) -> None:
    dispatcher = Dispatcher(tiny)
    before = snapshot(dispatcher)
    with pytest.raises(InputError, match=r"incident 'lost' is [\d,]+ m from the nearest road \(at most 1,000 m"):
        dispatcher.dispatch(Incident(id="lost", location=(90_000.0, 90_000.0), time=LATER))
    assert snapshot(dispatcher) == before


def test_a_call_on_a_one_way_dead_end_is_refused_and_changes_nothing(tiny: District) -> None:
    positions = {label: tuple(xy) for label, xy in zip(tiny.roads.labels.tolist(), tiny.roads.xy.tolist())}
    town = positions["shuishi-town"]
    positions["spur"] = (town[0], town[1] + 3_000.0)
    edges = [
        (tiny.roads.label(u), tiny.roads.label(v), t)
        for u, v, t in zip(tiny.roads.tails, tiny.roads.heads, tiny.roads.travel_time)
    ]
    edges.append(("shuishi-town", "spur", 300.0))  # a one-way road in, none out
    dispatcher = Dispatcher(tiny.replace(roads=from_edges(edges, positions)))
    before = snapshot(dispatcher)
    with pytest.raises(UnreachableError, match="incident 'trapped' on the road at node 'spur' can be reached, but no"):
        dispatcher.dispatch(Incident(id="trapped", location=(town[0] + 20.0, town[1] + 2_900.0), time=LATER))
    assert snapshot(dispatcher) == before


def test_a_call_is_searched_for_once_and_its_explanation_tells_the_own_units_true_eta(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Calls at road nodes, half the units on their way home: each decision
    searches towards its call at most once (the explanation reuses that search),
    and the own free unit's time it gives is networkx's, or a true lower bound
    where the search stopped short of it."""
    import dispatch.operate.travel as travel

    searches: list[float] = []
    real = travel.towards

    def counted(core: Core, place: Places, *, limit: float, watch: Any = None) -> Inbound:
        searches.append(limit)
        return real(core, place, limit=limit, watch=watch)

    monkeypatch.setattr(travel, "towards", counted)
    told = {"exact": 0, "over": 0}
    for seed in range(6):
        district = random_district(seed, n_nodes=40, n_stations=5)
        dispatcher = Dispatcher(district, policy=NearestFree(), turnout=45.0)
        graph = to_networkx(district.roads)
        rng = np.random.default_rng(seed)
        for k in range(12):
            node = int(rng.integers(0, district.roads.n_nodes))
            incident = Incident(id=f"i{k}", location=tuple(district.roads.xy[node]), time=dispatcher.now)
            expected = networkx_etas(dispatcher, graph, node, dispatcher.now)
            home = district.locate(incident)[2]
            own = [expected[u.id] for u in district.units if u.station == f"s{home}" and u.id in expected]
            searches.clear()
            decision = dispatcher.dispatch(incident)
            assert len(searches) <= 1, searches
            said = re.search(r"own free unit is farther \((over )?([\d.]+) min\)", decision.explanation)
            if said is not None:
                minutes = float(said.group(2))
                if said.group(1):
                    told["over"] += 1
                    assert min(own) > (minutes - 0.05) * 60
                else:
                    told["exact"] += 1
                    assert min(own) == pytest.approx(minutes * 60, abs=3.0)
            if decision.unit is not None:  # on scene at once, then home: units stay on the road
                dispatcher.arrive(decision.unit, dispatcher.now)
                dispatcher.clear(decision.unit, dispatcher.now + 120.0)
    assert told["exact"] and told["over"]
