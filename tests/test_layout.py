"""The package's shape: stages import one way, with no circles; no module
shadows an exported function; classes stay small; old names still import."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import dispatch

PACKAGE = Path(dispatch.__file__).parent

STAGES = [
    {"errors", "progress", "texttable"},
    {"model"},
    {"network"},
    {"district"},
    {"io"},
    {"datasets"},
    {"plan"},
    {"operate"},
    {"evaluate"},
    {"experiment"},
    {"report"},
    {"cli", "__main__", "__init__"},
]
"""Stages in the order the work flows: a module may import its own stage or an
earlier one, never a later one."""

MAX_CLASS_LINES = 220


def modules() -> dict[str, ast.Module]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(("dispatch", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
        found[name] = ast.parse(path.read_text(encoding="utf-8"))
    return found


def imports(name: str, tree: ast.Module) -> set[str]:
    """The dispatch modules ``name`` imports, anywhere in its text."""
    package = name if name in ("dispatch",) or _is_package(name) else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("dispatch"):
                found.add(target)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("dispatch")}
    return found


def _is_package(name: str) -> bool:
    return (PACKAGE.parent / Path(*name.split(".")) / "__init__.py").exists()


def stage(name: str) -> int:
    part = name.split(".")[1] if "." in name else "__init__"
    return next(k for k, members in enumerate(STAGES) if part in members)


def test_no_stage_imports_a_later_stage() -> None:
    wrong = [
        f"{name} imports {target}"
        for name, tree in modules().items()
        for target in imports(name, tree)
        if stage(target) > stage(name)
    ]
    assert wrong == []


def test_there_are_no_import_circles() -> None:
    graph = {name: {t for t in imports(name, tree) if t != name} for name, tree in modules().items()}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue  # a package and its own modules
            assert state.get(nxt) != 1, " -> ".join([*path, node, nxt])
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [])


def test_no_module_shares_a_name_with_an_exported_function() -> None:
    functions = {name for name in dispatch.__all__ if callable(getattr(dispatch, name)) and name[0].islower()}
    names = {name.rsplit(".", 1)[-1] for name in modules()}
    assert functions & names == set()


def test_no_class_grows_past_about_two_hundred_lines() -> None:
    long = [
        f"{name}.{node.name}: {node.end_lineno - node.lineno + 1} lines"  # type: ignore[operator]
        for name, tree in modules().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES  # type: ignore[operator]
    ]
    assert long == []


@pytest.mark.parametrize(("old", "new"), sorted(dispatch.RENAMED.items()))
def test_a_renamed_class_still_imports_with_a_warning(old: str, new: str) -> None:
    with pytest.warns(DeprecationWarning, match=new):
        assert getattr(importlib.import_module("dispatch"), old) is getattr(dispatch, new)


def test_every_re_exported_name_resolves_and_is_typed_where_it_lives() -> None:
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    typed = {
        alias.name: node.module
        for block in tree.body
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert typed == dispatch.SOURCES  # the names mypy sees are the names imported on first use
    for name in dispatch.__all__:
        assert getattr(dispatch, name) is not None  # imports from where it lives
