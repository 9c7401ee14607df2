"""The revised Deduplication rule (docs/spec/canonical-schema.md), on records in the vendors' published shapes.

Adobe's records are the two example responses of the CJA Audit Logs API reference (tests/data/adobe_cja,
copied byte for byte); the UI download's labels are Adobe's published column names. Gigya records carry the
fields SAP documents for `audit.search` results (`@timestamp`, `callID`, `errCode`, `endpoint`, `uid`, …).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from pathlib import Path

import pytest

from tests.conftest import DATA, edit, rows, run_auditql

ADOBE = [
    rec
    for name in ("auditlogs_api_example_1.json", "auditlogs_api_example_2.json")
    for rec in json.loads((DATA / "adobe_cja" / name).read_text())["content"]
]
UI_LABELS = {  # Adobe's UI download labels for the API's fields
    "Action Name": lambda r: r["action"],
    "Date Created": lambda r: r["dateCreated"],
    "Description": lambda r: r["description"],
    "User Name": lambda r: r["user"]["name"] or "",
    "Email": lambda r: r["user"]["email"] or "",
    "Component Name": lambda r: r["component"]["name"],
    "Component Type": lambda r: r["component"]["idType"],
    "Component ID": lambda r: r["component"]["id"],
    "IMS Org ID": lambda r: r["imsOrgId"],
    "User ID": lambda r: r["user"]["id"],
}


def page(records: list[dict], number: int, total: int) -> dict:
    """A CJA API page envelope (the paging fields Adobe's example shows)."""
    return {"content": records, "totalElements": total, "totalPages": 2, "number": number, "size": len(records)}


def ui_csv(records: list[dict], labels: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(labels)
    for r in records:
        writer.writerow([UI_LABELS[label](r) for label in labels])
    return buf.getvalue()


def gigya(call_id: str | None, ts: str, endpoint: str = "accounts.login", **more) -> dict:
    rec = {"@timestamp": ts, "callID": call_id, "errCode": 0, "endpoint": endpoint, "uid": "u1", "sourceIP": ""}
    if call_id is None:
        del rec["callID"]
    return rec | more


def ingest(db: Path, *files: Path) -> list[dict]:
    done = run_auditql("ingest", "--db", db, "--format", "json", *files)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def archive(db: Path) -> list[tuple]:
    return rows(
        db,
        "SELECT event_key, time, action, actor_id, actor_name, source_file, source_row, raw::VARCHAR FROM events "
        "ORDER BY event_key, source_file, source_row",
    )


def test_a_cjapy_dump_with_a_shifted_page_stores_each_id_once(tmp_path: Path) -> None:
    # cjapy's getAuditLogs(save=True) concatenates every page's `content` into one compact JSON array. Pages
    # are newest first: a new event pushed page 1's last record onto page 2, so it is in both pages.
    dump = tmp_path / "audit_logs_1700000000.json"
    dump.write_text(json.dumps(ADOBE[:2] + ADOBE[1:4]))
    (report,) = ingest(tmp_path / "a.duckdb", dump)
    assert (report["vendor"], report["read"], report["added"], report["duplicates"]) == ("adobe_cja", 5, 4, 1)
    assert rows(tmp_path / "a.duckdb", "SELECT count(*), count(DISTINCT event_id) FROM events") == [(4, 4)]


def test_gigya_cursor_page_resent_in_ndjson_of_envelopes(tmp_path: Path) -> None:
    recs = [gigya(f"c{i}", f"2015-08-16T09:0{i}:00.000Z") for i in range(5)]
    pages = [
        {"callId": "p1", "errorCode": 0, "statusCode": 200, "results": recs[:3], "nextCursorId": "x"},
        {"callId": "p2", "errorCode": 0, "statusCode": 200, "results": recs[:3], "nextCursorId": "x"},  # re-sent
        {"callId": "p3", "errorCode": 0, "statusCode": 200, "results": recs[3:], "totalCount": 5},
    ]
    f = tmp_path / "audit_pages.ndjson"
    f.write_text("".join(json.dumps(p) + "\n" for p in pages))
    (report,) = ingest(tmp_path / "a.duckdb", f)
    assert (report["read"], report["added"], report["duplicates"]) == (8, 5, 3)


@pytest.mark.parametrize(
    "labels",
    [
        list(UI_LABELS),  # every column but Log ID
        ["Action Name", "Date Created", "User Name", "Component Name"],  # a subset the user picked
    ],
    ids=["without-log-id", "column-subset"],
)
def test_cja_ui_csv_and_api_json_are_one_event_in_either_order(tmp_path: Path, labels: list[str]) -> None:
    api = tmp_path / "api_page.json"
    api.write_text(json.dumps(page(ADOBE, 0, 4)))
    ui = tmp_path / "ui_download.csv"
    ui.write_text(ui_csv(ADOBE, labels))
    first = ingest(tmp_path / "a.duckdb", ui, api)
    second = ingest(tmp_path / "b.duckdb", api, ui)
    assert [(f["added"], f["duplicates"]) for f in first] == [(4, 0), (0, 4)]
    assert [(f["added"], f["duplicates"]) for f in second] == [(4, 0), (0, 4)]
    # The same archive either way: the id-bearing API records are the events, the UI rows their twins.
    assert archive(tmp_path / "a.duckdb") == archive(tmp_path / "b.duckdb")
    assert rows(tmp_path / "a.duckdb", "SELECT count(*), count(event_id) FROM events") == [(4, 4)]
    # Every delivery is on record, and the twin's own record is kept where it differs.
    delivered = rows(
        tmp_path / "a.duckdb",
        "SELECT source_file, count(*), count(raw) FROM deliveries GROUP BY ALL ORDER BY source_file",
    )
    assert delivered == [(str(api), 4, 0), (str(ui), 4, 4)]


def test_id_less_repeats_beyond_the_ids_stay_events(tmp_path: Path) -> None:
    # Two genuine identical same-second UI rows, but only one id in the API page: two events.
    api = tmp_path / "api_page.json"
    api.write_text(json.dumps(page(ADOBE[:1], 0, 1)))
    ui = tmp_path / "ui_download.csv"
    ui.write_text(ui_csv([ADOBE[0], ADOBE[0]], ["Action Name", "Date Created", "User Name"]))
    for order, db in (((ui, api), "a.duckdb"), ((api, ui), "b.duckdb")):
        ingest(tmp_path / db, *order)
    assert rows(tmp_path / "a.duckdb", "SELECT count(*), count(event_id) FROM events") == [(2, 1)]
    assert archive(tmp_path / "a.duckdb") == archive(tmp_path / "b.duckdb")


def test_gigya_declares_no_id_less_twins_so_its_id_records_get_no_content_key(tmp_path: Path) -> None:
    # sap_cdc.toml: `twins = false` (no SAP export drops callID). Records with a callID get no content key; a
    # record saved without one is identified by its content among id-less records only, so the same call
    # saved without its callID is an event of its own, in either order, and verify holds.
    with_ids = tmp_path / "pages.ndjson"
    with_ids.write_text("".join(json.dumps(gigya(f"c{i}", f"2015-08-16T09:0{i}:00.000Z")) + "\n" for i in range(3)))
    without = tmp_path / "saved_without_callid.ndjson"
    without.write_text(json.dumps(gigya(None, "2015-08-16T09:00:00.000Z")) + "\n")
    for order, db in (((with_ids, without), "a.duckdb"), ((without, with_ids), "b.duckdb")):
        reports = ingest(tmp_path / db, *order)
        assert sorted((f["added"], f["duplicates"]) for f in reports) == [(1, 0), (3, 0)]
        assert run_auditql("verify", "--db", tmp_path / db, "--no-rehash").returncode == 0
    assert archive(tmp_path / "a.duckdb") == archive(tmp_path / "b.duckdb")
    delivered = rows(
        tmp_path / "a.duckdb",
        "SELECT event_id IS NULL, count(*), count(d.content_key) FROM deliveries d JOIN events USING (event_key) "
        "GROUP BY ALL ORDER BY ALL",
    )
    assert delivered == [(False, 3, 0), (True, 1, 1)]
    # The rule still counts the id records: deleting one is named.
    edit(tmp_path / "a.duckdb", "DELETE FROM events WHERE event_id = 'c1'")
    done = run_auditql("verify", "--db", tmp_path / "a.duckdb", "--no-rehash")
    assert done.returncode == 5
    assert f"{with_ids}: events table: 1 event it delivered is missing (deleted)" in done.stdout


def test_resolver_same_second_repeats_stay_two_and_overlap_counts_once(tmp_path: Path) -> None:
    header = "Date and Time,Subject,Event,Performed By\r\n"
    row = "2025-11-18 16:42:07,Jordan Newhire,Add User,Alex Example\r\n"
    other = "2025-11-18 16:42:06,Auditor,Update Role,Alex Example\r\n"
    one = tmp_path / "export_1.csv"
    one.write_text(header + row + row + other)
    two = tmp_path / "export_2.csv"
    two.write_text(header + row + row)
    reports = ingest(tmp_path / "a.duckdb", one, two)
    assert [(f["added"], f["duplicates"]) for f in reports] == [(3, 0), (0, 2)]


def test_a_file_mixing_spellings_maps_every_record_the_same_way_every_time(tmp_path: Path) -> None:
    recs = [
        gigya("c1", "2015-08-16T09:00:00.000Z", apikey="3_key"),
        {
            "timestamp": "2015-08-16T09:01:00.000Z",
            "callID": "c2",
            "errCode": "0",
            "endpoint": "accounts.login",
            "apiKey": "3_key",
            "params": {"uid": "u2"},
        },
        gigya("c3", "2015-08-16T09:02:00.000Z", params={"UID": "u3"}),
    ]
    f = tmp_path / "mixed.ndjson"
    f.write_text("".join(json.dumps(r) + "\n" for r in recs))
    archives = []
    for i in range(6):
        (report,) = ingest(tmp_path / f"{i}.duckdb", f)
        assert (report["read"], report["added"], report["rejected"]) == (3, 3, 0)
        archives.append(
            rows(tmp_path / f"{i}.duckdb", "SELECT event_id, time, tenant, target_id FROM events ORDER BY event_id")
        )
    assert all(a == archives[0] for a in archives)
    assert [(r[0], r[2], r[3]) for r in archives[0]] == [
        ("c1", "3_key", "u1"),
        ("c2", "3_key", "u2"),
        ("c3", None, "u3"),
    ]


def test_gigya_call_signed_with_a_user_key_names_the_key_owner(tmp_path: Path) -> None:
    rec = gigya(
        "c9",
        "2015-08-16T09:00:00.000Z",
        endpoint="accounts.setAccountInfo",
        userKey="AKey1",
        userKeyDetails={"name": "CRM sync", "description": "server app", "emailDomain": "example.com"},
        params={"UID": "u7", "loginID": "end.user@example.com"},
        uid="u7",
    )
    f = tmp_path / "signed.ndjson"
    f.write_text(json.dumps(rec) + "\n")
    ingest(tmp_path / "a.duckdb", f)
    assert rows(
        tmp_path / "a.duckdb", "SELECT actor_id, actor_name, actor_email, actor_type, target_id FROM events"
    ) == [("AKey1", "CRM sync", None, "service", "u7")]


def test_emails_are_one_spelling(tmp_path: Path) -> None:
    rec = gigya("c1", "2015-08-16T09:00:00.000Z", params={"email": "  Alex@Example.COM "})
    f = tmp_path / "one.ndjson"
    f.write_text(json.dumps(rec) + "\n")
    ingest(tmp_path / "a.duckdb", f)
    assert rows(tmp_path / "a.duckdb", "SELECT actor_email FROM events") == [("alex@example.com",)]


def test_any_order_gives_the_same_archive_and_verify_holds(tmp_path: Path) -> None:
    api = tmp_path / "api_page.json"
    api.write_text(json.dumps(page(ADOBE, 0, 4)))
    dump = tmp_path / "cja_dump.json"
    dump.write_text(json.dumps(ADOBE[:2] + ADOBE[1:]))
    ui = tmp_path / "ui.csv"
    ui.write_text(ui_csv(ADOBE + ADOBE[:1], ["Action Name", "Date Created", "Description"]))
    seen = set()
    for i, order in enumerate(itertools.permutations([api, dump, ui])):
        db = tmp_path / f"{i}.duckdb"
        reports = ingest(db, *order)
        assert all(f["read"] == f["added"] + f["duplicates"] + f["rejected"] for f in reports)
        seen.add(tuple(archive(db)))
        done = run_auditql("verify", "--db", db)
        assert done.returncode == 0, done.stdout + done.stderr
    assert len(seen) == 1
    # 4 ids; the UI download holds the first record twice, one more than there are ids for it: 5 events.
    assert len(next(iter(seen))) == 5


def test_sources_lists_every_file_that_delivered_an_event(tmp_path: Path) -> None:
    api = tmp_path / "api_page.json"
    api.write_text(json.dumps(page(ADOBE, 0, 4)))
    ui = tmp_path / "ui.csv"
    ui.write_text(ui_csv(ADOBE, ["Action Name", "Date Created"]))
    db = tmp_path / "a.duckdb"
    ingest(db, api, ui)
    done = run_auditql("sources", "--db", db, "--event", f"adobe_cja:id:{ADOBE[0]['id']}", "--format", "json")
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert [(r["source_file"], r["source_row"], r["shown"]) for r in listed] == [
        (str(api), 1, True),
        (str(ui), 1, False),
    ]


def test_sources_of_an_unknown_event_key_says_so_in_one_line(tmp_path: Path) -> None:
    """A mistyped key must not look like "no file delivered it": the empty listing, then one line, exit 2."""
    api = tmp_path / "api_page.json"
    api.write_text(json.dumps(page(ADOBE, 0, 4)))
    db = tmp_path / "a.duckdb"
    ingest(db, api)
    done = run_auditql("sources", "--db", db, "--event", "adobe_cja:id:no-such-id", "--format", "csv")
    assert done.returncode == 2
    assert done.stdout == "source_file,source_row,line,sha256,shown,differs,raw\n"
    assert done.stderr.strip().splitlines() == [
        "error: no event 'adobe_cja:id:no-such-id' is on record (keys look like 'sap_cdc:id:…' or "
        "'resolver:c:…': auditql query \"SELECT event_key FROM events LIMIT 5\" shows some)"
    ]
