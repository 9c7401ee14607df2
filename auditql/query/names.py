"""Name resolution: which names are canonical columns and which are fields of the original record.

The rules (spec: query-language.md, "Names"):
- Canonical columns match case-insensitively; `@timestamp` and `timestamp` mean `time`.
- `person` (any case) is who the actor is across vendors: not stored, computed from the identities file
  (a `PersonColumn` here, expanded by query/person.py).
- Any other name is a field of `raw`, case-sensitive; a dotted name walks nested objects.
- Quoting decides what a dot means, never the data: `params.loginID` is the key `loginID` inside the
  object `params`, while `"a.b"` is one key named `a.b` (a CSV header), and `"a.b".c` is `c` inside it.
- In SQL, a leading part that names a table or alias in scope (`e.actor_name`) is a qualifier; names in
  ORDER BY / GROUP BY / HAVING / QUALIFY that match a SELECT alias stay aliases (in WHERE a name is a field, as
  DuckDB prefers a column to an alias there); names over a CTE or subquery are
  that derived table's columns and are left alone.

Raw fields become `RawField` nodes here; rewrites decide whether each is read as text, number or time
and finally turn it into JSON extraction. Nothing here depends on what the archive contains.
"""

from __future__ import annotations

import typing as t

from sqlglot import exp
from sqlglot.errors import OptimizeError
from sqlglot.optimizer.scope import Scope, traverse_scope, walk_in_scope

from auditql.query.context import Context
from auditql.query.identities import PERSON
from auditql.query.trees import replace_all
from auditql.schema import COLUMN_NAMES

TIME_ALIASES = ("@timestamp", "timestamp")
CANONICAL: dict[str, str] = {**{n.lower(): n for n in COLUMN_NAMES}, **dict.fromkeys(TIME_ALIASES, "time")}


class PersonColumn(exp.Expression):
    """`person`, optionally qualified by a table; query/person.py replaces it by SQL over actor columns."""

    arg_types: t.ClassVar[dict[str, bool]] = {"table": False}


def person_column(table: exp.Identifier | None = None) -> exp.Expr:
    """`person` as a SELECT item: named person in the output, not after the SQL it expands to."""
    return exp.alias_(PersonColumn(table=table), PERSON, quoted=True)


class RawField(exp.Expression):
    """A field of the original record (a path of keys into `raw`), optionally qualified by a table."""

    arg_types: t.ClassVar[dict[str, bool]] = {"expressions": True, "table": False}

    @property
    def path(self) -> list[str]:
        return [part.name for part in self.expressions]

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


def canonical_column(name: str, table: exp.Identifier | None = None) -> exp.Column:
    """A reference to a canonical column, marked so rewrites know its type from schema.py."""
    column = exp.Column(this=exp.Identifier(this=name, quoted=True), table=table)
    column.meta["canonical"] = True
    return column


def resolve_names(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Replace every column reference over `events` by a canonical column or a RawField."""
    try:
        scopes = traverse_scope(tree)
    except OptimizeError as error:
        raise ctx.error(f"the query's tables could not be resolved ({error}); check names and aliases") from None
    for scope in scopes:
        if isinstance(scope.expression, exp.Select):
            _resolve_scope(scope, ctx)
    return tree


def raw_field_paths(tree: exp.Expr) -> list[str]:
    """Dotted paths of the raw fields a resolved tree reads, in order of appearance, without repeats."""
    return list(dict.fromkeys(node.dotted for node in tree.find_all(RawField, bfs=False)))


def _resolve_scope(scope: Scope, ctx: Context) -> None:
    select = scope.expression
    aliases = {p.alias.lower() for p in select.expressions if isinstance(p, exp.Alias)}
    columns = [node for node in walk_in_scope(select) if isinstance(node, exp.Column)]
    replacements: list[tuple[exp.Expr, exp.Expr]] = []
    for column in columns:
        # a canonical column built by a rewrite or an option (the WHERE form's 22-column projection) is resolved
        # already: resolving it again would build the same node (issue 20: ~0.5 ms of each translation)
        if column.meta.get("canonical") or _is_lambda_parameter(column):
            continue
        outer: exp.Expr = column
        while isinstance(outer.parent, exp.Dot) and outer.arg_key == "this":
            outer = outer.parent
        parts = _parts(outer)
        if not parts:
            continue
        resolved = _resolve(parts, column, scope, aliases, ctx)
        if resolved is not None:
            replacements.append((outer, resolved))
    replace_all(replacements)
    replace_all(
        (p, exp.alias_(p.copy(), p.dotted, quoted=True)) for p in list(select.expressions) if isinstance(p, RawField)
    )
    people = [p for p in select.expressions if isinstance(p, PersonColumn)]
    replace_all((p, person_column(p.args.get("table"))) for p in people)


def _resolve(
    parts: list[exp.Identifier], column: exp.Column, scope: Scope, aliases: set[str], ctx: Context
) -> exp.Expr | None:
    qualifier: exp.Identifier | None = None
    source = None
    if len(parts) > 1:
        source = _lookup_source(parts[0].name, scope)
        if source is not None:
            qualifier, parts = parts[0], parts[1:]
    name = parts[0].name.lower()
    if qualifier is None:
        if len(parts) == 1 and name in aliases and name not in CANONICAL and _in_output_clause(column):
            return None
        source = _only_source(name, scope, ctx, column)
    if not _is_events(source):
        if len(parts) == 1 and name == "@timestamp":
            return canonical_column("time", qualifier).update_positions(parts[0])
        return None
    if len(parts) == 1 and name in CANONICAL:
        return canonical_column(CANONICAL[name], qualifier).update_positions(parts[0])
    if len(parts) == 1 and name == PERSON:
        return PersonColumn(table=qualifier).update_positions(parts[0])
    field = RawField(expressions=[exp.Identifier(this=p.name, quoted=True) for p in parts], table=qualifier)
    field.update_positions(parts[0])
    return field


def _parts(node: exp.Expr) -> list[exp.Identifier]:
    """The identifiers of a (possibly dotted) name, outermost first; [] for `t.*` and the like."""
    if isinstance(node, exp.Dot):
        inner = _parts(node.this)
        return [*inner, node.expression] if inner and isinstance(node.expression, exp.Identifier) else []
    if isinstance(node, exp.Column) and isinstance(node.this, exp.Identifier):
        return [p for p in node.parts if isinstance(p, exp.Identifier)]
    return []


def _lookup_source(name: str, scope: Scope | None) -> t.Any:
    """The table or derived table that `name` qualifies, looking outward for correlated subqueries."""
    while scope is not None:
        for alias, source in scope.sources.items():
            if alias.lower() == name.lower():
                return source
        scope = scope.parent
    return None


def _only_source(name: str, scope: Scope, ctx: Context, at: exp.Expr) -> t.Any:
    sources = list(scope.sources.values())
    if len(sources) <= 1:
        return sources[0] if sources else None
    derived = [s for s in sources if isinstance(s, Scope) and name in _output_names(s)]
    if len(derived) == 1:
        return derived[0]
    events = [s for s in sources if _is_events(s)]
    if (name in CANONICAL or name == PERSON) and events:
        return events[0]
    raise ctx.error(
        f"'{at.sql(dialect='duckdb')}' could come from more than one table; qualify it, e.g. e.{at.name}",
        at,
    )


def _output_names(scope: Scope) -> set[str]:
    expression = scope.expression
    return {n.lower() for n in expression.named_selects} if isinstance(expression, exp.Query) else set()


def _is_events(source: t.Any) -> bool:
    return isinstance(source, exp.Table) and source.name.lower() == "events"


def _in_output_clause(column: exp.Column) -> bool:
    clause = column.find_ancestor(exp.Order, exp.Group, exp.Having, exp.Qualify, exp.Where, exp.Select)
    return isinstance(clause, (exp.Order, exp.Group, exp.Having, exp.Qualify))


def _is_lambda_parameter(column: exp.Column) -> bool:
    """`x` in `list_transform(l, x -> x + 1)` is the lambda's parameter, not a field of the record."""
    if column.table:
        return False
    name = column.name.lower()
    scope = column.find_ancestor(exp.Lambda)
    while scope is not None:
        if any(p.name.lower() == name for p in scope.expressions):
            return True
        scope = scope.find_ancestor(exp.Lambda)
    return False
