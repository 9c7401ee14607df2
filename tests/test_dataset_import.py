"""`auditql ingest --db FILE DATASET/`: a dataset `auditql export` wrote is imported with its custody —
verified first (a tampered or partial dataset is refused in one line, exit 5), then merged by the
Deduplication rule into a new or an existing archive file, after which `auditql verify` holds. Through the
real CLI, on the real sample exports, compared row for row (SQL EXCEPT both ways) with archives of the same
files ingested directly."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import SAMPLES, run_auditql

from auditql import api

# A split of the samples whose halves share events: the Adobe CJA UI downloads (no ids) against the API's
# JSON (with ids), SAP CDC's paged search against its NDJSON dump, SAS CI360's CSV against its Parquet.
FIRST_HALF = [
    "adobe_cja/auditlogs_ui_export.csv",
    "adobe_cja/auditlogs_ui_download_subset.csv",
    "sap_cdc/audit_search_page1.json",
    "sas_ci360/AuditDataFile0_11202025101500.csv",
    "resolver/user_audit_trail_export_1.csv",
]
SECOND_HALF = [
    "adobe_cja/auditlogs_ui_export.json",
    "adobe_cja/auditlogs_api_page.json",
    "adobe_cja/audit_logs_1763719200.json",
    "sap_cdc/audit_search_pages.ndjson",
    "sap_cdc/audit_export.ndjson",
    "sas_ci360/AuditDataFile0_11202025101500.parquet",
    "resolver/user_audit_trail_export_1.csv",  # in both: its second copy adds nothing
    "broadcom_portal/audits_export_csv.zip",
]
SUBSET = "outcome = 'failure' OR vendor = 'adobe_cja'"
COLUMNS = "* EXCLUDE (raw), raw::VARCHAR AS raw"  # JSON compared as its text


def differences(a: Path, b: Path, where: str = "true") -> tuple[int, int]:
    """Events of `a` not in `b`, and of `b` not in `a` (as multisets; `where` filters `b`)."""
    con = duckdb.connect(str(a), read_only=True)
    try:
        con.execute(f"ATTACH '{b}' AS other (READ_ONLY)")
        mine = f"SELECT {COLUMNS} FROM events"
        theirs = f"SELECT {COLUMNS} FROM other.events WHERE {where}"
        one = con.execute(f"SELECT count(*) FROM ({mine} EXCEPT ALL {theirs})").fetchone()
        two = con.execute(f"SELECT count(*) FROM ({theirs} EXCEPT ALL {mine})").fetchone()
        return (one[0] if one else -1), (two[0] if two else -1)
    finally:
        con.close()


def scalar(db: Path, sql: str) -> object:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(sql).fetchone()
        return row[0] if row else None
    finally:
        con.close()


def totals(output: str) -> list[int]:
    """read, added, duplicates, rejected from the `total` line of the ingest table."""
    line = next(line for line in output.splitlines() if line.startswith("total"))
    return [int(n) for n in line.split()[1:]]


@pytest.fixture(scope="module")
def dataset(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("import") / "samples-dataset"
    api.export(sample_db, target)
    return target


def test_round_trip_gives_the_same_events_custody_and_answers(
    dataset: Path, sample_db: Path, tmp_path: Path, cli, expected: dict
) -> None:
    new = tmp_path / "new.duckdb"
    result = cli("ingest", "--db", new, dataset)
    assert result.exit_code == 0, result.output
    read, added, duplicates, rejected = totals(result.stdout)
    assert added == expected["total"]["unique_events"] == 492
    assert rejected == 0
    assert read == scalar(sample_db, "SELECT count(*) FROM deliveries") == added + duplicates
    assert "manifest.json" not in result.output and "generic" not in result.output
    assert differences(new, sample_db) == (0, 0)
    verified = cli("verify", "--db", new)
    assert verified.exit_code == 0, verified.output
    assert "verified: the chain of custody holds" in verified.output
    # the original export files, each under its own name and hash, follow the dataset's own entry
    with api.opened(new) as con:
        listed = api.listing(con, "sources").dicts()
    assert [(r["kind"], r["format"]) for r in listed[:2]] == [("start", None), ("archive", "auditql-dataset")]
    assert listed[1]["sha256"] == hashlib.sha256((dataset / "_auditql" / "manifest.parquet").read_bytes()).hexdigest()
    originals = scalar(sample_db, "SELECT list_sort(list(DISTINCT source_file || ' ' || sha256)) FROM sources")
    imported = sorted({f"{r['source_file']} {r['sha256']}" for r in listed if r["kind"] == "member"})
    assert imported == originals
    note = scalar(new, "SELECT note FROM manifest WHERE kind = 'archive'")
    assert f"custody head {api.verify(dataset, rehash=False).head}" in str(note)
    for query in ("vendor = 'sap_cdc' AND errCode != 0", "SELECT vendor, count(*) AS n FROM events GROUP BY ALL"):
        assert sorted(api.query(new, query).rows) == sorted(api.query(sample_db, query).rows)


def test_importing_the_same_dataset_twice_adds_nothing(dataset: Path, tmp_path: Path, cli) -> None:
    new = tmp_path / "twice.duckdb"
    assert cli("ingest", "--db", new, dataset).exit_code == 0
    first = api.verify(new)
    again = cli("ingest", "--db", new, dataset)
    assert again.exit_code == 0, again.output
    read, added, duplicates, rejected = totals(again.stdout)
    assert (added, rejected, duplicates) == (0, 0, read) and read > 0
    assert scalar(new, "SELECT count(*) FROM events") == 492
    assert scalar(new, f"SELECT list(DISTINCT status) FROM manifest WHERE seq > {first.entries + 1}") == [
        "presented again"
    ]
    verified = api.verify(new, rehash=False, anchor=first.head)
    assert verified.ok, verified.problems


def test_an_existing_archive_dedups_the_dataset_like_the_files_themselves(tmp_path: Path, cli) -> None:
    first, second, both = tmp_path / "first.duckdb", tmp_path / "second.duckdb", tmp_path / "both.duckdb"
    for db, names in ((first, FIRST_HALF), (second, SECOND_HALF), (both, FIRST_HALF + SECOND_HALF)):
        assert cli("ingest", "--db", db, *(SAMPLES / n for n in names)).exit_code == 0
    held = scalar(first, "SELECT count(*) FROM events")
    api.export(second, tmp_path / "second-dataset")
    result = cli("ingest", "--db", first, tmp_path / "second-dataset")
    assert result.exit_code == 0, result.output
    read, added, duplicates, rejected = totals(result.stdout)
    assert read == added + duplicates + rejected
    assert scalar(first, "SELECT count(*) FROM events") == held + added == scalar(both, "SELECT count(*) FROM events")
    assert differences(first, both) == (0, 0)  # the same stored copies as ingesting every file in one archive
    assert "presented again" in result.stdout or "user_audit_trail_export_1.csv" in result.stdout
    verified = cli("verify", "--db", first, "--no-rehash")
    assert verified.exit_code == 0, verified.output


def test_a_query_result_imports_as_its_events_then_the_whole_dataset_completes_it(
    sample_db: Path, dataset: Path, tmp_path: Path, cli
) -> None:
    subset = tmp_path / "subset"
    assert cli("export", "--db", sample_db, "--to", subset, "--partition-by", "vendor", SUBSET).exit_code == 0
    new = tmp_path / "subset.duckdb"
    result = cli("ingest", "--db", new, subset)
    assert result.exit_code == 0, result.output
    read, added, duplicates, rejected = totals(result.stdout)
    assert read == added + duplicates + rejected
    assert added == scalar(sample_db, f"SELECT count(*) FROM events WHERE {SUBSET}") == 74
    assert differences(new, sample_db, SUBSET) == (0, 0)
    assert cli("verify", "--db", new, "--no-rehash").exit_code == 0
    assert cli("ingest", "--db", new, dataset).exit_code == 0
    assert differences(new, sample_db) == (0, 0)
    verified = cli("verify", "--db", new, "--no-rehash")
    assert verified.exit_code == 0, verified.output


def test_an_unpartitioned_dataset_imports_through_the_installed_command(sample_db: Path, tmp_path: Path) -> None:
    flat = tmp_path / "flat"
    assert run_auditql("export", "--db", sample_db, "--to", flat, "--partition-by", "none").returncode == 0
    new = tmp_path / "flat.duckdb"
    result = run_auditql("ingest", "--db", new, flat)
    assert result.returncode == 0, result.stderr
    assert totals(result.stdout)[1] == 492
    assert "custody head: " in result.stderr and "Traceback" not in result.stderr
    verified = run_auditql("verify", "--db", new)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"{flat.resolve()}/_auditql/manifest.parquet" in verified.stdout  # re-hashed like any source file
    assert differences(new, sample_db) == (0, 0)


def edit_part(part: Path, sql: str) -> None:
    con = duckdb.connect()
    try:
        con.execute(f"COPY (SELECT {sql} FROM read_parquet('{part}')) TO '{part}.new' (FORMAT parquet)")
    finally:
        con.close()
    os.replace(f"{part}.new", part)


def test_a_tampered_dataset_is_refused_naming_its_part_file(dataset: Path, tmp_path: Path, cli) -> None:
    copy = tmp_path / "tampered"
    shutil.copytree(dataset, copy)
    part = sorted((copy / "events" / "vendor=sap_cdc").rglob("*.parquet"))[0]
    edit_part(part, "* REPLACE ('mallory' AS actor_name)")
    new = tmp_path / "new.duckdb"
    result = cli("ingest", "--db", new, copy)
    assert result.exit_code == 5
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: {copy}: not imported, its chain of custody does not hold: ")
    assert f"(in {part.relative_to(copy)})" in lines[0] and "differs from what the file delivered" in lines[0]
    assert not new.exists()


def test_a_partial_dataset_is_refused_and_the_archive_left_as_it_was(
    dataset: Path, sample_db: Path, tmp_path: Path, cli
) -> None:
    held = tmp_path / "held.duckdb"
    assert cli("ingest", "--db", held, SAMPLES / "resolver").exit_code == 0
    before = (scalar(held, "SELECT count(*) FROM events"), scalar(held, "SELECT count(*) FROM manifest"))
    missing_part = tmp_path / "missing-part"
    shutil.copytree(dataset, missing_part)
    part = sorted((missing_part / "events" / "vendor=resolver").rglob("*.parquet"))[0]
    gone = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{part}')").fetchone()
    part.unlink()
    result = cli("ingest", "--db", held, missing_part)
    assert result.exit_code == 5
    assert "events it delivered are missing (deleted)" in result.output and gone and f"{gone[0]} event" in result.output
    unfinished = tmp_path / "unfinished.partial-123"  # an export killed before its manifest was written
    shutil.copytree(dataset, unfinished)
    (unfinished / "_auditql" / "manifest.json").unlink()
    result = cli("ingest", "--db", held, unfinished)
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {unfinished}: an incomplete auditql dataset (no _auditql/manifest.json: an export that did not "
        "finish, or a damaged copy); nothing imported — export it again"
    )
    assert (scalar(held, "SELECT count(*) FROM events"), scalar(held, "SELECT count(*) FROM manifest")) == before
    assert cli("verify", "--db", held, "--no-rehash").exit_code == 0


def test_rejected_records_travel_with_their_file(tmp_path: Path, cli) -> None:
    export = tmp_path / "audit_trail.csv"
    export.write_text(
        "Date and Time,Subject,Event,Performed By,Subject Type,Previous Value,Updated Value\n"
        "2025-11-18 16:42:07,Jordan Newhire,Add User,Alex Example,User,,\n"
        "yesterday at noon,Risk Owners,Add User to Group,Alex Example,User Group,,Members: +1\n",
        encoding="utf-8",
    )
    origin = tmp_path / "origin.duckdb"
    assert cli("ingest", "--db", origin, export).exit_code == 1  # the bad time is rejected, the rest stored
    api.export(origin, tmp_path / "ds")
    new = tmp_path / "new.duckdb"
    result = cli("ingest", "--db", new, tmp_path / "ds")
    assert result.exit_code == 1  # as ingesting the file again would: its record was rejected
    assert totals(result.stdout) == [2, 1, 0, 1]
    assert "1 records rejected when it was first ingested" in result.output
    same = "SELECT line, source_row, reason, record, ingested_at FROM rejects"
    assert scalar(new, f"SELECT list(r) FROM ({same}) r") == scalar(origin, f"SELECT list(r) FROM ({same}) r")
    assert cli("verify", "--db", new).exit_code == 0


def test_what_cannot_be_imported_says_why(dataset: Path, sample_db: Path, tmp_path: Path, cli) -> None:
    into_dataset = cli("ingest", "--db", dataset, dataset)
    assert into_dataset.exit_code == 2
    assert "importing a dataset into a dataset is not supported" in into_dataset.output
    vendor = cli("ingest", "--db", tmp_path / "x.duckdb", "--vendor", "resolver", dataset)
    assert vendor.exit_code == 2 and "--vendor and --mapping do not apply" in vendor.output
    counts = tmp_path / "counts"
    query = "SELECT vendor, count(*) AS n FROM events GROUP BY vendor"
    assert cli("export", "--db", sample_db, "--to", counts, "--partition-by", "none", query).exit_code == 0
    rows = cli("ingest", "--db", tmp_path / "x.duckdb", counts)
    assert rows.exit_code == 2 and "its rows are no events, nothing to import" in rows.output
    assert not (tmp_path / "x.duckdb").exists()


def test_the_import_tables_hold_more_than_a_row_group(tmp_path: Path) -> None:
    """Regression: on DuckDB 2.0.0 a table made by `CREATE … AS SELECT * FROM t LIMIT 0` inside a transaction
    and filled by one INSERT of more than 122,880 rows from read_parquet reads back empty; an 80,000-event
    import lost every delivery that way. The import makes its tables by DDL."""
    from auditql.archive.dataset.importer import _create_like
    from auditql.db import archive_file

    parquet = tmp_path / "deliveries.parquet"
    with archive_file.writer(tmp_path / "a.duckdb") as con:
        con.execute(
            f"COPY (SELECT 'k' || i AS event_key, 'f.csv' AS source_file, i AS source_row FROM range(130000) t(i)) "
            f"TO '{parquet}' (FORMAT parquet)"
        )
        con.execute("BEGIN TRANSACTION")
        _create_like(con, "_aq_ds_deliveries", "deliveries")
        con.execute(f"INSERT INTO _aq_ds_deliveries BY NAME SELECT * FROM read_parquet('{parquet}')")
        got = con.execute("SELECT count(*), count(DISTINCT event_key) FROM _aq_ds_deliveries").fetchone()
        con.execute("ROLLBACK")
    assert got == (130000, 130000)


def test_a_dataset_inside_a_folder_is_imported_not_read_as_exports(
    dataset: Path, sample_db: Path, tmp_path: Path, cli
) -> None:
    """A backup dataset kept in the folder of exports: its Parquet files were read as `generic` events (631
    events for 492, before this), its manifest.json as one more. It is imported with its custody instead, and
    the exports beside it dedup against it as they would against the files themselves."""
    folder = tmp_path / "exports"
    shutil.copytree(SAMPLES / "resolver", folder / "resolver")
    shutil.copytree(dataset, folder / "backups" / "2025-11")
    new = tmp_path / "new.duckdb"
    result = cli("ingest", "--db", new, folder)
    assert result.exit_code == 0, result.output
    read, added, duplicates, rejected = totals(result.stdout)
    assert (added, rejected) == (492, 0)
    assert read == added + duplicates == scalar(sample_db, "SELECT count(*) FROM deliveries") + 101
    assert "_auditql" not in result.output and "generic" not in result.output
    assert differences(new, sample_db) == (0, 0)
    assert api.verify(new).ok
    # the target itself inside the folder being ingested is passed over, not imported into itself
    into = tmp_path / "exports" / "backups" / "2025-11"
    again = cli("ingest", "--db", into, folder)
    assert again.exit_code == 0, again.output
    assert totals(again.stdout) == [101, 0, 101, 0]
    # a file cache is no place for a dataset: query it where it is
    query = cli("query", "category = 'login'", folder)
    assert query.exit_code == 2
    assert query.stderr == (
        f"error: {into}: a Parquet dataset auditql wrote, not an export; query it with `--db {into}`, "
        "or ingest it into an archive with `auditql ingest --db FILE` first\n"
    )


def test_inspect_names_a_dataset_instead_of_saying_nothing(dataset: Path, tmp_path: Path, cli) -> None:
    """`auditql inspect DATASET` printed nothing and exited 0 once expand() passed a dataset's files over."""
    folder = tmp_path / "exports"
    shutil.copytree(dataset, folder / "backup")
    shutil.copyfile(SAMPLES / "resolver" / "user_audit_trail_export_1.csv", folder / "resolver.csv")
    result = cli("inspect", folder)
    assert result.exit_code == 0, result.output
    backup = folder / "backup"
    assert result.stdout.startswith(
        f"== {backup}\na Parquet dataset auditql wrote, not an export: `auditql ingest --db FILE {backup}` imports "
        f"it with its custody; `auditql query --db {backup}` queries it where it is\n\n== {folder / 'resolver.csv'}\n"
        "format: csv   vendor: resolver"
    )
    assert "_auditql" not in result.stdout
