"""Write the README's benchmark figures from the benchmark scripts' own output.

Each ``<!-- bench:NAME -->`` line in README.md stands for ``benchmarks/bench_NAME.py``.
This script runs each such benchmark in a fresh interpreter and writes what it
printed (Markdown) after the marker, up to ``<!-- /bench:NAME -->``, with a line
naming the machine and its load; the closing marker is added when missing. So a
new benchmark enters the README with one line, its opening marker, and no figure
in the README is ever typed by hand. Blocks of benchmarks not run stay as they
are; a benchmark that fails leaves its block untouched and the exit status 1.

Run: ``python benchmarks/readme.py [NAME ...]`` (every marked benchmark by default).
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

from dispatch.io.files import atomic_write

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
OPENING = re.compile(r"^<!-- bench:([\w-]+) -->$", re.MULTILINE)


def marked(text: str) -> list[str]:
    """The benchmark names marked in ``text``, in order."""
    return OPENING.findall(text)


def fill(text: str, name: str, block: str) -> str:
    """``text`` with ``block`` between benchmark ``name``'s markers (the closing
    marker added after the opening one when missing)."""
    opening, closing = f"<!-- bench:{name} -->\n", f"<!-- /bench:{name} -->\n"
    start = text.index(opening) + len(opening)
    end = text.find(closing, start)
    if end < 0 or OPENING.search(text, start, end):  # no closing marker of its own before the next block
        end = start
    else:
        end += len(closing)
    return text[:start] + block.strip() + "\n" + closing + text[end:]


def machine() -> str:
    """The machine the figures come from, for the line under each block."""
    cpu = platform.processor() or platform.machine()
    info = Path("/proc/cpuinfo")
    if info.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", info.read_text(), re.MULTILINE)
        cpu = found.group(1).strip() if found else cpu
    load = f", load average {os.getloadavg()[0]:.1f} at the start" if hasattr(os, "getloadavg") else ""
    return f"{os.cpu_count()} cores ({cpu}), {platform.system()}, Python {platform.python_version()}{load}"


def run(name: str) -> str | None:
    """What ``bench_NAME.py`` printed, with its provenance line; ``None`` when it failed."""
    script = HERE / f"bench_{name}.py"
    if not script.exists():
        print(f"README marks benchmark {name!r}, but {script} does not exist", file=sys.stderr)
        return None
    where = machine()
    print(f"running {script.name} ...", file=sys.stderr, flush=True)
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=HERE,
        stdout=subprocess.PIPE,
        encoding="utf-8",
        env=os.environ | {"PYTHONIOENCODING": "utf-8"},  # Chinese names print the same on any locale
        check=False,
    )
    if done.returncode != 0:
        print(
            f"{script.name} failed (exit status {done.returncode}); its README block is left as it was", file=sys.stderr
        )
        return None
    today = datetime.date.today().isoformat()
    return f"{done.stdout.strip()}\n\n*One run of `python benchmarks/{script.name}` on {today}: {where}.*\n"


def main(names: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    unknown = sorted(set(names) - set(marked(text)))
    if unknown:
        print(f"no <!-- bench:NAME --> marker in README.md for {unknown}; marked: {marked(text)}", file=sys.stderr)
        return 2
    failed = False
    for name in names or marked(text):
        block = run(name)
        if block is None:
            failed = True
            continue
        text = fill(README.read_text(encoding="utf-8"), name, block)  # as edited meanwhile
        with atomic_write(README) as out:  # after each benchmark, so a later failure loses nothing
            out.write(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
