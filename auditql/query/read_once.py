"""Each raw field a SELECT reads more than once is extracted from `raw` once per row, in a projection.

Gigya's semantics (arrays.py) test a raw field's text twice or three times per predicate: `starts_with(v, '[')`
to find an array, then `v = x` for a scalar, with `v` = `raw ->> '$.f'` (or its CASE over verbatim columns,
rewrites.read_raw). DuckDB does not share a repeated expression inside a filter, so every mention parses the
record's JSON again; it does share one computed in a projection below. So a SELECT whose only source is the
events table gets it through `(SELECT *, <field> AS "_aq_raw_1" FROM events AS e) AS e`, and its own clauses
read `"e"."_aq_raw_1"`. A `*` in its SELECT list gets `EXCLUDE ("_aq_raw_1")`: the output is unchanged.
Measured on 2,000,000 events (docs/performance.md, 2026-12-06): 364–387 ms -> 211–213 ms for a count of
`params.loginID = '…'`, the hand-written single extraction taking 225–244 ms.

A field read only once stays inline: projecting it would compute it for rows an earlier condition of the
same WHERE already dropped. Queries with joins are left as they are (which source a helper would belong to
is not worth the risk), and so are other engines: `Translation.tree` keeps the plain form, which is what
`to_dialect` prints and the Parquet dataset narrows; only the DuckDB SQL text is read through the projection.
This rewrite runs on the copy of the tree that sqlglot's generator would make anyway (0.3 ms of a 5 ms
translation), so keeping both forms costs nothing.

    >>> from auditql.query import translate
    >>> sql = translate("tags = 'vip'").sql
    >>> print(sql[sql.index(" FROM ") + 6 : sql.index(" WHERE ")])
    (SELECT *, "raw" ->> '$.tags' AS "_aq_raw_1" FROM "events") AS "events"
"""

from __future__ import annotations

from sqlglot import exp

from auditql.query.tables import fold

RAW_FIELD = "raw_field"  # meta key rewrites.read_raw puts on what it builds: (qualifier or None, path)
# No canonical column starts with it (tests/test_read_once.py checks), so a helper never hides a column; it is
# always read qualified, so no SELECT alias or raw field of the query can capture it either.
HELPER_PREFIX = "_aq_raw_"


def fields_read_once(tree: exp.Expr) -> exp.Expr:
    """Each repeated raw field of a single-source SELECT read in a projection below it (see the module doc).

    Changes `tree` in place: translate() passes the copy sqlglot's generator would otherwise make."""
    by_select: dict[int, tuple[exp.Select, list[exp.Expr]]] = {}
    for node in tree.walk(prune=lambda n: RAW_FIELD in (n._meta or ())):
        if node.meta_get(RAW_FIELD) is not None and (select := node.parent_select) is not None:
            by_select.setdefault(id(select), (select, []))[1].append(node)
    number = 0  # one numbering for the whole query: a helper's name is never reused in a nested SELECT
    for select, nodes in by_select.values():
        source = _single_source(select) if len(nodes) > 1 else None
        if source is None:
            continue
        alias = source.args["alias"].this if source.args.get("alias") else source.this
        fields: dict[tuple[str, ...], list[exp.Expr]] = {}
        for node in nodes:
            qualifier, path = node.meta[RAW_FIELD]
            if qualifier in (None, fold(alias.name)):  # else a field of an outer query's row: left inline
                fields.setdefault(path, []).append(node)
        helpers: list[exp.Alias] = []
        for same in fields.values():
            if len(same) < 2:
                continue
            number += 1
            name = f"{HELPER_PREFIX}{number}"
            for node in same[1:]:
                node.replace(exp.Column(this=exp.Identifier(this=name, quoted=True), table=alias.copy()))
            same[0].replace(exp.Column(this=exp.Identifier(this=name, quoted=True), table=alias.copy()))
            helpers.append(exp.Alias(this=same[0], alias=exp.Identifier(this=name, quoted=True)))
        if helpers:
            _exclude_from_stars(select, [h.alias for h in helpers])
            inner = exp.Select(expressions=[exp.Star(), *helpers])
            source.replace(exp.Subquery(this=inner, alias=exp.TableAlias(this=alias.copy())))
            inner.set("from_", exp.From(this=source))
    return tree


def _single_source(select: exp.Select) -> exp.Table | exp.Subquery | None:
    """The one table (or options.restrict's filtered subquery of it) the SELECT reads; None with joins."""
    if select.args.get("joins") or select.args.get("laterals"):
        return None
    source = select.args.get("from_")
    table = source.this if source is not None else None
    if isinstance(table, exp.Table) and fold(table.name) == "events" and not table.args.get("db"):
        return table
    if isinstance(table, exp.Subquery) and table.args.get("alias"):
        return table
    return None


def _exclude_from_stars(select: exp.Select, names: list[str]) -> None:
    """`*` and `e.*` in the SELECT list skip the helper columns, so the result has the columns it had."""
    for item in select.expressions:
        star = item.this if isinstance(item, exp.Column) and isinstance(item.this, exp.Star) else item
        if isinstance(star, exp.Star):
            before: list[exp.Expr] = list(star.args.get("except_") or [])
            star.set("except_", [*before, *(exp.column(n, quoted=True) for n in names)])
