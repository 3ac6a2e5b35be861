"""The command line: the demo job, exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dispatch.cli import main


def test_dispatch_demo_summarises_the_demo_county(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Synthetic mountain county (demo)" in out
    assert "First-due areas" in out
    assert out.count("\n") > 30


def test_python_dash_m_dispatch_runs_the_same_command() -> None:
    done = subprocess.run([sys.executable, "-m", "dispatch", "demo"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "district" in done.stdout


def test_an_unknown_command_exits_with_2() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["fly"])
    assert caught.value.code == 2
