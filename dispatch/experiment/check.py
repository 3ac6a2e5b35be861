"""``dispatch check``: validate a scenario and everything it reads (police grid
cells included), without solving.

The report lists every problem (with file, row and column), then warnings
(villages without calls, stations without units, calls dropped, coordinates that
look shifted), then every default the loader filled in.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DispatchError, DispatchWarning, InputError
from ..io.layers import DefaultsWarning
from .scenario import Scenario, load_scenario

__all__ = ["CheckReport", "check_scenario"]


@dataclass(frozen=True)
class CheckReport:
    """What :func:`check_scenario` found: ``problems`` stop the scenario from
    running; ``warnings`` and ``defaults`` do not. ``read`` says what was read."""

    scenario: str
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    defaults: list[str] = field(default_factory=list)
    read: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the scenario has no problems."""
        return not self.problems

    def text(self) -> str:
        """The report as lines a person reads."""
        lines = [f"{self.scenario}: {'ok' if self.ok else f'{len(self.problems)} problem(s)'}"]
        for title, items in (
            ("read", self.read),
            ("problems", self.problems),
            ("warnings", self.warnings),
            ("defaults filled in", self.defaults),
        ):
            if items:
                lines.append(f"{title}:")
                lines += [f"  - {item}" for item in items]
        return "\n".join(lines)


def _lines(error: DispatchError) -> list[str]:
    head = str(error).split("\n", 1)[0]
    return [head] if error.problems == [head] else [f"{head.split(': ', 1)[0]}: {p}" for p in error.problems]


def check_scenario(path: str | Path) -> CheckReport:
    """Load the scenario at ``path`` and its district (and incident history)
    without planning or simulating, collecting what is wrong or assumed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from dispatch.datasets.template import write_template
    >>> report = check_scenario(write_template(pathlib.Path(tempfile.mkdtemp()) / "county"))
    >>> report.ok, report.read[0]
    (True, '25 stations with 38 units, 8 partners with 8 units, 320 villages')
    """
    name = str(path)
    try:
        scenario = load_scenario(path)
    except InputError as error:
        return CheckReport(name, problems=_lines(error))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DispatchWarning)
        try:
            district = scenario.district.load()
            history = scenario.district.history(district)
            cells = scenario.grid_cells() if scenario.grids is not None else None
        except (InputError, ImportError) as error:
            problems = _lines(error) if isinstance(error, InputError) else [str(error)]
            return CheckReport(name, problems=problems, **_warned(caught))
    found = _warned(caught)
    found["defaults"] += _scenario_defaults(scenario)
    warned = found["warnings"]
    station_ids = {s.id for s in district.stations}
    posts = {u.station for u in district.units}
    warned += [f"station {s!r} has no units: its calls wait for other stations" for s in sorted(station_ids - posts)]
    quiet = [v.id for v in district.villages if v.incident_rate <= 0]
    if quiet:
        warned.append(f"{len(quiet)} village(s) without calls (incident rate 0): {', '.join(quiet[:10])}")
    partner_units = sum(1 for u in district.units if u.station not in station_ids)
    read = [
        f"{len(district.stations)} stations with {len(district.units) - partner_units} units, "
        f"{len(district.partners)} partners with {partner_units} units, {len(district.villages)} villages"
    ]
    read.append(f"roads: {district.roads.n_nodes:,} nodes, {district.roads.n_edges:,} edges, CRS {district.roads.crs}")
    if cells is not None:
        read.append(f"{len(cells):,} village grid cells for police grids")
    if history is not None:
        read.append(f"{len(history):,} calls matched to villages ({float(np.sum(history.rates())):,.0f} a year)")
        for reason, rows in sorted(history.dropped.items()):
            shown = ", ".join(rows[:5]) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
            warned.append(f"{len(rows)} call(s) dropped: {reason} ({shown})")
    return CheckReport(name, warnings=warned, defaults=found["defaults"], read=read)


def _warned(caught: list[warnings.WarningMessage]) -> dict[str, list[str]]:
    ours = [w for w in caught if issubclass(w.category, DispatchWarning)]
    defaults = [str(w.message) for w in ours if issubclass(w.category, DefaultsWarning)]
    others = [str(w.message) for w in ours if not issubclass(w.category, DefaultsWarning)]
    return {"warnings": others, "defaults": [d for item in defaults for d in item.split("; ")]}


def _scenario_defaults(scenario: Scenario) -> list[str]:
    """The scenario's sections left at their defaults."""
    return [
        f"scenario: no {name!r} section: its defaults apply"
        for name in ("plan", "policy", "baseline", "demand", "simulation")
        if name not in scenario.model_fields_set
    ]
