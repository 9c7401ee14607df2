"""Literal values: points in time, and values bound from `params`.

A value a notebook user binds (`:name`, `{name}`) must reach DuckDB as a bound parameter, never as
SQL text — but the rewrites still need to know whether it is a number, a string or a time. So a bound
value becomes an ordinary literal node carrying its Python value in `meta["bound"]`; rewrites treat
it like any literal, derived literals inherit the mark, and translate turns each marked literal into a
`$n` parameter at the very end.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlglot import exp

from auditql.query.context import Context
from auditql.query.trees import data_type

BOUND = "bound"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DIGITS = re.compile(r"-?\d+(\.\d+)?")
# ingest's aq_epoch: (magnitude below, units per second); a larger number is not a time
_EPOCH_UNITS = ((1e11, 1), (1e14, 1e3), (1e17, 1e6))
# ISO 8601's `T` separator and `Z` zone, written lower-case (Python's fromisoformat wants them upper-case)
_ISO_LOWER = re.compile(r"(?<=\d)t(?=\d)|(?<=\d)z$")
_TIME_EXAMPLES = "e.g. '2015-08-16T00:00:00Z', '2015-08-16T02:00:00+02:00', '2015-08-16' or 1439683200000"


def literal_value(node: exp.Expr) -> str | int | float | Decimal | None:
    """The Python value of a string/number literal (or a negated number); None for anything else."""
    if BOUND in node.meta and isinstance(node.meta[BOUND], (str, int, float, Decimal)):
        return node.meta[BOUND]
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and node.this.is_number:
        value = literal_value(node.this)
        return -value if isinstance(value, (int, float, Decimal)) else None
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.name
        return int(node.name) if node.is_int else float(node.name)
    return None


def is_number(node: exp.Expr) -> bool:
    value = literal_value(node)
    return value is not None and not isinstance(value, str)


def is_string(node: exp.Expr) -> bool:
    return isinstance(literal_value(node), str)


def derived(value: str | int | float, source: exp.Expr) -> exp.Expr:
    """A new literal computed from `source`; it stays a bound parameter if `source` was one."""
    literal = exp.Literal.string(value) if isinstance(value, str) else exp.Literal.number(value)
    if BOUND in source.meta:
        literal.meta[BOUND] = value
    for key in ("line", "col", "start", "end"):
        if key in source.meta:
            literal.meta[key] = source.meta[key]
    return literal


def bound_literal(name: str, value: object, at: exp.Expr, ctx: Context) -> exp.Expr:
    """The literal node standing for a value bound to placeholder `name`."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, datetime):
        value = _as_utc(value).isoformat()
    elif isinstance(value, date):
        value = value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        literal = exp.Literal.number(str(value))
    elif isinstance(value, str):
        literal = exp.Literal.string(value)
    else:
        raise ctx.error(
            f"params['{name}'] is a {type(value).__name__}; bind a string, number, bool, None, "
            "date or datetime (or a list inside IN (...))",
            at,
        )
    literal.meta[BOUND] = value
    for key in ("line", "col", "start", "end"):
        if key in at.meta:
            literal.meta[key] = at.meta[key]
    return literal


def time_point(node: exp.Expr, ctx: Context) -> exp.Expr:
    """`node` (a string or number literal) as a TIMESTAMPTZ literal; refuses what is not a time."""
    value = literal_value(node)
    point = parse_point(value) if value is not None else None
    if point is None:
        raise ctx.error(f"{_show(value)} is not a point in time; write one as {_TIME_EXAMPLES}", node)
    text = derived(point.isoformat(sep=" "), node)
    return exp.Cast(this=text, to=data_type("TIMESTAMPTZ"))


def parse_point(value: object) -> datetime | None:
    """ISO 8601 (with Z, an offset or none = UTC; `t`/`z` in either case), a bare date, or an epoch number.

    An epoch number is read by its magnitude exactly as ingest reads one (connections.TIME_MACROS, `aq_epoch`):
    below 1e11 seconds, below 1e14 milliseconds, below 1e17 microseconds; so `1439683200` and
    `1439683200000` are the same instant, as they are in the archive.

        >>> parse_point(1439683200) == parse_point("1439683200000") == parse_point("2015-08-16t00:00:00z")
        True
    """
    if isinstance(value, datetime):
        return _as_utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        value = Decimal(value.strip())
    try:
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            return _epoch(float(value))
        if isinstance(value, str):
            return _as_utc(datetime.fromisoformat(_ISO_LOWER.sub(lambda m: m.group().upper(), value.strip())))
    except (ValueError, OverflowError):
        return None
    return None


def _epoch(number: float) -> datetime | None:
    for limit, unit in _EPOCH_UNITS:
        if abs(number) < limit:
            return _EPOCH + timedelta(seconds=number / unit)
    return None


def _as_utc(point: datetime) -> datetime:
    return point.replace(tzinfo=UTC) if point.tzinfo is None else point.astimezone(UTC)


def _show(value: object) -> str:
    return f"'{value}'" if isinstance(value, str) else str(value)
