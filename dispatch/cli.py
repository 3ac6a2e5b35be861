"""The ``dispatch`` command line (also ``python -m dispatch``).

Exit codes: 0 success; 2 bad input (the message names the file, the field and the
fix); 1 any other failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from .errors import InfeasibleError, InputError

__all__ = ["main"]

DEMO_SEED = 2023
DEMO_REPLICATIONS = 3


def _write_json(path: str, data: Any) -> None:
    from .io.files import atomic_write

    with atomic_write(path) as f:
        json.dump(data, f, indent=2, sort_keys=True, default=str)
    print(f"wrote {path}")


def _demo(args: argparse.Namespace) -> None:
    from .datasets import demo_district
    from .evaluate.simulation import SimulationParams, compare
    from .plan.clustering import cluster
    from .report.html import reform_report
    from .report.progressbar import ProgressBar
    from .report.summary import district_summary, first_due_table

    district = demo_district()
    print(district_summary(district), end="\n\n")
    print(first_due_table(district), end="\n\n")
    plan = cluster(district)
    print(plan.table())
    print(plan.summary(), end="\n\n")
    bar = ProgressBar()
    params = SimulationParams(seed=DEMO_SEED, replications=args.replications)
    comparison = compare(district, plan, params=params, on_progress=bar)
    bar.close()
    print(comparison.table())
    print(
        f"One simulated year x {args.replications} replications, seed {DEMO_SEED}: before = OwnStation (each "
        "station sends only its own units), after = ClusterFirst with the plan; ± is the 95 % confidence half-width."
    )
    print(f"report written to {reform_report(district, plan, comparison, args.report)}")


def _plan(args: argparse.Namespace) -> None:
    from .experiment.scenario import load_scenario
    from .plan.clustering import cluster

    scenario = load_scenario(args.scenario)
    plan = cluster(scenario.district.load(), scenario.plan)
    print(plan.table())
    print(plan.summary())
    if args.json:
        _write_json(args.json, plan.to_dict())


def _simulate(args: argparse.Namespace) -> None:
    from .experiment.scenario import load_scenario
    from .report.progressbar import ProgressBar

    scenario = load_scenario(args.scenario)
    district = scenario.district.load()
    bar = ProgressBar()
    result = scenario.simulate(district, scenario.cluster_plan(district), on_progress=bar)
    bar.close()
    print(result.table(f"{scenario.name}: {scenario.policy.name}"))
    if args.json:
        _write_json(args.json, result.to_dict())


def _compare(args: argparse.Namespace) -> None:
    from .experiment.scenario import load_scenario
    from .report.html import reform_report
    from .report.progressbar import ProgressBar

    scenario = load_scenario(args.scenario)
    district = scenario.district.load()
    plan = scenario.cluster_plan(district)
    if plan is None:
        raise InputError(f"{args.scenario!r}: compare needs a plan: set policy.name to cluster_first")
    bar = ProgressBar()
    comparison = scenario.compare(district, plan, on_progress=bar)
    bar.close()
    print(plan.summary(), end="\n\n")
    print(comparison.table())
    if args.json:
        _write_json(args.json, comparison.to_dict())
    if args.report:
        print(f"report written to {reform_report(district, plan, comparison, args.report)}")


def _sweep(args: argparse.Namespace) -> None:
    from .experiment.scenario import load_sweep
    from .experiment.sweep import ResultStore, run_sweep
    from .report.html import sweep_report
    from .report.progressbar import ProgressBar
    from .report.summary import sweep_tables

    sweep = load_sweep(args.sweep)
    with ResultStore(args.db) as store:
        bar = ProgressBar()
        try:
            outcome = run_sweep(sweep, store, workers=args.workers, scheduler=args.scheduler, on_progress=bar)
        finally:
            bar.close()
        print(f"sweep {sweep.name}: {outcome.ran} row(s) run, {outcome.skipped} already in {args.db}")
        rows = store.rows(sweep)
    table, _ = sweep_tables(rows)
    print(table)
    if args.report:
        print(f"report written to {sweep_report(sweep, rows, args.report)}")


def _schema(args: argparse.Namespace) -> None:
    from .experiment.scenario import Scenario, Sweep

    model = Sweep if args.kind == "sweep" else Scenario
    print(json.dumps(model.model_json_schema(), indent=2))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dispatch", description="Plan and measure rural police central-station dispatch."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="run the bundled synthetic county end to end and write its report")
    demo.add_argument("--report", default="dispatch-demo-report.html", help="HTML report to write")
    demo.add_argument("--replications", type=int, default=DEMO_REPLICATIONS, help="simulated years per policy")
    demo.set_defaults(run=_demo)

    plan = commands.add_parser("plan", help="cluster the stations of a scenario")
    plan.add_argument("scenario", help="scenario file (YAML or JSON)")
    plan.add_argument("--json", help="also write the plan as JSON here")
    plan.set_defaults(run=_plan)

    simulate = commands.add_parser("simulate", help="simulate a scenario's policy")
    simulate.add_argument("scenario", help="scenario file (YAML or JSON)")
    simulate.add_argument("--json", help="also write the metrics as JSON here")
    simulate.set_defaults(run=_simulate)

    compare = commands.add_parser("compare", help="baseline against the scenario's policy, on the same calls")
    compare.add_argument("scenario", help="scenario file (YAML or JSON)")
    compare.add_argument("--report", help="write an HTML report here")
    compare.add_argument("--json", help="also write the comparison as JSON here")
    compare.set_defaults(run=_compare)

    sweep = commands.add_parser("sweep", help="run every scenario of a sweep file (resumes where it stopped)")
    sweep.add_argument("sweep", help="sweep file (YAML or JSON): base scenario and grid")
    sweep.add_argument("--db", default="sweep.sqlite", help="SQLite results database (default sweep.sqlite)")
    sweep.add_argument("--workers", type=int, help="local worker processes (default: one per core; 1: none)")
    sweep.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786 (needs the dask extra)")
    sweep.add_argument("--report", help="write the comparison across the grid as HTML here")
    sweep.set_defaults(run=_sweep)

    schema = commands.add_parser("schema", help="print the JSON Schema of scenario or sweep files")
    schema.add_argument("kind", nargs="?", choices=["scenario", "sweep"], default="scenario")
    schema.set_defaults(run=_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit code."""
    args = _parser().parse_args(argv)
    try:
        args.run(args)
    except (InputError, InfeasibleError) as error:
        print(f"dispatch: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dispatch: interrupted; finished sweep rows are kept", file=sys.stderr)
        return 1
    except Exception as error:
        print(f"dispatch: failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
