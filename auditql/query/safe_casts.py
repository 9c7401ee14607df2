"""DuckDB's TRY_CAST for PostgreSQL, which has none: a CAST that runs only on text that the cast accepts.

Why: the translator reads raw fields as numbers and times with TRY_CAST (`errCode != 0` must skip 'n/a',
not fail), and PostgreSQL raises on the first value its CAST cannot read (PostgreSQL 15 has no error-free
cast; `pg_input_is_valid` arrived in 16). A CASE evaluates its THEN only when its WHEN holds
(https://www.postgresql.org/docs/15/functions-conditional.html), so each form tests the text first:
- numbers: the syntax of a decimal number (`^\\s*[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d{1,4})?\\s*$`), then
  the value's range through NUMERIC (float8 raises on overflow and underflow, integers on overflow);
  integers accept a decimal and round, as DuckDB does ('1.5' -> 2). Differences left: text DuckDB
  reads beyond that syntax ('nan', 'inf', '0x10', '1_000') and doubles beyond ±1.8e308 (DuckDB: inf)
  give NULL; magnitudes below 1e-307 give 0 (DuckDB: 0 or a subnormal).
- times: ISO 8601 (`YYYY-MM-DD`, then optionally `[ T]hh:mm[:ss[.fff]]` and `Z` or `±hh[:mm]`) with valid
  fields, the day checked against the month's length; other layouts DuckDB reads (`24:00:00`, year 0000,
  `2015-08-16 10:00 UTC`) give NULL.
- booleans: the words DuckDB reads (true/false, t/f, yes/no, y/n, 1/0, any case, no spaces around).
- text: a plain CAST, which never fails. Any other type is refused in one line.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from auditql.errors import QueryError

_NUMBER = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d{1,4})?\s*$"
_TIME = (
    r"^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
    r"([ T]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?)?([zZ]|[-+]([01]\d|2[0-3])(:?[0-5]\d)?)?$"
)
# Written in PostgreSQL and parsed once per use; `s` stands for the operand as text, `T` for the type.
_FLOAT = (
    "CASE WHEN s ~ 'NUMBER' THEN CASE WHEN ABS(CAST(s AS NUMERIC)) > {max} THEN NULL "
    "WHEN ABS(CAST(s AS NUMERIC)) < {min} THEN CAST(0 AS T) ELSE CAST(s AS T) END END"
)
_INTEGER = (
    "CASE WHEN s ~ 'NUMBER' THEN CASE WHEN ROUND(CAST(s AS NUMERIC)) BETWEEN {min} AND {max} "
    "THEN CAST(CAST(s AS NUMERIC) AS T) END END"
)
_DECIMAL = (
    "CASE WHEN s ~ 'NUMBER' THEN CASE WHEN ABS(ROUND(CAST(s AS NUMERIC), {scale})) < {limit} THEN CAST(s AS T) END END"
)
_TIMES = (
    f"CASE WHEN TRIM(s) ~ '{_TIME}' THEN CASE WHEN CAST(SUBSTRING(TRIM(s), 9, 2) AS INT) <= "
    "EXTRACT(DAY FROM CAST(SUBSTRING(TRIM(s), 1, 8) || '01' AS DATE) + INTERVAL '1 MONTH' - INTERVAL '1 DAY') "
    "THEN CAST(TRIM(s) AS T) END END"
)
_BOOLEAN = "CASE WHEN LOWER(s) IN ('true', 'false', 't', 'f', 'yes', 'no', 'y', 'n', '1', '0') THEN CAST(s AS T) END"
D = exp.DType
_FLOATS = {D.DOUBLE: ("1.7976931348623157e308", "1e-307"), D.FLOAT: ("3.4028234e38", "1.2e-38")}
_INTEGERS = {
    D.TINYINT: (-(2**7), 2**7 - 1),
    D.SMALLINT: (-(2**15), 2**15 - 1),
    D.INT: (-(2**31), 2**31 - 1),
    D.BIGINT: (-(2**63), 2**63 - 1),
    D.UTINYINT: (0, 2**8 - 1),
    D.USMALLINT: (0, 2**16 - 1),
    D.UINT: (0, 2**32 - 1),
    D.UBIGINT: (0, 2**64 - 1),
    D.INT128: (-(2**127), 2**127 - 1),
    D.UINT128: (0, 2**128 - 1),
}
_TIME_TYPES = (D.TIMESTAMPTZ, D.TIMESTAMP, D.TIMESTAMPNTZ, D.DATETIME, D.DATE)


def postgres_try_cast(node: exp.TryCast) -> exp.Expr:
    """`TRY_CAST(x AS type)` as a PostgreSQL expression that gives NULL where the cast would raise."""
    to: exp.DataType = node.to
    if to.is_type(*exp.DataType.TEXT_TYPES):
        return exp.Cast(this=node.this, to=to)
    template = _template(to).replace("NUMBER", _NUMBER)
    text = node.this if isinstance(node.this, exp.JSONExtractScalar) else exp.cast(node.this, "TEXT")
    tree = sqlglot.parse_one(template, read="postgres")
    replacements: list[tuple[exp.Expr, exp.Expr]] = []
    for column in tree.find_all(exp.Column):
        if column.name == "s":
            replacements.append((column, text.copy()))
    for kind in tree.find_all(exp.DataType):
        if kind.this == D.USERDEFINED or kind.sql() == "T":
            replacements.append((kind, to.copy()))
    for old, new in replacements:
        old.replace(new)
    return tree


def _template(to: exp.DataType) -> str:
    kind = to.this
    if kind in _FLOATS:
        high, low = _FLOATS[kind]
        return _FLOAT.format(max=high, min=low)
    if kind in _INTEGERS:
        low_int, high_int = _INTEGERS[kind]
        return _INTEGER.format(min=low_int, max=high_int)
    if kind == D.DECIMAL:
        precision, scale = (int(p.name) for p in to.expressions) if len(to.expressions) == 2 else (18, 3)
        return _DECIMAL.format(scale=scale, limit=f"1e{precision - scale}")
    if kind in _TIME_TYPES:
        return _TIMES
    if kind == D.BOOLEAN:
        return _BOOLEAN
    raise QueryError(
        f"TRY_CAST(… AS {to.sql('duckdb')}) has no form in PostgreSQL that gives NULL instead of an error; "
        "cast to a number, time, boolean or text type, or run the query with auditql"
    )
