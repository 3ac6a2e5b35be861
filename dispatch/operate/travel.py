"""Travel tables that make every ETA a lookup, and the legs units drive.

Units leave from a few dozen posts (stations, partners and the villages of
emergency units) and incidents arise at a few hundred demand points. One forward
tree per post gives the time from a unit at its post to any node; one reverse
tree per target gives the time from any node (the next node of a unit on the
road) to that target. Reverse trees are built on first use and kept for demand
points and posts; a target anywhere else gets a search at call time, cut at the
best ETA already known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..district import District
from ..errors import InputError
from ..network.graph import RoadNetwork, Tree

__all__ = ["Leg", "TravelTables"]


@dataclass(frozen=True)
class Leg:
    """A unit's drive: route ``nodes`` and the time it reaches each of them."""

    nodes: NDArray[np.int64]
    times: NDArray[np.float64]

    @property
    def end(self) -> float:
        """When the unit reaches the last node."""
        return float(self.times[-1])

    def next_stop(self, at: float) -> tuple[int, float]:
        """The index of the next node the unit reaches at or after ``at``, and the
        seconds until then (the last node once the drive is over)."""
        k = min(int(np.searchsorted(self.times, at, side="left")), len(self.nodes) - 1)
        return k, max(float(self.times[k]) - at, 0.0)

    def point(self, at: float, xy: NDArray[np.float64]) -> NDArray[np.float64]:
        """Where the unit is at ``at``, between the nodes it drives between."""
        k, remaining = self.next_stop(at)
        if k == 0:
            return np.asarray(xy[self.nodes[0]])
        span = float(self.times[k] - self.times[k - 1])
        share = 1.0 - remaining / span if span > 0 else 1.0
        return np.asarray(xy[self.nodes[k - 1]] + share * (xy[self.nodes[k]] - xy[self.nodes[k - 1]]))


class TravelTables:
    """Shortest-path trees from every post and towards demand points.

    Parameters
    ----------
    roads
        The road network.
    posts
        Road node of each post units leave from (stations, partners, then the
        villages of emergency units).
    targets
        Nodes whose reverse trees are worth keeping once built (demand points and
        posts).
    """

    def __init__(self, roads: RoadNetwork, posts: ArrayLike, targets: ArrayLike) -> None:
        self.roads = roads
        self.posts = np.asarray(posts, dtype=np.int64)
        self.from_post = roads.trees(self.posts)
        self.post_times = np.array([tree.times for tree in self.from_post])
        self._kept = set(np.asarray(targets, dtype=np.int64).tolist()) | set(self.posts.tolist())
        self._towards: dict[int, Tree] = {}
        self._last: tuple[int, float, Tree] | None = None  # the latest cut tree
        self._paths: dict[tuple[int, bool, int], tuple[NDArray[np.int64], NDArray[np.float64]]] = {}

    @staticmethod
    def bases(district: District) -> NDArray[np.int64]:
        """The road nodes units of ``district`` leave from: its stations, its
        partners, then the village of each emergency unit."""
        villages = [district.village_index[e.village] for e in district.emergency_units]
        return np.concatenate([district.post_nodes, district.village_nodes[villages]])

    @classmethod
    def for_district(cls, district: District) -> TravelTables:
        """Tables for ``district``: its :meth:`bases` as posts, its villages as
        targets."""
        return cls(district.roads, cls.bases(district), district.village_nodes)

    def require(self, district: District) -> None:
        """Refuse tables built for another district's roads or unit bases."""
        if self.roads is not district.roads or not np.array_equal(self.posts, self.bases(district)):
            raise InputError("the travel tables were built for another district's roads or unit bases")

    def warm(self, nodes: ArrayLike) -> None:
        """Build the reverse trees of ``nodes`` now (one batched search), so that
        later calls never wait for them."""
        missing = sorted(set(np.asarray(nodes, dtype=np.int64).tolist()) - set(self._towards))
        for tree in self.roads.trees(missing, reverse=True):
            self._towards[tree.root] = tree

    def towards(self, node: int, *, limit: float = math.inf) -> Tree:
        """The reverse tree towards ``node``: times from every node to it.

        Kept targets get a full tree, built once; any other node gets a tree cut
        just beyond ``limit`` seconds (so that rounding never drops a node at the
        limit), and the latest one is reused while it reaches far enough.
        """
        tree = self._towards.get(node)
        if tree is not None:
            return tree
        if node not in self._kept:
            if self._last is None or self._last[0] != node or self._last[1] < limit:
                cut = limit + 1e-6 * (1.0 + limit)
                self._last = (node, limit, self.roads.tree(node, limit=cut, reverse=True))
            return self._last[2]
        tree = self.roads.tree(node, reverse=True)
        self._towards[node] = tree
        return tree

    def _path(self, tree: Tree, node: int, keep: bool) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The path between ``tree``'s root and ``node`` and the tree's times along
        it; with ``keep`` it is remembered, as calls repeat the same drives."""
        key = (tree.root, tree.reverse, node)
        found = self._paths.get(key) if keep else None
        if found is None:
            nodes = tree.path(node)
            found = (nodes, tree.times[nodes])
            if keep:
                self._paths[key] = found
        return found

    def from_post_leg(self, post: int, target: int, start: float) -> Leg:
        """The drive from post ``post`` to ``target``, leaving at ``start``."""
        nodes, times = self._path(self.from_post[post], target, keep=True)
        return Leg(nodes, start + times)

    def onward_leg(self, tree: Tree, first: int, start: float) -> Leg:
        """The drive from node ``first`` along reverse ``tree`` to its root,
        reaching ``first`` at ``start``."""
        nodes, times = self._path(tree, first, keep=tree is self._towards.get(tree.root))
        return Leg(nodes, start + tree.times[first] - times)
