"""Raw fields that hold arrays or objects, read the way Gigya reads them.

Gigya's `in()` "only retrieve[s] items if the field contains one of the list values", and its documents
are searched field by field (docs/spec/query-language.md, "Gigya semantics"). So on a raw field whose
value is a JSON array:
- `=`, `!=`, `IN (…)`, `NOT IN (…)` test the elements: `tags = 'vip'` matches `["new", "vip"]`, and
  `tags != 'vip'` is its exact negation;
- `contains` searches the elements' text; on an array or an object it never matches a key name
  (`params contains 'loginID'` does not match `{"loginID": "x"}`), only values.
Everything else — a scalar value, a missing field — is compared as before (comparisons.py).

The text of the field (`raw ->> '$.f'`, or the verbatim column) is read first; `raw` is parsed again only
for the rows whose text starts with `[` or `{`, so a query over scalar fields costs what it did.
"""

from __future__ import annotations

import typing as t

from sqlglot import exp

from auditql.query.comparisons import kind
from auditql.query.context import Context
from auditql.query.dialect import DOLLAR_SAFE_KEY
from auditql.query.names import RawField
from auditql.query.patterns import ARRAY_AWARE, WORD, WordSearch
from auditql.query.trees import data_type

# A key of a JSON object as it appears in the object's text: the quoted name, then a colon.
_KEY = r'"(?:[^"\\]|\\.)*"\s*:'
_ELEMENT_SEPARATOR = 31  # CHR(31): not a letter or digit, so elements joined by it stay separate words
_LITERALS = ("str", "num", "bool")


def array_elements(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """`=`, `!=`, IN and contains on a raw field also test array elements (see the module doc)."""
    for node in reversed(list(tree.find_all(exp.EQ, exp.NEQ, exp.In, WordSearch))):
        replacement = _rewrite(node, ctx)
        if replacement is not None:
            node.replace(replacement)
    return tree


def _rewrite(node: exp.Expr, ctx: Context) -> exp.Expr | None:
    if isinstance(node, WordSearch):
        field = node.this
        return _searched(node, field) if _is_plain_field(field, ctx) else None
    if isinstance(node, exp.In):
        items = node.expressions
        if not items or not _is_plain_field(node.this, ctx) or any(kind(i) not in _LITERALS for i in items):
            return None
        return _either(node.this, _any_element(node.this, items), node.copy())
    field, value = _field_and_value(t.cast(exp.Binary, node), ctx)
    if field is None or value is None:
        return None
    equal = exp.EQ(this=field.copy(), expression=value.copy())
    matched = _either(field, _any_element(field, [value]), equal)
    return exp.Not(this=matched) if isinstance(node, exp.NEQ) else matched


def _field_and_value(node: exp.Binary, ctx: Context) -> tuple[RawField | None, exp.Expr | None]:
    for field, value in ((node.this, node.expression), (node.expression, node.this)):
        if _is_plain_field(field, ctx) and kind(value) in _LITERALS:
            return field, value
    return None, None


def _is_plain_field(node: object, ctx: Context) -> t.TypeGuard[RawField]:
    """A raw field, not one a vendor's mapping reads as the time (those compare as instants: times.py),
    whose keys DuckDB's `$.a[*]` path syntax can name (a key like `we*ird` is compared as a scalar)."""
    return (
        isinstance(node, RawField)
        and not ctx.catalog.time_formats(node.dotted)
        and all(DOLLAR_SAFE_KEY.fullmatch(key) for key in node.path)
    )


def _either(field: RawField, on_array: exp.Expr, otherwise: exp.Expr) -> exp.Expr:
    """`CASE WHEN <field is an array> THEN on_array ELSE otherwise END`, in parentheses."""
    is_array = exp.And(
        this=exp.StartsWith(this=field.copy(), expression=exp.Literal.string("[")),
        expression=exp.EQ(this=_json_type(field), expression=exp.Literal.string("ARRAY")),
    )
    return _marked(exp.Case(ifs=[exp.If(this=is_array, true=on_array)], default=otherwise))


def _any_element(field: RawField, values: list[exp.Expr]) -> exp.Expr:
    """Whether some element equals one of `values`: strings as text, numbers numerically."""
    tests: list[exp.Expr] = []
    texts = [_as_text(v) for v in values if kind(v) != "num"]
    numbers = [v.copy() for v in values if kind(v) == "num"]
    if texts:
        tests.append(_contains_one(_elements(field), texts))
    if numbers:
        as_numbers = exp.TryCast(this=_elements(field), to=data_type("DOUBLE[]"))
        tests.append(_contains_one(as_numbers, numbers))
    test = tests[0] if len(tests) == 1 else exp.Or(this=tests[0], expression=tests[1])
    return exp.Coalesce(this=test, expressions=[exp.false()])


def _contains_one(elements: exp.Expr, values: list[exp.Expr]) -> exp.Expr:
    if len(values) == 1:
        return exp.ArrayContains(this=elements, expression=values[0])
    return exp.ArrayOverlaps(this=elements, expression=exp.Array(expressions=values))


def _as_text(value: exp.Expr) -> exp.Expr:
    if isinstance(value, exp.Boolean):
        return exp.Literal.string("true" if value.this else "false")
    return value.copy()


def _searched(node: WordSearch, field: RawField) -> exp.Expr:
    """contains on a field that may hold JSON: elements joined, object keys blanked, then the word search."""
    starts = [exp.StartsWith(this=field.copy(), expression=exp.Literal.string(c)) for c in "[{"]
    is_json = exp.And(
        this=exp.Paren(this=exp.Or(this=starts[0], expression=starts[1])),
        expression=exp.In(this=_json_type(field), expressions=[exp.Literal.string(k) for k in ("ARRAY", "OBJECT")]),
    )
    joined = exp.ArrayToString(
        this=_elements(field), expression=exp.Chr(expressions=[exp.Literal.number(_ELEMENT_SEPARATOR)])
    )
    text = exp.Case(
        ifs=[exp.If(this=exp.EQ(this=_json_type(field), expression=exp.Literal.string("ARRAY")), true=joined)],
        default=field.copy(),
    )
    values = exp.RegexpReplace(
        this=text,
        expression=exp.Literal.string(_KEY),
        replacement=exp.Literal.string(" "),
        modifiers=exp.Literal.string("g"),
    )
    in_json = WordSearch(this=values, expression=node.expression.copy())
    in_json.meta[WORD] = node.meta[WORD]
    return _marked(exp.Case(ifs=[exp.If(this=is_json, true=in_json)], default=node.copy()))


def _marked(case: exp.Case) -> exp.Expr:
    """In parentheses, and marked: engines other than DuckDB read the value as a scalar (its `default`),
    since their JSON functions differ (patterns.for_dialect)."""
    case.meta[ARRAY_AWARE] = True
    return exp.Paren(this=case)


def _raw(field: RawField) -> exp.Column:
    table = field.args.get("table")
    return exp.Column(this=exp.Identifier(this="raw", quoted=True), table=table.copy() if table else None)


def _path(field: RawField, *tail: exp.JSONPathPart) -> exp.JSONPath:
    keys = [exp.JSONPathKey(this=k) for k in field.path]
    return exp.JSONPath(expressions=[exp.JSONPathRoot(), *keys, *tail])


def _elements(field: RawField) -> exp.Expr:
    """`raw ->> '$.f[*]'`: the elements' text (strings unquoted) when f is an array, else an empty list."""
    every = exp.JSONPathSubscript(this=exp.JSONPathWildcard())
    return exp.JSONExtractScalar(this=_raw(field), expression=_path(field, every))


def _json_type(field: RawField) -> exp.Expr:
    return exp.JSONType(this=_raw(field), expression=_path(field))
