"""Resolver's Data Audit Archive Export is `resolver`, not `generic`: its published columns (Date and Time,
Unique ID, Object ID, Object Name, Action, Applied to, Value, JSON, By User; source cited in
tests/data/README.md) map to time, target, action, message and actor, while the User Audit Trail still reads
as before and Broadcom's look-alike header (Time, Object Name, Action, User) stays Broadcom."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DATA, rows, run_auditql

from auditql.vendors import load_registry
from auditql.vendors.detect import detect

ARCHIVE = DATA / "resolver" / "data_audit_archive_export.csv"
USER_TRAIL = DATA / "resolver" / "user_audit_trail_us.csv"
ARCHIVE_HEADER = ["Date and Time", "Unique ID", "Object ID", "Object Name", "Action", "Applied to", "Value", "JSON"]


def ingest_json(db: Path, *files: Path) -> list[dict]:
    result = run_auditql("ingest", "--db", db, "--format", "json", *files)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("header", "vendor"),
    [
        ([*ARCHIVE_HEADER, "By User"], "resolver"),
        (["Date and Time", "Subject", "Event", "Performed By"], "resolver"),
        (["Time (UTC)", "Object", "Object Name", "Action", "User", "Agent"], "broadcom_portal"),
        (ARCHIVE_HEADER, "generic"),  # without its actor column it is no Resolver export anyone could tell
    ],
)
def test_detection_tells_the_two_resolver_exports_and_broadcom_apart(header: list[str], vendor: str) -> None:
    assert detect(header, load_registry()).name == vendor


def test_archive_export_ingests_as_resolver_with_its_actor_target_and_action(tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    [result] = ingest_json(db, ARCHIVE)
    assert (result["vendor"], result["format"]) == ("resolver", "csv")
    assert (result["read"], result["added"], result["duplicates"], result["rejected"]) == (12, 12, 0, 0)
    assert rows(db, "SELECT count(*) FROM events WHERE actor_name IS NULL OR action IS NULL") == [(0,)]
    first = rows(
        db,
        "SELECT strftime(time, '%Y-%m-%d %H:%M:%S'), action, actor_name, actor_type, target_id, target_name, "
        "message, category, event_id FROM events WHERE source_row = 1",
    )
    assert first == [
        (
            "2020-03-18 16:02:11",
            "Update Object",
            "Priya Shah",
            "user",
            "50231",
            "Forklift collision, Dock 4",
            "Status",
            "update",
            None,  # Unique ID names the object (INC-1042 has 6 rows), so it is no event id
        )
    ]
    assert rows(db, "SELECT raw->>'Unique ID', raw->>'Value' FROM events WHERE source_row = 1") == [
        ("INC-1042", "Closed")
    ]
    assert rows(db, "SELECT count(*) FROM events WHERE target_id = '50231'") == [(6,)]
    assert rows(db, "SELECT DISTINCT actor_name FROM events WHERE action = 'Add Object'") == [
        ("Jordan Lee impersonated by Admin Kim",)
    ]
    # the identical same-second pair is two events, as the published README counts them
    assert rows(db, "SELECT count(*) FROM events WHERE action = 'Add Relationship'") == [(2,)]


def test_archive_export_again_adds_nothing_and_the_user_trail_still_maps(tmp_path: Path) -> None:
    db = tmp_path / "b.duckdb"
    ingest_json(db, ARCHIVE)
    copy = tmp_path / "archive_copy.csv"
    copy.write_bytes(ARCHIVE.read_bytes().replace(b"\n", b"\r\n"))  # other bytes, same records
    [again] = ingest_json(db, copy)
    assert (again["vendor"], again["read"], again["added"], again["duplicates"]) == ("resolver", 12, 0, 12)
    [trail] = ingest_json(db, USER_TRAIL)
    assert (trail["vendor"], trail["read"], trail["rejected"]) == ("resolver", 13, 0)
    assert rows(db, f"SELECT count(*) FROM events WHERE source_file LIKE '%{USER_TRAIL.name}' AND message IS NULL") == [
        (13,)
    ]


def test_inspect_shows_where_the_archive_columns_go(tmp_path: Path) -> None:
    result = run_auditql("inspect", ARCHIVE)
    assert result.returncode == 0, result.stderr
    assert "vendor: resolver" in result.stdout
    for column, field in [
        ("actor_name", "By User"),
        ("action", "Action"),
        ("target_id", "Object ID"),
        ("target_name", "Object Name"),
        ("message", "Applied to"),
        ("time", "Date and Time"),
    ]:
        assert f"{column:<12} ← {field}\n" in result.stdout
    assert "only in raw: Unique ID, Value, JSON" in result.stdout
