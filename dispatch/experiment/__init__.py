"""Experiments: scenario files that planners rerun, and sweeps over their grids.

- :mod:`~dispatch.experiment.scenario`: :class:`Scenario` and :class:`Sweep`
  files, loaded safely from YAML or JSON;
- :mod:`~dispatch.experiment.sweep`: :func:`run_sweep` on processes or Dask, with
  results in SQLite (:class:`ResultStore`).
"""

from .scenario import Scenario as Scenario
from .scenario import Sweep as Sweep
from .scenario import load_scenario as load_scenario
from .scenario import load_sweep as load_sweep
from .sweep import ResultStore as ResultStore
from .sweep import run_sweep as run_sweep

__all__ = ["ResultStore", "Scenario", "Sweep", "load_scenario", "load_sweep", "run_sweep"]
