"""The spec's example queries, translated and run on a real DuckDB `events` table of hand-written rows.

Rows are identified by their `event_id`; every assertion lists exactly which rows come back, in order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import duckdb
import pytest

from auditql.query import Catalog, translate
from auditql.schema import COLUMN_NAMES, events_ddl

GIGYA_FIELDS = frozenset(
    {"@timestamp", "endpoint", "errCode", "errMessage", "callID", "params.loginID", "httpReq.SDK", "sourceIP"}
)
CATALOG = Catalog(
    fields={"sap_cdc": GIGYA_FIELDS, "broadcom_portal": frozenset({"Performed By", "Action", "Date"})},
    verbatim={"sap_cdc": {"endpoint": "action", "errCode": "status_code", "callID": "event_id"}},
)


def gigya(event_id: str, time: str, endpoint: str, err: object, login: str, message: str = "") -> dict:
    raw = {
        "@timestamp": time,
        "endpoint": endpoint,
        "errCode": err,
        "errMessage": message,
        "callID": event_id,
        "params": {"loginID": login},
        "httpReq": {"SDK": "js_7.0"},
    }
    return {
        "time": time,
        "vendor": "sap_cdc",
        "action": endpoint or None,  # an empty string in raw is NULL in the typed column
        "status_code": str(err),
        "message": message or None,
        "actor_name": login,
        "event_id": event_id,
        "raw": raw,
    }


ROWS = [
    gigya("g1", "2015-08-16T10:00:00.000Z", "socialize.login", 0, "alice@example.com"),
    gigya("g2", "2015-08-16T11:00:00.000Z", "accounts.login", "403042", "bob@example.com", "Invalid LoginID"),
    gigya("g3", "2015-08-15T23:00:00.000Z", "socialize.getUserInfo", 0, "alice@example.com"),
    gigya("g4", "2015-08-17T01:00:00.000Z", "socialize.logout", "0", "carol@example.com"),
    gigya("g5", "2015-08-16T12:00:00.000Z", "", 400006, "dave@example.com", "Login denied, try again"),
    {
        "time": "2015-08-16T01:30:00Z",
        "vendor": "broadcom_portal",
        "action": "Login Failed",
        "actor_name": "Alex",
        "event_id": "b1",
        "raw": {
            "Performed By": "Alex",
            "Action": "Login Failed",
            "Date": "08/16/2015 01:30:00",
            **{"a.b": "dot", "we*ird": "star", "back\\slash": "bs", 'say "hi"': "q", "a/b~c": "ptr", "it's": "s"},
        },
    },
    {
        "time": "2015-08-16T09:00:00Z",
        "vendor": "resolver",
        "action": "Delete Case",
        "actor_email": "erin@example.com",
        "event_id": "r1",
        "raw": {"event": "Delete Case", "user": {"email": "erin@example.com"}, "errCode": "n/a"},
    },
]

# As an archive's catalog is: every top-level key of each vendor's records (nested paths too), so vendors
# whose records lack a key skip raw for it. resolver is left out: a vendor the catalog does not list.
COMPLETE = Catalog(
    fields={
        vendor: frozenset(key for row in ROWS if row["vendor"] == vendor for key in row["raw"])
        | ({"params.loginID", "httpReq.SDK"} if vendor == "sap_cdc" else set())
        for vendor in ("sap_cdc", "broadcom_portal")
    },
    verbatim=CATALOG.verbatim,
    complete=True,
)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    con.execute(events_ddl())
    for row_number, row in enumerate(ROWS, start=1):
        values = {**row, "raw": json.dumps(row["raw"]), "source_file": "test.json", "source_row": row_number}
        placeholders = ", ".join(f"${i}" for i in range(1, len(COLUMN_NAMES) + 1))
        con.execute(f"INSERT INTO events VALUES ({placeholders})", [values.get(c) for c in COLUMN_NAMES])
    yield con
    con.close()


def ids(con: duckdb.DuckDBPyConnection, text: str, catalog: Catalog = CATALOG, **options: object) -> list[str]:
    translation = translate(text, catalog, columns=["event_id"], **options)  # type: ignore[arg-type]
    return [row[0] for row in con.execute(translation.sql, translation.params).fetchall()]


@pytest.mark.parametrize("catalog", [CATALOG, Catalog(), COMPLETE], ids=["column-reads", "raw-only", "complete"])
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # The Gigya seed query: g3 is before the time, g5's endpoint is empty, b1/r1 have no endpoint.
        ("endpoint LIKE 'socialize%' AND @timestamp > '2015-08-16T00:00:00.000Z'", ["g1", "g4"]),
        ("errCode != 0", ["g2", "g5"]),  # "n/a" is not a number: no match
        ("errCode = 0", ["g3", "g1", "g4"]),  # numeric 0 and string "0"
        ("errCode = '0'", ["g3", "g1", "g4"]),
        ('errCode in ("0", "400006")', ["g3", "g1", "g5", "g4"]),
        ("errCode in (0, 'n/a')", ["g3", "r1", "g1", "g4"]),
        ("errCode NOT IN (0)", ["g2", "g5"]),
        ("errCode BETWEEN 400007 AND 403042", ["g2"]),
        ("params.loginID = 'alice@example.com'", ["g3", "g1"]),
        ("\"Performed By\" = 'Alex'", ["b1"]),
        ('"Performed By" = "Alex"', ["b1"]),
        ("user.email LIKE 'erin@%'", ["r1"]),
        ("httpReq.SDK = 'js_7.0' AND @timestamp >= '2015-08-17'", ["g4"]),
        ("@timestamp >= 1439719200000 AND @timestamp < 1439726400000", ["g1", "g2"]),
        ("time < '2015-08-16T02:00:00+02:00'", ["g3"]),  # 00:00Z: b1 at 01:30Z is after it
        ("timestamp BETWEEN '2015-08-16' AND '2015-08-16T09:00:00Z'", ["b1", "r1"]),
        ("endpoint = ''", ["g5"]),  # must read raw, not the (NULL) typed column
        ("endpoint IS NULL", ["b1", "r1"]),
        ("NOT endpoint LIKE 'socialize%'", ["g2", "g5"]),
        ("endpoint NOT LIKE '%login'", ["g3", "g5", "g4"]),
        ("endpoint ILIKE 'SOCIALIZE.LOG%'", ["g1", "g4"]),
        ("endpoint regex 'accounts\\..*'", ["g2"]),
        ("endpoint regex 'accounts'", []),  # anchored: the pattern must match the whole value
        ("errMessage contains 'loginid'", ["g2"]),
        ("errMessage contains 'login'", ["g5"]),  # a whole word: not inside "LoginID"
        ("message contains 'TRY AGAIN'", ["g5"]),
        ("errMessage NOT contains 'denied' AND vendor = 'sap_cdc'", ["g3", "g1", "g2", "g4"]),
        ("ACTOR_NAME = 'Alex' OR Vendor = 'resolver'", ["b1", "r1"]),
        ("actor_email IS NOT NULL", ["r1"]),
        ("starts_with(lower(action), 'login') AND length(actor_name) = 4", ["b1"]),
        ("coalesce(actor_email, actor_name) = 'erin@example.com'", ["r1"]),
        ("date_trunc('day', time) = '2015-08-15'", ["g3"]),
        ("strftime(time, '%H') = '23'", ["g3"]),
        ("time > now() - INTERVAL 7 DAY", []),
        ("time < current_date", ["g3", "b1", "r1", "g1", "g2", "g5", "g4"]),
        ("nosuchfield = 1 OR nosuchfield != 1", []),
    ],
)
def test_where_form(con: duckdb.DuckDBPyConnection, catalog: Catalog, query: str, expected: list[str]) -> None:
    assert ids(con, query, catalog) == expected


@pytest.mark.parametrize(
    "query",
    [
        "\"a.b\" = 'dot'",
        "\"we*ird\" = 'star'",
        "\"back\\slash\" = 'bs'",
        '"say ""hi""" = \'q\'',
        "\"a/b~c\" = 'ptr'",
        "\"it's\" = 's'",
    ],
)
@pytest.mark.parametrize("catalog", [CATALOG, COMPLETE], ids=["column-reads", "complete"])
def test_any_key_can_be_read(con: duckdb.DuckDBPyConnection, query: str, catalog: Catalog) -> None:
    assert ids(con, query, catalog) == ["b1"]


def test_a_complete_catalog_skips_raw_only_for_vendors_without_the_key() -> None:
    sql = translate("errCode = 0", COMPLETE).sql
    assert "WHEN \"vendor\" = 'broadcom_portal' THEN NULL ELSE \"raw\" ->> '$.errCode'" in sql
    assert "resolver" not in sql  # not in the catalog: its rows read raw (r1 has errCode "n/a")


def test_verbatim_fields_read_the_typed_column(con: duckdb.DuckDBPyConnection) -> None:
    sql = translate("endpoint LIKE 'socialize%'", CATALOG).sql
    assert 'CASE WHEN "vendor" = \'sap_cdc\' AND NOT "action" IS NULL THEN "action"' in sql
    assert "endpoint" in translate("endpoint LIKE 'socialize%'").sql  # no catalog: raw only


def test_rest_form(con: duckdb.DuckDBPyConnection) -> None:
    query = 'SELECT * FROM auditLog WHERE errCode in ("0", "400006") ORDER BY @timestamp DESC START 1 LIMIT 2'
    assert ids(con, query) == ["g5", "g1"]
    assert ids(con, "SELECT * FROM auditLog WHERE vendor = 'sap_cdc' START 3") == ["g5", "g4"]
    assert ids(con, "SELECT * FROM auditLog LIMIT 2") == ["g3", "b1"]


def test_sql_form_with_group_by(con: duckdb.DuckDBPyConnection) -> None:
    t = translate("SELECT vendor, count(*) AS n FROM events GROUP BY vendor ORDER BY n DESC, vendor")
    assert con.execute(t.sql, t.params).fetchall() == [("sap_cdc", 5), ("broadcom_portal", 1), ("resolver", 1)]
    t = translate("SELECT errCode, count(*) AS n FROM events WHERE vendor = 'sap_cdc' GROUP BY errCode")
    assert con.execute(t.sql).fetchall() == [("0", 3), ("400006", 1), ("403042", 1)]  # ORDER BY 1, 2 added
    t = translate(
        "WITH logins AS (SELECT params.loginID AS login FROM events WHERE endpoint LIKE '%login') "
        "SELECT login, count(*) FROM logins GROUP BY login HAVING count(*) >= 1"
    )
    assert con.execute(t.sql).fetchall() == [("alice@example.com", 1), ("bob@example.com", 1)]
    t = translate("SELECT e.event_id FROM events e WHERE e.errCode = 0 AND e.params.loginID LIKE 'alice%'")
    assert con.execute(t.sql).fetchall() == [("g3",), ("g1",)]  # plain SELECT: time order added


def test_options(con: duckdb.DuckDBPyConnection) -> None:
    since = datetime(2015, 8, 16, 10, tzinfo=UTC)
    assert ids(con, "vendor = 'sap_cdc'", since=since) == ["g1", "g2", "g5", "g4"]
    assert ids(con, "vendor = 'sap_cdc'", since=since, until="2015-08-16T12:00:00Z") == ["g1", "g2"]
    assert ids(con, "errCode = 0 OR actor_name = 'Alex'", vendor="broadcom_portal") == ["b1"]
    assert ids(con, "errCode = 0", limit=2) == ["g3", "g1"]
    t = translate("SELECT count(*) FROM events WHERE errCode = 0", since=since, vendor="sap_cdc")
    assert con.execute(t.sql).fetchall() == [(2,)]
    t = translate("errCode = 0", columns=["@timestamp", "params.loginID", '"Performed By"', "ERRCODE"])
    assert [d[0] for d in con.execute(t.sql).description] == ["time", "params.loginID", "Performed By", "ERRCODE"]


def test_bound_parameters(con: duckdb.DuckDBPyConnection) -> None:
    params = {"login": "alice@example.com", "err": 0, "since": datetime(2015, 8, 16), "word": "denied"}
    assert ids(con, "params.loginID = :login AND errCode = $err", params=params) == ["g3", "g1"]
    assert ids(con, "@timestamp >= {since} AND errCode = :err", params=params) == ["g1", "g4"]
    assert ids(con, "errMessage contains :word", params=params) == ["g5"]
    assert ids(con, "event_id IN (:ids)", params={"ids": ["g2", "b1"]}) == ["b1", "g2"]
    hostile = {"v": "x' OR '1'='1"}
    t = translate("actor_name = :v", params=hostile)
    assert hostile["v"] not in t.sql and t.params == [hostile["v"]]
    assert con.execute(t.sql, t.params).fetchall() == []


def test_to_dialect_keeps_the_meaning() -> None:
    t = translate("endpoint LIKE 'socialize%' AND @timestamp > '2015-08-16T00:00:00.000Z'")
    assert "GET_JSON_OBJECT(`raw`, '$.endpoint') LIKE 'socialize%'" in t.to_dialect("spark")
    assert "JSON_EXTRACT_SCALAR(\"raw\", '$.endpoint')" in t.to_dialect("trino")
    assert "TIMESTAMPTZ" in t.to_dialect("postgres")
