"""What a query may contain: an allowlist of node types, functions and tables, plus size limits.

Everything not listed here is refused before DuckDB sees anything, so a new sqlglot node type or a
DuckDB table function (`read_text`, `query`, `glob`…) is refused by default rather than by remembering
to deny it. Functions are checked by the name they are written with, against the list of DuckDB's
functions in query/functions.toml (query/calls.py). Limits are checked on the tokens first (so sqlglot
never recurses into 500 parentheses) and again on the tree. The query connection is also sandboxed;
this is the first line, not the only.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from auditql.query.calls import PARSER_BUILT, check_call, check_parser_calls, construct_refused
from auditql.query.context import Context
from auditql.query.dialect import ParseTime, WordMatch
from auditql.query.functions import ALLOWED_NAMES
from auditql.query.patterns import WordSearch
from auditql.query.tables import check_table_shape, check_tables
from auditql.query.types import check_type, check_unit

MAX_LENGTH = 100_000
MAX_DEPTH = 64
# Parsing and rewriting cost grows with the number of tokens (a 5,000-term OR chain is ~20,000 tokens and
# translates in well under a second); past this a query would take seconds, so it is refused up front.
MAX_TOKENS = 25_000

# Function nodes the rewrites may build from what users typed (allowed in the rewritten tree, and in
# another engine's SQL read back); what users may call is decided by name (query/functions.toml).
FUNCTIONS: dict[type[exp.Expr], str] = {
    exp.Lower: "lower",
    exp.Upper: "upper",
    exp.Length: "length",
    exp.Coalesce: "coalesce",
    exp.DateTrunc: "date_trunc",
    exp.TimestampTrunc: "date_trunc",
    exp.TimeToStr: "strftime",
    exp.StartsWith: "starts_with",
    exp.EndsWith: "ends_with",
    exp.Contains: "contains",
    exp.RegexpLike: "regexp_matches",
    exp.CurrentTimestamp: "now",
    exp.CurrentDate: "current_date",
    exp.Count: "count",
    exp.Sum: "sum",
    exp.Avg: "avg",
    exp.Min: "min",
    exp.Max: "max",
}
ALLOWED_FUNCTION_NAMES = ALLOWED_NAMES  # for completion

SYNTAX: frozenset[type[exp.Expr]] = frozenset(
    {
        # query structure
        exp.Select, exp.From, exp.Table, exp.TableAlias, exp.Where, exp.Group, exp.Having,
        exp.Order, exp.Ordered, exp.Limit, exp.Offset, exp.With, exp.CTE, exp.Subquery,
        exp.Union, exp.Intersect, exp.Except, exp.Join, exp.Distinct, exp.Exists,
        # names and values
        exp.Column, exp.Identifier, exp.Dot, exp.Star, exp.Alias, exp.Literal, exp.Boolean,
        exp.Null, exp.Var, exp.Interval, exp.Cast, exp.TryCast, exp.DataType, exp.DataTypeParam,
        # predicates and arithmetic
        exp.Paren, exp.And, exp.Or, exp.Not, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE,
        exp.Is, exp.In, exp.Between, exp.Like, exp.ILike, exp.Escape, WordMatch,
        exp.Neg, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.DPipe, exp.Case, exp.If,
        exp.IntDiv, exp.BitwiseAnd, exp.BitwiseOr, exp.BitwiseXor, exp.BitwiseNot, exp.BitwiseLeftShift,
        exp.BitwiseRightShift, exp.SimilarTo, exp.Glob, exp.NullSafeEQ, exp.NullSafeNEQ, exp.Any, exp.All,
        exp.ArrayContainsAll, exp.ArrayContainedBy, exp.ArrayOverlaps, exp.Tuple,
        # windows, aggregate modifiers, lambdas, list slices and struct keys
        exp.Window, exp.WindowSpec, exp.Qualify, exp.Filter, exp.WithinGroup, exp.IgnoreNulls,
        exp.RespectNulls, exp.Lambda, exp.Slice, exp.PropertyEQ, exp.Kwarg, exp.Bracket, exp.JSONKeyValue,
        # a JSON path argument (`json_extract(raw, '$.a[0]')`), which sqlglot parses and prints back quoted
        exp.JSONPath, exp.JSONPathRoot, exp.JSONPathKey, exp.JSONPathSubscript, exp.JSONPathWildcard,
        exp.JSONPathSlice, exp.JSONPathSelector, exp.JSONPathUnion, exp.JSONPathRecursive,
        # placeholders: allowed only when params are given (checked in check_tree)
        exp.Placeholder, exp.Parameter,
    }
)  # fmt: skip

# Nodes the rewrites add; allowed in the generated tree, never accepted from users directly. ParseTime
# reads a vendor time field (its formats an Array of strings); Trim and Nullif build `person`; the rest
# are Gigya's regex, contains and array semantics (query/patterns.py, query/arrays.py).
INTERNAL: frozenset[type[exp.Expr]] = frozenset(
    {
        exp.JSONExtractScalar, exp.JSONPath, exp.JSONPathRoot, exp.JSONPathKey,
        ParseTime, exp.Array, exp.Trim, exp.Nullif,
        WordSearch, exp.RegexpFullMatch, exp.RegexpReplace, exp.JSONType, exp.JSONPathSubscript,
        exp.JSONPathWildcard, exp.ArrayContains, exp.ArrayOverlaps, exp.ArrayToString, exp.Chr,
        exp.ArgMin, exp.ArgMax,
    }
)  # fmt: skip

# First words of statements users may paste; named in the refusal instead of a parse error.
STATEMENT_WORDS = frozenset(
    {
        "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "COPY", "ATTACH", "DETACH", "INSTALL",
        "LOAD", "PRAGMA", "SET", "RESET", "CALL", "EXPORT", "IMPORT", "VACUUM", "CHECKPOINT",
        "DESCRIBE", "SHOW", "SUMMARIZE", "USE", "TRUNCATE", "MERGE", "BEGIN", "COMMIT", "ROLLBACK",
        "ABORT", "EXPLAIN", "PREPARE", "EXECUTE", "DEALLOCATE", "GRANT", "REVOKE", "VALUES", "FROM",
        "TABLE", "PIVOT", "UNPIVOT", "UPSERT", "REPLACE",
    }
)  # fmt: skip

_OPENERS = {TokenType.L_PAREN, TokenType.L_BRACKET, TokenType.L_BRACE, TokenType.CASE}
_CLOSERS = {TokenType.R_PAREN, TokenType.R_BRACKET, TokenType.R_BRACE, TokenType.END}
_PREFIX_OPERATORS = {TokenType.NOT, TokenType.DASH, TokenType.PLUS, TokenType.TILDE}


def check_length(ctx: Context) -> None:
    if len(ctx.text) > MAX_LENGTH:
        raise ctx.error(
            f"the query is {len(ctx.text):,} characters long; the limit is {MAX_LENGTH:,}. "
            "Shorten it, e.g. move long value lists into a params= binding."
        )


def check_token_count(tokens: list[Token], ctx: Context) -> None:
    if len(tokens) > MAX_TOKENS:
        raise ctx.error(
            f"the query is too complex: {len(tokens):,} tokens (names, values, operators); the limit is "
            f"{MAX_TOKENS:,}. Shorten it, e.g. use IN (...) or a params= binding for long value lists."
        )  # no caret: it would sit under a line tens of thousands of characters long


def check_token_nesting(tokens: list[Token], ctx: Context) -> None:
    """Refuse nesting deeper than MAX_DEPTH before the (recursive) parser ever sees it."""
    depth = 0
    prefix_run = 0
    brackets = 0
    for token in tokens:
        kind = token.token_type
        if kind == TokenType.L_BRACKET:
            # `x[1][2]…` is a chain, not nesting, but sqlglot parses it in superlinear time (5,000 took
            # minutes); no bracket is allowed in a query anyway, so a few are enough to say so later.
            brackets += 1
            if brackets > MAX_DEPTH:
                raise ctx.error(f"the query is too complex: more than {MAX_DEPTH} [ ] subscripts or lists", token)
        if kind in _OPENERS:
            depth += 1
        elif kind in _CLOSERS:
            depth = max(depth - 1, 0)
        prefix_run = prefix_run + 1 if kind in _PREFIX_OPERATORS else 0
        if depth + prefix_run > MAX_DEPTH:
            raise _too_deep(ctx, token)


def check_tree(tree: exp.Expr, ctx: Context) -> None:
    """Refuse any node, function, table, type or unit that is not explicitly allowed; also cap the tree depth."""
    _check_depth(tree, ctx)
    parser_built = False
    for node in tree.walk():
        if isinstance(node, exp.Func):
            check_call(node, ctx.text, ctx.error, SYNTAX)  # by the name it is written with, if any
            parser_built = parser_built or type(node) in PARSER_BUILT
        elif type(node) not in SYNTAX:
            raise _node_refused(node, ctx)
        elif isinstance(node, exp.Table):
            check_table_shape(node, ctx)  # which table a name means is decided by check_tables, below
        elif isinstance(node, exp.DataType) and not isinstance(node.parent, exp.DataType):
            check_type(node, ctx)  # a nested type is checked with the type it is part of
        elif isinstance(node, exp.Var):
            check_unit(node, ctx)
        elif isinstance(node, (exp.Placeholder, exp.Parameter)) and ctx.params is None:
            raise ctx.error(
                f"placeholder {_source_text(node, ctx)} is not allowed; write the value itself "
                "(or bind it with params= in the notebook)",
                node,
            )
        elif isinstance(node, (exp.Limit, exp.Offset)):
            _check_count(node, ctx)
        elif isinstance(node, exp.Literal) and not node.is_string:
            _check_number(node, ctx)
    if parser_built:
        check_parser_calls(ctx.text, ctx.error)
    check_tables(tree, ctx)


def check_generated(tree: exp.Expr, ctx: Context) -> None:
    """Defence in depth: the rewritten tree may only hold allowed or internally generated nodes."""
    for node in tree.walk():
        kind = type(node)
        if kind in FUNCTIONS or kind in INTERNAL or (kind in SYNTAX and kind is not WordMatch):
            continue
        if isinstance(node, exp.Func):
            check_call(node, ctx.text, ctx.error)  # a call the user typed, still under its own name
            continue
        raise ctx.error(f"internal error: {kind.__name__} reached the generated SQL; please report it")


def _check_number(node: exp.Literal, ctx: Context) -> None:
    """sqlglot reads `0E` (an exponent without digits) as a number; every later step would fail on it."""
    try:
        float(node.name)
    except ValueError:
        raise ctx.error(f"'{node.name}' is not a number", node) from None


def _check_count(node: exp.Limit | exp.Offset, ctx: Context) -> None:
    value = node.expression
    if not (isinstance(value, exp.Literal) and value.is_int and int(value.name) >= 0):
        word = "LIMIT" if isinstance(node, exp.Limit) else "OFFSET/START"
        raise ctx.error(f"{word} takes a whole number, e.g. {word.split('/')[0]} 100", node)


def _check_depth(tree: exp.Expr, ctx: Context) -> None:
    """Nesting depth, not counting parentheses (the tokens did) or repeats of the same operator.

    `a OR b OR c …` is a left-deep chain in the tree, but it is one level of nesting to the user.
    """
    stack: list[tuple[exp.Expr, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _too_deep(ctx, node)
        for child in node.iter_expressions():
            same = type(child) is type(node) or isinstance(child, (exp.Identifier, exp.Paren))
            stack.append((child, depth if same else depth + 1))


def _source_text(node: exp.Expr, ctx: Context) -> str:
    start, end = node.meta.get("start"), node.meta.get("end")
    if start is None or end is None:
        return node.sql(dialect="duckdb")
    return ctx.text[start : end + 1]


def _too_deep(ctx: Context, at: Token | exp.Expr) -> Exception:
    return ctx.error(
        f"the query is too complex: nested more than {MAX_DEPTH} levels deep; flatten it "
        "(e.g. use IN (...) instead of nested conditions)",
        at,
    )


def _node_refused(node: exp.Expr, ctx: Context) -> Exception:
    if isinstance(node, (exp.DML, exp.DDL, exp.Command, exp.Pragma, exp.Set)) or node.parent is None:
        return ctx.error(f"only SELECT queries are allowed; {node.key.upper()} was refused", node)
    return ctx.error(construct_refused(node, ctx.text), node)
