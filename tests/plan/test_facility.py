"""The facility engine against published optima, and its bad-input checks."""

from __future__ import annotations

import csv
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest

from dispatch import InfeasibleError, InputError, Progress
from dispatch.datasets.orlib import read_pmed, read_pmedcap, read_sjc
from dispatch.plan import SolveParams, capacitated_p_median, p_median
from dispatch.plan.facility import Assignment, solve_assignment

from ..conftest import DATA

ORLIB = DATA / "orlib"
OPTIMA = json.loads((ORLIB / "optima.json").read_text())


@pytest.mark.parametrize("name", ["pmed1", "pmed2", "pmed3", "pmed4", "pmed5"])
def test_p_median_reproduces_the_or_library_optimum(name: str) -> None:
    instance = read_pmed(ORLIB / f"{name}.txt")
    solution = p_median(instance.costs, instance.p)
    assert solution.status == "optimal"
    assert solution.objective == OPTIMA[name]
    assert len(solution.sites) == instance.p
    # Every client goes to its nearest open site.
    nearest = instance.costs[:, solution.sites].min(axis=1)
    assert np.array_equal(instance.costs[np.arange(len(nearest)), solution.assignment], nearest)


def test_the_pmed_reader_keeps_the_last_cost_of_a_repeated_edge(tmp_path: Path) -> None:
    # Edge 1-2 is listed twice: first at 5, then at 9. Through vertex 3 it costs 10.
    path = tmp_path / "tiny.txt"
    path.write_text("3 4 1\n1 2 5\n2 3 5\n1 3 5\n1 2 9\n")
    instance = read_pmed(path)
    assert instance.costs[0, 1] == instance.costs[1, 0] == 9.0
    assert instance.costs.shape == (3, 3) and instance.p == 1


def test_the_pmed_reader_keeps_edges_of_zero_cost(tmp_path: Path) -> None:
    # A dense matrix would read 0 as "no edge" and call this graph disconnected.
    path = tmp_path / "zero.txt"
    path.write_text("3 2 1\n1 2 0\n2 3 4\n")
    assert read_pmed(path).costs.tolist() == [[0.0, 0.0, 4.0], [0.0, 0.0, 4.0], [4.0, 4.0, 0.0]]


@pytest.mark.parametrize("name", ["pmedcap01", "pmedcap02", "pmedcap03", "pmedcap04", "pmedcap05"])
def test_capacitated_p_median_reproduces_the_published_optimum(name: str) -> None:
    instance = read_pmedcap(ORLIB / f"{name}.txt")
    solution = capacitated_p_median(instance.costs, instance.p, instance.demand, instance.capacity)
    assert solution.status == "optimal"
    assert solution.objective == instance.optimum
    served = np.bincount(solution.assignment, weights=instance.demand, minlength=len(instance.demand))
    assert (served <= instance.capacity).all()
    assert np.array_equal(solution.assignment[solution.sites], solution.sites)  # a median serves itself


@pytest.mark.slow  # about 30 s of HiGHS
def test_sjc1_reproduces_the_published_optimum() -> None:
    instance = read_sjc(ORLIB / "SJC1.dat")
    solution = capacitated_p_median(instance.costs, instance.p, instance.demand, instance.capacity)
    assert solution.status == "optimal"
    assert round(solution.objective, 2) == OPTIMA["SJC1"]


def san_francisco() -> tuple[np.ndarray, np.ndarray, list[str]]:
    folder = DATA / "spopt_sf"
    with (folder / "SF_demand_205_centroid_uniform_weight.csv").open() as f:
        tracts = {row["NAME"]: float(row["POP2000"]) for row in csv.DictReader(f)}
    with (folder / "SF_network_distance_candidateStore_16_censusTract_205_new.csv").open() as f:
        rows = list(csv.DictReader(f))
    stores = sorted({r["name"] for r in rows}, key=lambda s: int(s.split("_")[1]))
    names = sorted(tracts)
    costs = np.full((len(names), len(stores)), math.inf)
    index = {n: i for i, n in enumerate(names)}
    for r in rows:
        costs[index[r["DestinationName"]], stores.index(r["name"])] = float(r["distance"])
    return costs, np.array([tracts[n] for n in names]), stores


def test_the_spopt_san_francisco_case_gives_its_published_mean() -> None:
    costs, weights, stores = san_francisco()
    solution = p_median(costs, 4, weights=weights)
    assert solution.status == "optimal"
    assert [stores[j] for j in solution.sites] == ["Store_2", "Store_11", "Store_12", "Store_15"]
    assert solution.objective / weights.sum() == pytest.approx(2982.1268579890657, rel=1e-12)


def test_cp_sat_and_highs_agree_on_a_p_median() -> None:
    instance = read_pmed(ORLIB / "pmed4.txt")
    ours = [p_median(instance.costs, instance.p, options=SolveParams(solver=s)).objective for s in ("cp-sat", "highs")]
    assert ours == [OPTIMA["pmed4"]] * 2


def test_same_seed_same_solution() -> None:
    instance = read_pmedcap(ORLIB / "pmedcap02.txt")
    runs = [
        capacitated_p_median(
            instance.costs, instance.p, instance.demand, instance.capacity, options=SolveParams(seed=3)
        )
        for _ in range(2)
    ]
    assert np.array_equal(runs[0].assignment, runs[1].assignment)


def test_min_cost_flow_and_the_mip_agree_on_fixed_sites() -> None:
    rng = np.random.default_rng(5)
    costs = rng.integers(1, 100, (12, 3)).astype(float)
    client, site = np.nonzero(np.ones_like(costs, dtype=bool))
    base = {"n_clients": 12, "n_sites": 3, "client": client, "site": site, "cost": costs[client, site]}
    base |= {"p": (3, 3), "count": (2, 5)}
    by_flow = solve_assignment(Assignment(**base, open_sites=np.arange(3)), SolveParams())
    by_mip = solve_assignment(Assignment(**base), SolveParams())
    assert by_flow.solver == "min-cost-flow"
    assert by_flow.objective == by_mip.objective


@pytest.mark.parametrize(
    ("costs", "p", "error", "message"),
    [
        ([[0.0, math.nan], [1.0, 0.0]], 1, InputError, r"client 0, site 1: nan"),  # NaN cost
        ([[0.0, -1.0], [1.0, 0.0]], 1, InputError, r"client 0, site 1: -1.0"),  # negative cost
        (
            [[math.inf, math.inf], [1.0, 0.0]],
            1,
            InfeasibleError,
            "clients with no allowed site",
        ),  # unreachable client
        ([[0.0, 1.0], [1.0, 0.0]], 3, InfeasibleError, "there are 2 candidate sites"),  # p too large
        ([1.0, 2.0], 1, InputError, "clients x sites matrix"),  # not a matrix
    ],
)
def test_bad_p_median_input_is_named(costs: object, p: int, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        p_median(costs, p)  # type: ignore[arg-type]


def test_capacitated_input_that_cannot_fit_is_named() -> None:
    costs = np.zeros((3, 3))
    with pytest.raises(InfeasibleError, match="demand exceeds every capacity: 2"):
        capacitated_p_median(costs, 1, [1, 1, 9], [5, 5, 5])
    with pytest.raises(InfeasibleError, match="largest capacities hold less than the total demand"):
        capacitated_p_median(costs, 1, [3, 3, 3], [5, 5, 5])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3 1\n1 2 5\n", "line 1 must be 'n m p'"),  # short header
        ("2 2 1\n1 2 5\n", "2 lines 'i j cost'"),  # missing edge line
        ("2 1 1\n1 x 5\n", "line 2: expected numbers"),  # not a number
        ("3 1 1\n1 2 5\n", "must be connected"),  # vertex 3 unreachable
    ],
)
def test_malformed_pmed_files_are_named(tmp_path: object, text: str, message: str) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "bad.txt"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_pmed(path)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("fixed", [(), (3,)])
def test_p_median_agrees_with_brute_force(seed: int, fixed: tuple[int, ...]) -> None:
    rng = np.random.default_rng(seed)
    costs = rng.integers(0, 40, (9, 7)).astype(float)
    costs[rng.random(costs.shape) < 0.15] = math.inf  # forbidden pairs
    costs[:, 0] = rng.integers(0, 40, 9)  # every client keeps an allowed site
    weights = rng.integers(1, 6, 9).astype(float)
    best = min(
        weights @ costs[:, list(sites)].min(axis=1)
        for sites in itertools.combinations(range(7), 3)
        if set(fixed) <= set(sites)
    )
    solution = p_median(costs, 3, weights=weights, fixed=list(fixed) or None)
    assert (solution.objective, solution.status) == (best, "optimal")
    assert set(fixed) <= set(solution.sites.tolist())


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("fixed", [(), (4,)])
def test_capacitated_p_median_agrees_with_brute_force(seed: int, fixed: tuple[int, ...]) -> None:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, (7, 2))
    costs = np.floor(np.linalg.norm(xy[:, None] - xy[None], axis=2))
    demand = rng.integers(1, 6, 7).astype(float)
    capacity = np.full(7, np.ceil(demand.sum() / 2 * 1.2))
    best = math.inf
    for medians in itertools.combinations(range(7), 2):
        if not set(fixed) <= set(medians):
            continue
        for assignment in itertools.product(medians, repeat=7):
            load = np.bincount(assignment, weights=demand, minlength=7)
            if all(assignment[m] == m for m in medians) and (load <= capacity).all():
                best = min(best, costs[np.arange(7), list(assignment)].sum())
    solution = capacitated_p_median(costs, 2, demand, capacity, fixed=list(fixed) or None)
    assert (solution.objective, solution.status) == (best, "optimal")


def test_a_time_limit_returns_the_best_solution_found_with_its_bound() -> None:
    # Far too little time to prove anything: a feasible answer comes back all the same.
    instance = read_pmed(ORLIB / "pmed9.txt")
    solution = p_median(instance.costs, instance.p, options=SolveParams(time_limit=0.01))
    assert len(solution.sites) == instance.p and solution.bound <= OPTIMA["pmed9"] <= solution.objective
    cap = read_pmedcap(ORLIB / "pmedcap08.txt")
    solution = capacitated_p_median(cap.costs, cap.p, cap.demand, cap.capacity, options=SolveParams(time_limit=0.01))
    assert solution.status in ("optimal", "feasible") and solution.bound <= cap.optimum <= solution.objective
    served = np.bincount(solution.assignment, weights=cap.demand, minlength=len(cap.demand))
    assert (served <= cap.capacity).all()


@pytest.mark.parametrize("solver", ["cp-sat", "highs"])
def test_long_solves_report_their_best_objective_and_bound(solver: str) -> None:
    heard: list[Progress] = []
    instance = read_pmed(ORLIB / "pmed2.txt")
    solution = p_median(instance.costs, instance.p, options=SolveParams(solver=solver), on_progress=heard.append)
    assert heard and all(p.task == "p-median" and "best" in p.detail and "bound" in p.detail for p in heard)
    assert heard[-1].detail.startswith(f"best {solution.objective:,.6g}, bound {solution.bound:,.6g}")
    heard.clear()
    cap = read_pmedcap(ORLIB / "pmedcap01.txt")
    capacitated_p_median(cap.costs, cap.p, cap.demand, cap.capacity, on_progress=heard.append)
    assert len(heard) >= 2 and heard[-1].detail.startswith("best 713, bound 713")


SQUARE = np.zeros((3, 3))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: capacitated_p_median(SQUARE, 1, [1, 1, 1], [5, -1, 5]),
            InputError,
            "site 1: -1.0",
        ),  # negative capacity
        (
            lambda: capacitated_p_median(SQUARE, 1, [1, 1, 1], [5, math.nan, 5]),
            InputError,
            "site 1: nan",
        ),  # NaN capacity
        (lambda: capacitated_p_median(SQUARE, 1, [1, math.nan, 1], 5), InputError, "demand must be 3"),  # NaN demand
        (lambda: capacitated_p_median(np.zeros((3, 2)), 1, [1, 1, 1], 5), InputError, "must be square"),  # not square
        (lambda: capacitated_p_median(SQUARE, 1, [1, 1, 1], [5, 5]), InputError, "3 capacities"),  # capacities short
        (lambda: p_median(SQUARE, 1, fixed=[5]), InputError, "fixed names sites that do not exist"),  # unknown site
        (lambda: p_median(SQUARE, 2, fixed=[0.5]), InputError, "fixed must be a list of site indices"),  # not an index
        (lambda: p_median(SQUARE, 1, fixed=[0, 1]), InfeasibleError, "2 fixed sites are more than the p = 1"),
        (lambda: p_median(SQUARE, 1, weights=[1, 1, -2]), InputError, "weights must be 3 numbers from 0 to"),
    ],
)
def test_bad_facility_options_are_named(call: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()  # type: ignore[operator]
