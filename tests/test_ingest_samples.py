"""The sample exports, ingested end to end: counts per file and vendor, dedup rules, provenance, raw."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import SAMPLES, count, rows

from auditql.ingest.run import ingest


def test_every_sample_file_is_read_with_the_generator_counts(sample_db: Path, expected: dict) -> None:
    got = {
        (Path(f).relative_to(SAMPLES).as_posix().split("!")[0], v): counts
        for f, v, *counts in rows(sample_db, "SELECT source_file, vendor, records_read, added, duplicates FROM sources")
    }
    want = {(f["path"], f["vendor"]): [f["records"], f["added"], f["duplicates"]] for f in expected["files"]}
    assert got == want


def test_unique_events_per_vendor_match_the_generator(sample_db: Path, expected: dict) -> None:
    got = dict(rows(sample_db, "SELECT vendor, count(*) FROM events GROUP BY vendor"))
    assert got == {v: e["unique_events"] for v, e in expected["vendors"].items()}
    assert count(sample_db) == expected["total"]["unique_events"]


def test_counts_add_up_for_every_file(sample_db: Path) -> None:
    for read, added, dup, rej in rows(sample_db, "SELECT records_read, added, duplicates, rejected FROM sources"):
        assert read == added + dup + rej


def test_reingesting_everything_adds_nothing(tmp_path: Path, expected: dict) -> None:
    db = tmp_path / "a.duckdb"
    first = ingest([SAMPLES], db)
    again = ingest([SAMPLES], db)
    assert sum(f.added for f in first.files) == expected["total"]["unique_events"]
    assert sum(f.added for f in again.files) == 0
    assert sum(f.duplicates for f in again.files) == expected["total"]["records"]
    assert count(db) == expected["total"]["unique_events"]


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


def delivered(db: Path, name: str) -> list[tuple]:
    """(event_key, content_key) of every record the sample file `name` delivered, in file order."""
    return rows(
        db, "SELECT event_key, content_key FROM deliveries WHERE source_file LIKE ? ORDER BY source_row", [f"%/{name}"]
    )


def test_same_cja_events_as_csv_and_json_count_once(sample_db: Path, expected: dict) -> None:
    assert count(sample_db, "vendor = 'adobe_cja'") == expected["vendors"]["adobe_cja"]["unique_events"]
    csv, json_ = (delivered(sample_db, f"auditlogs_ui_export.{ext}") for ext in ("csv", "json"))
    assert len(csv) == 31 and sorted(csv) == sorted(json_)  # Log ID = id: the same 31 events
    assert count(sample_db, f"event_key IN ({', '.join(repr(k) for k, _ in csv)})") == 31


def test_cjapy_dump_repeats_a_record_across_a_shifted_page_and_overlaps_the_other_downloads(sample_db: Path) -> None:
    dump = json.loads((SAMPLES / "adobe_cja" / "audit_logs_1763719200.json").read_text())
    ids = [r["id"] for r in dump]
    assert len(ids) == 43 and len(set(ids)) == 42 and ids[19] == ids[20]  # page 0's last is page 1's first
    keys = {k for k, _ in delivered(sample_db, "audit_logs_1763719200.json")}
    assert len(keys) == 42
    api = {k for k, _ in delivered(sample_db, "auditlogs_api_page.json")}
    ui = {k for k, _ in delivered(sample_db, "auditlogs_ui_export.json")}
    assert len(keys & api) == 7 and ui <= keys  # by id: the API page's events since 11-10, every UI event
    assert count(sample_db, f"event_key IN ({', '.join(repr(k) for k in keys | api)})") == len(keys | api)


def test_a_ui_download_without_log_id_meets_the_api_records_through_time_and_action(sample_db: Path) -> None:
    subset = delivered(sample_db, "auditlogs_ui_download_subset.csv")
    assert len(subset) == 9 and all(event == content for event, content in subset)  # no id: keyed by content
    api = dict((content, event) for event, content in delivered(sample_db, "auditlogs_api_page.json"))
    twins = [api[content] for _, content in subset]  # each row has an id-bearing twin in the API page
    assert all(k.startswith("adobe_cja:id:") for k in twins)
    assert count(sample_db, f"event_key IN ({', '.join(repr(c) for _, c in subset)})") == 0  # none stored again


def test_ci360_parquet_and_its_pandas_csv_twin_are_stored_once(sample_db: Path) -> None:
    name = "AuditDataFile0_11202025101500"
    parquet, csv = (delivered(sample_db, f"{name}.{ext}") for ext in ("parquet", "csv"))
    assert len(parquet) == 31 and sorted(parquet) == sorted(csv)  # same content keys: `1.0` = 1, `True` = true
    assert len(set(parquet)) == 31
    assert count(sample_db, f"source_file LIKE '%/{name}.%'") == 31


def test_gigya_repeated_cursor_page_counts_once(sample_db: Path) -> None:
    assert rows(sample_db, "SELECT added, duplicates FROM sources WHERE source_file LIKE '%page2.json'") == [(28, 3)]
    pages = [json.loads(line) for line in (SAMPLES / "sap_cdc" / "audit_search_pages.ndjson").read_text().splitlines()]
    assert pages[1]["results"] == pages[2]["results"] and pages[1]["callId"] != pages[2]["callId"]
    keys = [k for k, _ in delivered(sample_db, "audit_search_pages.ndjson")]
    assert len(keys) == 36 and len(set(keys)) == 26
    assert count(sample_db, "source_file LIKE '%/audit_search_pages.ndjson'") == 26


def test_gigya_calls_signed_with_a_user_key_name_the_key_owner(sample_db: Path) -> None:
    got = rows(
        sample_db,
        "SELECT action, actor_id, actor_name, actor_type, target_id FROM events WHERE time IN "
        "('2025-11-16T14:03:27.745Z', '2025-11-17T16:40:02.019Z') AND vendor = 'sap_cdc' ORDER BY time",
    )
    assert [(a, n, t) for a, _, n, t, _ in got] == [
        ("accounts.setAccountInfo", "Dana Demo", "service"),  # userKey + userKeyDetails: the support agent
        ("accounts.deleteAccount", None, "service"),  # authType "userKey", no key details: the key alone
    ]
    assert all(key.startswith(("AK", "AB")) and target for _, key, _, _, target in got)


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


def test_ingesting_a_copied_folder_with_new_names_adds_nothing(tmp_path: Path, expected: dict) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(SAMPLES, copy)
    db = tmp_path / "a.duckdb"
    ingest([SAMPLES], db)
    report = ingest([copy], db)
    assert sum(f.added for f in report.files) == 0
    assert count(db) == expected["total"]["unique_events"]
