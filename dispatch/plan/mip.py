"""A sparse mixed-integer program, solved by OR-Tools CP-SAT or HiGHS.

Formulations build a :class:`Mip` from numpy arrays with :class:`MipBuilder`;
:func:`solve_mip` hands it to a solver and returns plain data. CP-SAT needs
integer coefficients, so each row and the objective are scaled to integers at
this boundary (exactly when a power of ten suffices).
"""

from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import Field
from scipy.sparse import coo_matrix, csr_matrix

from ..errors import SolverError
from ..model import Frozen
from ..progress import OnProgress, Progress
from .result import GAP_TOLERANCE, relative_gap

__all__ = ["Budget", "Mip", "MipBuilder", "MipResult", "SolveParams", "Watch", "integer_scale", "solve_mip"]

logger = logging.getLogger("dispatch")

Solver = Literal["cp-sat", "highs"]
MipStatus = Literal["optimal", "feasible", "infeasible", "unknown"]

MAX_INTEGER_COEFFICIENT = 1e9
"""Largest coefficient CP-SAT gets after scaling a row or the objective."""

UNBOUNDED = 2**60
"""CP-SAT's stand-in for an infinite row bound."""


class SolveParams(Frozen):
    """How to solve a model: solver, time limit, gap and seed.

    Parameters
    ----------
    solver
        ``"cp-sat"`` or ``"highs"``; ``None`` takes the formulation's default
        (the faster one in ``benchmarks/bench_cluster.py``).
    time_limit
        Seconds before the solver stops with its best solution (at most
        1,000,000).
    relative_gap
        Stop once the solution is proven within this relative gap of optimal;
        ``0`` proves optimality.
    seed
        The solver's random seed: same model and seed, same solution (below
        ``2**31``, as the solvers take 32-bit seeds).
    """

    solver: Solver | None = None
    time_limit: float = Field(60.0, gt=0, le=1_000_000, allow_inf_nan=False)
    relative_gap: float = Field(0.0, ge=0, lt=1)
    seed: int = Field(0, ge=0, lt=2**31)


@dataclass(frozen=True)
class Budget:
    """The time limit of one call, counted from its start: building the model,
    heuristics and bounds spend it as well as the solver."""

    limit: float
    start: float = field(default_factory=time.perf_counter)

    @property
    def deadline(self) -> float:
        """``time.perf_counter()`` at which the limit runs out."""
        return self.start + self.limit

    def left(self) -> float:
        """Seconds left (``0`` once spent)."""
        return max(0.0, self.deadline - time.perf_counter())

    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.perf_counter() - self.start


@dataclass
class Watch:
    """Tells ``on_progress`` the best objective and bound of a long solve as they
    improve. Values are in the caller's units: ``sign = -1`` shows a maximised
    objective that the model minimises as its negative."""

    task: str
    on_progress: OnProgress | None
    budget: Budget
    sign: float = 1.0
    objective: float = math.inf
    bound: float = -math.inf

    def improve(self, objective: float = math.inf, bound: float = -math.inf) -> None:
        """Record a solution of ``objective`` and a lower ``bound`` (model units)."""
        better = objective < self.objective - 1e-9 * max(1.0, abs(objective))
        higher = bound > self.bound + 1e-9 * max(1.0, abs(bound)) and math.isfinite(bound)
        self.objective, self.bound = min(self.objective, objective), max(self.bound, bound)
        if self.on_progress is None or not (better or higher):
            return
        detail = (
            f"best {self.sign * self.objective:,.6g}, bound {self.sign * self.bound:,.6g}, "
            f"gap {relative_gap(self.objective, self.bound):.2%}"
        )
        elapsed = self.budget.elapsed()
        total = max(1, math.ceil(self.budget.limit))
        best, bound = self.sign * self.objective, self.sign * self.bound
        self.on_progress(Progress(self.task, min(total, int(elapsed)), total, elapsed, detail, best, bound))


@dataclass(frozen=True)
class Mip:
    """minimise ``cost @ x + offset`` s.t. ``row_lower <= matrix @ x <= row_upper``,
    ``lower <= x <= upper``, ``x[integer]`` integral."""

    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    integer: NDArray[np.bool_]
    cost: NDArray[np.float64]
    offset: float
    matrix: csr_matrix
    row_lower: NDArray[np.float64]
    row_upper: NDArray[np.float64]

    @property
    def n_variables(self) -> int:
        """Number of variables."""
        return len(self.lower)

    @property
    def n_rows(self) -> int:
        """Number of constraints."""
        return len(self.row_lower)


class MipBuilder:
    """Collects variables and blocks of constraints as numpy arrays."""

    def __init__(self) -> None:
        self._bounds: list[NDArray[np.float64]] = []
        self._integer: list[NDArray[np.bool_]] = []
        self._cost: list[NDArray[np.float64]] = []
        self._entries: list[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]] = []
        self._row_bounds: list[NDArray[np.float64]] = []
        self.n_variables = 0
        self.n_rows = 0
        self.offset = 0.0

    def variables(
        self,
        count: int,
        *,
        lower: float = 0.0,
        upper: ArrayLike = 1.0,
        integer: bool = True,
        cost: ArrayLike = 0.0,
    ) -> NDArray[np.int64]:
        """Add ``count`` variables; return their indices."""
        bounds = np.empty((count, 2))
        bounds[:, 0], bounds[:, 1] = lower, upper
        self._bounds.append(bounds)
        self._integer.append(np.full(count, integer))
        self._cost.append(np.broadcast_to(np.asarray(cost, dtype=np.float64), (count,)).copy())
        first, self.n_variables = self.n_variables, self.n_variables + count
        return np.arange(first, self.n_variables)

    def rows(self, row: ArrayLike, column: ArrayLike, value: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> None:
        """Add constraints ``lower[r] <= sum(value[k] * x[column[k]] for row[k] == r) <= upper[r]``.

        ``row`` numbers the new rows from 0; ``lower`` and ``upper`` have one entry
        a row (or are scalars).
        """
        row = np.asarray(row, dtype=np.int64)
        count = int(row.max()) + 1 if len(row) else 0
        bounds = np.empty((count, 2))
        bounds[:, 0], bounds[:, 1] = lower, upper
        column = np.asarray(column, dtype=np.int64)
        value = np.broadcast_to(np.asarray(value, dtype=np.float64), row.shape)
        self._entries.append((row + self.n_rows, column, value))
        self._row_bounds.append(bounds)
        self.n_rows += count

    def build(self) -> Mip:
        """The finished model."""
        bounds = np.concatenate(self._bounds) if self._bounds else np.zeros((0, 2))
        rows = np.concatenate(self._row_bounds) if self._row_bounds else np.zeros((0, 2))
        r, c, v = (np.concatenate(part) for part in zip(*self._entries)) if self._entries else ([], [], [])
        matrix = coo_matrix((v, (r, c)), shape=(self.n_rows, self.n_variables)).tocsr()
        matrix.sort_indices()
        return Mip(
            lower=bounds[:, 0],
            upper=bounds[:, 1],
            integer=np.concatenate(self._integer) if self._integer else np.zeros(0, dtype=bool),
            cost=np.concatenate(self._cost) if self._cost else np.zeros(0),
            offset=self.offset,
            matrix=matrix,
            row_lower=rows[:, 0],
            row_upper=rows[:, 1],
        )


@dataclass(frozen=True)
class MipResult:
    """What a solver found: ``status`` is ``"optimal"`` only when proven."""

    status: MipStatus
    values: NDArray[np.float64] | None
    objective: float
    bound: float
    solve_time: float
    solver: Solver


def solve_mip(
    mip: Mip,
    solver: Solver,
    options: SolveParams,
    *,
    budget: Budget | None = None,
    hint: NDArray[np.float64] | None = None,
    watch: Watch | None = None,
    presolve: bool = True,
) -> MipResult:
    """Solve ``mip`` with ``solver`` within what is left of ``budget`` (a fresh
    one of ``options.time_limit`` by default).

    ``hint`` is a feasible solution to start from: it is returned (as
    ``"feasible"``, with the solver's bound) when the solver finds nothing better
    in time. ``watch`` hears of each better solution and bound. ``presolve``
    switches CP-SAT's presolve (HiGHS always presolves).
    """
    budget = budget or Budget(options.time_limit)
    start = time.perf_counter()
    left = budget.left()
    if left <= 0:
        status: MipStatus = "unknown"
        values, objective, bound = None, math.inf, -math.inf
    elif solver == "cp-sat":
        status, values, objective, bound = _solve_cp_sat(mip, options, budget, presolve, hint, watch)
    else:
        status, values, objective, bound = _solve_highs(mip, options, budget, hint, watch)
    if hint is not None and status != "infeasible":
        hinted = float(mip.cost @ hint) + mip.offset
        if values is None or hinted < objective - 1e-9 * max(1.0, abs(hinted)):
            status, values, objective = "feasible", hint, hinted
            bound = min(bound, objective)
    if status == "optimal" and relative_gap(objective, bound) > GAP_TOLERANCE:
        status = "feasible"  # a solver that stops within its own gap tolerance
    if watch is not None:
        watch.improve(objective, bound)
    result = MipResult(status, values, objective, bound, time.perf_counter() - start, solver)
    logger.debug(
        "%s: %s, objective %.6g, bound %.6g, %.3f s, %d variables, %d rows",
        solver,
        status,
        objective,
        bound,
        result.solve_time,
        mip.n_variables,
        mip.n_rows,
    )
    return result


def _integer_scales(values: NDArray[np.float64], groups: NDArray[np.int64], n_groups: int) -> NDArray[np.float64]:
    """For each group of ``values``, the smallest power of ten that makes them
    integral, or the largest one that keeps them under the coefficient limit."""
    scale = np.ones(n_groups)
    largest = np.zeros(n_groups)
    np.maximum.at(largest, groups, np.abs(values))
    for _ in range(12):
        scaled = values * scale[groups]
        fractional = np.zeros(n_groups, dtype=bool)
        np.logical_or.at(fractional, groups, np.abs(scaled - np.rint(scaled)) > 1e-9)
        grow = fractional & (largest * scale * 10 <= MAX_INTEGER_COEFFICIENT)
        if not grow.any():
            break
        scale[grow] *= 10
    return scale


def integer_scale(values: NDArray[np.float64]) -> float:
    """The power of ten that makes all ``values`` integral (see :func:`_integer_scales`)."""
    return float(_integer_scales(values, np.zeros(len(values), dtype=np.int64), 1)[0])


def _solve_cp_sat(
    mip: Mip,
    options: SolveParams,
    budget: Budget,
    presolve: bool,
    hint: NDArray[np.float64] | None,
    watch: Watch | None,
) -> tuple[MipStatus, NDArray[np.float64] | None, float, float]:
    from ortools.sat.python import cp_model

    if not (mip.integer.all() and np.isfinite(mip.lower).all() and np.isfinite(mip.upper).all()):
        raise SolverError("CP-SAT needs integer variables with finite bounds; use solver='highs'")
    model = cp_model.CpModel()
    x = [model.new_int_var(int(lo), int(hi), "") for lo, hi in zip(mip.lower.tolist(), mip.upper.tolist())]
    matrix = mip.matrix
    entry_row = np.repeat(np.arange(mip.n_rows), np.diff(matrix.indptr))
    bounds = np.column_stack([mip.row_lower, mip.row_upper])
    finite = np.isfinite(bounds)
    scale = _integer_scales(
        np.concatenate([matrix.data, bounds[finite]]),
        np.concatenate([entry_row, np.nonzero(finite)[0]]),
        mip.n_rows,
    )
    coefficients = np.rint(matrix.data * scale[entry_row]).astype(np.int64).tolist()
    scaled = np.where(finite, bounds, 0.0) * scale[:, None]
    lower = np.where(finite[:, 0], np.ceil(scaled[:, 0] - 1e-9), -UNBOUNDED).astype(np.int64).tolist()
    upper = np.where(finite[:, 1], np.floor(scaled[:, 1] + 1e-9), UNBOUNDED).astype(np.int64).tolist()
    columns, starts = matrix.indices.tolist(), matrix.indptr.tolist()
    for r in range(mip.n_rows):
        a, b = starts[r], starts[r + 1]
        expression = cp_model.LinearExpr.weighted_sum([x[c] for c in columns[a:b]], coefficients[a:b])
        model.add_linear_constraint(expression, lower[r], upper[r])
    used = np.flatnonzero(mip.cost)
    objective_scale = integer_scale(mip.cost[used])
    model.minimize(
        cp_model.LinearExpr.weighted_sum(
            [x[c] for c in used.tolist()], np.rint(mip.cost[used] * objective_scale).astype(np.int64).tolist()
        )
    )
    if hint is not None:
        for variable, value in zip(x, np.rint(hint).astype(np.int64).tolist()):
            model.add_hint(variable, value)
    solver = cp_model.CpSolver()
    parameters = solver.parameters
    # One worker with the full LP relaxation: measured fastest on these models;
    # the default portfolio stalls on two cores.
    parameters.num_workers = 1
    parameters.linearization_level = 2
    parameters.cp_model_presolve = presolve
    parameters.max_time_in_seconds = max(budget.left(), 1e-3)  # what the model's translation left
    parameters.random_seed = options.seed
    parameters.relative_gap_limit = options.relative_gap
    callback = None
    if watch is not None:
        solver.best_bound_callback = lambda bound: watch.improve(bound=bound / objective_scale + mip.offset)
        callback = _cp_sat_callback(watch, objective_scale, mip.offset)
    code = solver.solve(model, callback)
    if code == cp_model.MODEL_INVALID:
        raise SolverError(f"CP-SAT rejected the model: {model.validate()}")
    if code == cp_model.INFEASIBLE:
        return "infeasible", None, math.inf, math.inf
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return "unknown", None, math.inf, solver.best_objective_bound / objective_scale + mip.offset
    bound = solver.best_objective_bound / objective_scale + mip.offset
    values = np.array([solver.value(v) for v in x], dtype=np.float64)
    objective = float(mip.cost @ values) + mip.offset
    return ("optimal" if code == cp_model.OPTIMAL else "feasible"), values, objective, min(bound, objective)


def _solve_highs(
    mip: Mip, options: SolveParams, budget: Budget, hint: NDArray[np.float64] | None, watch: Watch | None
) -> tuple[MipStatus, NDArray[np.float64] | None, float, float]:
    from ortools.math_opt import model_pb2
    from ortools.math_opt.python import mathopt

    proto = model_pb2.ModelProto()
    n = mip.n_variables
    proto.variables.ids.extend(range(n))
    proto.variables.lower_bounds.extend(mip.lower.tolist())
    proto.variables.upper_bounds.extend(mip.upper.tolist())
    proto.variables.integers.extend(mip.integer.tolist())
    used = np.flatnonzero(mip.cost)
    proto.objective.offset = mip.offset
    proto.objective.linear_coefficients.ids.extend(used.tolist())
    proto.objective.linear_coefficients.values.extend(mip.cost[used].tolist())
    proto.linear_constraints.ids.extend(range(mip.n_rows))
    proto.linear_constraints.lower_bounds.extend(mip.row_lower.tolist())
    proto.linear_constraints.upper_bounds.extend(mip.row_upper.tolist())
    matrix = mip.matrix.tocoo()  # row-major and sorted: built from a sorted CSR matrix
    proto.linear_constraint_matrix.row_ids.extend(matrix.row.tolist())
    proto.linear_constraint_matrix.column_ids.extend(matrix.col.tolist())
    proto.linear_constraint_matrix.coefficients.extend(matrix.data.tolist())
    model = mathopt.Model.from_model_proto(proto)
    model_parameters = None
    if hint is not None:
        variables = list(model.variables())
        hinted = dict(zip(variables, hint.tolist()))
        model_parameters = mathopt.ModelSolveParameters(solution_hints=[mathopt.SolutionHint(variable_values=hinted)])
    # No threads= for HiGHS: it rejects the option (or-tools#4606).
    parameters = mathopt.SolveParameters(
        time_limit=timedelta(seconds=max(budget.left(), 1e-3)),  # what the model's translation left
        random_seed=options.seed,
        relative_gap_tolerance=options.relative_gap,
        absolute_gap_tolerance=0.0,
    )
    messages = None if watch is None else _HighsWatch(watch).lines
    try:
        result = mathopt.solve(
            model, mathopt.SolverType.HIGHS, params=parameters, model_params=model_parameters, msg_cb=messages
        )
    except Exception as error:  # MathOpt raises several kinds on solver failure
        raise SolverError(f"HiGHS failed: {error}") from error
    reason = result.termination.reason
    if reason == mathopt.TerminationReason.UNBOUNDED:
        raise SolverError("HiGHS found the model unbounded")
    if reason in (mathopt.TerminationReason.INFEASIBLE, mathopt.TerminationReason.INFEASIBLE_OR_UNBOUNDED):
        return "infeasible", None, math.inf, math.inf
    bound = float(result.best_objective_bound())
    if not result.has_primal_feasible_solution():
        return "unknown", None, math.inf, bound
    solution = result.to_proto().solutions[0].primal_solution.variable_values
    values = np.zeros(n)
    values[np.asarray(solution.ids, dtype=np.int64)] = solution.values
    values[mip.integer] = np.rint(values[mip.integer])
    objective = float(mip.cost @ values) + mip.offset
    status: MipStatus = "optimal" if reason == mathopt.TerminationReason.OPTIMAL else "feasible"
    return status, values, objective, min(bound, objective)


def _cp_sat_callback(watch: Watch, scale: float, offset: float) -> Any:
    """A CP-SAT solution callback passing each solution's objective to ``watch``."""
    from ortools.sat.python import cp_model

    class Callback(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            watch.improve(self.objective_value / scale + offset, self.best_objective_bound / scale + offset)

    return Callback()


_HIGHS_ROW = re.compile(r"^\s*\S?\s+\d+\s+\d+\s+\d+\s+[\d.]+%\s+(\S+)\s+(\S+)")


@dataclass
class _HighsWatch:
    """Reads HiGHS's branch-and-bound log lines for the best bound and solution."""

    watch: Watch

    def lines(self, lines: list[str]) -> None:
        """MathOpt's message callback: a batch of log lines."""
        for line in lines:
            found = _HIGHS_ROW.match(line)
            if found:
                bound, best = (_number(text, default) for text, default in zip(found.groups(), (-math.inf, math.inf)))
                self.watch.improve(best, bound)


def _number(text: str, default: float) -> float:
    """``text`` as a number ("inf" included), or ``default``."""
    try:
        value = float(text)
    except ValueError:
        return default
    return value if not math.isnan(value) else default
