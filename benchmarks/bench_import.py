"""Import time: what ``import dispatch`` costs a fresh interpreter, and where it goes.

Two measures, each from ``REPEAT`` fresh interpreters: the cumulative time
``python -X importtime -c "import dispatch"`` reports for ``dispatch`` (the
target is under 0.5 s), and the wall time of ``python -c "import dispatch"``
less that of ``python -c "pass"`` (the interpreter's own start-up, measured in the
same run). The first fresh interpreter is shown apart: it may read files the
operating system has not cached yet. Then the imports that cost most (self time
summed by top-level package) and whether heavy optional modules stay unloaded.

Run: ``python benchmarks/bench_import.py``.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict

from common import paragraph, progress, sig, table

REPEAT = 7
TARGET = 0.5
CORE = "from dispatch import District, Dispatcher, RoadNetwork, cluster, simulate"
"""What a program that uses the library imports: names load on first use, so this
costs more than ``import dispatch`` alone."""
TOP = 8
OPTIONAL = ("scipy.stats", "scipy.optimize", "networkx", "matplotlib", "pandas", "yaml", "dask", "osmnx")
LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)$")


def wall(code: str) -> float:
    """Seconds a fresh interpreter takes to run ``code`` and exit."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def importtime() -> tuple[float, dict[str, float]]:
    """``dispatch``'s cumulative import time in seconds (``-X importtime``) and
    the self time of every module it imported, summed by top-level package."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import dispatch"], capture_output=True, text=True, check=True
    )
    subtree: list[tuple[int, str]] = []
    for line in done.stderr.splitlines():
        found = LINE.match(line)
        if found is None:
            continue
        self_us, cumulative_us, indent, name = int(found[1]), int(found[2]), len(found[3]), found[4]
        if indent > 1:  # lines come children first: keep them until their top-level import ends
            subtree.append((self_us, name))
        elif name == "dispatch":
            by_package: dict[str, float] = defaultdict(float)
            for us, module in [*subtree, (self_us, name)]:
                by_package[package(module)] += us / 1e6
            return cumulative_us / 1e6, dict(by_package)
        else:
            subtree = []
    raise RuntimeError(f"no import of dispatch in the -X importtime output:\n{done.stderr[-2000:]}")


def package(module: str) -> str:
    """The top-level package of ``module``; the standard library as one."""
    top = module.split(".")[0]
    return "standard library" if top in sys.stdlib_module_names or top.startswith("_") else top


def loaded_optional() -> list[str]:
    """Heavy optional modules that ``import dispatch`` loads."""
    check = f"import sys, dispatch; print(' '.join(m for m in {OPTIONAL!r} if m in sys.modules))"
    return subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True).stdout.split()


def main() -> None:
    progress(f"{REPEAT + 1} fresh interpreters each: import dispatch, pass, the core names, -X importtime")
    first = wall("import dispatch")
    with_import = [wall("import dispatch") for _ in range(REPEAT)]
    bare = [wall("pass") for _ in range(REPEAT)]
    core = [wall(CORE) for _ in range(REPEAT)]
    traced = [importtime() for _ in range(REPEAT)]
    cumulative = [total for total, _ in traced]
    start_up = statistics.median(bare)
    added = [t - start_up for t in with_import]
    median = statistics.median(cumulative)
    verdict = "meets" if median < TARGET else "misses"
    paragraph(
        f"`import dispatch` takes **{sig(median)} s** (`-X importtime` cumulative, median of {REPEAT} fresh",
        f"interpreters), which {verdict} the {TARGET} s target; measured by the clock it adds",
        f"{sig(statistics.median(added))} s to the interpreter's own start-up of {sig(start_up)} s. Names load",
        f"on first use: `{CORE}` adds {sig(statistics.median(core) - start_up)} s (numpy, scipy, numba,",
        "pydantic, shapely and the package's own modules), which a command or a program pays once.",
    )
    table(
        f"Import time in seconds ({REPEAT} fresh interpreters; the first one apart)",
        ("measure", "median", "min", "max", "first interpreter"),
        [
            ("`-X importtime`, cumulative for `dispatch`", *stats(cumulative), ""),
            ("wall, `python -c 'import dispatch'`", *stats(with_import), sig(first)),
            ("wall, `python -c 'pass'` (start-up)", *stats(bare), ""),
            ("wall, added by `import dispatch`", *stats(added), sig(first - start_up)),
            (f"wall, added by `{CORE}`", *stats([t - start_up for t in core]), ""),
        ],
        ("", "s", "s", "s", "s"),
    )
    packages = sorted({name for _, parts in traced for name in parts})
    spent = {name: statistics.median(parts.get(name, 0.0) for _, parts in traced) for name in packages}
    biggest = sorted(spent.items(), key=lambda item: -item[1])[:TOP]
    table(
        f"Where the import time goes: self time summed by top-level package (median of {REPEAT}), the {TOP} largest",
        ("package", "seconds", "share"),
        [(name, sig(seconds), f"{seconds / median:.0%}") for name, seconds in biggest],
        ("", "s", "s"),
    )
    loaded = loaded_optional()
    paragraph(
        "Heavy optional modules loaded by `import dispatch`:",
        ", ".join(f"`{m}`" for m in loaded) if loaded else "none",
        f"(checked: {', '.join(f'`{m}`' for m in OPTIONAL)}).",
    )


def stats(values: list[float]) -> tuple[str, str, str]:
    return sig(statistics.median(values)), sig(min(values)), sig(max(values))


if __name__ == "__main__":
    main()
