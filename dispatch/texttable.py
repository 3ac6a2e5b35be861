"""A titled table of figures: plain text for the terminal, Markdown for reports."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

from wcwidth import wcswidth

__all__ = ["Table"]


@dataclass(frozen=True)
class Table:
    """A titled table: raw ``rows`` and one format spec per column (``",.0f"``)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    formats: tuple[str, ...]

    def _cells(self) -> list[list[str]]:
        return [
            ["" if _blank(v) else format(v, f) if f else str(v) for v, f in zip(row, self.formats)] for row in self.rows
        ]

    def to_text(self) -> str:
        """The table aligned in columns, numbers to the right, by display width (a
        Chinese character takes two columns of a terminal).

        Examples
        --------
        >>> print(Table("", ("派出所", "n"), (("浊水", 12), ("shuishi", 3)), ("", ",")).to_text())
        <BLANKLINE>
        派出所    n
        浊水     12
        shuishi   3
        """
        cells = [list(self.columns), *self._cells()]
        widths = [max(_width(row[c]) for row in cells) for c in range(len(self.columns))]
        lines = [self.title]
        for row in cells:
            padded = []
            for cell, w, f in zip(row, widths, self.formats):
                space = " " * (w - _width(cell))
                padded.append(space + cell if f else cell + space)
            lines.append("  ".join(padded).rstrip())
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The table in GitHub Markdown."""
        align = ["---:" if f else ":---" for f in self.formats]
        lines = [
            f"**{self.title}**",
            "",
            "| " + " | ".join(self.columns) + " |",
            "| " + " | ".join(align) + " |",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in self._cells()]
        return "\n".join(lines)

    def to_html(self) -> str:
        """The table as an HTML ``<table>`` with a caption."""
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="{"num" if f else "text"}">{html.escape(cell)}</td>' for cell, f in zip(row, self.formats)
            )
            + "</tr>"
            for row in self._cells()
        )
        return f"<table><caption>{html.escape(self.title)}</caption><tr>{head}</tr>{body}</table>"

    def to_dicts(self) -> list[dict[str, Any]]:
        """One ``{column: value}`` dict a row."""
        return [dict(zip(self.columns, row)) for row in self.rows]

    def __str__(self) -> str:
        return self.to_text()


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (wide East Asian characters count two)."""
    width = wcswidth(text)
    return width if width >= 0 else len(text)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
