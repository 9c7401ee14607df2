"""`auditql ingest --db DIR`: add files to a dataset with exactly the accounting of a DuckDB archive.

Rather than a second implementation of dedup, the normal ingest runs against a scratch DuckDB archive
seeded with what dedup needs from the dataset: its catalog tables (`deliveries` among them: every record
ever delivered, which dedup decides by) and one placeholder per stored event, the stored row without
`raw`, which dominates its size (with --vendor only that vendor's partitions; `raw` NULL tells a
placeholder from a row the ingest adds). Ingest then dedups against the dataset as it would against an
archive file, and may replace stored events by better copies. Afterwards the rows it added become new
uniquely named part files in their partitions, the part files holding rows it replaced are written again
without them (replaced.py), and the catalog files and the manifest are replaced whole.

All of that is staged first and published by one plan (publish.py): new parts, then rewritten parts,
then the catalog, then the manifest. A crash before the plan is written leaves the dataset as it was; a
crash after it leaves a partly published state (a query may see a new row beside the row it replaces)
that the next ingest finishes before it reads anything, so no event is ever stored twice and the
manifest's counts stay exact.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import duckdb

from auditql import tables
from auditql.archive.dataset import publish, replaced
from auditql.archive.dataset.layout import (
    CATALOG_TABLES,
    DEFAULT_PARTITION_BY,
    EVENTS,
    MANIFEST,
    META,
    PARTITION_KEYS,
    locked,
    new_manifest,
    part_files,
    read_catalog_parquet,
    read_manifest,
    sql_path,
)
from auditql.db import archive_file, connections
from auditql.errors import ArchiveDamaged, UsageError
from auditql.ingest.run import Report
from auditql.ingest.run import ingest as ingest_archive
from auditql.read import unpack
from auditql.schema import COLUMNS
from auditql.sql import error_line, sql_file, sql_ident

SCRATCH_PREFIX = ".ingest-"


def ingest_into(
    paths: Iterable[Path],
    root: Path,
    vendor: str | None = None,
    mappings: Iterable[Path] = (),
    limits: unpack.Limits | None = None,
    progress: Callable[[str], None] | None = None,
    notify: Callable[[str], None] | None = None,
    **options: Any,
) -> Report:
    """Ingest like `auditql.ingest.run.ingest` (same arguments; `options` pass through, e.g. memory_limit)."""
    if not (root / META).is_dir() and any(root.iterdir()):
        raise UsageError(
            f"{root}: folder is neither empty nor an auditql dataset; ingest into an empty folder to start one"
        )
    with locked(root):
        publish.replay(root)  # an ingest killed after its plan was written is finished first
        for stale in (root / META).glob(SCRATCH_PREFIX + "*"):  # scratch folders of killed ingests
            shutil.rmtree(stale, ignore_errors=True)
        exists = (root / META / MANIFEST).exists()
        manifest = read_manifest(root) if exists else _fresh_manifest()
        _check_columns(root, manifest)
        with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX, dir=root / META) as tmp:
            scratch = Path(tmp) / "scratch.duckdb"
            with archive_file.writer(scratch, memory_limit=options.get("memory_limit")) as con:
                _seed(con, root, manifest, vendor if exists else None)
            report = ingest_archive(paths, scratch, vendor, mappings, limits, progress, notify, **options)
            # Always: even a run whose every file failed has custody entries saying so.
            with archive_file.writer(scratch, memory_limit=options.get("memory_limit")) as con:
                _publish(con, root, manifest)
    return report


def _check_columns(root: Path, manifest: dict) -> None:
    """Dedup needs every stored row's key and position: a query result exported without them is no archive.
    Nor is one with them: it carries only its own events' deliveries (dedup would decide against a part of
    the record), and its custody ends in the export's entry, which later files would not add up to."""
    names = {c["name"] for c in manifest["columns"]}
    missing = [c for c in replaced.KEY if c not in names]
    if missing:
        raise UsageError(
            f"{root}: this dataset has no {', '.join(missing)} column (a query result exported without it); "
            "ingest only into a dataset of whole events"
        )
    if manifest.get("query"):
        raise UsageError(
            f"{root}: this dataset is the result of a query ({manifest['query']!r}), not an archive; ingest into "
            "the archive it came from and export again"
        )


def _seed(con: duckdb.DuckDBPyConnection, root: Path, manifest: dict, vendor: str | None) -> None:
    """Catalog tables as they are, and a placeholder for each stored event (replaced.seed)."""
    for table in CATALOG_TABLES:
        path = root / META / f"{table}.parquet"
        if path.exists():
            read_catalog_parquet(con, f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet({sql_file(path)})", path)
    keys = manifest.get("partition_by", [])
    columns = [c["name"] for c in manifest["columns"]]
    try:
        replaced.seed(con, part_files(root), columns, bool(keys), vendor if "vendor" in keys else None)
    except (duckdb.IOException, duckdb.InvalidInputException) as error:  # DuckDB's text names the part file
        raise ArchiveDamaged(root / EVENTS, error_line(error)) from None


def _publish(con: duckdb.DuckDBPyConnection, root: Path, manifest: dict) -> None:
    """Stage the new parts, the rewritten parts, the catalog and the manifest, then publish them in one plan."""
    publication = publish.Publication(root)
    try:
        before = part_files(root)
        added, new_parts = _stage_new_parts(con, publication, manifest)
        removed = replaced.remove(con, publication)
        for table in CATALOG_TABLES:
            if table != "column_values":
                staged = publication.staged(root / META / f"{table}.parquet")
                con.execute(f"COPY {table} TO {sql_path(staged)} (FORMAT parquet, COMPRESSION zstd)")
                publication.move(staged, root / META / f"{table}.parquet")
        after = _parts_after(root, publication, before, new_parts)
        staged = publication.staged(root / META / "column_values.parquet")
        _write_column_values(after, bool(manifest.get("partition_by")), staged)
        publication.move(staged, root / META / "column_values.parquet")
        manifest["rows"] = int(manifest.get("rows", 0)) + added - removed.rows
        manifest["files"] = len(after)
        manifest["updated_at"] = new_manifest((), [])["updated_at"]
        staged = publication.staged(root / META / MANIFEST)
        staged.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        publication.move(staged, root / META / MANIFEST)
    except BaseException as exc:
        publish.abandon(root)
        if isinstance(exc, OSError):
            raise UsageError(
                f"{root}: cannot write the dataset ({exc.strerror or exc}); nothing was published"
            ) from None
        raise
    try:
        publication.commit()
    except OSError as exc:
        raise UsageError(
            f"{root}: cannot write the dataset ({exc.strerror or exc}); the next ingest into it finishes publishing "
            "this one"
        ) from None


def _stage_new_parts(
    con: duckdb.DuckDBPyConnection, publication: publish.Publication, manifest: dict
) -> tuple[int, list[Path]]:
    """The rows this ingest stored (not placeholders: those have no `raw`) as new part files; (rows, parts)."""
    keys = tuple(manifest.get("partition_by", []))
    names = [c["name"] for c in manifest["columns"]]
    select = ", ".join(f"{sql_ident(n)}::VARCHAR AS {sql_ident(n)}" if n == "raw" else sql_ident(n) for n in names)
    select += "".join(f", {PARTITION_KEYS[k][0]} AS {sql_ident(k)}" for k in keys if k not in names)
    folder = publication.staging / "new"
    folder.mkdir(parents=True)
    options = "FORMAT parquet, COMPRESSION zstd"
    dest = folder / f"part-{uuid.uuid4()}.parquet"
    if keys:
        options += f", FILENAME_PATTERN 'part-{{uuid}}', PARTITION_BY ({', '.join(map(sql_ident, keys))})"
        dest = folder
    row = con.execute(
        f"COPY (SELECT {select} FROM events WHERE raw IS NOT NULL ORDER BY time, source_file, source_row) "
        f"TO {sql_path(dest)} ({options})"
    ).fetchone()
    added = int(row[0]) if row else 0
    finals = []
    for part in sorted(folder.rglob("*.parquet")) if added else []:
        final = publication.root / EVENTS / part.relative_to(folder)
        publication.move(part, final)
        finals.append(final)
    return added, finals


def _parts_after(root: Path, publication: publish.Publication, before: list[Path], new: list[Path]) -> list[Path]:
    """The part files once published, each where it can be read now (a rewritten part: its staged copy)."""
    staged = {root / step[2]: root / step[1] for step in publication.steps if step[0] == "move"}
    deleted = {root / step[1] for step in publication.steps if step[0] == "delete"}
    return [staged.get(p, p) for p in [*before, *new] if p not in deleted]


def _fresh_manifest() -> dict:
    stored = {"JSON": "VARCHAR", "TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}  # as export records them
    columns = [(c.name, stored.get(c.type, c.type)) for c in COLUMNS]
    return new_manifest(DEFAULT_PARTITION_BY, columns, rows=0, files=0, source=None, query=None)


def _write_column_values(parts: list[Path], hive: bool, target: Path) -> None:
    """The value dictionary over the whole dataset, rebuilt by the same SQL the archive uses."""
    con = connections.parquet_writer()
    try:
        con.execute(tables.COLUMN_VALUES)
        if parts:
            files = "[" + ", ".join(sql_file(p) for p in parts) + "]"  # a view takes no parameters
            con.execute(
                f"CREATE VIEW events AS SELECT * FROM read_parquet({files}, "
                f"hive_partitioning = {str(hive).lower()}, union_by_name = true)"
            )
            archive_file.refresh_column_values(con)
        con.execute(f"COPY column_values TO {sql_path(target)} (FORMAT parquet, COMPRESSION zstd)")
    finally:
        con.close()
