"""The auditql dialect: DuckDB's grammar plus the few things Gigya users type.

Users paste Gigya's advanced-query box (`@timestamp > '…'`, `field contains 'word'`, `field regex 'p'`,
lower-case `in(...)`), Gigya's REST statement (`… START 10 LIMIT 100`) or DuckDB-flavoured SQL. One
small dialect reads all of them, so every form goes through the same parser, allowlist and rewrites.

    >>> import sqlglot
    >>> sqlglot.parse_one("@timestamp > 1", dialect=AuditQL).this.name
    '@timestamp'

It differs from sqlglot's DuckDB dialect in exactly these places:
- `@` may start or continue a name (DuckDB reads `@x` as `ABS(x)`), so `@timestamp` is a column.
- `x contains 'w'` parses to `WordMatch`, `x regex 'p'` to `RegexpLike` (both also after `NOT`).
- `{name}` is a named placeholder, like `:name` and `$name` (bound only when params are given); the name
  may be a keyword (`{end}`, `{from}`), since notebook variables often are.
- `START n` is the REST form's offset; it must come before LIMIT, as in Gigya.
- Generated JSON paths fall back to a JSON pointer (`'/a/b'`) for keys DuckDB's `$."…"` syntax
  cannot express (empty keys, `*`, backslashes, quotes), so any raw field name can be read.
- A type name is never quoted: sqlglot would re-read the quoted text as a type and drop the rest.
- `ParseTime` (generated, never parsed) prints as `aq_parse_time(text, [formats])`, ingest's time parser.
"""

from __future__ import annotations

import re
import typing as t

import sqlglot.parser
from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.generators.duckdb import DuckDBGenerator
from sqlglot.parsers.duckdb import DuckDBParser
from sqlglot.tokens import TokenType

from auditql.errors import UsageError
from auditql.query import value_lists
from auditql.query.patterns import WordSearch

# sqlglot's optional compiled build (`pip install "sqlglot[c]"`, package sqlglotc) replaces its modules with
# mypyc extensions, and those refuse Python subclasses: the dialect below could not make its parser, and every
# query would fail with a bare TypeError (tobymao/sqlglot#7923). Checked once per translation (translate.py).
SQLGLOT_COMPILED = not (sqlglot.parser.__file__ or "").endswith(".py")


def require_interpreted_sqlglot() -> None:
    """Refuse, in one line that says what to do, to translate on sqlglot's compiled build."""
    if SQLGLOT_COMPILED:
        raise UsageError(
            "sqlglot's compiled build (the sqlglotc package, from `sqlglot[c]`) is installed; auditql's query "
            "dialect extends sqlglot's parser, which that build does not allow: run `pip uninstall sqlglotc`"
        )


class WordMatch(exp.Expression, exp.Binary, exp.Predicate):
    """`field contains 'word'`: case-insensitive whole-word match; rewritten before generation."""

    arg_types: t.ClassVar[dict[str, bool]] = {"this": True, "expression": True}


class ParseTime(exp.Expression, exp.Func):
    """`aq_parse_time(text, [formats])`: ingest's own time parser (connections.TIME_MACROS, on every query
    connection too), for raw fields that a vendor's mapping reads as the event time (see query/times.py).
    Generated only: users' text never parses into it (sqlglot's function registry does not know it)."""

    arg_types: t.ClassVar[dict[str, bool]] = {"this": True, "formats": True}


# Marks nodes written with an infix operator (`x regex 'p'`), not as a call (`regexp_matches(x, 'p')`).
GIGYA_OPERATOR = "gigya_operator"

# Keys DuckDB's `$.key` / `$."key"` path syntax reads literally; anything else goes through a pointer.
DOLLAR_SAFE_KEY = re.compile(r"[\w .@$:\-]+")


def json_pointer(keys: list[str]) -> str:
    """RFC 6901 pointer: the one JSON path syntax in DuckDB that can name every possible key."""
    return "".join("/" + key.replace("~", "~0").replace("/", "~1") for key in keys)


class AuditQL(DuckDB):
    class Tokenizer(DuckDB.Tokenizer):
        SINGLE_TOKENS: t.ClassVar = {k: v for k, v in DuckDB.Tokenizer.SINGLE_TOKENS.items() if k != "@"}
        VAR_SINGLE_TOKENS: t.ClassVar = {*DuckDB.Tokenizer.VAR_SINGLE_TOKENS, "@"}

    class Parser(DuckDBParser):
        _parse_in = value_lists.parse_in  # long IN lists of plain values, parsed fast (value_lists.py)

        def _parse_range(self, this: exp.Expr | None = None, parse_is: bool = False) -> exp.Expr | None:
            this = super()._parse_range(this, parse_is)
            while self._curr:
                negate = self._curr.token_type == TokenType.NOT and _is_gigya_operator(self._next)
                if not negate and not _is_gigya_operator(self._curr):
                    break
                if negate:
                    self._advance()
                operator = self._curr.text.lower()
                self._advance()
                right = self._parse_bitwise()
                if right is None:
                    self.raise_error(f"Expected a value after '{operator}'")
                while isinstance(right, exp.Paren):  # audit.search documents `regex ('<regex-pattern>')`
                    right = right.this
                node: exp.Expr = (
                    self.expression(WordMatch(this=this, expression=right))
                    if operator == "contains"
                    else self.expression(exp.RegexpLike(this=this, expression=right))
                )
                node.meta[GIGYA_OPERATOR] = True
                this = self.expression(exp.Not(this=node)) if negate else node
            return this

        def _parse_placeholder(self) -> exp.Expr | None:
            token = self._curr
            placeholder = super()._parse_placeholder()
            if placeholder is not None and token is not None:
                # so a refusal can point at it and quote it as typed (`:code`, `$code`, `?`)
                placeholder.update_positions(token)
                placeholder.meta["end"] = self._prev.end
            return placeholder

        def _parse_bracket(self, this: exp.Expr | None = None) -> exp.Expr | None:
            tokens = self._tokens[self._index : self._index + 3]
            if (
                this is None
                and len(tokens) == 3
                and tokens[0].token_type == TokenType.L_BRACE
                and _is_placeholder_name(tokens[1])
                and tokens[2].token_type == TokenType.R_BRACE
            ):
                self._advance(3)
                placeholder = exp.Placeholder(this=tokens[1].text)
                placeholder.update_positions(tokens[0])
                placeholder.meta["end"] = tokens[2].end
                return placeholder
            return super()._parse_bracket(this)

        def _parse_types(
            self,
            check_func: bool = False,
            schema: bool = False,
            allow_identifiers: bool = True,
            with_collation: bool = False,
        ) -> exp.Expr | None:
            # sqlglot reads a quoted name where a type belongs by parsing its text as a type and silently
            # dropping what does not parse (`"INT) FROM sources --"` became INT), or keeps the text as a
            # user-defined type printed back unquoted: a type name is never quoted here.
            if allow_identifiers and self._curr and self._curr.token_type == TokenType.IDENTIFIER:
                self.raise_error("a type name is written without quotes, e.g. CAST(x AS VARCHAR)")
            return super()._parse_types(check_func, schema, allow_identifiers, with_collation)

        def _parse_table_alias(self, alias_tokens: t.Any = None) -> exp.TableAlias | None:
            if _is_rest_start(self._curr, self._next):
                return None
            return super()._parse_table_alias(alias_tokens)

        def _parse_query_modifiers(self, this: t.Any) -> t.Any:
            this = super()._parse_query_modifiers(this)
            start = self._curr
            if isinstance(this, exp.Select) and _is_rest_start(start, self._next):
                if this.args.get("limit"):
                    self.raise_error("START must come before LIMIT", start)
                if this.args.get("offset"):
                    self.raise_error("Found multiple offsets", start)
                self._advance()
                offset = exp.Offset(expression=self._parse_primary())
                offset.meta["rest_start"] = True
                offset.update_positions(start)
                this.set("offset", offset)
                this = super()._parse_query_modifiers(this)
            return this

    class Generator(DuckDBGenerator):
        TRANSFORMS: t.ClassVar = {
            **DuckDBGenerator.TRANSFORMS,
            ParseTime: lambda self, e: self.func("aq_parse_time", e.this, e.args["formats"], normalize=False),
            WordSearch: lambda self, e: self.func("regexp_matches", e.this, e.expression),
        }

        def jsonpath_sql(self, expression: exp.JSONPath) -> str:
            parts = expression.expressions[1:]
            if all(isinstance(p, exp.JSONPathKey) for p in parts) and not all(
                DOLLAR_SAFE_KEY.fullmatch(p.name) for p in parts
            ):
                return self.sql(exp.Literal.string(json_pointer([p.name for p in parts])))
            return super().jsonpath_sql(expression)


def _is_placeholder_name(token: t.Any) -> bool:
    """`{name}`: any word, keywords included — notebook variables are called `end`, `from`, `start`, `limit`.

    A quoted string (`{'a': 1}`) or a number is a DuckDB struct literal, not a placeholder.
    """
    if token.token_type in (TokenType.VAR, TokenType.IDENTIFIER):
        return True
    return token.text.upper() in AuditQL.Tokenizer.KEYWORDS and re.fullmatch(r"[A-Za-z_]\w*", token.text) is not None


def _is_gigya_operator(token: t.Any) -> bool:
    return bool(token) and token.token_type == TokenType.VAR and token.text.lower() in ("contains", "regex")


def _is_rest_start(token: t.Any, following: t.Any) -> bool:
    return (
        bool(token) and token.text.upper() == "START" and bool(following) and following.token_type == TokenType.NUMBER
    )
