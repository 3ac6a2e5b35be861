"""The hypercube queueing model (Larson 1974): the analytic twin of the simulator.

Calls arrive at atoms (villages) as Poisson streams; each atom has a fixed
preference list of units and gets the most preferred free one; every unit works
an exponential time of mean ``1 / mu`` per call and waits at its home when free.
When every unit is busy a call is lost (``queue="loss"``) or waits first come
first served for the next unit to finish (``queue="infinite"``).

The exact model solves the balance equations of all ``2**N`` busy/free states (a
sparse linear solve); Larson's 1975 approximation solves ``N`` equations with
correction factors for any ``N``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from ..district import District
from ..errors import InputError, SolverError
from ..operate.travel import TravelTables
from .demand import SECONDS_PER_YEAR
from .metrics import Queue

__all__ = ["HypercubeResult", "correction_factors", "district_hypercube", "hypercube"]

MEMORY_LIMIT = 2e9
"""Bytes the exact model may use before :func:`hypercube` refuses it."""


@dataclass(frozen=True)
class HypercubeResult:
    """What the hypercube model gives.

    ``workloads[n]`` is the share of time unit ``n`` is busy; ``dispatches[n, j]``
    the share of all served calls that send unit ``n`` to atom ``j``;
    ``atom_travel[j]`` the mean travel time to atom ``j``'s calls;
    ``interdistrict`` the share of calls not served by their atom's first choice;
    ``p_all_busy`` the probability that every unit is busy, which is the share of
    calls lost (loss system) or queued (infinite queue); ``mean_wait`` the mean queue
    wait of all calls (infinite queue; 0 for a loss system).
    """

    workloads: NDArray[np.float64]
    dispatches: NDArray[np.float64]
    atom_travel: NDArray[np.float64]
    mean_travel: float
    interdistrict: float
    p_all_busy: float
    mean_wait: float
    queue: Queue
    exact: bool
    solve_time: float

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "workloads": self.workloads.tolist(),
            "mean_travel": self.mean_travel,
            "interdistrict": self.interdistrict,
            "p_all_busy": self.p_all_busy,
            "mean_wait": self.mean_wait,
            "queue": self.queue,
            "exact": self.exact,
            "solve_time": self.solve_time,
        }


def _busy_distribution(offered: float, n: int, queue: Queue) -> NDArray[np.float64]:
    """P(k units busy), k = 0..n, of the M/M/n system (all ``n`` busy includes
    every queue length for the infinite queue)."""
    k = np.arange(n + 1)
    log_terms = k * math.log(offered) - np.array([math.lgamma(i + 1) for i in k]) if offered > 0 else None
    if log_terms is None:
        p = np.zeros(n + 1)
        p[0] = 1.0
        return p
    if queue == "infinite":
        log_terms[n] -= math.log(1.0 - offered / n)
    p = np.exp(log_terms - log_terms.max())
    return np.asarray(p / p.sum())


def correction_factors(n: int, offered: float, queue: Queue) -> NDArray[np.float64]:
    """Larson's correction factors ``Q(N, rho, j)`` for ``j = 0 .. N-1``.

    ``Q * rho**j * (1 - rho)`` is the exact probability, in the symmetric M/M/N
    system, that ``j`` given units are busy and a given other one is free (``rho``
    is the mean unit utilisation). ``offered`` is ``lambda / mu``.
    """
    p = _busy_distribution(offered, n, queue)
    rho = _utilisation(offered, n, p, queue)
    factors = np.zeros(n)
    for j in range(n):
        ks = np.arange(j, n)
        share = np.array([math.comb(n - j - 1, k - j) / math.comb(n, k) for k in ks])
        factors[j] = float((p[ks] * share).sum()) / (rho**j * (1.0 - rho))
    return factors


def _utilisation(offered: float, n: int, p: NDArray[np.float64], queue: Queue) -> float:
    return offered / n if queue == "infinite" else offered * (1.0 - float(p[n])) / n


def hypercube(
    rates: ArrayLike,
    travel: ArrayLike,
    *,
    mu: float,
    queue: Queue = "loss",
    method: Literal["exact", "approximate", "auto"] = "auto",
    preferences: ArrayLike | None = None,
    memory_limit: float = MEMORY_LIMIT,
) -> HypercubeResult:
    """Solve the hypercube model.

    Parameters
    ----------
    rates
        Call rate of each atom (calls per unit of time, the same unit as ``mu``).
    travel
        ``travel[n, j]``: travel time of unit ``n`` from its home to atom ``j``.
    mu
        Service rate of every unit (``1 / mean service time``).
    queue
        ``"loss"`` (zero queue) or ``"infinite"``.
    method
        ``"exact"``, ``"approximate"`` (Larson 1975), or ``"auto"``: exact when it
        fits ``memory_limit`` and ``N <= 15``, else approximate.
    preferences
        ``preferences[j]``: unit order for atom ``j``; by default nearest first
        (ties to the lower unit number).
    """
    start = time.perf_counter()
    rates = np.asarray(rates, dtype=np.float64)
    travel = np.atleast_2d(np.asarray(travel, dtype=np.float64))
    n_units, n_atoms = travel.shape
    if rates.shape != (n_atoms,):
        raise InputError(f"rates must have one entry per atom ({n_atoms}), got shape {rates.shape}")
    if not (np.isfinite(rates).all() and (rates >= 0).all()):
        bad = np.flatnonzero(~np.isfinite(rates) | (rates < 0))
        raise InputError(f"atom rates must be finite and >= 0; atoms {bad.tolist()} are not")
    if not (math.isfinite(mu) and mu > 0):
        raise InputError(f"mu must be a positive service rate, got {mu}")
    if not np.isfinite(travel).all() or (travel < 0).any():
        raise InputError("travel times must be finite and >= 0 (every unit must reach every atom)")
    order = (
        np.argsort(travel, axis=0, kind="stable").T if preferences is None else np.asarray(preferences, dtype=np.int64)
    )
    if order.shape != (n_atoms, n_units) or not all(sorted(row) == list(range(n_units)) for row in order.tolist()):
        raise InputError("preferences must list every unit once for each atom")
    offered = float(rates.sum()) / mu
    if queue == "infinite" and offered >= n_units:
        raise InputError(
            f"offered load {offered:.3g} >= {n_units} units: the queue grows without bound; "
            "use queue='loss' or add units"
        )
    memory = _exact_memory(n_units)
    if method == "exact" and memory > memory_limit:
        raise InputError(
            f"the exact model of {n_units} units has 2**{n_units} states and needs about {memory / 1e9:.1f} GB "
            f"(limit {memory_limit / 1e9:.1f} GB); use method='approximate' (Larson 1975) instead"
        )
    exact = method == "exact" or (method == "auto" and n_units <= 15 and memory <= memory_limit)
    if exact:
        dispatches, p_all_busy = _exact(rates, order, mu, queue, n_units)
    else:
        dispatches, p_all_busy = _approximate(rates, order, mu, queue, n_units)
    served_rate = rates.sum() * (1.0 - p_all_busy) if queue == "loss" else rates.sum()
    workloads = dispatches.sum(axis=1) * served_rate / mu
    calls = dispatches.sum(axis=0)
    atom_travel = np.divide((dispatches * travel).sum(axis=0), calls, out=np.full(n_atoms, np.nan), where=calls > 0)
    first = order[:, 0]
    interdistrict = 1.0 - float(dispatches[first, np.arange(n_atoms)].sum())
    wait = p_all_busy / (n_units * mu - rates.sum()) if queue == "infinite" else 0.0
    return HypercubeResult(
        workloads=workloads,
        dispatches=dispatches,
        atom_travel=atom_travel,
        mean_travel=float((dispatches * travel).sum()),
        interdistrict=interdistrict,
        p_all_busy=p_all_busy,
        mean_wait=wait,
        queue=queue,
        exact=exact,
        solve_time=time.perf_counter() - start,
    )


def _exact_memory(n_units: int) -> float:
    """Bytes of the exact model's sparse generator and solver vectors, roughly."""
    return float(2**n_units) * (2 * n_units * 16 + 30 * 8)


def _first_free(order: NDArray[np.int64], states: NDArray[np.int64]) -> NDArray[np.int64]:
    """For each state, the first free unit of the preference list (``-1`` if none)."""
    assigned = np.full(len(states), -1, dtype=np.int64)
    for unit in order[::-1].tolist():
        assigned[((states >> unit) & 1) == 0] = unit
    return assigned


def _exact(
    rates: NDArray[np.float64], order: NDArray[np.int64], mu: float, queue: Queue, n_units: int
) -> tuple[NDArray[np.float64], float]:
    from scipy.sparse.linalg import LinearOperator, bicgstab, gmres

    size = 1 << n_units
    states = np.arange(size, dtype=np.int64)
    # Atoms with the same preference list behave as one.
    lists, group = np.unique(order, axis=0, return_inverse=True)
    group_rates = np.bincount(group.ravel(), weights=rates, minlength=len(lists))
    assigned = [_first_free(pref, states) for pref in lists]
    rows, cols, values = [], [], []
    for unit in range(n_units):
        busy = states[((states >> unit) & 1) == 1]
        rows.append(busy)
        cols.append(busy ^ (1 << unit))
        values.append(np.full(len(busy), mu))
    for pref_assigned, rate in zip(assigned, group_rates.tolist()):
        ok = pref_assigned >= 0
        rows.append(states[ok])
        cols.append(states[ok] | (1 << pref_assigned[ok]))
        values.append(np.full(int(ok.sum()), rate))
    generator = sp.coo_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(size, size)
    ).tocsr()
    out_rate = np.asarray(generator.sum(axis=1)).ravel()
    # Balance: pi Q = 0. Fix pi[0] = 1 and solve the rest, Jacobi-preconditioned.
    inflow = generator.T.tocsr()
    system = (inflow - sp.diags(out_rate))[1:, 1:].tocsr()
    rhs = -inflow[1:, 0].toarray().ravel()
    scale = 1.0 / system.diagonal()
    preconditioner = LinearOperator(system.shape, matvec=lambda v: scale * v)
    solution, info = bicgstab(system, rhs, M=preconditioner, rtol=1e-13, maxiter=10_000)
    if info != 0:
        solution, info = gmres(system, rhs, M=preconditioner, rtol=1e-13, restart=200, maxiter=10_000)
    if info != 0:
        raise SolverError(f"the hypercube balance equations did not converge (solver code {info})")
    pi = np.concatenate([[1.0], solution])
    full = size - 1
    if queue == "infinite":
        pi[full] /= 1.0 - rates.sum() / (n_units * mu)  # every queue length behind the full state
    pi /= pi.sum()
    p_all_busy = float(pi[full])
    dispatches = np.zeros((n_units, len(rates)))
    for pref_assigned, atoms in zip(assigned, (np.flatnonzero(group.ravel() == g) for g in range(len(lists)))):
        ok = pref_assigned >= 0
        per_unit = np.bincount(pref_assigned[ok], weights=pi[ok], minlength=n_units)
        dispatches[:, atoms] = per_unit[:, None] * rates[atoms][None, :]
    return _normalised(dispatches, rates, p_all_busy, queue, n_units), p_all_busy


def _normalised(
    dispatches: NDArray[np.float64], rates: NDArray[np.float64], p_all_busy: float, queue: Queue, n_units: int
) -> NDArray[np.float64]:
    """Shares of served calls: a queued call goes to whichever unit frees first,
    each equally likely."""
    if queue == "infinite":
        dispatches = dispatches + p_all_busy * rates[None, :] / n_units
    total = dispatches.sum()
    return dispatches / total if total > 0 else dispatches


def _approximate(
    rates: NDArray[np.float64], order: NDArray[np.int64], mu: float, queue: Queue, n_units: int
) -> tuple[NDArray[np.float64], float]:
    """Larson's (1975) approximation: fixed-point iteration on unit workloads."""
    offered = float(rates.sum()) / mu
    p = _busy_distribution(offered, n_units, queue)
    p_all_busy = float(p[n_units])
    factors = correction_factors(n_units, offered, queue)
    target = offered * (1.0 - p_all_busy) if queue == "loss" else offered
    rho = np.full(n_units, target / n_units)
    atoms = np.arange(len(rates))
    for _ in range(1_000):
        busy_before = np.cumprod(np.column_stack([np.ones(len(rates)), rho[order[:, :-1]]]), axis=1)
        # Rate at which each unit is the first free choice, but for its own (1 - rho).
        weight = (rates / mu)[:, None] * factors[None, :] * busy_before
        pull = np.zeros(n_units)
        np.add.at(pull, order, weight)
        queued = p_all_busy * offered / n_units if queue == "infinite" else 0.0
        updated = (pull + queued) / (1.0 + pull)
        updated *= target / updated.sum()
        if np.abs(updated - rho).max() < 1e-10:
            rho = updated
            break
        rho = updated
    busy_before = np.cumprod(np.column_stack([np.ones(len(rates)), rho[order[:, :-1]]]), axis=1)
    chance = factors[None, :] * busy_before * (1.0 - rho[order])
    dispatches = np.zeros((n_units, len(rates)))
    np.add.at(dispatches, (order, np.repeat(atoms[:, None], n_units, axis=1)), chance * rates[:, None])
    return _normalised(dispatches, rates, p_all_busy, queue, n_units), p_all_busy


def district_hypercube(
    district: District,
    *,
    service_time: float,
    turnout: float = 60.0,
    queue: Queue = "loss",
    method: Literal["exact", "approximate", "auto"] = "auto",
    tables: TravelTables | None = None,
) -> HypercubeResult:
    """The hypercube model of ``district``: its villages are the atoms (their yearly
    rates), its station units the servers (partners left out), each village
    preferring units by ETA from their stations (``turnout`` plus road time), as
    the :class:`~dispatch.policies.NearestFree` policy does for units at home.
    Times are seconds; ``service_time`` is the mean time a call keeps a unit.
    """
    if not (math.isfinite(service_time) and service_time > 0):
        raise InputError(f"service_time must be a positive number of seconds, got {service_time}")
    tables = tables or TravelTables.for_district(district)
    posts = district.unit_posts[district.unit_posts < len(district.stations)]
    travel = turnout + tables.post_times[posts][:, district.village_nodes]
    rates = district.incident_rates / SECONDS_PER_YEAR
    return hypercube(rates, travel, mu=1.0 / service_time, queue=queue, method=method)
