"""Plan the reform: station types and clusters, and the facility-location engine."""

from .cluster import BalanceParams as BalanceParams
from .cluster import BorderGroup as BorderGroup
from .cluster import BorderRule as BorderRule
from .cluster import CentralScore as CentralScore
from .cluster import Cluster as Cluster
from .cluster import ClusterParams as ClusterParams
from .cluster import ClusterPlan as ClusterPlan
from .cluster import StrengthWeights as StrengthWeights
from .cluster import cluster as cluster
from .facility import FacilitySolution as FacilitySolution
from .facility import capacitated_p_median as capacitated_p_median
from .facility import p_median as p_median
from .mip import SolveOptions as SolveOptions

__all__ = [
    "BalanceParams",
    "BorderGroup",
    "BorderRule",
    "CentralScore",
    "Cluster",
    "ClusterParams",
    "ClusterPlan",
    "FacilitySolution",
    "SolveOptions",
    "StrengthWeights",
    "capacitated_p_median",
    "cluster",
    "p_median",
]
