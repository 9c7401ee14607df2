"""How one value becomes text, the rules every output format shares: time is ISO 8601 UTC ending in `Z`
(millisecond precision); untrusted text is escaped before it reaches a terminal (`safe_text`); CSV cells a
spreadsheet would run as a formula are neutralized unless the caller asks for raw CSV; a table shows a NULL
as `NULL` (`display_text`), never as the empty string a CSV cell gives it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TextIO

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
    """`2025-03-01T10:00:00.123Z`: UTC, milliseconds, always a `Z`, the year in four digits as ISO 8601 and
    RFC 3339 write it (`0001-01-01T00:00:00.000Z`, Go's zero time, which real exports carry)."""
    # The common case (UTC already) through isoformat, which truncates to milliseconds like the line below
    # and costs half as much.
    text = value.isoformat(timespec="milliseconds")
    if text.endswith("+00:00"):
        return text[:23] + "Z"
    if value.tzinfo is not None:
        try:
            value = value.astimezone(UTC)
        except OverflowError:  # 0001-01-01T01:00+05:00 is in year 0, 9999-12-31T23:00-05:00 in year 10000
            return _edge_of_calendar(value)
    return f"{value.year:04d}" + value.strftime("-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


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


# What a table, vertical or markdown view and the notebook's HTML show for SQL NULL, as the DuckDB CLI's
# duckbox mode does: distinct from an empty string, which shows as nothing (a CSV cell cannot tell the two
# apart; JSON writes null). A text value that is the four letters NULL looks the same: `--format json` tells.
NULL = "NULL"


def display_text(value: Any, column_type: str = "") -> str:
    r"""A cell as a table shows it: escaped for the terminal, NULL for SQL NULL.

    A DECIMAL keeps its scale (`42.00`, as DuckDB shows it), so a column of them lines up on the point.

    >>> display_text(None), display_text(""), display_text("a\x1bb"), display_text(Decimal("42.00"))
    ('NULL', '', 'a\\x1bb', '42.00')
    """
    if isinstance(value, Decimal):
        return format(value, "f")
    return NULL if value is None else safe_text(cell_text(value, column_type))
