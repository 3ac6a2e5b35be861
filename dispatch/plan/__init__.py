"""Plan the reform: station types and clusters, and the facility-location engine.

- :mod:`~dispatch.plan.params`: what clustering weighs (:class:`ClusterParams`);
- :mod:`~dispatch.plan.clustering`: :func:`cluster`, with :mod:`~dispatch.plan.border`
  (border stations) and :mod:`~dispatch.plan.diagnose` (why rules cannot hold);
- :mod:`~dispatch.plan.structure`: the :class:`ClusterPlan` it returns;
- :mod:`~dispatch.plan.median`: the p-median, uncapacitated and capacitated;
- :mod:`~dispatch.plan.coverage`, :mod:`~dispatch.plan.expected` and
  :mod:`~dispatch.plan.center`: LSCP, MCLP, MEXCLP and the p-center;
- :mod:`~dispatch.plan.facility`: the assignment engine and shared checks;
- :mod:`~dispatch.plan.heuristics` and :mod:`~dispatch.plan.bounds`: warm starts
  and Lagrangian bounds;
- :mod:`~dispatch.plan.mip`: the sparse MIP layer on CP-SAT or HiGHS;
- :mod:`~dispatch.plan.result`: the protocol every solver-backed result shares.
"""

from .center import p_center as p_center
from .clustering import cluster as cluster
from .coverage import CoverageSolution as CoverageSolution
from .coverage import lscp as lscp
from .coverage import mclp as mclp
from .expected import mexclp as mexclp
from .facility import FacilitySolution as FacilitySolution
from .median import capacitated_p_median as capacitated_p_median
from .median import p_median as p_median
from .mip import SolveParams as SolveParams
from .params import BalanceParams as BalanceParams
from .params import BorderParams as BorderParams
from .params import ClusterParams as ClusterParams
from .params import ScoreParams as ScoreParams
from .params import StrengthParams as StrengthParams
from .result import SolverResult as SolverResult
from .result import Status as Status
from .structure import BorderGroup as BorderGroup
from .structure import Cluster as Cluster
from .structure import ClusterPlan as ClusterPlan

__all__ = [
    "BalanceParams",
    "BorderGroup",
    "BorderParams",
    "Cluster",
    "ClusterParams",
    "ClusterPlan",
    "CoverageSolution",
    "FacilitySolution",
    "ScoreParams",
    "SolveParams",
    "SolverResult",
    "Status",
    "StrengthParams",
    "capacitated_p_median",
    "cluster",
    "lscp",
    "mclp",
    "mexclp",
    "p_center",
    "p_median",
]
