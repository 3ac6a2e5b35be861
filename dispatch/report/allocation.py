"""Tables for planners on an allocation of extra units, in Chinese or English:
where the units go, what each buys, the model's figures now and after, and the
model beside a simulation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..district import District
from ..evaluate.allocation import Allocation, AllocationCheck
from ..evaluate.metrics import TIME_METRICS, Estimate
from ..texttable import Table
from .i18n import Language, display_name, metric_label, term

__all__ = ["allocation_summary", "allocation_table", "check_table", "curve_table", "prediction_table"]


def _names(district: District) -> dict[str, str]:
    return {s.id: display_name(s.id, s.name) for s in district.stations}


def allocation_table(district: District, allocation: Allocation, language: Language = "en") -> Table:
    """The stations whose units change: units now, after, and the change; then
    the district's total."""
    names = _names(district)
    rows: list[tuple[Any, ...]] = [
        (names[s], before, after, f"{after - before:+d}")
        for s, before, after in zip(allocation.stations, allocation.before, allocation.after)
        if after != before
    ]
    rows.append((term("district", language), sum(allocation.before), sum(allocation.after), ""))
    title = "新增警力配置：各所警车数" if language == "zh" else "Where the units go: units a station"
    columns = ("station", "units now", "units after", "change")
    return Table(title, tuple(term(c, language) for c in columns), tuple(rows), ("", ",", ",", ""))


def curve_table(district: District, allocation: Allocation, language: Language = "en") -> Table:
    """Each unit added in turn (the moves first): its station, the objective after
    it and what it bought."""
    names = _names(district)
    mean = allocation.params.objective == "mean"
    factor = 1 / 60 if mean else 100
    rows = tuple(
        (
            step.number or term("moves", language),
            ", ".join(names.get(s, s) for s in step.station.split(", ")),
            step.objective * factor,
            step.gain * factor,
        )
        for step in allocation.curve
    )
    if language == "zh":
        unit = "平均响应时间，分钟" if mean else f"{allocation.params.target / 60:g} 分钟内到达 %"
        title = f"每增加一辆警车的边际效果（{unit}）"
    else:
        unit = "mean response, min" if mean else f"% within {allocation.params.target / 60:g} min"
        title = f"What each unit buys ({unit})"
    columns = ("unit", "station", "objective", "gain")
    return Table(title, tuple(term(c, language) for c in columns), rows, ("", "", ".2f", "+.2f"))


def prediction_table(allocation: Allocation, language: Language = "en") -> Table:
    """The model's figures for today's units and after the allocation."""
    title = (
        "排队模型（超立方体）预测：现状与配置后" if language == "zh" else "The hypercube model's figures, now and after"
    )
    return _side_by_side(title, ("now", "allocated"), allocation.current, allocation.predicted, language)


def check_table(check: AllocationCheck, language: Language = "en") -> Table:
    """The model's predictions beside the simulation of the allocation."""
    title = (
        "排队模型预测与仿真对比（同一批警情）" if language == "zh" else "Predicted by the hypercube model and simulated"
    )
    return _side_by_side(title, ("predicted", "simulated"), check.predicted, check.simulated, language)


def _side_by_side(
    title: str,
    names: tuple[str, str],
    left: Mapping[str, float | Estimate],
    right: Mapping[str, float | Estimate],
    language: Language,
) -> Table:
    """The metrics of ``right`` (times in minutes, shares in per cent), with
    ``left`` beside them where it has them."""

    def shown(value: float | Estimate | None, key: str) -> float | Estimate | None:
        factor = 1 / 60 if key in TIME_METRICS else 100
        return None if value is None else value.scaled(factor) if isinstance(value, Estimate) else value * factor

    rows = tuple((metric_label(k, language), shown(left.get(k), k), shown(right[k], k)) for k in right)
    return Table(title, tuple(term(c, language) for c in ("metric", *names)), rows, ("", ".2f", ".2f"))


def allocation_summary(allocation: Allocation, language: Language = "en") -> str:
    """How the search went, in a line or two."""
    if language != "zh":
        return allocation.verdict() + f"\n{allocation.evaluations:,} fleets scored by the hypercube model"
    status = {"optimal": "唯一可行方案", "feasible": "局部最优（未证明全局最优）", "infeasible": "无可行方案"}

    def shown(value: float) -> str:
        return f"{value / 60:.2f} 分钟" if allocation.params.objective == "mean" else f"{value * 100:.2f}%"

    return (
        f"求解：{status[allocation.status]}，目标值 {shown(allocation.objective)}，"
        f"理论极限 {shown(allocation.bound)}（任何配置都达不到更好），用时 {allocation.solve_time:.1f} 秒，"
        f"共评估 {allocation.evaluations:,} 种配置"
    )
