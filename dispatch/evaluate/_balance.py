"""The balance equations of the hypercube's ``2**N`` busy/free states, without a matrix.

A state is a bit pattern: bit ``i`` is set while unit ``i`` is busy. Time is counted in
mean service times, so a busy unit frees at rate 1. Two kinds of transitions leave a
state, and both follow from the bits alone:

- service: a busy unit ``i`` finishes, ``s -> s & ~(1 << i)``, at rate 1;
- arrival: a call goes to the first free unit ``i`` of its atom's preference list,
  ``s -> s | (1 << i)``, at the rate ``arrivals[i]`` holds for ``s``.

``arrivals[i]`` is indexed by the state with bit ``i`` taken out (the other ``N - 1``
bits, in order), so it holds ``2**(N - 1)`` rates. Nothing else of size ``2**N`` is
stored but the solver's vectors: the generator is applied bit by bit (a butterfly per
unit, as in a fast Walsh transform), and the stationary distribution is found by
BiCGSTAB on the flows ``u = out * pi``, which makes Jacobi's scaling part of the
operator. A loss system is solved; the infinite queue only rescales the full state.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

LOW_BITS = 16
"""Units whose bits are below this are handled within runs of ``2**LOW_BITS`` states."""

BLOCK = 1 << 18
COLUMNS = 1 << 10
"""The other units are handled ``COLUMNS`` (or more, up to ``BLOCK`` states) at a time."""

VECTORS = 7.5
"""Vectors of ``2**N`` floats the solver holds (BiCGSTAB's six, the distribution and a
half-size product), besides the arrival rates."""


def memory(n_units: int) -> float:
    """Bytes the exact model needs for ``n_units`` units: arrival rates and vectors."""
    return float(2**n_units) * 8 * (n_units / 2 + VECTORS)


def arrival_rates(rates: NDArray[np.float64], order: NDArray[np.int64]) -> NDArray[np.float64]:
    """``arrivals[i, c]``: the rate of calls that go to unit ``i`` in the state ``c``
    (unit ``i`` free, the other bits in order).

    Atom ``j`` sends its calls to its ``k``-th unit ``i`` exactly when the units before
    it on its list are busy, whatever the others do: a rate that sits on the set of
    states above that prefix. Each (atom, rank) places its rate at the prefix's own
    pattern; a sum over subsets (one pass per bit) then spreads it to every state
    above it.
    """
    n_units = order.shape[1]
    arrivals = np.zeros((n_units, 1 << (n_units - 1)))
    before = _prefix_masks(order)[:, :-1]
    low = (1 << order) - 1  # the bits below each unit, kept in place; the bits above shift down
    compressed = (before & low) | ((before >> (order + 1)) << order)
    np.add.at(arrivals, (order, compressed), np.repeat(rates[:, None], n_units, axis=1))
    for bit in range(n_units - 1):
        halves = arrivals.reshape(n_units, -1, 2, 1 << bit)
        halves[:, :, 1, :] += halves[:, :, 0, :]
    return arrivals


def _prefix_masks(order: NDArray[np.int64]) -> NDArray[np.int64]:
    """``masks[j, k]``: the bits of the first ``k`` units of atom ``j``'s list, ``k = 0 .. N``."""
    bits = np.bitwise_or.accumulate(np.left_shift(1, order), axis=1)
    return np.column_stack([np.zeros(len(order), dtype=np.int64), bits])


def first_free(pi: NDArray[np.float64], order: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The chance that each atom's ``k``-th unit is its first free one
    (``chances[j, k]``), and each unit's workload; ``pi`` is overwritten.

    Both come from the sums over supersets ``busy[T] = P(every unit of T busy)``: the
    first free unit is the ``k``-th when its first ``k - 1`` units are busy but not
    its first ``k``, so ``chances[j, k] = busy[first k - 1] - busy[first k]``.
    """
    n_units = order.shape[1]
    busy = pi
    for bit in range(n_units):
        halves = busy.reshape(-1, 2, 1 << bit)
        halves[:, 0, :] += halves[:, 1, :]
    masks = _prefix_masks(order)
    chances = busy[masks[:, :-1]] - busy[masks[:, 1:]]
    return chances, busy[1 << np.arange(n_units)]


class Balance:
    """The balance equations of the loss system: ``apply`` is the generator, scaled.

    Takes over ``arrivals``: the rates of the lowest units are reordered in place to
    match the turned runs ``apply`` works on.
    """

    def __init__(self, arrivals: NDArray[np.float64], offered: float) -> None:
        self.n_units = arrivals.shape[0]
        self.low = min(self.n_units, LOW_BITS)
        self.turned = self.low // 2
        self.low_levels = _levels(self.low)  # busy units among a run's low bits
        self.run_levels = _levels(self.n_units - self.low)  # and among the bits above them
        out = np.arange(self.n_units + 1, dtype=np.float64) + offered
        out[-1] = self.n_units  # calls arriving in the full state are lost
        self.inverse_out = 1.0 / out
        rows, columns = 1 << (self.low - self.turned), 1 << self.turned
        for unit in range(self.turned):  # within a run, the turned units' bits go first
            arrivals[unit] = arrivals[unit].reshape(-1, rows, columns // 2).transpose(0, 2, 1).ravel()
        self.arrivals = arrivals
        self.pi = np.empty(1 << self.n_units)
        self.product = np.empty(len(self.pi) // 2)
        self.turned_pi, self.turned_result = np.empty((columns, rows)), np.empty((columns, rows))

    def runs(self) -> Iterator[tuple[slice, NDArray[np.uint8]]]:
        """Each run of ``2**low`` states and the number of busy units in each of its states."""
        run = 1 << self.low
        for index, level in enumerate(self.run_levels.tolist()):
            yield slice(index * run, (index + 1) * run), self.low_levels + level

    def distribution(self, flows: NDArray[np.float64]) -> NDArray[np.float64]:
        """``pi = flows / out`` (into a buffer the next ``apply`` overwrites)."""
        for states, levels in self.runs():
            np.take(self.inverse_out, levels, out=self.pi[states])
            self.pi[states] *= flows[states]
        return self.pi

    def apply(self, flows: NDArray[np.float64], result: NDArray[np.float64]) -> None:
        """``result = inflow(pi) - outflow(pi)`` for ``pi = flows / out``.

        A butterfly per unit, done in blocks that stay in the processor's cache: the
        units of the low bits within each run of ``2**LOW_BITS`` states, the others
        across those runs, many columns at a time. A butterfly whose bit is low in
        its block would loop over a few numbers at a time: the lowest half of a run's
        bits is turned to the top of a copy of the run first.
        """
        pi = self.pi
        columns, rows = self.turned_pi.shape
        for states, levels in self.runs():
            halves = slice(states.start // 2, states.stop // 2)
            np.take(self.inverse_out, levels, out=pi[states])
            pi[states] *= flows[states]
            np.negative(flows[states], out=result[states])
            np.copyto(self.turned_pi, pi[states].reshape(rows, columns).T)
            self.turned_result.fill(0.0)
            for unit in range(self.turned):
                self._butterfly(
                    self.turned_pi.reshape(-1, 1),
                    self.turned_result.reshape(-1, 1),
                    self.arrivals[unit, halves, None],
                    unit + self.low - self.turned,
                )
            result[states].reshape(rows, columns)[...] += self.turned_result.T
            for unit in range(self.turned, self.low):
                self._butterfly(pi[states, None], result[states, None], self.arrivals[unit, halves, None], unit)
        run, runs = 1 << self.low, len(self.run_levels)
        width = min(run, max(COLUMNS, BLOCK // runs))
        for start in range(0, run, width):
            span = slice(start, start + width)
            for unit in range(self.low, self.n_units):
                self._butterfly(
                    pi.reshape(runs, run)[:, span],
                    result.reshape(runs, run)[:, span],
                    self.arrivals[unit].reshape(runs // 2, run)[:, span],
                    unit - self.low,
                )

    def _butterfly(
        self, pi: NDArray[np.float64], result: NDArray[np.float64], arrivals: NDArray[np.float64], bit: int
    ) -> None:
        """One unit's transitions within a block (2-D views whose rows hold the unit's
        ``bit``): it frees (rate 1) and, when free, takes calls (``arrivals``)."""
        shape = (-1, 2, 1 << bit, pi.shape[1])
        pi4, result4 = pi.reshape(shape), result.reshape(shape)
        result4[:, 0] += pi4[:, 1]
        product = self.product[: arrivals.size].reshape(pi4[:, 0].shape)
        np.multiply(arrivals.reshape(product.shape), pi4[:, 0], out=product)
        result4[:, 1] += product

    def start(self, levels: NDArray[np.float64]) -> NDArray[np.float64]:
        """Flows of the guess ``pi[s] = P(|s| busy) / C(N, |s|)``: exact per level."""
        per_state = levels / np.array([math.comb(self.n_units, k) for k in range(self.n_units + 1)])
        flows = np.empty_like(self.pi)
        for states, state_levels in self.runs():
            np.take(per_state / self.inverse_out, state_levels, out=flows[states])
        return flows


def _levels(bits: int) -> NDArray[np.uint8]:
    """The number of set bits of ``0 .. 2**bits - 1``."""
    levels = np.zeros(1, dtype=np.uint8)
    for _ in range(bits):
        levels = np.concatenate([levels, levels + 1])
    return levels


def solve(
    balance: Balance, levels: NDArray[np.float64], *, tolerance: float, max_iterations: int
) -> tuple[NDArray[np.float64], int, float]:
    """The stationary distribution of the loss system by BiCGSTAB (van der Vorst 1992)
    on the singular system ``apply(u) = 0``, restarted on breakdown.

    ``levels[k]`` is the Erlang probability of ``k`` busy units (the start). Returns the
    distribution, the iterations run and the relative residual ``|apply(u)| / |u|``.
    Vector operations use numpy's own loops, in place and a chunk at a time, several
    per pass: a multi-threaded BLAS stalls on a loaded machine, and a temporary of
    ``2**N`` floats costs a page fault per page.
    """
    buffer = balance.product[:CHUNK]
    chunks = [slice(start, start + len(buffer)) for start in range(0, len(balance.pi), len(buffer))]
    u = balance.start(levels)
    r = np.empty_like(u)
    balance.apply(u, r)
    np.negative(r, out=r)
    shadow, p, v, t = r.copy(), r.copy(), np.empty_like(u), np.empty_like(u)
    rho, shadow_norm = _dot(shadow, r), _norm(shadow)
    residual = _norm(r) / _norm(u)
    iterations = 0
    while residual > tolerance and iterations < max_iterations:
        iterations += 1
        balance.apply(p, v)
        alpha = rho / _dot(shadow, v)
        for chunk in chunks:  # r becomes s = r - alpha v
            r[chunk] -= np.multiply(v[chunk], alpha, out=buffer[: len(r[chunk])])
        balance.apply(r, t)
        omega = _dot(t, r) / _dot(t, t)
        r_r = shadow_r = u_u = 0.0
        for chunk in chunks:  # u += alpha p + omega s, r = s - omega t, and the new dot products
            part = buffer[: len(r[chunk])]
            u[chunk] += np.multiply(p[chunk], alpha, out=part)
            u[chunk] += np.multiply(r[chunk], omega, out=part)
            r[chunk] -= np.multiply(t[chunk], omega, out=part)
            r_r += _dot(r[chunk], r[chunk])
            shadow_r += _dot(shadow[chunk], r[chunk])
            u_u += _dot(u[chunk], u[chunk])
        residual = math.sqrt(r_r / u_u)
        if abs(shadow_r) <= BREAKDOWN * shadow_norm * math.sqrt(r_r) or omega == 0.0:
            shadow[:] = r  # breakdown: start again from here
            p[:] = r
            rho, shadow_norm = r_r, math.sqrt(r_r)
            continue
        beta = shadow_r / rho * alpha / omega
        rho = shadow_r
        for chunk in chunks:  # p = r + beta (p - omega v)
            p[chunk] -= np.multiply(v[chunk], omega, out=buffer[: len(p[chunk])])
            p[chunk] *= beta
            p[chunk] += r[chunk]
    balance.apply(u, r)
    residual = _norm(r) / _norm(u)
    pi = balance.distribution(u)
    pi /= pi.sum()
    return pi, iterations, residual


CHUNK = 1 << 15
"""Floats per chunk of the vector operations (a quarter of a megabyte)."""

BREAKDOWN = 1e-12
"""BiCGSTAB restarts when its shadow residual turns this close to orthogonal."""


def _dot(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    return float(np.einsum("i,i->", x, y))


def _norm(x: NDArray[np.float64]) -> float:
    return math.sqrt(_dot(x, x))
