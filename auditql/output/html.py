"""An HTML table for the notebook: the same rows the terminal table draws, every header and value escaped
(audit fields are attacker-controlled text), NULL shown as `NULL` in its own class (not the empty string)."""

from __future__ import annotations

import html
from itertools import chain, islice
from typing import Any

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


def _cell(value: Any, column_type: str, name: str) -> str:
    if value is None:
        return f'<td class="null">{NULL}</td>'
    text = cell_text(value, column_type)
    if name == "raw":
        return f"<td><details><summary>{escape(text, RAW_SUMMARY)}</summary>{escape(text, RAW_CHARS)}</details></td>"
    if "TIME" in column_type.upper():  # `2025-11-20T07:41:19.902Z` on one line, never wrapped at its dashes
        return f'<td style="white-space:nowrap">{escape(text)}</td>'
    return f"<td>{escape(text)}</td>"


def html_table(t: Rows, max_rows: int, caption: str, css_class: str = "auditql-result") -> str:
    """The first `max_rows` rows as a `<table>`, then `caption` (the footer) in a paragraph."""
    head = "".join(f"<th>{escape(c)}</th>" for c in t.columns)
    rows = islice(chain.from_iterable(t.batches()), max_rows)
    cells = list(zip(t.types, t.columns, strict=True))
    body = "".join(
        "<tr>" + "".join(_cell(v, ty, c) for v, (ty, c) in zip(row, cells, strict=True)) + "</tr>" for row in rows
    )
    return (
        f'<table class="{css_class}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        f"<p>{escape(caption)}</p>"
    )
