"""Tables: text, Markdown, HTML and plain rows from the same figures."""

from __future__ import annotations

import math

from dispatch.texttable import Table

TABLE = Table("Title <b>", ("station", "calls", "mean"), (("a&b", 1200, 12.345), ("c", 3, math.nan)), ("", ",", ".1f"))


def test_text_aligns_numbers_right_and_leaves_missing_values_blank() -> None:
    assert TABLE.to_text().splitlines() == [
        "Title <b>",
        "station  calls  mean",
        "a&b      1,200  12.3",
        "c            3",
    ]


def test_markdown_html_and_rows_carry_the_same_figures() -> None:
    assert TABLE.to_markdown().splitlines()[2:5] == [
        "| station | calls | mean |",
        "| :--- | ---: | ---: |",
        "| a&b | 1,200 | 12.3 |",
    ]
    html = TABLE.to_html()
    assert "<caption>Title &lt;b&gt;</caption>" in html and '<td class="text">a&amp;b</td>' in html
    assert TABLE.to_dicts()[0] == {"station": "a&b", "calls": 1200, "mean": 12.345}
