"""The ``dispatch`` command line (also ``python -m dispatch``).

Exit codes: 0 success; 2 bad input (the message names the file, the field and the
fix); 1 any other failure (``--debug`` prints its traceback).

Every command takes the shared options of :func:`_shared_options` (``--lang``,
``--quiet``, ``--debug``); every file a command writes is checked before any
work starts.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable, Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

from .errors import InfeasibleError, InputError

__all__ = ["main"]

DEMO_SCENARIO = "demo.json"
"""The scenario ``dispatch demo`` runs, in ``dispatch/scenarios`` (the same as
``examples/scenarios/demo.yaml``)."""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("central-dispatch")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
        return "unknown"


def _output(*suffixes: str) -> Callable[[str], str]:
    """An argparse type: a file that can be written, ending in one of ``suffixes``
    (any name when none are given), checked before any work starts."""

    def check(text: str) -> str:
        if not text.strip():
            raise argparse.ArgumentTypeError("give a file name (got an empty one)")
        path = Path(text)
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"{text!r} is a folder; give a file name")
        if suffixes and path.suffix.lower() not in suffixes:
            raise argparse.ArgumentTypeError(f"{text!r} must end in {' or '.join(suffixes)}")
        folder = next((p for p in (path.parent, *path.parent.parents) if p.exists()), Path("."))
        if not folder.is_dir():
            raise argparse.ArgumentTypeError(f"cannot write {text!r}: {str(folder)!r} is a file, not a folder")
        try:
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as error:
            raise argparse.ArgumentTypeError(f"cannot write {text!r}: {error.strerror} in {str(folder)!r}") from None
        return text

    return check


def _whole(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum``."""

    def check(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return check


class _Run:
    """What one command needs besides its arguments: the language, the progress
    display and where to print."""

    def __init__(self, args: argparse.Namespace) -> None:
        from .report.progressbar import ProgressBar

        self.args = args
        self.language = args.lang
        self.bar = ProgressBar(quiet=args.quiet, language=args.lang)

    def say(self, text: str) -> None:
        """A note for the person at the terminal (none with ``--quiet``)."""
        if not self.args.quiet:
            print(text)

    def wrote(self, path: str) -> None:
        self.say(f"已写入 {path}" if self.language == "zh" else f"wrote {path}")

    def scenario(self, path: str) -> Any:
        from .experiment.scenario import load_scenario

        return load_scenario(path)

    def district(self, scenario: Any) -> Any:
        source = scenario.district.source
        self.bar.note(f"正在读取辖区（{source}）…" if self.language == "zh" else f"loading the district ({source}) ...")
        return scenario.district.load()

    def plan(self, scenario: Any, district: Any) -> Any:
        from .plan.clustering import cluster

        self.bar.note("正在求解中心所片区方案…" if self.language == "zh" else "solving the cluster plan ...")
        return cluster(district, scenario.plan, on_progress=self.bar)


def _write_json(run: _Run, path: str, data: Any) -> None:
    from .io.files import atomic_write

    with atomic_write(path) as f:
        json.dump(data, f, indent=2, sort_keys=True, default=str, ensure_ascii=False)
    run.wrote(path)


def _demo(run: _Run) -> None:
    args = run.args
    scenario = run.scenario(str(files("dispatch") / "scenarios" / DEMO_SCENARIO))
    comparison, plan, district = _compared(run, scenario)
    if args.markdown:
        print(_demo_markdown(comparison, scenario, run.language))
        return
    from .report.html import reform_report
    from .report.summary import district_summary, first_due_table, plan_summary, plan_table, verdict

    language = run.language
    print(district_summary(district, language), end="\n\n")
    print(first_due_table(district, language), end="\n\n")
    print(plan_table(district, plan, language))
    print(plan_summary(plan, language), end="\n\n")
    print(_comparison_table(comparison, language))
    print(_demo_note(scenario, language))
    print(verdict(district, plan, comparison, language))
    path = reform_report(district, plan, comparison, args.report, language=language)
    run.say(f"报告已写入 {path}" if language == "zh" else f"report written to {path}")


def _compared(run: _Run, scenario: Any) -> tuple[Any, Any, Any]:
    district = run.district(scenario)
    plan = scenario.cluster_plan(district)
    if plan is None:
        raise InputError(f"scenario {scenario.name!r}: compare needs a plan: set policy.name to cluster_first")
    try:
        comparison = scenario.compare(district, plan, on_progress=run.bar)
    finally:
        run.bar.close()
    return comparison, plan, district


def _comparison_table(comparison: Any, language: Any) -> Any:
    from .report.summary import metrics_table

    title = "改革前后对比（同一批警情）" if language == "zh" else "Before and after the reform, on the same calls"
    columns = {"before": comparison.before.metrics(), "after": comparison.after.metrics()}
    return metrics_table(title, columns | {"difference": comparison.difference}, language)


def _demo_note(scenario: Any, language: str) -> str:
    policies = (
        "改革前 = 各所只派本所警力，改革后 = 按方案先派片区内最近的空闲警力",
        "before = OwnStation (each station sends only its own units), after = ClusterFirst with the plan",
    )
    return _settings_note(scenario, language, policies)


def _settings_note(scenario: Any, language: str, policies: tuple[str, str]) -> str:
    """The simulation's days, replications and seed, and the ``policies`` compared
    (in Chinese, in English)."""
    s = scenario.simulation
    days = s.horizon / 86_400
    if language == "zh":
        return f"每次模拟 {days:g} 天 × {s.replications} 次，随机种子 {s.seed}：{policies[0]}；± 为 95% 置信区间半宽。"
    return (
        f"{days:g} simulated days x {s.replications} replications, seed {s.seed}: {policies[1]}; "
        "± is the 95 % confidence half-width."
    )


def _demo_markdown(comparison: Any, scenario: Any, language: str) -> str:
    """The README's block of demo figures, as this command prints them."""
    table = _comparison_table(comparison, language)
    return f"{table.to_markdown()}\n\n{_demo_note(scenario, language)}"


def _plan(run: _Run) -> None:
    from .report.export import export_plan
    from .report.summary import plan_summary, plan_table

    args = run.args
    scenario = run.scenario(args.scenario)
    district = run.district(scenario)
    plan = run.plan(scenario, district)
    print(plan_table(district, plan, run.language))
    print(plan_summary(plan, run.language))
    if args.json:
        _write_json(run, args.json, plan.to_dict())
    if args.out:
        run.wrote(str(export_plan(district, plan, args.out)))


def _simulate(run: _Run) -> None:
    from .report.export import export_calls, export_villages
    from .report.summary import metrics_table

    args = run.args
    scenario = run.scenario(args.scenario)
    district = run.district(scenario)
    plan = run.plan(scenario, district) if scenario.policy.needs_plan else None
    try:
        result = scenario.simulate(district, plan, on_progress=run.bar)
    finally:
        run.bar.close()
    print(metrics_table(f"{scenario.name}: {scenario.policy.name}", {"": result.metrics()}, run.language))
    if args.json:
        _write_json(run, args.json, result.to_dict())
    if args.calls:
        run.wrote(str(export_calls(district, result, args.calls)))
    if args.villages:
        run.wrote(str(export_villages(district, {"": result}, args.villages)))


def _compare(run: _Run) -> None:
    from .report.export import export_calls, export_villages
    from .report.html import reform_report
    from .report.summary import plan_summary, verdict

    args = run.args
    comparison, plan, district = _compared(run, run.scenario(args.scenario))
    print(plan_summary(plan, run.language), end="\n\n")
    print(_comparison_table(comparison, run.language))
    print(verdict(district, plan, comparison, run.language))
    if args.json:
        _write_json(run, args.json, comparison.to_dict())
    if args.calls:
        stem = Path(args.calls)
        for name in ("before", "after"):
            path = stem.with_name(f"{stem.stem}-{name}{stem.suffix}")
            run.wrote(str(export_calls(district, getattr(comparison, name), path)))
    if args.villages:
        results = {"before": comparison.before, "after": comparison.after}
        run.wrote(str(export_villages(district, results, args.villages)))
    if args.report:
        path = reform_report(district, plan, comparison, args.report, language=run.language)
        run.say(f"报告已写入 {path}" if run.language == "zh" else f"report written to {path}")


def _allocate(run: _Run) -> None:
    from .evaluate.allocation import AllocationParams, verify_allocation
    from .report.allocation import allocation_summary, allocation_table, check_table, curve_table, prediction_table

    args = run.args
    scenario = run.scenario(args.scenario)
    changes = {
        name: value
        for name, value in (("units", args.units), ("officers", args.officers), ("moves", args.moves))
        if value is not None
    }
    changes |= {name: getattr(args, name) for name in ("objective", "target") if getattr(args, name) is not None}
    if args.officers is not None and args.units is None:
        changes["units"] = 0  # the budget is the officers'

    params = (scenario.allocation or AllocationParams()).replace(**changes)
    scenario = scenario.replace(allocation=params)
    district = run.district(scenario)
    plan = run.plan(scenario, district) if params.central_rule else None
    zh = run.language == "zh"
    try:
        run.bar.note("正在用排队模型寻找配置方案…" if zh else "searching with the hypercube model ...")
        allocation = scenario.allocate(district, plan, on_progress=run.bar)
        run.bar.note("正在仿真验证…" if zh else "simulating the allocation ...")
        check = verify_allocation(
            district, allocation, params=scenario.simulation, demand=scenario.demand, on_progress=run.bar
        )
    finally:
        run.bar.close()
    print(allocation_table(district, allocation, run.language), end="\n\n")
    print(curve_table(district, allocation, run.language), end="\n\n")
    print(prediction_table(allocation, run.language), end="\n\n")
    print(check_table(check, run.language))
    policy = ("按最近空闲警车派警（与模型相同）", "the nearest free unit sent (as in the model)")
    print(_settings_note(scenario, run.language, policy))
    print(allocation_summary(allocation, run.language))
    if args.json:
        _write_json(run, args.json, allocation.to_dict() | {"check": check.to_dict()})


def _sweep(run: _Run) -> None:
    from .experiment.scenario import load_sweep
    from .experiment.sweep import ResultStore, run_sweep
    from .report.html import sweep_report
    from .report.summary import sweep_tables

    args = run.args
    sweep = load_sweep(args.sweep)
    with ResultStore(args.db) as store:
        try:
            outcome = run_sweep(sweep, store, workers=args.workers, scheduler=args.scheduler, on_progress=run.bar)
        finally:
            run.bar.close()
        run.say(f"sweep {sweep.name}: {outcome.ran} row(s) run, {outcome.skipped} already in {args.db}")
        rows = store.rows(sweep)
    table, _ = sweep_tables(rows, run.language)
    print(table)
    if args.report:
        run.say(f"report written to {sweep_report(sweep, rows, args.report, language=run.language)}")


def _init(run: _Run) -> None:
    from .datasets.template import write_template

    scenario = write_template(run.args.folder, lang=run.language)
    run.say(f"wrote a template county to {run.args.folder}; try: dispatch check {scenario}")


def _check(run: _Run) -> int:
    from .experiment.check import check_scenario

    report = check_scenario(run.args.scenario)
    print(report.text())
    return 0 if report.ok else 2


def _schema(run: _Run) -> None:
    from .experiment.scenario import Scenario, Sweep

    model = Sweep if run.args.kind == "sweep" else Scenario
    print(json.dumps(model.model_json_schema(), indent=2))


def _shared_options() -> argparse.ArgumentParser:
    """Options every command takes (add a command with ``parents=[shared]``)."""
    from .report.i18n import LANGUAGES, default_language

    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=default_language(),
        help="language of tables, reports and figures: zh (简体中文) or en (default: from the locale)",
    )
    shared.add_argument("--quiet", action="store_true", help="show no progress and no notes, only results and errors")
    shared.add_argument("--debug", action="store_true", help="print the full traceback of a failure")
    return shared


def _parser() -> argparse.ArgumentParser:
    from .report.export import PLAN_SUFFIXES, TABLE_SUFFIXES

    parser = argparse.ArgumentParser(
        prog="dispatch", description="Plan and measure rural police central-station dispatch."
    )
    parser.add_argument("--version", action="version", version=f"dispatch (central-dispatch) {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    shared = _shared_options()

    def command(name: str, run: Callable[[_Run], int | None], help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, parents=[shared])
        sub.set_defaults(run=run)
        return sub

    def scenario_commands(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("scenario", help="scenario file (YAML or JSON)")

    def table_outputs(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--calls", type=_output(*TABLE_SUFFIXES), help="write every call (.csv or .xlsx)")
        sub.add_argument(
            "--villages", type=_output(*TABLE_SUFFIXES), help="write each village's response (.csv or .xlsx)"
        )

    demo = command("demo", _demo, "run the bundled synthetic county end to end and write its report")
    demo.add_argument(
        "--report", type=_output(".html"), default="dispatch-demo-report.html", help="HTML report to write"
    )
    demo.add_argument("--markdown", action="store_true", help="print only the README's table of demo figures")

    plan = command("plan", _plan, "cluster the stations of a scenario")
    scenario_commands(plan)
    plan.add_argument("--json", type=_output(".json"), help="also write the plan as JSON here")
    plan.add_argument(
        "--out", type=_output(*PLAN_SUFFIXES), help="write the plan as GeoPackage, GeoJSON, shapefile or XLSX"
    )

    simulate = command("simulate", _simulate, "simulate a scenario's policy")
    scenario_commands(simulate)
    simulate.add_argument("--json", type=_output(".json"), help="also write the metrics as JSON here")
    table_outputs(simulate)

    compare = command("compare", _compare, "baseline against the scenario's policy, on the same calls")
    scenario_commands(compare)
    compare.add_argument("--report", type=_output(".html"), help="write an HTML report here")
    compare.add_argument("--json", type=_output(".json"), help="also write the comparison as JSON here")
    table_outputs(compare)

    allocate = command("allocate", _allocate, "place extra units or officers where the model says they help most")
    scenario_commands(allocate)
    allocate.add_argument("--units", type=_whole(0), help="extra units to place (the scenario's allocation.units)")
    allocate.add_argument("--officers", type=_whole(0), help="extra officers (allocation.officers_per_unit a unit)")
    allocate.add_argument("--moves", type=_whole(0), help="existing units that may move between stations")
    allocate.add_argument("--objective", choices=["mean", "within"], help="mean response, or the share within --target")
    allocate.add_argument("--target", type=float, help="seconds, for --objective within (900 is 15 min)")
    allocate.add_argument("--json", type=_output(".json"), help="also write the allocation and its check as JSON here")

    sweep = command("sweep", _sweep, "run every scenario of a sweep file (resumes where it stopped)")
    sweep.add_argument("sweep", help="sweep file (YAML or JSON): base scenario and grid")
    sweep.add_argument(
        "--db", type=_output(), default="sweep.sqlite", help="SQLite results database (default sweep.sqlite)"
    )
    sweep.add_argument("--workers", type=_whole(1), help="local worker processes (default: one per core; 1: none)")
    sweep.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786 (needs the dask extra)")
    sweep.add_argument("--report", type=_output(".html"), help="write the comparison across the grid as HTML here")

    init = command("init", _init, "write a template county (spreadsheets and a scenario) to start from")
    init.add_argument("folder", help="new folder to write (headers in the --lang language)")

    check = command("check", _check, "validate a scenario and its files without solving (exit 2: problems)")
    scenario_commands(check)

    schema = command("schema", _schema, "print the JSON Schema of scenario or sweep files")
    schema.add_argument("kind", nargs="?", choices=["scenario", "sweep"], default="scenario")
    return parser


def _show_warning(message: Any, category: type[Warning], *rest: Any, **options: Any) -> None:
    """Print a warning as one plain line (``dispatch: warning: ...``)."""
    print(f"dispatch: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit code."""
    args = _parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            if not args.debug:
                warnings.showwarning = _show_warning
            code: int | None = args.run(_Run(args))
    except (InputError, InfeasibleError) as error:
        if args.debug:
            traceback.print_exc()
        print(f"dispatch: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dispatch: interrupted; finished sweep rows are kept", file=sys.stderr)
        return 1
    except Exception as error:
        if args.debug:
            traceback.print_exc()
        hint = "" if args.debug else " (rerun with --debug for the traceback)"
        print(f"dispatch: failed: {type(error).__name__}: {error}{hint}", file=sys.stderr)
        return 1
    return code or 0


if __name__ == "__main__":
    sys.exit(main())
