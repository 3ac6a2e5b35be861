"""A planner's loop: write a scenario, run it, edit one parameter, rerun, compare.

Covers: scenario files (YAML), validation errors that name the field, cluster
plans, before/after comparison on the same calls, and a small sweep stored in
SQLite that resumes instead of recomputing.

Scenario: the demo county. The planner first lets the solver choose the centrals
under the Qianjiang rule (1-2 bases each), then asks what only 7 centrals would
change, checks a mistyped edit, and sweeps the number of centrals against a
doubled demand.
"""

import tempfile
from pathlib import Path

from dispatch import InputError
from dispatch.evaluate.metrics import TIME_METRICS, label
from dispatch.experiment.scenario import Sweep, load_scenario
from dispatch.experiment.sweep import ResultStore, run_sweep
from dispatch.report.summary import sweep_tables

HORIZON_DAYS = 40  # short runs keep the walkthrough quick
REPLICATIONS = 3
SEED = 7
SCENARIO = f"""
name: demo, 1-2 bases per central
district: {{source: demo}}
plan: {{min_bases: 1, max_bases: 2}}
simulation: {{horizon_days: {HORIZON_DAYS}, replications: {REPLICATIONS}, seed: {SEED}}}
"""


def run(path: Path) -> None:
    """Plan the scenario in ``path``, compare before and after, print the gist."""
    scenario = load_scenario(path)
    district = scenario.district.load()
    plan = scenario.cluster_plan(district)
    assert plan is not None
    result = scenario.compare(district, plan)
    counts = ", ".join(f"{n} {kind}" for kind, n in plan.counts().items())
    print(f"{scenario.name}: {counts} ({plan.status})")
    for c in plan.clusters:
        print(f"  {c.central:<10} <- {', '.join(c.bases)}")
    for metric in ("mean", "p95", "within_1800"):  # seconds; within_1800: the share reached within 30 min
        before, after = result.before.metrics()[metric].mean, result.after.metrics()[metric].mean
        scale = 1 / 60 if metric in TIME_METRICS else 100
        print(f"  {label(metric):<18} before {before * scale:6.1f}   after {after * scale:6.1f}")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scenario.yaml"
        path.write_text(SCENARIO)
        run(path)

        print("\nEdit: only 7 centrals, and rerun.")
        edited = SCENARIO.replace("max_bases: 2}", "max_bases: 2, n_centrals: 7}")
        path.write_text(edited.replace("name: demo, 1-2 bases per central", "name: demo, only 7 centrals"))
        run(path)

        print("\nA mistyped edit is refused with the field named:")
        path.write_text(SCENARIO.replace("max_bases: 2", "max_bases: two"))
        try:
            load_scenario(path)
        except InputError as error:
            print("  " + str(error).replace(str(path), "scenario.yaml").splitlines()[-1].strip(" -"))

        print("\nSweep: the number of centrals against demand, stored in SQLite.")
        path.write_text(SCENARIO)
        grid = {"plan.n_centrals": [7, 9], "demand.scale": [1.0, 2.0]}
        sweep = Sweep(name="walkthrough", base=load_scenario(path), grid=grid)
        with ResultStore(Path(folder) / "sweep.sqlite") as store:
            first = run_sweep(sweep, store, workers=1)
            again = run_sweep(sweep, store, workers=1)
            print(f"  first run: {first.ran} rows computed; second run: {again.ran} computed, {again.skipped} kept")
            table, _ = sweep_tables(store.rows(sweep))
        for line in table.to_text().splitlines()[1:]:
            print("  " + line)


if __name__ == "__main__":
    main()
