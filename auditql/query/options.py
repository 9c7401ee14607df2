"""The caller's options, applied to a rewritten query: columns, time window, vendor, row cap, order.

These come from CLI flags and notebook arguments, not from the query text, so they are built as typed
nodes directly (never parsed from text). They apply after the rewrites and before raw fields are read
from JSON, so a raw column in `columns` gets the same treatment as one in the query.
"""

from __future__ import annotations

from datetime import datetime

from sqlglot import exp

from auditql.query.context import Context
from auditql.query.forms import SQL, events_table
from auditql.query.identities import PERSON
from auditql.query.names import CANONICAL, RawField, canonical_column, person_column
from auditql.query.trees import data_type
from auditql.query.values import parse_point
from auditql.schema import COLUMN_NAMES

DEFAULT_ORDER = ("time", "source_file", "source_row")


def projection(columns: list[str] | None, ctx: Context) -> list[exp.Expr]:
    """SELECT list for the WHERE and REST forms: every canonical column, or the ones asked for.

    An entry is a canonical column (any case, or @timestamp) or `person`, else a raw field path split on dots;
    an entry in double quotes is one key, dots and all (`"a.b"` for a CSV header named a.b).
    """
    if columns is None:
        return [canonical_column(name) for name in COLUMN_NAMES]
    if not columns:
        raise ctx.error("columns= is empty; name at least one column, e.g. time, actor_name")
    selected: list[exp.Expr] = []
    for entry in columns:
        name = entry.strip()
        if name.lower() in CANONICAL:
            selected.append(canonical_column(CANONICAL[name.lower()]))
            continue
        if name.lower() == PERSON:
            selected.append(person_column())
            continue
        quoted = len(name) >= 2 and name[0] == name[-1] == '"'
        keys = [name[1:-1].replace('""', '"')] if quoted else name.split(".")
        if not name or (not quoted and "" in keys):
            raise ctx.error(f"columns= entry '{entry}' is not a column or field name")
        field = RawField(expressions=[exp.Identifier(this=key, quoted=True) for key in keys])
        label = keys[0] if quoted else name
        selected.append(exp.Alias(this=field, alias=exp.Identifier(this=label, quoted=True)))
    return selected


def default_order(tree: exp.Expr, form: str) -> exp.Expr:
    """Make the output order deterministic.

    WHERE/REST: the user's ORDER BY (if any), then time, source_file, source_row as tie-breakers, so
    START/LIMIT pages never overlap. SQL without ORDER BY: a plain SELECT over events is ordered by
    those three columns (qualified, so a SELECT alias cannot capture them); any other query without
    `*` in its SELECT list (GROUP BY, DISTINCT, UNION, CTEs) is ordered by every output column
    (ORDER BY 1, 2, …), which is always valid; queries with `*` over derived tables, and aggregates
    without GROUP BY (one row), are left alone.
    """
    order = tree.args.get("order")
    if form != SQL:
        present = {o.this.name for o in (order.expressions if order else []) if _is_canonical(o.this)}
        extra = [exp.Ordered(this=canonical_column(n)) for n in DEFAULT_ORDER if n not in present]
        tree.set("order", exp.Order(expressions=[*(order.expressions if order else []), *extra]))
        return tree
    if order or _single_row(tree):
        return tree
    table = _plain_events_table(tree)
    if table is not None:
        qualifier = exp.Identifier(this=table.alias_or_name, quoted=True)
        keys: list[exp.Expr] = [canonical_column(n, qualifier.copy()) for n in DEFAULT_ORDER]
    elif isinstance(tree, exp.Query) and not any(_is_star(s) for s in tree.selects):
        keys = [exp.Literal.number(i) for i in range(1, len(tree.selects) + 1)]
    else:
        return tree
    tree.set("order", exp.Order(expressions=[exp.Ordered(this=k) for k in keys]))
    return tree


def restrict(
    tree: exp.Expr,
    form: str,
    since: datetime | str | None,
    until: datetime | str | None,
    vendor: str | None,
    ctx: Context,
) -> exp.Expr:
    """Keep only rows with since <= time < until and the given vendor.

    WHERE/REST: ANDed into the WHERE. SQL: every read of `events` (in CTEs and subqueries too) becomes
    a filtered subquery with the same alias, so the window holds however the query is written.
    """
    conditions: list[exp.Expr] = []
    for value, node in ((since, exp.GTE), (until, exp.LT)):
        if value is not None:
            conditions.append(node(this=canonical_column("time"), expression=_time(value, ctx)))
    if vendor is not None:
        conditions.append(exp.EQ(this=canonical_column("vendor"), expression=exp.Literal.string(vendor)))
    if not conditions:
        return tree
    condition = exp.and_(*conditions, copy=False)
    if form != SQL:
        where = tree.args.get("where")
        combined = exp.and_(exp.paren(where.this, copy=False), condition) if where else condition
        tree.set("where", exp.Where(this=combined))
        return tree
    for table in list(tree.find_all(exp.Table)):
        if table.name.lower() == "events":
            inner = exp.Select(expressions=[exp.Star()], from_=exp.From(this=events_table()))
            alias = table.args.get("alias") or exp.TableAlias(this=exp.Identifier(this="events", quoted=True))
            inner.set("where", exp.Where(this=condition.copy()))
            table.replace(exp.Subquery(this=inner, alias=alias.copy()))
    return tree


def cap_rows(tree: exp.Expr, limit: int | None, ctx: Context) -> exp.Expr:
    """LIMIT `limit`, or the query's own LIMIT if that is smaller."""
    if limit is None:
        return tree
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ctx.error(f"limit must be a whole number >= 0, not {limit!r}")
    current = tree.args.get("limit")
    if current is not None and int(current.expression.name) <= limit:
        return tree
    tree.set("limit", exp.Limit(expression=exp.Literal.number(limit)))
    return tree


def _time(value: datetime | str, ctx: Context) -> exp.Expr:
    point = parse_point(value)
    if point is None:
        raise ctx.error(f"'{value}' is not a point in time; use e.g. 2015-08-16T00:00:00Z or 2015-08-16")
    text = exp.Literal.string(point.isoformat(sep=" "))
    return exp.Cast(this=text, to=data_type("TIMESTAMPTZ"))


def _plain_events_table(tree: exp.Expr) -> exp.Table | None:
    """The events table of a SELECT that returns its rows one for one (no grouping, no joins)."""
    if not isinstance(tree, exp.Select) or tree.args.get("joins") or tree.args.get("group"):
        return None
    if tree.args.get("distinct") or tree.args.get("having"):
        return None
    if any(s.find(exp.AggFunc) for s in tree.expressions):
        return None
    source = tree.args.get("from_")
    table = source.this if source else None
    return table if isinstance(table, exp.Table) and table.name.lower() == "events" else None


def _single_row(tree: exp.Expr) -> bool:
    """An aggregate without GROUP BY (`SELECT count(*) FROM events`) returns one row: nothing to order."""
    return (
        isinstance(tree, exp.Select)
        and not tree.args.get("group")
        and any(s.find(exp.AggFunc) for s in tree.expressions)
    )


def _is_canonical(node: exp.Expr) -> bool:
    return isinstance(node, exp.Column) and bool(node.meta.get("canonical")) and not node.table


def _is_star(node: exp.Expr) -> bool:
    return isinstance(node, exp.Star) or (isinstance(node, exp.Column) and isinstance(node.this, exp.Star))


def pick_columns(tree: exp.Expr, columns: list[str], ctx: Context) -> exp.Expr:
    """`--columns` for a SQL query: the result's columns named, in that order (`SELECT "a", "b" FROM
    (query)`). DuckDB keeps the inner query's row order through a projection, so ORDER BY still holds.

    A name is matched case-insensitively (as DuckDB and Spark resolve names) against the query's output
    columns; when all of them are known (no unnamed expression, no `*` over anything but `events`) a name
    the query does not return is refused here, listing the ones it does."""
    if not columns:
        raise ctx.error("--columns is empty; name at least one column of the query's result")
    known = _output_names(tree)
    picked: list[exp.Expr] = []
    for entry in columns:
        name = entry.strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1].replace('""', '"')
        if known is not None:
            matches = [n for n in dict.fromkeys(known) if n.lower() == name.lower()]
            if not matches:
                raise ctx.error(
                    f"--columns names '{name}', which the query does not return; it returns: {', '.join(known)}"
                )
            name = matches[0] if len(matches) == 1 else name
        picked.append(exp.column(name, quoted=True))
    return exp.select(*picked).from_(
        exp.Subquery(this=tree, alias=exp.TableAlias(this=exp.to_identifier("result", quoted=True)))
    )


def _output_names(tree: exp.Expr) -> list[str] | None:
    """The names of the query's result columns, or None when some cannot be known before it runs."""
    if not isinstance(tree, exp.Query):
        return None
    names: list[str] = []
    for select in tree.selects:
        if _is_star(select):
            if not isinstance(tree, exp.Select) or tree.args.get("joins") or not _from_events(tree):
                return None
            names.extend(COLUMN_NAMES)
        elif isinstance(select, (exp.Alias, exp.Column)) and select.alias_or_name:
            names.append(select.alias_or_name)
        else:
            return None
    return names


def _from_events(tree: exp.Select) -> bool:
    source = tree.args.get("from_")
    table = source.this if source is not None else None
    return isinstance(table, exp.Table) and table.name.lower() == "events"
