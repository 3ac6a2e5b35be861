"""RoadNetwork inputs: every bad one refused with a message naming it."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from dispatch import InputError
from dispatch.network import RoadNetwork

GOOD: dict[str, Any] = {"labels": ["a", "b"], "xy": [(0.0, 0.0), (100.0, 0.0)], "tails": [0], "heads": [1]}
GOOD["travel_time"] = [10.0]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # text and numbers: numpy would silently turn 1 into "1"
        ({"labels": ["a", 1]}, r"node labels mix types: 'a' \(str, node 0\), 1 \(int, node 1\)"),
        # integers and floats: numpy would silently turn 1 into 1.0
        ({"labels": [1, 2.5]}, r"mix types: 1 \(int, node 0\), 2.5 \(float, node 1\)"),
        # tuples and text
        ({"labels": [(0, 0), "a"]}, r"mix types: \(0, 0\) \(tuple, node 0\), 'a' \(str, node 1\)"),
        # tuples of different lengths stay tuples, but a list cannot be a label
        ({"labels": [[0], [1]]}, r"must be hashable .* node 0 has \[0\]"),
        # a repeated label is named with its nodes
        ({"labels": ["a", "a"]}, "node labels must be unique: 'a' labels nodes 0, 1"),
        # a repeated tuple label too
        ({"labels": [(0, 1), (0, 1)]}, r"unique: \(0, 1\) labels nodes 0, 1"),
        # a two-dimensional array of labels is not one label per node
        ({"labels": np.array([["a", "b"], ["c", "d"]])}, r"one-dimensional, one label per node; got shape \(2, 2\)"),
        # no nodes at all
        ({"labels": [], "xy": np.zeros((0, 2)), "tails": [], "heads": [], "travel_time": []}, "at least one node"),
        # flat coordinates are refused, not reshaped
        ({"xy": [0.0, 0.0, 100.0, 0.0]}, r"xy\) must have shape \(2, 2\).*got \(4,\)"),
        # three coordinates per node
        ({"xy": [(0.0, 0.0, 0.0), (1.0, 0.0, 0.0)]}, r"shape \(2, 2\).*got \(2, 3\)"),
        # one pair too many
        ({"xy": [(0.0, 0.0), (1.0, 0.0), (2.0, 0.0)]}, r"shape \(2, 2\).*got \(3, 2\)"),
        # text coordinates
        ({"xy": [("x", "y"), ("x", "y")]}, r"node coordinates \(xy\) must be numbers"),
        # a NaN coordinate under a tuple label: the message shows the tuple
        ({"labels": [(0, 0), (0, 1)], "xy": [(math.nan, 0.0), (1.0, 0.0)]}, r"node \(0, 0\): \(nan, 0.0\)"),
        # a negative travel time between tuple labels
        ({"labels": [(0, 0), (0, 1)], "travel_time": [-5.0]}, r"edge \(0, 0\) -> \(0, 1\): -5.0"),
        # a fractional node index would be truncated to another node
        ({"tails": [0.5]}, r"edge tails must be whole numbers, got \[0.5\]"),
        # a negative node index would count from the end
        ({"heads": [-1]}, r"edge end points must be node indices in 0..1: edge 0: 0 -> -1"),
        # a yes/no is not a node index
        ({"tails": [True]}, "edge tails must be whole numbers"),
        # one travel time for two edges
        ({"tails": [0, 1], "heads": [1, 0]}, "one entry per edge"),
    ],
)
def test_bad_network_inputs_are_named(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        RoadNetwork(**(GOOD | changes))


def test_labels_keep_their_type() -> None:
    grid = RoadNetwork([(0, 0), (0, 1, 2)], [(0, 0), (1, 0)], [0], [1], [5.0])  # tuples of any length
    assert grid.label(1) == (0, 1, 2) and grid.index((0, 1, 2)) == 1
    numbered = RoadNetwork([10, 20], [(0, 0), (1, 0)], [0], [1], [5.0])
    assert numbered.label(1) == 20 and type(numbered.label(1)) is int


ROADS = RoadNetwork(["a", "b", "c"], [(0, 0), (100, 0), (200, 0)], [0, 1], [1, 2], [10.0, 10.0], two_way=[True, True])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ROADS.shortest_path(0, -1), r"destination out of range 0..2: \[-1\]"),  # not the last node
        (lambda: ROADS.shortest_path(-1, 0), r"origin out of range 0..2: \[-1\]"),  # nor from it
        (lambda: ROADS.shortest_path(0, 3), r"destination out of range 0..2: \[3\]"),  # one past the end
        (lambda: ROADS.label(-1), r"node indices out of range 0..2: \[-1\]"),  # label of the last node
        (lambda: ROADS.travel_times([0], [-1]), r"destinations out of range 0..2: \[-1\]"),  # a matrix column
        (lambda: ROADS.travel_times([-2], [0]), r"origins out of range 0..2: \[-2\]"),  # a matrix row
        (lambda: ROADS.times_from([-1]), r"out of range 0..2: \[-1\]"),  # a source
        (lambda: ROADS.times_to([5]), r"out of range 0..2: \[5\]"),  # a target
        (lambda: ROADS.nearest_source([0, -1]), r"sources out of range 0..2: \[-1\]"),  # a first-due source
        (lambda: ROADS.tree(1.5), r"roots must be whole numbers, got \[1.5\]"),  # a fraction is no node
        (lambda: ROADS.tree(0).path(-1), r"out of range 0..2: \[-1\]"),  # a path to the last node
        (lambda: ROADS.trees(["a"]), "roots must be whole numbers"),  # a label is not an index
    ],
)
def test_bad_node_indices_are_refused_everywhere(call: Callable[[], object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        call()


@pytest.mark.parametrize(
    ("points", "names", "message"),
    [
        ([(math.nan, 0.0)], None, r"finite coordinates: point \(nan, 0.0\)"),  # a NaN point, named by itself
        ([(0.0, 0.0), (math.inf, 1.0)], ["a", "station 'far'"], r"station 'far' at point \(inf, 1.0\)"),  # named
        ([1.0, 2.0, 3.0], None, r"\(x, y\) pairs, shape \(k, 2\); got shape \(3,\)"),  # three numbers
        ([("x", "y")], None, r"\(x, y\) pairs of numbers"),  # text
        ([(0.0, 0.0)], ["a", "b"], "1 points to snap but 2 names"),  # names that do not match
    ],
)
def test_bad_points_to_snap_are_named(points: Any, names: list[str] | None, message: str) -> None:
    with pytest.raises(InputError, match=message):
        ROADS.snap(points, names=names)


def test_one_point_or_none_snaps() -> None:
    assert ROADS.snap((190.0, 5.0))[0].tolist() == [2]
    assert ROADS.snap([])[0].tolist() == []
