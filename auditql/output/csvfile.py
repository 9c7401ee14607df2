"""CSV output: RFC 4180 quoting, rows ending in LF, spreadsheet formulas neutralized, written a batch at a time
so the first rows reach a pipe (`| head`) at once. Values are written whole: nothing is cut, NULL is an
empty cell."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from functools import partial
from itertools import islice, repeat
from typing import Any, TextIO

from auditql.output.rows import Rows
from auditql.output.text import _FORMULA_START, _escape_json_unsafe, csv_cell, iso_time, neutralize


def write_csv(t: Rows, out: TextIO, *, raw_csv: bool = False, terminal: bool = False, **_: Any) -> None:
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
