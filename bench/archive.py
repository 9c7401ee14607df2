"""The query benchmarks' archive: every vendor format generated at a share of the requested event count,
ingested by auditql itself (not timed), and reused while the files and the auditql version are the same.

The CJA JSON download repeats a tenth of the CJA CSV download's events (as real downloads overlap): all
duplicates. The Gigya files do not overlap, so a question asked of the raw Gigya files has exactly the
archive's answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from auditql.ingest.run import ingest
from bench.generate import generate

# format -> (share of the events, records per file). Exports come as pages and daily files, and auditql
# holds each file in DuckDB while it maps it, so the archive is built from files of realistic size.
SHARES: dict[str, tuple[float, int]] = {
    "gigya_ndjson": (0.30, 500_000),
    "gigya_envelope": (0.10, 100_000),
    "cja_csv": (0.20, 500_000),
    "resolver_csv": (0.15, 500_000),
    "ci360_parquet": (0.15, 500_000),
    "broadcom_zip": (0.10, 500_000),
}


def cja_json_subset(csv_path: Path, path: Path) -> Path:
    """The CJA JSON download of every tenth event of the CSV download (same ids, same values): duplicates."""
    if not path.exists():
        con = duckdb.connect()
        try:
            con.execute(
                f"""COPY (SELECT "Log ID" AS id, "Date Created" AS dateCreated, "Action Name" AS action,
                      "Description" AS description, "IMS Org ID" AS imsOrgId,
                      {{'id': "User ID", 'idType': "User Type", 'name': "User Name", 'email': "Email"}} AS user,
                      {{'id': "Component ID", 'idType': "Component Type", 'name': "Component Name"}} AS component
                    FROM read_csv('{csv_path}', header = true, all_varchar = true) WHERE hash("Log ID") % 10 = 0)
                    TO '{path}' (FORMAT json, ARRAY true)"""
            )
        finally:
            con.close()
    return path


@dataclass
class Archive:
    db: Path
    events: int
    gigya_ndjson: list[Path]
    gigya_envelopes: list[Path]


def build(work: Path, events: int) -> Archive:
    folder = work / f"archive-{events}"
    files: dict[str, list[Path]] = {}
    offset = 0
    for key, (share, per_file) in SHARES.items():
        total = max(1, int(events * share))
        files[key] = []
        while total > 0:
            n = min(per_file, total)
            files[key].append(generate(key, folder / "exports", n, offset))
            offset, total = offset + n, total - n
    tenth = [cja_json_subset(f, f.with_name(f.stem + "_every_tenth.json")) for f in files["cja_csv"]]
    files["cja_json"] = tenth
    db = folder / "archive.duckdb"
    if not db.exists():
        print(f"  building the {events:,}-event archive (ingest not timed) …", flush=True)
        partial = folder / "partial.duckdb"
        partial.unlink(missing_ok=True)
        report = ingest([f for group in files.values() for f in group], partial)
        if not report.ok:
            raise RuntimeError(f"archive build failed: {[f.error or f.rejects[:3] for f in report.files if not f.ok]}")
        partial.rename(db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        count = con.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        con.close()
    return Archive(db, count, files["gigya_ndjson"], files["gigya_envelope"])


def scaled(base: Path, factor: int, work: Path) -> Path:
    """`base`'s archive with its events `factor` times over, made in one DuckDB statement rather than by
    ingesting `factor` times the files (a 10M-event ingest takes over an hour on a busy 2-core machine): for
    the benchmarks that read an archive (bench/serve_bench.py), not for custody. Copy n of an event has
    `#n` after its `source_file` and `event_key` (so no copy shares a file, row or key with another) and the
    same values otherwise; the
    other tables are copied as they are, so `verify` does not hold on it."""
    from auditql.db import connections

    out = work / f"scaled-{factor}x-{base.parent.name}" / "archive.duckdb"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name("partial.duckdb")
    partial.unlink(missing_ok=True)
    con = connections.archive_file(partial, read_only=False)
    try:
        con.execute("SET preserve_insertion_order = true")
        con.execute("ATTACH ? AS base (READ_ONLY)", [str(base)])
        tables = [
            r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'base'").fetchall()
        ]
        for table in tables:
            if table != "events":
                con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM base."{table}"')
        columns = [r[0] for r in con.execute("DESCRIBE base.events").fetchall()]

        def copy(n: int) -> str:
            keys = ("source_file", "event_key")
            shown = ", ".join(f'"{c}" || \'#{n}\' AS "{c}"' if n and c in keys else f'"{c}"' for c in columns)
            return f"SELECT {shown} FROM base.events"

        con.execute(f"CREATE TABLE events AS {' UNION ALL '.join(copy(n) for n in range(int(factor)))}")
        con.execute("DETACH base")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    partial.rename(out)
    return out
