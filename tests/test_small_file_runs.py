"""A run of small same-shape files stored by one set of statements (auditql/ingest/batch.py, read/csvrun.py)
leaves exactly the archive that storing each file on its own leaves: the same events, deliveries, sources,
rejects, field catalog and custody entries (with their content digests), whatever order the files come in, and
with a bad file in the middle of the run rejected on its own line while the others land. `auditql verify`
holds after each.

Records: the published CJA dump and Resolver export (tests/data, sources in tests/data/README.md) and the
Gigya audit export of sample_data/sap_cdc, written a few records to a file, as `auditql pull` lands them.
"""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from pathlib import Path

import pytest
from conftest import DATA, ROOT, rows

from auditql.ingest import batch
from auditql.ingest import run as ingest_module
from auditql.ingest.run import Report, ingest
from auditql.read import text as textfile

TABLES = {
    "events": "SELECT * EXCLUDE (source_file), replace(source_file, ?, '') FROM events ORDER BY ALL",
    "deliveries": "SELECT * EXCLUDE (source_file), replace(source_file, ?, '') FROM deliveries ORDER BY ALL",
    "sources": "SELECT * EXCLUDE (source_file, ingested_at), replace(source_file, ?, '') FROM sources ORDER BY ALL",
    "rejects": "SELECT * EXCLUDE (source_file, ingested_at), replace(source_file, ?, '') FROM rejects ORDER BY ALL",
    "fields": "SELECT vendor, field, ? IS NOT NULL FROM fields ORDER BY ALL",
    # sources_digest covers `ingested_at`, so it differs between any two runs; the others must not.
    "manifest": "SELECT kind, status, replace(source_file, ?, ''), replace(path, ?, ''), sha256, bytes, member, "
    "vendor, format, records_read, added, duplicates, rejected, replace(note, ?, ''), deliveries_digest, "
    "CASE WHEN rejected = 0 THEN rejects_digest END FROM manifest ORDER BY seq",  # a reject's covers ingested_at
}


def snapshot(db: Path, root: Path, ordered: bool = True) -> dict[str, list[tuple]]:
    """The archive's rows, less what differs between any two runs: the folder and the time of ingest."""
    found = {name: rows(db, sql, [str(root)] * sql.count("?")) for name, sql in TABLES.items()}
    if not ordered:  # files given in another order: the same entries, in that order
        found["manifest"] = sorted(found["manifest"], key=repr)
    return found


def outcome(report: Report, root: Path) -> list[tuple]:
    return [
        (f.source_file.replace(str(root), ""), f.status, f.vendor, f.format, f.read, f.added, f.duplicates,
         f.rejected, f.notes, f.error and f.error.replace(str(root), ""))
        for f in report.files
    ]  # fmt: skip


def csv_files(folder: Path, source: Path, prefix: str, per_file: int = 1) -> list[Path]:
    """The export's records, `per_file` to a CSV of its own (header + records)."""
    folder.mkdir(parents=True, exist_ok=True)
    table = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8-sig"), newline="")))
    written = []
    for n, i in enumerate(range(1, len(table), per_file)):
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows([table[0], *table[i : i + per_file]])
        path = folder / f"{prefix}_{n:03d}.csv"
        path.write_text(text.getvalue(), encoding="utf-8")
        written.append(path)
    return written


def gigya_files(folder: Path) -> list[Path]:
    """Each Gigya record as an audit.search response of its own (one result per page)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = (ROOT / "sample_data" / "sap_cdc" / "audit_export.ndjson").read_text().splitlines()
    written = []
    for i, line in enumerate(lines[:12]):
        page = {"callId": f"{i:032x}", "errorCode": 0, "statusCode": 200, "results": [json.loads(line)]}
        path = folder / f"gigya_{i:03d}.json"
        path.write_text(json.dumps(page, indent=2))
        written.append(path)
    return written


CJA = DATA / "adobe_cja" / "cjapy_dump.csv"
RESOLVER = DATA / "resolver" / "user_audit_trail_us.csv"


def folder_of(kind: str, folder: Path) -> None:
    if kind in ("cja", "mixed"):
        csv_files(folder, CJA, "cja")
    if kind in ("resolver", "mixed"):
        csv_files(folder, RESOLVER, "res", per_file=2)
    if kind in ("gigya", "mixed"):
        gigya_files(folder)


class Runs:
    """Counts the files ingest/batch.py stored together (so a test knows the batched path was taken)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.files: list[int] = []
        real = batch.store

        def counted(ingestor, staged, first, end):  # type: ignore[no-untyped-def]
            stored = real(ingestor, staged, first, end)
            self.files.append(len(stored))
            return stored

        monkeypatch.setattr(batch, "store", counted)


def both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, targets: list[Path], root: Path, order: list[Path] | None = None
) -> tuple[tuple, tuple, Runs]:
    """(report, tables) of one transaction per file, then of the same targets (in `order` if given) by runs."""
    monkeypatch.setattr(ingest_module, "SMALL_FILE", -1)  # no file is small: each on its own
    one = ingest(targets, tmp_path / "one_each.duckdb")
    monkeypatch.setattr(ingest_module, "SMALL_FILE", 256 * 1024)
    runs = Runs(monkeypatch)
    together = ingest(order or targets, tmp_path / "runs.duckdb")
    ordered = order is None
    return (
        (outcome(one, root), snapshot(tmp_path / "one_each.duckdb", root, ordered)),
        (outcome(together, root), snapshot(tmp_path / "runs.duckdb", root, ordered)),
        runs,
    )


def verified(cli, db: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("verify", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "the chain of custody holds" in result.output


@pytest.mark.parametrize(("kind", "batched"), [("cja", 11), ("resolver", 6), ("gigya", 0), ("mixed", 17)])
def test_a_folder_of_small_files_by_runs_is_the_archive_of_one_file_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli, kind: str, batched: int
) -> None:
    folder = tmp_path / "exports"
    folder_of(kind, folder)
    one, together, runs = both(tmp_path, monkeypatch, [folder], folder.resolve())
    assert together == one
    assert sum(runs.files) == batched  # CSV runs go together; Gigya JSON pages still one by one (not yet)
    report = one[0]
    assert [error for *_, error in report] == [None] * len(report)
    # The CJA dump holds one record twice: its second file is the same bytes, presented again.
    assert [status for _, status, *_ in report].count("presented again") == (kind in ("cja", "mixed"))
    assert rows(tmp_path / "runs.duckdb", "SELECT count(*) FROM events")[0][0] == sum(r[5] for r in report)
    verified(cli, tmp_path / "runs.duckdb")


def test_the_same_files_in_another_order_give_the_same_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    """Shuffled, by runs: the archive of one file each in that order, and the events of one file each in name
    order (which file a repeated record counts as added in, and so `sources`, follows the order either way;
    so does the name on record of the same bytes under two names, so the second name is left out)."""
    folder = tmp_path / "exports"
    folder_of("mixed", folder)
    (folder / "cja_005.csv").unlink()  # the same bytes as cja_004.csv
    files = sorted(folder.iterdir())
    shuffled = files[:]
    random.Random(20).shuffle(shuffled)
    one, together, runs = both(tmp_path, monkeypatch, shuffled, folder.resolve())
    assert together == one
    assert runs.files  # some neighbours still share a header
    monkeypatch.setattr(ingest_module, "SMALL_FILE", -1)
    ingest(files, tmp_path / "in_order.duckdb")
    events = TABLES["events"]
    root = [str(folder.resolve())]
    assert rows(tmp_path / "runs.duckdb", events, root) == rows(tmp_path / "in_order.duckdb", events, root)
    verified(cli, tmp_path / "runs.duckdb")


def test_a_bad_file_in_the_middle_of_a_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli) -> None:
    """A file with a rejected line, one with a record without a time, a file no mapping recognises, a repeated
    record and a repeated file: each says so on its own line, the others land, as with one file each."""
    folder = tmp_path / "exports"
    files = csv_files(folder, CJA, "cja")
    header = files[0].read_text().splitlines()[0]
    (folder / "cja_003a_bad_line.csv").write_text(header + "\n" + "a,b\n" + files[4].read_text().splitlines()[1] + "\n")
    (folder / "cja_005a_no_time.csv").write_text(files[5].read_text().replace("2025-", "x2025-"))
    (folder / "cja_006a_unknown.csv").write_text("colour,size\nred,9\n")
    (folder / "cja_008a_twin.csv").write_text(files[2].read_text() + files[9].read_text().splitlines()[1] + "\n")
    (folder / "cja_010a_again.csv").write_bytes(files[10].read_bytes())
    one, together, runs = both(tmp_path, monkeypatch, [folder], folder.resolve())
    assert together == one
    by_name = {name: rest for name, *rest in one[0]}
    assert by_name["/cja_006a_unknown.csv"][0] == "failed"
    assert "cja_006a_unknown.csv" in by_name["/cja_006a_unknown.csv"][-1]
    assert by_name["/cja_003a_bad_line.csv"][3:7] == [2, 1, 0, 1]  # read, added, duplicates, rejected
    assert by_name["/cja_008a_twin.csv"][3:7] == [2, 1, 1, 0]  # cja_002's record again, and cja_009's first
    assert by_name["/cja_010a_again.csv"][0] == "presented again"
    assert sum(runs.files) >= 4  # the clean stretches between them still go together
    verified(cli, tmp_path / "runs.duckdb")


def test_files_the_one_file_reader_fixes_up_in_the_middle_of_a_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    """A header alone, no final line break, CRLF line endings, a quoted value over two lines, mixed line endings,
    an empty line, Latin-1 text, a BOM, a glob character in the name: the same archive as one file each."""
    folder = tmp_path / "exports"
    files = csv_files(folder, CJA, "cja")
    header, record = files[0].read_text().splitlines()[0], files[3].read_text().splitlines()[1]
    odd = {
        "cja_001a_header_only.csv": (header + "\n").encode(),
        "cja_001b_no_final_break.csv": files[1].read_bytes().rstrip(b"\n"),
        "cja_002a_crlf.csv": files[2].read_bytes().replace(b"\n", b"\r\n"),
        "cja_003a_quoted_break.csv": files[3].read_bytes().replace(b",Deleted calculated metric,", b',"A\nB",'),
        "cja_004a_mixed_endings.csv": (header + "\r\n" + record + "\n").encode(),
        "cja_006a_empty_line.csv": files[6].read_bytes() + b"\n",
        "cja_007a_latin1.csv": files[7].read_text().replace("filter", "filtré").encode("latin-1"),
        "cja_008a_bom.csv": b"\xef\xbb\xbf" + files[8].read_bytes(),
        "cja_009a_[glob].csv": files[9].read_bytes(),
    }
    for name, data in odd.items():
        (folder / name).write_bytes(data)
    one, together, runs = both(tmp_path, monkeypatch, [folder], folder.resolve())
    assert together == one
    assert [error for *_, error in one[0]] == [None] * len(one[0])
    assert sum(runs.files) >= 5  # the plain files between them still go together
    verified(cli, tmp_path / "runs.duckdb")


def test_a_zip_of_small_members(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli) -> None:
    folder = tmp_path / "exports"
    folder_of("mixed", folder)
    archive = tmp_path / "pull.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(folder.iterdir()):
            zf.write(path, path.name)
    one, together, runs = both(tmp_path, monkeypatch, [archive], tmp_path.resolve())
    assert together == one
    assert sum(runs.files) == 17
    assert [row[1] for row in one[1]["manifest"]].count("ingested") == 30
    verified(cli, tmp_path / "runs.duckdb")


def test_a_second_ingest_beside_the_files_on_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli) -> None:
    """The first files first, then all of them: the held ones are presented again, the rest lands by runs."""
    folder = tmp_path / "exports"
    folder_of("mixed", folder)
    files = sorted(folder.iterdir())
    held = files[: len(files) // 2]
    for name in ("one_each.duckdb", "runs.duckdb"):
        monkeypatch.setattr(ingest_module, "SMALL_FILE", -1 if name == "one_each.duckdb" else 256 * 1024)
        ingest(held, tmp_path / name)
    one, together, runs = both(tmp_path, monkeypatch, files, folder.resolve())
    assert together == one
    assert sum(runs.files) == 6  # Resolver's, less the file with a repeated record; Gigya's one by one
    assert [r[1] for r in one[0]].count("presented again") == len(held)
    verified(cli, tmp_path / "runs.duckdb")


def test_a_file_deleted_after_it_was_hashed_in_the_middle_of_a_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    """The file says it disappeared, on its own line; the files around it land, by runs (12 files: less it, and
    cja_005.csv, the same bytes as cja_004.csv, presented again)."""
    folder = tmp_path / "exports"
    files = csv_files(folder, CJA, "cja")
    victim = files[6]
    real = textfile.scan_file

    def scan_then_delete(path: Path, lines: bool = True) -> textfile.Scanned:
        scanned = real(path, lines=lines)
        if path == victim:
            path.unlink()
        return scanned

    monkeypatch.setattr(textfile, "scan_file", scan_then_delete)
    runs = Runs(monkeypatch)
    db = tmp_path / "runs.duckdb"
    result = cli("ingest", "--db", db, folder)
    assert result.exit_code == 1, result.output
    assert [line for line in result.stderr.splitlines() if line.startswith("rejected file")] == [
        f"rejected file: {victim}: disappeared while it was being read; nothing from it stored"
    ]
    assert "Traceback" not in result.stderr
    assert rows(db, "SELECT count(*), count(DISTINCT source_file) FROM events") == [(10, 10)]  # 12, less 2
    assert runs.files
    monkeypatch.undo()
    verified(cli, db)
