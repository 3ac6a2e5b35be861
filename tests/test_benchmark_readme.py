"""The README's benchmark blocks are written by benchmarks/readme.py from the scripts' output."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def readme() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_readme", ROOT / "benchmarks" / "readme.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_benchmark_marked_in_the_readme_is_a_script_and_its_block_is_closed(readme: ModuleType) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    names = readme.marked(text)
    assert {"import", "network", "dispatch", "response", "cluster"} <= set(names)
    for name in names:
        assert (ROOT / "benchmarks" / f"bench_{name}.py").is_file(), name
        assert text.count(f"<!-- /bench:{name} -->\n") == 1, name


def test_a_block_is_replaced_between_its_markers_and_nothing_else_changes(readme: ModuleType) -> None:
    text = "# T\n<!-- bench:a -->\nold a\n<!-- /bench:a -->\nkept\n<!-- bench:b -->\nold b\n<!-- /bench:b -->\nend\n"
    filled = readme.fill(text, "a", "new a\n\n")
    assert filled == text.replace("old a", "new a")
    assert readme.fill(filled, "a", "new a") == filled  # running again changes nothing


def test_an_opening_marker_alone_is_enough_to_add_a_benchmark(readme: ModuleType) -> None:
    # The closing marker is added; the next block, closed or not, is left whole.
    text = "<!-- bench:new -->\n<!-- bench:b -->\nold b\n<!-- /bench:b -->\n"
    filled = readme.fill(text, "new", "figures")
    assert filled == "<!-- bench:new -->\nfigures\n<!-- /bench:new -->\n<!-- bench:b -->\nold b\n<!-- /bench:b -->\n"


def test_the_readme_gets_what_each_script_printed_and_a_failing_script_leaves_its_block(
    readme: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bench_good.py").write_text("print('| 站 | s |')\nimport sys; print('progress', file=sys.stderr)\n")
    (tmp_path / "bench_bad.py").write_text("print('half a table'); raise SystemExit(3)\n")
    page = tmp_path / "README.md"
    page.write_text("<!-- bench:good -->\nold\n<!-- /bench:good -->\n<!-- bench:bad -->\nold\n<!-- /bench:bad -->\n")
    monkeypatch.setattr(readme, "HERE", tmp_path)
    monkeypatch.setattr(readme, "README", page)
    assert readme.main([]) == 1
    good, bad = page.read_text(encoding="utf-8").split("<!-- bench:bad -->")
    assert good.startswith("<!-- bench:good -->\n| 站 | s |\n\n*One run of `python benchmarks/bench_good.py` on ")
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in good and "progress" not in good
    assert bad == "\nold\n<!-- /bench:bad -->\n"


def test_naming_a_benchmark_the_readme_does_not_mark_is_refused(
    readme: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / "README.md"
    page.write_text("<!-- bench:good -->\n")
    monkeypatch.setattr(readme, "README", page)
    assert readme.main(["nope"]) == 2
    assert page.read_text() == "<!-- bench:good -->\n"
