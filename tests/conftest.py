"""Shared fixtures: the bundled districts, the demo plan and a short before/after
comparison on it (3 replications of 30 days), made once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch import District, cluster
from dispatch.datasets import demo_district, zhuoshui_shuishi
from dispatch.evaluate.simulation import Comparison, SimulationParams, compare
from dispatch.plan.structure import ClusterPlan

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def demo() -> District:
    return demo_district()


@pytest.fixture(scope="session")
def tiny() -> District:
    return zhuoshui_shuishi()


@pytest.fixture(scope="session")
def demo_plan(demo: District) -> ClusterPlan:
    return cluster(demo)


@pytest.fixture(scope="session")
def demo_comparison(demo: District, demo_plan: ClusterPlan) -> Comparison:
    return compare(demo, demo_plan, params=SimulationParams(horizon=30 * 86_400.0, seed=2023, replications=3))
