"""Files are labelled for what they are: a saved API error response among Gigya pages is named as one (a
note, not a record, not a reject), `auditql inspect` names the records ingest would reject and why, and a
one-line JSON array is a `json` document, not NDJSON."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import SAMPLES, rows, run_auditql

PAGE1 = json.loads((SAMPLES / "sap_cdc" / "audit_search_page1.json").read_text())
PAGE2 = json.loads((SAMPLES / "sap_cdc" / "audit_search_page2.json").read_text())
# A Gigya error response in the shape issue 13 quotes (errorCode 400006, "Invalid parameter value").
ERROR = {
    "callId": "7f3c1e2a9b5d4f6e8a0b1c2d3e4f5a6b",
    "errorCode": 400006,
    "errorDetails": "invalid cursorId",
    "errorMessage": "Invalid parameter value",
    "statusCode": 400,
    "statusReason": "Bad Request",
    "time": "2025-11-21T08:31:02.114Z",
}
NOTE = (
    "a saved API error response (errorCode 400006: Invalid parameter value), not an audit record: not counted as read"
)


def ingest(db: Path, path: Path) -> tuple[int, dict]:
    result = run_auditql("ingest", "--db", db, "--format", "json", path)
    [report] = json.loads(result.stdout)
    return result.returncode, report


def test_an_error_response_among_ndjson_pages_is_named_not_counted(tmp_path: Path) -> None:
    path = tmp_path / "pages.ndjson"
    path.write_text("".join(json.dumps(d) + "\n" for d in (PAGE1, PAGE2, ERROR)))
    code, report = ingest(tmp_path / "a.duckdb", path)
    assert code == 0
    assert (report["vendor"], report["format"]) == ("sap_cdc", "ndjson")
    # 43 + 31 records; page 2 starts with page 1's last 3 again
    assert (report["read"], report["added"], report["duplicates"], report["rejected"]) == (74, 71, 3, 0)
    assert report["read"] == report["added"] + report["duplicates"] + report["rejected"]
    assert report["notes"] == [f"line 3: {NOTE}"]
    assert rows(tmp_path / "a.duckdb", "SELECT count(*) FROM events WHERE raw->>'callId' IS NOT NULL") == [(0,)]


def test_an_error_response_in_a_json_array_of_pages_is_named_by_its_place(tmp_path: Path) -> None:
    path = tmp_path / "pages.json"
    path.write_text(json.dumps([PAGE1, ERROR, PAGE2], indent=1))
    code, report = ingest(tmp_path / "b.duckdb", path)
    assert code == 0
    assert (report["format"], report["read"], report["added"], report["rejected"]) == ("json", 74, 71, 0)
    assert report["notes"] == [f"array item 2: {NOTE}"]
    assert rows(tmp_path / "b.duckdb", "SELECT min(source_row), max(source_row) FROM events") == [(1, 74)]


def test_a_file_that_is_only_an_error_response_holds_no_records(tmp_path: Path) -> None:
    path = tmp_path / "failed_call.json"
    path.write_text(json.dumps(ERROR, indent=2))
    code, report = ingest(tmp_path / "c.duckdb", path)
    assert code == 0
    assert (report["read"], report["added"], report["rejected"]) == (0, 0, 0)
    assert report["notes"] == [f"document 1: {NOTE}"]


def test_an_audit_record_of_a_failed_call_stays_a_record(tmp_path: Path) -> None:
    records = [
        {"time": "2025-11-20T10:00:00Z", "action": "GET /users", "statusCode": 500, "user": "alice"},
        {"time": "2025-11-20T10:00:01Z", "action": "GET /users", "statusCode": 200, "errorCode": 0, "user": "bob"},
    ]
    path = tmp_path / "access.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    code, report = ingest(tmp_path / "d.duckdb", path)
    assert code == 0
    assert (report["vendor"], report["read"], report["added"], report["notes"]) == ("generic", 2, 2, [])


def test_a_one_line_json_array_is_json_not_ndjson(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(PAGE1["results"]) + "\n")
    code, report = ingest(tmp_path / "e.duckdb", path)
    assert code == 0
    assert (report["vendor"], report["format"], report["read"], report["added"]) == ("sap_cdc", "json", 43, 43)
    # every record is on the file's one line
    assert rows(tmp_path / "e.duckdb", "SELECT DISTINCT line FROM deliveries") == [(1,)]


def test_ndjson_whose_lines_are_arrays_stays_ndjson(tmp_path: Path) -> None:
    path = tmp_path / "batches.ndjson"
    path.write_text(json.dumps(PAGE1["results"][:2]) + "\n" + json.dumps(PAGE1["results"][2:5]) + "\n")
    code, report = ingest(tmp_path / "f.duckdb", path)
    assert code == 0 and (report["format"], report["read"]) == ("ndjson", 5)


def test_inspect_names_the_records_ingest_would_reject_and_why(tmp_path: Path) -> None:
    path = tmp_path / "times.csv"
    path.write_text(
        "time,user,action\n2025-11-20 10:00:00,alice,login\nyesterday,bob,logout\n,carol,x\n"
        "1800-01-01 00:00:00,dave,y\n"
    )
    shown = run_auditql("inspect", path)
    assert shown.returncode == 0, shown.stderr
    expected = [
        'would reject line 3: cannot parse time "yesterday"',
        "would reject line 4: no time value",
        'would reject line 5: time out of range "1800-01-01 00:00:00"',
    ]
    assert [ln for ln in shown.stdout.splitlines() if ln.startswith("would reject")] == expected
    # … and they are exactly what ingest rejects
    code, report = ingest(tmp_path / "g.duckdb", path)
    assert code == 1
    assert [f"would reject line {r['line']}: {r['reason']}" for r in report["rejects"]] == expected


def test_inspect_shows_the_error_response_note(tmp_path: Path) -> None:
    path = tmp_path / "pages.ndjson"
    path.write_text("".join(json.dumps(d) + "\n" for d in (PAGE1, ERROR)))
    shown = run_auditql("inspect", path)
    assert shown.returncode == 0, shown.stderr
    assert f"note: line 2: {NOTE}" in shown.stdout
    assert "format: ndjson   vendor: sap_cdc" in shown.stdout
