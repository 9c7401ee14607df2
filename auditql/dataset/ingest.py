"""`auditql ingest --db DIR`: add files to a dataset with exactly the accounting of a DuckDB archive.

Rather than a second implementation of dedup, the normal ingest runs against a scratch DuckDB archive
seeded with what dedup needs from the dataset — its catalog tables, and one placeholder row per stored
event holding only `event_key` (read from the Parquet `event_key` column; with --vendor only that vendor's
partitions). Ingest then counts duplicates against the dataset as it would against an archive file. Only
the rows it added are written out, as new uniquely named part files in their partitions; the catalog
files are rewritten whole (write aside, rename over).

Order of publication: part files first, then the catalog, then the manifest. A crash in between leaves
rows whose sources entry is missing; they are still deduplicated against on the next ingest, so nothing
is ever stored twice.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import duckdb

from auditql import archives, engine
from auditql.dataset.layout import (
    CATALOG_TABLES,
    DEFAULT_PARTITION_BY,
    EVENTS,
    MANIFEST,
    META,
    PARTITION_KEYS,
    locked,
    new_manifest,
    read_manifest,
    sql_path,
    write_manifest,
)
from auditql.errors import UsageError
from auditql.ingest import Report
from auditql.ingest import ingest as ingest_archive
from auditql.schema import COLUMNS


def ingest_into(
    paths: Iterable[Path],
    root: Path,
    vendor: str | None = None,
    mappings: Iterable[Path] = (),
    limits: archives.Limits | None = None,
    progress: Callable[[str], None] | None = None,
    notify: Callable[[str], None] | None = None,
    **options: Any,
) -> Report:
    """Ingest like `auditql.ingest.ingest` (same arguments; `options` pass through, e.g. memory_limit)."""
    if not (root / META).is_dir() and any(root.iterdir()):
        raise UsageError(
            f"{root}: folder is neither empty nor an auditql dataset; ingest into an empty folder to start one"
        )
    with locked(root):
        exists = (root / META / MANIFEST).exists()
        manifest = read_manifest(root) if exists else _fresh_manifest()
        with tempfile.TemporaryDirectory(prefix=".ingest-", dir=root / META) as tmp:
            scratch = Path(tmp) / "scratch.duckdb"
            with engine.writer(scratch) as con:
                _seed(con, root, manifest, vendor if exists else None)
            report = ingest_archive(paths, scratch, vendor, mappings, limits, progress, notify, **options)
            added = sum(f.added for f in report.files)
            if added or not exists or any(f.read for f in report.files):
                _publish(scratch, root, manifest, Path(tmp), added)
    return report


def _fresh_manifest() -> dict:
    stored = {"JSON": "VARCHAR", "TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}  # as export records them
    columns = [(c.name, stored.get(c.type, c.type)) for c in COLUMNS]
    return new_manifest(DEFAULT_PARTITION_BY, columns, rows=0, files=0, source=None, query=None)


def _seed(con: duckdb.DuckDBPyConnection, root: Path, manifest: dict, vendor: str | None) -> None:
    """Catalog tables as they are, and each stored event's key (only the key: dedup counts copies)."""
    for table in CATALOG_TABLES:
        path = root / META / f"{table}.parquet"
        if path.exists():
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet({sql_path(path)})")
    if not any((root / EVENTS).rglob("*.parquet")):
        return
    keys = manifest.get("partition_by", [])
    hive = "true" if keys else "false"
    where = ""
    if vendor and "vendor" in keys:
        where = " WHERE vendor = " + "'" + vendor.replace("'", "''") + "'"
    con.execute(
        "INSERT INTO events (event_key) SELECT event_key FROM read_parquet("
        f"{sql_path(root / EVENTS / '**' / '*.parquet')}, hive_partitioning = {hive}, union_by_name = true){where}"
    )


def _publish(scratch: Path, root: Path, manifest: dict, tmp: Path, added: int) -> None:
    keys = tuple(manifest.get("partition_by", []))
    staging = tmp / "parts"
    staging.mkdir()
    con = duckdb.connect(str(scratch))
    engine.no_progress_bar(con)
    try:
        con.execute("SET TimeZone = 'UTC'")
        names = [c["name"] for c in manifest["columns"]]
        select = ", ".join(f'"{n}"::VARCHAR AS "{n}"' if n == "raw" else f'"{n}"' for n in names)
        select += "".join(f', {PARTITION_KEYS[k][0]} AS "{k}"' for k in keys if k not in names)
        if added:
            if keys:
                options = "FORMAT parquet, COMPRESSION zstd, FILENAME_PATTERN 'part-{uuid}', "
                options += f"PARTITION_BY ({', '.join(keys)})"
                dest = staging
            else:
                import uuid

                options, dest = "FORMAT parquet, COMPRESSION zstd", staging / f"part-{uuid.uuid4()}.parquet"
            con.execute(
                f"COPY (SELECT {select} FROM events WHERE source_file IS NOT NULL "
                f"ORDER BY time, source_file, source_row) TO {sql_path(dest)} ({options})"
            )
        catalog = {t: con.sql(f"SELECT * FROM {t}").to_arrow_table() for t in CATALOG_TABLES if t != "column_values"}
    finally:
        con.close()
    moved = 0
    for part in sorted(staging.rglob("*.parquet")):
        final = root / EVENTS / part.relative_to(staging)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part, final)
        moved += 1
    for table, arrow in catalog.items():
        _replace_table(root / META / f"{table}.parquet", arrow)
    _replace_table(root / META / "column_values.parquet", _column_values(root, keys))
    manifest["rows"] = int(manifest.get("rows", 0)) + added
    manifest["files"] = int(manifest.get("files", 0)) + moved
    manifest["updated_at"] = new_manifest((), [])["updated_at"]
    write_manifest(root, manifest)
    shutil.rmtree(staging, ignore_errors=True)


def _replace_table(path: Path, table) -> None:
    import pyarrow.parquet as pq  # here, not at import: `auditql query` must not pay for pyarrow

    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def _column_values(root: Path, keys: tuple[str, ...]):
    """The value dictionary over the whole dataset, rebuilt by the same SQL the archive uses."""
    con = duckdb.connect()
    engine.no_progress_bar(con)
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute('CREATE TABLE column_values ("column" VARCHAR, value VARCHAR, n BIGINT)')
        if any((root / EVENTS).rglob("*.parquet")):
            con.execute(
                "CREATE VIEW events AS SELECT * FROM read_parquet("
                f"{sql_path(root / EVENTS / '**' / '*.parquet')}, hive_partitioning = {'true' if keys else 'false'}, "
                "union_by_name = true)"
            )
            engine.refresh_column_values(con)
        return con.sql("SELECT * FROM column_values").to_arrow_table()
    finally:
        con.close()
