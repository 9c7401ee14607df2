"""The one place for the small pieces of SQL text auditql writes by hand, and for reading DuckDB's errors
and the durations users type.

Why one place: each was written again wherever it was needed (string literals four times, DuckDB's
error line five, durations four), and copies drift — one forgets a quote to double, another keeps the
"Binder Error: " prefix a user should never see. Field names, file paths and vendor names come from
untrusted files, so every literal and identifier built from them goes through `sql_str` / `sql_ident`;
values a user types go to DuckDB as bound parameters instead, never through here.

>>> sql_str("O'Brien"), sql_ident('a"b')
("'O''Brien'", '"a""b"')
>>> error_line(ValueError('Binder Error: Referenced column "x" not found\\n\\nLINE 1: SELECT x ...'))
'Referenced column "x" not found'
>>> duration(" 7d ", {"d": "days"}), duration("7 days", {"d": "days"})
((7, 'days'), None)
>>> seconds("2.5s"), seconds("off")
(2.5, None)
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping

_ERROR_CLASS = re.compile(r"^[A-Za-z ]+Error: ")  # DuckDB's "Binder Error: ", "Conversion Error: " …


def sql_str(value: str) -> str:
    """A SQL string literal. Field names come from untrusted files, so they are always quoted this way."""
    return "'" + value.replace("'", "''") + "'"


def glob_escaped(path: str) -> str:
    """`path` as a pattern matching only itself: DuckDB's file readers take every path as a glob, so
    `export[1].csv` read `export1.csv` and `b*.csv` read every `b….csv` beside it, stored under the one name
    (`*`, `?`, `[` bracketed, as the glob syntax allows; measured on DuckDB 2.0).

    >>> glob_escaped("/data/[2025]/b*?.csv")
    '/data/[[]2025]/b[*][?].csv'
    """
    return re.sub(r"([*?\[])", r"[\1]", path)


def sql_file(path: object) -> str:
    """A file's path as a SQL string literal for DuckDB's readers (read_csv, read_json, read_parquet): that
    file and no other, whatever characters its name holds."""
    return sql_str(glob_escaped(str(path)))


def sql_ident(name: str) -> str:
    """A quoted SQL identifier (any text, `"` doubled)."""
    return '"' + name.replace('"', '""') + '"'


def json_path(field_path: str) -> str:
    """DuckDB JSON path for a dotted field path; each segment quoted so spaces and @ survive, and written
    as it is (`$."café"`): DuckDB reads a path's `\u00e9` escape as the six characters, so an escaped
    non-ASCII name would match no field at all.

    >>> json_path("httpReq.country"), json_path("café")
    ('$."httpReq"."country"', '$."café"')
    """
    parts = field_path.split(".")
    return "$" + "".join("." + json.dumps(p, ensure_ascii=False) for p in parts)


def error_line(exc: BaseException, keep_class: bool = False, empty: str | None = None) -> str:
    """DuckDB's error text, first line only (the rest is `LINE 1: …` and a caret into SQL the user never
    wrote), without its class prefix ("Binder Error: ") unless keep_class. An error with no text gives
    `empty`, else its exception class's name."""
    text = str(exc).strip()
    if not text:
        return type(exc).__name__ if empty is None else empty
    first = text.splitlines()[0]
    return first if keep_class else _ERROR_CLASS.sub("", first)


def duration(text: str, units: Mapping[str, str]) -> tuple[int, str] | None:
    """(count, unit) for a whole number followed by one of `units` (`7d`, `15 m`, surrounding spaces
    allowed), the unit being the name `units` gives it; None for any other text. Each caller names the
    units it takes: `--since 7d` counts seconds to weeks, a timeline interval minutes to weeks."""
    spelled = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    m = re.fullmatch(rf"\s*(\d+)\s*({spelled})\s*", text)
    return (int(m.group(1)), units[m.group(2)]) if m else None


def seconds(text: str) -> float | None:
    """A timeout as typed (`60`, `2.5`, `90s`): a finite, non-negative number of seconds, else None."""
    try:
        value = float(text.strip().lower().removesuffix("s"))
    except ValueError:
        return None
    return value if value >= 0 and math.isfinite(value) else None
