"""A raw field read several times per row is extracted once, in a projection (auditql/query/read_once.py).

The DuckDB text changes shape; the answer must not. Each query runs on a real DuckDB `events` table twice:
as translated (`Translation.sql`, read through the projection) and in the plain form the translator keeps
for other engines (`Translation.tree`), and both must return the same rows, in the same order, with the
same column names. Records follow Gigya's audit.search shape (docs/spec/query-language.md, "Gigya
semantics": `=`, `!=`, IN test array elements); the values are invented to reach each rule.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import duckdb
import pytest

from auditql.query import Catalog, translate
from auditql.query.dialect import AuditQL
from auditql.query.read_once import HELPER_PREFIX
from auditql.schema import COLUMN_NAMES, events_ddl

RECORDS = [
    ("g1", "2015-08-16T10:00:00Z", {"params": {"loginID": "alice@example.com", "tags": ["vip", "new"]}, "errCode": 0}),
    ("g2", "2015-08-16T11:00:00Z", {"params": {"loginID": "bob@example.com", "tags": "vip"}, "errCode": "403042"}),
    ("g3", "2015-08-16T12:00:00Z", {"params": {"loginID": ["alice@example.com"]}, "errCode": [0, 7]}),
    ("g4", "2015-08-17T09:00:00Z", {"params": {"tags": []}, "errCode": "n/a"}),
    ("g5", "2015-08-17T10:00:00Z", {"params": {"loginID": None, "tags": ["old"]}}),
]
CATALOG = Catalog(fields={"sap_cdc": frozenset({"params.loginID", "params.tags", "errCode"})}, complete=True)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    con.execute(events_ddl())
    for row, (event_id, time, raw) in enumerate(RECORDS, start=1):
        values = {"time": time, "vendor": "sap_cdc", "event_id": event_id, "raw": json.dumps(raw)}
        values |= {"source_file": "audit.json", "source_row": row}
        placeholders = ", ".join(f"${i}" for i in range(1, len(COLUMN_NAMES) + 1))
        con.execute(f"INSERT INTO events VALUES ({placeholders})", [values.get(c) for c in COLUMN_NAMES])
    yield con
    con.close()


def both(con: duckdb.DuckDBPyConnection, text: str, **options: object) -> tuple[list[str], list[tuple], list[tuple]]:
    """The translated SQL, and the (column names, rows) of it and of the plain form, which must agree."""
    t = translate(text, CATALOG, **options)  # type: ignore[arg-type]
    plain = t.tree.sql(dialect=AuditQL, identify=True) if t.tree is not None else t.sql
    results = []
    for sql in (t.sql, plain):
        cursor = con.execute(sql, t.params)
        rows = cursor.fetchall()
        results.append(([d[0] for d in cursor.description], rows))
    assert results[0] == results[1], (t.sql, plain)
    return [t.sql, plain], results[0][0], results[0][1]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("params.loginID = 'alice@example.com'", ["g1", "g3"]),  # a scalar and an array element
        ("params.loginID != 'alice@example.com'", ["g2"]),  # the exact negation; missing/null match neither
        ("params.tags IN ('vip', 'old')", ["g1", "g2", "g5"]),
        ("params.tags NOT IN ('vip')", ["g4", "g5"]),
        ("errCode = 0", ["g1", "g3"]),
        ("errCode = 0 AND params.tags = 'vip'", ["g1"]),
        ("params.tags contains 'new' OR params.loginID = 'bob@example.com'", ["g1", "g2"]),
        ("params.tags = 'vip' AND @timestamp < '2015-08-16T10:30:00Z'", ["g1"]),
    ],
)
def test_where_form_reads_each_field_once_with_the_same_answer(
    con: duckdb.DuckDBPyConnection, query: str, expected: list[str]
) -> None:
    (sql, plain), _, rows = both(con, query, columns=["event_id"])
    assert [r[0] for r in rows] == expected
    assert HELPER_PREFIX in sql and HELPER_PREFIX not in plain


def test_a_star_hides_the_helper_columns(con: duckdb.DuckDBPyConnection) -> None:
    (sql, _), names, rows = both(con, "SELECT * FROM events WHERE params.tags = 'vip' ORDER BY event_id")
    assert names == list(COLUMN_NAMES)
    assert [r[COLUMN_NAMES.index("event_id")] for r in rows] == ["g1", "g2"]
    assert f'* EXCLUDE ("{HELPER_PREFIX}1")' in sql


def test_a_qualified_star_and_a_user_exclude_keep_their_columns(con: duckdb.DuckDBPyConnection) -> None:
    query = "SELECT e.* EXCLUDE (raw), e.params.tags FROM events AS e WHERE e.params.tags = 'vip' ORDER BY e.event_id"
    (sql, _), names, rows = both(con, query)
    assert names == [*(c for c in COLUMN_NAMES if c != "raw"), "params.tags"]
    assert [r[-1] for r in rows] == ['["vip","new"]', "vip"]
    assert f'"e".* EXCLUDE ("raw", "{HELPER_PREFIX}1")' in sql


def test_group_by_and_aggregates_over_the_field(con: duckdb.DuckDBPyConnection) -> None:
    query = "SELECT errCode, count(*) AS n, min(errCode) AS low FROM events WHERE errCode != 'x' GROUP BY errCode"
    (sql, _), names, rows = both(con, query)
    assert names == ["errCode", "n", "low"]
    assert rows == [("0", 1, "0"), ("403042", 1, "403042"), ("[0,7]", 1, "[0,7]"), ("n/a", 1, "n/a")]
    assert sql.count(f'AS "{HELPER_PREFIX}1"') == 1


def test_a_field_read_once_stays_inline() -> None:
    assert HELPER_PREFIX not in translate("errMessage LIKE 'x%'").sql
    assert HELPER_PREFIX not in translate("SELECT params.loginID FROM events").sql


def test_since_until_and_ctes_and_subqueries(con: duckdb.DuckDBPyConnection) -> None:
    query = (
        "SELECT e.event_id FROM events e WHERE e.params.loginID != 'x' "
        "AND e.event_id IN (SELECT event_id FROM events WHERE params.tags = 'vip')"
    )
    (sql, _), _, rows = both(con, query, since="2015-08-16", until="2015-08-17")
    assert rows == [("g1",), ("g2",)]
    assert f'"{HELPER_PREFIX}2"' in sql  # one numbering for the whole query
    cte = "WITH v AS (SELECT * FROM events WHERE params.tags = 'vip' AND errCode != 1) SELECT event_id, raw FROM v"
    _, names, rows = both(con, cte)
    assert names == ["event_id", "raw"] and [r[0] for r in rows] == ["g1", "g2"]


def test_a_correlated_field_of_the_outer_row_stays_inline(con: duckdb.DuckDBPyConnection) -> None:
    query = (
        "SELECT e.event_id FROM events AS e WHERE EXISTS "
        "(SELECT 1 FROM events AS f WHERE f.event_id <> e.event_id AND e.params.tags = 'vip' AND f.errCode = 0)"
    )
    (sql, _), _, rows = both(con, query)
    assert rows == [("g1",), ("g2",)]
    assert '"e"."raw" ->> \'$.params.tags\'' in sql


def test_joins_are_left_alone() -> None:
    sql = translate("SELECT a.event_id FROM events a JOIN events b ON a.event_id = b.event_id WHERE a.tags = 'x'").sql
    assert HELPER_PREFIX not in sql


@pytest.mark.parametrize("dialect", ["spark", "postgres", "snowflake", "trino", "bigquery"])
def test_other_engines_get_the_plain_form(dialect: str) -> None:
    printed = translate("SELECT * FROM events WHERE params.tags = 'vip'").to_dialect(dialect)
    assert HELPER_PREFIX not in printed and "EXCLUDE" not in printed and "EXCEPT" not in printed


def test_no_canonical_column_looks_like_a_helper() -> None:
    assert not [c for c in COLUMN_NAMES if c.lower().startswith(HELPER_PREFIX)]
