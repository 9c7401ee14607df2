"""`auditql query` end to end on the sample archive: the spec's examples with exact rows, every output
format, files queried directly (cached), and refusals with a caret and exit code 3."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import SAMPLES, count

from auditql.ingest.run import ingest


def q(cli, db: Path, text: str, *args: str):
    return cli("query", "--db", db, "--format", "json", *args, text)


def rows_of(result) -> list[dict]:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_gigya_console_seed_query(cli, sample_db: Path, expected: dict) -> None:
    got = rows_of(
        q(
            cli,
            sample_db,
            "endpoint LIKE 'socialize%' AND @timestamp > '2015-08-16T00:00:00.000Z' "
            "AND @timestamp < '2015-08-17T00:00:00.000Z'",
        )
    )
    assert len(got) == expected["demo_socialize_2015_08_16"] == 4
    assert [r["action"] for r in got] == [
        "socialize.login",
        "socialize.getUserInfo",
        "socialize.login",
        "socialize.logout",
    ]
    assert got[0]["time"] == "2015-08-16T09:49:36.522Z"


def test_failed_logins_on_a_day_across_vendors(cli, sample_db: Path, expected: dict) -> None:
    got = rows_of(
        q(cli, sample_db, "category = 'login' AND outcome = 'failure' AND time >= '2025-11-20' AND time < '2025-11-21'")
    )
    by_vendor: dict[str, int] = {}
    for r in got:
        by_vendor[r["vendor"]] = by_vendor.get(r["vendor"], 0) + 1
    assert len(got) == expected["demo_failed_logins_2025_11_20"]["total"] == 10
    assert by_vendor == {"sap_cdc": 4, "adobe_cja": 2, "broadcom_portal": 3, "resolver": 1}
    assert sorted(r["source_ip"] for r in got if r["vendor"] == "sap_cdc") == [
        "192.0.2.200",
        "198.51.100.77",
        "203.0.113.45",
        "203.0.113.9",
    ]


def test_errcode_not_zero_matches_numeric_and_string_codes(cli, sample_db: Path) -> None:
    got = rows_of(q(cli, sample_db, "errCode != 0"))
    assert len(got) == 7
    assert {r["status_code"] for r in got} == {"403042", "400006", "403120"}


def test_errcode_in_double_quoted_values(cli, sample_db: Path) -> None:
    got = rows_of(
        q(
            cli,
            sample_db,
            'SELECT * FROM auditLog WHERE errCode in ("0", "400006") ORDER BY @timestamp DESC START 0 LIMIT 1000',
        )
    )
    assert len(got) == count(sample_db, "vendor = 'sap_cdc' AND status_code IN ('0', '400006')")


def test_nested_raw_field(cli, sample_db: Path) -> None:
    got = rows_of(q(cli, sample_db, "params.loginID = 'dana.demo@example.com'"))
    assert got and all(r["raw"]["params"]["loginID"] == "dana.demo@example.com" for r in got)


def test_csv_header_name(cli, sample_db: Path) -> None:
    got = rows_of(
        q(cli, sample_db, "\"Performed By\" = 'External Org User' AND Event = 'Unsuccessful Impersonate User'")
    )
    assert [r["vendor"] for r in got] == ["resolver"] * len(got) and len(got) >= 1
    assert all(r["actor_name"] == "External Org User" for r in got)


def test_cja_email_counts_once_across_csv_and_json(cli, sample_db: Path) -> None:
    email = rows_of(
        q(
            cli,
            sample_db,
            "SELECT actor_email FROM events WHERE vendor = 'adobe_cja' AND actor_email "
            "IS NOT NULL GROUP BY actor_email ORDER BY count(*) DESC, actor_email LIMIT 1",
        )
    )
    address = email[0]["actor_email"]
    got = rows_of(q(cli, sample_db, f"actor_email = '{address}'"))
    keys = [r["event_key"] for r in got]
    assert len(keys) == len(set(keys)) == count(sample_db, f"actor_email = '{address}'")


def test_epoch_ms_time_range_on_broadcom(cli, sample_db: Path) -> None:
    got = rows_of(q(cli, sample_db, "vendor = 'broadcom_portal' AND time >= 1763596800000 AND time < 1763683200000"))
    assert got and all(r["time"].startswith("2025-11-20") for r in got)
    assert len(got) == count(sample_db, "vendor = 'broadcom_portal' AND time::DATE = DATE '2025-11-20'")


def test_time_with_an_offset(cli, sample_db: Path) -> None:
    got = rows_of(q(cli, sample_db, "time < '2015-08-16T11:49:37+02:00'"))
    assert [r["time"] for r in got][-1] <= "2015-08-16T09:49:36.522Z"
    assert any(r["time"] == "2015-08-16T09:49:36.522Z" for r in got)


def test_csv_output_neutralizes_formulas_unless_raw(cli, tmp_path: Path) -> None:
    f = tmp_path / "evil.csv"
    f.write_text('Date and Time,Subject,Event,Performed By\n2025-01-01 00:00:00,=HYPERLINK("x"),Add User,@bob\n')
    db = tmp_path / "a.duckdb"
    ingest([f], db)
    safe = cli("query", "--db", db, "--format", "csv", "--columns", "target_name,actor_name", "vendor = 'resolver'")
    assert list(csv.reader(io.StringIO(safe.stdout)))[1] == ['\'=HYPERLINK("x")', "'@bob"]
    raw = cli("query", "--db", db, "--format", "csv", "--raw-csv", "--columns", "target_name", "vendor = 'resolver'")
    assert list(csv.reader(io.StringIO(raw.stdout)))[1] == ['=HYPERLINK("x")']


def test_parquet_output(cli, sample_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "failures.parquet"
    result = cli("query", "--db", sample_db, "--output", out, "outcome = 'failure'")
    assert result.exit_code == 0, result.stderr
    table = pq.read_table(out)
    assert table.num_rows == count(sample_db, "outcome = 'failure'")
    assert str(table.schema.field("time").type) == "timestamp[us, tz=UTC]"


def test_markdown_and_ndjson(cli, sample_db: Path) -> None:
    md = cli(
        "query", "--db", sample_db, "--format", "markdown", "SELECT vendor FROM events GROUP BY vendor ORDER BY vendor"
    )
    assert md.stdout.splitlines()[2] == "| adobe_cja       |"
    nd = cli("query", "--db", sample_db, "--format", "ndjson", "--limit", "3", "vendor = 'resolver'")
    assert [json.loads(line)["vendor"] for line in nd.stdout.splitlines()] == ["resolver"] * 3


def test_explain_and_dialect(cli, sample_db: Path) -> None:
    explain = cli("query", "--db", sample_db, "--explain", "@timestamp > '2025-01-01'")
    assert explain.exit_code == 0 and 'FROM "events"' in explain.stdout and "@" not in explain.stdout
    spark = cli("query", "--db", sample_db, "--dialect", "spark", "params.loginID = 'x'")
    assert spark.exit_code == 0 and "`events`" in spark.stdout


def test_since_until(cli, sample_db: Path) -> None:
    got = rows_of(q(cli, sample_db, "vendor = 'resolver'", "--since", "2025-11-20", "--until", "2025-11-21"))
    assert got and all(r["time"].startswith("2025-11-20") for r in got)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x = 'a'; DROP TABLE events", "only one statement"),
        ("read_text('/etc/passwd') IS NOT NULL", "read_text"),
        ("SELECT * FROM read_csv('/etc/passwd')", "read_csv"),
        ("COPY events TO '/tmp/x.csv'", "COPY"),
        ("ATTACH '/tmp/x.db'", "ATTACH"),
        ("endpoint = 'unterminated", "unterminated"),
        ("(" * 500 + "1 = 1" + ")" * 500, "nest"),
    ],
)
def test_refused_queries_exit_3_with_a_clear_message(cli, sample_db: Path, text: str, message: str) -> None:
    before = count(sample_db)
    result = cli("query", "--db", sample_db, text)
    assert result.exit_code == 3
    assert message.lower() in result.stderr.lower() and "Traceback" not in result.stderr
    assert count(sample_db) == before


def test_unknown_field_warns_with_the_nearest_names(cli, sample_db: Path) -> None:
    result = cli("query", "--db", sample_db, "errcode = 0")
    assert result.exit_code == 0
    assert "errCode" in result.stderr and "warning" in result.stderr


def test_querying_files_directly_is_cached_and_invalidated(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AUDITQL_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "exports"
    shutil.copytree(SAMPLES / "resolver", folder)
    first = rows_of(cli("query", "--format", "json", "Event = 'Add User'", folder))
    again = rows_of(cli("query", "--format", "json", "Event = 'Add User'", folder))
    assert first == again and first
    assert len(list((tmp_path / "cache").glob("files-*.duckdb"))) == 1
    (folder / "user_audit_trail_export_1.csv").write_text(
        "Date and Time,Subject,Event,Performed By\n2025-01-01 00:00:00,Alex,Add User,Bob\n"
    )
    changed = rows_of(cli("query", "--format", "json", "Event = 'Add User'", folder))
    assert len(list((tmp_path / "cache").glob("files-*.duckdb"))) == 2
    assert changed != first
