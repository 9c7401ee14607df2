"""The translated query printed for another engine (`--dialect`, `Translation.to_dialect`), to run over the
archive exported as Parquet (`auditql export`) and loaded there as a table named `events`.

Why a module: sqlglot prints each dialect's syntax, but not DuckDB's meaning. Three things differ and are
fixed here, each a pure `Expr -> Expr` function listed per dialect in TRANSFORMS:
- TRY_CAST: DuckDB's gives NULL for text that is not a number or time. Spark and Snowflake have TRY_CAST
  but sqlglot prints a plain CAST unless told the operand qualifies (Snowflake: "Only works for string
  expressions", https://docs.snowflake.com/sql-reference/functions/try_cast); PostgreSQL has none, so a
  CASE tests the text against the type's syntax (a regular expression) before the CAST (`safe_casts.py`).
- `raw`: PostgreSQL reads it through `CAST("raw" AS JSON)`, so the column may be text, json or jsonb; on
  Snowflake it must be VARCHAR (what the Parquet string column loads as), which JSON_EXTRACT_PATH_TEXT reads.
- Values: bound parameters ($1, …) are written into the printed text as literals (the text is for a person
  to run elsewhere, never executed here), and points in time as ISO 8601 in UTC with `Z`.
How `regex` and `contains` render per engine is the concern of the regex rules (query/comparisons.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from sqlglot import exp

from auditql.errors import QueryError
from auditql.query.dialect import AuditQL, ParseTime
from auditql.query.patterns import for_dialect
from auditql.query.safe_casts import postgres_try_cast
from auditql.query.trees import replace_all
from auditql.schema import COLUMNS

Transform = Callable[[exp.Expr], exp.Expr]

# Canonical columns holding text (a TRY_CAST of one of them is valid on Snowflake as it is).
_TEXT_COLUMNS = frozenset(c.name for c in COLUMNS if c.type == "VARCHAR")
_TEXT_NODES = (exp.JSONExtractScalar, exp.Lower, exp.Upper, exp.Trim, exp.Concat, exp.Substring, exp.DPipe)


def spark_try_casts(tree: exp.Expr) -> exp.Expr:
    """sqlglot prints TRY_CAST as CAST for Spark unless marked safe, and Spark 4's ANSI mode makes that CAST
    fail on 'n/a' where DuckDB's TRY_CAST gives NULL."""
    for node in tree.find_all(exp.TryCast):
        node.set("safe", True)
    return tree


def snowflake_try_casts(tree: exp.Expr) -> exp.Expr:
    """Snowflake's TRY_CAST takes text only: a text operand is kept, any other is made text first."""
    for node in list(tree.find_all(exp.TryCast)):
        if not _is_text(node.this):
            node.set("this", exp.Cast(this=node.this, to=exp.DataType.build("VARCHAR")))
        node.set("requires_string", True)
    return tree


def postgres_try_casts(tree: exp.Expr) -> exp.Expr:
    """Innermost first, so a TRY_CAST inside another is already guarded when the outer one copies it."""
    for node in reversed(list(tree.find_all(exp.TryCast, bfs=False))):
        guarded = postgres_try_cast(node)
        if node is tree:
            return guarded
        node.replace(guarded)
    return tree


def raw_as_json(tree: exp.Expr) -> exp.Expr:
    """`raw` as JSON wherever a path is read from it, whichever of text, json or jsonb the column is."""
    for node in tree.find_all(exp.JSONExtract, exp.JSONExtractScalar):
        if isinstance(node.this, exp.Column) and node.this.name == "raw":
            node.set("this", exp.Cast(this=node.this.copy(), to=exp.DataType.build("JSON")))
    return tree


def utc_with_z(tree: exp.Expr) -> exp.Expr:
    """`CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ)` -> `'2015-08-16T00:00:00Z'`: ISO 8601 in UTC, the
    form PostgreSQL and Snowflake both read without a session format."""
    for cast in tree.find_all(exp.Cast):
        if cast.to.is_type(exp.DType.TIMESTAMPTZ) and isinstance(cast.this, exp.Literal) and cast.this.is_string:
            try:
                point = datetime.fromisoformat(cast.this.name)
            except ValueError:
                continue
            if point.utcoffset() is not None and not point.utcoffset():
                text = point.replace(tzinfo=None).isoformat(timespec="auto") + "Z"
                cast.set("this", exp.Literal.string(text))
    return tree


# Per dialect: the name sqlglot knows it by (None: auditql's own DuckDB dialect), then the transforms.
TRANSFORMS: dict[str, tuple[str | None, Sequence[Transform]]] = {
    "bigquery": ("bigquery", ()),
    "duckdb": (None, ()),
    "postgres": ("postgres", (utc_with_z, raw_as_json, postgres_try_casts)),
    "snowflake": ("snowflake", (utc_with_z, snowflake_try_casts)),
    "spark": ("spark", (spark_try_casts,)),
    "trino": ("trino", ()),
}
DIALECTS: dict[str, str] = {name: engine or "duckdb" for name, (engine, _) in TRANSFORMS.items()}


def render(tree: exp.Expr, params: Sequence[object], dialect: str) -> str:
    """`tree` (a translated query) as `dialect`'s SQL, its bound values written in."""
    name = dialect.lower()
    if name not in TRANSFORMS:
        raise QueryError(f"'{dialect}' is not a dialect auditql can print. Try one of: {', '.join(TRANSFORMS)}.")
    engine, transforms = TRANSFORMS[name]
    refuse_vendor_times(tree, name)
    tree = inline_values(tree.copy(), params)
    tree = for_dialect(tree, engine or "duckdb")  # regex and contains as that engine writes them
    for transform in transforms:
        tree = transform(tree)
    return tree.sql(dialect=engine or AuditQL, identify=True)


def inline_values(tree: exp.Expr, params: Sequence[object]) -> exp.Expr:
    """$1, $2, … -> the values bound to them, as literals of the printed query."""
    replacements: list[tuple[exp.Expr, exp.Expr]] = []
    for node in tree.find_all(exp.Placeholder):
        if node.name.isdigit() and 0 < int(node.name) <= len(params):
            replacements.append((node, _literal(params[int(node.name) - 1])))
    replace_all(replacements)
    return tree


def _literal(value: object) -> exp.Expr:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return exp.Literal.number(str(value))
    return exp.Literal.string(str(value))


def _is_text(node: exp.Expr) -> bool:
    """Whether `node` is text for Snowflake's TRY_CAST: a string, a text column, a JSON path read as text,
    a string function, or a CASE / COALESCE whose results all are (NULL aside)."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Literal):
        return node.is_string
    if isinstance(node, exp.Column):
        return node.name in _TEXT_COLUMNS
    if isinstance(node, (exp.Cast, exp.TryCast)):
        return node.to.is_type(*exp.DataType.TEXT_TYPES)
    if isinstance(node, exp.Case):
        results = [i.args.get("true") for i in node.args.get("ifs") or []] + [node.args.get("default")]
        known = [r for r in results if r is not None and not isinstance(r, exp.Null)]
        return bool(known) and all(_is_text(r) for r in known)
    if isinstance(node, exp.Coalesce):
        return all(_is_text(e) for e in [node.this, *node.expressions])
    return isinstance(node, _TEXT_NODES)


def refuse_vendor_times(tree: exp.Expr, dialect: str) -> None:
    """Other engines lack ingest's time parser (`aq_parse_time`, with strptime formats): say so in one line."""
    parsed = next((n for n in tree.walk() if isinstance(n, ParseTime) or _is_parse_time_call(n)), None)
    if parsed is not None:
        path = parsed.find(exp.JSONPath)
        name = ".".join(k.name for k in path.expressions[1:]) if path else "a vendor time field"
        where = "a plain DuckDB" if dialect == "duckdb" else dialect
        raise QueryError(
            f"this query reads raw field '{name}' as a time with auditql's own parser, which {where} does "
            "not have; compare the `time` column instead, or run it with auditql"
        )


def _is_parse_time_call(node: exp.Expr) -> bool:  # the same, parsed back from SQL text
    return isinstance(node, exp.Anonymous) and node.name.lower() == "aq_parse_time"
