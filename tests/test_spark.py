"""The same queries on Spark (local mode, over the exported Parquet dataset) as on DuckDB: same rows, same
order, same output. Skipped, with the reason, where Java or pyspark is missing; CI here has both."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import run_auditql

from auditql import api
from auditql.api import export
from auditql.errors import QueryError

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java 17+ on PATH (`java` not found)"),
]
pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'auditql[spark]'")

# The held sample queries: every query form, nested raw fields, JSON paths, time ranges, GROUP BY.
QUERIES: list[tuple[str, dict[str, Any]]] = [
    # WHERE form
    ("category = 'login' AND outcome = 'failure' AND time >= '2025-11-20' AND time < '2025-11-21'", {}),
    ("endpoint LIKE 'socialize%' AND @timestamp > '2015-08-16T00:00:00.000Z' AND @timestamp < '2015-08-17'", {}),
    ("errCode != 0", {}),
    ("errCode = 0 AND vendor = 'sap_cdc'", {}),
    ('errCode in ("403042", "400006")', {}),
    ("errCode BETWEEN 400000 AND 403042", {}),
    ("errMessage contains 'loginid'", {}),
    ("endpoint regex 'accounts\\..*' AND NOT endpoint LIKE '%login'", {}),
    ("endpoint ILIKE 'SOCIALIZE.LOG%'", {}),
    ("actor_email IS NOT NULL AND vendor = 'adobe_cja'", {}),
    ("\"Performed By\" = 'External Org User'", {}),
    # nested raw fields and JSON paths
    ("params.loginID LIKE '%@example.com'", {"columns": ["time", "params.loginID", "httpReq.SDK"]}),
    ("httpReq.SDK = 'js_latest' AND httpReq.country IS NOT NULL", {"columns": ["event_id", "httpReq.country"]}),
    ("userAgent.browser = 'Safari'", {"columns": ["time", "userAgent.os", "raw"]}),
    # time ranges, options, limits
    ("vendor = 'sas_ci360'", {"since": "2025-03-01T12:00:00Z", "until": "2025-03-02T00:00:00Z"}),
    ("time BETWEEN '2025-10-01' AND '2025-10-07T23:59:59Z'", {"vendor": "resolver"}),
    ("date_trunc('day', time) = '2025-11-20'", {"columns": ["time", "vendor"]}),
    ("outcome = 'failure'", {"limit": 7}),
    # the REST form
    ('SELECT * FROM auditLog WHERE errCode in ("403042", "400006") ORDER BY @timestamp DESC START 1 LIMIT 3', {}),
    ("SELECT * FROM auditLog WHERE vendor = 'sap_cdc' START 100", {}),
    # SQL with GROUP BY
    ("SELECT vendor, count(*) AS n FROM events GROUP BY vendor ORDER BY n DESC", {}),
    ("SELECT errCode, count(*) FROM events WHERE vendor = 'sap_cdc' GROUP BY errCode", {}),
    ("SELECT vendor, date_trunc('day', time) AS day, count(*) AS n FROM events GROUP BY ALL HAVING count(*) > 5", {}),
    ("SELECT category, outcome, count(DISTINCT actor_name), min(time), max(time) FROM events GROUP BY 1, 2", {}),
    (
        "WITH logins AS (SELECT params.loginID AS login FROM events WHERE endpoint LIKE '%login') "
        "SELECT login, count(*) FROM logins GROUP BY login",
        {},
    ),
]


@pytest.fixture(scope="module")
def dataset(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("spark") / "samples"
    export(sample_db, target)
    return target


@pytest.fixture(scope="module")
def spark(dataset: Path) -> Iterator[Any]:
    """One local Spark session for the module (starting one takes seconds)."""
    from auditql import spark as spark_engine

    session = spark_engine.session()
    spark_engine.register(session, dataset)
    yield session
    session.stop()


def both(dataset: Path, spark: Any, text: str, options: dict[str, Any]) -> tuple[api.Result, api.Result]:
    from auditql import spark as spark_engine

    options = dict(options)
    limit = options.pop("limit", None)
    for key in ("since", "until"):
        if key in options:
            options[key] = api.parse_when(options[key])
    con = api.reader(dataset)
    try:
        t = api.prepare(con, text, limit=limit, **options)
        return api.run(con, t, limit), spark_engine.run(spark, t, limit)
    finally:
        con.close()


@pytest.mark.parametrize(("text", "options"), QUERIES, ids=[q for q, _ in QUERIES])
def test_spark_gives_the_same_answers_as_duckdb(dataset: Path, spark: Any, text: str, options: dict) -> None:
    duck, spark_result = both(dataset, spark, text, options)
    assert duck.rows, "each held query finds rows in the samples"
    assert spark_result.columns == duck.columns  # unnamed items too: named as typed (query/headers.py)
    assert spark_result.types == duck.types
    assert spark_result.rows == duck.rows
    assert spark_result.truncated == duck.truncated


def test_unnamed_columns_are_named_as_typed_on_spark_as_on_duckdb(dataset: Path, spark: Any) -> None:
    text = (
        "SELECT count(*), sum(source_row), min(lower(actor_name)),\n"
        "  count(*) FILTER (WHERE outcome = 'failure'), max( length(action) ) AS longest, vendor\n"
        "FROM events WHERE vendor = 'resolver' GROUP BY vendor"
    )
    duck, on_spark = both(dataset, spark, text, {})
    assert (
        on_spark.columns
        == duck.columns
        == [
            "count(*)",
            "sum(source_row)",
            "min(lower(actor_name))",
            "count(*) FILTER (WHERE outcome = 'failure')",
            "longest",
            "vendor",
        ]
    )
    assert on_spark.rows == duck.rows
    assert duck.rows[0][0] == 99


def test_window_frames_qualify_and_split_part_on_spark(dataset: Path, spark: Any) -> None:
    text = (
        "SELECT vendor, split_part(action, '.', 1) AS service, "
        "count(*) OVER (PARTITION BY vendor ORDER BY time, source_row ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) "
        "AS last3 FROM events WHERE vendor = 'sap_cdc' "
        "QUALIFY row_number() OVER (PARTITION BY vendor ORDER BY time, source_row) <= 3 ORDER BY time, source_row"
    )
    duck, on_spark = both(dataset, spark, text, {})
    assert on_spark.columns == duck.columns == ["vendor", "service", "last3"]
    assert on_spark.rows == duck.rows
    assert [row[2] for row in duck.rows] == [1, 2, 3]


def test_a_duckdb_only_function_is_refused_for_spark_in_one_line(dataset: Path) -> None:
    from auditql import spark as spark_engine

    con = api.reader(dataset)
    try:
        translation = api.prepare(con, "SELECT jaro_similarity(action, 'login') AS j FROM events")
    finally:
        con.close()
    with pytest.raises(QueryError) as caught:
        spark_engine.check(translation)
    assert caught.value.message == (
        "function jaro_similarity is DuckDB's and has no spark counterpart auditql knows; run this query on DuckDB"
    )


def test_known_counts_on_spark(dataset: Path, spark: Any, expected: dict) -> None:
    _, on_spark = both(dataset, spark, QUERIES[0][0], {})
    assert len(on_spark.rows) == expected["demo_failed_logins_2025_11_20"]["total"] == 10
    _, socialize = both(dataset, spark, QUERIES[1][0], {})
    assert len(socialize.rows) == expected["demo_socialize_2015_08_16"] == 4
    _, limited = both(dataset, spark, "outcome = 'failure'", {"limit": 7})
    assert (len(limited.rows), limited.truncated) == (7, True)


def test_person_from_an_identities_file_on_spark(
    dataset: Path, spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    identities = tmp_path / "identities.toml"
    identities.write_text(
        '[[person]]\nname = "Dana Demo"\nemails = ["dana.demo@example.com"]\n'
        '[person.vendors.broadcom_portal]\nnames = ["dana.demo"]\n'
    )
    monkeypatch.setenv("AUDITQL_IDENTITIES", str(identities))
    text = "SELECT person, count(*) AS n FROM events WHERE person IS NOT NULL GROUP BY person ORDER BY n DESC, person"
    duck, on_spark = both(dataset, spark, text, {})
    assert on_spark.rows == duck.rows
    assert "Dana Demo" in dict(duck.rows)


def test_spark_reads_only_the_matching_partitions(dataset: Path, spark: Any) -> None:
    from auditql import spark as spark_engine

    con = api.reader(dataset)
    try:
        t = api.prepare(con, "vendor = 'sap_cdc' AND time >= '2025-11-20' AND time < '2025-11-21'")
    finally:
        con.close()
    sql = spark_engine.spark_sql(spark, t)
    assert "WHERE `vendor` IN ('sap_cdc') AND `date` >= CAST('2025-11-20' AS DATE)" in sql
    plan = spark.sql(sql)._jdf.queryExecution().executedPlan().toString()
    filters = plan.split("PartitionFilters: [")[1].split("]")[0]
    assert "(vendor#" in filters and "= sap_cdc)" in filters and "(date#" in filters


def test_cli_engine_spark_prints_what_duckdb_prints(dataset: Path) -> None:
    query = "SELECT vendor, count(*) AS n, min(time) AS first FROM events WHERE errCode != 0 GROUP BY vendor"
    on_duckdb = run_auditql("query", "--db", dataset, "--format", "csv", query)
    on_spark = run_auditql("query", "--engine", "spark", "--db", dataset, "--format", "csv", query)
    assert on_spark.returncode == 0, on_spark.stderr
    assert on_duckdb.returncode == 0, on_duckdb.stderr
    assert on_spark.stdout == on_duckdb.stdout
    assert on_spark.stdout.splitlines()[0] == "vendor,n,first"
    assert on_spark.stdout.splitlines()[1].endswith("Z")


def test_cli_engine_spark_needs_a_dataset(cli, sample_db: Path) -> None:
    result = cli("query", "--engine", "spark", "--db", sample_db, "vendor = 'sap_cdc'")
    assert result.exit_code == 2
    assert "--engine spark reads a Parquet dataset" in result.stderr


def test_timeout_cancels_the_spark_job_group(dataset: Path, spark: Any) -> None:
    """A runaway query (a four-way self cross join) is cancelled by --timeout; the session stays usable."""
    from auditql import spark as spark_engine
    from auditql.errors import QueryError

    con = api.reader(dataset)
    try:
        runaway = api.prepare(
            con,
            "SELECT count(*) AS n FROM events a, events b, events c, events d "
            "WHERE a.raw::VARCHAR < b.raw::VARCHAR AND c.raw::VARCHAR < d.raw::VARCHAR",
        )
        quick = api.prepare(con, "SELECT count(*) AS n FROM events")
    finally:
        con.close()
    with pytest.raises(QueryError) as caught:
        spark_engine.run(spark, runaway, timeout=3)
    assert caught.value.message.startswith("query timed out after 3 s and its Spark jobs were cancelled")
    assert spark_engine.run(spark, quick).rows == [(492,)]


def test_cli_engine_spark_refuses_jvm_functions_and_type_injection(dataset: Path) -> None:
    for query, message in [
        ("SELECT reflect('java.lang.System', 'getenv', 'HOME') AS x FROM events", "function reflect is not allowed"),
        ("SELECT CAST('/etc/passwd' AS \"STRING) AS x, (SELECT 1) AS y --\") FROM events", "without quotes"),
    ]:
        result = run_auditql("query", "--engine", "spark", "--db", dataset, query)
        assert result.returncode == 3, result.stderr
        assert message in result.stderr and "Traceback" not in result.stderr


def test_bound_values_and_sql_columns_on_spark(dataset: Path, spark: Any) -> None:
    """--param values reach Spark written into its SQL (checked like any query); --columns picks SQL columns."""
    params = {"who": "alex.example@example.com", "codes": [403042, 400006]}
    text = "actor_name = :who OR errCode IN (:codes)"
    duck, on_spark = both(dataset, spark, text, {"params": params, "columns": ["event_key", "actor_name"]})
    assert len(duck.rows) == 7
    assert on_spark.rows == duck.rows
    text = "SELECT vendor, count(*) AS n FROM events GROUP BY vendor"
    duck, on_spark = both(dataset, spark, text, {"columns": ["n", "vendor"]})
    assert on_spark.columns == duck.columns == ["n", "vendor"]
    assert (
        on_spark.rows
        == duck.rows
        == [
            (60, "adobe_cja"),
            (74, "broadcom_portal"),
            (99, "resolver"),
            (128, "sap_cdc"),
            (131, "sas_ci360"),
        ]
    )
