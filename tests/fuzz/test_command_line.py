"""Bad input on the command line: exit code 2 and a message that names the file
and the field, never a traceback or exit code 1."""

from __future__ import annotations

import pytest

from dispatch.cli import main

from .framework import EXIT_2, Bad, Kit, cases, check

SHORT = "simulation: {horizon_days: 1, replications: 1}\n"


def run(k: Kit, command: str, text: str, *options: str) -> int:
    """``dispatch command FILE options`` on a file holding ``text``."""
    return main([command, str(k.file("bad.yaml", text)), *options])


CASES = [
    Bad(lambda k: run(k, "plan", "plan: {options: {seed: 2147483648}}\n"), EXIT_2, "plan.options.seed"),  # 2**31
    Bad(lambda k: run(k, "plan", "plan: {options: {time_limit: .inf}}\n"), EXIT_2, "time_limit"),  # infinite limit
    # a balance weight that overflows the solver's scaling
    Bad(lambda k: run(k, "plan", "plan: {balance: {mode: weighted, weight: 1e300}}\n"), EXIT_2, "balance.weight"),
    # a NaN score weight (once a misleading InfeasibleError)
    Bad(lambda k: run(k, "plan", "plan: {score: {weights: {population: .nan}}}\n"), EXIT_2, "weights.population"),
    Bad(lambda k: run(k, "plan", "plan: {strength: {units: .inf}}\n"), EXIT_2, "plan.strength.units"),  # inf weight
    Bad(lambda k: run(k, "plan", "plan: {max_bases: true}\n"), EXIT_2, "plan.max_bases"),  # a boolean count
    # a section given twice: the last would silently win
    Bad(lambda k: run(k, "plan", "plan: {max_bases: 2}\nplan: {max_bases: 3}\n"), EXIT_2, "'plan' appears twice"),
    Bad(lambda k: run(k, "plan", "district: {source: folder, path: /dev/null}\n"), EXIT_2, "is not a folder"),  # device
    Bad(lambda k: run(k, "plan", "plan: [1, 2]\n"), EXIT_2, "field 'plan'"),  # a list for a section
    Bad(lambda k: main(["plan", str(k.tmp / "none.yaml")]), EXIT_2, "none.yaml' does not exist"),  # no file
    Bad(lambda k: main(["plan", str(k.tmp)]), EXIT_2, "is not a regular file"),  # a folder for a file
    Bad(lambda k: main(["plan", str(k.fifo("pipe.yaml"))]), EXIT_2, "pipe.yaml' is not a regular file"),  # a pipe
    Bad(lambda k: run(k, "simulate", "demand: {scale: .inf}\n"), EXIT_2, "demand.scale"),  # infinite demand
    Bad(lambda k: run(k, "simulate", "demand: {profile: [.nan, 1]}\n"), EXIT_2, "demand.profile.0"),  # NaN hour
    Bad(lambda k: run(k, "simulate", "demand: {service: {mean: .inf}}\n"), EXIT_2, "demand.service.mean"),  # inf
    # a lognormal shape whose draws overflow
    Bad(lambda k: run(k, "simulate", "demand: {service: {kind: lognormal, sigma: 1000}}\n"), EXIT_2, "sigma"),
    Bad(lambda k: run(k, "simulate", "simulation: {seed: -1}\n"), EXIT_2, "simulation.seed"),  # negative seed
    Bad(lambda k: run(k, "simulate", "simulation: {replications: 0}\n"), EXIT_2, "simulation.replications"),  # none
    Bad(lambda k: run(k, "simulate", "simulation: {horizon_days: 1e9}\n"), EXIT_2, "horizon_days"),  # endless
    Bad(lambda k: run(k, "simulate", "demand: {scale: 1e9}\n" + SHORT), EXIT_2, "demand scale"),  # runaway
    Bad(lambda k: run(k, "compare", "policy: {name: nearest_free}\n"), EXIT_2, "compare needs a plan"),  # no plan
    Bad(lambda k: run(k, "compare", "baseline: {name: closest}\n"), EXIT_2, "baseline.name"),  # unknown policy
    # a link too short for any base (infeasible)
    Bad(lambda k: run(k, "compare", "plan: {max_link_time: 600}\n" + SHORT), EXIT_2, "nor lead one"),
    # a grid of 10,100 scenarios
    Bad(
        lambda k: run(k, "sweep", f"grid: {{a: {list(range(101))}, b: {list(range(100))}}}\n"), EXIT_2, "at most 10,000"
    ),
    Bad(lambda k: run(k, "sweep", "grid: {simulation.seed: [1, 1]}\n"), EXIT_2, "lists 1 more than once"),  # twice
    Bad(lambda k: run(k, "sweep", "grid: {plan.max_bases: [1, -2]}\n"), EXIT_2, "plan.max_bases"),  # bad combination
    Bad(lambda k: run(k, "sweep", "{}\n", "--db", str(k.tmp / "r.db"), "--workers", "0"), EXIT_2, "workers"),  # none
    Bad(
        lambda k: run(k, "sweep", "name: s\n", "--db", str(k.file("x.db", b"\x00" * 4096))), EXIT_2, "x.db"
    ),  # corrupt db
    Bad(lambda k: run(k, "plan", SHORT, "--json", ""), EXIT_2, "--json"),  # an empty file name
    # a path inside a file: refused before any work
    Bad(lambda k: run(k, "plan", SHORT, "--json", str(k.file("f", "") / "x")), EXIT_2, "f/x"),
]


@pytest.mark.parametrize("case", cases(CASES))
def test_bad_input_on_the_command_line_exits_with_2(case: Bad, kit: Kit, capsys: pytest.CaptureFixture[str]) -> None:
    check(case, kit, capsys)
