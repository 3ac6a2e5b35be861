"""The facility engine against published optima, and its bad-input checks."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from dispatch import InfeasibleError, InputError
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


def test_sjc1_reproduces_the_published_optimum() -> None:
    instance = read_sjc(ORLIB / "SJC1.dat")
    solution = capacitated_p_median(instance.costs, instance.p, instance.demand, instance.capacity)
    assert solution.status == "optimal"
    assert round(solution.objective, 2) == OPTIMA["SJC1"]


def _san_francisco() -> tuple[np.ndarray, np.ndarray, list[str]]:
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
    costs, weights, stores = _san_francisco()
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
