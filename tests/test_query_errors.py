"""Malformed queries get one plain sentence saying what is missing, with the caret where it is missing.

sqlglot's own wording (`Required keyword: 'expression' missing for <class '…EQ'>`) must never reach a user:
each case below pins the exact message and caret, and a property test feeds random broken input.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditql.errors import QueryError
from auditql.query import translate

STABLE = os.environ.get("AUDITQL_HYPOTHESIS", "ci") != "thorough"
EXAMPLE = "endpoint LIKE 'socialize%' AND errCode != 0"

OPERATOR_MISSING = "an operator is missing (=, !=, <, LIKE, IN, contains, regex)"
CASES = [
    ("errCode =", (1, 10), "a value is missing after '='"),
    ("errCode != ", (1, 12), "a value is missing after '!='"),
    ("errCode = = 0", (1, 11), "a value is missing after '='"),
    ("errCode >= AND x = 1", (1, 12), "a value is missing after '>='"),
    ("errCode like", (1, 13), "a value is missing after 'like'"),
    ("errMessage contains", (1, 20), "a value is missing after 'contains'"),
    ("endpoint regex", (1, 15), "a value is missing after 'regex'"),
    ("errCode = 0 AND", (1, 16), "the condition after AND is missing"),
    ("errCode = 0 OR", (1, 15), "the condition after OR is missing"),
    ("errCode = 0 AND (endpoint = 'x' OR)", (1, 35), "the condition after OR is missing"),
    ("AND errCode = 0", (1, 1), "the condition before AND is missing"),
    ("NOT", (1, 4), "the condition after NOT is missing"),
    ("WHERE", (1, 6), f"empty WHERE: write a condition, e.g. {EXAMPLE}"),
    ("SELECT * FROM auditLog WHERE", (1, 29), f"empty WHERE: write a condition after it, e.g. WHERE {EXAMPLE}"),
    ("SELECT * FROM events WHERE", (1, 27), f"empty WHERE: write a condition after it, e.g. WHERE {EXAMPLE}"),
    ("WHERE errCode = 0", (1, 1), "start with the condition itself, without WHERE"),
    ("(errCode = 0", (1, 1), "unbalanced parentheses: this '(' is never closed; add a ')'"),
    ("errCode in (1,", (1, 12), "unbalanced parentheses: this '(' is never closed; add a ')'"),
    ("errCode = 0)", (1, 12), "unbalanced parentheses: this ')' closes nothing; remove it or add a '(' before"),
    ("errCode = 'abc", (1, 11), "unterminated '…': add the closing '"),
    (
        "params.loginID = 'O\\'Brien'",
        (1, 20),
        "unterminated '…': a backslash does not escape a quote here; double the quote instead, e.g. 'O''Brien'",
    ),
    ("errCode in ()", (1, 1), "IN needs at least one value, e.g. errCode IN (0, 400006)"),
    ("errCode 0", (1, 9), f"unexpected '0' after 'errCode': {OPERATOR_MISSING}"),
    ("errCode = 0 errMessage = 'x'", (1, 13), "unexpected 'errMessage': AND or OR is missing before it"),
    ("errCode between 1 and", (1, 22), "BETWEEN needs two values: BETWEEN low AND high"),
    ("errCode is", (1, 11), "IS must be followed by NULL or NOT NULL"),
    ("SELECT endpoint FROM events ORDER BY", (1, 37), "empty ORDER BY: name what to use"),
    ("endpoint regex 'a(?=b)'", (1, 16), "invalid regular expression 'a(?=b)': invalid perl operator: (?="),
    (
        "endpoint = 'x' OR endpoint regex '(a)\\1'",  # in a branch: refused all the same
        (1, 34),
        "invalid regular expression '(a)\\1': invalid escape sequence: \\1",
    ),
    ("regexp_matches(endpoint, '[')", (1, 26), "invalid regular expression '[': missing ]: ["),
    (
        "errCode = 0 GROUP BY endpoint",
        (1, 13),
        "GROUP BY is not part of a Gigya condition (audit.search cannot aggregate); write SQL over events, "
        "e.g. SELECT endpoint, count(*) FROM events WHERE errCode = 0 GROUP BY endpoint",
    ),
    (
        "count(*) > 5",
        (1, 1),
        "count(…) is not available in a Gigya condition (audit.search cannot aggregate); write SQL over events, "
        "e.g. SELECT count(*) FROM events WHERE errCode != 0",
    ),
    (
        "SELECT count(*) FROM auditLog WHERE errCode != 0",
        (1, 8),
        "the REST form (audit.search) selects only *: SELECT * FROM auditLog [WHERE …] [ORDER BY …] [START n] "
        "[LIMIT n]; for counts or groups write SQL over events: SELECT count(*) FROM events WHERE errCode != 0",
    ),
    (
        "SELECT * FROM auditLog WHERE errCode != 0 GROUP BY endpoint",
        (1, 8),
        "the REST form (audit.search) selects only *: SELECT * FROM auditLog [WHERE …] [ORDER BY …] [START n] "
        "[LIMIT n]; for counts or groups write SQL over events: "
        "SELECT endpoint, count(*) FROM events WHERE errCode != 0 GROUP BY endpoint",
    ),
    (
        "errCode = 0 ORDER BY endpoint",
        (1, 13),
        "ORDER BY is not part of a condition; use the REST form, "
        "SELECT * FROM auditLog WHERE errCode = 0 ORDER BY …, or SQL over events",
    ),
]


@pytest.mark.parametrize(("text", "caret", "message"), CASES, ids=[c[0] for c in CASES])
def test_malformed_query_says_what_is_missing(text: str, caret: tuple[int, int], message: str) -> None:
    with pytest.raises(QueryError) as caught:
        translate(text)
    assert caught.value.message == message
    assert (caught.value.line, caught.value.col) == caret, caught.value.render()


def test_the_caret_is_drawn_under_the_missing_value() -> None:
    with pytest.raises(QueryError) as caught:
        translate("errCode =")
    assert caught.value.render().splitlines()[:2] == ["errCode =", "         ^"]


INTERNALS = ("sqlglot", "Required keyword", "<class", "Invalid expression", "Unexpected token", "Expecting ")
PIECES = [
    "errCode", "endpoint", "params.loginID", "@timestamp", "=", "!=", "<", ">=", "AND", "OR", "NOT", "(", ")",
    "IN", "in(", ",", "LIKE", "contains", "regex", "BETWEEN", "IS", "NULL", "'x'", '"y"', "0", "400006",
    "SELECT", "*", "FROM", "auditLog", "events", "WHERE", "GROUP BY", "ORDER BY", "LIMIT", "START", "count(*)",
    "'", "\\'", "[", "]", "{", "}", ";", "::", "CAST(", "AS", "INT", "DESC", "now()", "-", "+",
]  # fmt: skip


@settings(max_examples=500, deadline=None, derandomize=STABLE)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=9))
def test_no_parser_internals_in_any_error(pieces: list[str]) -> None:
    text = " ".join(pieces)
    try:
        translate(text)
    except QueryError as error:
        assert not any(word in error.message for word in INTERNALS), (text, error.message)
        assert "\n" not in error.message
