"""Bad calls on the engines: Dispatcher operations, simulate / compare,
the hypercube model, p-median solvers, clustering and the road network."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from dispatch import (
    ClusterFirst,
    ClusterParams,
    ClusterPlan,
    DemandParams,
    Dispatcher,
    District,
    Incident,
    InfeasibleError,
    InputError,
    RoadNetwork,
    SimulationParams,
    UnreachableError,
    capacitated_p_median,
    cluster,
    compare,
    district_hypercube,
    hypercube,
    p_median,
    simulate,
)
from dispatch.network.convert import from_edges
from dispatch.operate.travel import TravelTables

from .framework import Bad, Kit, cases, check

nan, inf = math.nan, math.inf
COSTS = [[0.0, 1.0], [1.0, 0.0]]
TRAVEL = [[60.0, 120.0], [120.0, 60.0]]


def plan_of(k: Kit) -> ClusterPlan:
    """The tiny district's cluster plan."""
    plan: ClusterPlan = k.made.setdefault("plan", cluster(k.tiny))
    return plan


def dispatcher(k: Kit, **options: Any) -> Dispatcher:
    return Dispatcher(k.tiny, **options)


def sent(k: Kit) -> Dispatcher:
    """A dispatcher that has sent a unit to Yantang at time 10."""
    d = dispatcher(k, turnout=0)
    d.dispatch(Incident(id="c1", village="yantang", time=10.0))
    return d


def waiting(k: Kit) -> Dispatcher:
    """A dispatcher whose only units are busy, with call c3 waiting."""
    d = sent(k)
    d.dispatch(call("c2"))
    d.dispatch(call("c3", time=25.0))
    return d


def call(incident_id: str = "c2", **fields: Any) -> Incident:
    return Incident(**{"id": incident_id, "village": "yantang", "time": 20.0, **fields})


def network(**changes: Any) -> RoadNetwork:
    """A two-node network with ``changes`` to its arrays."""
    arrays: dict[str, Any] = {"labels": ["a", "b"], "xy": [[0, 0], [1, 0]], "tails": [0], "heads": [1]}
    arrays["travel_time"] = [5.0]
    return RoadNetwork(**{**arrays, **changes})


def cut_off(k: Kit) -> District:
    """The tiny district with a village on a road node nobody can reach."""
    roads = k.tiny.roads
    labels = [*roads.labels.tolist(), "island"]
    xy = np.vstack([roads.xy, [[50_000.0, 50_000.0]]])
    island = RoadNetwork(labels, xy, roads.tails, roads.heads, roads.travel_time)
    return k.tiny.replace(roads=island)


CASES = [
    # Dispatcher: construction
    Bad(lambda k: dispatcher(k, turnout=-1.0), InputError, "turnout"),  # negative turnout
    Bad(lambda k: dispatcher(k, turnout=nan), InputError, "turnout"),  # NaN turnout
    Bad(lambda k: dispatcher(k, turnout=inf), InputError, "turnout"),  # units never leave
    Bad(lambda k: Dispatcher(k.tiny, None, ClusterFirst()), InputError, "needs a ClusterPlan"),  # no plan
    Bad(lambda k: dispatcher(k, tables=TravelTables.for_district(cut_off(k))), InputError, "another district"),  # stale
    Bad(lambda k: dispatcher(k, start=nan), InputError, "start"),  # a NaN clock would disable the order checks
    Bad(lambda k: dispatcher(k, start=-inf), InputError, "start"),  # a clock at minus infinity
    Bad(lambda k: dispatcher(k, queue="infinte"), InputError, "queue must be 'infinite' or 'loss'"),  # misspelt
    Bad(lambda k: dispatcher(k, preemption="yes"), InputError, "preemption"),  # text for a switch
    Bad(lambda k: dispatcher(k, turnout=True), InputError, "turnout"),  # a boolean for seconds
    Bad(lambda k: Dispatcher("district.json"), InputError, "takes a District"),  # a file name for a district
    Bad(lambda k: Dispatcher(k.tiny, None, "nearest"), InputError, "policy must be a Policy"),  # a name for a policy
    # Dispatcher: operations
    Bad(lambda k: dispatcher(k).dispatch(call(village="atlantis")), InputError, "'atlantis'"),  # unknown village
    # an incident far from every road
    Bad(lambda k: dispatcher(k).dispatch(call(village=None, location=(9e6, 0.0))), InputError, "incident 'c2'"),
    Bad(lambda k: sent(k).dispatch(call(time=5.0)), InputError, "before the dispatcher's clock"),  # out of order
    Bad(lambda k: sent(k).dispatch(call(), at=nan), InputError, "finite"),  # a NaN time
    Bad(lambda k: sent(k).dispatch(call(), at=inf), InputError, "finite"),  # an endless time
    Bad(lambda k: sent(k).dispatch(call("c1")), InputError, "'c1'"),  # an incident already served: a second unit
    Bad(lambda k: sent(k).dispatch_many([call(), call()]), InputError, "'c2'"),  # one incident twice in a batch
    Bad(lambda k: sent(k).dispatch_many([call(village="atlantis")]), InputError, "'atlantis'"),  # unknown village
    Bad(lambda k: waiting(k).dispatch(call("c3", time=30.0)), InputError, "'c3' is already waiting"),  # queued twice
    Bad(lambda k: sent(k).dispatch_many([call()], at=5.0), InputError, "before the dispatcher's clock"),  # past
    Bad(lambda k: sent(k).arrive("nobody", 30.0), InputError, "no unit 'nobody'"),  # unknown unit
    Bad(lambda k: sent(k).arrive("shuishi-1", nan), InputError, "finite"),  # NaN arrival time
    Bad(lambda k: sent(k).arrive("shuishi-1", 5.0), InputError, "before the dispatcher's clock"),  # before the call
    Bad(lambda k: sent(k).arrive("zhuoshui-1", 30.0), InputError, "zhuoshui-1"),  # a unit that was not sent
    Bad(lambda k: sent(k).clear("shuishi-1", 30.0), InputError, "shuishi-1"),  # cleared before it arrived
    Bad(lambda k: sent(k).return_home("zhuoshui-1", 30.0), InputError, "zhuoshui-1"),  # home already
    Bad(lambda k: sent(k).out_of_service("shuishi-1", 30.0), InputError, "shuishi-1"),  # busy on a call
    Bad(lambda k: sent(k).back_in_service("zhuoshui-1", 30.0), InputError, "zhuoshui-1"),  # never out of service
    Bad(lambda k: sent(k).cancel("c9"), InputError, "c9"),  # nothing waiting under that id
    Bad(lambda k: sent(k).unit("ghost"), InputError, "no unit 'ghost'"),  # unknown unit
    Bad(
        lambda k: Dispatcher(cut_off(k)).dispatch(call(village=None, location=(50_000.0, 50_000.0))),
        UnreachableError,
        "incident 'c2'",
    ),
    # simulate and compare
    Bad(lambda k: simulate(k.tiny, first_replication=-1), InputError, "first_replication"),  # negative replication
    Bad(lambda k: simulate(k.tiny, policy=ClusterFirst()), InputError, "needs a ClusterPlan"),  # no plan
    Bad(
        lambda k: simulate(k.tiny, params=SimulationParams(horizon=60.0), demand=DemandParams(scale=1e30)),
        InputError,
        "demand scale",
    ),
    # a district without villages has no calls
    Bad(
        lambda k: simulate(k.tiny.replace(villages=()), params=SimulationParams(horizon=60.0)),
        InputError,
        "no villages",
    ),
    # calls from two sources at once
    Bad(
        lambda k: simulate(k.tiny, demand=DemandParams(), incidents=DemandParams().incidents(k.tiny, 60.0, 0)),
        InputError,
        "not both",
    ),
    Bad(
        lambda k: simulate(
            k.tiny, incidents=DemandParams().incidents(k.tiny.replace(villages=k.tiny.villages[:1]), 60.0, 0)
        ),
        InputError,
        "another district",
    ),  # calls replayed on a district whose villages differ
    # runaway demand in a comparison
    Bad(
        lambda k: compare(k.tiny, plan_of(k), params=SimulationParams(horizon=60.0), demand=DemandParams(scale=1e30)),
        InputError,
        "demand scale",
    ),
    # the hypercube model
    Bad(lambda k: hypercube([1.0, nan], TRAVEL, mu=1.0), InputError, "atoms [1]"),  # a NaN rate
    Bad(lambda k: hypercube([1.0, -1.0], TRAVEL, mu=1.0), InputError, "atoms [1]"),  # a negative rate
    Bad(lambda k: hypercube([1.0], TRAVEL, mu=1.0), InputError, "one entry per atom"),  # rates of the wrong length
    Bad(lambda k: hypercube([1.0, 1.0], TRAVEL, mu=0.0), InputError, "mu"),  # no service
    Bad(lambda k: hypercube([1.0, 1.0], TRAVEL, mu=inf), InputError, "mu"),  # infinite service rate
    Bad(lambda k: hypercube([1.0, 1.0], [[60.0, nan], [1.0, 1.0]], mu=1.0), InputError, "travel times"),  # NaN
    Bad(lambda k: hypercube([1.0, 1.0], [[60.0, -1.0], [1.0, 1.0]], mu=1.0), InputError, "travel times"),  # < 0
    Bad(lambda k: hypercube([1.0, 1.0], TRAVEL, mu=1.0, queue="infinite"), InputError, "offered load"),  # overload
    # a preference list that names a unit twice
    Bad(lambda k: hypercube([1.0, 1.0], TRAVEL, mu=1.0, preferences=[[0, 0], [1, 0]]), InputError, "preferences"),
    # 2**40 states for the exact model
    Bad(lambda k: hypercube([0.1] * 2, np.ones((40, 2)), mu=1.0, method="exact"), InputError, "method='approximate'"),
    Bad(lambda k: hypercube([0.1, 0.1], TRAVEL, mu=1.0, queue="infinte"), InputError, "'infinte'"),  # misspelt
    Bad(lambda k: hypercube([0.1, 0.1], TRAVEL, mu=1.0, method="exakt"), InputError, "'exakt'"),  # misspelt
    Bad(lambda k: district_hypercube(k.tiny, service_time=0.0), InputError, "service_time"),  # no service time
    Bad(lambda k: district_hypercube(k.tiny, service_time=nan), InputError, "service_time"),  # NaN service time
    # p-median solvers
    Bad(lambda k: p_median(COSTS, 3), InfeasibleError, "p = 3"),  # more sites than there are
    Bad(lambda k: p_median(COSTS, 0), InfeasibleError, "p = 0"),  # no sites
    Bad(lambda k: p_median([[0.0, -1.0], [1.0, 0.0]], 1), InputError, "client 0, site 1"),  # negative cost
    Bad(lambda k: p_median([[0.0, nan], [1.0, 0.0]], 1), InputError, "client 0, site 1"),  # NaN cost
    Bad(lambda k: p_median([[inf, inf], [1.0, 0.0]], 1), InfeasibleError, "clients with no allowed site"),  # stranded
    Bad(lambda k: p_median([], 1), InputError, "non-empty"),  # no costs
    Bad(lambda k: p_median([1.0, 2.0], 1), InputError, "clients x sites"),  # a vector, not a matrix
    Bad(lambda k: p_median(COSTS, 1, weights=[1.0, nan]), InputError, "weights"),  # a NaN weight
    Bad(lambda k: p_median(COSTS, 1, weights=[1.0]), InputError, "weights"),  # too few weights
    Bad(lambda k: p_median(COSTS, 1, weights=[1.0, 1e300]), InputError, "client 1: 1e+300"),  # overflows scaling
    Bad(lambda k: p_median([[0.0, 1e300], [1e300, 0.0]], 1), InputError, "client 0, site 1: 1e+300"),  # likewise
    Bad(lambda k: p_median(COSTS, True), InputError, "p"),  # boolean p
    Bad(lambda k: p_median(COSTS, 1.5), InputError, "p"),  # fractional p
    # a demand no site can hold
    Bad(lambda k: capacitated_p_median(COSTS, 1, [1.0, 1.0], [0.5, 0.5]), InfeasibleError, "exceeds every capacity"),
    Bad(lambda k: capacitated_p_median(COSTS, 1, [1.0, 1.0], [1.0, 1.0]), InfeasibleError, "total demand"),  # short
    Bad(lambda k: capacitated_p_median(COSTS, 1, [1.0], [5.0, 5.0]), InputError, "demands"),  # too few demands
    Bad(lambda k: capacitated_p_median(COSTS, 1, [1.0, nan], [5.0, 5.0]), InputError, "demand"),  # NaN demand
    Bad(lambda k: capacitated_p_median(COSTS, 1, [1.0, -1.0], [5.0, 5.0]), InputError, "demand"),  # negative demand
    Bad(lambda k: capacitated_p_median(COSTS, 1, [1.0, 1.0], [5.0, inf]), InputError, "capacit"),  # infinite capacity
    # clustering
    Bad(lambda k: cluster(k.tiny, ClusterParams(centrals=("atlantis",))), InputError, "atlantis"),  # no such station
    Bad(lambda k: cluster(k.tiny, ClusterParams(workload_indicator="floods")), InputError, "floods"),  # no indicator
    Bad(lambda k: cluster(k.tiny, ClusterParams(score={"weights": {"floods": 1.0}})), InputError, "floods"),  # ditto
    Bad(lambda k: cluster(k.tiny, ClusterParams(adjacent_only=True)), InputError, "jurisdiction"),  # no polygons
    Bad(lambda k: cluster(k.tiny, ClusterParams(n_centrals=5)), InfeasibleError, "5"),  # more centrals than stations
    Bad(lambda k: cluster(k.tiny, ClusterParams(max_link_time=1.0)), InfeasibleError, "zhuoshui"),  # nobody links
    # the road network
    Bad(lambda k: network(travel_time=[-1.0]), InputError, "travel_time"),  # negative time
    Bad(lambda k: network(travel_time=[nan]), InputError, "travel_time"),  # NaN time
    Bad(lambda k: network(heads=[2]), InputError, "edge end points"),  # a node that does not exist
    Bad(lambda k: network(xy=[[0, 0]]), InputError, "(xy) must have shape"),  # one point for two nodes
    Bad(lambda k: network(xy=[[0, nan], [1, 0]]), InputError, "node 'a'"),  # a NaN coordinate
    Bad(lambda k: network(labels=["a", "a"]), InputError, "'a' labels nodes 0, 1"),  # a label twice
    Bad(lambda k: network(labels=["a", 1]), InputError, "mix types"),  # text and numbers would all become text
    Bad(lambda k: network(xy=[0, 0, 1, 0]), InputError, "(xy) must have shape"),  # a flat list, once reshaped
    Bad(lambda k: network(tails=[-1], heads=[-2]), InputError, "edge end points"),  # negative indices
    Bad(lambda k: network(length=[-5.0]), InputError, "length"),  # a negative length
    Bad(
        lambda k: network(labels=[], xy=np.zeros((0, 2)), tails=[], heads=[], travel_time=[]),
        InputError,
        "at least one node",
    ),  # an empty graph
    Bad(lambda k: network().shortest_path(0, -1), InputError, "[-1]"),  # node -1 once wrapped to the last node
    Bad(lambda k: network().shortest_path(0, 5), InputError, "[5]"),  # a node that does not exist
    Bad(lambda k: network().shortest_path(1, 0), UnreachableError, "from node 'b' to node 'a'"),  # one-way street
    Bad(lambda k: network().times_from([7]), InputError, "out of range"),  # a node that does not exist
    Bad(lambda k: network().snap([(nan, 0.0)]), InputError, "point (nan, 0.0)"),  # a NaN point
    Bad(lambda k: network().snap([(9e6, 0.0)], max_distance=10.0), InputError, "point (9000000.0, 0.0)"),  # far off
    Bad(lambda k: network().index("z"), InputError, "no node labelled 'z'"),  # an unknown label
    Bad(lambda k: from_edges([("a", "c", 1.0)], {"a": (0, 0)}), InputError, "'c'"),  # an edge to nowhere
    Bad(lambda k: from_edges([("a", "a", -1.0)], {"a": (0, 0)}), InputError, "travel_time"),  # negative loop
]


@pytest.mark.parametrize("case", cases(CASES))
def test_bad_calls_on_the_engines_are_refused_by_name(case: Bad, kit: Kit, capsys: pytest.CaptureFixture[str]) -> None:
    check(case, kit, capsys)
