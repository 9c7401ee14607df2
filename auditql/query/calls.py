"""Every function a query calls, checked by the name it is written with (the list: query/functions.py).

sqlglot reads many calls into typed nodes and may print them back under another name (`string_agg` is
read as GroupConcat and printed LISTAGG; `date_diff` as DateDiff). A check on node types would accept or
refuse something other than what was typed and name the wrong function in its refusal. So a call is
checked by the text of its name: in the user's query (allowlist.check_tree) and again in the generated SQL
(recheck.check_sql), where the name printed is the name DuckDB resolves.

Constructs not written as `name(...)` — CASE, CAST and `::`, `->>`, `[…]`, `{…}`, EXTRACT, CURRENT_DATE —
carry no name and are admitted by node type (SYNTAX_FUNCTIONS). So are the calls sqlglot parses with a
parser of its own (`string_agg(x, ',' ORDER BY y)`, `max`, `trim`), which keep no position; their names
are checked on the tokens instead (check_parser_calls), so other databases' spellings that those parsers
also read (`stringagg`, `char`, `initcap`, `convert`, `safe_cast`) are refused as DuckDB would refuse
them. A call through a qualifier (`main.lower(x)`, `x.lower()`) is refused: the qualifier, not the name,
would decide what runs.

    >>> import sqlglot
    >>> from auditql.query.dialect import AuditQL
    >>> text = "SELECT date_diff('day', a, b), string_agg(x, ',') FROM events"
    >>> [call_name(f, text) for f in sqlglot.parse_one(text, dialect=AuditQL).find_all(exp.Func)]
    ['date_diff', None]
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from typing import Any

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from auditql.query.functions import ALLOWED, CLASSIFIED, refusal, refusal_message

# Function nodes written as syntax, or built by sqlglot's own parsers for allowed DuckDB names.
SYNTAX_FUNCTIONS: frozenset[type[exp.Expr]] = frozenset(
    {
        exp.Case, exp.If, exp.Cast, exp.TryCast, exp.Extract, exp.Struct, exp.Array, exp.Bracket, exp.ToMap,
        exp.JSONExtract, exp.JSONExtractScalar, exp.CurrentDate, exp.CurrentTimestamp, exp.CurrentTime,
        exp.Localtime, exp.Localtimestamp, exp.Pow, exp.Explode, exp.Unnest, exp.Map,
        exp.GroupConcat, exp.ArgMax, exp.ArgMin, exp.ApproxQuantile, exp.Quantile, exp.PercentileCont,
        exp.PercentileDisc, exp.Ceil, exp.Floor, exp.Chr, exp.Initcap, exp.Max, exp.Min, exp.Trim,
        exp.Substring, exp.StrPosition, exp.Overlay, exp.Normalize, exp.JSONObject,
        exp.RegexpLike,  # Gigya's `x regex 'p'` (dialect.py)
        exp.StartsWith,  # `x ^@ 'p'`
    }
)  # fmt: skip
# Syntax that is refused, by the words users write it with (the refusal names these).
CONSTRUCTS: dict[type[exp.Expr], str] = {
    exp.Lateral: "LATERAL", exp.Into: "SELECT … INTO", exp.TableSample: "TABLESAMPLE", exp.Collate: "COLLATE",
    exp.RawString: "a $$…$$ string", exp.Columns: "COLUMNS(…)", exp.Pivot: "PIVOT", exp.MatchRecognize:
    "MATCH_RECOGNIZE", exp.Connect: "CONNECT BY", exp.Hint: "a /*+ hint */", exp.Changes: "CHANGES",
    exp.Prior: "PRIOR", exp.Lock: "FOR UPDATE", exp.Fetch: "FETCH", exp.Semicolon: "';'",
}  # fmt: skip
# Built by sqlglot's function parsers, without a position: seeing one, check_parser_calls reads the names.
PARSER_BUILT: frozenset[type[exp.Expr]] = frozenset(
    {
        exp.GroupConcat, exp.ArgMax, exp.ArgMin, exp.ApproxQuantile, exp.Quantile, exp.PercentileCont,
        exp.PercentileDisc, exp.Ceil, exp.Floor, exp.Chr, exp.Initcap, exp.Max, exp.Min, exp.Trim,
        exp.Substring, exp.StrPosition, exp.Overlay, exp.Normalize, exp.JSONObject, exp.Cast, exp.TryCast,
        exp.Extract,
    }
)  # fmt: skip
_SYNTAX_CALLS = frozenset({"CAST", "TRY_CAST"})  # written like calls, but SQL syntax
_NAME = re.compile(r'[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+"')

Refuse = Callable[[str, Any], Exception]  # the message and what the caret points at (a node or a token)


def call_name(node: exp.Func, text: str) -> str | None:
    """The name `node` is called by in `text` (the SQL it was parsed from); None if it has no name there."""
    if isinstance(node, exp.Anonymous):
        return node.name
    start, end = node.meta.get("start"), node.meta.get("end")
    if start is None and isinstance(node.parent, (exp.IgnoreNulls, exp.RespectNulls)):
        # sqlglot wraps `any_value(x)` in IGNORE NULLS (DuckDB's any_value skips them) and keeps the
        # position on the wrapper
        start, end = node.parent.meta.get("start"), node.parent.meta.get("end")
    if start is None or end is None:
        return None
    written = text[start : end + 1]
    if not _NAME.fullmatch(written):
        return None
    return written[1:-1].replace('""', '"') if written.startswith('"') else written


def check_call(node: exp.Func, text: str, refuse: Refuse, syntax: AbstractSet[type[exp.Expr]] = frozenset()) -> None:
    """Refuse `node` unless it is syntax or a call of an allowed function by its own, unqualified name.

    syntax: more node types admitted when written without a name (the caller's own syntax list)."""
    if isinstance(node.parent, exp.Dot) and node.arg_key == "expression":
        called = call_name(node, text) or node.sql_name().lower()
        raise refuse(f"call {called}(...) by its name alone, not through a qualifier or as a method", node)
    name = call_name(node, text)
    if isinstance(node.parent, (exp.From, exp.Join)) and node.arg_key == "this":  # `FROM unnest([1, 2])`
        shown = name or node.sql_name().lower()
        raise refuse(f"table function {shown}(...) is not allowed; query the events table", node)
    if name is None:
        if type(node) in SYNTAX_FUNCTIONS or type(node) in syntax:
            return
        keyword = node.sql_name().lower()
        if keyword in CLASSIFIED and type(node) not in CONSTRUCTS:  # e.g. CURRENT_USER, written without ( )
            raise refuse(refusal_message(keyword, refusal(keyword) or "it is not supported in a query"), node)
        raise refuse(construct_refused(node, text), node)
    if type(node) in CONSTRUCTS:
        raise refuse(construct_refused(node, text), node)
    reason = refusal(name)
    if reason is not None:
        raise refuse(refusal_message(name, reason), node)


def check_parser_calls(text: str, refuse: Refuse, tokens: list[Token] | None = None) -> None:
    """Refuse a call, written in `text`, of a name sqlglot parses with a parser of its own, unless the name
    is an allowed DuckDB function (`string_agg`, `max`, `trim`) or SQL syntax (`CAST`).

    tokens: `text` already tokenized by AuditQL's tokenizer (the recheck has them: tokenizing the generated
    SQL again cost ~6% of a translation)."""
    from auditql.query.dialect import AuditQL

    parsers = AuditQL.Parser.FUNCTION_PARSERS
    tokens = AuditQL().tokenize(text) if tokens is None else tokens
    for before, token, after in zip([None, *tokens[:-1]], tokens, [*tokens[1:], None], strict=True):
        word = token.text.upper()
        if (
            word in parsers
            and word not in _SYNTAX_CALLS
            and token.token_type != TokenType.STRING  # a quoted name `"char"(65)` is a call too
            and after is not None
            and after.token_type == TokenType.L_PAREN
            and (before is None or before.token_type != TokenType.DOT)
        ):
            reason = refusal(token.text)
            if reason is not None:
                raise refuse(refusal_message(token.text, reason), token)


def construct_refused(node: exp.Expr, text: str) -> str:
    """The refusal of a piece of syntax, named by its SQL keyword or as typed (never sqlglot's node name)."""
    shown = CONSTRUCTS.get(type(node)) or typed_text(node, text)
    return f"{shown} is not allowed in a query; rewrite it without (see docs/sandbox.md)"


def typed_text(node: exp.Expr, text: str) -> str:
    """`node` as written in `text` (from the positions of its parts), quoted, for a refusal."""
    spans = [(n._meta["start"], n._meta["end"]) for n in node.walk() if n._meta and "end" in n._meta]
    if spans:
        shown = " ".join(text[min(s for s, _ in spans) : max(e for _, e in spans) + 1].split())
    else:
        shown = node.sql(dialect="duckdb")
    return "'" + (shown if len(shown) <= 60 else shown[:60] + "…") + "'"


@functools.cache
def typed_nodes(dialect: str | None = None) -> frozenset[type[exp.Expr]]:
    """The function nodes sqlglot builds for the allowed DuckDB names (and those parsed as syntax); with a
    dialect, also those the same calls are read back as after sqlglot printed them for that engine.

    Another engine's SQL (Spark) names its functions its own way, so there the check is on these node
    types: a function may appear only as what an allowed DuckDB call becomes on that engine."""
    from auditql.query.dialect import AuditQL

    kinds: set[type[exp.Expr]] = set(SYNTAX_FUNCTIONS)
    if dialect is not None:
        quiet = logging.getLogger("sqlglot")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # sqlglot's "unsupported" notes while printing lone nodes
        try:
            for kind in typed_nodes():
                kinds.update(_read_back(kind, dialect))
        finally:
            quiet.setLevel(level)
        return frozenset(kinds | typed_nodes())
    for name in ALLOWED:
        builder = AuditQL.Parser.FUNCTIONS.get(name.upper())
        if builder is None:
            continue
        for count in range(4):
            node = _build(builder, [exp.column(f"a{i}") for i in range(count)])
            if node is not None:
                found = (n for n in node.walk() if isinstance(n, exp.Func) and not isinstance(n, exp.Anonymous))
                kinds.update(type(n) for n in found)
                break
    return frozenset(kinds)


def _read_back(kind: type[exp.Expr], dialect: str) -> set[type[exp.Expr]]:
    """The function node types `kind`'s call becomes when printed for `dialect` and read back there."""
    import sqlglot

    args = {key: exp.column(f"a{i}") for i, (key, required) in enumerate(kind.arg_types.items()) if required}
    try:
        printed = kind(**args).sql(dialect=dialect)
        tree = sqlglot.parse_one(f"SELECT {printed}", dialect=dialect)
    except Exception:  # a node that cannot be printed or read back alone adds nothing
        return set()
    return {type(n) for n in tree.walk() if isinstance(n, exp.Func) and not isinstance(n, exp.Anonymous)}


def _build(builder: Callable[..., exp.Expr], args: list[exp.Expr]) -> exp.Expr | None:
    from auditql.query.dialect import AuditQL

    for kwargs in ({}, {"dialect": AuditQL()}):
        try:
            node = builder(args, **kwargs)
        except Exception:  # a builder that wants other arguments: try the next count
            continue
        if isinstance(node, exp.Expr) and not node.error_messages(args):
            return node
    return None
