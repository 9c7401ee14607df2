"""Render a query result as table / csv / json / ndjson / markdown / parquet — one registry, one place
where audit evidence is turned into text.

Rules kept here so every front end gets them: time is always ISO 8601 UTC ending in `Z` (millisecond
precision); untrusted text is escaped before it reaches a terminal (`safe_text`); CSV cells that a
spreadsheet would run as a formula are neutralized unless the caller asks for raw CSV.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from auditql.errors import UsageError

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def iso_time(value: datetime) -> str:
    """`2025-03-01T10:00:00.123Z`: UTC, milliseconds, always a `Z`."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


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
        return json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    return str(v)


def neutralize(text: str) -> str:
    """Spreadsheet formula injection: a leading ' makes Excel/Sheets show the cell as text."""
    return "'" + text if text.startswith(_FORMULA_START) else text


class Table:
    """The part of a result every writer needs: names, types and rows."""

    def __init__(self, columns: Sequence[str], types: Sequence[str], rows: Sequence[Sequence[Any]]):
        self.columns, self.types, self.rows = list(columns), list(types), rows

    def dicts(self) -> list[dict[str, Any]]:
        return [{c: plain(v, t) for c, t, v in zip(self.columns, self.types, row, strict=True)} for row in self.rows]

    def texts(self, cell: Callable[[str], str] = safe_text) -> list[list[str]]:
        return [[cell(cell_text(v, t)) for v, t in zip(row, self.types, strict=True)] for row in self.rows]


def write_table(t: Table, out: TextIO, *, max_width: int = 60, **_: Any) -> None:
    from tabulate import tabulate

    def clip(text: str) -> str:
        text = safe_text(text)
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    headers = [safe_text(c) for c in t.columns]
    out.write(tabulate(t.texts(clip), headers=headers, tablefmt="simple", disable_numparse=True) + "\n")


def write_markdown(t: Table, out: TextIO, **_: Any) -> None:
    from tabulate import tabulate

    def md(text: str) -> str:
        return safe_text(text).replace("|", "\\|")

    out.write(
        tabulate(t.texts(md), headers=[md(c) for c in t.columns], tablefmt="github", disable_numparse=True) + "\n"
    )


def write_csv(t: Table, out: TextIO, *, raw_csv: bool = False, **_: Any) -> None:
    writer = csv.writer(out, lineterminator="\n")
    fix = (lambda s: s) if raw_csv else neutralize
    writer.writerow([fix(c) for c in t.columns])
    for row in t.rows:
        writer.writerow([fix(cell_text(v, ty)) for v, ty in zip(row, t.types, strict=True)])


def write_json(t: Table, out: TextIO, **_: Any) -> None:
    json.dump(t.dicts(), out, ensure_ascii=False, indent=2)
    out.write("\n")


def write_ndjson(t: Table, out: TextIO, **_: Any) -> None:
    for d in t.dicts():
        out.write(json.dumps(d, ensure_ascii=False) + "\n")


def write_vertical(t: Table, out: TextIO, **_: Any) -> None:
    width = max((len(c) for c in t.columns), default=0)
    for i, row in enumerate(t.rows, 1):
        out.write(f"-[ row {i} ]" + "-" * 20 + "\n")
        for c, v, ty in zip(t.columns, row, t.types, strict=True):
            out.write(f"{safe_text(c).ljust(width)} | {safe_text(cell_text(v, ty))}\n")


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
    FORMATS[check_format(fmt)](t, out, **options)


def render_text(t: Table, fmt: str, **options: Any) -> str:
    buf = io.StringIO()
    render(t, fmt, buf, **options)
    return buf.getvalue()
