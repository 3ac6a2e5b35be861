"""Police grid tables and summary for planners, in Chinese or English: the
grids, the parts solved, and the planned grids against the current ones."""

from __future__ import annotations

from ..plan.gridplan import OVERRUN_NOTED, GridComparison, GridPlan
from ..texttable import Table
from .i18n import Language, term

__all__ = ["grid_comparison_table", "grid_parts_table", "grid_summary", "grid_table", "solver_label"]


def _in(table: Table, language: Language, *, labels: bool = False) -> Table:
    """``table`` with its title, headers and (``labels``) first-column words in
    ``language``."""
    rows = table.rows
    if labels:
        rows = tuple((term(str(row[0]), language), *row[1:]) for row in rows)
    return Table(term(table.title, language), tuple(term(c, language) for c in table.columns), rows, table.formats)


def grid_table(plan: GridPlan, language: Language = "en") -> Table:
    """One row a police grid (:meth:`GridPlan.table`) in ``language``.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> from dispatch.plan import police_grids
    >>> row = [{"id": f"c{k}", "geometry": box(1e3 * k, 0, 1e3 * (k + 1), 1e3), "calls": 1} for k in range(4)]
    >>> grid_table(police_grids(row, n_grids=2), "zh").columns[:4]
    ('警格', '所属辖区', '中心网格', '网格数')
    """
    return _in(plan.table(), language)


def solver_label(solver: str, language: Language) -> str:
    """How grids were found (``"districts/cp-sat+heuristic*"``, say) in
    ``language``; the MIP solvers keep their names, marks stay.

    Examples
    --------
    >>> solver_label("districts/cp-sat+heuristic*", "zh")
    '集合划分/cp-sat+启发式*'
    """
    words = []
    for part in solver.split("+"):
        method, *engine = part.rstrip("*").split("/")
        words.append("/".join([term(method, language), *engine]) + part[len(part.rstrip("*")) :])
    return "+".join(words)


def grid_parts_table(plan: GridPlan, language: Language = "en") -> Table:
    """One row a part solved (:meth:`GridPlan.parts_table`) in ``language``,
    statuses and methods included."""
    table = _in(plan.parts_table(), language, labels=True)
    columns = plan.parts_table().columns
    status, solver = columns.index("status"), columns.index("solver")
    rows = []
    for row in table.rows:
        cells = list(row)
        cells[status] = term(str(row[status]), language)
        cells[solver] = solver_label(str(row[solver]), language)
        rows.append(tuple(cells))
    return Table(table.title, table.columns, tuple(rows), table.formats)


def grid_comparison_table(comparison: GridComparison, language: Language = "en") -> Table:
    """The planned grids against the current ones (:meth:`GridComparison.table`)
    in ``language``."""
    table = _in(comparison.table(), language, labels=True)
    if language != "zh":
        return table
    *rows, _ = table.rows
    changed = (term("cells changing grid", language), "", f"{comparison.changed:,} / {comparison.cells:,}")
    return Table(table.title, table.columns, (*rows, changed), table.formats)


def grid_summary(plan: GridPlan, language: Language = "en") -> str:
    """A few lines on the grids (:meth:`GridPlan.summary`) in ``language``.

    Examples
    --------
    >>> from dispatch.datasets.cells import synthetic_cells
    >>> from dispatch.plan import police_grids
    >>> plan = police_grids(synthetic_cells(12, seed=1), n_grids=3, balance=None)
    >>> print(grid_summary(plan, "zh").splitlines()[0])
    12 个网格划为 3 个警格，分 1 片求解，其中 1 片证明最优
    """
    if language != "zh":
        return plan.summary()
    spread = plan.spread()
    proven = sum(p.status == "optimal" for p in plan.parts)
    distance = "到中心平均时间" if plan.unit == "s" else "到中心平均距离"
    unit = "秒" if plan.unit == "s" else "米"
    lines = [
        f"{len(plan.labels):,} 个网格划为 {len(plan.grids)} 个警格，"
        f"分 {len(plan.parts)} 片求解，其中 {proven} 片证明最优",
        f"每个警格工作量 {spread.smallest:,.1f} 至 {spread.largest:,.1f}（平均 {spread.mean:,.1f}，"
        f"最大偏差 {spread.deviation:.1%}）；{distance} {spread.compactness:,.0f} {unit}",
    ]
    if plan.links:
        lines.append(f"{len(plan.links)} 处飞地或孤岛已连到最近的网格")
    if plan.fallbacks:
        names = "、".join(p or term("(all)", language) for p in plan.fallbacks)
        lines.append(f"{len(plan.fallbacks)} 片在时限内未得精确解，采用启发式结果（表中标 *）：{names}")
    if plan.overrun >= OVERRUN_NOTED:
        lines.append(f"超出时限 {plan.overrun:,.1f} 秒")
    gap = f"，间隙 {plan.gap:.2%}" if plan.status != "optimal" else ""
    lines.append(
        f"{term(plan.status, language)}（{solver_label(plan.solver, language)}）："
        f"目标值 {plan.objective:,.0f}，下界 {plan.bound:,.0f}{gap}"
    )
    return "\n".join(lines)
