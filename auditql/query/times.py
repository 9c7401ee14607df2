"""Vendor time fields are times: `"Date and Time" >= '2025-10-01'` over a Resolver export that writes
`10/30/2025 01:02:03 PM` means a point in time, not a string comparison that matches nothing.

A raw field that a vendor's mapping feeds into `time` (its `[columns].time` synonyms, matched as ingest
matches them; the catalog knows which) is read, in a time context, by ingest's own parser:
`aq_parse_time(text, [formats])` with that vendor's `time_formats`, then ingest's defaults, chosen per row
by `vendor`. Time contexts are: a comparison or BETWEEN against a time literal (a date, ISO 8601, epoch
milliseconds) or another time, ORDER BY, min/max, GROUP BY, date_trunc and strftime. Anywhere else (a
plain SELECT, LIKE, IN, contains) the field is its text, as before.

Rows of vendors whose mapping does not read the field as time keep what they had: in comparisons the text
rules (a CASE on `vendor`), in ORDER BY the text as the next key. Where the value must have one type —
GROUP BY, min/max, date_trunc, strftime — their text counts as a time if it is ISO 8601, else NULL.

    >>> from auditql.query.catalog import Catalog, TimeFields
    >>> from auditql.query.translate import translate
    >>> resolver = TimeFields(frozenset({"dateandtime"}), ("%m/%d/%Y %I:%M:%S %p",))
    >>> fields = {"resolver": frozenset({"Date and Time"})}
    >>> catalog = Catalog(fields, complete=True, time_fields={"resolver": resolver})
    >>> print(translate('"Date and Time" >= \\'2025-10-01\\'', catalog, columns=["vendor"]).sql)
    SELECT "vendor" FROM "events"
    WHERE aq_parse_time("raw" ->> '$."Date and Time"', ['%m/%d/%Y %I:%M:%S %p'])
      >= CAST('2025-10-01 00:00:00+00:00' AS TIMESTAMPTZ) ORDER BY "time", "source_file", "source_row"
"""

from __future__ import annotations

import typing as t
from functools import reduce

from sqlglot import exp

from auditql.query.comparisons import ORDERING, kind
from auditql.query.context import Context
from auditql.query.dialect import ParseTime
from auditql.query.names import RawField, canonical_column
from auditql.query.trees import data_type
from auditql.query.values import literal_value, parse_point

_TIMESTAMPTZ = "TIMESTAMPTZ"
_INSTANT_FUNCTIONS = (exp.Min, exp.Max, exp.TimestampTrunc, exp.DateTrunc, exp.TimeToStr)


def vendor_times(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Read vendor time fields as instants wherever the query uses them as times (see the module doc)."""
    if tree.find(RawField) is None or not ctx.catalog.time_fields:
        return tree
    for select in list(tree.find_all(exp.Select)):
        grouped = _grouping(select, ctx)
        _ordering(select, grouped, ctx)
    for function in list(tree.find_all(*_INSTANT_FUNCTIONS)):
        if _is_time_field(function.this, ctx):
            field = function.this
            function.set("this", instant(field, ctx))
            if isinstance(function, (exp.Min, exp.Max)) and _is_select_item(function):
                # named as DuckDB names `min("time")`, not after the SQL the field became
                function.replace(exp.alias_(function.copy(), f'{function.key}("{field.dotted}")', quoted=True))
    for node in reversed(list(tree.find_all(*ORDERING, exp.Between))):
        replacement = _comparison(node, ctx)
        if replacement is not node:
            node.replace(replacement)
    return tree


def instant(field: RawField, ctx: Context, *, others: bool = True) -> exp.Expr:
    """The field as a TIMESTAMPTZ: parsed per vendor; rows of other vendors (when `others` and some may have
    the field) read its text as ISO 8601, else NULL."""
    by_formats: dict[tuple[str, ...], list[str]] = {}
    for vendor, formats in ctx.catalog.time_formats(field.dotted).items():
        by_formats.setdefault(formats, []).append(vendor)
    vendors = [v for group in by_formats.values() for v in group]
    others = others and ctx.catalog.others_may_have(field.path[0], vendors)
    table = field.args.get("table")
    if len(by_formats) == 1 and not others:
        result: exp.Expr = _parse(field.copy(), next(iter(by_formats)))
    else:
        branches = [
            exp.If(this=_vendor_is(group, table), true=_parse(field.copy(), formats))
            for formats, group in by_formats.items()
        ]
        default = exp.TryCast(this=field.copy(), to=data_type(_TIMESTAMPTZ)) if others else None
        result = exp.Case(ifs=branches, default=default)
    result.meta["kind"] = "time"
    return result


def _comparison(node: exp.Expr, ctx: Context) -> exp.Expr:
    """`field op '2025-10-01'`, `field > time`, `field BETWEEN … AND …`: an instant comparison for the
    vendors that read the field as time, the same comparison as before for the rows of any other vendor.
    Against anything that is not a time (`field = 'n/a'`), the comparison stays as it was."""
    if isinstance(node, exp.Between):
        sides = [("this", [node.args["low"], node.args["high"]])]
    else:
        sides = [("this", [node.args["expression"]]), ("expression", [node.this])]
    for key, others in sides:
        field = node.args[key]
        if not _is_time_field(field, ctx):
            continue
        if not all(_is_time(o) for o in others):
            return node
        vendors = list(ctx.catalog.time_formats(field.dotted))
        timed = node.copy()
        timed.set(key, instant(field.copy(), ctx, others=False))
        if not ctx.catalog.others_may_have(field.path[0], vendors):
            return timed
        guard = exp.If(this=_vendor_is(vendors, field.args.get("table")), true=timed)
        return exp.Case(ifs=[guard], default=node.copy())
    return node


def _is_time(node: exp.Expr) -> bool:
    """A time literal (what `time > …` accepts), a time column, now(), a timestamp cast, or time ± INTERVAL."""
    while isinstance(node, exp.Paren):
        node = node.this
    if kind(node) in ("str", "num"):
        return parse_point(literal_value(node)) is not None
    if isinstance(node, (exp.Cast, exp.TryCast)):
        return node.to.is_type(exp.DType.TIMESTAMPTZ, exp.DType.DATE)
    if isinstance(node, (exp.Add, exp.Sub)):
        return _is_time(node.this) and isinstance(node.expression, exp.Interval)
    return kind(node) == "time" or isinstance(node, (exp.CurrentTimestamp, exp.CurrentDate))


def _grouping(select: exp.Select, ctx: Context) -> bool:
    """GROUP BY a time field groups by its instant; the SELECT items that are the grouped field follow."""
    group = select.args.get("group")
    if group is None:
        return False
    grouped: set[tuple[str, ...]] = set()
    keys = []
    for key in group.expressions:
        field = _selected(select, key) or key
        if _is_time_field(field, ctx):
            grouped.add(_identity(field))
            if field is key:
                key = instant(field, ctx)
        keys.append(key)
    group.set("expressions", keys)
    items = [(item, item.this if isinstance(item, exp.Alias) else item) for item in select.expressions]
    for item, value in items:
        if _is_time_field(value, ctx) and (group.args.get("all") or _identity(value) in grouped):
            replacement = instant(value, ctx)
            if item is value:
                item.replace(exp.alias_(replacement, value.dotted, quoted=True))
            else:
                item.set("this", replacement)
    return True


def _ordering(select: exp.Select, grouped: bool, ctx: Context) -> None:
    """ORDER BY a time field orders by its instant, then (unless grouped by the instant) by its text."""
    order = select.args.get("order")
    if order is None:
        return
    keys: list[exp.Expr] = []
    for ordered in order.expressions:
        field = ordered.this if _is_time_field(ordered.this, ctx) else _selected(select, ordered.this)
        if field is None or not _is_time_field(field, ctx):
            keys.append(ordered)
            continue
        first = exp.Ordered(
            this=instant(field.copy(), ctx), desc=ordered.args.get("desc"), nulls_first=ordered.args.get("nulls_first")
        )
        keys += [first] if grouped and field is ordered.this else [first, ordered]
    order.set("expressions", keys)


def _selected(select: exp.Select, key: exp.Expr) -> exp.Expr | None:
    """The SELECT item's value that an ordinal (`1`) or an output name (`d`) in GROUP BY / ORDER BY means."""
    items = select.expressions
    if isinstance(key, exp.Literal) and key.is_int and 1 <= int(key.name) <= len(items):
        item = items[int(key.name) - 1]
        return item.this if isinstance(item, exp.Alias) else item
    if isinstance(key, exp.Column) and not key.table:
        for item in items:
            if isinstance(item, exp.Alias) and item.alias.lower() == key.name.lower():
                return item.this
    return None


def _is_select_item(node: exp.Expr) -> bool:
    return isinstance(node.parent, exp.Select) and node.arg_key == "expressions"


def _is_time_field(node: object, ctx: Context) -> t.TypeGuard[RawField]:
    return isinstance(node, RawField) and bool(ctx.catalog.time_formats(node.dotted))


def _identity(field: RawField) -> tuple[str, ...]:
    table = field.args.get("table")
    return (table.name if table else "", *field.path)


def _parse(field: RawField, formats: tuple[str, ...]) -> ParseTime:
    return ParseTime(this=field, formats=exp.Array(expressions=[exp.Literal.string(f) for f in formats]))


def _vendor_is(vendors: list[str], table: exp.Identifier | None) -> exp.Expr:
    """`vendor = 'a' OR vendor = 'b'`: ORed equalities, as rewrites.read_raw writes them."""
    equals: list[exp.Expr] = [
        exp.EQ(this=canonical_column("vendor", table.copy() if table else None), expression=exp.Literal.string(v))
        for v in vendors
    ]
    return reduce(lambda a, b: exp.Or(this=a, expression=b), equals)
