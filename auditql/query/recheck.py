"""The last check before DuckDB: read the generated SQL back and hold it to the rules the query was held to.

The allowlist checks the tree parsed from what the user typed; DuckDB runs the text sqlglot generates from
the rewritten tree. The two agree only if every piece of user text comes out quoted (a string literal,
a quoted name) or as one of the fixed words the allowlist admits (a type, a unit, a function name). That
was not so once (a quoted type name came out unquoted, carrying its own SELECT), and a future sqlglot
could print some other node verbatim. So the generated text is parsed again, and the result must be one
SELECT that reads `events` (and CTEs in scope) only, calls only allowed or auditql's own functions — by
the name printed, which is the name DuckDB resolves (query/calls.py) — and holds only allowed types and
units: any text that escaped its quotes shows up here as a table, a function, a node or a second
statement, and the query is refused instead of run.
"""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError

from auditql.errors import QueryError
from auditql.query.allowlist import FUNCTIONS, INTERNAL, SYNTAX
from auditql.query.calls import PARSER_BUILT, check_call, check_parser_calls, typed_nodes
from auditql.query.context import Context
from auditql.query.dialect import AuditQL, WordMatch
from auditql.query.functions import ALLOWED
from auditql.query.tables import check_tables
from auditql.query.types import check_type, check_unit

# Functions the rewrites generate that sqlglot reads back as anonymous calls (connections.TIME_MACROS).
GENERATED_FUNCTIONS = frozenset({"aq_parse_time"})
_NUMBER = re.compile(r"[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?|\.[0-9]+([eE][+-]?[0-9]+)?")
_BOUND = re.compile(r"[0-9]{1,6}")  # $1, $2, … : the only placeholders translate() leaves in the SQL


def check_sql(sql: str, ctx: Context, dialect: str | type[AuditQL] = AuditQL) -> None:
    """Refuse the query if its generated SQL, read back, is anything but one allowed SELECT over events.

    dialect: what `sql` is written in; for another engine (Spark) names are that engine's, so there each
    function must read back as a node sqlglot builds for an allowed DuckDB function, never as a bare name
    (which would reach that engine verbatim: `reflect`, `java_method`)."""
    other_engine = dialect is not AuditQL
    try:
        engine = Dialect.get_or_raise(dialect)
        tokens = engine.tokenize(sql)  # once: the parser and check_parser_calls read the same tokens
        statements = engine.parser().parse(tokens, sql)
    except SqlglotError:
        raise _refused(ctx, "it does not read back") from None  # sqlglot's words name its classes
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise _refused(ctx, f"it reads back as {len(statements)} statements")
    tree = statements[0]
    if other_engine:
        _refuse_duckdb_only_functions(tree, ctx, dialect)
    try:
        check_tables(tree, ctx)
        generated_ctx = Context(sql)
        parser_built = False
        for node in tree.walk():  # one walk for both checks: translation time is per query (issue 20)
            _check_node(node, generated_ctx, other_engine)
            parser_built = parser_built or type(node) in PARSER_BUILT
        if not other_engine and parser_built:
            check_parser_calls(sql, generated_ctx.error, tokens)
    except QueryError as error:
        raise _refused(ctx, error.message) from None


def _check_node(node: exp.Expr, ctx: Context, other_engine: bool) -> None:
    """ctx: the generated SQL, so that a function's name is read where it is printed."""
    kind = type(node)
    if isinstance(node, exp.Anonymous) and not other_engine and node.name.lower() in GENERATED_FUNCTIONS:
        return
    if isinstance(node, exp.Func) and other_engine:
        if isinstance(node, exp.Anonymous) or kind not in _other_engine_functions():
            name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
            raise ctx.error(f"function {name.lower()} is not allowed")
    elif isinstance(node, exp.Func) and kind not in INTERNAL:
        check_call(node, ctx.text, ctx.error, SYNTAX - {WordMatch})
    elif kind not in FUNCTIONS and kind not in INTERNAL and (kind not in SYNTAX or kind is WordMatch):
        raise ctx.error(f"{node.key.upper()} is not allowed")
    elif isinstance(node, exp.DataType) and not isinstance(node.parent, exp.DataType):
        check_type(node, ctx)
    elif isinstance(node, exp.Var):
        check_unit(node, ctx)
    elif isinstance(node, exp.Literal) and not node.is_string and not _NUMBER.fullmatch(node.name):
        raise ctx.error(f"number {node.name[:40]!r} is not a number")
    elif isinstance(node, (exp.Placeholder, exp.Parameter)) and not _BOUND.fullmatch(node.name):
        raise ctx.error(f"placeholder {node.name[:40]!r} is not a bound value")


def _refuse_duckdb_only_functions(tree: exp.Expr, ctx: Context, dialect: str | type[AuditQL]) -> None:
    """A DuckDB function sqlglot has no node for is printed for the other engine under DuckDB's name, where it
    may mean something else or nothing: refuse it in one line (not as a bug to report)."""
    for node in tree.find_all(exp.Anonymous):
        if node.name.lower() in ALLOWED:
            raise QueryError(
                f"function {node.name.lower()} is DuckDB's and has no {dialect} counterpart auditql knows; "
                "run this query on DuckDB",
                ctx.text,
            )


def _other_engine_functions() -> frozenset[type[exp.Expr]]:
    return typed_nodes("spark") | FUNCTIONS.keys() | INTERNAL | SYNTAX


def _refused(ctx: Context, why: str) -> QueryError:
    return QueryError(
        f"the query was refused: the SQL generated for it failed auditql's final check ({why}); "
        "please report this query",
        ctx.text,
    )
