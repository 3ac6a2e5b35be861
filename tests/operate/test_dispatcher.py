"""Dispatcher: nearest free unit against networkx, state invariants, policies, errors."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch import (
    ClusterParams,
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
from dispatch.network.convert import from_edges, to_networkx
from dispatch.operate import Dispatcher, Reason
from dispatch.operate.policies import ClusterFirst, NearestFree, OwnStation


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


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.lists(st.tuples(st.integers(0, 14), st.integers(1, 3)), min_size=1, max_size=7))
def test_dispatch_many_is_never_worse_than_greedy(seed: int, calls: list[tuple[int, int]]) -> None:
    district = random_district(seed)
    incidents = [Incident(id=f"i{k}", village=f"v{2 * v}", priority=p) for k, (v, p) in enumerate(calls)]
    joint = Dispatcher(district).dispatch_many(incidents)
    greedy_dispatcher = Dispatcher(district)
    greedy = [greedy_dispatcher.dispatch(i) for i in sorted(incidents, key=lambda i: i.priority)]

    def total(decisions: list) -> tuple[int, float]:  # type: ignore[type-arg]
        served = [d for d in decisions if d.unit is not None]
        return len(served), sum(d.eta / d.priority for d in served)

    joint_served, joint_cost = total(joint)
    greedy_served, greedy_cost = total(greedy)
    assert joint_served >= greedy_served
    if joint_served == greedy_served:
        assert joint_cost <= greedy_cost + 1e-6
    assert [d.incident for d in joint] == [i.id for i in incidents]


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


# ---------------------------------------------------------------------- bad input


def test_bad_requests_are_named(tiny: District) -> None:
    dispatcher = Dispatcher(tiny)
    with pytest.raises(InputError, match="no unit 'ghost'"):
        dispatcher.arrive("ghost", 0.0)
    with pytest.raises(InputError, match="village 'atlantis', which is not in the district"):
        dispatcher.dispatch(Incident(id="x", village="atlantis"))
    with pytest.raises(InputError, match=r"incident 'far' is [\d,]+ m from the nearest road node"):
        dispatcher.dispatch(Incident(id="far", location=(50_000.0, 50_000.0)))
    with pytest.raises(InputError, match="cannot clear unit 'shuishi-1': it is available, not on scene"):
        dispatcher.clear("shuishi-1", 0.0)
    dispatcher.dispatch(Incident(id="y", village="yantang", time=100.0))
    with pytest.raises(InputError, match="before the dispatcher's clock"):
        dispatcher.dispatch(Incident(id="late", village="yantang", time=50.0))
    with pytest.raises(InputError, match="ClusterFirst policy needs a ClusterPlan"):
        Dispatcher(tiny, policy=ClusterFirst())
    with pytest.raises(InputError, match="turnout must be"):
        Dispatcher(tiny, turnout=-1.0)
    other = cluster(tiny, ClusterParams(centrals=("zhuoshui",)))
    renamed = tiny.replace(
        stations=[s.replace(id="new") if s.id == "shuishi" else s for s in tiny.stations],
        units=[u.replace(station="new") if u.station == "shuishi" else u for u in tiny.units],
        villages=[v.replace(station=None) for v in tiny.villages],
    )
    with pytest.raises(InputError, match="the plan names station 'shuishi', which is not in district"):
        Dispatcher(renamed, other, ClusterFirst())


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
    with pytest.raises(UnreachableError, match="incident 'stranded' at road node 'island' cannot be reached"):
        dispatcher.dispatch(Incident(id="stranded", location=(20_000.0, 0.0)))
    assert all(s.status == UnitStatus.AVAILABLE for s in dispatcher.units) and not dispatcher.queue
