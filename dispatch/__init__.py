"""dispatch: plan and run rural police central-station dispatch.

The package follows the flow of the work, one folder per stage:

- :mod:`dispatch.model`, :mod:`dispatch.district`: stations, units, villages,
  partners and incidents, and the :class:`District` that holds them;
- :mod:`dispatch.network`: the :class:`RoadNetwork` and its converters;
- :mod:`dispatch.plan`: central / base / border structure (:func:`cluster`) and
  facility location (:func:`p_median`, :func:`p_center`, :func:`mclp`, ...);
- :mod:`dispatch.operate`: the :class:`Dispatcher` and its policies;
- :mod:`dispatch.evaluate`: :func:`simulate`, :func:`compare`, :func:`hypercube`,
  :func:`allocate`;
- :mod:`dispatch.experiment`: scenario files and sweeps;
- :mod:`dispatch.report`: tables, figures and HTML for people;
- :mod:`dispatch.io`, :mod:`dispatch.datasets`: files and bundled data.

The names below are re-exported here for convenience.
"""

import logging
import warnings
from importlib import import_module
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

from .errors import CoordinateShiftWarning as CoordinateShiftWarning
from .errors import DefaultsWarning as DefaultsWarning
from .errors import DispatchError as DispatchError
from .errors import DispatchWarning as DispatchWarning
from .errors import HypercubeConvergenceWarning as HypercubeConvergenceWarning
from .errors import InfeasibleError as InfeasibleError
from .errors import InputError as InputError
from .errors import IntervalWarning as IntervalWarning
from .errors import OfficersLeftWarning as OfficersLeftWarning
from .errors import SolverError as SolverError
from .errors import UnansweredCallsWarning as UnansweredCallsWarning
from .errors import UnreachableError as UnreachableError

if TYPE_CHECKING:
    from .district import District as District
    from .evaluate import Allocation as Allocation
    from .evaluate import AllocationParams as AllocationParams
    from .evaluate import Comparison as Comparison
    from .evaluate import DemandParams as DemandParams
    from .evaluate import Estimate as Estimate
    from .evaluate import HypercubeResult as HypercubeResult
    from .evaluate import IncidentStream as IncidentStream
    from .evaluate import ServiceParams as ServiceParams
    from .evaluate import SimulationParams as SimulationParams
    from .evaluate import SimulationResult as SimulationResult
    from .evaluate import allocate as allocate
    from .evaluate import compare as compare
    from .evaluate import district_hypercube as district_hypercube
    from .evaluate import hypercube as hypercube
    from .evaluate import read_incidents as read_incidents
    from .evaluate import simulate as simulate
    from .evaluate import verify_allocation as verify_allocation
    from .model import EmergencyUnit as EmergencyUnit
    from .model import Incident as Incident
    from .model import Indicators as Indicators
    from .model import Partner as Partner
    from .model import Station as Station
    from .model import StationKind as StationKind
    from .model import Unit as Unit
    from .model import UnitStatus as UnitStatus
    from .model import Village as Village
    from .network import Partition as Partition
    from .network import RoadNetwork as RoadNetwork
    from .network import Route as Route
    from .network import Tree as Tree
    from .operate import Candidate as Candidate
    from .operate import ClusterFirst as ClusterFirst
    from .operate import Decision as Decision
    from .operate import Dispatcher as Dispatcher
    from .operate import NearestFree as NearestFree
    from .operate import OwnStation as OwnStation
    from .operate import Policy as Policy
    from .operate import Reason as Reason
    from .operate import UnitState as UnitState
    from .plan import BalanceParams as BalanceParams
    from .plan import BorderParams as BorderParams
    from .plan import ClusterParams as ClusterParams
    from .plan import ClusterPlan as ClusterPlan
    from .plan import CoverageSolution as CoverageSolution
    from .plan import ScoreParams as ScoreParams
    from .plan import SolveParams as SolveParams
    from .plan import StrengthParams as StrengthParams
    from .plan import capacitated_p_median as capacitated_p_median
    from .plan import cluster as cluster
    from .plan import lscp as lscp
    from .plan import mclp as mclp
    from .plan import mexclp as mexclp
    from .plan import p_center as p_center
    from .plan import p_median as p_median
    from .progress import OnProgress as OnProgress
    from .progress import Progress as Progress

SOURCES = {
    "District": "district",
    "Allocation": "evaluate",
    "AllocationParams": "evaluate",
    "Comparison": "evaluate",
    "DemandParams": "evaluate",
    "Estimate": "evaluate",
    "HypercubeResult": "evaluate",
    "IncidentStream": "evaluate",
    "ServiceParams": "evaluate",
    "SimulationParams": "evaluate",
    "SimulationResult": "evaluate",
    "allocate": "evaluate",
    "compare": "evaluate",
    "district_hypercube": "evaluate",
    "hypercube": "evaluate",
    "read_incidents": "evaluate",
    "simulate": "evaluate",
    "verify_allocation": "evaluate",
    "EmergencyUnit": "model",
    "Incident": "model",
    "Indicators": "model",
    "Partner": "model",
    "Station": "model",
    "StationKind": "model",
    "Unit": "model",
    "UnitStatus": "model",
    "Village": "model",
    "Partition": "network",
    "RoadNetwork": "network",
    "Route": "network",
    "Tree": "network",
    "Candidate": "operate",
    "ClusterFirst": "operate",
    "Decision": "operate",
    "Dispatcher": "operate",
    "NearestFree": "operate",
    "OwnStation": "operate",
    "Policy": "operate",
    "Reason": "operate",
    "UnitState": "operate",
    "BalanceParams": "plan",
    "BorderParams": "plan",
    "ClusterParams": "plan",
    "ClusterPlan": "plan",
    "CoverageSolution": "plan",
    "ScoreParams": "plan",
    "SolveParams": "plan",
    "StrengthParams": "plan",
    "capacitated_p_median": "plan",
    "cluster": "plan",
    "lscp": "plan",
    "mclp": "plan",
    "mexclp": "plan",
    "p_center": "plan",
    "p_median": "plan",
    "OnProgress": "progress",
    "Progress": "progress",
}
"""Where each re-exported name lives: it is imported on first use, so that
``import dispatch`` (and the command line) start quickly."""

logging.getLogger("dispatch").addHandler(logging.NullHandler())

__version__ = version("central-dispatch")

RENAMED = {
    "BorderRule": "BorderParams",
    "CentralScore": "ScoreParams",
    "DemandModel": "DemandParams",
    "ServiceTime": "ServiceParams",
    "SolveOptions": "SolveParams",
    "StrengthWeights": "StrengthParams",
}
"""Names of version 0.1 and what they are called now."""


def __getattr__(name: str) -> Any:
    """A re-exported name, imported from its module on first use; old names
    still import, with a :class:`DeprecationWarning` naming the new one."""
    if name in RENAMED:
        warnings.warn(f"dispatch.{name} is now dispatch.{RENAMED[name]}", DeprecationWarning, stacklevel=2)
        return __getattr__(RENAMED[name])
    if name in SOURCES:
        value = getattr(import_module(f".{SOURCES[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dispatch' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "Allocation",
    "AllocationParams",
    "BalanceParams",
    "BorderParams",
    "Candidate",
    "ClusterFirst",
    "ClusterParams",
    "ClusterPlan",
    "Comparison",
    "CoordinateShiftWarning",
    "CoverageSolution",
    "Decision",
    "DefaultsWarning",
    "DemandParams",
    "DispatchError",
    "DispatchWarning",
    "Dispatcher",
    "District",
    "EmergencyUnit",
    "Estimate",
    "HypercubeConvergenceWarning",
    "HypercubeResult",
    "Incident",
    "IncidentStream",
    "Indicators",
    "InfeasibleError",
    "InputError",
    "IntervalWarning",
    "NearestFree",
    "OfficersLeftWarning",
    "OnProgress",
    "OwnStation",
    "Partition",
    "Partner",
    "Policy",
    "Progress",
    "Reason",
    "RoadNetwork",
    "Route",
    "ScoreParams",
    "ServiceParams",
    "SimulationParams",
    "SimulationResult",
    "SolveParams",
    "SolverError",
    "Station",
    "StationKind",
    "StrengthParams",
    "Tree",
    "UnansweredCallsWarning",
    "Unit",
    "UnitState",
    "UnitStatus",
    "UnreachableError",
    "Village",
    "allocate",
    "capacitated_p_median",
    "cluster",
    "compare",
    "district_hypercube",
    "hypercube",
    "lscp",
    "mclp",
    "mexclp",
    "p_center",
    "p_median",
    "read_incidents",
    "simulate",
    "verify_allocation",
]
