"""A short before/after comparison on the demo county, shared by the report tests."""

from __future__ import annotations

import pytest

from dispatch import District, cluster
from dispatch.evaluate.simulation import Comparison, SimulationParams, compare
from dispatch.plan.structure import ClusterPlan


@pytest.fixture(scope="session")
def demo_plan(demo: District) -> ClusterPlan:
    return cluster(demo)


@pytest.fixture(scope="session")
def demo_comparison(demo: District, demo_plan: ClusterPlan) -> Comparison:
    return compare(demo, demo_plan, params=SimulationParams(horizon=30 * 86_400.0, seed=2023, replications=3))
