"""CSV and NDJSON lines built by DuckDB, for a result streamed to a pipe or a file (issue 20).

Why a module: formatting a million rows in Python (fetching tuples, `csv.writer`, re-encoding `raw` with
`json`, a time-zone lookup per time) ran at a fifth of DuckDB's own `COPY … TO`. Here DuckDB formats every
cell and joins each row into its finished line, on every core; Python fetches one text column and writes
it. The text is the one `csvfile.py` and `jsonfile.py` write, byte for byte (tests/test_output_lines.py runs
both on the same hostile values):

- a value whose exact text DuckDB cannot be trusted to give is sent to Python instead, and that cell alone is
  formatted by the very code the other writers use: a JSON document with a `\\` escape, a float, `NaN`, a
  control or bidi character, a trailing comma, a key repeated in one object (Python keeps the last of
  repeated keys, DuckDB both) or objects deeper than the levels counted; in NDJSON, text that needs a JSON
  escape;
- a query with a column of another type (DOUBLE, DECIMAL, DATE, …) is written by the Python writers whole,
  as are CSV rows for a terminal (escaped cell by cell).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from auditql.output.csvfile import _csv_column, _write_lf_rows
from auditql.output.text import csv_cell, json_text, plain
from auditql.sql import sql_str

INTEGERS = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
)
SUPPORTED = INTEGERS | {"VARCHAR", "JSON", "BOOLEAN", "TIMESTAMP WITH TIME ZONE"}
FORMATS = ("csv", "ndjson")

# RE2 classes (backslashes reach RE2 as written: a SQL literal keeps them). `text._JSON_UNSAFE`: DEL, C1,
# bidi, separators; with C0, `"` and `\`, what JSON text must escape as Python's json writes it.
_UNSAFE = r"\x7f-\x{9f}\x{61c}\x{2028}\x{2029}\x{200e}\x{200f}\x{202a}-\x{202e}\x{2066}-\x{2069}"
_JSON_ESCAPED = rf"[\x00-\x1f\"\\{_UNSAFE}]"
# A JSON document whose minified text DuckDB may write otherwise than Python: an escape (DuckDB decodes
# `\u00e9`, keeps `\/`…), a number with a fraction or exponent (1e16: `10000000000000000.0` against
# `1e+16`), NaN or Infinity, a trailing comma (DuckDB reads `[1,]`, Python does not), or a character either
# side escapes; a document needs a {…} or […] around it.
_JSON_DOUBTFUL = "|".join(
    (rf"[\\\x00-\x1f{_UNSAFE}]", r"[:,\[]\s*-?[0-9]+[.eE][0-9eE.+\-]*\s*[,\]}]", r",\s*[\]}]", "NaN", "Infinity")
)
# A first character is tested with `contains(…)`, never `IN (…)` nor `list_contains([…], …)`: a list of six
# constants becomes a MARK join, which loses the order of the rows below it (measured, DuckDB 2.0).
_FORMULA_START = "'=+-@' || chr(9) || chr(13)"  # text._FORMULA_START


def line_sql(
    sql: str,
    columns: Sequence[str],
    types: Sequence[str],
    fmt: str,
    raw_csv: bool = False,
    keys: Sequence[int] = (),
    where: str = "",
    order: Sequence[tuple[int, bool]] = (),
) -> str | None:
    """A query over the result of `sql` (whose columns are `columns` of `types`) returning, in the same
    order, `line`: each row's finished text, or NULL where a cell is left to Python, and for those rows
    `cells`: each column's text (NULL for a cell left to Python), then the value of each cell left to Python.
    None when a column's type is not one formatted here. `keys`: columns whose values follow as text (a
    sort key, `head.py`); `where`: a condition over the columns `c0`, `c1`, … keeping only some rows;
    `order`: (column, descending) pairs the lines are sorted by, NULLs last (for an unsorted `sql`).

    The layers, innermost first: the result's columns renamed `c0`, `c1`, … (names may repeat); each JSON
    document minified where DuckDB writes it as Python would (`m0`…, see `_minified`), then its number of
    keys and of distinct top-level keys (`k0`…, `d0`…, see `_json`); each cell's text; the lines."""
    if fmt not in FORMATS or any(ty not in SUPPORTED for ty in types):
        return None
    n = len(columns)
    names = ", ".join(f"c{i}" for i in range(n))
    documents = [i for i, ty in enumerate(types) if ty == "JSON"]
    minified = "".join(f", {_minified(f'c{i}')} AS m{i}" for i in documents)
    counted = "".join(
        f", (strlen(m{i}) - strlen(replace(m{i}, '\":', ''))) // 2 AS k{i}, len(list_distinct(json_keys(m{i}))) AS d{i}"
        for i in documents
    )
    cells = ", ".join(f"{_cell(i, ty, fmt, raw_csv, alone=(n == 1))} AS t{i}, c{i}" for i, ty in enumerate(types))
    if fmt == "csv":
        parts = [f"t{i}" if i == 0 else f"',', t{i}" for i in range(n)]
    else:
        parts = ["'{'"]
        for j, (key, i) in enumerate(_ndjson_keys(columns).items()):
            parts += [sql_str((", " if j else "") + json_text(key) + ": "), f"t{i}"]
        parts.append("'}'")
    every = " AND ".join(f"t{i} IS NOT NULL" for i in range(n))
    texts = ", ".join(f"t{i}" for i in range(n))
    values = ", ".join(f"CASE WHEN t{i} IS NULL THEN c{i}::VARCHAR END" for i in range(n))
    key_texts = "".join(f", c{i}::VARCHAR AS key{j}" for j, i in enumerate(keys))
    rows = f"(SELECT * FROM ({sql}) AS q({names}) WHERE {where})" if where else f"({sql})"
    by = ", ".join(f"c{i} {'DESC' if desc else 'ASC'} NULLS LAST" for i, desc in order)
    return (
        f"SELECT CASE WHEN {every} THEN concat({', '.join(parts)}, chr(10)) END AS line, "
        f"CASE WHEN NOT ({every}) THEN [{texts}, {values}] END AS cells{key_texts} "
        f"FROM (SELECT {cells} FROM (SELECT *{counted} FROM (SELECT *{minified} FROM {rows} AS q({names})) "
        "AS documents) AS counted) AS cells" + (f" ORDER BY {by}" if by else "")
    )


def _ndjson_keys(columns: Sequence[str]) -> dict[str, int]:
    """Key -> column index, as `jsonfile._dicts` builds its dict: a repeated name keeps its first place and
    its last column's value."""
    keys: dict[str, int] = {}
    for i, name in enumerate(columns):
        keys[name] = i
    return keys


def _cell(i: int, ty: str, fmt: str, raw_csv: bool, alone: bool) -> str:
    """SQL for the text of column `i`'s cell: never NULL, except where Python must format it."""
    c, csv = f"c{i}", fmt == "csv"
    null = "''" if csv else "'null'"
    if ty in INTEGERS:
        text = f"{c}::VARCHAR"
    elif ty == "BOOLEAN":
        text = f"CASE WHEN {c} THEN 'True' ELSE 'False' END" if csv else f"CASE WHEN {c} THEN 'true' ELSE 'false' END"
    elif ty == "TIMESTAMP WITH TIME ZONE":
        text = _time(c) if csv else f"'\"' || {_time(c)} || '\"'"
    elif ty == "JSON":
        text = _json(i, csv)
    elif csv:  # the ' that neutralizes a formula never changes whether a cell needs quotes
        formula = f"{c} <> '' AND contains({_FORMULA_START}, left({c}, 1))"
        text = c if raw_csv else f"CASE WHEN {formula} THEN '''' || {c} ELSE {c} END"
        text = _csv_quoted(text, test=c)
    else:
        text = f"CASE WHEN NOT regexp_matches({c}, {sql_str(_JSON_ESCAPED)}) THEN '\"' || {c} || '\"' END"
    if csv and alone:  # the csv module writes a row of one empty field as "" (else the line would be empty)
        return f"CASE WHEN {c} IS NULL OR {c}::VARCHAR = '' THEN '\"\"' ELSE {text} END"
    return f"CASE WHEN {c} IS NULL THEN {null} ELSE {text} END"


def _csv_quoted(text: str, test: str | None = None, may_break: bool = True) -> str:
    """`text` as the csv module writes a field: in quotes, `"` doubled, when it holds `,`, `"`, CR or LF
    (`test`: an expression that holds them exactly when `text` does, cheaper to compute; `may_break`: False
    for text without CR or LF). Four `contains` run at twice the speed of one regex here."""
    test = test or text
    needs = [f"contains({test}, ',')", f"contains({test}, '\"')"]
    if may_break:
        needs += [f"contains({test}, chr(10))", f"contains({test}, chr(13))"]
    quoted = f"'\"' || replace({text}, '\"', '\"\"') || '\"'"
    return f"CASE WHEN {' OR '.join(needs)} THEN {quoted} ELSE {text} END"


def _time(c: str) -> str:
    """`text.iso_time` of the value DuckDB hands Python: UTC, milliseconds cut, `Z`; a year below 1000 in four
    digits; infinity as Python receives it (the largest and the smallest datetime, naive);
    a year DuckDB cannot give Python as a datetime (after 9999, BC) as the text Python receives instead."""
    utc = f"({c} AT TIME ZONE 'UTC')"
    return (
        f"CASE WHEN {c} = 'infinity'::TIMESTAMPTZ THEN '9999-12-31T23:59:59.999Z' "
        f"WHEN {c} = '-infinity'::TIMESTAMPTZ THEN '0001-01-01T00:00:00.000Z' "
        f"WHEN year({utc}) BETWEEN 1000 AND 9999 THEN strftime({utc}, '%Y-%m-%dT%H:%M:%S.%gZ') "
        f"WHEN year({utc}) BETWEEN 1 AND 999 THEN lpad(year({utc})::VARCHAR, 4, '0') "
        f"|| strftime({utc}, '-%m-%dT%H:%M:%S.%gZ') "
        f"ELSE {c}::VARCHAR END"
    )


def _minified(c: str) -> str:
    """DuckDB's minified text of a JSON document it writes as Python would (see `_JSON_DOUBTFUL`), else NULL."""
    v = f"{c}::VARCHAR"
    return (
        f"CASE WHEN {v} <> '' AND contains('{{[', left({v}, 1)) AND NOT regexp_matches({v}, {sql_str(_JSON_DOUBTFUL)}) "
        f"AND json_valid({v}) THEN json({v})::VARCHAR END"
    )


def _json(i: int, csv: bool) -> str:
    """The cell of minified document `m{i}`, or NULL (Python writes it) where it may repeat a key.

    Each key of a minified document without escapes is followed by `":`, and nothing else is (no string
    holds a quote): `k{i}` counts its keys. The distinct keys of its objects, level by level (`d{i}`: the
    top level), add up to that number exactly when no object repeats a key and every object was counted;
    a deeper document, or objects in an array, are left to Python. Levels are counted only as far as needed.
    NDJSON writes a document as `json.dumps` does inside an object, `, ` and `: ` between items: DuckDB's
    pretty form has `: ` already, and its line breaks are outside strings (a string holds no raw LF).
    """
    m, k, d = f"m{i}", f"k{i}", f"d{i}"
    level = f"coalesce(list_sum(list_transform(json_keys({m}, '{{}}'), lambda k: len(list_distinct(k)))), 0)"
    one, two = level.format("$.*"), level.format("$.*.*")
    distinct = f"{k} = {d} OR {k} = {d} + {one} OR {k} = {d} + {one} + {two}"
    if csv:
        text = _csv_quoted(m, may_break=False)
    else:
        text = rf"regexp_replace(regexp_replace(json_pretty({m}), ',\n *', ', ', 'g'), '\n *', '', 'g')"
    return f"CASE WHEN {m} IS NOT NULL AND ({distinct}) THEN {text} END"


def describe_sql(sql: str) -> str:
    """The columns and types of `sql`'s result, without its rows (DuckDB plans it and stops). Not
    `SELECT * FROM (…)`, which renames a repeated column name (`t`, `t_1`)."""
    return f"({sql}) LIMIT 0"


def write_lines(
    batches: Iterable[Sequence[Sequence[Any]]],
    columns: Sequence[str],
    types: Sequence[str],
    fmt: str,
    out: TextIO,
    raw_csv: bool = False,
) -> None:
    """Write the rows of `line_sql`'s query, a batch at a time, to `out` (the CSV header first).

    The rows come from a cursor (`api.stream`), not an Arrow reader: DuckDB 2.0's reader computed most of
    a 200,000-row result before its first batch (first line 11 s, against 1.4 s by `fetchmany`)."""
    if fmt == "csv":
        _write_lf_rows([[csv_cell(c, raw_csv=raw_csv) for c in columns]], out)
        out.flush()
    for batch in batches:
        out.write(_batch_text(batch, columns, types, fmt, raw_csv))
        out.flush()  # the first rows reach a pipe (`| head`) at once


def _batch_text(
    rows: Sequence[Sequence[Any]], columns: Sequence[str], types: Sequence[str], fmt: str, raw_csv: bool
) -> str:
    lines = [row[0] for row in rows]
    if None not in lines:
        return "".join(lines)
    n = len(types)
    keys = _ndjson_keys(columns) if fmt == "ndjson" else {}
    for r, row in enumerate(rows):
        if row[0] is not None:
            continue
        texts, values = row[1][:n], row[1][n:]
        cells = [
            t if t is not None else _python_cell(v, ty, fmt, raw_csv)
            for t, v, ty in zip(texts, values, types, strict=True)
        ]
        if fmt == "csv":
            lines[r] = (",".join(cells) if cells != [""] else '""') + "\n"  # one empty field: "" (csv module)
        else:
            items = (json_text(key) + ": " + cells[i] for key, i in keys.items())
            lines[r] = "{" + ", ".join(items) + "}\n"
    return "".join(lines)


def _python_cell(value: str, column_type: str, fmt: str, raw_csv: bool) -> str:
    """One cell DuckDB left to Python, written by the same code as `csvfile` and `jsonfile` write it."""
    if fmt == "csv":
        text = _csv_column(column_type, [value], raw_csv)[0]
        return '"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\r\n') else text
    return json_text(plain(value, column_type))
