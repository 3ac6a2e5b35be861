"""The hypercube queueing model (Larson 1974): the analytic twin of the simulator.

Calls arrive at atoms (villages) as Poisson streams; each atom has a fixed
preference list of units and gets the most preferred free one; every unit works
an exponential time of mean ``1 / mu`` per call and waits at its home when free.
When every unit is busy a call is lost (``queue="loss"``) or waits first come
first served for the next unit to finish (``queue="infinite"``).

The exact model solves the balance equations of all ``2**N`` busy/free states
without storing a matrix (:mod:`~dispatch.evaluate._balance`); Larson's 1975
approximation solves ``N`` equations with correction factors for any ``N``.
"""

from __future__ import annotations

import dataclasses
import math
import time
import warnings
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..district import District
from ..errors import HypercubeConvergenceWarning, InputError
from ..operate.travel import TravelTables
from . import _balance
from .atoms import DistrictAtoms
from .demand import DemandParams
from .metrics import Queue

__all__ = [
    "FleetPrediction",
    "HypercubeConvergenceWarning",
    "HypercubeResult",
    "correction_factors",
    "district_hypercube",
    "fleet_hypercube",
    "hypercube",
]

Method = Literal["exact", "approximate", "auto"]

MEMORY_LIMIT = 4e9
"""Bytes the exact model may use before :func:`hypercube` refuses it."""

AUTO_EXACT_UNITS = 20
"""``method="auto"`` solves the exact model up to this many units (about 10 s on one
core), Larson's approximation beyond."""

EXACT_TOLERANCE = 1e-12
"""Relative residual of the exact model's balance equations when its solver stops."""

LARSON_TOLERANCE = 1e-13
"""Largest change of a workload in one step of Larson's iteration when it stops."""

MAX_ITERATIONS = 1_000


@dataclass(frozen=True)
class HypercubeResult:
    """What the hypercube model gives.

    ``workloads[n]`` is the share of time unit ``n`` is busy; ``dispatches[n, j]``
    the share of all served calls that send unit ``n`` to atom ``j``;
    ``atom_travel[j]`` the mean travel time to atom ``j``'s calls;
    ``interdistrict`` the share of calls not served by their atom's first choice;
    ``p_all_busy`` the probability that every unit is busy, which is the share of
    calls lost (loss system) or queued (infinite queue); ``mean_wait`` the mean queue
    wait of all calls (infinite queue; 0 for a loss system). ``iterations`` and
    ``residual`` are the solver's: BiCGSTAB steps and the relative residual of the
    balance equations (exact), or fixed-point steps and the largest workload change
    in the last one (approximate).
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
    iterations: int
    residual: float

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
            "iterations": self.iterations,
            "residual": self.residual,
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

    Examples
    --------
    Urban Operations Research, section 5.5.3 (three units, half busy):

    >>> correction_factors(3, 1.5, "infinite").round(5).tolist()
    [1.0, 0.73684, 0.63158]
    """
    _check_choice("queue", queue, get_args(Queue))
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
    method: Method = "auto",
    preferences: ArrayLike | None = None,
    memory_limit: float = MEMORY_LIMIT,
    max_iterations: int = MAX_ITERATIONS,
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
        ``"exact"``, ``"approximate"`` (Larson 1975), or ``"auto"``: exact up to
        :data:`AUTO_EXACT_UNITS` units when it fits ``memory_limit``, else approximate.
    preferences
        ``preferences[j]``: unit order for atom ``j``; by default nearest first
        (ties to the lower unit number).
    memory_limit
        Bytes the exact model may take (it needs about ``2**N * (4 N + 60)``).
    max_iterations
        Steps either solver may take; stopping there warns
        (:class:`HypercubeConvergenceWarning`) and returns the last iterate.

    Raises
    ------
    InputError
        Rates, travel times, preferences, ``queue``, ``method`` or ``mu`` that cannot
        be used; an overloaded infinite queue; an exact model over ``memory_limit``.

    Examples
    --------
    Larson & Odoni's two-unit city (Urban Operations Research, section 5.3.3):

    >>> model = hypercube([45 / 56, 25 / 56], [[0.152778, 1.125], [1.041667, 0.325]], mu=1.0)
    >>> model.workloads.round(4).tolist(), round(model.p_all_busy, 6)
    ([0.4901, 0.4377], 0.257732)
    """
    start = time.perf_counter()
    _check_choice("queue", queue, get_args(Queue))
    _check_choice("method", method, get_args(Method))
    rates = np.asarray(rates, dtype=np.float64)
    travel = np.atleast_2d(np.asarray(travel, dtype=np.float64))
    n_units, n_atoms = travel.shape
    if n_units == 0:
        raise InputError("travel must have a row for at least one unit")
    if rates.shape != (n_atoms,):
        raise InputError(f"rates must have one entry per atom ({n_atoms}), got shape {rates.shape}")
    if not (np.isfinite(rates).all() and (rates >= 0).all()):
        bad = np.flatnonzero(~np.isfinite(rates) | (rates < 0))
        raise InputError(f"atom rates must be finite and >= 0; atoms {bad.tolist()} are not")
    if not (math.isfinite(mu) and mu > 0):
        raise InputError(f"mu must be a positive service rate, got {mu}")
    if not np.isfinite(travel).all() or (travel < 0).any():
        raise InputError("travel times must be finite and >= 0 (every unit must reach every atom)")
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, int) or max_iterations < 1:
        raise InputError(f"max_iterations must be a whole number >= 1, got {max_iterations!r}")
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
    memory = _balance.memory(n_units)
    if method == "exact" and memory > memory_limit:
        raise InputError(
            f"the exact model of {n_units} units has 2**{n_units} states and needs about {memory / 1e9:.1f} GB "
            f"(limit {memory_limit / 1e9:.1f} GB); use method='approximate' (Larson 1975) instead"
        )
    exact = method == "exact" or (method == "auto" and n_units <= AUTO_EXACT_UNITS and memory <= memory_limit)
    solve = _exact if exact else _larson
    workloads, chances, p_all_busy, iterations, residual = solve(rates / mu, order, queue, max_iterations)
    dispatches = np.zeros((n_units, n_atoms))
    dispatches[order, np.arange(n_atoms)[:, None]] = rates[:, None] * chances
    dispatches = _normalised(dispatches, rates, p_all_busy, queue, n_units)
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
        iterations=iterations,
        residual=residual,
    )


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InputError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")


Solution = tuple[NDArray[np.float64], NDArray[np.float64], float, int, float]
"""Workloads, ``chances[j, k]`` that atom ``j``'s ``k``-th unit is its first free one,
the chance all units are busy, iterations and residual."""


def _exact(loads: NDArray[np.float64], order: NDArray[np.int64], queue: Queue, max_iterations: int) -> Solution:
    """The exact model; ``loads`` are the atoms' rates over ``mu``."""
    n_units = order.shape[1]
    offered = float(loads.sum())
    if offered == 0:
        pi, iterations, residual = np.eye(1, 1 << n_units).ravel(), 0, 0.0
    else:
        balance = _balance.Balance(_balance.arrival_rates(loads, order), offered)
        levels = _busy_distribution(offered, n_units, "loss")
        pi, iterations, residual = _balance.solve(
            balance, levels, tolerance=EXACT_TOLERANCE, max_iterations=max_iterations
        )
        del balance  # its arrival rates and vectors, all but pi
        if iterations >= max_iterations and residual > EXACT_TOLERANCE:
            _warn_unconverged("the exact hypercube model's balance equations", iterations, residual)
    if queue == "infinite":
        pi[-1] /= 1.0 - offered / n_units  # every queue length behind the full state
        pi /= pi.sum()
    p_all_busy = float(pi[-1])
    chances, workloads = _balance.first_free(pi, order)
    return workloads, chances, p_all_busy, iterations, residual


def _larson(loads: NDArray[np.float64], order: NDArray[np.int64], queue: Queue, max_iterations: int) -> Solution:
    """Larson's (1975) approximation, the fixed point of his equations

    ``rho[n] = (V[n] + q) / (1 + V[n])``, ``V[n] = sum over atoms j and ranks k with
    order[j, k] = n of loads[j] * Q[k] * prod(rho[order[j, :k]])``,

    where ``Q`` are :func:`correction_factors` and ``q`` the share of queued calls each
    unit takes (infinite queue; 0 for a loss system). Found by iterating the equations
    from equal workloads; returned as found, not rescaled.
    """
    n_atoms, n_units = order.shape
    offered = float(loads.sum())
    p_all_busy = float(_busy_distribution(offered, n_units, queue)[n_units])
    factors = correction_factors(n_units, offered, queue)
    queued = p_all_busy * offered / n_units if queue == "infinite" else 0.0
    weights = loads[:, None] * factors[None, :]

    def busy_before(rho: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.cumprod(np.column_stack([np.ones(n_atoms), rho[order[:, :-1]]]), axis=1, dtype=np.float64)

    rho = np.full(n_units, (offered * (1.0 - p_all_busy) if queue == "loss" else offered) / n_units)
    iterations, residual = 0, math.inf
    while iterations < max_iterations:
        iterations += 1
        pull = np.bincount(order.ravel(), weights=(weights * busy_before(rho)).ravel(), minlength=n_units)
        updated = (pull + queued) / (1.0 + pull)
        residual = float(np.abs(updated - rho).max())
        if residual <= LARSON_TOLERANCE:
            break
        rho = updated
    else:
        _warn_unconverged("Larson's approximation", iterations, residual)
    # Dispatch chances from the same fixed point, each atom's scaled to its served share.
    chances = factors[None, :] * busy_before(rho) * (1.0 - rho[order])
    totals = chances.sum(axis=1, keepdims=True)
    chances *= np.divide(1.0 - p_all_busy, totals, out=np.zeros_like(totals), where=totals > 0)
    return rho, chances, p_all_busy, iterations, residual


def _warn_unconverged(solver: str, iterations: int, residual: float) -> None:
    warnings.warn(
        f"{solver} did not converge in {iterations} iterations (residual {residual:.3g}); "
        "raise max_iterations or treat the result as rough",
        HypercubeConvergenceWarning,
        stacklevel=4,
    )


def _normalised(
    dispatches: NDArray[np.float64], rates: NDArray[np.float64], p_all_busy: float, queue: Queue, n_units: int
) -> NDArray[np.float64]:
    """Shares of served calls: a queued call goes to whichever unit frees first,
    each equally likely."""
    if queue == "infinite":
        dispatches = dispatches + p_all_busy * rates[None, :] / n_units
    total = dispatches.sum()
    return dispatches / total if total > 0 else dispatches


@dataclass(frozen=True)
class FleetPrediction:
    """The hypercube model of a fleet over a district's atoms.

    ``result`` is over the villages, its workloads those of the station units
    then of every emergency unit (averaged over the day). ``prompt[n, a]`` is
    the share of all calls that come from atom ``a`` and go at once to unit ``n``
    (a call that waits or is lost is in no entry), and ``travel[n, a]`` the time
    (seconds) unit ``n`` takes to reach atom ``a``.
    """

    result: HypercubeResult
    prompt: NDArray[np.float64]
    travel: NDArray[np.float64]

    @property
    def mean_response(self) -> float:
        """Mean seconds from call to arrival of the calls served: queue wait plus
        travel (a call that waited travels from its unit's base in the model)."""
        return self.result.mean_wait + self.result.mean_travel

    def within(self, target: float) -> float:
        """The share of calls a unit reaches within ``target`` seconds without
        waiting (a call that waits counts as late)."""
        return float(self.prompt[self.travel <= target].sum())


def fleet_hypercube(
    atoms: DistrictAtoms,
    stations: ArrayLike,
    *,
    service_time: float,
    queue: Queue = "loss",
    method: Method = "auto",
) -> FleetPrediction:
    """The hypercube model of units at ``stations`` (a station index a unit) and
    the emergency units of ``atoms``: one model for each part of the day with the
    same emergency units on duty, weighed by its share of the day (see
    :mod:`~dispatch.evaluate.atoms`). ``service_time`` is the mean seconds a call
    keeps a unit."""
    if not (math.isfinite(service_time) and service_time > 0):
        raise InputError(f"service_time must be a positive number of seconds, got {service_time}")
    stations = np.asarray(stations, dtype=np.int64)
    n_rows = len(stations) + atoms.n_emergency
    full_travel = np.vstack([atoms.station_travel[stations], atoms.emergency_travel])
    workloads, served, prompt = (
        np.zeros(n_rows),
        np.zeros((n_rows, len(atoms.rates))),
        np.zeros((n_rows, len(atoms.rates))),
    )
    p_all_busy = mean_wait = interdistrict = solve_time = residual = 0.0
    exact, iterations = True, 0
    for segment in atoms.segments:
        rows = np.concatenate([np.arange(len(stations)), len(stations) + np.flatnonzero(segment.on_duty)])
        travel, preferences = atoms.rows(stations, segment.on_duty)
        part = hypercube(
            atoms.rates, travel, mu=1.0 / service_time, queue=queue, method=method, preferences=preferences
        )
        reached = 1.0 - part.p_all_busy
        answered = segment.share * (reached if queue == "loss" else 1.0)
        workloads[rows] += segment.share * part.workloads
        served[rows] += answered * part.dispatches
        prompt[rows] += segment.share * reached * part.dispatches
        p_all_busy += segment.share * part.p_all_busy
        mean_wait += segment.share * part.mean_wait
        interdistrict += answered * part.interdistrict
        solve_time += part.solve_time
        exact &= part.exact
        iterations, residual = max(iterations, part.iterations), max(residual, part.residual)
    total = served.sum()
    dispatches = served / total if total > 0 else served
    calls = atoms.by_village(dispatches.sum(axis=0))
    travelled = atoms.by_village((dispatches * full_travel).sum(axis=0))
    result = dataclasses.replace(
        part,
        workloads=workloads,
        dispatches=atoms.by_village(dispatches),
        atom_travel=np.divide(travelled, calls, out=np.full(len(calls), np.nan), where=calls > 0),
        mean_travel=float((dispatches * full_travel).sum()),
        interdistrict=interdistrict / total if total > 0 else 0.0,
        p_all_busy=p_all_busy,
        mean_wait=mean_wait,
        exact=exact,
        solve_time=solve_time,
        iterations=iterations,
        residual=residual,
    )
    return FleetPrediction(result, prompt, full_travel)


def district_hypercube(
    district: District,
    *,
    service_time: float,
    turnout: float = 60.0,
    queue: Queue = "loss",
    method: Method = "auto",
    tables: TravelTables | None = None,
    demand: DemandParams | None = None,
) -> HypercubeResult:
    """The hypercube model of ``district``: its villages are the atoms (their yearly
    rates), its station units and emergency units the servers (partners left out),
    each village preferring units by ETA from their bases (``turnout`` plus road
    time; an emergency unit's own turnout), as the
    :class:`~dispatch.policies.NearestFree` policy does for units at home.

    Times are seconds; ``service_time`` is the mean time a call keeps a unit.
    ``demand`` scales the rates and gives the calls' shares by priority (at a
    steady rate: an hourly profile is not modelled). Emergency units on duty part
    of the day, or for some priorities only, are modelled as
    :mod:`~dispatch.evaluate.atoms` says; the workloads are those of the station
    units, then of the emergency units.
    """
    atoms = DistrictAtoms.of(district, turnout=turnout, tables=tables, demand=demand)
    stations = district.unit_posts[district.unit_posts < len(district.stations)]
    return fleet_hypercube(atoms, stations, service_time=service_time, queue=queue, method=method).result
