"""The examples run and print what they printed when committed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("name", ["zhuoshui_shuishi", "planner_walkthrough"])
def test_the_example_prints_its_committed_output(name: str) -> None:
    done = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py")], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (EXAMPLES / "expected" / f"{name}.txt").read_text()
