"""The hypercube model against textbook results, its approximation, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dispatch import InputError
from dispatch.evaluate.queueing import correction_factors, hypercube

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


@pytest.mark.parametrize("queue", ["loss", "infinite"])
def test_the_approximation_stays_within_a_few_per_cent_of_the_exact_model(queue: str) -> None:
    rng = np.random.default_rng(9)
    homes, atoms = rng.uniform(0, 10, (9, 2)), rng.uniform(0, 10, (80, 2))
    travel = np.linalg.norm(homes[:, None] - atoms[None], axis=2)
    rates = rng.uniform(0.1, 1.0, 80)
    rates *= 5.0 / rates.sum()
    exact = hypercube(rates, travel, mu=1.0, queue=queue, method="exact")  # type: ignore[arg-type]
    approx = hypercube(rates, travel, mu=1.0, queue=queue, method="approximate")  # type: ignore[arg-type]
    assert approx.workloads == pytest.approx(exact.workloads, rel=0.04)
    assert approx.mean_travel == pytest.approx(exact.mean_travel, rel=0.04)
    assert not approx.exact and exact.exact


def test_auto_switches_to_the_approximation_for_many_units() -> None:
    rng = np.random.default_rng(2)
    travel = rng.uniform(1, 10, (40, 50))
    result = hypercube(np.full(50, 0.4), travel, mu=1.0)
    assert not result.exact
    assert result.workloads.sum() == pytest.approx(20.0 * (1 - result.p_all_busy))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rates": [-1.0, 1.0]}, r"atoms \[0\] are not"),  # a negative rate
        ({"rates": [1.0]}, "one entry per atom"),  # wrong length
        ({"mu": 0.0}, "mu must be a positive service rate"),  # no service
        ({"travel": [[math.nan, 1.0], [1.0, 1.0]]}, "travel times must be finite"),  # NaN travel
        ({"preferences": [[0, 0], [1, 0]]}, "list every unit once"),  # a broken preference list
        ({"queue": "infinite", "rates": [2.0, 1.0]}, "queue grows without bound"),  # overloaded
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
