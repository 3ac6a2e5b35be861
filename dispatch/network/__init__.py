"""The road network: a frozen travel-time graph, its converters and snapping.

- :mod:`~dispatch.network.graph`: :class:`RoadNetwork` (a CSR matrix of travel
  times and its transpose), shortest-path :class:`Tree`, :class:`Route` and
  :class:`Partition`;
- :mod:`~dispatch.network.convert`: networkx and osmnx graphs, OSM files, speeds;
- :mod:`~dispatch.network.snap`: locations to road nodes and to the nearest
  point of the nearest road segment, metres on lon/lat graphs;
- :mod:`~dispatch.network.contract`: degree-2 chains merged exactly into the
  core graph, and :class:`~dispatch.network.contract.Places` on the road;
- :mod:`~dispatch.network.search`: travel times, nearest sources and routes
  between places, searched on the core.
"""

from .convert import RURAL_SPEEDS_KPH as RURAL_SPEEDS_KPH
from .convert import from_edges as from_edges
from .convert import from_networkx as from_networkx
from .convert import from_osm_file as from_osm_file
from .convert import to_networkx as to_networkx
from .graph import Partition as Partition
from .graph import RoadNetwork as RoadNetwork
from .graph import Route as Route
from .graph import Tree as Tree

__all__ = [
    "RURAL_SPEEDS_KPH",
    "Partition",
    "RoadNetwork",
    "Route",
    "Tree",
    "from_edges",
    "from_networkx",
    "from_osm_file",
    "to_networkx",
]
