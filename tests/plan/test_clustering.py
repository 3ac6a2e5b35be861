"""Clustering: the demo plan, brute force on small districts, diagnostics."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch import (
    District,
    Indicators,
    InfeasibleError,
    InputError,
    Progress,
    Station,
    StationKind,
    Unit,
    Village,
)
from dispatch.network.convert import from_networkx, to_networkx
from dispatch.plan import (
    BalanceParams,
    BorderParams,
    ClusterParams,
    ClusterPlan,
    ScoreParams,
    SolveParams,
    cluster,
)
from dispatch.plan.clustering import GAIN_UNIT


@pytest.fixture(scope="module")
def demo_plan(demo: District) -> ClusterPlan:
    return cluster(demo)


def test_the_demo_county_becomes_9_central_10_base_and_6_border(demo_plan: ClusterPlan) -> None:
    assert demo_plan.counts() == {"central": 9, "base": 10, "border": 6}
    assert demo_plan.status == "optimal"
    assert demo_plan.objective == pytest.approx(demo_plan.bound)


def test_every_rule_holds_in_the_demo_plan(demo: District, demo_plan: ClusterPlan) -> None:
    params = demo_plan.params
    times = demo.roads.travel_times(demo.station_nodes, demo.station_nodes)
    index = demo.station_index
    clustered = set()
    for c in demo_plan.clusters:
        assert params.min_bases <= len(c.bases) <= params.max_bases
        for base in c.bases:
            assert round(times[index[c.central], index[base]]) <= params.max_link_time
            assert demo_plan.strengths[c.central] >= demo_plan.strengths[base]
        clustered |= set(c.members)
    border = {g.station for g in demo_plan.border}
    assert clustered | border == set(index) and not clustered & border
    assert all(g.partners for g in demo_plan.border)  # every demo border station has partners


def test_the_reported_case_pairs_zhuoshui_with_shuishi(tiny: District) -> None:
    plan = cluster(tiny, ClusterParams(centrals=("zhuoshui",)))
    assert plan.solver == "min-cost-flow"
    assert [(c.central, c.bases) for c in plan.clusters] == [("zhuoshui", ("shuishi",))]
    assert plan.clusters[0].worst_link_time == 1_500.0
    assert plan.apply(tiny).station("shuishi").kind is StationKind.BASE


def test_clustering_reports_the_solvers_best_objective_and_bound(demo: District) -> None:
    heard: list[Progress] = []
    plan = cluster(demo, ClusterParams(balance=BalanceParams(mode="minmax")), on_progress=heard.append)
    assert heard and all(p.task == "clustering" and p.total == 60 for p in heard)
    assert heard[-1].detail.startswith(f"best {plan.objective:,.6g}, bound {plan.bound:,.6g}")


def test_same_inputs_and_seed_give_the_same_plan(demo: District) -> None:
    params = ClusterParams(balance=BalanceParams(mode="weighted"), options=SolveParams(seed=11))
    first, second = cluster(demo, params).to_dict(), cluster(demo, params).to_dict()
    for timing in ("build_time", "solve_time"):
        first.pop(timing), second.pop(timing)
    assert first == second


def test_fixed_centrals_give_the_same_plan_by_flow_as_by_mip(demo: District, demo_plan: ClusterPlan) -> None:
    centrals = tuple(c.central for c in demo_plan.clusters)
    fixed = cluster(demo, ClusterParams(centrals=centrals))
    assert fixed.solver == "min-cost-flow"
    assert fixed.objective == pytest.approx(demo_plan.objective)


def test_the_central_score_is_the_documented_weighted_ratio_to_the_mean() -> None:
    stations = tuple(
        Station(id=f"s{i}", location=(0, 0), officers=1, indicators=Indicators(population=p, cases=c))
        for i, (p, c) in enumerate([(100, 0), (300, 0)])
    )
    score = ScoreParams(weights={"population": 2.0, "cases": 1.0}).of(stations)
    assert score.tolist() == [2.0 * 100 / 200, 2.0 * 300 / 200]


# ---------------------------------------------------------------------- brute force


@st.composite
def small_cases(draw: st.DrawFn) -> tuple[District, ClusterParams]:
    """A random district of 3-10 stations on a random road graph, and random rules."""
    n = draw(st.integers(4, 10))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    points = rng.uniform(0, 20_000, (n + 2 * n, 2))
    graph = nx.DiGraph()
    for i, (x, y) in enumerate(points):
        graph.add_node(i, x=x, y=y)
    order = np.argsort(points[:, 0])
    for a, b in itertools.combinations(range(len(points)), 2):
        close = (
            np.hypot(*(points[a] - points[b])) < 9_000
            or abs(int(np.flatnonzero(order == a)[0]) - int(np.flatnonzero(order == b)[0])) == 1
        )
        if close:
            t = np.hypot(*(points[a] - points[b])) / rng.uniform(6, 16)
            graph.add_edge(a, b, travel_time=t)
            graph.add_edge(b, a, travel_time=t * rng.uniform(1.0, 1.3))
    roads = from_networkx(graph)
    stations = [
        Station(
            id=f"s{i}",
            location=tuple(points[i]),
            officers=int(rng.integers(3, 13)),
            indicators=Indicators(incidents_per_year=float(rng.integers(50, 900))),
        )
        for i in range(n)
    ]
    units = [Unit(id=f"s{i}-{k}", station=f"s{i}") for i in range(n) for k in range(int(rng.integers(1, 3)))]
    villages = [
        Village(
            id=f"v{k}",
            location=tuple(points[n + k]),
            incident_rate=round(float(rng.uniform(1, 60)), 2),
            station=f"s{int(rng.integers(0, n))}",
        )
        for k in range(2 * n)
    ]
    district = District(name="random", roads=roads, stations=stations, units=units, villages=villages)
    min_bases = draw(st.integers(0, 1))
    mode = draw(st.sampled_from(["none", "tolerance", "weighted", "minmax"]))
    params = ClusterParams(
        min_bases=min_bases,
        max_bases=draw(st.integers(max(min_bases, 1), 3)),
        max_link_time=draw(st.sampled_from([1_200.0, 2_400.0, 9_999.0])),
        strong_with_weak=draw(st.booleans()),
        n_centrals=draw(st.one_of(st.none(), st.integers(1, n), st.tuples(st.integers(1, 2), st.integers(2, n)))),
        balance=BalanceParams(mode=mode, tolerance=draw(st.sampled_from([0.5, 2.0, 5.0])), weight=300.0),
    )
    return district, params


def brute_force(district: District, params: ClusterParams) -> float | None:
    """The least objective over every partition of the stations into clusters, by
    dynamic programming over subsets; ``None`` if no partition keeps the rules."""
    graph = to_networkx(district.roads)
    labels = [district.roads.label(v) for v in district.station_nodes]
    village_labels = [district.roads.label(v) for v in district.village_nodes]
    times = [nx.single_source_dijkstra_path_length(graph, s, weight="travel_time") for s in labels]
    n = len(district.stations)
    home = [district.station_index[v.station] for v in district.villages]  # type: ignore[index]
    rates = [v.incident_rate for v in district.villages]
    cost = [
        [sum(r * round(times[j][village_labels[k]]) for k, r in enumerate(rates) if home[k] == i) for i in range(n)]
        for j in range(n)
    ]
    strength = [s.officers + 2 * len(district.units_of(s.id)) for s in district.stations]
    workload = [s.indicators.incidents_per_year for s in district.stations]
    ratio = sum(strength) / sum(workload)
    gain = [round((strength[i] / ratio - workload[i]) / GAIN_UNIT) for i in range(n)]
    size = [w / GAIN_UNIT for w in workload]
    balance = params.balance
    clusters = []  # (mask, cost, |E|)
    for c in range(n):
        allowed = [
            i
            for i in range(n)
            if i != c
            and round(times[c][labels[i]]) <= params.max_link_time
            and (not params.strong_with_weak or strength[c] >= strength[i])
        ]
        for k in range(params.min_bases, params.max_bases + 1):
            for bases in itertools.combinations(allowed, k):
                members = (c, *bases)
                e = sum(gain[m] for m in members)
                if balance.mode == "tolerance" and abs(e) > balance.tolerance * sum(size[m] for m in members) + 1e-9:
                    continue
                total = sum(cost[c][m] for m in members) + (
                    balance.weight * GAIN_UNIT * abs(e) if balance.mode == "weighted" else 0
                )
                clusters.append((sum(1 << m for m in members), total, abs(e)))
    low, high = params.centrals_range or (
        math.ceil(n / (1 + params.max_bases)),
        n // (1 + params.min_bases) if params.min_bases else n,
    )

    def best(limit: float) -> float:
        dp = {(0, 0): 0.0}
        for mask in range(1 << n):
            for p in range(n + 1):
                if (mask, p) not in dp:
                    continue
                free = next(i for i in range(n + 1) if i == n or not mask >> i & 1)
                if free == n:
                    continue
                for m, total, e in clusters:
                    if m >> free & 1 and not m & mask and e <= limit:
                        key = (mask | m, p + 1)
                        dp[key] = min(dp.get(key, math.inf), dp[(mask, p)] + total)
        return min((dp.get(((1 << n) - 1, p), math.inf) for p in range(low, high + 1)), default=math.inf)

    if balance.mode == "minmax":
        found = min(best(t) + balance.weight * GAIN_UNIT * t for t in {e for _, _, e in clusters} | {0})
    else:
        found = best(math.inf)
    return None if math.isinf(found) else found


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_cases())
def test_the_solver_agrees_with_brute_force_on_small_districts(case: tuple[District, ClusterParams]) -> None:
    district, params = case
    expected = brute_force(district, params)
    if expected is None:
        with pytest.raises(InfeasibleError):
            cluster(district, params)
    else:
        plan = cluster(district, params)
        assert plan.status == "optimal"
        assert plan.objective == pytest.approx(expected, rel=1e-9, abs=1e-6)


# ---------------------------------------------------------------------- diagnostics


@pytest.mark.parametrize(
    ("params", "message"),
    [
        # A station whose nearest possible central is beyond max_link_time.
        (
            ClusterParams(max_link_time=900),
            r"station 'antang': no possible central within max_link_time=900 s",
        ),
        # Too few centrals for at most two bases each.
        (ClusterParams(n_centrals=5), r"5 central\(s\) with at most 2 bases each cover at most 15 of the 19"),
        # Too many centrals for at least one base each.
        (ClusterParams(n_centrals=12), r"12 central\(s\) with at least 1 base\(s\) each need 24"),
        # Two stations that must lead compete for the only base either could take.
        (ClusterParams(max_link_time=1_800), r"central 'mawan' cannot get 1 base\(s\) of its own"),
        # A balance tolerance no cluster can keep.
        (
            ClusterParams(balance=BalanceParams(mode="tolerance", tolerance=0.05)),
            "cannot keep its strength per workload",
        ),
        # Fixed centrals all in the west, out of reach of the east.
        (
            ClusterParams(centrals=("luya", "huangping", "shuixi", "taichang", "matan", "taigou", "yunling", "mawan")),
            "station 'antang': no possible central within max_link_time=2,700 s",
        ),
    ],
)
def test_rules_that_cannot_hold_are_explained(demo: District, params: ClusterParams, message: str) -> None:
    with pytest.raises(InfeasibleError, match=message):
        cluster(demo, params)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            ClusterParams(centrals=("nowhere",)),
            "centrals name stations that are not in the district: nowhere",
        ),  # unknown id
        (ClusterParams(centrals=("shiao",)), "border stations cannot be centrals: shiao"),  # a border central
        (ClusterParams(adjacent_only=True), "adjacent_only needs jurisdiction polygons"),  # no polygons
    ],
)
def test_bad_cluster_requests_are_named(tiny: District, demo: District, params: ClusterParams, message: str) -> None:
    district = demo.replace(jurisdictions={}) if params.adjacent_only else demo
    with pytest.raises(InputError, match=message):
        cluster(district, params)


def test_balance_without_any_workload_is_refused(tiny: District) -> None:
    with pytest.raises(InputError, match="'incidents_per_year' is zero for every station"):
        cluster(tiny, ClusterParams(centrals=("zhuoshui",), balance=BalanceParams(mode="weighted")))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"min_bases": 3, "max_bases": 2}, "min_bases \\(3\\) exceeds max_bases \\(2\\)"),  # inverted range
        ({"centrals": ("a",), "n_centrals": 1}, "either centrals or n_centrals"),  # both
        ({"n_centrals": (5, 3)}, "low <= high"),  # inverted count
        ({"max_link_time": -5}, "field 'max_link_time'"),  # negative time
    ],
)
def test_inconsistent_parameters_are_refused(fields: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        ClusterParams(**fields)  # type: ignore[arg-type]


def test_adjacent_only_keeps_bases_in_touching_jurisdictions(demo: District) -> None:
    plan = cluster(demo, ClusterParams(adjacent_only=True))
    for c in plan.clusters:
        for base in c.bases:
            assert demo.jurisdictions[c.central].distance(demo.jurisdictions[base]) <= 1.0


def test_border_stations_may_join_as_bases(demo: District) -> None:
    plan = cluster(demo, ClusterParams(border=BorderParams(join=True)))
    joined = [g for g in plan.border if g.cluster is not None]
    assert joined
    assert all(plan.kinds[g.station] is StationKind.BORDER for g in joined)
    assert all(g.station in plan.cluster_of(g.station).bases for g in joined)  # type: ignore[union-attr]


def test_border_stations_can_come_from_touching_jurisdictions(demo: District) -> None:
    touching = cluster(demo, ClusterParams(border=BorderParams(distance=0, touching=True), max_link_time=3_600))
    assert touching.counts()["border"] > 6  # most outer jurisdictions touch the county line
