"""Typed comparisons: make `errCode = 0`, `errCode = '0'` and `@timestamp > '…Z'` mean what users mean.

Raw fields are JSON; canonical columns are mostly text. The spec's rules, applied per comparison:
- against a number, a raw field or text column compares numerically (TRY_CAST … AS DOUBLE): a number or
  a numeric string matches, anything else does not match (NULL), never a conversion error;
- against a string, the field's string form is compared (raw `0` and `"0"` both read as '0');
- `time` against a string or number is a point in time (TIMESTAMPTZ, never TIMESTAMP, which would drop
  an offset), see values.parse_point;
- IN lists and BETWEEN bounds are typed element by element, so `errCode in (0, "400006")` works.
"""

from __future__ import annotations

import typing as t

from sqlglot import exp

from auditql.query.context import Context
from auditql.query.names import PersonColumn, RawField
from auditql.query.trees import data_type
from auditql.query.values import derived, is_number, is_string, literal_value, time_point
from auditql.schema import COLUMN_TYPES

ORDERING = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
_KIND_OF_TYPE = {"TIMESTAMPTZ": "time", "VARCHAR": "text", "BIGINT": "number", "JSON": "json"}
_TEXTUAL = ("raw", "text")


def kind(node: exp.Expr) -> str:
    """raw | time | text | number | json (columns), num | str | bool (literals), or other."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, RawField):
        return "raw"
    if isinstance(node, PersonColumn):
        return "text"
    if node._meta and "kind" in node._meta:  # built by a rewrite: a vendor time field's instant (query/times.py)
        return str(node._meta["kind"])
    if isinstance(node, exp.Column) and node.meta.get("canonical"):
        return _KIND_OF_TYPE[COLUMN_TYPES[node.name]]
    if isinstance(node, (exp.TimestampTrunc, exp.DateTrunc)) and kind(node.this) == "time":
        return "time"  # date_trunc('day', time) = '2015-08-16' or = 1439683200000
    if is_number(node):
        return "num"
    if is_string(node):
        return "str"
    return "bool" if isinstance(node, exp.Boolean) else "other"


def typed_comparisons(tree: exp.Expr, ctx: Context) -> exp.Expr:
    # Innermost first, so a replaced parent never holds a stale child.
    for node in reversed(list(tree.find_all(*ORDERING, exp.In, exp.Between))):
        if isinstance(node, exp.In):
            replacement = _typed_in(node, ctx)
        elif isinstance(node, exp.Between):
            replacement = _typed_between(node, ctx)
        else:
            replacement = _typed_comparison(t.cast(exp.Binary, node), ctx)
        if replacement is not node:
            node.replace(replacement)
    return tree


def numeric_aggregates(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """sum/avg over a raw field add up its numeric values (non-numbers are skipped like NULLs); min/max of a
    raw field are its smallest/largest number (`9` before `10`), written as in the record, or — when no
    value is a number — the text min/max. Named `min("errCode")`, not after the SQL it became."""
    for node in list(tree.find_all(exp.Sum, exp.Avg)):
        if kind(node.this) in _TEXTUAL:
            node.set("this", _as_number(node.this))
    for node in list(tree.find_all(exp.Min, exp.Max)):
        field = node.this
        if not isinstance(field, RawField) or node.expressions:
            continue
        pick = exp.ArgMin if isinstance(node, exp.Min) else exp.ArgMax
        numeric = pick(this=field.copy(), expression=_as_number(field.copy()))
        value: exp.Expr = exp.Coalesce(this=numeric, expressions=[node.copy()])
        if isinstance(node.parent, exp.Select) and node.arg_key == "expressions":
            value = exp.alias_(value, f'{node.key}("{field.dotted}")', quoted=True)
        node.replace(value)
    return tree


def numeric_order(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """ORDER BY a raw field orders its numbers numerically (`9` before `10`), then the other values as text.

    Also when the ORDER BY names the field's SELECT item by output name or position. Left alone under
    SELECT DISTINCT (whose ORDER BY may only name selected values) and for fields read as times (times.py)."""
    for select in list(tree.find_all(exp.Select)):
        order = select.args.get("order")
        if order is None or select.args.get("distinct"):
            continue
        keys: list[exp.Expr] = []
        for ordered in order.expressions:
            field = ordered.this if isinstance(ordered.this, RawField) else _selected_field(select, ordered.this)
            if field is None or ctx.catalog.time_formats(field.dotted):
                keys.append(ordered)
                continue
            first = ordered.copy()
            first.set("this", _as_number(field.copy()))
            keys += [first, ordered]
        order.set("expressions", keys)
    return tree


def _selected_field(select: exp.Select, key: exp.Expr) -> RawField | None:
    """The raw field a SELECT item is, when ORDER BY names that item by position (`1`) or output name."""
    items = select.expressions
    value: exp.Expr | None = None
    if isinstance(key, exp.Literal) and key.is_int and 1 <= int(key.name) <= len(items):
        value = items[int(key.name) - 1]
    elif isinstance(key, exp.Column) and not key.table:
        value = next((i for i in items if isinstance(i, exp.Alias) and i.alias.lower() == key.name.lower()), None)
    if isinstance(value, exp.Alias):
        value = value.this
    return value if isinstance(value, RawField) else None


def _typed_comparison(node: exp.Binary, ctx: Context) -> exp.Expr:
    left, right = _coerce(node.this, node.expression, ctx)
    right, left = _coerce(right, left, ctx)
    node.set("this", left)
    node.set("expression", right)
    return node


def _coerce(side: exp.Expr, other: exp.Expr, ctx: Context) -> tuple[exp.Expr, exp.Expr]:
    """Adjust `side` and/or `other` for comparing `side` (a column or field) with `other`."""
    mine, theirs = kind(side), kind(other)
    if mine == "time" and theirs in ("str", "num"):
        return side, time_point(other, ctx)
    if mine == "time" and theirs == "raw":
        return side, exp.TryCast(this=other, to=data_type("TIMESTAMPTZ"))
    if mine in _TEXTUAL and theirs == "num":
        return _as_number(side), other
    if mine == "raw" and theirs == "bool":
        return side, exp.Literal.string("true" if other.this else "false")
    if mine == "number" and theirs == "str":
        value = literal_value(other)
        number = _number_or_none(value)
        if number is None:
            raise ctx.error(f"{side.name} is a number; compare it with a number, not '{value}'", other)
        return side, derived(number, other)
    return side, other


def _typed_in(node: exp.In, ctx: Context) -> exp.Expr:
    subject, items = node.this, node.expressions
    mine = kind(subject)
    if not items:  # IN (subquery): the subquery's own column decides
        return node
    if mine == "time":
        node.set("expressions", [time_point(i, ctx) if kind(i) in ("str", "num") else i for i in items])
        return node
    if mine == "raw":
        items = [exp.Literal.string("true" if i.this else "false") if kind(i) == "bool" else i for i in items]
    if mine not in _TEXTUAL:
        return node
    numbers = [i for i in items if kind(i) == "num"]
    others = [i for i in items if kind(i) != "num"]
    if not numbers:
        node.set("expressions", items)
        return node
    numeric = exp.In(this=_as_number(subject.copy()), expressions=numbers)
    if not others:
        return numeric
    return exp.Paren(this=exp.Or(this=numeric, expression=exp.In(this=subject, expressions=others)))


def _typed_between(node: exp.Between, ctx: Context) -> exp.Expr:
    subject, low, high = node.this, node.args["low"], node.args["high"]
    mine, kinds = kind(subject), {kind(low), kind(high)}
    if mine == "time":
        for key, bound in (("low", low), ("high", high)):
            if kind(bound) in ("str", "num"):
                node.set(key, time_point(bound, ctx))
        return node
    if mine not in _TEXTUAL or "num" not in kinds:
        return node
    if kinds == {"num"}:
        node.set("this", _as_number(subject))
        return node
    lower = _typed_comparison(exp.GTE(this=subject.copy(), expression=low), ctx)
    upper = _typed_comparison(exp.LTE(this=subject, expression=high), ctx)
    return exp.Paren(this=exp.And(this=lower, expression=upper))


def _as_number(node: exp.Expr) -> exp.Expr:
    return exp.TryCast(this=node, to=data_type("DOUBLE"))


def _number_or_none(value: object) -> int | float | None:
    if not isinstance(value, str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() and "." not in value else number
