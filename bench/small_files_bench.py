"""Item 10 — many small files: what each file costs beyond its records (issue 20: ≤ 10 ms per small file).

A year of daily exports from five vendors is ~1,800 files, and `auditql pull` lands many small responses; the
worst case is one record per file. Each count N is measured three ways in the same run: a folder of N
one-record CJA CSVs, a zip with the same N members, and the same N records as one CSV (the per-record floor:
what the records cost without the per-file work). The per-file overhead is (folder − one file) / N. A
hand-written DuckDB load of the folder (`read_csv` over the glob, keeping the file name) is shown as the floor
for reading that many files at all.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from functools import partial
from pathlib import Path

import duckdb

from auditql.ingest.run import ingest
from auditql.read.formats import sql_str
from bench.generate import generate
from bench.measure import Row, Section, median_of

TARGET_MS = 10.0
# One-record files per format beyond CJA CSV: JSON and Parquet small files are stored one by one (only CSV runs
# are batched), at tens of ms each, so fewer of them tell the same per-file cost.
OTHER_FILES = 100
OTHER_FORMATS = ("gigya_envelope", "gigya_ndjson", "cja_json", "resolver_csv", "ci360_parquet", "broadcom_zip")


def _split(source: Path, folder: Path, n: int) -> list[Path]:
    """The first n records of a CSV export, each with the header, as a file of its own."""
    lines = source.read_text().splitlines(keepends=True)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"cja_{i:06d}.csv"
        path.write_text(lines[0] + lines[1 + i])
        paths.append(path)
    return paths


def _fresh(db: Path) -> None:
    """No archive at `db`: each measured ingest starts from nothing."""
    db.unlink(missing_ok=True)
    Path(str(db) + ".wal").unlink(missing_ok=True)


def _ingest(target: Path, db: Path, n: int) -> None:
    """`auditql ingest` of `target` into `db`, which must add all `n` records (a timing of less is no timing)."""
    report = ingest([target], db)
    added = sum(f.added for f in report.files)
    if added != n or any(f.error for f in report.files):
        raise RuntimeError(f"small files: {added} of {n} added: {[f.error for f in report.files if f.error]}")


def run(work: Path, counts: list[int], repeat: int) -> Section:
    section = Section("10. Many small files: per-file cost (one-record CJA CSVs; then every other format)")
    source = generate("cja_csv", work / "exports", max(counts))
    for n in counts:
        tmp = Path(tempfile.mkdtemp(prefix="bench-small-", dir=work))
        folder = tmp / "exports"
        paths = _split(source, folder, n)
        whole = tmp / "all.csv"
        whole.write_text("".join(source.read_text().splitlines(keepends=True)[: n + 1]))
        packed = tmp / "pull.zip"
        with zipfile.ZipFile(packed, "w") as zf:
            for path in paths:
                zf.write(path, path.name)
        db = tmp / "archive.duckdb"
        fresh = partial(_fresh, db)

        def hand(folder: Path = folder, tmp: Path = tmp) -> None:
            hand_db = tmp / "hand.duckdb"
            hand_db.unlink(missing_ok=True)
            con = duckdb.connect(str(hand_db))
            try:
                con.execute(
                    "CREATE TABLE t AS SELECT * FROM read_csv("
                    f"{sql_str(str(folder / '*.csv'))}, header = true, all_varchar = true, filename = true)"
                )
            finally:
                con.close()

        t_folder, _ = median_of(partial(_ingest, folder, db, n), repeat, setup=fresh)
        t_zip, _ = median_of(partial(_ingest, packed, db, n), repeat, setup=fresh)
        t_one, _ = median_of(partial(_ingest, whole, db, n), repeat, setup=fresh)
        t_hand, _ = median_of(hand, repeat)
        per_file, per_member = t_folder / n * 1000, t_zip / n * 1000
        overhead = (t_folder - t_one) / n * 1000
        section.add(
            Row(f"{n:,} one-record files: ms per file", per_file, t_one / n * 1000, "the same records as one file,",
                f"≤ {TARGET_MS:.0f} ms", per_file <= TARGET_MS, unit="ms",
                note=f"whole folder {t_folder:.2f} s; per-file overhead {overhead:.1f} ms")
        )  # fmt: skip
        section.add(
            Row(f"zip of {n:,} one-record members: ms per member", per_member, per_file, "folder, per file",
                f"≤ {TARGET_MS:.0f} ms", per_member <= TARGET_MS, unit="ms", note=f"whole zip {t_zip:.2f} s")
        )  # fmt: skip
        section.add(
            Row(f"{n:,} one-record files vs DuckDB read_csv of the glob", t_folder, t_hand, "by hand", "", None,
                note="the floor for reading that many files: no mapping, dedup, provenance or custody")
        )  # fmt: skip
        shutil.rmtree(tmp, ignore_errors=True)
    _other_formats(section, work, min(OTHER_FILES, min(counts)), repeat)
    section.commands += [
        "auditql ingest --db DB FOLDER      (N files: header + one record of a generated CJA CSV each)",
        "auditql ingest --db DB pull.zip    (the same N files as members)",
        "auditql ingest --db DB all.csv     (the same N records in one file)",
        "CREATE TABLE t AS SELECT * FROM read_csv('FOLDER/*.csv', header = true, all_varchar = true, filename = true);",
    ]
    return section


def _other_formats(section: Section, work: Path, n: int, repeat: int) -> None:
    """The per-file cost of every other generated format: a folder of `n` one-record exports (each written by
    the format's own generator: an `audit.search` page, an NDJSON line, a CJA JSON array, a Resolver CSV, a
    CI360 Parquet file, a Broadcom portal zip) against the same `n` records as one export."""
    for key in OTHER_FORMATS:
        folder = work / "exports" / f"small-{key}-{n}"
        for i in range(n):
            generate(key, folder, 1, offset=i, span=n)
        whole = generate(key, work / "exports", n)
        tmp = Path(tempfile.mkdtemp(prefix="bench-small-", dir=work))
        db = tmp / "archive.duckdb"
        fresh = partial(_fresh, db)

        t_folder, _ = median_of(partial(_ingest, folder, db, n), repeat, setup=fresh)
        t_one, _ = median_of(partial(_ingest, whole, db, n), repeat, setup=fresh)
        per_file = t_folder / n * 1000
        section.add(
            Row(f"{n:,} one-record {key} files: ms per file", per_file, t_one / n * 1000,
                "the same records as one file,", f"≤ {TARGET_MS:.0f} ms", per_file <= TARGET_MS, unit="ms",
                note=f"whole folder {t_folder:.2f} s; per-file overhead {(t_folder - t_one) / n * 1000:.1f} ms")
        )  # fmt: skip
        shutil.rmtree(tmp, ignore_errors=True)
    section.commands.append(f"auditql ingest --db DB FOLDER      ({n} one-record exports of each other format)")
