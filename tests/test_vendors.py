"""Detection by signature, synonym-tolerant headers, the time formats, and user mapping files."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLES, rows

from auditql.db import connections
from auditql.errors import UsageError
from auditql.ingest.run import ingest
from auditql.read import formats
from auditql.vendors import load_registry
from auditql.vendors.detect import detect, resolve


@pytest.mark.parametrize(
    ("path", "vendor"),
    [
        ("sas_ci360/audit_records_2025-03-01.parquet", "sas_ci360"),
        ("sas_ci360/audit_records_2025-03-02.csv", "sas_ci360"),
        ("resolver/user_audit_trail_export_1.csv", "resolver"),
        ("resolver/user_audit_trail_us_format.csv", "resolver"),
        ("sap_cdc/audit_search_page1.json", "sap_cdc"),
        ("sap_cdc/audit_export.ndjson", "sap_cdc"),
        ("adobe_cja/auditlogs_ui_export.csv", "adobe_cja"),
        ("adobe_cja/auditlogs_ui_export.json", "adobe_cja"),
        ("adobe_cja/auditlogs_api_page.json", "adobe_cja"),
    ],
)
def test_each_sample_is_detected_as_its_vendor(path: str, vendor: str) -> None:
    con = connections.scratch()
    records = formats.read(con, SAMPLES / path, path)
    assert detect(records.fields, load_registry()).name == vendor


@pytest.mark.parametrize(
    ("header", "vendor"),
    [
        ("Date and Time,Subject,Event,Performed By", "resolver"),
        ("date_and_time,SUBJECT,event,performedBy", "resolver"),
        ("Time,Subject,Event,Performed By,Subject Type", "resolver"),
        # Looks like Resolver but has no "Performed By": must not be taken for it.
        ("Date and Time,Subject,Event", "generic"),
        ("Action Name,Date Created,Email", "adobe_cja"),
        ("Time (UTC),Object,Object Name,Action,User,Agent", "broadcom_portal"),
        # Broadcom-like without its Object column is just a generic audit file.
        ("Time (UTC),Action,User", "generic"),
        ("timestamp,user_id,action,object_type,source", "sas_ci360"),
        ("timestamp,user_id,action,object_type", "generic"),
    ],
)
def test_detection_by_header_names(header: str, vendor: str) -> None:
    assert detect(header.split(","), load_registry()).name == vendor


def test_synonym_headers_feed_the_same_columns(tmp_path: Path) -> None:
    f = tmp_path / "odd.csv"
    f.write_text("performed_by,EVENT,date and time,subject\nAlex Example,Delete User,2025-02-03 04:05:06,Sam Example\n")
    report = ingest([f], tmp_path / "a.duckdb")
    assert report.files[0].vendor == "resolver"
    got = rows(tmp_path / "a.duckdb", "SELECT actor_name, action, category, target_name, time::VARCHAR FROM events")
    assert got == [("Alex Example", "Delete User", "delete", "Sam Example", "2025-02-03 04:05:06+00")]
    assert resolve(load_registry()["resolver"], ["performed_by", "EVENT"]) == {
        "actor_name": ["performed_by"],
        "action": ["EVENT"],
    }


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2015-08-16T10:20:30.123Z", "2015-08-16 10:20:30.123+00"),
        ("2021-09-30T06:30:42.968+00:00", "2021-09-30 06:30:42.968+00"),
        ("2025-03-01T12:00:00+02:00", "2025-03-01 10:00:00+00"),
        ("2025-03-01 12:00:00", "2025-03-01 12:00:00+00"),
        ("2025-03-01", "2025-03-01 00:00:00+00"),
        ("11/20/2025 01:02:03 PM", "2025-11-20 13:02:03+00"),
        ("11/20/2025 13:02:03", "2025-11-20 13:02:03+00"),
        ("1732060800", "2024-11-20 00:00:00+00"),
        ("1732060800123", "2024-11-20 00:00:00.123+00"),
        ("1732060800123456", "2024-11-20 00:00:00.123456+00"),
        ("1732060800.5", "2024-11-20 00:00:00.5+00"),
        ("not a time", None),
        ("", None),
    ],
)
def test_time_formats(text: str, utc: str | None) -> None:
    con = connections.scratch()
    got = con.execute(
        "SELECT aq_parse_time(nullif(?, ''), ['%m/%d/%Y %I:%M:%S %p', '%m/%d/%Y %H:%M:%S'])::VARCHAR", [text]
    ).fetchone()[0]
    assert got == utc


MY_VENDOR = """
name = "acme_sso"
title = "ACME SSO sign-in log"
[detect]
require = [["signin_at"], ["principal_name"]]
[columns]
time = ["signin_at"]
actor_name = ["principal_name"]
action = ["result"]
source_ip = ["client_addr"]
[[category]]
when = "action"
like = ["%"]
then = "login"
[[outcome]]
when = "action"
like = ["DENIED"]
then = "failure"
"""


def test_a_user_mapping_file_adds_a_vendor_without_python(tmp_path: Path) -> None:
    mapping = tmp_path / "acme.toml"
    mapping.write_text(MY_VENDOR)
    f = tmp_path / "signins.csv"
    f.write_text("signin_at,principal_name,result,client_addr\n2025-05-05T05:05:05Z,Alex Example,DENIED,192.0.2.7\n")
    report = ingest([f], tmp_path / "a.duckdb", mappings=[mapping])
    assert report.files[0].vendor == "acme_sso"
    got = rows(tmp_path / "a.duckdb", "SELECT vendor, actor_name, category, outcome, source_ip FROM events")
    assert got == [("acme_sso", "Alex Example", "login", "failure", "192.0.2.7")]


def test_user_mapping_folder_is_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "mappings"
    folder.mkdir()
    (folder / "acme.toml").write_text(MY_VENDOR)
    monkeypatch.setenv("AUDITQL_MAPPINGS", str(folder))
    assert "acme_sso" in load_registry().names()


def test_a_broken_mapping_names_its_file_and_the_valid_choices(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(MY_VENDOR.replace('then = "login"', 'then = "signin"'))
    with pytest.raises(UsageError, match=r"bad\.toml.*'signin' is not a category\. Try one of: create, read"):
        load_registry([bad])


def test_unknown_vendor_names_the_valid_choices() -> None:
    with pytest.raises(UsageError, match=r"'gigya' is not a vendor\. Try one of: sas_ci360, resolver, sap_cdc"):
        load_registry()["gigya"]


def test_vendor_override_reads_with_the_named_mapping(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("Time,Subject,Event,Performed By\n2025-01-01 00:00:00,a,Add User,b\n")
    report = ingest([f], tmp_path / "a.duckdb", vendor="generic")
    assert report.files[0].vendor == "generic"
