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


def _demo(args: argparse.Namespace) -> None:
    from .datasets import demo_district
    from .plan import cluster
    from .report import district_summary, first_due_table

    district = demo_district()
    print(district_summary(district), end="\n\n")
    print(first_due_table(district), end="\n\n")
    plan = cluster(district)
    print(plan.table())
    print(plan.summary())


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
