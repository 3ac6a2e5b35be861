"""Coverage and centre models against spopt's published case, Pullan's p-center
optima and brute force on small instances, and their bad-input checks."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from dispatch import InfeasibleError, InputError
from dispatch.datasets.orlib import read_pmed
from dispatch.plan import SolveParams, lscp, mclp, mexclp, p_center

from ..conftest import DATA
from .test_facility import san_francisco

# Pullan (2008), vertex p-center optima of OR-Library pmed1-10, all proven.
P_CENTER_OPTIMA = {1: 127, 2: 98, 3: 93, 4: 74, 5: 48, 6: 84, 7: 64, 8: 55, 9: 37, 10: 20}


def test_the_spopt_san_francisco_mclp_covers_its_published_share() -> None:
    # spopt's perc_cov counts covered tracts (not weight): 184 of 205.
    costs, weights, _ = san_francisco()
    solution = mclp(costs, 4, 5_000, weights=weights)
    assert solution.status == "optimal"
    assert solution.coverage * 100 == pytest.approx(89.75609756097561, rel=1e-12)
    assert solution.objective == weights[(costs[:, solution.sites] <= 5_000).any(axis=1)].sum()


@pytest.mark.parametrize("number", sorted(P_CENTER_OPTIMA))
def test_p_center_reproduces_pullans_optima_on_or_library_graphs(number: int) -> None:
    # The optima hold with the reader's convention: a repeated edge keeps its last cost.
    instance = read_pmed(DATA / "orlib" / f"pmed{number}.txt")
    solution = p_center(instance.costs, instance.p)
    assert (solution.objective, solution.bound, solution.status) == (P_CENTER_OPTIMA[number],) * 2 + ("optimal",)
    assert len(solution.sites) <= instance.p
    assert instance.costs[np.arange(len(instance.costs)), solution.assignment].max() == solution.objective


def _instance(seed: int, n_clients: int = 7, n_sites: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    rng = np.random.default_rng(seed)
    costs = rng.integers(1, 30, (n_clients, n_sites)).astype(float)
    demand = rng.integers(1, 5, n_clients).astype(float)
    capacity = rng.integers(5, 12, n_sites).astype(float)
    return costs, demand, capacity, float(np.quantile(costs, 0.4))


def _assignments(
    costs: np.ndarray, sites: tuple[int, ...], demand: np.ndarray, capacity: np.ndarray, radius: float, partial: bool
):
    """Every single-source assignment to ``sites`` within reach and capacity
    (``-1``: uncovered, when ``partial``)."""
    choices = [[j for j in sites if costs[i, j] <= radius] + ([-1] if partial else []) for i in range(len(costs))]
    for assignment in itertools.product(*choices):
        load = np.zeros(costs.shape[1])
        for i, j in enumerate(assignment):
            if j >= 0:
                load[j] += demand[i]
        if (load <= capacity + 1e-9).all():
            yield np.array(assignment)


def _subsets(n_sites: int, size: int, fixed: tuple[int, ...]):
    for sites in itertools.combinations(range(n_sites), size):
        if set(fixed) <= set(sites):
            yield sites


CASES = [(seed, capacitated, fixed) for seed in range(3) for capacitated in (False, True) for fixed in ((), (2,))]


@pytest.mark.parametrize(("seed", "capacitated", "fixed"), CASES)
def test_lscp_agrees_with_brute_force(seed: int, capacitated: bool, fixed: tuple[int, ...]) -> None:
    costs, demand, capacity, radius = _instance(seed)
    radius = max(radius, costs.min(axis=1).max())
    caps = capacity if capacitated else np.full(costs.shape[1], np.inf)
    best = min(
        (
            size
            for size in range(1, costs.shape[1] + 1)
            for sites in _subsets(costs.shape[1], size, fixed)
            if next(_assignments(costs, sites, demand, caps, radius, False), None) is not None
        ),
        default=None,
    )
    options = {"demand": demand, "capacity": capacity} if capacitated else {}
    if best is None:  # even every site open cannot hold the demand in reach
        with pytest.raises(InfeasibleError, match="capacit"):
            lscp(costs, radius, fixed=list(fixed) or None, **options)
        return
    solution = lscp(costs, radius, fixed=list(fixed) or None, **options)
    assert (solution.objective, solution.status) == (best, "optimal")
    assert solution.covered.all() and set(fixed) <= set(solution.sites.tolist())
    assert (costs[np.arange(len(costs)), solution.assignment] <= radius).all()
    if capacitated:
        assert (np.bincount(solution.assignment, weights=demand, minlength=len(capacity)) <= capacity).all()


@pytest.mark.parametrize(("seed", "capacitated", "fixed"), CASES)
def test_mclp_agrees_with_brute_force(seed: int, capacitated: bool, fixed: tuple[int, ...]) -> None:
    costs, demand, capacity, radius = _instance(seed)
    weights = demand * 3 + 1
    caps = capacity if capacitated else np.full(costs.shape[1], np.inf)
    best = max(
        weights[assignment >= 0].sum()
        for sites in _subsets(costs.shape[1], 2, fixed)
        for assignment in _assignments(costs, sites, demand, caps, radius, True)
    )
    options = {"demand": demand, "capacity": capacity} if capacitated else {}
    solution = mclp(costs, 2, radius, weights, fixed=list(fixed) or None, **options)
    assert (solution.objective, solution.status) == (best, "optimal")
    assert weights[solution.covered].sum() == best


@pytest.mark.parametrize(("seed", "capacitated", "fixed"), CASES)
def test_p_center_agrees_with_brute_force(seed: int, capacitated: bool, fixed: tuple[int, ...]) -> None:
    costs, demand, capacity, _ = _instance(seed)
    caps = capacity if capacitated else np.full(costs.shape[1], np.inf)
    rows = np.arange(len(costs))
    best = min(
        costs[rows, assignment].max()
        for sites in _subsets(costs.shape[1], 3, fixed)
        for assignment in _assignments(costs, sites, demand, caps, np.inf, False)
    )
    options = {"demand": demand, "capacity": capacity} if capacitated else {}
    solution = p_center(costs, 3, fixed=list(fixed) or None, **options)
    assert (solution.objective, solution.status) == (best, "optimal")


def _expected(costs: np.ndarray, counts: np.ndarray, radius: float, busy: float, weights: np.ndarray) -> float:
    return float(weights @ (1 - busy ** ((costs <= radius).astype(int) @ counts)))


@pytest.mark.parametrize(("seed", "capacitated", "fixed"), CASES)
def test_mexclp_agrees_with_brute_force(seed: int, capacitated: bool, fixed: tuple[int, ...]) -> None:
    costs, demand, _, radius = _instance(seed, n_sites=4)
    units, busy = 4, 0.3
    most = np.array([2, 1, 3, 2]) if capacitated else np.full(4, units)
    least = np.zeros(4, dtype=int)
    least[list(fixed)] = 1
    best = max(
        _expected(costs, np.array(counts), radius, busy, demand)
        for counts in itertools.product(*(range(lo, hi + 1) for lo, hi in zip(least, most)))
        if sum(counts) == units
    )
    solution = mexclp(
        costs, units, radius, busy, demand, capacity=most if capacitated else None, fixed=least if fixed else None
    )
    assert solution.objective == pytest.approx(best, rel=1e-9) and solution.status == "optimal"
    counts = np.zeros(4, dtype=int)
    counts[solution.sites] = solution.units
    assert counts.sum() == units and (counts <= most).all() and (counts >= least).all()


def test_cp_sat_and_highs_agree_on_every_coverage_model() -> None:
    costs, demand, _, radius = _instance(7, n_clients=12, n_sites=6)
    radius = max(radius, costs.min(axis=1).max())
    for model in (
        lambda o: lscp(costs, radius, options=o),
        lambda o: mclp(costs, 2, radius, demand, options=o),
        lambda o: p_center(costs, 2, options=o),
        lambda o: mexclp(costs, 3, radius, 0.4, demand, options=o),
    ):
        results = [model(SolveParams(solver=s)) for s in ("cp-sat", "highs")]
        assert results[0].objective == pytest.approx(results[1].objective, rel=1e-9)


def test_same_seed_same_coverage_solution() -> None:
    instance = read_pmed(DATA / "orlib" / "pmed2.txt")
    runs = [mclp(instance.costs, 5, 30, options=SolveParams(seed=4)) for _ in range(2)]
    assert np.array_equal(runs[0].sites, runs[1].sites) and np.array_equal(runs[0].assignment, runs[1].assignment)


def test_a_coverage_solution_reports_itself() -> None:
    solution = mexclp([[0, 5], [5, 0], [9, 0]], 3, 5, 0.5)
    assert solution.to_dict()["units"] == solution.units.tolist()
    assert "clients covered" in solution.summary()
    assert solution.table().rows[0][1] == solution.units[0]


COSTS = [[0.0, 4.0], [4.0, 0.0], [9.0, 8.0]]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: lscp(COSTS, 5), InfeasibleError, r"client 2: nearest site 1 at 8"),  # a client out of reach
        (lambda: lscp(COSTS, -1), InputError, "radius must be a finite number >= 0"),  # negative radius
        (lambda: mclp(COSTS, 1, math.nan), InputError, "radius must be"),  # NaN radius
        (lambda: mclp(COSTS, 1, math.inf), InputError, "radius must be"),  # infinite radius
        (lambda: mclp(COSTS, 3, 5), InfeasibleError, "there are 2 candidate sites"),  # p above the sites
        (lambda: p_center(COSTS, 0), InfeasibleError, "p = 0 sites cannot be opened"),  # p below 1
        (lambda: mclp([[0.0, math.nan]], 1, 5), InputError, "client 0, site 1: nan"),  # NaN cost
        (lambda: p_center([[0.0, -math.inf]], 1), InputError, "client 0, site 1: -inf"),  # -inf cost
        (lambda: mclp(COSTS, 1, 5, [1, -1, 1]), InputError, "weights must be 3 numbers from 0 to"),  # negative weight
        (lambda: mclp(COSTS, 1, 5, [1, math.inf, 1]), InputError, "weights must be"),  # infinite weight
        (lambda: mclp(COSTS, 1, 5, [1, 1]), InputError, "weights must be 3"),  # weights of the wrong length
        (lambda: mexclp(COSTS, 2, 5, 1.0), InputError, r"busy must be a fraction in \[0, 1\)"),  # busy of 1
        (lambda: mexclp(COSTS, 2, 5, -0.1), InputError, "busy must be"),  # negative busy
        (lambda: mexclp(COSTS, 2, 5, math.nan), InputError, "busy must be"),  # NaN busy
        (lambda: mexclp(COSTS, 0, 5, 0.5), InputError, "units must be a whole number >= 1"),  # no units
        (lambda: mexclp(COSTS, 2, 5, 0.5, capacity=[1, 0]), InfeasibleError, "at most 1 units"),  # too little room
        (lambda: mexclp(COSTS, 2, 5, 0.5, capacity=[1.5, 2]), InputError, "site 0: 1.5"),  # fractional capacity
        (lambda: mexclp(COSTS, 2, 5, 0.5, fixed=[3, 0]), InputError, "site 0: 3 > 2"),  # fixed above capacity
        (lambda: mexclp(COSTS, 1, 5, 0.5, fixed=[1, 1]), InfeasibleError, "2 units are fixed"),  # fixed above units
        (lambda: mclp(COSTS, 1, 5, fixed=[2]), InputError, "fixed names sites that do not exist"),  # unknown site
        (lambda: mclp(COSTS, 1, 5, fixed=[0, 1]), InfeasibleError, "2 fixed sites are more than the p = 1"),
        (lambda: mclp(COSTS, 2, 5, fixed=[0, 0]), InputError, "fixed names a site twice"),  # a repeated site
        (lambda: lscp(COSTS, 9, capacity=[1, -1]), InputError, "site 1: -1.0"),  # negative capacity
        (lambda: lscp(COSTS, 9, demand=[1, 1, 5], capacity=2), InfeasibleError, "demand exceeds every capacity: 2"),
        (lambda: p_center(COSTS, 1, capacity=[2, 2]), InfeasibleError, "largest capacities hold less"),
    ],
)
def test_bad_coverage_input_is_named(call: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()  # type: ignore[operator]
