"""The ``dispatch`` command line.

Exit codes: 0 success; 2 bad input (the message names the file, field and fix);
1 any other failure.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .errors import InputError

__all__ = ["main"]

DEMO_SEED = 2023
DEMO_REPLICATIONS = 3


def _demo(args: argparse.Namespace) -> None:
    from .datasets import demo_district
    from .plan import cluster
    from .report import district_summary, first_due_table
    from .simulate import compare

    district = demo_district()
    print(district_summary(district), end="\n\n")
    print(first_due_table(district), end="\n\n")
    plan = cluster(district)
    print(plan.table())
    print(plan.summary(), end="\n\n")
    comparison = compare(district, plan, seed=DEMO_SEED, replications=DEMO_REPLICATIONS)
    print(comparison.table())
    print(
        f"One simulated year x {DEMO_REPLICATIONS} replications, seed {DEMO_SEED}: before = OwnStation (each station "
        "sends only its own units), after = ClusterFirst with the plan; ± is the 95 % confidence half-width."
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dispatch", description="Plan and measure rural police central-station dispatch."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="summarise the bundled synthetic demo county")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit code."""
    args = _parser().parse_args(argv)
    try:
        args.run(args)
    except InputError as error:
        print(f"dispatch: error: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        print(f"dispatch: failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0
