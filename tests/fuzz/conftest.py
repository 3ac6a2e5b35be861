"""The kit every fuzz case builds its inputs from."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch import District

from .framework import Kit


@pytest.fixture
def kit(tmp_path: Path, tiny: District) -> Kit:
    return Kit(tmp_path, tiny)
