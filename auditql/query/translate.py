"""translate(): the one entry point front ends call to turn what a user typed into DuckDB SQL.

    >>> t = translate("endpoint LIKE 'socialize%' AND @timestamp > '2015-08-16'")
    >>> t.form, t.params, t.warnings
    ('where', [], [])
    >>> for part in t.sql.split(" WHERE ")[1].split(" AND "):
    ...     print(part)
    ("raw" ->> '$.endpoint') LIKE 'socialize%'
    "time" > CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ) ORDER BY "time", "source_file", "source_row"

Steps: parse one of the three forms (forms.py), refuse anything not allowed (allowlist.py), run the
rewrites (rewrites.py), add the caller's options (time window, vendor, columns, row cap, default
order), read raw fields from JSON, bind parameters, check the result again, generate (reading each
repeated raw field once: read_once.py), and read the generated SQL back for a last check (recheck.py).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from auditql.errors import QueryError
from auditql.query import dialects, options
from auditql.query.allowlist import check_generated, check_tree
from auditql.query.catalog import Catalog
from auditql.query.context import Context
from auditql.query.dialect import AuditQL, require_interpreted_sqlglot
from auditql.query.forms import SQL, parse_query
from auditql.query.headers import name_unnamed_items
from auditql.query.identities import Identities
from auditql.query.names import raw_field_paths
from auditql.query.person import people_to_sql
from auditql.query.read_once import fields_read_once
from auditql.query.recheck import check_sql
from auditql.query.rewrites import REWRITES, raw_fields_to_json
from auditql.query.trees import replace_all
from auditql.query.values import BOUND

# sqlglot recurses about 45 frames per nesting level; MAX_DEPTH (64) levels need this much headroom.
_RECURSION_LIMIT = 10_000


@dataclass(frozen=True)
class Translation:
    sql: str  # DuckDB SQL over `events`, identifiers quoted
    params: list[object]  # values for $1, $2, … in `sql`, in that order
    warnings: list[str]  # e.g. unknown field names, with the nearest known names
    form: str  # "where" | "rest" | "sql"
    tree: exp.Expr | None = field(default=None, repr=False, compare=False)  # generated query, for to_dialect

    def to_dialect(self, dialect: str) -> str:
        """The same query for another engine (to run over the archive exported as Parquet), with the bound
        values written in; what each engine needs to keep DuckDB's meaning is in dialects.py."""
        with _recursion_headroom():
            try:
                tree = self.tree if self.tree is not None else sqlglot.parse_one(self.sql, dialect=AuditQL)
                if dialect.lower() == "duckdb":  # the SQL that runs, repeated raw fields read once (read_once.py)
                    tree = fields_read_once(tree.copy())
                return dialects.render(tree, self.params, dialect)
            except (SqlglotError, RecursionError) as error:
                raise QueryError(f"this query cannot be printed for {dialect} ({error})") from None


def translate(
    text: str,
    catalog: Catalog = Catalog(),  # noqa: B008 - frozen, never mutated
    *,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    vendor: str | None = None,
    limit: int | None = None,
    columns: list[str] | None = None,
    params: Mapping[str, object] | None = None,
    identities: Identities | None = None,
) -> Translation:
    """Translate a WHERE clause, a Gigya REST statement or read-only SQL into DuckDB SQL over `events`.

    since/until: keep rows with since <= time < until (naive datetimes are UTC; strings are read like
        time literals in a query). vendor: keep only that vendor's rows.
    limit: adds `LIMIT limit` (or lowers the query's own LIMIT). To learn whether rows were cut, pass
        the number you want to show plus one and check whether that many came back.
    columns: the columns to show for the WHERE and REST forms (canonical names or raw field paths;
        `"a.b"` in double quotes is one key); default: every canonical column. For SQL, which of the
        result's columns to return, in that order (by the names the query gives them).
    params: values for `:name` / `$name` / `{name}` placeholders, bound as parameters, never pasted.
        Without params, placeholders are refused.
    identities: who is who across vendors, for the `person` column (auditql.query.identities.load_identities);
        without them `person` is the actor's email, else name, else id.
    Raises QueryError (with the query, line and column when known) for anything refused or unreadable.
    """
    require_interpreted_sqlglot()
    ctx = Context(text, catalog, params, identities or Identities())
    with _recursion_headroom():
        try:
            return _translate(ctx, since, until, vendor, limit, columns)
        except RecursionError:
            raise ctx.error("the query is too complex: nested too deeply to translate; flatten it") from None
        except SqlglotError:  # its text names parser internals; none of that is the user's business
            raise ctx.error("the query could not be translated; simplify it") from None


def _translate(
    ctx: Context,
    since: datetime | str | None,
    until: datetime | str | None,
    vendor: str | None,
    limit: int | None,
    columns: list[str] | None,
) -> Translation:
    parsed = parse_query(ctx.text, ctx)
    check_tree(parsed.tree, ctx)
    warnings: list[str] = []
    tree: exp.Expr = parsed.tree
    if parsed.form == SQL:
        tree = name_unnamed_items(tree, ctx)  # `count(*)`, not count_star(), on every engine
    else:
        tree.set("expressions", options.projection(columns, ctx))
    for rewrite in REWRITES:
        tree = rewrite(tree, ctx)
    warnings += [_alias_hint(w, p, tree) for p in raw_field_paths(tree) if (w := ctx.catalog.unknown_field_warning(p))]
    tree = options.default_order(tree, parsed.form)
    tree = options.restrict(tree, parsed.form, since, until, vendor, ctx)
    tree = options.cap_rows(tree, limit, ctx)
    tree = raw_fields_to_json(tree, ctx)
    tree = people_to_sql(tree, ctx)
    if parsed.form == SQL and columns is not None:
        tree = options.pick_columns(tree, columns, ctx)
    # Without params no literal is a bound value (a placeholder was refused above): no walk to look for one.
    tree, values = _bind_parameters(tree) if ctx.params else (tree, [])
    runnable = fields_read_once(tree.copy())  # DuckDB's text only: `tree` stays plain for other engines
    check_generated(runnable, ctx)
    sql = runnable.sql(dialect=AuditQL, identify=True, copy=False)  # the generator's own copy is `runnable`
    check_sql(sql, ctx)
    return Translation(sql=sql, params=values, warnings=warnings, form=parsed.form, tree=tree)


def _alias_hint(warning: str, path: str, tree: exp.Expr) -> str:
    """An unknown field that is also a SELECT alias was most likely meant as the alias, in WHERE: say why not."""
    if path.lower() not in {a.alias.lower() for a in tree.find_all(exp.Alias)}:
        return warning
    return (
        f"{warning} ('{path}' is also a SELECT alias, but in WHERE a name is a field of the record: repeat the "
        "expression, or filter in an outer query)"
    )


def _bind_parameters(tree: exp.Expr) -> tuple[exp.Expr, list[object]]:
    """Replace each literal that came from params by $1, $2, … and return the values in that order."""
    values: list[object] = []
    replacements: list[tuple[exp.Expr, exp.Expr]] = []
    for literal in tree.find_all(exp.Literal, bfs=False):
        if BOUND in literal.meta:
            values.append(literal.meta[BOUND])
            replacements.append((literal, exp.Placeholder(this=str(len(values)))))
    replace_all(replacements)
    return tree, values


@contextmanager
def _recursion_headroom() -> Iterator[None]:
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, _RECURSION_LIMIT))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)
