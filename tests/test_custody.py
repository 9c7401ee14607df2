"""Chain of custody: every file presented to ingest gets a hash-chained manifest entry (archives and their
members too, also when presented again or refused), `auditql verify` recomputes the chain and re-hashes the
source files, and every kind of tampering is reported by entry and file with exit 5."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import duckdb
import pytest
from conftest import SAMPLES, rows
from conftest import edit as tamper

from auditql.errors import ExitCode
from auditql.ingest.run import ingest

RESOLVER_1 = SAMPLES / "resolver" / "user_audit_trail_export_1.csv"
RESOLVER_2 = SAMPLES / "resolver" / "user_audit_trail_export_2.csv"
BROADCOM_ZIP = SAMPLES / "broadcom_portal" / "audits_export_csv.zip"
HASHED = (
    "seq, prev_hash, kind, status, source_file, path, member, sha256, bytes, vendor, format, records_read, added, "
    "duplicates, rejected, strftime(ingested_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') AS ingested_at, "
    "tool_version, note, deliveries_digest, rejects_digest, sources_digest, events_digest"
)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Copies of a few samples (so tests may change them) ingested into an archive built once."""
    folder = tmp_path_factory.mktemp("custody")
    exports = folder / "exports"
    exports.mkdir()
    for sample in (RESOLVER_1, RESOLVER_2, BROADCOM_ZIP, SAMPLES / "sap_cdc" / "audit_search_page1.json"):
        shutil.copy(sample, exports / sample.name)
    report = ingest([exports], folder / "archive.duckdb")
    assert report.ok
    return folder


@pytest.fixture
def archive(pristine: Path, tmp_path: Path) -> Path:
    """A private copy of the archive and its exports, same layout, so source paths resolve to the copy."""
    shutil.copytree(pristine / "exports", tmp_path / "exports")
    db = tmp_path / "archive.duckdb"
    ingest([tmp_path / "exports"], db)
    return db


def manifest(db: Path, columns: str = "seq, kind, status, source_file, member, records_read, added") -> list[tuple]:
    return rows(db, f"SELECT {columns} FROM manifest ORDER BY seq")


def verify_json(cli, db: Path, *options: str) -> tuple[int, dict]:
    result = cli("verify", "--db", db, "--format", "json", *options)
    return result.exit_code, json.loads(result.stdout)


# --- what ingest records ------------------------------------------------------------------------------------


def test_one_entry_per_file_archive_and_member_after_a_start_entry(archive: Path) -> None:
    exports = archive.parent / "exports"
    zip_path = str(exports / BROADCOM_ZIP.name)
    assert manifest(archive) == [
        (1, "start", "started", None, None, None, None),
        (2, "file", "ingested", str(exports / "audit_search_page1.json"), None, 43, 43),
        (3, "archive", "unpacked", zip_path, None, None, None),
        (4, "member", "ingested", zip_path + "!audits.csv", "audits.csv", 40, 40),
        (5, "file", "ingested", str(exports / RESOLVER_1.name), None, 42, 42),
        (6, "file", "ingested", str(exports / RESOLVER_2.name), None, 36, 34),
    ]


def test_entries_record_hashes_of_the_bytes_size_version_and_where_to_find_them(archive: Path) -> None:
    exports = archive.parent / "exports"
    got = {r[0]: r[1:] for r in manifest(archive, "seq, path, sha256, bytes, tool_version, vendor, format")}
    zip_bytes = (exports / BROADCOM_ZIP.name).read_bytes()
    with zipfile.ZipFile(exports / BROADCOM_ZIP.name) as zf:
        member_bytes = zf.read("audits.csv")
    resolver = (exports / RESOLVER_1.name).read_bytes()
    zip_sha = hashlib.sha256(zip_bytes).hexdigest()
    assert got[3] == (str(exports / BROADCOM_ZIP.name), zip_sha, len(zip_bytes), "0.1.0", None, None)
    assert got[4] == (
        str(exports / BROADCOM_ZIP.name),
        hashlib.sha256(member_bytes).hexdigest(),
        len(member_bytes),
        "0.1.0",
        "broadcom_portal",
        "csv",
    )
    assert got[5] == (
        str(exports / RESOLVER_1.name),
        hashlib.sha256(resolver).hexdigest(),
        len(resolver),
        "0.1.0",
        "resolver",
        "csv",
    )
    # the sources row of each ingested file carries the same hash
    assert rows(archive, "SELECT sha256 FROM sources WHERE source_file = ?", [str(exports / RESOLVER_1.name)]) == [
        (hashlib.sha256(resolver).hexdigest(),)
    ]


def test_chain_recomputes_with_the_documented_recipe(archive: Path) -> None:
    """ingest/custody.py's docstring: SHA-256 over sorted-key compact JSON of every other column, chained by
    prev_hash."""
    con = duckdb.connect(str(archive), read_only=True)
    cur = con.execute(f"SELECT {HASHED}, entry_hash FROM manifest ORDER BY seq")
    names = [d[0] for d in cur.description]
    entries = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    con.close()
    prev = "0" * 64
    for entry in entries:
        stored = entry.pop("entry_hash")
        assert entry["prev_hash"] == prev
        # the content digests are hashed only when not NULL (a start entry has none; nor have older entries)
        entry = {k: v for k, v in entry.items() if not (k.endswith("_digest") and v is None)}
        text = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256(text.encode()).hexdigest() == stored
        prev = stored
    assert len(entries) == 6


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq not installed")
def test_an_auditor_can_recompute_an_entry_hash_with_jq(archive: Path, tmp_path: Path) -> None:
    (tmp_path / "odd näme.csv").write_bytes(RESOLVER_1.read_bytes().replace(b"Alex Example", b"Alex Ex\xc3\xa4mple"))
    ingest([tmp_path / "odd näme.csv"], archive)
    con = duckdb.connect(str(archive), read_only=True)
    entry = con.execute(f"SELECT to_json(m) FROM (SELECT {HASHED} FROM manifest WHERE seq = 7) m").fetchone()[0]
    stored = con.execute("SELECT entry_hash FROM manifest WHERE seq = 7").fetchone()[0]
    con.close()
    # a NULL content digest is not hashed (docs/custody.md): the filter drops exactly those keys
    recipe = 'with_entries(select(.value != null or (.key | endswith("_digest") | not)))'
    canonical = subprocess.run(["jq", "-cjS", recipe], input=entry.encode(), capture_output=True, check=True).stdout
    assert "odd näme.csv".encode() in canonical
    assert hashlib.sha256(canonical).hexdigest() == stored


def test_identical_bytes_presented_again_are_recorded_without_reading(archive: Path) -> None:
    again = archive.parent / "copy of export 1.csv"
    shutil.copy(RESOLVER_1, again)
    report = ingest([again], archive)
    assert [(f.status, f.read, f.added, f.duplicates) for f in report.files] == [("presented again", 42, 0, 42)]
    assert manifest(archive)[-1] == (7, "file", "presented again", str(again), None, 42, 0)


def test_refused_archive_and_unreadable_file_are_recorded_as_failed(archive: Path, tmp_path: Path) -> None:
    before = rows(archive, "SELECT count(*) FROM events")
    (tmp_path / "export.zip").write_bytes(b"this is not a zip at all")
    (tmp_path / "empty.csv").write_bytes(b"")
    ingest([tmp_path / "export.zip", tmp_path / "empty.csv"], archive)
    got = manifest(archive, "seq, kind, status, sha256, bytes, note")[-2:]
    assert [g[:5] for g in got] == [
        (7, "archive", "failed", hashlib.sha256(b"this is not a zip at all").hexdigest(), 24),
        (8, "file", "failed", hashlib.sha256(b"").hexdigest(), 0),
    ]
    assert "not a valid zip archive" in got[0][5] and "empty file" in got[1][5]
    assert rows(archive, "SELECT count(*) FROM events") == before


def test_archive_made_before_the_manifest_still_opens_and_starts_a_chain(archive: Path, tmp_path: Path, cli) -> None:
    tamper(archive, "DROP TABLE manifest")  # an archive from before the manifest, or one whose manifest was dropped
    result = cli("verify", "--db", archive)
    # the two cannot be told apart, and neither can vouch for its events: no custody record, never "holds"
    assert result.exit_code == ExitCode.VERIFY_FAILED
    assert (
        "PROBLEM: no custody record: the archive holds 159 events but no manifest table (dropped, or made before "
        "auditql kept one); nothing about its events can be verified"
    ) in result.stdout
    assert "the chain of custody holds" not in result.stdout
    listed = json.loads(cli("sources", "--db", archive, "--format", "json").stdout)
    assert len(listed) == 4 and "seq" not in listed[0]

    late = tmp_path / "late.json"
    shutil.copy(SAMPLES / "sap_cdc" / "audit_search_page2.json", late)
    assert ingest([late], archive).ok
    assert manifest(archive, "seq, kind, status, note") == [
        (1, "start", "started", "custody records begin; 4 earlier sources rows are not covered"),
        (2, "file", "ingested", None),
    ]
    code, report = verify_json(cli, archive)
    assert code == 0 and report["ok"] is True and report["entries"] == 2
    assert report["warnings"] == ["4 files ingested before custody records began: not covered"]
    exports = archive.parent / "exports"
    names = ["audit_search_page1.json", BROADCOM_ZIP.name + "!audits.csv", RESOLVER_1.name, RESOLVER_2.name]
    assert report["uncovered"] == [str(exports / name) for name in names]
    listed = json.loads(cli("sources", "--db", archive, "--format", "json").stdout)
    assert [(s["seq"], s["status"]) for s in listed] == [(None, "no custody entry")] * 4 + [
        (1, "started"),
        (2, "ingested"),
    ]


# --- auditql sources ----------------------------------------------------------------------------------------


def test_sources_lists_entries_with_hashes_and_time_span(archive: Path, cli) -> None:
    result = cli("sources", "--db", archive, "--format", "json")
    assert result.exit_code == 0
    listed = json.loads(result.stdout)
    chain = dict(manifest(archive, "seq, entry_hash"))
    assert [(s["seq"], s["kind"], s["entry_hash"]) for s in listed] == [
        (seq, kind, chain[seq][:16]) for seq, kind in manifest(archive, "seq, kind")
    ]
    resolver = next(s for s in listed if s["seq"] == 5)
    assert resolver["sha256"] == hashlib.sha256(RESOLVER_1.read_bytes()).hexdigest()
    assert (resolver["records_read"], resolver["added"], resolver["first_time"]) == (42, 42, "2025-11-18T16:42:07.000Z")


# --- auditql verify -----------------------------------------------------------------------------------------


def test_verify_an_intact_archive(archive: Path, cli) -> None:
    result = cli("verify", "--db", archive)
    assert result.exit_code == 0
    head = manifest(archive, "entry_hash")[-1][0]
    assert f"chain: 6 entries, head {head}" in result.stdout
    assert "events: 159" in result.stdout
    assert "source files: 4 re-hashed, 0 not checked" in result.stdout
    assert result.stdout.rstrip().endswith("verified: the chain of custody holds")
    code, report = verify_json(cli, archive, "--anchor", head)
    assert code == 0
    assert [(Path(f["path"]).name, f["seq"], f["status"]) for f in report["files"]] == [
        ("audit_search_page1.json", 2, "ok"),
        (BROADCOM_ZIP.name, 3, "ok"),
        (RESOLVER_1.name, 5, "ok"),
        (RESOLVER_2.name, 6, "ok"),
    ]
    assert report["problems"] == [] and report["warnings"] == []


def test_verify_as_a_subprocess_has_the_documented_exit_code(archive: Path) -> None:
    from conftest import run_auditql

    assert run_auditql("verify", "--db", archive).returncode == 0
    tamper(archive, "UPDATE manifest SET added = 41 WHERE seq = 5")
    done = run_auditql("verify", "--db", archive)
    assert done.returncode == ExitCode.VERIFY_FAILED == 5
    assert "error: verification failed: 3 problems (listed above)" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("statements", "problems"),
    [
        pytest.param(
            ["UPDATE manifest SET note = 'nothing to see' WHERE seq = 2"],
            ["entry 2 ({exports}/audit_search_page1.json): edited — its content no longer matches its hash"],
            id="edited-entry",
        ),
        pytest.param(
            ["UPDATE manifest SET added = 41, duplicates = 1 WHERE seq = 5"],
            [
                "entry 5 ({exports}/user_audit_trail_export_1.csv): edited — its content no longer matches its hash",
                "the archive holds 159 events, the manifest's entries added 158",
            ],
            id="edited-counts",
        ),
        pytest.param(
            ["DELETE FROM manifest WHERE seq = 2"],
            [
                "entry 2: missing from the manifest (deleted)",
                "entry 3 ({exports}/audits_export_csv.zip): does not follow the entry before it — an entry "
                "was deleted, inserted or reordered",
                "{exports}/audit_search_page1.json: the archive holds 43 delivered records from it, the manifest "
                "says 0",
                "{exports}/audit_search_page1.json: 1 sources rows but 0 custody entries",
                "the archive holds 159 events, the manifest's entries added 116",
            ],
            id="deleted-entry",
        ),
        pytest.param(
            ["DELETE FROM manifest WHERE seq = 6"],
            [
                "{exports}/user_audit_trail_export_2.csv: the archive holds 36 delivered records from it, the "
                "manifest says 0",
                "{exports}/user_audit_trail_export_2.csv: 1 sources rows but 0 custody entries",
                "the archive holds 159 events, the manifest's entries added 125",
            ],
            id="deleted-last-entry",
        ),
        pytest.param(
            [
                "UPDATE manifest SET seq = 100 WHERE seq = 4",
                "UPDATE manifest SET seq = 4 WHERE seq = 5",
                "UPDATE manifest SET seq = 5 WHERE seq = 100",
            ],
            [
                "entry 4 ({exports}/user_audit_trail_export_1.csv): does not follow the entry before it — an entry "
                "was deleted, inserted or reordered",
                "entry 4 ({exports}/user_audit_trail_export_1.csv): edited — its content no longer matches its hash",
                "entry 5 ({exports}/audits_export_csv.zip!audits.csv): does not follow the entry before it — an "
                "entry was deleted, inserted or reordered",
                "entry 5 ({exports}/audits_export_csv.zip!audits.csv): edited — its content no longer matches its hash",
                "entry 6 ({exports}/user_audit_trail_export_2.csv): does not follow the entry before it — an entry "
                "was deleted, inserted or reordered",
            ],
            id="reordered-entries",
        ),
        pytest.param(
            ["DELETE FROM events WHERE source_file LIKE '%export_1.csv' AND source_row <= 2"],
            # deliveries still record both rows: the count says so, the Deduplication rule names the file
            [
                "the archive holds 157 events, the manifest's entries added 159",
                "{exports}/user_audit_trail_export_1.csv: events table: 2 events it delivered are missing (deleted)",
            ],
            id="deleted-events",
        ),
        pytest.param(
            ["DELETE FROM sources WHERE source_file LIKE '%page1.json'"],
            ["{exports}/audit_search_page1.json: 0 sources rows but 1 custody entries"],
            id="deleted-sources-row",
        ),
        pytest.param(
            ["INSERT INTO rejects VALUES ('/elsewhere/x.csv', 2, 1, 'made up', 'a,b', now())"],
            ["/elsewhere/x.csv: 1 rejected records kept, the manifest says 0"],
            id="inserted-reject",
        ),
    ],
)
def test_verify_names_every_kind_of_tampering(archive: Path, cli, statements: list[str], problems: list[str]) -> None:
    tamper(archive, *statements)
    code, report = verify_json(cli, archive, "--no-rehash")
    exports = archive.parent / "exports"
    assert report["problems"] == [p.format(exports=exports) for p in problems]
    assert code == (ExitCode.VERIFY_FAILED if problems else 0)


def test_verify_catches_a_chain_rewritten_from_scratch_only_with_an_anchor(archive: Path, cli) -> None:
    from auditql.ingest import custody

    head = manifest(archive, "entry_hash")[-1][0]
    con = duckdb.connect(str(archive))  # a forger who knows the recipe re-chains edited entries
    kept = con.execute("SELECT * EXCLUDE (seq, prev_hash, entry_hash, ingested_at) FROM manifest ORDER BY seq")
    names = [d[0] for d in kept.description]
    entries = [dict(zip(names, r, strict=True)) for r in kept.fetchall()]
    con.execute("DELETE FROM manifest")
    for entry in entries:
        custody.append(con, custody.Entry(**entry))
    con.close()
    assert verify_json(cli, archive)[0] == 0
    code, report = verify_json(cli, archive, "--anchor", head)
    assert code == ExitCode.VERIFY_FAILED
    assert report["problems"] == [f"anchor {head}: no entry has this hash — the chain was rewritten or truncated"]


def test_verify_rehashes_source_files_changed_or_missing(archive: Path, cli) -> None:
    exports = archive.parent / "exports"
    (exports / RESOLVER_2.name).unlink()
    code, report = verify_json(cli, archive)
    assert code == 0
    assert {Path(f["path"]).name: f["status"] for f in report["files"]}[RESOLVER_2.name] == "missing — not checked"

    with (exports / RESOLVER_1.name).open("ab") as fh:
        fh.write(b"2025-11-21 10:00:00,Extra,Delete User,Mallory,User,,\n")
    result = cli("verify", "--db", archive)
    assert result.exit_code == ExitCode.VERIFY_FAILED
    now = hashlib.sha256((exports / RESOLVER_1.name).read_bytes()).hexdigest()
    assert f"PROBLEM: {exports / RESOLVER_1.name}: changed since entry 5 (sha256 now {now})" in result.stdout
    assert f"{exports / RESOLVER_2.name}" in result.stdout and "missing — not checked" in result.stdout
    assert "error: verification failed: 1 problem (listed above)" in result.stderr


def test_a_changed_file_ingested_again_verifies_against_its_latest_entry(archive: Path, cli) -> None:
    exports = archive.parent / "exports"
    with (exports / RESOLVER_1.name).open("ab") as fh:
        fh.write(b"2025-11-21 10:00:00,Extra,Delete User,Mallory,User,,\n")
    report = ingest([exports / RESOLVER_1.name], archive)
    assert [(f.read, f.added, f.duplicates) for f in report.files] == [(43, 1, 42)]
    code, verdict = verify_json(cli, archive)
    assert code == 0, verdict["problems"]
    assert {Path(f["path"]).name: (f["seq"], f["status"]) for f in verdict["files"]}[RESOLVER_1.name] == (7, "ok")


def test_help_documents_exit_code_5(cli) -> None:
    assert "5 verification failed" in cli("--help").stdout
    result = cli("verify", "--help")
    assert result.exit_code == 0 and "auditql verify --format json" in result.stdout
