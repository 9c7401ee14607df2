"""`--dialect postgres` run on a real PostgreSQL (15+, Debian's package): the sample archive loaded as a
table named `events` (the canonical columns with their types, `raw` as jsonb), the printed SQL run there,
and the rows compared with DuckDB's. TRY_CAST's guarded form is run over hostile text for every type.

Not skipped silently: without PostgreSQL these tests fail, naming what is missing, unless the environment
says AUDITQL_NO_POSTGRES=1. CI installs the package (.ci/run).
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import rows
from postgres_cluster import Cluster, binaries
from sqlglot import exp

from auditql import api
from auditql.query.safe_casts import postgres_try_cast
from auditql.schema import COLUMNS

pytestmark = pytest.mark.skipif(
    os.environ.get("AUDITQL_NO_POSTGRES") == "1", reason="AUDITQL_NO_POSTGRES=1: no PostgreSQL on this machine"
)
PG_TYPES = {"TIMESTAMPTZ": "timestamptz", "VARCHAR": "text", "JSON": "jsonb", "BIGINT": "bigint"}


@pytest.fixture(scope="module")
def pg(sample_db: Path) -> Iterator[Cluster]:
    bindir = binaries()
    if bindir is None:
        pytest.fail("PostgreSQL is not installed (apt-get install postgresql); or set AUDITQL_NO_POSTGRES=1")
    cluster = Cluster(bindir)
    try:
        columns = ", ".join(f'"{c.name}" {PG_TYPES[c.type]}' for c in COLUMNS)
        created = cluster.psql(f"CREATE TABLE events ({columns})")
        assert created.returncode == 0, created.stderr
        data = io.StringIO()
        writer = csv.writer(data)
        for row in rows(sample_db, f"SELECT {', '.join(c.name for c in COLUMNS)} FROM events"):
            writer.writerow(["\\N" if v is None else v for v in row])
        loaded = cluster.psql("COPY events FROM STDIN WITH (FORMAT csv, NULL '\\N')", stdin=data.getvalue())
        assert loaded.returncode == 0, loaded.stderr
        yield cluster
    finally:
        cluster.stop()


def both(db: Path, pg: Cluster, text: str, **options: Any) -> tuple[list[list[str]], list[list[str]]]:
    """The query's rows from DuckDB (through auditql) and from PostgreSQL (its --dialect postgres text)."""
    con = api.reader(db)
    try:
        t = api.prepare(con, text, **options)
        duck = api.run(con, t)
    finally:
        con.close()
    as_text = [["" if v is None else str(v) for v in row] for row in duck.rows]
    return as_text, pg.rows(t.to_dialect("postgres"))


KEYS = {"columns": ["event_key"]}
QUERIES: list[tuple[str, dict[str, Any], int]] = [
    ("category = 'login' AND outcome = 'failure' AND time >= '2025-11-20' AND time < '2025-11-21'", KEYS, 10),
    ("endpoint LIKE 'socialize%' AND @timestamp > '2015-08-16T00:00:00.000Z' AND @timestamp < '2015-08-17'", KEYS, 4),
    ("errCode != 0", KEYS, 7),
    ("errCode = 0 AND vendor = 'sap_cdc'", KEYS, 121),
    ('errCode in ("403042", "400006")', KEYS, 6),
    ("errCode BETWEEN 400000 AND 403042", KEYS, 6),
    ("endpoint ILIKE 'SOCIALIZE.LOG%'", KEYS, 14),
    ("\"Performed By\" = 'External Org User'", KEYS, 11),
    ("params.loginID LIKE '%@example.com'", KEYS, 15),
    ("httpReq.SDK = 'js_latest' AND httpReq.country IS NOT NULL", KEYS, 44),
    # regex is a full match and contains a whole word in any case (query/patterns.py writes PostgreSQL's forms)
    ("endpoint regex 'accounts\\.(login|logout)'", KEYS, 43),
    ("endpoint regex 'socialize\\..*' AND errCode != 0", KEYS, 1),
    ("errMessage contains 'invalid'", KEYS, 6),
    ("errMessage not contains 'loginid'", KEYS, 2),
    ("actor_name = :who", {**KEYS, "params": {"who": "alex.example@example.com"}}, 2),
    ('SELECT * FROM auditLog WHERE errCode in ("403042", "400006") ORDER BY @timestamp DESC START 1 LIMIT 3', KEYS, 3),
    ("SELECT vendor, count(*) AS n FROM events GROUP BY vendor ORDER BY n DESC", {}, 5),
    ("SELECT errCode, count(*) AS n FROM events WHERE vendor = 'sap_cdc' GROUP BY errCode", {}, 4),
    ("SELECT vendor, count(*) AS n FROM events GROUP BY vendor", {"columns": ["n", "vendor"]}, 5),
    (
        "SELECT vendor, count(try_cast(status_code AS INT)) AS n, "
        "max(try_cast(try_cast(status_code AS DOUBLE) AS BIGINT)) AS top FROM events GROUP BY vendor",
        {},
        5,
    ),
    (
        "WITH logins AS (SELECT params.loginID AS login FROM events WHERE endpoint LIKE '%login') "
        "SELECT login, count(*) AS n FROM logins GROUP BY login",
        {},
        10,
    ),
]


@pytest.mark.parametrize(("text", "options", "n"), QUERIES, ids=[q for q, _, _ in QUERIES])
def test_postgres_gives_the_same_rows_as_duckdb(sample_db: Path, pg: Cluster, text: str, options: dict, n: int) -> None:
    duck, on_postgres = both(sample_db, pg, text, **options)
    assert len(duck) == n
    assert on_postgres == duck


def test_vendor_counts_on_postgres(sample_db: Path, pg: Cluster) -> None:
    _, got = both(sample_db, pg, "SELECT vendor, count(*) AS n FROM events GROUP BY vendor ORDER BY vendor")
    assert got == [
        ["adobe_cja", "60"],
        ["broadcom_portal", "74"],
        ["resolver", "99"],
        ["sap_cdc", "128"],
        ["sas_ci360", "131"],
    ]


# Text no engine may fail on. Each is TRY_CAST on DuckDB and the guarded CAST on PostgreSQL.
VALUES = [
    "0", "-12", " 5 ", "1.5", "1e3", "n/a", "", "1e400", "1e-400", "0x10", "nan", "99999999.999",
    "2015-08-16", "2015-08-16T10:00:00Z", "2015-08-16 10:00:00.5+02:00", "2015-02-30", "2016-02-29",
    "2015-13-01", "2015-08-16T24:00:00", "0000-01-01", "yes", "true", "T", "off", " true", "N",
]  # fmt: skip
TYPES = ["DOUBLE", "INTEGER", "BIGINT", "DECIMAL(10,2)", "TIMESTAMPTZ", "DATE", "BOOLEAN"]
# Where the guarded CAST gives NULL and DuckDB reads the text (docs/spec/query-language.md, "Dialects").
DIFFERENT = {
    ("1e400", "DOUBLE"): math.inf,
    ("nan", "DOUBLE"): "nan",
    ("0x10", "INTEGER"): 16,
    ("0x10", "BIGINT"): 16,
    ("0000-01-01", "DATE"): "0000-01-01",
    ("0000-01-01", "TIMESTAMPTZ"): "0000-01-01",
    ("2015-08-16T24:00:00", "DATE"): "2015-08-16",
    ("2015-08-16T24:00:00", "TIMESTAMPTZ"): "2015-08-17 00:00:00+00",
}


def _normal(value: Any, kind: str) -> Any:
    if value in (None, ""):
        return None
    if kind == "BOOLEAN":
        return value in (True, "t")
    if kind in ("TIMESTAMPTZ", "DATE"):
        return str(value)
    return Decimal(str(value)) if not (isinstance(value, float) and not math.isfinite(value)) else value


@pytest.mark.parametrize("kind", TYPES)
def test_the_guarded_cast_never_fails_and_agrees_with_try_cast(pg: Cluster, kind: str) -> None:
    listed = ", ".join(f"({i}, '{v}')" for i, v in enumerate(VALUES))
    guarded = postgres_try_cast(exp.TryCast(this=exp.column("v"), to=exp.DataType.build(kind, dialect="duckdb")))
    shown = {"TIMESTAMPTZ": "CAST(EXTRACT(EPOCH FROM {}) AS TEXT)", "DATE": "CAST({} AS TEXT)"}.get(kind, "{}")
    on_postgres = pg.rows(
        f"SELECT {shown.format(guarded.sql('postgres'))} FROM (VALUES {listed}) AS t(i, v) ORDER BY i"
    )
    duck_shown = {"TIMESTAMPTZ": "CAST(epoch({}) AS VARCHAR)", "DATE": "CAST({} AS VARCHAR)"}.get(kind, "{}")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    on_duckdb = con.execute(
        f"SELECT {duck_shown.format(f'TRY_CAST(v AS {kind})')} FROM (VALUES {listed}) AS t(i, v) ORDER BY i"
    ).fetchall()
    con.close()
    assert len(on_postgres) == len(VALUES)
    for value, (pg_value,), (duck_value,) in zip(VALUES, on_postgres, on_duckdb, strict=True):
        if (value, kind) in DIFFERENT:
            assert (pg_value, duck_value is not None) == ("", True), (value, kind)
            continue
        pg_normal, duck_normal = _normal(pg_value, kind), _normal(duck_value, kind)
        if kind == "TIMESTAMPTZ" and pg_normal is not None:
            pg_normal, duck_normal = float(pg_normal), float(duck_normal)
        assert pg_normal == duck_normal, (value, kind, pg_value, duck_value)
