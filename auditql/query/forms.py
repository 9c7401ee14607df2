"""Recognize which of the three query forms the user typed, and parse it into one shape.

Users paste (1) a bare WHERE clause from Gigya's advanced-query box, (2) Gigya's REST statement
`SELECT * FROM auditLog WHERE … ORDER BY … START n LIMIT n`, or (3) read-only SQL over `events`.
All three come out as a sqlglot query over `events`, so the allowlist and rewrites handle one shape:

    >>> parse_query("errCode != 0").tree.sql(dialect="duckdb")
    'SELECT * FROM "events" WHERE errCode <> 0'

The form is decided by the first tokens (SELECT/WITH start a statement, anything else is a condition),
so an error message speaks the user's form ("write a condition such as …"); a condition that fails to
parse and starts with a statement word (DROP, COPY, ATTACH…) is refused by that name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from auditql.errors import QueryError
from auditql.query.allowlist import STATEMENT_WORDS, check_length, check_token_count, check_token_nesting
from auditql.query.context import Context
from auditql.query.dialect import AuditQL
from auditql.query.parse_errors import check_balance, explain

WHERE, REST, SQL = "where", "rest", "sql"
FORMS = (WHERE, REST, SQL)
_EXAMPLE = "endpoint LIKE 'socialize%' AND errCode != 0"
_REST_CLAUSES = {"expressions", "from_", "where", "order", "offset", "limit"}


@dataclass(frozen=True)
class ParsedQuery:
    form: str  # one of FORMS
    tree: exp.Query  # a query over `events`; for WHERE and REST forms a single SELECT * FROM events


def parse_query(text: str, ctx: Context | None = None) -> ParsedQuery:
    ctx = ctx or Context(text)
    check_length(ctx)
    tokens = _statement_tokens(_tokenize(ctx), ctx)
    check_token_count(tokens, ctx)
    check_token_nesting(tokens, ctx)
    check_balance(tokens, ctx)
    if _starts_query(tokens):
        tree = _parse_statement(tokens, ctx)
        _refuse_empty_in(tree, ctx)
        if _is_rest(tree):
            return ParsedQuery(REST, _rest_to_events(tree, ctx))
        _refuse_rest_start(tree, ctx)
        return ParsedQuery(SQL, tree)
    if len(tokens) == 1 and tokens[0].text.upper() in STATEMENT_WORDS:  # `VACUUM` is not "raw field VACUUM is true"
        raise ctx.error(f"only SELECT queries are allowed; {tokens[0].text.upper()} was refused", tokens[0])
    try:
        condition = _parse_condition(tokens, ctx)
    except QueryError:
        if tokens[0].text.upper() in STATEMENT_WORDS:
            raise ctx.error(
                f"only SELECT queries are allowed; {tokens[0].text.upper()} was refused", tokens[0]
            ) from None
        raise
    _refuse_aggregates(condition, ctx)
    _refuse_empty_in(condition, ctx)
    select = exp.Select(expressions=[exp.Star()], from_=exp.From(this=events_table()))
    return ParsedQuery(WHERE, select.where(condition, copy=False))


def is_statement(text: str) -> bool:
    """Whether `text` starts a statement (the REST or SQL form) rather than a condition (the WHERE form), from
    its first tokens alone: the web view learns a WHERE clause's columns before translating it, so it
    translates once. False for text that does not tokenize (its translation then says why).

        >>> is_statement("category = 'login'"), is_statement(" (SELECT * FROM auditLog)")
        (False, True)
    """
    try:
        tokens = AuditQL().tokenize(text)
    except TokenError:
        return False
    return bool(tokens) and _starts_query(tokens)


def events_table() -> exp.Table:
    return exp.Table(this=exp.Identifier(this="events", quoted=True))


def _tokenize(ctx: Context) -> list[Token]:
    try:
        return AuditQL().tokenize(ctx.text)
    except TokenError:
        opened = _unclosed(ctx.text)
        if opened is None:
            raise ctx.error("the query could not be read; check its quotes and comments") from None
        offset, opener = opened
        closer = "*/" if opener == "/*" else opener
        if opener in "'\"" and f"\\{opener}" in ctx.text:
            raise ctx.error(
                f"unterminated {opener}…{opener}: a backslash does not escape a quote here; "
                f"double the quote instead, e.g. 'O''Brien'",
                ctx.text.find(f"\\{opener}"),
            ) from None
        raise ctx.error(f"unterminated {opener}…{closer}: add the closing {closer}", offset) from None


def _unclosed(text: str) -> tuple[int, str] | None:
    """Offset and opener of a quote or block comment that never closes (sqlglot doesn't say where)."""
    i = 0
    while i < len(text):
        if text.startswith("--", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end + 1
            continue
        opener = "/*" if text.startswith("/*", i) else text[i] if text[i] in "'\"" else None
        if opener is None:
            i += 1
            continue
        closer = "*/" if opener == "/*" else opener
        end = text.find(closer, i + len(opener))
        while end >= 0 and opener != "/*" and text.startswith(closer * 2, end):
            end = text.find(closer, end + 2)  # a doubled quote is an escaped quote
        if end < 0:
            return i, opener
        i = end + len(closer)
    return None


def _statement_tokens(tokens: list[Token], ctx: Context) -> list[Token]:
    """Drop trailing semicolons; any other semicolon means a second statement, which is refused."""
    while tokens and tokens[-1].token_type == TokenType.SEMICOLON:
        tokens = tokens[:-1]
    if not tokens:
        raise ctx.error(f"the query is empty; write a condition such as {_EXAMPLE}")
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            raise ctx.error("only one statement is allowed; remove the ';' and what follows it", token)
    return tokens


def _starts_query(tokens: list[Token]) -> bool:
    first = next((t for t in tokens if t.token_type != TokenType.L_PAREN), tokens[0])
    return first.token_type in (TokenType.SELECT, TokenType.WITH)


def _parse_statement(tokens: list[Token], ctx: Context) -> exp.Query:
    try:
        statements = AuditQL().parser().parse(tokens, ctx.text)
    except ParseError as error:
        raise explain(error, tokens, ctx, SQL) from None
    tree = statements[0] if len(statements) == 1 else None
    while isinstance(tree, exp.Subquery) and not tree.alias:
        tree = tree.this
    for select in tree.find_all(exp.Select) if tree is not None else ():
        if not select.expressions:
            raise ctx.error("SELECT needs a list of what to show, e.g. SELECT * FROM events", select)
    if not isinstance(tree, exp.Query):
        refused = f"; {tree.key.upper()} was refused" if tree is not None else ""
        raise ctx.error(f"only SELECT queries are allowed{refused}", tokens[0])
    return tree


def _parse_condition(tokens: list[Token], ctx: Context) -> exp.Expr:
    try:
        parsed = AuditQL().parser().parse_into(exp.Condition, tokens, ctx.text)
    except ParseError as error:
        raise explain(error, tokens, ctx, WHERE) from None
    condition = parsed[0] if parsed else None
    if condition is None:
        raise ctx.error(f"the query is empty; write a condition such as {_EXAMPLE}")
    return condition


def _is_rest(tree: exp.Query) -> bool:
    source = tree.args.get("from_") if isinstance(tree, exp.Select) else None
    table = source.this if source else None
    return (
        isinstance(table, exp.Table)
        and isinstance(table.this, exp.Identifier)
        and (table.name.lower() == "auditlog" and not table.args.get("db"))
    )


def _rest_to_events(select: exp.Query, ctx: Context) -> exp.Select:
    """Validate Gigya's REST shape and point it at `events`; only WHERE/ORDER BY/START/LIMIT may vary.

    audit.search itself refuses anything else ("The SELECT statement may only be used to select all fields
    ( * )"); for counts and groups the refusal shows the same query as SQL over `events`."""
    assert isinstance(select, exp.Select)
    extra = sorted(k for k, v in select.args.items() if v and k not in _REST_CLAUSES)
    if extra or len(select.expressions) != 1 or not isinstance(select.expressions[0], exp.Star):
        aggregates = bool(extra and {"group", "having"} & set(extra)) or any(
            s.find(exp.AggFunc) for s in select.expressions
        )
        what = "counts or groups" if aggregates else "other columns"
        raise ctx.error(
            "the REST form (audit.search) selects only *: SELECT * FROM auditLog [WHERE …] [ORDER BY …] "
            f"[START n] [LIMIT n]; for {what} write SQL over events: {_as_sql(ctx.text, select)}",
            select.expressions[0] if select.expressions else select,
        )
    table = select.args["from_"].this
    if table.alias or select.find(exp.Subquery, exp.Exists):
        raise ctx.error("the REST form takes no aliases or subqueries; write SQL over events", table)
    rest = select.copy()
    rest.set("from_", exp.From(this=events_table()))
    return rest


def _as_sql(text: str, select: exp.Select) -> str:
    """The user's REST statement with `auditLog` replaced by `events` (START n becomes OFFSET n), shortened;
    `SELECT * … GROUP BY k` becomes `SELECT k, count(*) … GROUP BY k`."""
    sql = re.sub(r"\bauditLog\b", "events", " ".join(text.split()), flags=re.IGNORECASE)
    group = select.args.get("group")
    if group is not None and isinstance(select.expressions[0], exp.Star):
        keys = ", ".join(k.sql(dialect="duckdb") for k in group.expressions)
        sql = re.sub(r"^\s*SELECT\s+\*", f"SELECT {keys}, count(*)", sql, flags=re.IGNORECASE)
    sql = re.sub(r"\bSTART\s+(\d+)", r"OFFSET \1", sql, flags=re.IGNORECASE)
    return sql if len(sql) <= 120 else sql[:117] + "…"


def _refuse_aggregates(condition: exp.Expr, ctx: Context) -> None:
    """`count(*) > 5` as a Gigya condition: audit.search has no aggregation, so point at the SQL form."""
    aggregate = condition.find(exp.AggFunc)
    if aggregate is not None:
        raise ctx.error(
            f"{aggregate.sql_name().lower()}(…) is not available in a Gigya condition (audit.search cannot "
            "aggregate); write SQL over events, e.g. SELECT count(*) FROM events WHERE errCode != 0",
            aggregate,
        )


def _refuse_empty_in(tree: exp.Expr, ctx: Context) -> None:
    for node in tree.find_all(exp.In):
        if not node.expressions and node.args.get("query") is None and node.args.get("unnest") is None:
            raise ctx.error("IN needs at least one value, e.g. errCode IN (0, 400006)", node)


def _refuse_rest_start(tree: exp.Query, ctx: Context) -> None:
    for offset in tree.find_all(exp.Offset):
        if offset.meta.get("rest_start"):
            raise ctx.error("START belongs to the REST form (FROM auditLog); in SQL use OFFSET", offset)
