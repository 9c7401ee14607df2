"""`--dialect` / `Translation.to_dialect`: every documented query prints for every engine and parses back
in that engine's dialect; TRY_CAST keeps DuckDB's meaning; bound values are written in as literals that
read back as exactly the value bound; times are ISO 8601 with Z. (Running the output: test_postgres.py,
test_spark.py.)"""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp
from test_query_fixtures import load_blocks, translate_with

from auditql.errors import QueryError
from auditql.query import DIALECTS, translate

PRINTABLE = [p for p in load_blocks() if not p.values[1].startswith("ERROR:")]
# docs/spec/query-language.md, "Three forms, one parser": its example of each form, verbatim.
SPEC_EXAMPLES = [
    "endpoint LIKE 'socialize%' AND @timestamp > '2015-08-16T00:00:00.000Z' "
    "AND @timestamp < '2015-08-17T00:00:00.000Z'",
    'SELECT * FROM auditLog WHERE errCode in ("0", "400006") ORDER BY @timestamp DESC START 10 LIMIT 100',
    "SELECT actor_name, count(*) AS n FROM events WHERE category = 'delete' GROUP BY 1 ORDER BY n DESC",
]
WHERE = ' FROM "events" WHERE '


def test_the_dialects() -> None:
    assert DIALECTS == {
        "bigquery": "bigquery",
        "duckdb": "duckdb",
        "postgres": "postgres",
        "snowflake": "snowflake",
        "spark": "spark",
        "trino": "trino",
    }


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
@pytest.mark.parametrize(("query", "expected", "meta"), PRINTABLE)
def test_every_fixture_prints_and_parses_back(query: str, expected: str, meta: dict, dialect: str) -> None:
    translation = translate_with(query, meta)
    try:
        printed = translation.to_dialect(dialect)
    except QueryError as error:  # only auditql's own vendor time parser has no equivalent elsewhere
        assert "with auditql's own parser" in error.message
        assert "aq_parse_time" in translation.sql
        return
    tree = sqlglot.parse_one(printed, read=DIALECTS[dialect])
    assert isinstance(tree, exp.Query)
    assert "$1" not in printed  # bound values are written in


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
@pytest.mark.parametrize("query", SPEC_EXAMPLES)
def test_spec_examples_print_for_every_dialect(query: str, dialect: str) -> None:
    printed = translate(query).to_dialect(dialect)
    assert isinstance(sqlglot.parse_one(printed, read=DIALECTS[dialect]), exp.Query)


def test_duckdb_prints_the_sql_that_runs() -> None:
    t = translate(SPEC_EXAMPLES[0])
    assert t.to_dialect("duckdb") == t.to_dialect("DuckDB") == t.sql


def test_postgres_try_cast_is_a_guarded_cast() -> None:
    printed = translate("errCode != 0").to_dialect("postgres")
    field = "JSON_EXTRACT_PATH_TEXT(CAST(\"raw\" AS JSON), 'errCode')"
    assert printed.split(WHERE)[1] == (
        f"CASE WHEN {field} ~ '^\\s*[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d{{1,4}})?\\s*$' "
        f"THEN CASE WHEN ABS(CAST({field} AS DECIMAL)) > 1.7976931348623157e308 THEN NULL "
        f"WHEN ABS(CAST({field} AS DECIMAL)) < 1e-307 THEN CAST(0 AS DOUBLE PRECISION) "
        f"ELSE CAST({field} AS DOUBLE PRECISION) END END <> 0 "
        'ORDER BY "time", "source_file", "source_row"'
    )
    assert "TRY_CAST" not in printed


def test_snowflake_try_cast_of_text_and_of_a_number() -> None:
    printed = translate("errCode != 0").to_dialect("snowflake")
    assert printed.split(WHERE)[1].startswith("TRY_CAST(JSON_EXTRACT_PATH_TEXT(\"raw\", 'errCode') AS DOUBLE) <> 0")
    sql = translate("SELECT try_cast(source_row AS INT) AS r FROM events").to_dialect("snowflake")
    assert sql.startswith('SELECT TRY_CAST(CAST("source_row" AS VARCHAR) AS INT) AS "r" FROM "events"')


def test_times_are_printed_in_utc_with_z() -> None:
    t = translate("@timestamp >= '2015-08-16T02:00:00.5+02:00'")
    for dialect in ("postgres", "snowflake"):
        assert "\"time\" >= CAST('2015-08-16T00:00:00.500000Z' AS TIMESTAMPTZ)" in t.to_dialect(dialect)


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_bound_values_are_written_in_and_read_back_exactly(dialect: str) -> None:
    hostile = "x' OR '1'='1 \\' --"
    t = translate("actor_name = :who AND source_row IN (:rows)", params={"who": hostile, "rows": [3, 4.5]})
    assert t.params == [hostile, 3, 4.5]
    tree = sqlglot.parse_one(t.to_dialect(dialect), read=DIALECTS[dialect])
    assert [lit.this for lit in tree.find_all(exp.Literal) if lit.is_string] == [hostile]
    assert [lit.this for lit in tree.find(exp.In).expressions] == ["3", "4.5"]


def test_a_try_cast_postgres_cannot_do_safely_is_refused_in_one_line() -> None:
    t = translate("SELECT try_cast(message AS BLOB) AS b FROM events")
    with pytest.raises(QueryError) as caught:
        t.to_dialect("postgres")
    assert caught.value.message == (
        "TRY_CAST(… AS BLOB) has no form in PostgreSQL that gives NULL instead of an error; cast to a number, "
        "time, boolean or text type, or run the query with auditql"
    )


def test_unknown_dialect_lists_duckdb_too() -> None:
    with pytest.raises(QueryError) as caught:
        translate("x = 1").to_dialect("oracle")
    assert caught.value.message == (
        "'oracle' is not a dialect auditql can print. Try one of: bigquery, duckdb, postgres, snowflake, spark, trino."
    )


def test_a_try_cast_inside_another_is_guarded_too() -> None:
    printed = translate("SELECT try_cast(try_cast(message AS INT) AS DOUBLE) AS x FROM events").to_dialect("postgres")
    assert "TRY_CAST" not in printed
    assert printed.count("CASE WHEN") == 2 + 4 * 2  # the outer guard, and the inner one in each of its 4 uses
    assert isinstance(sqlglot.parse_one(printed, read="postgres"), exp.Query)


def test_the_cli_offers_exactly_the_printable_dialects() -> None:
    from auditql.cli.query import DIALECTS as OFFERED

    assert sorted(OFFERED) == sorted(DIALECTS)
