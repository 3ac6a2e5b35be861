"""Words a person reads, in Simplified Chinese and English.

Metric keys stay identifiers (``p90``, ``within_1800``); this module gives their
labels and one-line meanings, the names of station kinds and the other terms of
the reports, tables and figures. Chinese uses the reform's standard terms
(中心所, 基础所, 边界所, 警情, 出警, 响应时间, 辖区, 警力).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

from ..errors import InputError
from ..evaluate.metrics import TIME_METRICS

__all__ = [
    "LANGUAGES",
    "Language",
    "checked_language",
    "default_language",
    "display_name",
    "metric_label",
    "metric_meaning",
    "task_label",
    "term",
]

Language = Literal["zh", "en"]
"""``"zh"``: Simplified Chinese; ``"en"``: English."""

LANGUAGES: tuple[Language, ...] = ("zh", "en")

TERMS: dict[str, tuple[str, str]] = {
    # station kinds
    "central": ("中心所", "central"),
    "base": ("基础所", "base"),
    "border": ("边界所", "border"),
    "unassigned": ("未分类", "unassigned"),
    "central station": ("中心派出所", "central station"),
    "base station": ("基础所", "base station"),
    "border station": ("边界所", "border station"),
    "unassigned station": ("未分类派出所", "unassigned station"),
    "partner across the line": ("县界外协作所", "partner across the line"),
    "county boundary": ("县界", "county boundary"),
    "jurisdiction": ("辖区", "jurisdiction"),
    "village": ("村", "village"),
    "villages": ("村", "villages"),
    # roads
    "local roads": ("乡村道路", "local roads"),
    "county roads": ("县道", "county roads"),
    "provincial roads": ("省道", "provincial roads"),
    "national roads": ("国道", "national roads"),
    # columns
    "station": ("派出所", "station"),
    "name": ("名称", "name"),
    "kind": ("类型", "kind"),
    "cluster": ("所属中心所", "cluster"),
    "bases": ("基础所", "bases"),
    "bases / partners": ("基础所 / 协作所", "bases / partners"),
    "units": ("警车", "units"),
    "officers": ("警力", "officers"),
    "calls": ("警情", "calls"),
    "calls a year": ("年警情", "calls a year"),
    "strength": ("警力强度", "strength"),
    "incidents/yr": ("年警情", "incidents/yr"),
    "balance": ("均衡度", "balance"),
    "mean link": ("平均联络", "mean link"),
    "worst link": ("最远联络", "worst link"),
    "mean travel": ("平均行驶", "mean travel"),
    "mean before": ("改革前平均", "mean before"),
    "mean after": ("改革后平均", "mean after"),
    "p90 before": ("改革前 p90", "p90 before"),
    "p90 after": ("改革后 p90", "p90 after"),
    "busy %": ("出警占用 %", "busy %"),
    "metric": ("指标", "metric"),
    "meaning": ("含义", "meaning"),
    "before": ("改革前", "before"),
    "after": ("改革后", "after"),
    "difference": ("变化", "difference"),
    "population": ("人口", "population"),
    "mean min": ("平均 分钟", "mean min"),
    "worst min": ("最远 分钟", "worst min"),
    "count": ("数量", "count"),
    "notes": ("说明", "notes"),
    "runs": ("次数", "runs"),
    "district": ("全县", "district"),
    "minutes": ("分钟", "minutes"),
    "min": ("分钟", "min"),
    # allocation of extra units
    "emergency units": ("应急处置单元", "emergency units"),
    "units now": ("现有警车", "units now"),
    "units after": ("配置后警车", "units after"),
    "change": ("增减", "change"),
    "moves": ("调动", "moves"),
    "unit": ("第几辆", "unit"),
    "objective": ("目标值", "objective"),
    "gain": ("边际效果", "gain"),
    "now": ("现状", "now"),
    "allocated": ("配置后", "allocated"),
    "predicted": ("模型预测", "predicted"),
    "simulated": ("仿真", "simulated"),
    # police grids (警格) over village grids (网格)
    "Police grids": ("警格", "Police grids"),
    "Parts solved": ("分片求解", "Parts solved"),
    "Current and planned police grids": ("现有与规划警格对比", "Current and planned police grids"),
    "grid": ("警格", "grid"),
    "nest": ("所属辖区", "nest"),
    "centre": ("中心网格", "centre"),
    "cells": ("网格数", "cells"),
    "workload": ("工作量", "workload"),
    "mean m to centre": ("到中心平均距离 (米)", "mean m to centre"),
    "mean s to centre": ("到中心平均时间 (秒)", "mean s to centre"),
    "part": ("辖区", "part"),
    "(all)": ("(全部)", "(all)"),
    "grids": ("警格数", "grids"),
    "workload band": ("工作量区间", "workload band"),
    "status": ("求解状态", "status"),
    "optimal": ("最优", "optimal"),
    "feasible": ("可行", "feasible"),
    "gap (%)": ("间隙 (%)", "gap (%)"),
    "solver": ("求解方法", "solver"),
    "time (s)": ("用时 (秒)", "time (s)"),
    "current": ("现有", "current"),
    "planned": ("规划", "planned"),
    "mean workload": ("平均工作量", "mean workload"),
    "smallest workload": ("最小工作量", "smallest workload"),
    "largest workload": ("最大工作量", "largest workload"),
    "largest deviation from the mean (%)": ("与均值最大偏差 (%)", "largest deviation from the mean (%)"),
    "coefficient of variation (%)": ("变异系数 (%)", "coefficient of variation (%)"),
    "mean metres to the centre": ("到中心平均距离 (米)", "mean metres to the centre"),
    "mean seconds to the centre": ("到中心平均时间 (秒)", "mean seconds to the centre"),
    "grids not contiguous": ("不连片警格", "grids not contiguous"),
    "cells changing grid": ("调整归属的网格", "cells changing grid"),
    "centre cell": ("中心网格", "centre cell"),
    # how the grids of a part were found (the MIP solver's name follows a slash)
    "districts": ("集合划分", "districts"),
    "assignment": ("指派模型", "assignment"),
    "heuristic": ("启发式", "heuristic"),
    "direct": ("直接求得", "direct"),
}
"""Each term: (Chinese, English)."""

METRICS: dict[str, tuple[str, str, str, str]] = {
    "mean": (
        "平均响应时间",
        "mean response",
        "从接警到民警到达现场的平均时间。",
        "Average time from the call to the unit's arrival on scene.",
    ),
    "p50": (
        "响应时间中位数",
        "median response",
        "一半警情在此时间内到达。",
        "Half of the calls are reached within this time.",
    ),
    "p90": (
        "90% 警情到达时间",
        "p90 response",
        "90% 的警情在此时间内到达；反映偏远村的等待。",
        "90 % of the calls are reached within this time: the slow tail, remote villages.",
    ),
    "p95": (
        "95% 警情到达时间",
        "p95 response",
        "95% 的警情在此时间内到达。",
        "95 % of the calls are reached within this time.",
    ),
    "mean_travel": (
        "平均行驶时间",
        "mean travel",
        "出警车辆从出发到现场的平均路上时间。",
        "Average road time of the unit sent, from leaving to arriving.",
    ),
    "mean_wait": (
        "平均等待派警时间",
        "mean wait",
        "警情等到有警力可派的平均时间。",
        "Average time a call waits until a unit may be sent.",
    ),
    "queued": (
        "需排队的警情",
        "calls that waited",
        "接警时没有可派警力、需要等待的警情比例。",
        "Share of calls that found no unit free that may answer, and waited.",
    ),
    "lost": (
        "因无警力流失的警情",
        "calls lost",
        "报警时无空闲警力、不排队而流失的警情比例（仅不排队模式）。",
        "Share of calls no unit took (loss systems only).",
    ),
    "unanswered": (
        "始终无人处置的警情",
        "calls never answered",
        "直到模拟结束仍无警力可派的警情比例（如无警车的派出所）；计入各百分位和达标率。",
        "Share of calls no unit ever reached (a station without units, say); they count in every percentile and share.",
    ),
    "cross_station": (
        "跨所出警",
        "served across stations",
        "由其他派出所警力处置的警情比例。",
        "Share of calls answered by a unit of another station.",
    ),
    "cross_cluster": (
        "跨片区出警",
        "served across clusters",
        "由其他中心所片区警力处置的警情比例。",
        "Share of calls answered from outside the caller's cluster.",
    ),
    "partner": (
        "县界外协作出警",
        "served by partners",
        "由县界外协作所警力处置的警情比例。",
        "Share of calls answered by a partner station across the county line.",
    ),
    "utilisation": (
        "警力占用率",
        "utilisation",
        "警车出警（在途或在现场）时间占全部时间的比例。",
        "Share of time a unit is committed to calls (driving or on scene).",
    ),
}
"""Each metric: (Chinese label, English label, Chinese meaning, English meaning)."""

PLAN_TERMS: dict[str, tuple[str, str]] = {
    "objective": (
        "目标值：各所警情数 × 中心所到该所的道路时间之和（警情·秒/年），加均衡惩罚。",
        "Objective: incidents a year x road seconds from each station's central, summed "
        "(incident-seconds a year), plus the balance penalty.",
    ),
    "strength": (
        "警力强度：民警数 + 2 × 警车数。",
        "Strength: officers + 2 x units.",
    ),
    "balance": (
        "均衡度：片区警力强度/警情量与全县之比，1.0 即与全县相同。",
        "Balance: a cluster's strength per incident over the district's; 1.0 is the district's.",
    ),
}
"""Plan quantities explained: (Chinese, English)."""

PROGRESS_TASKS: dict[str, tuple[str, str]] = {
    "simulating": ("仿真", "simulating"),
    "allocating units": ("配置警力", "allocating units"),
    "sweep": ("批量实验", "sweep"),
    "clustering": ("求解中心所片区", "clustering"),
    "p-median": ("求解 p-中位模型", "p-median"),
    "capacitated p-median": ("求解带容量的 p-中位模型", "capacitated p-median"),
    "p-center": ("求解 p-中心模型", "p-center"),
    "set covering": ("求解集合覆盖模型", "set covering"),
    "maximal covering": ("求解最大覆盖模型", "maximal covering"),
    "expected covering": ("求解最大期望覆盖模型", "expected covering"),
    "police grids": ("划分警格", "police grids"),
}
"""Long tasks that report progress (:class:`~dispatch.progress.Progress`), by
their English name; a name may be followed by what it works on."""


def checked_language(language: str) -> Language:
    """``language`` if it is one of :data:`LANGUAGES`; else an :class:`InputError`.

    Examples
    --------
    >>> checked_language("zh")
    'zh'
    """
    if language not in LANGUAGES:
        raise InputError(f"unknown language {language!r}: use 'zh' (Simplified Chinese) or 'en' (English)")
    return "zh" if language == "zh" else "en"


def default_language(environ: Mapping[str, str] | None = None) -> Language:
    """Chinese when the locale (``LC_ALL``, ``LC_MESSAGES`` or ``LANG``) is Chinese,
    else English.

    Examples
    --------
    >>> default_language({"LANG": "zh_CN.UTF-8"}), default_language({"LANG": "C"})
    ('zh', 'en')
    """
    environ = os.environ if environ is None else environ
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def term(key: str, language: Language) -> str:
    """The term ``key`` (its English form) in ``language``; unknown keys as given.

    Examples
    --------
    >>> term("central", "zh"), term("central", "en")
    ('中心所', 'central')
    """
    words = TERMS.get(key)
    if words is None:
        return key
    return words[0] if language == "zh" else words[1]


def task_label(task: str, language: Language) -> str:
    """A progress report's task in ``language``; what follows a known task's name
    (the policy simulated, the sweep's name) is kept.

    Examples
    --------
    >>> task_label("simulating NearestFree", "zh"), task_label("p-median", "zh")
    ('仿真 NearestFree', '求解 p-中位模型')
    """
    for name in sorted(PROGRESS_TASKS, key=len, reverse=True):
        if task == name or task.startswith(name + " "):
            words = PROGRESS_TASKS[name]
            return (words[0] if language == "zh" else words[1]) + task[len(name) :]
    return task


def metric_label(key: str, language: Language, *, unit: bool = True) -> str:
    """The metric ``key`` in words, with its unit as shown (minutes or per cent).

    Examples
    --------
    >>> metric_label("within_1800", "zh"), metric_label("p90", "en")
    ('30 分钟内到达 (%)', 'p90 response (min)')
    """
    if key.startswith("within_"):
        minutes = float(key.removeprefix("within_")) / 60
        text = f"{minutes:g} 分钟内到达" if language == "zh" else f"within {minutes:g} min"
    else:
        zh, en, _, _ = METRICS.get(key, (key, key.replace("_", " "), "", ""))
        text = zh if language == "zh" else en
    if not unit:
        return text
    shown = ("分钟" if language == "zh" else "min") if key in TIME_METRICS else "%"
    return f"{text} ({shown})"


def metric_meaning(key: str, language: Language) -> str:
    """One line on what the metric ``key`` measures.

    Examples
    --------
    >>> metric_meaning("within_900", "en")
    'Share of calls reached within 15 minutes of the call.'
    """
    if key.startswith("within_"):
        minutes = float(key.removeprefix("within_")) / 60
        return (
            f"接警后 {minutes:g} 分钟内到达现场的警情比例。"
            if language == "zh"
            else (f"Share of calls reached within {minutes:g} minutes of the call.")
        )
    entry = METRICS.get(key)
    if entry is None:
        return ""
    return entry[2] if language == "zh" else entry[3]


def display_name(ident: str, name: str) -> str:
    """How a person reads a station or village: its name with its id beside it
    (``浊水 (zhuoshui)``); the name alone when it already spells the id, the id
    alone when there is no name.

    Examples
    --------
    >>> display_name("zhuoshui", "浊水"), display_name("v001", ""), display_name("antang", "Antang")
    ('浊水 (zhuoshui)', 'v001', 'Antang')
    """
    if not name or name == ident:
        return ident
    if ident.split("-")[0].lower() in name.lower():
        return name
    return f"{name} ({ident})"
