"""Column names for unnamed SELECT items: what the user typed, the same on DuckDB and on Spark.

Left to itself each engine names an unnamed item after the SQL it ran: DuckDB calls `count(*)`
`count_star()` and Spark `count(1)`, and after the rewrites `sum(errCode)` would be named after the JSON
extraction it became. So each SELECT item that is not a plain name, `*` or already aliased gets an alias:
its own text from the query, runs of whitespace collapsed to one space.

sqlglot keeps positions for names and values only, not for `(`, `*` or keywords, so an item's text is
found from the tokens: the items of a SELECT are the token runs between its SELECT keyword, the commas
outside brackets and the keyword that ends the list (FROM, WHERE, …). If the runs do not line up with
the parsed items one to one, that SELECT is left to the engine's names.

    >>> from auditql.query.forms import parse_query
    >>> text = "SELECT count(*), sum( x )  FILTER (WHERE y > 1), lower(actor_name) AS who, vendor FROM events"
    >>> tree = name_unnamed_items(parse_query(text).tree, Context(text))
    >>> [item.alias_or_name for item in tree.expressions]
    ['count(*)', 'sum( x ) FILTER (WHERE y > 1)', 'who', 'vendor']
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from auditql.query.context import Context
from auditql.query.dialect import AuditQL

_NAMED = (exp.Alias, exp.Star, exp.Column, exp.Dot)
_OPEN = {TokenType.L_PAREN, TokenType.L_BRACKET, TokenType.L_BRACE}
_CLOSE = {TokenType.R_PAREN, TokenType.R_BRACKET, TokenType.R_BRACE}
_END_OF_LIST = {
    TokenType.FROM, TokenType.WHERE, TokenType.GROUP_BY, TokenType.HAVING, TokenType.ORDER_BY, TokenType.LIMIT,
    TokenType.QUALIFY, TokenType.WINDOW, TokenType.UNION, TokenType.INTERSECT, TokenType.EXCEPT, TokenType.OFFSET,
    TokenType.FETCH, TokenType.SEMICOLON,
}  # fmt: skip


def name_unnamed_items(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Alias every unnamed SELECT item in every SELECT (a CTE's columns are named the same way)."""
    selects = list(tree.find_all(exp.Select))
    if not any(_unnamed(item) for select in selects for item in select.expressions):
        return tree
    tokens = AuditQL().tokenize(ctx.text)
    keywords = [i for i, token in enumerate(tokens) if token.token_type == TokenType.SELECT]
    if len(keywords) != len(selects):
        return tree
    for select, keyword in zip(sorted(selects, key=_document_order), keywords, strict=True):
        runs = _item_runs(tokens, keyword)
        if len(runs) != len(select.expressions) or not _names_columns(select):
            continue
        for item, (first, last) in zip(list(select.expressions), runs, strict=True):
            if _unnamed(item):
                header = " ".join(ctx.text[tokens[first].start : tokens[last].end + 1].split())
                alias = exp.Alias(alias=exp.Identifier(this=header, quoted=True))
                item.replace(alias)
                alias.set("this", item)
    return tree


def _unnamed(item: exp.Expr) -> bool:
    inner = item.unnest() if isinstance(item, exp.Paren) else item
    return not isinstance(inner, _NAMED)


def _names_columns(select: exp.Select) -> bool:
    """Whether the SELECT's items become column names: the query's own, a CTE's, a derived table's, a
    set operation's; not a subquery in an expression (`EXISTS (SELECT 1 …)`, `IN (SELECT …)`, `(SELECT max(…))`)."""
    node: exp.Expr = select
    while node.parent is not None and not isinstance(node.parent, exp.Select):
        if not isinstance(node.parent, (exp.Subquery, exp.From, exp.Join, exp.CTE, exp.With, exp.SetOperation)):
            return False
        node = node.parent
    return node.parent is None or node.arg_key in ("from_", "joins", "with_")


def _document_order(select: exp.Select) -> tuple[int, int]:
    """A SELECT's keyword comes before everything in it (but after its WITH's CTEs), and an outer
    SELECT's before an inner one's."""
    parts = [child for key, child in _children(select) if key != "with_"]
    starts = [n._meta["start"] for part in parts for n in part.walk() if n._meta and "start" in n._meta]
    return min(starts, default=-1), select.depth


def _children(node: exp.Expr) -> list[tuple[str, exp.Expr]]:
    return [
        (key, child)
        for key, value in node.args.items()
        for child in (value if isinstance(value, list) else [value])
        if isinstance(child, exp.Expr)
    ]


def _item_runs(tokens: list[Token], keyword: int) -> list[tuple[int, int]]:
    """(first, last) token indexes of each item in the list after tokens[keyword] (a SELECT)."""
    i = keyword + 1
    if i < len(tokens) and tokens[i].token_type in (TokenType.DISTINCT, TokenType.ALL):
        i += 1
        if i < len(tokens) and tokens[i].token_type == TokenType.ON:  # DISTINCT ON (…)
            i = _past_brackets(tokens, i + 1)
    runs: list[tuple[int, int]] = []
    depth, first = 0, i
    while i < len(tokens):
        kind = tokens[i].token_type
        if kind in _OPEN:
            depth += 1
        elif kind in _CLOSE:
            depth -= 1
            if depth < 0:
                break
        elif depth == 0 and (kind == TokenType.COMMA or kind in _END_OF_LIST):
            if kind != TokenType.COMMA:
                break
            runs.append((first, i - 1))
            first = i + 1
        i += 1
    if first <= i - 1:
        runs.append((first, i - 1))
    return runs


def _past_brackets(tokens: list[Token], i: int) -> int:
    depth = 0
    while i < len(tokens):
        kind = tokens[i].token_type
        depth += kind in _OPEN
        depth -= kind in _CLOSE
        i += 1
        if depth <= 0:
            break
    return i
