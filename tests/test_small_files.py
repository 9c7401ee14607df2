"""Many small files: runs of them share one transaction (auditql/ingest/run.py, `Ingestor.files`), and the archive
they leave is the archive one transaction per file leaves — same events, deliveries, sources, rejects, field
catalog and custody entries — also when a file in the middle of a run fails or repeats another.

Records: the published CJA audit-log dump (tests/data/adobe_cja/cjapy_dump.csv, sources in SOURCE.md there) and
Resolver's user-audit-trail export (tests/data/resolver/user_audit_trail_us.csv, tests/data/README.md), each
record written to a file of its own, as a pull of one event per response would land them.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from conftest import DATA, rows

from auditql.ingest import run as ingest_module
from auditql.ingest.run import ingest

NOT_AN_EXPORT = "colour,size\nred,9\n"  # a CSV no mapping recognises: the file fails, whole


def one_record_files(folder: Path) -> list[Path]:
    """Each CJA and Resolver record as a CSV of its own (header + record), plus one undetectable file and one
    repeat of the first file's bytes under another name, in the middle of the run."""
    folder.mkdir()
    written = []
    for source, prefix in (
        (DATA / "adobe_cja" / "cjapy_dump.csv", "cja"),
        (DATA / "resolver" / "user_audit_trail_us.csv", "res"),
    ):
        table = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8-sig"), newline="")))
        for i, record in enumerate(table[1:]):
            text = io.StringIO()
            csv.writer(text, lineterminator="\n").writerows([table[0], record])
            path = folder / f"{prefix}_{i:03d}.csv"
            path.write_text(text.getvalue(), encoding="utf-8")
            written.append(path)
    (folder / "cja_005_unknown.csv").write_text(NOT_AN_EXPORT)
    (folder / "res_000_again.csv").write_bytes((folder / "res_000.csv").read_bytes())
    return written


TABLES = {
    "events": "SELECT * EXCLUDE (source_file) , replace(source_file, ?, '') FROM events ORDER BY ALL",
    "deliveries": "SELECT * EXCLUDE (source_file), replace(source_file, ?, '') FROM deliveries ORDER BY ALL",
    "sources": "SELECT * EXCLUDE (source_file, ingested_at), replace(source_file, ?, '') FROM sources ORDER BY ALL",
    "fields": "SELECT vendor, field, ? IS NOT NULL FROM fields ORDER BY ALL",
    "manifest": "SELECT kind, status, replace(source_file, ?, ''), sha256, bytes, member, vendor, format, records_read,"
    " added, duplicates, rejected, note IS NULL, deliveries_digest, rejects_digest FROM manifest"
    " ORDER BY seq",
}


def snapshot(db: Path, root: Path) -> dict[str, list[tuple]]:
    """The archive's rows, less what differs between any two runs: paths (the folder) and the time of ingest
    (`ingested_at`, and so `sources_digest`, which covers it)."""
    return {name: rows(db, sql, [str(root)]) for name, sql in TABLES.items()}


@pytest.fixture
def per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, list[tuple]], list[tuple]]:
    """The same folder ingested one transaction per file (no file counts as small): its tables and report."""
    folder = tmp_path / "exports"
    one_record_files(folder)
    monkeypatch.setattr(ingest_module, "SMALL_FILE", -1)
    report = ingest([folder], tmp_path / "one_each.duckdb")
    monkeypatch.undo()
    assert [f.source_file.removeprefix(str(folder.resolve())) for f in report.files if f.error] == [
        "/cja_005_unknown.csv"
    ]
    return snapshot(tmp_path / "one_each.duckdb", folder.resolve()), outcome(report)


def outcome(report: ingest_module.Report) -> list[tuple]:
    return [(f.source_file, f.status, f.read, f.added, f.duplicates, f.rejected, f.error) for f in report.files]


def test_a_run_of_small_files_leaves_the_archive_one_transaction_each_leaves(
    tmp_path: Path, per_file: tuple[dict[str, list[tuple]], list[tuple]], cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "exports"  # the same names and bytes as the per-file run's
    db = tmp_path / "together.duckdb"
    monkeypatch.setattr(ingest_module, "BATCH_FILES", 4)  # runs of 4: most commit whole, one falls back
    report = ingest([folder], db)
    failed = [f for f in report.files if f.error]
    assert [f.source_file for f in failed] == [str(folder.resolve() / "cja_005_unknown.csv")]
    assert outcome(report) == per_file[1]
    statuses = [f.status for f in report.files]
    assert (statuses.count("ingested"), statuses.count("presented again"), statuses.count("failed")) == (23, 3, 1)
    assert sum(f.added for f in report.files) == rows(db, "SELECT count(*) FROM events")[0][0]
    assert snapshot(db, folder.resolve()) == per_file[0]
    assert (
        rows(db, "SELECT count(*) FROM fields")[0][0]
        == rows(db, "SELECT count(DISTINCT (vendor, field)) FROM fields")[0][0]
    )
    result = cli("verify", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "the chain of custody holds" in result.output


def test_a_zip_of_one_record_members(tmp_path: Path, cli) -> None:
    folder = tmp_path / "exports"
    files = one_record_files(folder)
    archive = tmp_path / "pull.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in files:
            zf.write(path, path.name)
    db = tmp_path / "zip.duckdb"
    report = ingest([archive], db)
    assert [f.error for f in report.files] == [None] * len(files)
    assert len(files) == 25
    added = sum(f.added for f in report.files)
    assert rows(db, "SELECT count(*), count(DISTINCT source_file) FROM events") == [(added, added)]
    assert rows(db, "SELECT kind, count(*) FROM manifest GROUP BY kind ORDER BY kind") == [
        ("archive", 1),
        ("member", 25),
        ("start", 1),
    ]
    result = cli("verify", "--db", str(db))
    assert result.exit_code == 0, result.output
