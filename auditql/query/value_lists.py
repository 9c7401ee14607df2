"""A fast path for long `IN (…)` lists of plain values, in the auditql dialect's parser.

Why: sqlglot parses each list item through its whole precedence chain (about twenty nested calls, OR down
to a literal), and a translation parses twice (the query, then the generated SQL read back by recheck.py).
A 10,000-value list (`--param ids=@ids.txt`, or pasted inline) took most of its 0.6 s there. When every item
is one number, one string or a bound `$n`, each followed by `,` or `)`, the items are parsed straight as
what the chain would have reached — the same parser functions, so the same nodes, positions included
(tests/test_value_lists.py compares both paths). Anything else (`-1`, `'a' || 'b'`, a subquery, `:name`)
takes sqlglot's path unchanged. And `x IN :ids` (no parentheses, which sqlglot reads as `IN` a column) is
read as `x IN (:ids)`, so a list bound to `ids` fills it.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp
from sqlglot.parsers.duckdb import DuckDBParser
from sqlglot.tokens import Token, TokenType

_SINGLE = (TokenType.NUMBER, TokenType.STRING)


def parse_in(parser: Any, this: exp.Expr | None, alias: bool = False) -> exp.In:
    """`Parser._parse_in` for the auditql dialect (hooked in dialect.py)."""
    if not _plain_values(parser._tokens, parser._index):
        node = DuckDBParser._parse_in(parser, this, alias)
        field = node.args.get("field")
        if isinstance(field, exp.Placeholder):  # `x IN :ids` means `x IN (:ids)`: a bound list is spliced in
            node.set("field", None)
            node.set("expressions", [field])
        return node
    parser._advance()  # (
    items: list[exp.Expr] = []
    while True:
        token = parser._curr
        item = parser._parse_primary() if token.token_type in _SINGLE else parser._parse_placeholder()
        items.append(item)
        if not parser._match(TokenType.COMMA):
            break
    node = parser.expression(exp.In(this=this, expressions=items))
    parser._match_r_paren(node)
    return node


def _plain_values(tokens: list[Token], start: int) -> bool:
    """Whether tokens[start:] is `(` v, v, … `)` with each v a number, a string, or `$` + digits."""
    if start >= len(tokens) or tokens[start].token_type != TokenType.L_PAREN:
        return False
    i, n = start + 1, len(tokens)
    while i < n:
        kind = tokens[i].token_type
        if kind in _SINGLE:
            i += 1
        elif kind == TokenType.PARAMETER and i + 1 < n and tokens[i + 1].token_type == TokenType.NUMBER:
            if not tokens[i + 1].text.isdigit():
                return False
            i += 2
        else:
            return False
        if i >= n:
            return False
        if tokens[i].token_type == TokenType.R_PAREN:
            return True
        if tokens[i].token_type != TokenType.COMMA:
            return False
        i += 1
    return False
