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


def escape(text: str) -> str:
    """Terminal-safe, cut to CELL_CHARS with "…", HTML-escaped (quotes too)."""
    text = safe_text(text)
    if len(text) > CELL_CHARS:
        text = text[: CELL_CHARS - 1] + "…"
    return html.escape(text, quote=True)


def _cell(value: Any, column_type: str) -> str:
    if value is None:
        return f'<td class="null">{NULL}</td>'
    return f"<td>{escape(cell_text(value, column_type))}</td>"


def html_table(t: Rows, max_rows: int, caption: str, css_class: str = "auditql-result") -> str:
    """The first `max_rows` rows as a `<table>`, then `caption` (the footer) in a paragraph."""
    head = "".join(f"<th>{escape(c)}</th>" for c in t.columns)
    rows = islice(chain.from_iterable(t.batches()), max_rows)
    body = "".join("<tr>" + "".join(_cell(v, ty) for v, ty in zip(row, t.types, strict=True)) + "</tr>" for row in rows)
    return (
        f'<table class="{css_class}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        f"<p>{escape(caption)}</p>"
    )
