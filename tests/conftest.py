"""Shared fixtures: the bundled districts, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch import District
from dispatch.datasets import demo_district, zhuoshui_shuishi

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def demo() -> District:
    return demo_district()


@pytest.fixture(scope="session")
def tiny() -> District:
    return zhuoshui_shuishi()
