"""How Gigya's `regex` and `contains` print for every engine `--dialect` offers (query/patterns.py).

Each engine gets its own full-match form and character classes it accepts: `\\pL` is an error on PostgreSQL
and Snowflake, Java's and Joni's `$` also match before a final newline, Snowflake's REGEXP_LIKE is anchored
by definition. Every output is parsed back with sqlglot in its dialect; another helper runs them on engines.
"""

from __future__ import annotations

import re

import pytest
import sqlglot

from auditql.query import translate
from auditql.query.dialects import DIALECTS

QUERIES = [
    "endpoint LIKE 'socialize%' AND @timestamp > '2015-08-16T00:00:00.000Z' "
    "AND @timestamp < '2015-08-17T00:00:00.000Z'",
    'SELECT * FROM auditLog WHERE errCode in ("0", "400006") ORDER BY @timestamp DESC START 10 LIMIT 100',
    "SELECT endpoint, count(*) AS n FROM events WHERE errCode != 0 GROUP BY 1 ORDER BY n DESC",
    "endpoint regex 'accounts\\.(login|logout)' AND errMessage contains 'invalid_loginid'",
    "NOT message contains 'a.b (c)' OR params.tags = 'vip'",
    "SELECT min(errCode), max(errCode) FROM events",
]

# (dialect, the regex's printed form, the word search's printed form) for the fourth query
EXPECTED = {
    "spark": (
        r"GET_JSON_OBJECT(`raw`, '$.endpoint') RLIKE '(?s)\\A(?:accounts\\.(login|logout))\\z'",
        r"RLIKE '(?iu)(^|[^\\p{L}\\p{N}])invalid_loginid([^\\p{L}\\p{N}]|$)'",
    ),
    "trino": (
        r"""REGEXP_LIKE(JSON_EXTRACT_SCALAR("raw", '$.endpoint'), '(?s)\A(?:accounts\.(login|logout))\z')""",
        r"'(?i)(^|[^\p{L}\p{N}])invalid_loginid([^\p{L}\p{N}]|$)')",
    ),
    "bigquery": (
        r"REGEXP_CONTAINS(JSON_EXTRACT_SCALAR(`raw`, '$.endpoint'), '(?s)^(?:accounts\\.(login|logout))$')",
        r"'(?i)(^|[^\\pL\\pN])invalid_loginid([^\\pL\\pN]|$)')",
    ),
    "postgres": (
        r"""JSON_EXTRACT_PATH_TEXT(CAST("raw" AS JSON), 'endpoint') ~ '^(?:accounts\.(login|logout))$'""",
        r"~* '(^|[^[:alnum:]])invalid_loginid([^[:alnum:]]|$)'",
    ),
    "snowflake": (
        r"""REGEXP_LIKE(JSON_EXTRACT_PATH_TEXT("raw", 'endpoint'), 'accounts\\.(login|logout)', 's')""",
        r"'(.*[^[:alnum:]])?invalid_loginid([^[:alnum:]].*)?', 'is')",
    ),
}


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
@pytest.mark.parametrize("query", QUERIES)
def test_every_dialect_reads_back(query: str, dialect: str) -> None:
    out = translate(query).to_dialect(dialect)
    assert isinstance(sqlglot.parse_one(out, read=DIALECTS[dialect]), sqlglot.exp.Query)
    if dialect in ("postgres", "snowflake"):
        assert not re.search(r"\\p[LN{]", out), out  # no Unicode property classes there


@pytest.mark.parametrize("dialect", sorted(EXPECTED))
def test_regex_and_contains_forms(dialect: str) -> None:
    out = translate(QUERIES[3], columns=["vendor"]).to_dialect(dialect)
    regex, word = EXPECTED[dialect]
    assert regex in out, out
    assert word in out, out


def test_array_elements_are_duckdb_only() -> None:
    """Other engines compare the field's value as a scalar (their JSON functions differ), as before."""
    out = translate("params.tags = 'vip'", columns=["vendor"]).to_dialect("postgres")
    assert out == (
        """SELECT "vendor" FROM "events" WHERE JSON_EXTRACT_PATH_TEXT(CAST("raw" AS JSON), 'params', 'tags') = 'vip' """
        """ORDER BY "time", "source_file", "source_row\""""
    )
