"""Dedup into a Parquet dataset follows the archive's rule: stored events a better copy replaces leave their
part files, every delivery is on record in `deliveries`, and `auditql verify --db DIR` holds — through the
real CLI, on real files, compared row for row with a DuckDB archive of the same files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest
from conftest import SAMPLES

from auditql import api as facade  # `api` names a fixture file below

EXPORT_FILES = (".csv", ".json", ".ndjson", ".zip", ".parquet")
# Three Adobe CJA events, as the UI's CSV download without ids and as one API page with them.
UI_CSV = """Action Name,Date Created,User Name
CREATE,2021-10-01T16:30:13.377+00:00,Dana Demo
EDIT,2021-10-01T17:02:44.120+00:00,Dana Demo
DELETE,2021-10-02T08:15:00.001+00:00,Harper Dummy
"""
API_RECORDS = [
    {
        "id": "61573a1d5c7f1e2a3b4c5d6e",
        "dateCreated": "2021-10-01T16:30:13.377+00:00",
        "action": "CREATE",
        "description": "Creating project: Q4 review",
        "user": {"id": "E96FE2112E98D44B36C9A115@AdobeID", "name": "Dana Demo", "email": "dana.demo@example.com"},
        "component": {"id": "8a84d23df5c929c7f9aa5e29", "idType": "PROJECT", "name": "Q4 review"},
    },
    {
        "id": "61573a1d5c7f1e2a3b4c5d6f",
        "dateCreated": "2021-10-01T17:02:44.120+00:00",
        "action": "EDIT",
        "description": "Updating project: Q4 review",
        "user": {"id": "E96FE2112E98D44B36C9A115@AdobeID", "name": "Dana Demo", "email": "dana.demo@example.com"},
        "component": {"id": "8a84d23df5c929c7f9aa5e29", "idType": "PROJECT", "name": "Q4 review"},
    },
    {
        "id": "61573a1d5c7f1e2a3b4c5d70",
        "dateCreated": "2021-10-02T08:15:00.001+00:00",
        "action": "DELETE",
        "description": "Deleting project: Q4 review",
        "user": {"id": "169D43365C33EDCE6FE98183@AdobeID", "name": "Harper Dummy", "email": "harper.dummy@example.com"},
        "component": {"id": "8a84d23df5c929c7f9aa5e29", "idType": "PROJECT", "name": "Q4 review"},
    },
]
IDS = sorted(f"adobe_cja:id:{r['id']}" for r in API_RECORDS)


def api_page(records: list[dict]) -> str:
    return json.dumps(
        {"content": records, "totalElements": len(records), "totalPages": 1, "number": 0, "size": len(records)},
        indent=2,
    )


@pytest.fixture
def cja(tmp_path: Path) -> tuple[Path, Path]:
    """(the id-less UI CSV, the API page with ids): the same three events."""
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "ui.csv").write_text(UI_CSV, encoding="utf-8")
    (folder / "api.json").write_text(api_page(API_RECORDS), encoding="utf-8")
    return folder / "ui.csv", folder / "api.json"


def new_dataset(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    root.mkdir()
    return root


def ingest(cli, db: Path, *paths: Path) -> list[dict]:
    result = cli("ingest", "--db", db, "--format", "json", *paths)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def verify(cli, db: Path) -> dict:
    result = cli("verify", "--db", db, "--format", "json", "--no-rehash")
    assert result.exit_code == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["problems"] == []
    return report


def _columns() -> str:
    from auditql.schema import COLUMN_NAMES

    return ", ".join(f'"{c}"::VARCHAR' for c in COLUMN_NAMES)


def events(db: Path) -> list[tuple]:
    """Every stored row, every canonical column, as text, sorted: what `events` shows on either backend."""
    con = facade.reader(db)
    try:
        return con.execute(f"SELECT {_columns()} FROM events ORDER BY ALL").fetchall()
    finally:
        con.close()


def deliveries(db: Path) -> list[tuple]:
    con = facade.reader(db)
    try:
        return con.execute(
            "SELECT event_key, content_key, source_file, sha256, source_row, line, raw::VARCHAR FROM deliveries "
            "ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()


def manifest(root: Path) -> dict:
    return json.loads((root / "_auditql" / "manifest.json").read_text())


def part_rows(root: Path) -> list[tuple]:
    """(source_file, part file) of every row in the part files, read straight from Parquet."""
    return duckdb.sql(
        f"SELECT source_file, filename FROM read_parquet('{root}/events/**/*.parquet', filename = true) ORDER BY ALL"
    ).fetchall()


def test_samples_into_a_dataset_match_the_archive(cli, sample_db: Path, tmp_path: Path, expected: dict) -> None:
    root = new_dataset(tmp_path, "ds")
    files = ingest(cli, root, SAMPLES)
    assert sum(f["added"] for f in files) == expected["total"]["unique_events"] == 492
    assert sum(f["read"] for f in files) == expected["total"]["records"] == 617

    assert events(root) == events(sample_db)
    assert len(events(root)) == manifest(root)["rows"] == 492
    con = facade.reader(root)
    try:
        by_vendor = dict(con.execute("SELECT vendor, count(*) FROM events GROUP BY vendor").fetchall())
    finally:
        con.close()
    assert by_vendor == {v: n["unique_events"] for v, n in expected["vendors"].items()}
    assert by_vendor == {"adobe_cja": 60, "broadcom_portal": 74, "resolver": 99, "sap_cdc": 128, "sas_ci360": 131}
    assert deliveries(root) == deliveries(sample_db)
    assert len(deliveries(root)) == 617
    assert verify(cli, root)["events"] == 492


def test_one_file_per_ingest_in_reverse_order_stores_the_same_events(cli, sample_db: Path, tmp_path: Path) -> None:
    """Every file its own ingest, last file first: stored events are replaced across ingests (by fuller or
    earlier copies, id-less rows by their id-bearing twins), each time in the part files."""
    root = new_dataset(tmp_path, "ds")
    paths = sorted(p for p in SAMPLES.rglob("*") if p.suffix in EXPORT_FILES)
    net = 0
    for path in reversed(paths):
        net += sum(f["added"] for f in ingest(cli, root, path))
    assert net == len(events(root)) == manifest(root)["rows"] == 492
    assert events(root) == events(sample_db)
    assert manifest(root)["files"] == len(list((root / "events").rglob("*.parquet")))
    verify(cli, root)


def test_an_id_bearing_copy_replaces_id_less_rows_in_the_part_files(
    cli, cja: tuple[Path, Path], tmp_path: Path
) -> None:
    ui, api = cja
    root = new_dataset(tmp_path, "csv-first")
    [csv] = ingest(cli, root, ui)
    assert (csv["read"], csv["added"], csv["duplicates"]) == (3, 3, 0)
    assert {r[0] for r in part_rows(root)} == {str(ui)}
    csv_parts = {r[1] for r in part_rows(root)}

    [page] = ingest(cli, root, api)
    # net: three stored, three replaced (an id-less twin of an id-bearing record is no event of its own)
    assert (page["read"], page["added"], page["duplicates"]) == (3, 0, 3)
    rows = events(root)
    assert len(rows) == manifest(root)["rows"] == 3
    con = facade.reader(root)
    try:
        assert con.execute("SELECT event_key, event_id IS NOT NULL, source_file FROM events ORDER BY 1").fetchall() == [
            (key, True, str(api)) for key in IDS
        ]
    finally:
        con.close()
    assert part_rows(root) == sorted(part_rows(root)) and {r[0] for r in part_rows(root)} == {str(api)}
    assert not any(Path(p).exists() for p in csv_parts)  # emptied: deleted, not left as empty files
    # every record stays on record; the CSV copies keep their own raw (they differ from the stored JSON)
    kept = deliveries(root)
    assert [(d[2] == str(ui), d[6] is not None) for d in kept].count((True, True)) == 3
    assert len(kept) == 6
    verify(cli, root)

    other = new_dataset(tmp_path, "json-first")
    assert [f["added"] for f in ingest(cli, other, api)] == [3]
    assert [(f["added"], f["duplicates"]) for f in ingest(cli, other, ui)] == [(0, 3)]
    assert events(other) == rows
    assert deliveries(other) == kept
    verify(cli, other)

    archive = tmp_path / "archive.duckdb"
    ingest(cli, archive, ui)
    ingest(cli, archive, api)
    assert events(archive) == rows
    assert deliveries(archive) == kept


def test_a_copy_equal_to_a_stored_event_keeps_no_raw(cli, tmp_path: Path) -> None:
    """Dedup keeps a copy's raw only where it differs from the stored event's; in a dataset the stored event is
    a placeholder without raw, so the comparison is made again against the part file."""
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.json").write_text(api_page(API_RECORDS[:2]))
    (folder / "b.json").write_text(api_page([API_RECORDS[0], API_RECORDS[2]]))
    root, archive = new_dataset(tmp_path, "ds"), tmp_path / "archive.duckdb"
    for db in (root, archive):
        ingest(cli, db, folder / "a.json")
        assert [(f["added"], f["duplicates"]) for f in ingest(cli, db, folder / "b.json")] == [(1, 1)]
    assert deliveries(root) == deliveries(archive)
    assert [d[6] for d in deliveries(root)] == [None] * 4
    assert events(root) == events(archive)


def test_export_of_an_archive_with_replacements_verifies(cli, cja: tuple[Path, Path], tmp_path: Path) -> None:
    ui, api = cja
    archive = tmp_path / "archive.duckdb"
    ingest(cli, archive, ui)
    ingest(cli, archive, api)
    target = tmp_path / "exported"
    result = cli("export", "--db", archive, "--to", target)
    assert result.exit_code == 0, result.stderr
    assert manifest(target)["rows"] == 3
    assert verify(cli, target)["events"] == 3
    assert events(target) == events(archive)
    assert deliveries(target) == deliveries(archive) and len(deliveries(target)) == 6

    # a query's result carries the deliveries of the events it holds: the id's and its id-less CSV twin's
    subset = tmp_path / "creates"
    result = cli("export", "--db", archive, "--to", subset, "action = 'CREATE'")
    assert result.exit_code == 0, result.stderr
    twin = next(d[1] for d in deliveries(archive) if d[0] == IDS[0])  # IDS[0] is the CREATE
    assert twin.startswith("adobe_cja:c:")
    assert [(d[0], d[2]) for d in deliveries(subset)] == sorted([(IDS[0], str(api)), (twin, str(ui))])

    # …and a result that is no events (no event_key) none, and is refused as an ingest target
    counts = tmp_path / "counts"
    result = cli("export", "--db", archive, "--to", counts, "SELECT vendor, count(*) AS n FROM events GROUP BY vendor")
    assert result.exit_code == 0, result.stderr
    assert deliveries(counts) == []
    result = cli("ingest", "--db", counts, ui)
    assert result.exit_code == 2
    assert "this dataset has no event_key, source_file, source_row column" in result.stderr


def test_queries_cannot_read_deliveries(cli, cja: tuple[Path, Path], tmp_path: Path) -> None:
    ui, api = cja
    root = new_dataset(tmp_path, "ds")
    ingest(cli, root, ui, api)
    for db in (root, tmp_path / "archive.duckdb"):
        if db.suffix:
            ingest(cli, db, ui, api)
        for text in ("SELECT * FROM deliveries", "SELECT e.action FROM events e JOIN deliveries d USING (event_key)"):
            result = cli("query", "--db", db, text)
            assert result.exit_code == 3
            assert "table 'deliveries' is not allowed; query the events table" in result.stderr
    # the reader reads the deliveries file in place (for verify) and still no other file of the dataset
    con = facade.reader(root)
    try:
        assert con.execute("SELECT count(*) FROM deliveries").fetchall() == [(6,)]
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"SELECT * FROM read_parquet('{root}/_auditql/sources.parquet')")
    finally:
        con.close()


def test_an_ingest_killed_while_publishing_is_finished_by_the_next(
    cli, cja: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ui, api = cja
    root = new_dataset(tmp_path, "ds")
    ingest(cli, root, ui)
    real_replace, calls = os.replace, []

    def killed_after_the_first_part(src, dst):  # the plan is written, one new part published, then Ctrl-C
        calls.append(dst)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", killed_after_the_first_part)
    result = cli("ingest", "--db", root, api)
    monkeypatch.setattr(os, "replace", real_replace)
    assert result.exit_code == 130
    assert str(calls[0]).endswith("plan.json") and "/events/" in str(calls[1])
    assert (root / "_auditql" / "publish" / "plan.json").is_file()
    # meanwhile: one new part beside the rows it replaces, the old catalog and manifest
    assert len(events(root)) == 3 + 2 == manifest(root)["rows"] + 2
    assert [(f["added"], f["status"]) for f in ingest(cli, root, api)] == [(0, "presented again")]
    assert not (root / "_auditql" / "publish").exists()
    assert len(events(root)) == manifest(root)["rows"] == 3
    assert {r[0] for r in part_rows(root)} == {str(api)}
    verify(cli, root)


def test_an_ingest_killed_before_its_plan_leaves_nothing(cli, cja: tuple[Path, Path], tmp_path: Path) -> None:
    ui, api = cja
    root = new_dataset(tmp_path, "ds")
    ingest(cli, root, ui)
    before = sorted(p.name for p in (root / "events").rglob("*.parquet"))
    # what a kill during staging leaves: a scratch folder and staged files, but no plan
    (root / "_auditql" / ".ingest-killed").mkdir()
    staged = root / "_auditql" / "publish" / "files" / "events" / "vendor=adobe_cja" / "date=2021-10-01"
    staged.mkdir(parents=True)
    (staged / "part-stale.parquet").write_bytes(b"PAR1")
    assert [f["added"] for f in ingest(cli, root, api)] == [0]
    assert not (root / "_auditql" / "publish").exists() and not (root / "_auditql" / ".ingest-killed").exists()
    assert "part-stale.parquet" not in {p.name for p in (root / "events").rglob("*.parquet")}
    assert before and not set(before) & {p.name for p in (root / "events").rglob("*.parquet")}
    verify(cli, root)
