"""The type names and time units a query may write: fixed lists, because sqlglot prints them back verbatim.

A string or a name in a query reaches DuckDB quoted (sqlglot escapes it); a type name or a unit does not.
sqlglot keeps a type it does not know as a "user-defined" type holding the text as typed, and a type
parameter it cannot read as a "variable", and prints both back unquoted: `CAST(x AS "INT) FROM sources
--")`, `DECIMAL("1) FROM sources --")`, `MAP("…", INT)` and `INTERVAL 1 "…"` carried whole SQL statements
into the generated query. So the only types are DuckDB built-ins listed here, their only parameters are
whole-number literals, and the only units are DuckDB's date parts; anything else is refused by name.

    >>> import sqlglot
    >>> from auditql.errors import QueryError
    >>> from auditql.query.dialect import AuditQL
    >>> check_type(sqlglot.parse_one("CAST(x AS DECIMAL(10, 2))", dialect=AuditQL).to, Context(""))
    >>> try:
    ...     check_type(sqlglot.parse_one("CAST(x AS widget)", dialect=AuditQL).to, Context(""))
    ... except QueryError as error:
    ...     print(error.message[:44])
    type widget is not allowed; allowed types: B
"""

from __future__ import annotations

from sqlglot import exp

from auditql.query.context import Context

D = exp.DType
# sqlglot's type -> the name users know it by in DuckDB (for the refusal's list).
SCALAR_TYPES: dict[exp.DType, str] = {
    D.BOOLEAN: "BOOLEAN",
    D.TINYINT: "TINYINT",
    D.SMALLINT: "SMALLINT",
    D.INT: "INTEGER",
    D.BIGINT: "BIGINT",
    D.INT128: "HUGEINT",
    D.UTINYINT: "UTINYINT",
    D.USMALLINT: "USMALLINT",
    D.UINT: "UINTEGER",
    D.UBIGINT: "UBIGINT",
    D.FLOAT: "FLOAT",
    D.DOUBLE: "DOUBLE",
    D.DECIMAL: "DECIMAL(p, s)",
    D.TEXT: "VARCHAR",
    D.DATE: "DATE",
    D.TIME: "TIME",
    D.TIMETZ: "TIMETZ",
    D.TIMESTAMPNTZ: "TIMESTAMP",
    D.TIMESTAMP: "TIMESTAMP",
    D.TIMESTAMP_S: "TIMESTAMP",
    D.TIMESTAMP_MS: "TIMESTAMP",
    D.TIMESTAMP_NS: "TIMESTAMP",
    D.TIMESTAMPTZ: "TIMESTAMPTZ",
    D.INTERVAL: "INTERVAL",
    D.UUID: "UUID",
    D.JSON: "JSON",
    D.VARBINARY: "BLOB",
}
LIST_TYPES = frozenset({D.ARRAY, D.LIST})  # INTEGER[], LIST(INTEGER): of an allowed type
PARAMETERS = {D.DECIMAL: 2}  # the only parameterized type, with at most this many whole-number parameters
ALLOWED_TYPE_NAMES = ", ".join(dict.fromkeys(SCALAR_TYPES.values())) + " and lists of them (INTEGER[])"
_TYPE_ARGS = frozenset({"this", "expressions", "nested", "values"})

# DuckDB's date parts, for INTERVAL n unit and date_trunc('unit', …); singular and plural.
UNIT_NAMES = (
    "year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond", "microsecond",
    "decade", "century", "millennium", "dow", "doy", "isodow", "isoyear", "epoch", "yearweek", "era", "julian",
)  # fmt: skip
UNITS = frozenset({*UNIT_NAMES, *(n + "s" for n in UNIT_NAMES[:13]), "centuries", "millennia"})
_UNIT_PARENTS = (exp.Interval, exp.TimestampTrunc, exp.DateTrunc)


def check_type(node: exp.DataType, ctx: Context) -> None:
    """Refuse a type not on the list, a parameter that is not a whole number, or any extra part."""
    kind = node.this
    if kind == D.USERDEFINED or (kind not in SCALAR_TYPES and kind not in LIST_TYPES):
        raise ctx.error(f"type {_shown(node)} is not allowed; allowed types: {ALLOWED_TYPE_NAMES}", node)
    extra = sorted(k for k, v in node.args.items() if v is not None and v is not False and k not in _TYPE_ARGS)
    if extra:
        raise ctx.error(f"type {_shown(node)} is not allowed ({extra[0]}); allowed types: {ALLOWED_TYPE_NAMES}", node)
    if kind in LIST_TYPES:
        inner = node.expressions
        if len(inner) != 1 or not isinstance(inner[0], exp.DataType):
            raise ctx.error("a list type names one element type, e.g. VARCHAR[]", node)
        check_type(inner[0], ctx)
        for size in node.args.get("values") or []:
            _whole_number(size, node, ctx)
        return
    if node.args.get("values"):
        raise ctx.error(f"type {_shown(node)} takes no size", node)
    params = node.expressions
    if len(params) > PARAMETERS.get(kind, 0):
        raise ctx.error(f"type {SCALAR_TYPES[kind]} takes no parameters here", node)
    for param in params:
        if not isinstance(param, exp.DataTypeParam) or param.args.get("expression") is not None:
            raise ctx.error(f"{SCALAR_TYPES[kind]} takes whole numbers, e.g. DECIMAL(18, 3)", node)
        _whole_number(param.this, node, ctx)


def check_unit(node: exp.Var, ctx: Context) -> None:
    """A bare word is allowed only as a date part: `INTERVAL 1 DAY`, `date_trunc('day', time)`."""
    # a date part of INTERVAL, date_trunc, date_diff, date_add, EXTRACT(part FROM …) …
    in_function = isinstance(node.parent, exp.Func) and node.arg_key in ("unit", "this")
    if not (in_function or isinstance(node.parent, _UNIT_PARENTS)) or node.arg_key not in ("unit", "this"):
        raise ctx.error(f"'{node.name}' is not allowed here; write a value, a quoted 'string' or a name", node)
    if node.name.lower() not in UNITS:
        raise ctx.error(f"'{node.name}' is not a time unit; use one of: {', '.join(UNIT_NAMES)}", node)


def _whole_number(value: exp.Expr | None, at: exp.Expr, ctx: Context) -> None:
    if not (isinstance(value, exp.Literal) and not value.is_string and value.name.isdigit() and len(value.name) < 5):
        raise ctx.error("a type parameter must be a whole number, e.g. DECIMAL(18, 3)", at)


def _shown(node: exp.DataType) -> str:
    """The type as the user wrote it, for the message (a user-defined type keeps its text in `kind`)."""
    kind = node.args.get("kind")
    text = kind.name if isinstance(kind, exp.Expr) else str(kind) if kind else node.this.value
    return text if len(text) <= 40 else text[:40] + "…"
