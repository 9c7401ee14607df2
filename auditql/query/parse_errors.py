"""What a query that does not parse is missing, said in the user's words with a caret where it is missing.

sqlglot explains a failed parse in its own terms (`Required keyword: 'expression' missing for <class
'sqlglot.expressions.core.EQ'>`, `Invalid expression / Unexpected token`). None of that reaches the user:
`explain` turns it into "a value is missing after '='", "the condition after AND is missing", "empty
WHERE", "unexpected '0' after 'errCode': an operator is missing"; `check_balance` finds unbalanced
parentheses from the tokens (sqlglot only notices at the end, far from the cause); and any message that
would still carry a parser class name is replaced by a plain "could not be read at '…'".

    >>> from auditql.query.forms import parse_query
    >>> try:
    ...     parse_query("errCode = 0 AND")
    ... except Exception as e:
    ...     print(e.message, (e.line, e.col))
    the condition after AND is missing (1, 16)
"""

from __future__ import annotations

import re

from sqlglot.errors import ParseError
from sqlglot.tokens import Token, TokenType

from auditql.errors import QueryError
from auditql.query.context import Context

_MISSING = re.compile(r"Required keyword: '(\w+)' missing for <class '[\w.]*?(\w+)'>")
_INTERNALS = re.compile(r"<class|Required keyword|sqlglot|Invalid expression|Unexpected token|Expecting", re.I)
_AFTER_A_VALUE = {"Between": "BETWEEN needs two values: BETWEEN low AND high"}
_EXAMPLE = "endpoint LIKE 'socialize%' AND errCode != 0"
_OPERATORS = frozenset(
    {
        TokenType.EQ, TokenType.NEQ, TokenType.GT, TokenType.GTE, TokenType.LT, TokenType.LTE,
        TokenType.LIKE, TokenType.ILIKE, TokenType.IN, TokenType.BETWEEN, TokenType.IS,
    }
)  # fmt: skip
_VALUE_ENDS = frozenset(
    {TokenType.NUMBER, TokenType.STRING, TokenType.R_PAREN, TokenType.NULL, TokenType.TRUE, TokenType.FALSE}
)
_CLAUSE_WORDS = {"GROUP BY", "ORDER BY", "HAVING", "LIMIT", "START", "OFFSET"}


def check_balance(tokens: list[Token], ctx: Context) -> None:
    """Unbalanced parentheses, pointed at: the `)` that closes nothing, or the `(` never closed."""
    opened: list[Token] = []
    for token in tokens:
        if token.token_type == TokenType.L_PAREN:
            opened.append(token)
        elif token.token_type == TokenType.R_PAREN:
            if not opened:
                raise ctx.error("unbalanced parentheses: this ')' closes nothing; remove it or add a '(' before", token)
            opened.pop()
    if opened:
        raise ctx.error("unbalanced parentheses: this '(' is never closed; add a ')'", opened[-1])


def explain(error: ParseError, tokens: list[Token], ctx: Context, form: str) -> QueryError:
    """The parse error as one plain sentence with a caret (form: "where" or "sql")."""
    detail = error.errors[0] if error.errors else {}
    description = str(detail.get("description") or "")
    at = _token_at(tokens, ctx, detail.get("line"), detail.get("col"))
    following = tokens[tokens.index(at) + 1] if at is not None and tokens.index(at) + 1 < len(tokens) else None
    after_at = following if following is not None else len(ctx.text)
    typed = at.text if at is not None else ""
    missing = _MISSING.search(description)
    if missing and at is not None:
        keyword, node = missing.groups()
        if node in ("And", "Or"):
            joiner = _last(tokens, at, (TokenType.AND, TokenType.OR)) or at
            word = joiner.text.upper()
            if keyword == "this":
                return ctx.error(f"the condition before {word} is missing", joiner)
            return ctx.error(f"the condition after {word} is missing", _next(tokens, joiner, ctx))
        if node == "Where":
            return ctx.error(f"empty WHERE: write a condition after it, e.g. WHERE {_EXAMPLE}", after_at)
        if node == "Not":
            return ctx.error("the condition after NOT is missing", after_at)
        if node in ("Order", "Group"):
            return ctx.error(f"empty {'ORDER BY' if node == 'Order' else 'GROUP BY'}: name what to use", after_at)
        if node in _AFTER_A_VALUE:
            return ctx.error(_AFTER_A_VALUE[node], after_at)
        before = _previous(tokens, at)
        operator = at if at.token_type in _OPERATORS or _is_gigya_word(at) else before
        if operator is at and before is not None and before.token_type in _OPERATORS:
            operator = before  # `errCode = = 0`: the second '=' is where the value should be
        if operator is not None and operator is not at:
            return ctx.error(f"a value is missing after '{operator.text}'", at)
        return ctx.error(f"a value is missing after '{typed}'", after_at)
    if description.startswith("Expected a value after") and at is not None:
        return ctx.error(f"a value is missing after '{typed}'", after_at)
    if description and not _INTERNALS.search(description) and not description.startswith("Expect"):
        return ctx.error(description, at if at is not None else None)  # auditql's own (dialect.py), already plain
    if at is None:
        return ctx.error(f"the query could not be read; write a condition such as {_EXAMPLE}")
    return _unexpected(at, tokens, ctx, form)


def _unexpected(at: Token, tokens: list[Token], ctx: Context, form: str) -> QueryError:
    index = tokens.index(at)
    before = tokens[index - 1] if index else None
    word = at.text.upper()
    if index == 0 and word == "WHERE":
        if len(tokens) == 1:
            return ctx.error(f"empty WHERE: write a condition, e.g. {_EXAMPLE}", len(ctx.text))
        return ctx.error("start with the condition itself, without WHERE", at)
    if word in ("IS",) and before is not None:
        return ctx.error("IS must be followed by NULL or NOT NULL", _next(tokens, at, ctx))
    if form == "where" and word in _CLAUSE_WORDS:
        return ctx.error(_clause_in_where(word, ctx.text[: at.start].strip()), at)
    if before is not None and _ends_value(before) and _is_name(at):
        return ctx.error(f"unexpected '{at.text}': AND or OR is missing before it", at)
    if before is not None and _is_name(before) and _is_value(at):
        return ctx.error(
            f"unexpected {_show(at)} after '{before.text}': "
            "an operator is missing (=, !=, <, LIKE, IN, contains, regex)",
            at,
        )
    return ctx.error(f"unexpected {_show(at)} here", at)


def _clause_in_where(word: str, condition: str) -> str:
    """GROUP BY / ORDER BY / LIMIT typed after a WHERE-form condition: say which form has it."""
    if word in ("GROUP BY", "HAVING"):
        return (
            f"{word} is not part of a Gigya condition (audit.search cannot aggregate); write SQL over events, "
            f"e.g. SELECT endpoint, count(*) FROM events WHERE {condition or '…'} GROUP BY endpoint"
        )
    return (
        f"{word} is not part of a condition; use the REST form, "
        f"SELECT * FROM auditLog WHERE {condition or '…'} {word} …, or SQL over events"
    )


def clean(message: str) -> str:
    """A message that would show parser internals becomes a plain one (defence for paths not explained)."""
    return "the query could not be read; check it near the caret" if _INTERNALS.search(message) else message


def _token_at(tokens: list[Token], ctx: Context, line: object, col: object) -> Token | None:
    """The token sqlglot's error points at (it reports where the token ends)."""
    if not isinstance(line, int) or not isinstance(col, int):
        return None
    lines = ctx.text.split("\n")
    if not 1 <= line <= len(lines):
        return None
    end = sum(len(text) + 1 for text in lines[: line - 1]) + col - 1
    for token in tokens:
        if token.start <= end <= token.end:
            return token
    return next((t for t in reversed(tokens) if t.start <= end), None)


def _last(tokens: list[Token], at: Token, kinds: tuple[TokenType, ...]) -> Token | None:
    """The last token of one of `kinds` at or before `at`."""
    return next((t for t in reversed(tokens[: tokens.index(at) + 1]) if t.token_type in kinds), None)


def _previous(tokens: list[Token], at: Token) -> Token | None:
    index = tokens.index(at)
    return tokens[index - 1] if index else None


def _next(tokens: list[Token], at: Token, ctx: Context) -> Token | int:
    index = tokens.index(at)
    return tokens[index + 1] if index + 1 < len(tokens) else len(ctx.text)


def _is_gigya_word(token: Token) -> bool:
    return token.token_type == TokenType.VAR and token.text.lower() in ("contains", "regex")


def _ends_value(token: Token) -> bool:
    return token.token_type in _VALUE_ENDS


def _is_name(token: Token) -> bool:
    return token.token_type in (TokenType.VAR, TokenType.IDENTIFIER)


def _is_value(token: Token) -> bool:
    return token.token_type in (TokenType.NUMBER, TokenType.STRING, TokenType.VAR, TokenType.IDENTIFIER)


def _show(token: Token) -> str:
    text = token.text if token.token_type != TokenType.STRING else f"'{token.text}'"
    return f"'{text}'" if token.token_type != TokenType.STRING else text
