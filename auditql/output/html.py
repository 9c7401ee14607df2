"""An HTML table for the notebook: the same rows the terminal table draws, every header and value escaped
(audit fields are attacker-controlled text), NULL shown as `NULL` in its own class (not the empty string),
numbers right-aligned as the terminal table aligns them (`box.numeric_columns`), so digits line up by place."""

from __future__ import annotations

import html
from decimal import Decimal
from itertools import chain, islice
from typing import Any

from auditql.output.box import numeric_columns
from auditql.output.rows import Rows
from auditql.output.text import NULL, cell_text, safe_text

# A `raw` JSON cell can be kilobytes: a notebook page cuts it for display (every value stays in the result).
CELL_CHARS = 200
# `raw` is folded (one click opens it, as the vendor consoles' "extended information" does), so the readable
# columns stay on screen; opened, it shows this much of the record.
RAW_CHARS = 4000
RAW_SUMMARY = 40


def escape(text: str, limit: int = CELL_CHARS) -> str:
    """Terminal-safe, cut to `limit` characters with "…", HTML-escaped (quotes too)."""
    text = safe_text(text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text, quote=True)


RIGHT = ' style="text-align:right"'


def _cell(value: Any, column_type: str, name: str, number: bool) -> str:
    if value is None:
        return f'<td class="null">{NULL}</td>'
    # a DECIMAL keeps its scale (`42.00`), as the terminal table and DuckDB show it, so a column lines up
    text = str(value) if isinstance(value, Decimal) else cell_text(value, column_type)
    if number:
        return f"<td{RIGHT}>{escape(text)}</td>"
    if name == "raw":
        return f"<td><details><summary>{escape(text, RAW_SUMMARY)}</summary>{escape(text, RAW_CHARS)}</details></td>"
    if "TIME" in column_type.upper():  # `2025-11-20T07:41:19.902Z` on one line, never wrapped at its dashes
        return f'<td style="white-space:nowrap">{escape(text)}</td>'
    return f"<td>{escape(text)}</td>"


def html_table(t: Rows, max_rows: int, caption: str, css_class: str = "auditql-result") -> str:
    """The first `max_rows` rows as a `<table>`, then `caption` (the footer) in a paragraph."""
    rows = list(islice(chain.from_iterable(t.batches()), max_rows))
    right = numeric_columns(t.types, rows)
    head = "".join(f"<th{RIGHT if r else ''}>{escape(c)}</th>" for c, r in zip(t.columns, right, strict=True))
    cells = list(zip(t.types, t.columns, right, strict=True))
    body = "".join(
        "<tr>" + "".join(_cell(v, *cell) for v, cell in zip(row, cells, strict=True)) + "</tr>" for row in rows
    )
    return (
        f'<table class="{css_class}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        f"<p>{escape(caption)}</p>"
    )
