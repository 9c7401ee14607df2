"""Item 1 — ingest speed per vendor format, against the least work our contract needs done by hand in DuckDB
(keep each record's text, extract the mapped fields, type the time) and against a plain CREATE TABLE AS
SELECT * FROM read_…; plus re-ingest of the same file (all duplicates) against its first ingest.

The hand baseline extracts exactly the fields auditql's mapping resolved for the file (read back from
`sources.columns` after auditql's own ingest), so both do the same extraction; auditql additionally runs
vendor detection, rule tables (category/outcome/actor_type), dedup, provenance and rejects.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb

from auditql.ingest.run import ingest
from auditql.read.formats import json_path, sql_ident, sql_str
from bench.generate import FORMATS, generate
from bench.measure import Row, Section, median_of

JSON_SOURCES = {
    "gigya_ndjson": "(SELECT json AS raw FROM read_json_objects({p}, format = 'newline_delimited'))",
    # The members listed in a subquery, then unnested: `unnest(json_extract(json, '$.results[*]'))` in one
    # SELECT re-extracts the list per member (10 s instead of 0.9 s for 250,000 members, DuckDB 2.0.0).
    "gigya_envelope": (
        "(SELECT unnest(members) AS raw FROM (SELECT json_extract(json, '$.results[*]') AS members "
        "FROM read_json_objects({p}, format = 'unstructured', maximum_object_size = {size})))"
    ),
    "cja_json": "(SELECT json AS raw FROM read_json_objects({p}, format = 'array'))",
}
PLAIN_SCANS = {
    "gigya_ndjson": "read_json_objects({p}, format = 'newline_delimited')",
    "gigya_envelope": "read_json_objects({p}, format = 'unstructured', maximum_object_size = {size})",
    "cja_json": "read_json_objects({p}, format = 'array')",
    "ci360_parquet": "read_parquet({p})",
}


def _object_size(path: Path) -> int:
    """The largest JSON object a by-hand read must allow: the file's size. DuckDB allocates buffers of the
    maximum up front, so the 4 GiB a user might type costs ~8 GiB and minutes per run (measured: 5 min for a
    480 MB envelope); sizing it to the file is what a careful user (and auditql) does."""
    return max(path.stat().st_size + 1, 1 << 20)


def _time_expr(value: str, key: str) -> str:
    if key == "broadcom_zip":  # epoch milliseconds
        return f"to_timestamp(TRY_CAST({value} AS BIGINT) / 1000)"
    return f"TRY_CAST({value} AS TIMESTAMPTZ)"


def hand_sql(key: str, path: Path, resolved: dict[str, list[str]]) -> str:
    """The by-hand table: original record text plus one typed column per mapped field."""
    p = sql_str(str(path))
    fields = [(column, feeds[0]) for column, feeds in resolved.items()]
    if key in JSON_SOURCES:
        paths = ", ".join(sql_str(json_path(f)) for _, f in fields)
        cols = ", ".join(
            (_time_expr(f"e[{i}]", key) if c == "time" else f"e[{i}]") + f" AS {sql_ident(c)}"
            for i, (c, _) in enumerate(fields, 1)
        )
        src = JSON_SOURCES[key].format(p=p, size=_object_size(path))
        return f"SELECT raw, {cols} FROM (SELECT raw, json_extract_string(raw, [{paths}]) AS e FROM {src})"
    scan = f"read_parquet({p})" if key == "ci360_parquet" else f"read_csv({p}, header = true, all_varchar = true)"
    cols = ", ".join(
        (_time_expr(sql_ident(f), key) if c == "time" else sql_ident(f)) + f" AS {sql_ident(c)}" for c, f in fields
    )
    return f"SELECT to_json(t) AS raw, {cols} FROM {scan} t"


def _ctas(db: Path, sql: str) -> None:
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        con.execute(f"CREATE TABLE t AS {sql}")
    finally:
        con.close()


def _unzipped(path: Path, tmp: Path) -> Path:
    with zipfile.ZipFile(path) as zf:
        zf.extract("audits.csv", tmp)
    return tmp / "audits.csv"


def scratch_archive(work: Path, prefix: str) -> tuple[Path, Path, Callable[[], None]]:
    """A new folder under `work`, the archive path in it, and the setup that removes that archive (and its
    WAL) before each timed ingest, so every run ingests into a fresh archive."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=work))
    db = tmp / "archive.duckdb"

    def fresh() -> None:
        db.unlink(missing_ok=True)
        Path(str(db) + ".wal").unlink(missing_ok=True)

    return tmp, db, fresh


def run(work: Path, size: int, repeat: int, only_formats: list[str] | None = None) -> Section:
    section = Section(f"1. Ingest {size:,} records per vendor format (mapping, dedup, provenance, raw)")
    for key in only_formats or list(FORMATS):
        fmt = FORMATS[key]
        path = generate(key, work / "exports", size)
        tmp, db, fresh = scratch_archive(work, "bench-ingest-")
        t_ours, report = median_of(lambda path=path, db=db: ingest([path], db), repeat, setup=fresh)
        files = report.files
        added = sum(f.added for f in files)
        if any(f.error for f in files) or added == 0:
            raise RuntimeError(f"{key}: auditql ingest failed: {[f.error for f in files]}")
        con = duckdb.connect(str(db), read_only=True)
        resolved = json.loads(con.execute("SELECT columns FROM sources").fetchone()[0])
        con.close()
        t_again, again = median_of(lambda path=path, db=db: ingest([path], db), repeat)
        assert sum(f.added for f in again.files) == 0, "re-ingest added rows"
        # An export overlapping the first by half (a download repeated with a later end): from the archive as
        # the first ingest left it, restored before each run.
        first = tmp / "first.duckdb"
        shutil.copy(db, first)
        half = generate(key, work / "exports", size, size // 2)

        def restore(db: Path = db, first: Path = first) -> None:
            Path(str(db) + ".wal").unlink(missing_ok=True)
            shutil.copy(first, db)

        t_overlap, overlap = median_of(lambda half=half, db=db: ingest([half], db), repeat, setup=restore)
        overlap_added = sum(f.added for f in overlap.files)

        def by_hand(key: str = key, path: Path = path, tmp: Path = tmp, resolved: dict = resolved) -> None:
            source = _unzipped(path, tmp) if key == "broadcom_zip" else path
            _ctas(tmp / "hand.duckdb", hand_sql(key, source, resolved))

        def plain(key: str = key, path: Path = path, tmp: Path = tmp) -> None:
            source = _unzipped(path, tmp) if key == "broadcom_zip" else path
            scan = PLAIN_SCANS.get(key, "read_csv({p})").format(p=sql_str(str(source)), size=_object_size(source))
            _ctas(tmp / "plain.duckdb", f"SELECT * FROM {scan}")

        t_hand, _ = median_of(by_hand, repeat)
        t_plain, _ = median_of(plain, repeat)
        mb = path.stat().st_size / 2**20
        name = f"{key} ({fmt.vendor}, {mb:.0f} MB, {added:,} added)"
        section.add(Row(name, t_ours, t_hand, "by hand", "≤ 1.30×", t_ours <= 1.3 * t_hand))
        section.add(Row(f"{key} vs plain CTAS", t_ours, t_plain, "CTAS *", "≤ 2×", t_ours <= 2 * t_plain))
        again_ok = t_again <= 0.05 * t_ours
        section.add(Row(f"{key} re-ingest (all duplicates)", t_again, t_ours, "first ingest", "≤ 0.05×", again_ok))
        section.add(
            Row(f"{key} overlapping export (offset by half)", t_overlap, t_ours, "first ingest", "≤ 0.6×",
                t_overlap <= 0.6 * t_ours, note=f"{overlap_added:,} added, {size - overlap_added:,} already held")
        )  # fmt: skip
        section.commands.append(f"-- {key}: by hand\nCREATE TABLE t AS {hand_sql(key, path, resolved)};")
        shutil.rmtree(tmp, ignore_errors=True)
    section.commands.append(
        "-- auditql: auditql.ingest.run.ingest([FILE], new archive) = `auditql ingest --db DB FILE`"
    )
    return section
