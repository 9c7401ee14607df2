"""Gigya's `regex` and `contains`, exactly, on every engine auditql prints SQL for.

SAP documents both (docs/spec/query-language.md, "Gigya semantics", has the sentences and their pages):
- `regex`: "Patterns are always anchored. The pattern provided must match the entire string." So
  `endpoint regex 'accounts\\..*'` is a full match (DuckDB `regexp_full_match`), never a substring search.
- `contains`: "case-insensitive searches … but does not support partial strings": a whole word (or a
  phrase of whole words), any case. auditql's word rule: a word is a run of letters and digits; every
  other character, underscore included, separates words (`'invalid'` is found in `Invalid_LoginID`).

A pattern is checked when the query is translated, by the regular-expression engine DuckDB runs (RE2),
compiled on a locked in-memory connection (lockdown.pattern_checker): RE2 refuses lookarounds and
backreferences that Python's `re` accepts, and accepts `\\pL` that Python's `re` refuses, so only RE2 can
say. Every literal pattern in the query is checked, also one in an OR branch no row will ever reach.

The nodes here stay in the tree `translate` keeps, so `Translation.to_dialect` prints each engine's own
form (`for_dialect`): its full-match function or anchors, and character classes it accepts.
"""

from __future__ import annotations

import re

from sqlglot import exp

from auditql.query.context import Context
from auditql.query.values import derived, literal_value
from auditql.sql import sql_str

# RE2 and the engines below treat these as operators; escaped, a word is matched literally.
_METACHARACTERS = re.compile(r"([\\.^$|?*+()\[\]{}])")
WORD, PATTERN = "word", "pattern"  # meta keys: the word / pattern as the user wrote it
ARRAY_AWARE = "array_aware"  # meta key on the CASE arrays.py adds to test array elements


class WordSearch(exp.RegexpLike):
    """`text contains 'word'`: the whole word in `text`, any case (see the module doc). For DuckDB it is
    `regexp_matches(text, pattern)` with the RE2 pattern below; `meta["word"]` keeps the word as typed, so
    other engines get a pattern of their own (`for_dialect`)."""


def word_pattern_re2(word: str) -> str:
    """RE2 (DuckDB, BigQuery): no letter or digit right before or after the word."""
    return rf"(?i)(^|[^\pL\pN]){_escape(word)}([^\pL\pN]|$)"


def full_match(subject: exp.Expr, pattern: exp.Expr, ctx: Context) -> exp.Expr:
    """`subject regex 'p'`: the whole value matches p. The pattern must be a literal; it is checked now."""
    value = literal_value(pattern)
    if not isinstance(value, str):
        raise ctx.error("regex needs a quoted pattern on its right, e.g. endpoint regex 'accounts\\..*'", pattern)
    check_pattern(value, pattern, ctx)
    # "The period "." is used to represent any character" (RegEx support): newlines too, which RE2's `.`
    # skips unless told (?s)
    node = exp.RegexpFullMatch(this=subject, expression=derived(f"(?s){value}", pattern))
    node.meta[PATTERN] = value  # for other engines, once a bound pattern has become a placeholder
    return node


def check_pattern(pattern: str, at: exp.Expr, ctx: Context) -> None:
    """Refuse a pattern RE2 cannot compile, with RE2's reason and a caret under the pattern."""
    from auditql.db.sandbox import pattern_error  # DuckDB only when a query has a pattern

    problem = pattern_error(pattern)
    if problem is not None:
        raise ctx.error(f"invalid regular expression {_quoted(pattern)}: {problem}", at)


def word_search(subject: exp.Expr, word: exp.Expr, ctx: Context) -> exp.Expr:
    value = literal_value(word)
    if not isinstance(value, str):
        raise ctx.error("contains needs a quoted word on its right, e.g. errMessage contains 'denied'", word)
    if not value.strip():
        raise ctx.error("contains needs a word to look for; the quotes are empty", word)
    node = WordSearch(this=subject, expression=derived(word_pattern_re2(value), word))
    node.meta[WORD] = value
    return node


def for_dialect(tree: exp.Expr, dialect: str) -> exp.Expr:
    """A copy of `tree` in which regex full matches and word searches are written as `dialect` needs them.

    spark (Java regex) and trino (Joni): `\\A(?:p)\\z` (their `$` also matches before a final newline);
    postgres: `~ '^(?:p)$'` and `~*` with POSIX classes (`\\pL` is an error there); snowflake: REGEXP_LIKE,
    which is anchored at both ends by definition, flags 'is'; bigquery (RE2): `^(?:p)$`. Array elements
    (arrays.py) are read with DuckDB's JSON functions only: other engines compare the field's value as a
    scalar, as before."""
    tree = tree.copy()
    if dialect != "duckdb":  # array elements are read with DuckDB's JSON functions (arrays.py); elsewhere: scalars
        for case in list(tree.find_all(exp.Case)):
            if case.meta.get(ARRAY_AWARE):
                _as_scalar(case)
    for node in list(tree.find_all(exp.RegexpFullMatch, WordSearch)):
        if isinstance(node, WordSearch):
            node.replace(_word_for(node, dialect))
        elif isinstance(node, exp.RegexpFullMatch):
            node.replace(_full_for(node, dialect))
    return tree


def _as_scalar(case: exp.Case) -> None:
    """The array-aware CASE (in its parentheses) -> the plain comparison it wraps; `NOT (a = b)` -> `a <> b`."""
    default = case.args["default"]
    wrapper = case.parent if isinstance(case.parent, exp.Paren) else case
    if isinstance(wrapper.parent, exp.Not) and isinstance(default, exp.EQ):
        wrapper.parent.replace(exp.NEQ(this=default.this, expression=default.expression))
    else:
        wrapper.replace(default)


def _full_for(node: exp.RegexpFullMatch, dialect: str) -> exp.Expr:
    pattern = node.meta.get(PATTERN)
    if pattern is None:  # a user's regexp_full_match(x, 'p')
        value = literal_value(node.expression)
        if not isinstance(value, str):
            return node
        pattern = value
    if dialect == "duckdb":
        return node
    if dialect == "snowflake":
        return exp.RegexpLike(this=node.this, expression=exp.Literal.string(pattern), flag=exp.Literal.string("s"))
    if dialect == "postgres":  # an ARE's `.` matches a newline already; (?s) is not ARE syntax
        return exp.RegexpLike(this=node.this, expression=exp.Literal.string(f"^(?:{pattern})$"))
    anchored = rf"(?s)\A(?:{pattern})\z" if dialect in ("spark", "trino") else f"(?s)^(?:{pattern})$"
    return exp.RegexpLike(this=node.this, expression=exp.Literal.string(anchored))


def _word_for(node: WordSearch, dialect: str) -> exp.Expr:
    typed = str(node.meta[WORD])
    word = _escape(typed)
    subject = node.this
    if dialect in ("duckdb", "bigquery"):
        return exp.RegexpLike(this=subject, expression=exp.Literal.string(word_pattern_re2(typed)))
    if dialect == "spark":
        pattern = rf"(?iu)(^|[^\p{{L}}\p{{N}}]){word}([^\p{{L}}\p{{N}}]|$)"
        return exp.RegexpLike(this=subject, expression=exp.Literal.string(pattern))
    if dialect == "trino":
        pattern = rf"(?i)(^|[^\p{{L}}\p{{N}}]){word}([^\p{{L}}\p{{N}}]|$)"
        return exp.RegexpLike(this=subject, expression=exp.Literal.string(pattern))
    if dialect == "postgres":
        pattern = f"(^|[^[:alnum:]]){word}([^[:alnum:]]|$)"
        return exp.RegexpILike(this=subject, expression=exp.Literal.string(pattern))
    pattern = f"(.*[^[:alnum:]])?{word}([^[:alnum:]].*)?"  # snowflake: implicitly anchored
    return exp.RegexpLike(this=subject, expression=exp.Literal.string(pattern), flag=exp.Literal.string("is"))


def _escape(word: str) -> str:
    return _METACHARACTERS.sub(r"\\\1", word)


def _quoted(pattern: str) -> str:
    shown = pattern if len(pattern) <= 60 else pattern[:57] + "…"
    return sql_str(shown)
