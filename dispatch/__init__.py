"""dispatch: plan and run rural police central-station dispatch.

Model a county's stations, units, villages and roads (:class:`District`,
:class:`RoadNetwork`), and measure what dispatching does to response times.
"""

import logging

from .demand import DemandModel as DemandModel
from .demand import IncidentStream as IncidentStream
from .demand import ServiceTime as ServiceTime
from .demand import read_incidents as read_incidents
from .dispatcher import Candidate as Candidate
from .dispatcher import Decision as Decision
from .dispatcher import Dispatcher as Dispatcher
from .dispatcher import Reason as Reason
from .dispatcher import UnitState as UnitState
from .district import District as District
from .errors import DispatchError as DispatchError
from .errors import DispatchWarning as DispatchWarning
from .errors import InfeasibleError as InfeasibleError
from .errors import InputError as InputError
from .errors import SolverError as SolverError
from .errors import UnreachableError as UnreachableError
from .hypercube import HypercubeResult as HypercubeResult
from .hypercube import district_hypercube as district_hypercube
from .hypercube import hypercube as hypercube
from .metrics import Estimate as Estimate
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
from .plan import BalanceParams as BalanceParams
from .plan import BorderRule as BorderRule
from .plan import CentralScore as CentralScore
from .plan import ClusterParams as ClusterParams
from .plan import ClusterPlan as ClusterPlan
from .plan import SolveOptions as SolveOptions
from .plan import StrengthWeights as StrengthWeights
from .plan import capacitated_p_median as capacitated_p_median
from .plan import cluster as cluster
from .plan import p_median as p_median
from .policies import ClusterFirst as ClusterFirst
from .policies import NearestFree as NearestFree
from .policies import OwnStation as OwnStation
from .policies import Policy as Policy
from .simulate import Comparison as Comparison
from .simulate import SimulationResult as SimulationResult
from .simulate import compare as compare
from .simulate import simulate as simulate

logging.getLogger("dispatch").addHandler(logging.NullHandler())

__version__ = "0.1.0"

__all__ = [
    "BalanceParams",
    "BorderRule",
    "Candidate",
    "CentralScore",
    "ClusterFirst",
    "ClusterParams",
    "ClusterPlan",
    "Comparison",
    "Decision",
    "DemandModel",
    "DispatchError",
    "DispatchWarning",
    "Dispatcher",
    "District",
    "Estimate",
    "HypercubeResult",
    "Incident",
    "IncidentStream",
    "Indicators",
    "InfeasibleError",
    "InputError",
    "NearestFree",
    "OwnStation",
    "Partition",
    "Partner",
    "Policy",
    "Reason",
    "RoadNetwork",
    "Route",
    "ServiceTime",
    "SimulationResult",
    "SolveOptions",
    "SolverError",
    "Station",
    "StationKind",
    "StrengthWeights",
    "Tree",
    "Unit",
    "UnitState",
    "UnitStatus",
    "UnreachableError",
    "Village",
    "capacitated_p_median",
    "cluster",
    "compare",
    "district_hypercube",
    "hypercube",
    "p_median",
    "read_incidents",
    "simulate",
]
