"""The sample exports, ingested end to end: counts per file and vendor, dedup rules, provenance, raw."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import SAMPLES, count, rows

from auditql.ingest import ingest


def test_every_sample_file_is_read_with_the_generator_counts(sample_db: Path, expected: dict) -> None:
    got = {
        (Path(f).relative_to(SAMPLES).as_posix().split("!")[0], v): n
        for f, v, n in rows(sample_db, "SELECT source_file, vendor, records_read FROM sources")
    }
    want = {(f["path"], f["vendor"]): f["records"] for f in expected["files"]}
    assert got == want


def test_unique_events_per_vendor_match_the_generator(sample_db: Path, expected: dict) -> None:
    got = dict(rows(sample_db, "SELECT vendor, count(*) FROM events GROUP BY vendor"))
    assert got == {v: e["unique_events"] for v, e in expected["vendors"].items()}
    assert count(sample_db) == expected["total"]["unique_events"] == 431


def test_counts_add_up_for_every_file(sample_db: Path) -> None:
    for read, added, dup, rej in rows(sample_db, "SELECT records_read, added, duplicates, rejected FROM sources"):
        assert read == added + dup + rej


def test_reingesting_everything_adds_nothing(tmp_path: Path, expected: dict) -> None:
    db = tmp_path / "a.duckdb"
    first = ingest([SAMPLES], db)
    again = ingest([SAMPLES], db)
    assert sum(f.added for f in first.files) == 431
    assert sum(f.added for f in again.files) == 0
    assert sum(f.duplicates for f in again.files) == expected["total"]["records"] == 467
    assert count(db) == 431


def _content(db: Path) -> list[tuple]:
    return rows(db, "SELECT time, action, actor_name, target_name, event_key FROM events ORDER BY ALL")


def test_overlapping_resolver_exports_give_the_same_archive_in_either_order(tmp_path: Path) -> None:
    one, two = (SAMPLES / "resolver" / f"user_audit_trail_export_{i}.csv" for i in (1, 2))
    ingest([one, two], tmp_path / "a.duckdb")
    ingest([two, one], tmp_path / "b.duckdb")
    assert _content(tmp_path / "a.duckdb") == _content(tmp_path / "b.duckdb")
    assert count(tmp_path / "a.duckdb") == 42 + 36 - 2


def test_genuine_same_second_repeats_inside_one_export_are_both_kept(sample_db: Path) -> None:
    pairs = rows(
        sample_db,
        "SELECT event_key, count(*) FROM events WHERE vendor = 'resolver' GROUP BY event_key HAVING count(*) > 1",
    )
    assert len(pairs) == 1 and pairs[0][1] == 2
    times = rows(sample_db, "SELECT DISTINCT time::VARCHAR FROM events WHERE event_key = ?", [pairs[0][0]])
    assert times == [("2025-11-19 10:15:31+00",)]


def test_same_cja_events_as_csv_and_json_count_once(sample_db: Path) -> None:
    assert count(sample_db, "vendor = 'adobe_cja'") == 56
    first = rows(
        sample_db,
        "SELECT source_file FROM events WHERE vendor = 'adobe_cja' AND source_file LIKE '%ui_export%' GROUP BY ALL",
    )
    assert len(first) == 1  # whichever of CSV/JSON came first holds every shared event


def test_gigya_repeated_cursor_page_counts_once(sample_db: Path) -> None:
    assert rows(sample_db, "SELECT added, duplicates FROM sources WHERE source_file LIKE '%page2.json'") == [(28, 3)]


def test_zip_members_carry_archive_provenance(sample_db: Path) -> None:
    got = rows(
        sample_db,
        "SELECT source_file, min(source_row), max(source_row), count(*) FROM events "
        "WHERE vendor = 'broadcom_portal' GROUP BY 1 ORDER BY 1",
    )
    names = [(Path(f).name, lo, hi, n) for f, lo, hi, n in got]
    assert names == [
        ("audits_export_csv.zip!audits.csv", 1, 40, 40),
        ("audits_export_json.zip!audits.json", 1, 34, 34),
    ]


def test_raw_keeps_the_whole_gigya_record(sample_db: Path) -> None:
    page = json.loads((SAMPLES / "sap_cdc" / "audit_search_page1.json").read_text())
    record = page["results"][2]
    ((raw, row),) = rows(sample_db, "SELECT raw, source_row FROM events WHERE event_id = ?", [record["callID"]])
    assert json.loads(raw) == record
    assert row == 3


def test_csv_raw_is_header_to_cell_text_and_empty_cells_are_null_in_columns(tmp_path: Path) -> None:
    f = tmp_path / "r.csv"
    f.write_text("Date and Time,Subject,Event,Performed By\n2025-01-02 03:04:05,Alex Example,Add User,\n")
    ingest([f], tmp_path / "a.duckdb")
    ((raw, actor, when),) = rows(
        tmp_path / "a.duckdb", "SELECT raw, actor_name, strftime(time, '%Y-%m-%dT%H:%M:%S') FROM events"
    )
    assert json.loads(raw) == {
        "Date and Time": "2025-01-02 03:04:05",
        "Subject": "Alex Example",
        "Event": "Add User",
        "Performed By": "",
    }
    assert actor is None and when == "2025-01-02T03:04:05"


def test_categories_and_outcomes_follow_the_vendor_tables(sample_db: Path) -> None:
    got = dict(
        rows(
            sample_db,
            "SELECT action, any_value(category || '/' || outcome) FROM events "
            "WHERE action IN ('accounts.login', 'LOGIN_FAILED', 'Unsuccessful Impersonate User', "
            "'Created', 'EDIT', 'accounts.deleteAccount') AND (vendor <> 'sap_cdc' OR status_code = '0') "
            "GROUP BY action",
        )
    )
    assert got["accounts.login"] == "login/success"
    assert got["LOGIN_FAILED"] == "login/failure"
    assert got["Unsuccessful Impersonate User"] == "login/failure"
    assert got["Created"] == "create/success"
    assert got["EDIT"] == "update/success"


def test_ingesting_a_copied_folder_with_new_names_adds_nothing(tmp_path: Path, sample_db: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(SAMPLES, copy)
    db = tmp_path / "a.duckdb"
    ingest([SAMPLES], db)
    report = ingest([copy], db)
    assert sum(f.added for f in report.files) == 0
    assert count(db) == 431
