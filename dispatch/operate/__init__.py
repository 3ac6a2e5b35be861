"""Operate: dispatch the nearest free unit a policy allows.

- :mod:`~dispatch.operate.dispatcher`: :class:`Dispatcher`, the facade an
  operational system and the simulator call;
- :mod:`~dispatch.operate.policies`: :class:`OwnStation`, :class:`NearestFree`,
  :class:`ClusterFirst` behind the :class:`Policy` protocol, reading a
  :class:`~dispatch.operate.fleet.Fleet`;
- :mod:`~dispatch.operate.units`: the status board (unit cycle and ETAs);
- :mod:`~dispatch.operate.selection`: tiers, preemption, joint assignment;
- :mod:`~dispatch.operate.assignment`: sending, queueing or losing a call, and
  serving the queue;
- :mod:`~dispatch.operate.calls`: the queue of waiting calls;
- :mod:`~dispatch.operate.decision`: :class:`Decision` and its explanation;
- :mod:`~dispatch.operate.travel`: travel tables that make every ETA a lookup.
"""

from .decision import Candidate as Candidate
from .decision import Decision as Decision
from .decision import Reason as Reason
from .dispatcher import Dispatcher as Dispatcher
from .fleet import Fleet as Fleet
from .policies import ClusterFirst as ClusterFirst
from .policies import NearestFree as NearestFree
from .policies import OwnStation as OwnStation
from .policies import Policy as Policy
from .travel import Leg as Leg
from .travel import TravelTables as TravelTables
from .units import UnitState as UnitState

__all__ = [
    "Candidate",
    "ClusterFirst",
    "Decision",
    "Dispatcher",
    "Fleet",
    "Leg",
    "NearestFree",
    "OwnStation",
    "Policy",
    "Reason",
    "TravelTables",
    "UnitState",
]
