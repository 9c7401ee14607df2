"""The magnifier: narrow a query the user typed to one value of one result column, or exclude it, and give
back query *text* the user can read, edit and run again (as SAP's Audit Log console does with its advanced
query box).

Why text, and why here: the web view (auditql/serve/) shows the new query in its box, so it must stay the
user's own form — a WHERE clause stays a WHERE clause, a REST statement keeps its `START`/`LIMIT`, SQL
stays SQL. The value comes from an audit record (untrusted: quotes, bidi controls, `<script>`, any
length), so it is written with the project's one quoting helper (auditql/sql.py), never pasted.

    >>> narrowed("category = 'login'", "actor_name", "O'Brien")
    "category = 'login' AND actor_name = 'O''Brien'"
    >>> narrowed("a = 1 OR b = 2", "outcome", None, exclude=True)
    '(a = 1 OR b = 2) AND outcome IS NOT NULL'
    >>> narrowed("SELECT * FROM auditLog WHERE x = 1 START 10 LIMIT 5", "vendor", "sap_cdc")
    "SELECT * FROM auditLog WHERE (x = 1) AND vendor = 'sap_cdc' START 10 LIMIT 5"
    >>> narrowed("SELECT vendor, count(*) AS n FROM events GROUP BY vendor", "n", 3)
    'SELECT * FROM (SELECT vendor, count(*) AS n FROM events GROUP BY vendor) AS "narrowed" WHERE n = 3'
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token, TokenType

from auditql.errors import QueryError
from auditql.query.context import Context
from auditql.query.dialect import AuditQL
from auditql.query.forms import REST, SQL, parse_query
from auditql.sql import sql_ident, sql_str

_BARE_NAME = re.compile(r"[a-z_][a-z0-9_]*")
# Clauses that end a REST statement's WHERE condition (Gigya's order: WHERE, ORDER BY, START, LIMIT).
_AFTER_WHERE = {"ORDER", "START", "LIMIT", "GROUP", "HAVING", "OFFSET"}


def narrowed(text: str, column: str, value: object, *, exclude: bool = False, column_type: str = "") -> str:
    """`text` keeping only rows whose `column` is `value` (exclude: rows whose `column` is anything else,
    NULL included). `value` is as the web view received it: a string (a time as ISO text with `Z`), a
    number, a boolean, or None for NULL. `column_type` is DuckDB's type name of the column."""
    condition = _condition(column, value, exclude, column_type)
    if not text.strip():
        return condition
    form = parse_query(text, Context(text)).form  # refuses what translate would, at the same caret
    body = text.strip().rstrip(";").rstrip()
    if form == SQL:
        return f"SELECT * FROM ({body}) AS {sql_ident('narrowed')} WHERE {condition}"
    if form == REST:
        return _into_rest(body, condition)
    return f"{_grouped(body)} AND {condition}"


def _condition(column: str, value: object, exclude: bool, column_type: str) -> str:
    name = column if _BARE_NAME.fullmatch(column) else sql_ident(column)
    if value is None:
        return f"{name} IS NOT NULL" if exclude else f"{name} IS NULL"
    if column_type.upper().startswith("TIMESTAMP") and isinstance(value, str):
        # The view shows times to the millisecond (UTC, `Z`); the stored value may carry microseconds,
        # so "this time" is the millisecond it shows.
        start = _instant(value)
        first, after = sql_str(_iso(start)), sql_str(_iso(start + timedelta(milliseconds=1)))
        inside = f"{name} >= {first} AND {name} < {after}"
        return f"({name} IS NULL OR NOT ({inside}))" if exclude else inside
    if column_type.upper() == "JSON" or isinstance(value, dict | list):
        raise QueryError(f"cannot filter on the whole of {column}: filter on one of its fields instead")
    literal = _literal(value)
    return f"{name} IS DISTINCT FROM {literal}" if exclude else f"{name} = {literal}"


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | Decimal) or (isinstance(value, float) and value == value and abs(value) != float("inf")):
        return str(value)
    return sql_str(str(value))


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise QueryError(f"{text!r} is not a time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _iso(value: datetime) -> str:
    utc = value.astimezone(UTC)
    return f"{utc.year:04d}" + utc.strftime("-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _grouped(condition: str) -> str:
    """A WHERE clause as one operand of AND: as typed when it is already a chain of ANDs (or one test),
    else in parentheses so `a OR b` does not become `a OR (b AND new)`."""
    try:
        tree = AuditQL().parse_into(exp.Condition, condition)[0]
    except (SqlglotError, IndexError):
        tree = None
    plain = tree is not None and not tree.find(exp.Or) and "--" not in condition and "/*" not in condition
    return condition if plain else f"({condition})"


def _into_rest(statement: str, condition: str) -> str:
    """Add `condition` to a REST statement's WHERE (made when missing), leaving the rest of it as typed."""
    tokens = AuditQL().tokenize(statement)
    where, end = None, len(statement)
    depth = 0
    for token in tokens:
        depth += _depth_change(token)
        if depth:
            continue
        word = token.text.upper().split(" ")[0]  # "ORDER BY" is one token
        if token.token_type == TokenType.WHERE and where is None:
            where = token
        elif word in _AFTER_WHERE and token.token_type != TokenType.STRING:
            end = token.start
            break
    head, tail = statement[:end].rstrip(), statement[end:]
    tail = f" {tail}" if tail else ""
    if where is None:
        return f"{head} WHERE {condition}{tail}"
    existing = statement[where.end + 1 : end].strip()
    return f"{statement[: where.end + 1]} ({existing}) AND {condition}{tail}"


def _depth_change(token: Token) -> int:
    return {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(token.token_type, 0)
