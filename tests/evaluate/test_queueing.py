"""The hypercube model against textbook results and a brute-force generator, Larson's
approximation against its own equations and the exact model, and bad input."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve

from dispatch import InputError
from dispatch.evaluate import _balance
from dispatch.evaluate.queueing import HypercubeConvergenceWarning, correction_factors, hypercube

# Larson & Odoni, Urban Operations Research, section 5.3.3: two units, loss system, mu = 1.
RATES = [45 / 56, 25 / 56]  # atom A prefers unit 1 then 2; atom B unit 2 then 1
TRAVEL = [[0.152778, 1.125], [1.041667, 0.325]]  # travel[unit][atom]


def test_the_two_unit_city_of_larson_and_odoni() -> None:
    result = hypercube(RATES, TRAVEL, mu=1.0, queue="loss", method="exact")
    assert result.workloads == pytest.approx([0.49010, 0.43773], abs=1e-5)
    assert result.mean_travel == pytest.approx(0.46246, abs=1e-5)
    assert result.p_all_busy == pytest.approx(0.257732, abs=1e-6)  # Erlang B(2, 1.25)


def test_two_units_one_demand_point() -> None:
    # Units at (0,0) and (5,0), calls at (1,0): lambda = mu = 1, loss system.
    result = hypercube([1.0], [[1.0], [4.0]], mu=1.0, method="exact")
    assert result.workloads == pytest.approx([0.5, 0.3])
    assert result.p_all_busy == pytest.approx(0.2)
    assert result.interdistrict == pytest.approx(0.3 / 0.8)  # unit 2 serves 0.3 of the 0.8 served


def test_correction_factors_match_the_textbook_example() -> None:
    # Urban Operations Research, section 5.5.3: N = 3, rho = 1/2 (infinite queue).
    assert correction_factors(3, 1.5, "infinite") == pytest.approx([1.0, 0.73684, 0.63158], abs=1e-5)


def erlang(n: int, offered: float, *, queue: bool) -> float:
    """Erlang B (loss) or C (delay) by the textbook formulas."""
    terms = [offered**k / math.factorial(k) for k in range(n)]
    last = offered**n / math.factorial(n)
    if queue:
        last /= 1 - offered / n
    return last / (sum(terms) + last)


@pytest.mark.parametrize("queue", ["loss", "infinite"])
def test_the_chance_all_units_are_busy_is_erlang_whatever_the_geography(queue: str) -> None:
    rng = np.random.default_rng(4)
    travel = rng.uniform(1, 10, (6, 30))
    rates = rng.uniform(0.1, 1.0, 30)
    rates *= 4.0 / rates.sum()
    result = hypercube(rates, travel, mu=1.0, queue=queue, method="exact")  # type: ignore[arg-type]
    assert result.p_all_busy == pytest.approx(erlang(6, 4.0, queue=queue == "infinite"), rel=1e-9)
    served = 4.0 * (1 - result.p_all_busy) if queue == "loss" else 4.0
    assert result.workloads.sum() == pytest.approx(served, rel=1e-9)
    if queue == "infinite":
        assert result.mean_wait == pytest.approx(result.p_all_busy / (6 - 4.0))


def erlang_b(n: int, offered: float) -> float:
    """Erlang B by its recursion."""
    blocked = 1.0
    for k in range(1, n + 1):
        blocked = offered * blocked / (k + offered * blocked)
    return blocked


def random_district(seed: int, n_units: int, *, atoms: int = 40, load: float = 0.4) -> tuple[np.ndarray, np.ndarray]:
    """Units and villages uniform in a square; each unit busy ``load`` of the time on average."""
    rng = np.random.default_rng(seed)
    homes, villages = rng.uniform(0, 10, (n_units, 2)), rng.uniform(0, 10, (atoms, 2))
    travel = np.linalg.norm(homes[:, None] - villages[None], axis=2)
    rates = rng.uniform(0.1, 1.0, atoms)
    return rates * load * n_units / rates.sum(), travel


def brute_force(rates: np.ndarray, order: np.ndarray, mu: float, queue: str) -> tuple[np.ndarray, np.ndarray]:
    """Workloads and dispatch shares from the generator written out state by state and
    solved directly: the model as it was before the matrix-free solver."""
    n_units = order.shape[1]
    size = 1 << n_units
    generator = sp.lil_matrix((size, size))
    first_free = {}
    for state, (atom, preference) in itertools.product(range(size), enumerate(order.tolist())):
        free = [unit for unit in preference if not state >> unit & 1]
        if free:
            first_free[state, atom] = free[0]
            generator[state, state | 1 << free[0]] += rates[atom]
    for state, unit in itertools.product(range(size), range(n_units)):
        if state >> unit & 1:
            generator[state, state ^ 1 << unit] += mu
    generator = generator.tocsr()
    generator -= sp.diags(np.asarray(generator.sum(axis=1)).ravel())
    system = generator.T.tolil()
    system[0, :] = 1.0  # replace one balance equation by the normalisation
    pi = spsolve(system.tocsc(), np.eye(1, size).ravel())
    if queue == "infinite":
        pi[-1] /= 1 - rates.sum() / (n_units * mu)
        pi /= pi.sum()
    dispatches = np.zeros((n_units, len(rates)))
    for (state, atom), unit in first_free.items():
        dispatches[unit, atom] += pi[state] * rates[atom]
    if queue == "infinite":
        dispatches += pi[-1] * rates[None, :] / n_units
    workloads = np.array([pi[[s for s in range(size) if s >> unit & 1]].sum() for unit in range(n_units)])
    return workloads, dispatches / dispatches.sum()


@pytest.mark.parametrize("queue", ["loss", "infinite"])
@pytest.mark.parametrize("n_units", [1, 3, 6, 9])
@pytest.mark.parametrize("blocks", ["default", "small"])
def test_the_matrix_free_model_matches_the_generator_written_out(
    queue: str, n_units: int, blocks: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if blocks == "small":  # run the butterflies in small blocks: within runs and across them, a column at a time
        monkeypatch.setattr(_balance, "LOW_BITS", 3)
        monkeypatch.setattr(_balance, "COLUMNS", 2)
        monkeypatch.setattr(_balance, "BLOCK", 2)
    rates, travel = random_district(n_units, n_units, atoms=12, load=0.6)
    rng = np.random.default_rng(n_units)
    preferences = np.array([rng.permutation(n_units) for _ in range(12)])  # any lists, not only nearest first
    result = hypercube(rates, travel, mu=2.0, queue=queue, method="exact", preferences=preferences)  # type: ignore[arg-type]
    workloads, dispatches = brute_force(rates, preferences, 2.0, queue)
    assert result.workloads == pytest.approx(workloads, abs=1e-10)
    assert result.dispatches == pytest.approx(dispatches, abs=1e-10)
    assert result.residual <= 1e-12


@pytest.mark.parametrize(("n_units", "offered"), [(3, 1.0), (6, 3.0), (12, 4.0), (12, 11.0)])
def test_ordered_hunting_gives_each_unit_the_calls_erlang_b_says(n_units: int, offered: float) -> None:
    # One stream trying units 1, 2, ... in turn: unit k carries a * (B(k-1, a) - B(k, a)).
    result = hypercube([offered], np.arange(1.0, n_units + 1)[:, None], mu=1.0, method="exact")
    expected = [offered * (erlang_b(k - 1, offered) - erlang_b(k, offered)) for k in range(1, n_units + 1)]
    assert result.workloads == pytest.approx(expected, abs=1e-10)
    assert result.p_all_busy == pytest.approx(erlang_b(n_units, offered), rel=1e-10)


def larson_residual(result_workloads: np.ndarray, rates: np.ndarray, travel: np.ndarray, queue: str) -> float:
    """How far workloads are from solving Larson's equations, written out term by term:
    rho_n = (V_n + q) / (1 + V_n), V_n the calls (in service times) of every atom that
    has unit n at rank k, times Q(k) and the workloads of the units before it."""
    n_units, n_atoms = travel.shape
    offered = rates.sum()
    factors = correction_factors(n_units, offered, queue)  # type: ignore[arg-type]
    p_all_busy = erlang(n_units, offered, queue=queue == "infinite")
    queued = p_all_busy * offered / n_units if queue == "infinite" else 0.0
    pull = np.zeros(n_units)
    for atom in range(n_atoms):
        preference = np.argsort(travel[:, atom], kind="stable")
        for rank, unit in enumerate(preference):
            pull[unit] += rates[atom] * factors[rank] * np.prod(result_workloads[preference[:rank]])
    return float(np.abs(result_workloads - (pull + queued) / (1 + pull)).max())


@pytest.mark.parametrize("queue", ["loss", "infinite"])
@pytest.mark.parametrize(("n_units", "load"), [(2, 0.3), (7, 0.5), (12, 0.8), (30, 0.6)])
def test_larsons_approximation_returns_the_fixed_point_of_his_equations(queue: str, n_units: int, load: float) -> None:
    rates, travel = random_district(n_units, n_units, atoms=50, load=load)
    result = hypercube(rates, travel, mu=1.0, queue=queue, method="approximate")  # type: ignore[arg-type]
    assert not result.exact
    assert larson_residual(result.workloads, rates, travel, queue) <= 1e-10
    assert result.residual <= 1e-12


@pytest.mark.parametrize("queue", ["loss", "infinite"])
def test_larsons_approximation_is_within_two_per_cent_on_average_but_not_for_every_unit(queue: str) -> None:
    """Larson's approximation against the exact model on 24 random districts of 3 to
    12 units and 60 to 120 villages, units busy 10 to 50 % of the time.

    What holds (and is asserted): the relative workload error averaged over units and
    districts is under 2 %, mean travel is within 3 % and every workload within 0.03
    of the exact one in every district. What does not hold is 2 % for every unit: the
    correction factors are exact for units picked at random (Urban Operations
    Research, section 5.5.1), and nearest-first lists are far from random, so a
    lightly loaded unit behind busy neighbours can be off by tens of per cent (see
    also ordered hunting in ``benchmarks/bench_hypercube.py``).
    """
    errors = []
    for seed in range(24):
        rng = np.random.default_rng(seed)
        n_units, atoms, load = int(rng.integers(3, 13)), int(rng.integers(60, 121)), float(rng.uniform(0.1, 0.5))
        rates, travel = random_district(seed, n_units, atoms=atoms, load=load)
        exact = hypercube(rates, travel, mu=1.0, queue=queue, method="exact")  # type: ignore[arg-type]
        approx = hypercube(rates, travel, mu=1.0, queue=queue, method="approximate")  # type: ignore[arg-type]
        assert approx.workloads == pytest.approx(exact.workloads, abs=0.03)
        assert approx.mean_travel == pytest.approx(exact.mean_travel, rel=0.03)
        errors.append(np.abs(approx.workloads / exact.workloads - 1))
    assert np.mean(np.concatenate(errors)) < 0.02
    assert np.max(np.concatenate(errors)) > 0.02  # the per-unit 2 % is out of reach (see above)


@pytest.mark.parametrize("method", ["exact", "approximate"])
def test_a_solver_stopped_at_its_iteration_limit_says_so(method: str) -> None:
    rates, travel = random_district(3, 8, load=0.5)
    with pytest.warns(HypercubeConvergenceWarning, match=r"did not converge in 1 iterations \(residual \d"):
        result = hypercube(rates, travel, mu=1.0, method=method, max_iterations=1)  # type: ignore[arg-type]
    assert result.iterations == 1
    assert result.residual > 1e-12


def test_auto_solves_the_exact_model_up_to_twenty_units_and_approximates_beyond() -> None:
    rates, travel = random_district(1, 12)
    assert hypercube(rates, travel, mu=1.0).exact
    rng = np.random.default_rng(2)
    result = hypercube(np.full(50, 0.4), rng.uniform(1, 10, (21, 50)), mu=1.0)
    assert not result.exact
    assert result.residual <= 1e-12


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rates": [-1.0, 1.0]}, r"atoms \[0\] are not"),  # a negative rate
        ({"rates": [1.0]}, "one entry per atom"),  # wrong length
        ({"mu": 0.0}, "mu must be a positive service rate"),  # no service
        ({"travel": [[math.nan, 1.0], [1.0, 1.0]]}, "travel times must be finite"),  # NaN travel
        ({"preferences": [[0, 0], [1, 0]]}, "list every unit once"),  # a broken preference list
        ({"queue": "infinite", "rates": [2.0, 1.0]}, "queue grows without bound"),  # overloaded
        ({"queue": "infinte"}, r"queue must be one of 'infinite', 'loss'; got 'infinte'"),  # misspelt queue
        ({"method": "exakt"}, r"method must be one of 'exact', 'approximate', 'auto'; got 'exakt'"),  # misspelt method
        ({"method": None}, r"method must be one of .*; got None"),  # no method
        ({"max_iterations": 0}, r"max_iterations must be a whole number >= 1, got 0"),  # no iterations
        ({"max_iterations": 2.5}, r"max_iterations must be a whole number >= 1, got 2.5"),  # a fraction
        ({"travel": np.zeros((0, 2))}, "at least one unit"),  # no units
    ],
)
def test_bad_input_is_named(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"rates": RATES, "travel": TRAVEL, "mu": 1.0} | kwargs
    with pytest.raises(InputError, match=message):
        hypercube(**arguments)  # type: ignore[arg-type]


def test_an_exact_model_too_big_for_memory_suggests_the_approximation() -> None:
    travel = np.ones((30, 3))
    with pytest.raises(InputError, match=r"2\*\*30 states .* use method='approximate'"):
        hypercube([0.1, 0.1, 0.1], travel, mu=1.0, method="exact")


def test_correction_factors_refuse_a_misspelt_queue() -> None:
    with pytest.raises(InputError, match=r"queue must be one of 'infinite', 'loss'; got 'los'"):
        correction_factors(3, 1.5, "los")  # type: ignore[arg-type]
