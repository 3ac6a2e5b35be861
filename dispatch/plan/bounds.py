"""Lower bounds that prove solutions and shrink models before a MIP.

:func:`median_lagrangian` relaxes the p-median's assignment rows (Cornuéjols,
Fisher & Nemhauser 1977; the subgradient method as in Beasley 1993). Besides its
bound it fixes sites: a site whose opening (or closing) would lift the bound above
the incumbent is closed (or opened) in every better solution, so the exact model
need only hold the rest (the reduction of García, Labbé & Marín 2011).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["LagrangianBound", "median_lagrangian"]

FloatArray = NDArray[np.float64]

STALL = 20
"""Iterations without a better bound before the subgradient step halves."""


@dataclass(frozen=True)
class LagrangianBound:
    """A proven lower bound, and sites fixed in every solution better than the
    incumbent (``closed``, ``opened``: one flag a site)."""

    bound: float
    closed: NDArray[np.bool_]
    opened: NDArray[np.bool_]


def median_lagrangian(
    weighted: FloatArray,
    p: int,
    upper: float,
    deadline: float,
    *,
    fixed: NDArray[np.int64] | None = None,
    integral: bool = False,
    max_iterations: int = 2_000,
) -> LagrangianBound:
    """Lagrangian bound of the p-median with weighted costs ``weighted[i, j]``
    (finite), ``fixed`` sites open, and an incumbent of cost ``upper``.

    With ``integral`` costs the bound is rounded up. Stops at ``deadline``, after
    ``max_iterations``, when the step vanishes or the bound meets ``upper``.
    """
    n_sites = weighted.shape[1]
    forced = np.zeros(n_sites, dtype=bool)
    if fixed is not None:
        forced[fixed] = True
    free_slots = p - int(forced.sum())
    sorted_costs = np.sort(weighted, axis=1)
    multipliers = sorted_costs[:, min(1, n_sites - 1)].copy()
    best = -math.inf
    closed = np.zeros(n_sites, dtype=bool)
    opened = forced.copy()
    step_size, stalled = 2.0, 0
    tolerance = 1e-9 * max(1.0, abs(upper))
    for _ in range(max_iterations):
        reduced = np.minimum(weighted - multipliers[:, None], 0.0)
        rho = reduced.sum(axis=0)
        rho_free = np.where(forced, np.inf, rho)
        order = np.argsort(rho_free, kind="stable")
        chosen = order[:free_slots]
        raw = float(multipliers.sum() + rho[forced].sum() + rho[chosen].sum())
        value = float(_rounded(raw, integral))
        if value > best + tolerance:
            best, stalled = value, 0
        else:
            stalled += 1
            if stalled >= STALL:
                step_size, stalled = step_size / 2, 0
        # A site's own effect on this bound: swapping it in or out.
        last_in = rho[chosen[-1]] if free_slots > 0 else -np.inf
        first_out = rho[order[free_slots]] if free_slots < n_sites - forced.sum() else np.inf
        is_chosen = np.zeros(n_sites, dtype=bool)
        is_chosen[chosen] = True
        closed |= ~is_chosen & ~forced & (_rounded(raw + rho - last_in, integral) > upper + tolerance)
        opened |= is_chosen & (_rounded(raw - rho + first_out, integral) > upper + tolerance)
        if best >= upper - tolerance or step_size < 1e-5 or time.perf_counter() > deadline:
            break
        open_sites = forced | is_chosen
        served = ((reduced < 0) & open_sites[None, :]).sum(axis=1)
        gradient = 1.0 - served
        norm = float(gradient @ gradient)
        if norm == 0:
            break  # the relaxed solution is feasible: the bound is its cost
        multipliers = multipliers + step_size * (upper - raw) / norm * gradient
    return LagrangianBound(min(best, upper), closed, opened)


def _rounded(value: FloatArray | float, integral: bool) -> FloatArray | float:
    """``value`` rounded up when costs are integral (a bound of an integral
    objective), else as it is."""
    return np.ceil(np.asarray(value) - 1e-6) if integral else value
