"""A generic file's time column is found by content when no known name matches (vendors.md, Generic files):
the field whose values parse as times in ≥ 90% of the first 1,000 records, names that say time first, then
file order; no such field is one clear file error instead of every record rejected for "no time value"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import rows, run_auditql

from auditql.db import connections
from auditql.read import formats
from auditql.vendors import load_registry
from auditql.vendors.timefield import find_time_field, says_time


def ingest(tmp_path: Path, name: str, text: str) -> tuple[int, dict, Path, str]:
    path = tmp_path / name
    path.write_text(text)
    db = tmp_path / "t.duckdb"
    result = run_auditql("ingest", "--db", db, "--format", "json", path)
    [report] = json.loads(result.stdout)
    return result.returncode, report, db, result.stderr


def found_in(tmp_path: Path, name: str, text: str) -> str | None:
    path = tmp_path / name
    path.write_text(text)
    con = connections.scratch()
    try:
        return find_time_field(con, formats.read(con, path, name), load_registry()["generic"])
    finally:
        con.close()


def test_a_csv_whose_time_column_is_called_happened_loads(tmp_path: Path) -> None:
    text = (
        "id,who,what,happened,count\n"
        "1,alice,login,2025-11-20 10:00:00,5\n"
        "2,bob,logout,2025-11-20T11:00:00Z,7\n"
        "3,carol,export,11/20/2025 12:30:00,9\n"
    )
    code, report, db, _ = ingest(tmp_path, "happened.csv", text)
    assert code == 0
    assert (report["vendor"], report["format"], report["read"], report["added"], report["rejected"]) == (
        "generic",
        "csv",
        3,
        3,
        0,
    )
    assert rows(db, "SELECT strftime(time, '%Y-%m-%dT%H:%M:%SZ') FROM events ORDER BY source_row") == [
        ("2025-11-20T10:00:00Z",),
        ("2025-11-20T11:00:00Z",),
        ("2025-11-20T12:30:00Z",),
    ]
    assert rows(db, "SELECT columns->>'time' FROM sources") == [('["happened"]',)]


def test_ndjson_with_epoch_milliseconds_under_an_unknown_name(tmp_path: Path) -> None:
    lines = [{"seq": i, "stamp": 1_763_632_800_000 + i * 1000, "op": "read"} for i in range(5)]
    code, report, db, _ = ingest(tmp_path, "events.ndjson", "".join(json.dumps(r) + "\n" for r in lines))
    assert code == 0 and (report["read"], report["added"], report["rejected"]) == (5, 5, 0)
    assert rows(db, "SELECT min(time)::VARCHAR FROM events") == [("2025-11-20 10:00:00+00",)]


def test_a_name_that_says_time_wins_over_file_order(tmp_path: Path) -> None:
    text = "seen,logged_when,who\n2025-01-01 00:00:00,2025-01-02 00:00:00,a\n2025-01-01 00:00:01,2025-01-02 00:00:01,b"
    assert found_in(tmp_path, "two.csv", text) == "logged_when"
    text = "first_seen,last_seen,who\n2025-01-01 00:00:00,2025-01-02 00:00:00,a\n"
    assert found_in(tmp_path, "order.csv", text) == "first_seen"


def test_numbers_that_are_not_plausible_times_are_not_a_time_column(tmp_path: Path) -> None:
    # small integers parse as epoch seconds in 1970: outside ingest's accepted range, so no time
    assert found_in(tmp_path, "counts.csv", "id,count\n1,5\n2,7\n3,9\n") is None


@pytest.mark.parametrize(("bad", "expected"), [(1, "happened"), (2, None)])
def test_ninety_percent_of_the_sampled_records_must_hold_a_time(tmp_path: Path, bad: int, expected: str | None) -> None:
    values = ["not a time"] * bad + [f"2025-11-20 10:00:{s:02d}" for s in range(10 - bad)]
    assert found_in(tmp_path, "share.csv", "happened,who\n" + "".join(f"{v},x\n" for v in values)) == expected


def test_the_one_record_whose_time_fails_is_rejected_by_name(tmp_path: Path) -> None:
    values = ["not a time"] + [f"2025-11-20 10:00:{s:02d}" for s in range(9)]
    code, report, _, _ = ingest(tmp_path, "one_bad.csv", "happened,who\n" + "".join(f"{v},x\n" for v in values))
    assert code == 1
    assert (report["read"], report["added"], report["rejected"]) == (10, 9, 1)
    assert report["rejects"] == [{"line": 2, "row": 1, "reason": 'cannot parse time "not a time"'}]


def test_no_time_column_is_one_clear_file_error(tmp_path: Path) -> None:
    code, report, db, stderr = ingest(tmp_path, "file.csv", "id,who,what\n1,alice,login\n2,bob,logout\n")
    assert code == 1
    assert report["status"] == "failed" and report["read"] == 0 and report["rejects"] == []
    assert report["error"].endswith(
        "file.csv: no time column: none of the known names (@timestamp, timestamp, time, datetime, date_time, "
        "date and time, event_time, eventTime, created, created_at, createdAt, occurred_at, logged_at, ts, date) "
        "and no column whose values are times (in 90% of the first 1,000 records)"
    )
    assert "rejected file: " in stderr and "no time column" in stderr
    assert rows(db, "SELECT count(*) FROM events") == [(0,)]


def test_a_header_only_file_is_zero_records_not_an_error(tmp_path: Path) -> None:
    code, report, _, _ = ingest(tmp_path, "empty.csv", "id,who,what\n")
    assert code == 0 and report["error"] is None and report["read"] == 0


def test_a_known_time_name_is_used_as_before(tmp_path: Path) -> None:
    assert found_in(tmp_path, "known.csv", "created_at,happened\n2025-01-01 00:00:00,2025-01-01 00:00:00\n") is None


@pytest.mark.parametrize(
    ("name", "says"),
    [("happened_at", True), ("updatedAt", True), ("When", True), ("eventDateUtc", True), ("status", False)],
)
def test_names_that_say_time(name: str, says: bool) -> None:
    assert says_time(name) is says
