"""The `person` column: one name for one human across vendors, computed in the query, never stored.

Each vendor spells its actors its own way (an email in CJA, a user key in Gigya, a login name in
Broadcom); the identities file (auditql/query/identities.py) says which spellings are one person. `person` is
plain SQL over `events` columns (`actor_email`, `actor_id`, `actor_name`, `vendor`) and nothing else, so it
runs the same on DuckDB, the Parquet dataset and Spark. It replaces the `PersonColumn` nodes after every
other rewrite: with a thousand people the SQL is large, and no rewrite needs to walk it.

    >>> from auditql.query.identities import Identities, Keys, Person
    >>> alex = Person("Alex Admin", Keys(emails=("alex@example.com",)), {"resolver": Keys(names=("Alex A.",))})
    >>> print(person_sql(Identities((alex,))))
    COALESCE(CASE "vendor" WHEN 'resolver' THEN CASE "actor_name" WHEN 'Alex A.' THEN 'Alex Admin' END END,
             CASE NULLIF(LOWER(TRIM("actor_email")), '') WHEN 'alex@example.com' THEN 'Alex Admin' END,
             NULLIF(LOWER(TRIM("actor_email")), ''), "actor_name", "actor_id")

The first match wins: keys for the row's vendor first, then emails, ids and names (a key names one person
per scope: the identities file is refused otherwise).
Without a match (or without a file) a row's person is its email (lower-cased, trimmed), else its actor
name, else its actor id.
"""

from __future__ import annotations

from sqlglot import exp

from auditql.query.context import Context
from auditql.query.identities import Identities, Keys
from auditql.query.names import PersonColumn, canonical_column
from auditql.query.trees import replace_all

# The canonical column each kind of key is matched against.
_COLUMNS = {"emails": "actor_email", "ids": "actor_id", "names": "actor_name"}


def people_to_sql(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Each `person` -> the SQL that says who the row's actor is."""
    people = list(tree.find_all(PersonColumn))
    replace_all((node, person_expression(ctx.identities, node.args.get("table"))) for node in people)
    return tree


def person_expression(identities: Identities, table: exp.Identifier | None = None) -> exp.Expr:
    """`COALESCE(<vendor's own keys>, <by email>, <by id>, <by name>, <fallback>)`, each lookup a simple
    `CASE key WHEN 'k' THEN 'name' … END`: one comparison per key, and a tree that stays small."""

    def column(name: str) -> exp.Column:
        return canonical_column(name, table.copy() if table else None)

    def value(kind: str) -> exp.Expr:
        if kind != "emails":
            return column(_COLUMNS[kind])
        trimmed = exp.Trim(this=column("actor_email"))
        return exp.Nullif(this=exp.Lower(this=trimmed), expression=exp.Literal.string(""))

    def lookups(pairs: list[tuple[str, Keys]]) -> list[exp.Expr]:
        cases: list[exp.Expr] = []
        for kind in _COLUMNS:
            names = {key: name for name, keys in pairs for key in getattr(keys, kind)}
            if names:
                whens = [exp.If(this=exp.Literal.string(k), true=exp.Literal.string(n)) for k, n in names.items()]
                cases.append(exp.Case(this=value(kind), ifs=whens))
        return cases

    by_vendor: dict[str, list[tuple[str, Keys]]] = {}
    for person in identities.people:
        for vendor, keys in person.vendors.items():
            by_vendor.setdefault(vendor, []).append((person.name, keys))
    found: list[exp.Expr] = []
    if by_vendor:
        whens = [
            exp.If(this=exp.Literal.string(vendor), true=_first(lookups(pairs))) for vendor, pairs in by_vendor.items()
        ]
        found.append(exp.Case(this=column("vendor"), ifs=whens))
    found += lookups([(person.name, person.keys) for person in identities.people])
    found += [value("emails"), column("actor_name"), column("actor_id")]
    return _first(found)


def _first(values: list[exp.Expr]) -> exp.Expr:
    return values[0] if len(values) == 1 else exp.Coalesce(this=values[0], expressions=values[1:])


def person_sql(identities: Identities) -> str:
    """The `person` expression as DuckDB SQL (for docs and tests)."""
    from auditql.query.dialect import AuditQL

    return person_expression(identities).sql(dialect=AuditQL, identify=True)
