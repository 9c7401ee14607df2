"""The rewrites from a parsed, allowed query to one DuckDB can run over `events`.

Each rewrite is a function (tree, ctx) -> tree of nothing but its inputs, tested by input/expected pairs
in tests/queries/*.sql. Rewrites change the tree they are given in place: translate() parses a fresh
tree for every call and owns it, and copying it once per step made a 5,000-term OR chain take ~9 s.
REWRITES runs them in order; `raw_fields_to_json` runs last, after translate has read the RawFields for
unknown-name warnings, and then `person` becomes SQL (query/person.py), so no rewrite walks that CASE.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce

from sqlglot import exp

from auditql.query.arrays import array_elements
from auditql.query.comparisons import ORDERING, numeric_aggregates, numeric_order, typed_comparisons
from auditql.query.context import Context
from auditql.query.dialect import GIGYA_OPERATOR, WordMatch
from auditql.query.names import RawField, resolve_names
from auditql.query.patterns import check_pattern, full_match, word_search
from auditql.query.read_once import RAW_FIELD
from auditql.query.tables import fold
from auditql.query.times import vendor_times
from auditql.query.trees import data_type, replace_all
from auditql.query.values import bound_literal, is_string, literal_value
from auditql.schema import COLUMN_TYPES

Rewrite = Callable[[exp.Expr, Context], exp.Expr]


def quoted_names_to_strings(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Gigya's positional rule: `"x"` right of a comparison, after LIKE/contains/regex, inside IN (...)
    or as a BETWEEN bound is the string 'x'; anywhere else it is a name."""
    slots: dict[type[exp.Expr], tuple[str, ...]] = {
        **dict.fromkeys(ORDERING, ("expression",)),
        **dict.fromkeys((exp.Like, exp.ILike, WordMatch, exp.Escape), ("expression",)),
        exp.In: ("expressions",),
        exp.Between: ("low", "high"),
    }
    replacements: list[tuple[exp.Expr, exp.Expr]] = []
    for node in list(tree.find_all(*slots, exp.RegexpLike)):
        keys = ("expression",) if isinstance(node, exp.RegexpLike) else slots[type(node)]
        if isinstance(node, exp.RegexpLike) and not node.meta.get(GIGYA_OPERATOR):
            continue
        for key in keys:
            value = node.args.get(key)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, exp.Column) and _is_quoted_name(item):
                    literal = exp.Literal.string(item.name)
                    literal.update_positions(item.this)
                    replacements.append((item, literal))
    replace_all(replacements)
    return tree


def bind_placeholders(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """`:name`, `$name`, `{name}` -> literals marked as bound values (see values.py)."""
    for node in list(tree.find_all(exp.Placeholder, exp.Parameter)):
        name = node.name
        if name in ("", "?") or ctx.params is None:
            raise ctx.error("use a named placeholder such as :name, with its value in params=", node)
        if name not in ctx.params:
            known = ", ".join(sorted(ctx.params)) or "nothing"
            raise ctx.error(f"no value for placeholder :{name}; there are values for: {known}", node)
        value = ctx.params[name]
        if isinstance(value, (list, tuple)) and isinstance(node.parent, exp.In) and node.arg_key == "expressions":
            items = [bound_literal(name, v, node, ctx) for v in value]
            if not items:
                raise ctx.error(f"params['{name}'] is an empty list; IN needs at least one value", node)
            node.parent.set("expressions", _splice(node.parent.expressions, node, items))
        else:
            node.replace(bound_literal(name, value, node, ctx))
    return tree


def gigya_operators(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """`x contains 'word'` -> a whole-word search, `x regex 'p'` -> a full match of a checked pattern
    (query/patterns.py); every other constant pattern is checked too; `now()` -> CURRENT_TIMESTAMP."""
    for node in list(tree.find_all(WordMatch, exp.Anonymous, exp.RegexpLike, exp.RegexpFullMatch)):
        if isinstance(node, exp.Anonymous):
            if node.name.lower() == "now":  # every other DuckDB function sqlglot has no node for stays
                node.replace(exp.CurrentTimestamp())
        elif isinstance(node, WordMatch):
            node.replace(word_search(node.this, node.expression, ctx))
        elif node.meta.get(GIGYA_OPERATOR):
            node.replace(full_match(node.this, node.expression, ctx))
        elif is_string(node.expression):
            check_pattern(str(literal_value(node.expression)), node.expression, ctx)
    return tree


def timestamps_keep_offsets(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """`TIMESTAMP '…+02:00'` / `CAST(… AS TIMESTAMP)` -> TIMESTAMPTZ: a TIMESTAMP silently drops the offset,
    while for text without one TIMESTAMPTZ reads it as UTC (the session zone), which is the same instant."""
    for cast in list(tree.find_all(exp.Cast, exp.TryCast)):
        if cast.to.is_type(exp.DType.TIMESTAMP, exp.DType.TIMESTAMPNTZ, exp.DType.DATETIME):
            cast.set("to", data_type("TIMESTAMPTZ"))
    return tree


def raw_fields_to_json(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Each RawField -> the string form of that path in `raw` (`raw ->> '$.a.b'`).

    Where the catalog promises that a vendor's mapping copies the field verbatim into a typed column,
    that vendor's rows read the column instead: `CASE WHEN vendor = 'v' AND col IS NOT NULL THEN col
    ELSE raw ->> '$.f' END`. The `IS NOT NULL` guard makes this identical to reading raw for every row
    and every operator: the column differs from raw only where raw holds '' (the column holds NULL),
    and those rows fall through to raw. Keys that contain a dot are never mapped this way, because the
    catalog writes nested paths with dots and could not tell the two apart.

    With a complete catalog (an archive's: it lists every top-level key of each vendor's records),
    vendors whose records never have the path's first key read NULL without parsing `raw` (`WHEN
    vendor = 'a' OR vendor = 'b' THEN NULL`), which is what `raw ->> '$.f'` gives on their rows. A
    vendor the catalog knows nothing about reads raw.
    """
    replace_all([(field, read_raw(field, ctx)) for field in tree.find_all(RawField)])
    return tree


def read_raw(field: RawField, ctx: Context) -> exp.Expr:
    table = field.args.get("table")

    def column(name: str) -> exp.Column:
        return exp.Column(this=exp.Identifier(this=name, quoted=True), table=table.copy() if table else None)

    path = exp.JSONPath(expressions=[exp.JSONPathRoot(), *(exp.JSONPathKey(this=k) for k in field.path)])
    from_raw = exp.JSONExtractScalar(this=column("raw"), expression=path)
    vendors_by_column: dict[str, list[str]] = {}
    if not any("." in key for key in field.path):
        for vendor, copies in sorted(ctx.catalog.verbatim.items()):
            target = copies.get(field.dotted)
            if target and COLUMN_TYPES.get(target) == "VARCHAR":
                vendors_by_column.setdefault(target, []).append(vendor)
    branches = []
    for target, vendors in vendors_by_column.items():
        vendor_is = (
            exp.EQ(this=column("vendor"), expression=exp.Literal.string(vendors[0]))
            if len(vendors) == 1
            else exp.In(this=column("vendor"), expressions=[exp.Literal.string(v) for v in vendors])
        )
        present = exp.Not(this=exp.Is(this=column(target), expression=exp.Null()))
        branches.append(exp.If(this=exp.And(this=vendor_is, expression=present), true=column(target)))
    absent = ctx.catalog.vendors_without(field.path[0])
    if absent:  # ORed equalities, not IN: DuckDB plans thousands of CASEs with a 3+ value IN in quadratic time
        equals: list[exp.Expr] = [exp.EQ(this=column("vendor"), expression=exp.Literal.string(v)) for v in absent]
        branches.append(exp.If(this=reduce(lambda a, b: exp.Or(this=a, expression=b), equals), true=exp.Null()))
    value = exp.Case(ifs=branches, default=from_raw) if branches else from_raw
    value.meta[RAW_FIELD] = (fold(table.name) if table else None, tuple(field.path))  # read_once.py reads this
    return value


def _is_quoted_name(node: object) -> bool:
    return (
        isinstance(node, exp.Column) and isinstance(node.this, exp.Identifier) and node.this.quoted and not node.table
    )


def _splice(items: list[exp.Expr], old: exp.Expr, new: list[exp.Expr]) -> list[exp.Expr]:
    index = next(i for i, item in enumerate(items) if item is old)
    return [*items[:index], *new, *items[index + 1 :]]


REWRITES: tuple[Rewrite, ...] = (
    quoted_names_to_strings,
    bind_placeholders,
    resolve_names,
    gigya_operators,
    timestamps_keep_offsets,
    array_elements,
    vendor_times,
    typed_comparisons,
    numeric_aggregates,
    numeric_order,
)
