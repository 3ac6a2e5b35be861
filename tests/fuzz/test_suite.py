"""The fuzz suite itself: enough distinct cases, each with a comment, each
expecting a dispatch error (or exit code 2), and bounds that hold."""

from __future__ import annotations

import ast
import importlib
import io
import tokenize
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from dispatch import DispatchError

from .framework import EXIT_2, Bad, CaseTimeoutError, bounded

MODULES = sorted(p.stem for p in Path(__file__).parent.glob("test_*.py") if p.stem != "test_suite")


def every_case() -> list[Bad]:
    return [case for name in MODULES for case in importlib.import_module(f"tests.fuzz.{name}").CASES]


@cache
def calls(filename: str) -> dict[int, tuple[str, set[int]]]:
    """For each ``Bad(...)`` in a file, by the line of its first argument: its
    text without comments, and the lines around it that hold comments."""
    text = Path(filename).read_text(encoding="utf-8")
    comments = {t.start[0] for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type == tokenize.COMMENT}
    found = {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Bad" and node.args:
            assert node.end_lineno is not None
            around = comments & set(range(node.lineno - 1, node.end_lineno + 1))
            found[node.args[0].lineno] = (ast.unparse(node), around)
    return found


def described(case: Bad) -> tuple[str, set[int]]:
    code = case.call.__code__
    return calls(code.co_filename)[code.co_firstlineno]


def test_the_suite_holds_at_least_250_distinct_bad_inputs() -> None:
    texts = [described(case)[0] for case in every_case()]
    assert len(texts) >= 250
    assert len(set(texts)) == len(texts), [t for t in texts if texts.count(t) > 1]


def test_every_case_says_what_is_wrong_and_expects_a_dispatch_error() -> None:
    for case in every_case():
        assert described(case)[1] or case.xfail, f"{case.where} has no comment saying what is wrong"
        assert case.error == EXIT_2 or issubclass(case.error, DispatchError), case.where  # type: ignore[arg-type]
        assert case.names, case.where


def test_a_case_that_runs_too_long_is_stopped() -> None:
    with pytest.raises(CaseTimeoutError), bounded(seconds=0.2):
        while True:
            pass


def test_a_case_that_allocates_too_much_memory_fails_at_once() -> None:
    with pytest.raises(MemoryError), bounded(memory=1 << 28):
        np.ones(1 << 30)  # 8 GB
    assert len(np.ones(1 << 20)) == 1 << 20  # the limit is lifted afterwards
