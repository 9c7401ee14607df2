"""File names that are glob patterns to DuckDB: its readers take every path as a pattern, so ingesting
`export[1].csv` read `export1.csv` beside it, and `b*.csv` read every `b….csv` in the folder, all stored
under the one name with the named file's SHA-256 (found by the `small` helper, confirmed by hand). Each
reader now names exactly its file (auditql/sql.py's `sql_file`); real sample exports, real CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import SAMPLES

from auditql import api

# (a sample, the name it is given, a different sample given the name the pattern also matches)
CASES = [
    ("resolver/user_audit_trail_export_1.csv", "export[1].csv",
     "resolver/user_audit_trail_export_2.csv", "export1.csv"),
    ("sap_cdc/audit_export.ndjson", "gigya?.ndjson", "sap_cdc/audit_search_pages.ndjson", "gigyaX.ndjson"),
    ("sas_ci360/AuditDataFile0_11202025101500.parquet", "ci360*.parquet",
     "sas_ci360/audit_records_2025-03-01.parquet", "ci360-more.parquet"),
]  # fmt: skip


def stored(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT source_file, count(*) FROM events GROUP BY ALL ORDER BY ALL").fetchall()
    finally:
        con.close()


def records(sample: str, tmp_path: Path) -> int:
    """How many events the sample alone gives, ingested under a plain name."""
    plain = tmp_path / "plain" / Path(sample).name
    plain.parent.mkdir(exist_ok=True)
    shutil.copyfile(SAMPLES / sample, plain)
    db = tmp_path / "plain.duckdb"
    db.unlink(missing_ok=True)
    assert api.ingest([plain], db).ok
    return stored(db)[0][1]


@pytest.mark.parametrize(("sample", "name", "other", "other_name"), CASES, ids=["brackets", "question", "star"])
def test_a_file_named_like_a_pattern_is_read_alone(
    tmp_path: Path, cli, sample: str, name: str, other: str, other_name: str
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copyfile(SAMPLES / sample, folder / name)
    shutil.copyfile(SAMPLES / other, folder / other_name)  # what the pattern would also (or instead) match
    db = tmp_path / "archive.duckdb"
    result = cli("ingest", "--db", db, folder / name)
    assert result.exit_code == 0, result.output
    assert stored(db) == [(str(folder / name), records(sample, tmp_path))]
    assert api.verify(db).ok


def test_a_dataset_in_a_folder_named_like_a_pattern(sample_db: Path, tmp_path: Path, cli) -> None:
    root = tmp_path / "[2025]" / "audit*"
    root.parent.mkdir()
    assert cli("export", "--db", sample_db, "--to", root).exit_code == 0
    assert cli("ingest", "--db", root, SAMPLES / "resolver").exit_code == 0  # adds nothing, rewrites no part
    assert cli("export", "--db", root, "--to", tmp_path / "[2025]" / "subset", "vendor = 'resolver'").exit_code == 0
    for db in (root, tmp_path / "[2025]" / "subset"):
        verified = cli("verify", "--db", db)
        assert verified.exit_code == 0, verified.output
    back = tmp_path / "back.duckdb"
    assert cli("ingest", "--db", back, root).exit_code == 0
    assert sum(n for _, n in stored(back)) == 492
