"""Rows -> table / vertical / csv / json / ndjson / markdown (and HTML for the notebook): one registry, one
renderer per format, used by the command line, the REPL and the notebook alike. Parquet is written from
Arrow batches by `auditql query --output`, not here.

Every writer draws a batch of rows at a time (`Rows.batches`), so a result streamed from DuckDB is written as
it arrives and never held whole. Rules that hold in every format live in `text` (times in UTC with a `Z`,
terminal-safe text, CSV formula neutralizing); how a table fits a screen lives in `box` (after the DuckDB
CLI's duckbox mode); reports (ingest, verify) become rows in `reports`; footers are facts (`rows`).
Nothing is cut in csv/json/ndjson output, nor in a table written to a file or a pipe.

The names below are the package's public face: `from auditql.output import …` keeps working as it did when
this was one module.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from auditql.errors import UsageError
from auditql.output.box import write_markdown, write_table, write_vertical
from auditql.output.csvfile import CSV_BATCH_ROWS, write_csv
from auditql.output.jsonfile import write_json, write_ndjson
from auditql.output.rows import RowCount, Rows, Shown, Table, dicts, footer_text
from auditql.output.text import (
    ERROR_CHARS,
    NULL,
    cell_text,
    csv_cell,
    display_text,
    error_text,
    is_terminal,
    iso_time,
    json_text,
    neutralize,
    plain,
    safe_text,
    terminal_text,
)

__all__ = [
    "BINARY_FORMATS",
    "CSV_BATCH_ROWS",
    "ERROR_CHARS",
    "EXTENSIONS",
    "FORMATS",
    "NULL",
    "SCREEN_ROWS",
    "RowCount",
    "Rows",
    "Shown",
    "Table",
    "cell_text",
    "check_format",
    "csv_cell",
    "dicts",
    "display_text",
    "draw",
    "error_text",
    "footer_text",
    "format_for",
    "is_terminal",
    "iso_time",
    "json_text",
    "neutralize",
    "plain",
    "render",
    "render_text",
    "safe_text",
    "screen_width",
    "screenful",
    "terminal_text",
    "write_csv",
    "write_json",
    "write_markdown",
    "write_ndjson",
    "write_table",
    "write_vertical",
]  # fmt: skip

# Every writer returns what it showed (`Shown`) or None when it shows every row and column.
FORMATS: dict[str, Callable[..., Shown | None]] = {
    "table": write_table,
    "csv": write_csv,
    "json": write_json,
    "ndjson": write_ndjson,
    "markdown": write_markdown,
    "vertical": write_vertical,
}
BINARY_FORMATS = ("parquet",)
EXTENSIONS = {
    ".csv": "csv",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".md": "markdown",
    ".parquet": "parquet",
    ".txt": "table",
}
# The rows a table or vertical view shows on a terminal before it hides the middle ones (DuckDB's `.maxrows`
# default); `auditql query --max-rows` changes it, and output to a pipe or file is never capped.
SCREEN_ROWS = 40


def check_format(name: str) -> str:
    valid = [*FORMATS, *BINARY_FORMATS]
    if name not in valid:
        raise UsageError(f"{name!r} is not an output format. Try one of: {', '.join(valid)}")
    return name


def format_for(path: Path) -> str:
    try:
        return EXTENSIONS[path.suffix.lower()]
    except KeyError:
        raise UsageError(
            f"{path}: cannot tell the format from the extension. Try one of: {', '.join(EXTENSIONS)}"
        ) from None


def screen_width(out: TextIO) -> int | None:
    """The terminal's width (`$COLUMNS` wins, as everywhere) when `out` is a terminal; None for a pipe or file,
    where a table is written whole."""
    return shutil.get_terminal_size().columns if is_terminal(out) else None


def screenful(out: TextIO, fmt: str, max_rows: int | None = None) -> int | None:
    """The rows a table or vertical view may show on `out`: on a terminal `max_rows` (None: `SCREEN_ROWS`;
    0: all), and every row (None) in a pipe, a file, or any data format — a listing or a result is only ever
    shortened for a reader's screen, never for a program.

    >>> screenful(io.StringIO(), "table"), screenful(io.StringIO(), "csv", 5)
    (None, None)
    """
    if not is_terminal(out) or fmt not in ("table", "vertical"):
        return None
    return SCREEN_ROWS if max_rows is None else (max_rows or None)


def render(t: Rows, fmt: str, out: TextIO, *, width: int | str | None = "screen", **options: Any) -> Shown:
    """Write `t` as `fmt` to `out` and say what was shown.

    width: terminal columns a table may take ("screen": `screen_width(out)`; None: no limit).
    max_rows: a table or vertical view shows at most this many rows (first and last; None: all).
    terminal (default: whether `out` is a terminal) escapes control characters in formats that otherwise
    keep text verbatim (CSV), so data cannot drive the user's terminal. raw_csv: keep formulas as they are.
    """
    options.setdefault("terminal", is_terminal(out))
    if check_format(fmt) not in FORMATS:
        raise UsageError(f"{fmt!r} cannot be written here. Try one of: {', '.join(FORMATS)}")
    shown = FORMATS[fmt](t, out, width=screen_width(out) if width == "screen" else width, **options)
    if shown is None:  # a format that shows everything: count nothing twice, name what was there
        return Shown(0, 0, len(t.columns), len(t.columns))
    return shown


def render_text(t: Rows, fmt: str, *, width: int | None = None, **options: Any) -> str:
    """`render` into a string (a table as wide as it is unless `width` is given)."""
    buf = io.StringIO()
    render(t, fmt, buf, width=width, **options)
    return buf.getvalue()


def draw(t: Rows, fmt: str, *, width: int | None = None, **options: Any) -> tuple[str, Shown]:
    """`render_text` and what it showed, for a front end that words its own footer (the REPL, the notebook)."""
    buf = io.StringIO()
    shown = render(t, fmt, buf, width=width, **options)
    return buf.getvalue(), shown
