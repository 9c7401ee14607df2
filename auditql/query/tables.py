"""Which table each name in a query reads: `events`, or a CTE defined in scope. Nothing else.

A query may read the archive's `events` table and nothing else: not `sources`, `manifest` or `rejects`,
not DuckDB's catalog (`duckdb_settings()`, `pg_settings`, `information_schema.tables`), not a file. So
every table reference is resolved the way SQL scopes names, and the one answer that lets it through is
"the table events" or "a CTE visible right here":

- a CTE is visible in the CTEs after it in the same WITH, in the query the WITH belongs to, and in
  everything nested inside those; never in its own body (non-recursive: there the name means the real
  table, which is how `WITH manifest AS (SELECT * FROM manifest) …` used to read the manifest), never in
  an earlier CTE, never outside its query;
- a CTE may not be named `events` (it would shadow the table) nor reuse the name of another CTE;
- a table is one unqualified name (no catalog or schema) with at most an alias: no table functions, no
  `AT (VERSION …)`, no sampling.

Names are compared the way DuckDB compares them (ASCII letters case-insensitively, nothing else folded),
so a name this module takes for a CTE is the CTE for DuckDB too. Where sqlglot and DuckDB could disagree
on scope, this module sees fewer CTEs, never more: a disagreement refuses the query instead of letting
DuckDB read a real table.

    >>> from auditql.query.forms import parse_query
    >>> check_tables(parse_query("WITH f AS (SELECT * FROM events) SELECT * FROM f").tree, Context(""))
    >>> check_tables(parse_query("WITH m AS (SELECT * FROM manifest) SELECT * FROM m").tree, Context(""))
    Traceback (most recent call last):
    auditql.errors.QueryError: table 'manifest' is not allowed; query the events table (or a CTE defined in the query)
"""

from __future__ import annotations

from sqlglot import exp

from auditql.query.context import Context

ALLOWED_TABLE = "events"
_TABLE_ARGS = frozenset({"this", "alias"})  # anything else on a table (a version, a sample, hints) is refused
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(name: str) -> str:
    """A name as DuckDB matches it: ASCII letters lower-cased, every other character as written."""
    return name.translate(_ASCII_LOWER)


def check_tables(tree: exp.Expr, ctx: Context) -> None:
    """Refuse any table reference that is not `events` or a CTE in scope, with one line naming it."""
    defined: set[str] = set()
    stack: list[tuple[exp.Expr, frozenset[str]]] = [(tree, frozenset())]
    while stack:
        node, visible = stack.pop()
        if isinstance(node, exp.Table):
            _check_table(node, visible, ctx)
            continue
        with_ = node.args.get("with_") if isinstance(node, exp.Query) else None
        if isinstance(with_, exp.With):
            if isinstance(node.parent, exp.SetOperation):
                # `… UNION ALL WITH a AS (…) SELECT …`: sqlglot prints the operand without its WITH, so the
                # SQL DuckDB would run is not the query checked here
                raise ctx.error("a WITH after UNION/INTERSECT/EXCEPT goes in parentheses: … UNION ALL (WITH …)", with_)
            if with_.args.get("recursive"):
                raise ctx.error("WITH RECURSIVE is not allowed; use plain CTEs over events", with_)
            for cte in with_.expressions:
                name = _cte_name(cte, defined, ctx)
                stack.append((cte.this, visible))  # its body sees only the CTEs before it
                visible = visible | {name}
                defined.add(name)
            for key, child in node.args.items():
                if key != "with_":
                    stack.extend((c, visible) for c in _children(child))
            continue
        stack.extend((child, visible) for child in node.iter_expressions())


def _children(value: object) -> list[exp.Expr]:
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, exp.Expr)]


def _cte_name(cte: exp.CTE, defined: set[str], ctx: Context) -> str:
    name = fold(cte.alias_or_name)
    if not name:
        raise ctx.error("a CTE needs a name: WITH name AS (SELECT …)", cte)
    if name == ALLOWED_TABLE:
        raise ctx.error("a CTE may not be named events; choose another name", cte)
    if name in defined:
        raise ctx.error(f"the CTE name '{cte.alias_or_name}' is used twice; give each CTE its own name", cte)
    return name


def check_table_shape(table: exp.Table, ctx: Context) -> None:
    """A table is one unqualified name: not a table function, not `catalog.schema.name`."""
    name = table.this
    if not isinstance(name, exp.Identifier):
        fn = name.sql_name() if isinstance(name, exp.Func) and not isinstance(name, exp.Anonymous) else name.name
        raise ctx.error(f"table function {fn.lower()}(...) is not allowed; query the events table", table)
    if table.args.get("db") or table.args.get("catalog"):
        shown = exp.Table(**{k: table.args.get(k) for k in ("this", "db", "catalog")}).sql(dialect="duckdb")
        raise ctx.error(f"table {shown} is not allowed; query the events table", table)


def _check_table(table: exp.Table, visible: frozenset[str], ctx: Context) -> None:
    check_table_shape(table, ctx)
    name = table.this
    extra = sorted(k for k, v in table.args.items() if v and k not in _TABLE_ARGS)
    if extra:
        raise ctx.error(f"{extra[0].upper().replace('_', ' ')} is not allowed on a table; query events plainly", table)
    folded = fold(name.name)
    if folded == ALLOWED_TABLE or folded in visible:
        return
    hint = (
        "auditLog is only for the REST form `SELECT * FROM auditLog WHERE …`; query events instead"
        if folded == "auditlog"
        else "query the events table (or a CTE defined in the query)"
    )
    raise ctx.error(f"table '{name.name}' is not allowed; {hint}", table)
