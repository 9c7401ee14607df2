"""Vendor time fields are times in queries (issue 13, point 4), on archives built by the real CLI.

Oracles are independent of the query code: the sample files read with Python's csv/zipfile/strptime, and
the canonical `time` column ingest parsed from the same field."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES, run_auditql

from auditql import api

US_FORMAT = SAMPLES / "resolver" / "user_audit_trail_us_format.csv"
BROADCOM_CSV = SAMPLES / "broadcom_portal" / "audits_export_csv.zip"


@pytest.fixture(scope="module")
def user_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The module's archives are built once, with their own cache and config folders."""
    home = tmp_path_factory.mktemp("vendor-time-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(home / "cache"))
        patch.setenv("XDG_CONFIG_HOME", str(home / "config"))
        yield home


def cli_ingest(db: Path, *paths: Path | str) -> None:
    from auditql.cli.main import main

    result = CliRunner().invoke(main, ["ingest", "--db", str(db), *map(str, paths)], catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def us_db(user_dirs: Path) -> Path:
    db = user_dirs / "us.duckdb"
    cli_ingest(db, US_FORMAT)
    return db


@pytest.fixture(scope="module")
def all_db(user_dirs: Path) -> Path:
    db = user_dirs / "all.duckdb"
    cli_ingest(db, SAMPLES)
    return db


def values(db: Path, text: str, **options: object) -> list[tuple]:
    return api.query(db, text, **options).rows  # type: ignore[arg-type]


def us_times() -> list[datetime]:
    with US_FORMAT.open(encoding="utf-8-sig", newline="") as fh:
        return [datetime.strptime(r["Date and Time"], "%m/%d/%Y %I:%M:%S %p") for r in csv.DictReader(fh)]


def broadcom_times() -> list[datetime]:
    with zipfile.ZipFile(BROADCOM_CSV) as zf:
        text = zf.read("audits.csv").decode("utf-8")
    return [datetime.fromtimestamp(int(r["Time (UTC)"]) / 1000, UTC) for r in csv.DictReader(io.StringIO(text))]


def test_the_us_format_export_compares_as_time_through_the_cli(us_db: Path) -> None:
    assert sum(t >= datetime(2025, 10, 1) for t in us_times()) == 23  # every row of the file
    result = run_auditql(
        "query", "--db", us_db, "--format", "csv",
        "SELECT count(*) AS n FROM events WHERE \"Date and Time\" >= '2025-10-01'",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["n", "23"]


@pytest.mark.parametrize("since", ["2025-10-15", "2025-10-26T21:00:00Z", "2025-10-26T23:00:00+02:00"])
def test_a_time_literal_of_any_form_is_an_instant(us_db: Path, since: str) -> None:
    point = datetime.fromisoformat(since.replace("Z", "+00:00"))
    point = point.replace(tzinfo=UTC) if point.tzinfo is None else point
    expected = sum(t.replace(tzinfo=UTC) >= point for t in us_times())
    assert 0 < expected < 23
    assert values(us_db, f"SELECT count(*) FROM events WHERE \"Date and Time\" >= '{since}'") == [(expected,)]
    assert len(api.query(us_db, f"\"Date and Time\" >= '{since}'").rows) == expected  # the WHERE form too


@pytest.mark.parametrize(
    ("sample", "field"),
    [
        ("resolver/user_audit_trail_export_1.csv", '"Date and Time"'),
        ("broadcom_portal/audits_export_csv.zip", '"Time (UTC)"'),
        ("sas_ci360/audit_records_2025-03-01.parquet", "event_timestamp"),
        ("sas_ci360/audit_records_2025-03-02.csv", "eventDateTime"),
        ("adobe_cja/auditlogs_api_page.json", "dateCreated"),
        ("adobe_cja/auditlogs_ui_export.csv", '"Date Created"'),
    ],
)
def test_each_vendor_time_field_reads_as_the_time_ingest_parsed(tmp_path: Path, sample: str, field: str) -> None:
    db = tmp_path / "one.duckdb"
    cli_ingest(db, SAMPLES / sample)
    held = values(db, f"SELECT count(*) FROM events WHERE {field} IS NOT NULL")[0][0]
    assert held > 0
    assert values(db, f"SELECT count(*) FROM events WHERE {field} = time") == [(held,)]
    assert values(db, f"SELECT min({field}), max({field}) FROM events") == values(
        db, "SELECT min(time), max(time) FROM events"
    )


def test_broadcom_epoch_milliseconds_compare_min_and_max_as_times(all_db: Path) -> None:
    times = broadcom_times()
    low, high = datetime(2025, 11, 12, tzinfo=UTC), datetime(2025, 11, 15, 12, tzinfo=UTC)
    expected = sum(low <= t < high for t in times)
    assert 0 < expected < len(times)
    where = "\"Time (UTC)\" >= '2025-11-12' AND \"Time (UTC)\" < '2025-11-15T12:00:00Z'"
    assert values(all_db, f"SELECT count(*) FROM events WHERE {where}") == [(expected,)]
    between = "\"Time (UTC)\" BETWEEN '2025-11-12' AND '2025-11-15T12:00:00Z'"
    assert values(all_db, f"SELECT count(*) FROM events WHERE {between}") == [(sum(low <= t <= high for t in times),)]
    result = api.query(all_db, 'SELECT min("Time (UTC)"), max("Time (UTC)") FROM events')
    assert result.columns == ['min("Time (UTC)")', 'max("Time (UTC)")']
    assert result.rows == [(min(times), max(times))]


def test_order_by_a_vendor_time_field_orders_by_instant(all_db: Path) -> None:
    def instant(text: str) -> datetime:
        for fmt in ("%Y-%m-%d %H:%M:%S", "%m/%d/%Y %I:%M:%S %p"):
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                pass
        raise AssertionError(text)

    ascending = [r[0] for r in values(all_db, 'SELECT "Date and Time" FROM events ORDER BY "Date and Time"') if r[0]]
    assert len(ascending) == values(all_db, "SELECT count(*) FROM events WHERE vendor = 'resolver'")[0][0]
    assert [instant(t) for t in ascending] == sorted(instant(t) for t in ascending)
    assert sorted(ascending) != ascending  # as text, '10/01/2025 …' would sort after every '2025-11-…'
    rest = api.query(all_db, "SELECT * FROM auditLog WHERE vendor = 'resolver' ORDER BY \"Date and Time\" DESC")
    newest_first = [r[rest.columns.index("time")] for r in rest.rows]
    assert newest_first == sorted(newest_first, reverse=True)


def test_min_max_and_grouping_read_the_instant(all_db: Path) -> None:
    assert values(all_db, 'SELECT min("Date and Time") AS lo, max("Date and Time") AS hi FROM events') == values(
        all_db, "SELECT min(time), max(time) FROM events WHERE vendor = 'resolver'"
    )
    months = values(
        all_db,
        "SELECT date_trunc('month', \"Date and Time\") AS m, count(*) FROM events "
        "WHERE vendor = 'resolver' GROUP BY m ORDER BY m",
    )
    assert months == values(
        all_db,
        "SELECT date_trunc('month', time) AS m, count(*) FROM events WHERE vendor = 'resolver' GROUP BY m ORDER BY m",
    )
    grouped = values(all_db, "SELECT \"Date and Time\", count(*) FROM events WHERE vendor = 'resolver' GROUP BY 1")
    by_time = values(all_db, "SELECT time, count(*) FROM events WHERE vendor = 'resolver' GROUP BY 1 ORDER BY 1, 2")
    assert grouped == by_time  # same instants, however each export wrote them


def test_rows_of_a_vendor_that_does_not_read_the_field_as_time_keep_text(tmp_path: Path) -> None:
    generic = tmp_path / "generic.csv"  # a generic export whose own "Time (UTC)" column is free text
    generic.write_text(
        "ts,user,operation,Time (UTC)\n"
        "2025-11-12 10:00:00,ann,login,late\n"
        "2025-11-12 11:00:00,bob,login,2025-11-16 08:00:00\n"
        "2025-11-12 12:00:00,cy,login,1 Nov\n"
    )
    db = tmp_path / "mixed.duckdb"
    cli_ingest(db, BROADCOM_CSV, generic)
    got = dict(values(db, "SELECT vendor, count(*) FROM events WHERE \"Time (UTC)\" >= '2025-11-15' GROUP BY vendor"))
    assert got == {
        "broadcom_portal": sum(t >= datetime(2025, 11, 15, tzinfo=UTC) for t in broadcom_times()),
        "generic": sum(text >= "2025-11-15" for text in ("late", "2025-11-16 08:00:00", "1 Nov")),  # as text: 2
    }


MAPPING = """
name = "acme_sso"
title = "ACME SSO sign-in log"
time_formats = ["%d.%m.%Y %H:%M"]
[detect]
require = [["signin_at"], ["principal_name"]]
[columns]
time = ["signin_at"]
actor_name = ["principal_name"]
"""


def test_a_user_mapping_in_the_folder_brings_its_time_formats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "mappings"
    folder.mkdir()
    (folder / "acme.toml").write_text(MAPPING)
    monkeypatch.setenv("AUDITQL_MAPPINGS", str(folder))
    log = tmp_path / "signins.csv"
    log.write_text("signin_at,principal_name\n04.05.2025 23:59,ann\n05.05.2025 00:01,bob\n06.05.2025 12:00,cy\n")
    db = tmp_path / "acme.duckdb"
    cli_ingest(db, log)
    assert values(db, "SELECT principal_name FROM events WHERE signin_at >= '2025-05-05' ORDER BY signin_at DESC") == [
        ("cy",),
        ("bob",),
    ]


def test_a_mapping_given_only_at_ingest_still_marks_its_time_field(tmp_path: Path) -> None:
    mapping = tmp_path / "acme.toml"
    mapping.write_text(MAPPING.replace('time_formats = ["%d.%m.%Y %H:%M"]', ""))
    log = tmp_path / "signins.csv"
    log.write_text("signin_at,principal_name\n2025-05-05T05:05:05Z,ann\n2025-05-05T03:59:00Z,bob\n")
    db = tmp_path / "acme.duckdb"
    cli_ingest(db, "--mapping", mapping, log)
    # 06:00+02:00 is 04:00Z: as an instant ann is later; as text '…T05:05:05Z' < '…T06:00:00+02:00'
    where = "signin_at >= '2025-05-05T06:00:00+02:00'"
    assert values(db, f"SELECT principal_name FROM events WHERE {where}") == [("ann",)]


@pytest.fixture(scope="module")
def dataset(all_db: Path, user_dirs: Path) -> Path:
    target = user_dirs / "dataset"
    result = run_auditql("export", "--db", all_db, "--to", target)
    assert result.returncode == 0, result.stderr
    return target


def test_the_parquet_dataset_reads_vendor_times_the_same(all_db: Path, dataset: Path) -> None:
    for text in (
        "SELECT count(*) FROM events WHERE \"Date and Time\" >= '2025-10-01' AND \"Date and Time\" < '2025-11-01'",
        'SELECT min("Time (UTC)"), max("Time (UTC)") FROM events',
        'SELECT "Date and Time" FROM events WHERE vendor = \'resolver\' ORDER BY "Date and Time" LIMIT 5',
    ):
        assert values(dataset, text) == values(all_db, text), text


@pytest.mark.parametrize("how", [["--engine", "spark"], ["--dialect", "trino"]])
def test_other_engines_refuse_a_vendor_time_field_in_one_line(dataset: Path, how: list[str]) -> None:
    result = run_auditql(
        "query", "--db", dataset, *how, "SELECT count(*) FROM events WHERE \"Time (UTC)\" > '2025-11-01'"
    )
    assert result.returncode == 3
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "reads raw field 'Time (UTC)' as a time with auditql's own parser" in lines[0]
    assert "compare the `time` column instead" in lines[0]
