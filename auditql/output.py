"""Render a query result as table / csv / json / ndjson / markdown / parquet — one registry, one place
where audit evidence is turned into text.

Every writer draws a batch of rows at a time (`Table.batches`), so a result streamed from DuckDB is written
as it arrives and never held whole: csv/json/ndjson/vertical are the same text either way; a table or
markdown table takes its column widths from the first batch (all rows of a result held in memory, the
first 2,048 of a streamed one) and clips a wider cell in a later batch with "…".

Rules kept here so every front end gets them: time is always ISO 8601 UTC ending in `Z` (millisecond
precision); untrusted text is escaped before it reaches a terminal (`safe_text`); CSV cells that a
spreadsheet would run as a formula are neutralized unless the caller asks for raw CSV.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from itertools import islice, repeat
from pathlib import Path
from typing import Any, TextIO

from auditql.errors import UsageError
from auditql.sql import error_line

# Characters a terminal may act on or that reorder what is shown: C0 (but \n and \t, handled below), DEL,
# C1 (U+009B is a one-character CSI on some terminals), line/paragraph separators, bidi marks, overrides
# and isolates (the "Trojan Source" characters), and lone surrogates (which cannot even be encoded).
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# The same set minus C0, which json.dumps already writes as \u00XX; all of it may be \u-escaped in JSON
# strings without changing the value, so JSON output is escaped always, not only on a terminal.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# DuckDB echoes user input in its errors (a 5,000-character literal that is not a number…); keep one screen.
ERROR_CHARS = 300


def safe_text(value: object, keep_newlines: bool = False) -> str:
    r"""Text safe for a terminal: control characters (ESC, BEL, C1, bidi overrides) shown escaped.

    >>> safe_text("ok\x1b[31mred\x07")
    'ok\\x1b[31mred\\x07'
    """
    text = str(value)

    def esc(m: re.Match[str]) -> str:
        ch = m.group(0)
        return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"

    text = _CONTROL.sub(esc, text)
    if not keep_newlines:
        text = text.replace("\n", "\\n").replace("\t", "\\t")
    return text


def error_text(exc: BaseException, limit: int = ERROR_CHARS) -> str:
    """DuckDB's error: first line, without its class prefix, cut at `limit` characters with a note saying so.

    >>> error_text(ValueError("Conversion Error: Could not convert string 'abc' to INT32\\nLINE 1: …"))
    "Could not convert string 'abc' to INT32"
    >>> error_text(ValueError("x" * 400), limit=20)
    'xxxxxxxxxxxxxxxxxxx… (381 more characters)'
    """
    text = error_line(exc)
    if len(text) <= limit:
        return text
    return text[: limit - 1] + f"… ({len(text) - limit + 1:,} more characters)"


def json_text(value: Any, **options: Any) -> str:
    """json.dumps that also escapes DEL, C1, bidi and separator characters as \\uXXXX (same JSON value)."""
    return _escape_json_unsafe(json.dumps(value, ensure_ascii=False, **options))


def _escape_json_unsafe(text: str) -> str:
    if text.isascii() and "\x7f" not in text:  # the usual case, checked ~30x faster than the regex runs
        return text
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def is_terminal(out: TextIO) -> bool:
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())


def terminal_text(text: str, out: TextIO) -> str:
    """`text` escaped with safe_text if `out` is a terminal; verbatim into a file or pipe (e.g. `--explain`
    SQL, which must stay runnable when saved, but must not drive the terminal when shown)."""
    return safe_text(text, keep_newlines=True) if is_terminal(out) else text


def iso_time(value: datetime) -> str:
    """`2025-03-01T10:00:00.123Z`: UTC, milliseconds, always a `Z`."""
    # The common case (UTC already, four-digit year) through isoformat, which truncates to milliseconds
    # like the line below and costs half as much; strftime writes year 999 as "999", isoformat "0999".
    text = value.isoformat(timespec="milliseconds")
    if text.endswith("+00:00") and value.year >= 1000:
        return text[:23] + "Z"
    if value.tzinfo is not None:
        try:
            value = value.astimezone(UTC)
        except OverflowError:  # 0001-01-01T01:00+05:00 is in year 0, 9999-12-31T23:00-05:00 in year 10000
            return _edge_of_calendar(value)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _edge_of_calendar(value: datetime) -> str:
    """A time whose UTC instant falls just outside Python's years 1–9999 (an offset is under a day, so it
    is at most one day out): written by hand, as ISO 8601 writes years 0000 and 10000."""
    naive = value.replace(tzinfo=None)
    offset = value.utcoffset() or timedelta(0)
    if naive.year == 1:
        shifted = naive + timedelta(days=1) - offset  # the same clock time a day later, then back to UTC
        return "0000-12-31" + shifted.strftime("T%H:%M:%S.") + f"{shifted.microsecond // 1000:03d}Z"
    shifted = naive - timedelta(days=1) - offset
    return "10000-01-01" + shifted.strftime("T%H:%M:%S.") + f"{shifted.microsecond // 1000:03d}Z"


def plain(value: Any, column_type: str = "") -> Any:
    """A JSON-ready Python value: times as ISO Z strings, JSON columns as objects."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return iso_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value) if value % 1 else int(value)
    if column_type == "JSON" and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, bytes):
        return value.hex()
    return value


def cell_text(value: Any, column_type: str = "") -> str:
    if value is None:
        return ""
    v = plain(value, column_type)
    if isinstance(v, dict | list):
        return json_text(v, separators=(",", ":"))
    return str(v)


def neutralize(text: str) -> str:
    """Spreadsheet formula injection: a leading ' makes Excel/Sheets show the cell as text."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_cell(value: Any, column_type: str = "", *, raw_csv: bool = False, terminal: bool = False) -> str:
    """Text of one CSV cell: strings that a spreadsheet would run as a formula get a leading '; numbers
    and times never do (`-5` stays a number). On a terminal, control characters are shown escaped."""
    text = cell_text(value, column_type)
    if not raw_csv and isinstance(value, str):
        text = neutralize(text)
    return safe_text(text, keep_newlines=True) if terminal else text


class Table:
    """The part of a result every writer needs: names, types and rows."""

    def __init__(self, columns: Sequence[str], types: Sequence[str], rows: Sequence[Sequence[Any]]):
        self.columns, self.types, self.rows = list(columns), list(types), rows

    def batches(self) -> Iterator[Sequence[Sequence[Any]]]:
        """The rows a batch at a time, as writers draw them: here all at once; a streamed result yields them
        as DuckDB delivers them (`api.Stream`)."""
        yield self.rows

    def dicts(self) -> list[dict[str, Any]]:
        return [{c: plain(v, t) for c, t, v in zip(self.columns, self.types, row, strict=True)} for row in self.rows]

    def texts(self, cell: Callable[[str], str] = safe_text) -> list[list[str]]:
        return [[cell(cell_text(v, t)) for v, t in zip(row, self.types, strict=True)] for row in self.rows]


def write_table(t: Table, out: TextIO, *, max_width: int = 60, **_: Any) -> None:
    def clip(text: str) -> str:
        text = safe_text(text)
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    _write_aligned(t, out, clip, "simple")


def write_markdown(t: Table, out: TextIO, **_: Any) -> None:
    def md(text: str) -> str:
        return safe_text(text).replace("|", "\\|")

    _write_aligned(t, out, md, "github")


def _texts(t: Table, rows: Sequence[Sequence[Any]], cell: Callable[[str], str]) -> list[list[str]]:
    return [[cell(cell_text(v, ty)) for v, ty in zip(row, t.types, strict=True)] for row in rows]


def _write_aligned(t: Table, out: TextIO, cell: Callable[[str], str], style: str) -> None:
    """A tabulate table whose widths come from the first batch; later batches are written in those widths."""
    from tabulate import tabulate

    batches = iter(t.batches())
    text = tabulate(
        _texts(t, next(batches, []), cell), headers=[cell(c) for c in t.columns], tablefmt=style,
        disable_numparse=True,
    )  # fmt: skip
    out.write(text + "\n")
    out.flush()
    ruler = text.splitlines()[1] if text.count("\n") else ""
    widths = [len(dashes) - (2 if style == "github" else 0) for dashes in re.findall("-+", ruler)]
    for batch in batches:
        lines = (_aligned(row, widths, style) for row in _texts(t, batch, cell))
        out.write("".join(line + "\n" for line in lines))
        out.flush()


def _aligned(cells: Sequence[str], widths: Sequence[int], style: str) -> str:
    """One row as tabulate draws it in `style` (left-aligned), each cell clipped to its column's width."""
    from wcwidth import wcswidth

    def fit(text: str, width: int) -> str:
        if wcswidth(text) > width:
            text = text[:width]
            while text and wcswidth(text) > width - 1:
                text = text[:-1]
            text += "…"
        return text + " " * (width - max(wcswidth(text), 0))

    padded = [fit(c, w) for c, w in zip(cells, widths, strict=True)]
    return "| " + " | ".join(padded) + " |" if style == "github" else "  ".join(padded).rstrip(" ")


def write_csv(t: Table, out: TextIO, *, raw_csv: bool = False, terminal: bool = False, **_: Any) -> None:
    """RFC 4180 quoting, rows ending in LF (see `_write_lf_rows` for how a CR in a value stays quoted)."""
    header = [csv_cell(c, raw_csv=raw_csv, terminal=terminal) for c in t.columns]
    _write_lf_rows([header], out)
    out.flush()
    cell = partial(csv_cell, raw_csv=raw_csv, terminal=True)
    for batch in t.batches():
        if terminal:  # every cell escaped, one at a time: a terminal shows a screenful, not an export
            _write_lf_rows(([cell(v, ty) for v, ty in zip(row, t.types, strict=True)] for row in batch), out)
        else:
            _write_lf_rows(_csv_rows(t.types, batch, raw_csv), out)
        out.flush()  # the first rows reach a pipe (`| head`) at once, not when a buffer fills


# Rows per csv.writer.writerows call: large enough that the per-call cost vanishes, small enough that
# one batch's text (a few MB with `raw`) stays small.
CSV_BATCH_ROWS = 2048


def _write_lf_rows(rows: Iterable[Sequence[Any]], out: TextIO) -> None:
    """Write rows as CSV ending in "\n", a batch at a time.

    Python 3.11's csv module quotes a field only for the characters of its own line terminator, so with
    "\n" a lone CR in a value would be written unquoted and split the row for every reader. A batch with
    no CR anywhere in its text is therefore written as it is; one with a CR is written again row by row
    with "\r\n" (which quotes CR and LF alike), each row's terminator, its only unquoted CRLF, then
    swapped for "\n". Both give the same text where there is no CR.
    """
    rows = iter(rows)
    while batch := list(islice(rows, CSV_BATCH_ROWS)):
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(batch)
        text = buf.getvalue()
        if "\r" not in text:
            out.write(text)
            continue
        writer = csv.writer(buf, lineterminator="\r\n")
        for row in batch:
            buf.seek(0)
            buf.truncate()
            writer.writerow(row)
            out.write(buf.getvalue()[:-2] + "\n")


def _csv_rows(types: Sequence[str], rows: Sequence[Sequence[Any]], raw_csv: bool) -> Iterable[Sequence[Any]]:
    """`rows` as the csv module should see them: each column formatted as a whole (a 17,000-row export
    spent most of its time formatting one cell at a time). Same text as `csv_cell` per cell."""
    if not rows:
        return []
    columns = zip(*rows, strict=True)
    return zip(*(_csv_column(ty, values, raw_csv) for ty, values in zip(types, columns, strict=True)), strict=True)


_NUMBER_CLASSES = frozenset({int, float, bool, type(None)})
_TEXT_CLASSES = frozenset({str, type(None)})
# What `json_text(value, separators=(",", ":"))` runs, built once: json.dumps builds one per call.
_COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _csv_column(column_type: str, values: Sequence[Any], raw_csv: bool) -> Sequence[Any]:
    """One column's cells, as `csv_cell` would write each (None is left to the csv module, which writes "")."""
    classes = set(map(type, values))
    if classes <= _NUMBER_CLASSES:  # the csv module writes numbers with str(), as csv_cell does
        return values
    if column_type != "JSON" and classes <= _TEXT_CLASSES:
        if raw_csv or not any(map(str.startswith, filter(None, values), repeat(_FORMULA_START))):
            return values
        return [v if v is None else neutralize(v) for v in values]
    if column_type == "TIMESTAMP WITH TIME ZONE":
        return [v if v is None else iso_time(v) for v in values]
    if column_type == "JSON":
        return [_json_cell(v, raw_csv) for v in values]
    return [csv_cell(v, column_type, raw_csv=raw_csv) for v in values]


def _json_cell(value: Any, raw_csv: bool) -> Any:
    """`csv_cell(value, "JSON")` for an object or array (never neutralized: it starts with { or [)."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        return _escape_json_unsafe(_COMPACT_JSON.encode(parsed))
    return None if value is None else csv_cell(value, "JSON", raw_csv=raw_csv)


def _dicts(t: Table, rows: Sequence[Sequence[Any]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        yield {c: plain(v, ty) for c, ty, v in zip(t.columns, t.types, row, strict=True)}


def write_json(t: Table, out: TextIO, **_: Any) -> None:
    """One JSON array, the same text as `json_text(rows, indent=2)`, written a batch of objects at a time."""
    opened = False
    for batch in t.batches():
        parts = [json_text(d, indent=2).replace("\n", "\n  ") for d in _dicts(t, batch)]
        if parts:
            out.write((",\n  " if opened else "[\n  ") + ",\n  ".join(parts))
            opened = True
            out.flush()
    out.write("\n]\n" if opened else "[]\n")


def write_ndjson(t: Table, out: TextIO, **_: Any) -> None:
    for batch in t.batches():
        out.write("".join(json_text(d) + "\n" for d in _dicts(t, batch)))
        out.flush()


def write_vertical(t: Table, out: TextIO, **_: Any) -> None:
    width = max((len(c) for c in t.columns), default=0)
    i = 0
    for batch in t.batches():
        for row in batch:
            i += 1
            out.write(f"-[ row {i} ]" + "-" * 20 + "\n")
            for c, v, ty in zip(t.columns, row, t.types, strict=True):
                out.write(f"{safe_text(c).ljust(width)} | {safe_text(cell_text(v, ty))}\n")
        out.flush()


FORMATS: dict[str, Callable[..., None]] = {
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


def render(t: Table, fmt: str, out: TextIO, **options: Any) -> None:
    """Write `t` as `fmt`; `terminal` (default: whether `out` is a terminal) escapes control characters
    in formats that otherwise keep text verbatim (CSV), so data cannot drive the user's terminal."""
    options.setdefault("terminal", is_terminal(out))
    if check_format(fmt) not in FORMATS:  # Parquet is written by its own path (`auditql query --output`)
        raise UsageError(f"{fmt!r} cannot be written here. Try one of: {', '.join(FORMATS)}")
    FORMATS[fmt](t, out, **options)


def render_text(t: Table, fmt: str, **options: Any) -> str:
    buf = io.StringIO()
    render(t, fmt, buf, **options)
    return buf.getvalue()
