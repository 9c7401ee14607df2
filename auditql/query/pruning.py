"""Partition pruning: a rewrite of a translated query's tree so that it reads only the partition folders of a
Parquet dataset its WHERE can match.

Why a rewrite: a query's `vendor = …` and `time` bounds never mention the dataset's `vendor=` / `date=`
folders (`date` is not even a column of `events`), so the engine cannot skip a folder by itself. Each
`events` the query reads becomes a subquery over the rows *with* their partition columns (`source`), with
partition filters implied by the WHERE's top-level AND terms added; DuckDB (through Arrow) and Spark push
those filters into their scans and open only the matching folders. The filters are never narrower than the
WHERE, so the rows are the same.

A pure function over the sqlglot tree, built of tree nodes (no SQL text is parsed back), used by both the
DuckDB reader of a dataset (archive/parquet_dataset.py) and Spark (spark.py), each naming its own source view.

>>> from sqlglot import parse_one
>>> tree = parse_one("SELECT * FROM events WHERE vendor = 'sap_cdc' AND time >= '2025-11-20'")
>>> print(narrow(tree, {"vendor", "date"}, [exp.column("time", quoted=True)], "_aq_dataset").sql(pretty=True))
SELECT
  *
FROM (
  SELECT
    "time"
  FROM _aq_dataset
  WHERE
    "vendor" IN ('sap_cdc') AND "date" >= CAST('2025-11-20' AS DATE)
) AS "events"
WHERE
  vendor = 'sap_cdc' AND time >= '2025-11-20'
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime

from sqlglot import exp

from auditql.schema import COLUMNS

# The partition keys pruning knows: the dataset's folder name and what it is derived from.
VENDOR, DATE = "vendor", "date"  # `vendor` is the column itself; `date` is the UTC day of `time`
KEYS = frozenset({VENDOR, DATE})


def narrow(tree: exp.Expr, columns: Collection[str], projection: list[exp.Expr], source: str) -> exp.Expr | None:
    """A copy of `tree` whose each `events` reads `SELECT projection FROM source WHERE <partition filters>`
    wherever its WHERE implies such filters; None when nothing can be narrowed. `columns` are the source's
    columns (partition keys included); `projection` makes its rows the `events` rows."""
    keys = set(columns) & KEYS
    tree = tree.copy()
    if not keys or any(cte.alias_or_name.lower() == "events" for cte in tree.find_all(exp.CTE)):
        return None  # a CTE named events shadows the table; leave such a query as it is
    changed = False
    for table in list(tree.find_all(exp.Table)):
        select = table.parent_select
        if table.name.lower() != "events" or table.args.get("db") or select is None or select.args.get("joins"):
            continue
        conditions = partition_filters(select.args.get("where"), keys)
        if not conditions:
            continue
        inner = exp.select(*(p.copy() for p in projection)).from_(source).where(exp.and_(*conditions))
        alias = exp.TableAlias(this=exp.to_identifier(table.alias or "events", quoted=True))
        table.replace(exp.Subquery(this=inner, alias=alias))
        changed = True
    return tree if changed else None


def canonical_projection(present: Iterable[str]) -> list[exp.Expr]:
    """The canonical columns in order, as `events` shows them over a dataset's rows: `raw` read back as JSON
    (Parquet stores it as text), and a column the dataset lacks (a query result exported without it) NULL."""
    have = set(present)
    items: list[exp.Expr] = []
    for c in COLUMNS:
        if c.name not in have:
            value: exp.Expr = exp.cast(exp.null(), exp.DataType.build(c.type, dialect="duckdb"))
        elif c.name == "raw":
            value = exp.cast(exp.column(c.name, quoted=True), exp.DataType.build("JSON", dialect="duckdb"))
        else:
            value = exp.column(c.name, quoted=True)
        items.append(exp.alias_(value, c.name, quoted=True))
    return items


def partition_filters(where: exp.Expr | None, keys: Collection[str]) -> list[exp.Expr]:
    """Partition filters implied by the WHERE's top-level AND terms (never narrower than the WHERE)."""
    if where is None:
        return []
    low: date | None = None
    high: date | None = None
    vendors: set[str] | None = None
    for term in where.this.flatten() if isinstance(where.this, exp.And) else [where.this]:
        term = term.unnest()
        if isinstance(term, exp.In) and _is_column(term.this, "vendor") and not term.args.get("query"):
            values = {_string(v) for v in term.expressions}
            if None not in values:
                listed = {v for v in values if v is not None}
                vendors = listed & vendors if vendors is not None else listed
            continue
        if isinstance(term, exp.Between) and _is_column(term.this, "time"):
            lo, hi = _day(term.args.get("low")), _day(term.args.get("high"))
            low = max(filter(None, (low, lo)), default=None)
            high = min(filter(None, (high, hi)), default=None)
            continue
        if not isinstance(term, exp.EQ | exp.GT | exp.GTE | exp.LT | exp.LTE):
            continue
        left, right, op = term.this, term.expression, type(term)
        if not isinstance(left, exp.Column):
            left, right, op = right, left, _FLIP.get(op, op)
        if _is_column(left, "vendor") and op is exp.EQ and (v := _string(right)) is not None:
            vendors = {v} & vendors if vendors is not None else {v}
        elif _is_column(left, "time") and (day := _day(right)) is not None:
            if op in (exp.EQ, exp.GT, exp.GTE):
                low = max(low, day) if low else day
            if op in (exp.EQ, exp.LT, exp.LTE):
                high = min(high, day) if high else day
    filters: list[exp.Expr] = []
    if VENDOR in keys and vendors is not None:
        names: list[exp.Expr] = [exp.Literal.string(v) for v in sorted(vendors)] or [exp.null()]
        filters.append(exp.In(this=exp.column(VENDOR, quoted=True), expressions=names))
    if DATE in keys and low is not None:
        filters.append(exp.GTE(this=exp.column(DATE, quoted=True), expression=_date(low)))
    if DATE in keys and high is not None:
        filters.append(exp.LTE(this=exp.column(DATE, quoted=True), expression=_date(high)))
    return filters


_FLIP: dict[type, type] = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE}


def _date(day: date) -> exp.Expr:
    return exp.cast(exp.Literal.string(day.isoformat()), exp.DataType.build("DATE"))


def _is_column(node: exp.Expr | None, name: str) -> bool:
    return isinstance(node, exp.Column) and node.name.lower() == name


def _string(node: exp.Expr | None) -> str | None:
    return node.this if isinstance(node, exp.Literal) and node.is_string else None


def _day(node: exp.Expr | None) -> date | None:
    """The UTC day of a time literal (`CAST('…' AS TIMESTAMPTZ)` or a string); None for anything else."""
    if isinstance(node, exp.Cast):
        node = node.this
    text = _string(node)
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (value.astimezone(UTC) if value.tzinfo else value).date()
