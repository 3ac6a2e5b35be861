"""Evaluate: measure response times by simulation and by the hypercube model.

- :mod:`~dispatch.evaluate.demand`: calls generated from village rates
  (:class:`DemandParams`) or replayed (:func:`read_incidents`);
- :mod:`~dispatch.evaluate.simulation`: :func:`simulate` and :func:`compare`, which
  drive the same :class:`~dispatch.operate.Dispatcher`;
- :mod:`~dispatch.evaluate.queueing`: :func:`hypercube` (Larson 1974, 1975), with
  :mod:`~dispatch.evaluate.atoms` (a district's inputs, emergency units included);
- :mod:`~dispatch.evaluate.allocation`: :func:`allocate`, where extra units go by
  the hypercube model (:mod:`~dispatch.evaluate.fleetsearch`), checked by simulation;
- :mod:`~dispatch.evaluate.metrics`: the metrics both report.
"""

from .allocation import Allocation as Allocation
from .allocation import AllocationParams as AllocationParams
from .allocation import allocate as allocate
from .allocation import verify_allocation as verify_allocation
from .demand import DemandParams as DemandParams
from .demand import IncidentStream as IncidentStream
from .demand import ServiceParams as ServiceParams
from .history import read_incidents as read_incidents
from .metrics import Estimate as Estimate
from .metrics import IntervalWarning as IntervalWarning
from .metrics import Queue as Queue
from .queueing import HypercubeResult as HypercubeResult
from .queueing import district_hypercube as district_hypercube
from .queueing import hypercube as hypercube
from .simulation import Comparison as Comparison
from .simulation import Records as Records
from .simulation import SimulationParams as SimulationParams
from .simulation import SimulationResult as SimulationResult
from .simulation import compare as compare
from .simulation import simulate as simulate

__all__ = [
    "Allocation",
    "AllocationParams",
    "Comparison",
    "DemandParams",
    "Estimate",
    "HypercubeResult",
    "IncidentStream",
    "IntervalWarning",
    "Queue",
    "Records",
    "ServiceParams",
    "SimulationParams",
    "SimulationResult",
    "allocate",
    "compare",
    "district_hypercube",
    "hypercube",
    "read_incidents",
    "simulate",
    "verify_allocation",
]
