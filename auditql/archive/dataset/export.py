"""`auditql export`: the archive, or one query's result, as a hive-partitioned zstd Parquet dataset.

The query runs where every query runs — on the sandboxed reader — and its rows stream out as Arrow
batches to a second, in-memory DuckDB connection that sees nothing but that stream and writes the
partitioned files (DuckDB's `COPY … PARTITION_BY`), so exporting never loosens the query sandbox.

The catalog tables travel along; a query's result carries only the deliveries of the events it holds (see
`_write_deliveries`), the rest of the catalog whole.

Atomic: everything is written into `DIR.partial-<pid>` and renamed to DIR only once complete; any failure
removes the partial folder. `--overwrite` swaps a finished new dataset in for the old one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import duckdb

from auditql.archive.dataset.layout import (
    CATALOG_TABLES,
    DEFAULT_PARTITION_BY,
    EVENTS,
    LARGE_CATALOG_TABLES,
    MANIFEST,
    META,
    PARTITION_KEYS,
    PARTITION_SOURCE,
    new_manifest,
    sql_path,
    write_manifest,
)
from auditql.db import connections
from auditql.db import sandbox as lockdown
from auditql.errors import IOFailure, QueryError, UsageError, environment_error
from auditql.read.formats import first_line
from auditql.schema import COLUMNS
from auditql.sql import glob_escaped, sql_ident, sql_str

if TYPE_CHECKING:
    from auditql.query import Translation

BATCH_ROWS = 100_000


@dataclass
class ExportSummary:
    target: Path
    rows: int
    files: int
    partition_by: tuple[str, ...]
    warnings: list[str] = field(default_factory=list)


class Source(Protocol):
    """The archive exported (an `auditql.archive.Archive`): where it is, and its sandboxed reader."""

    path: Path

    def reader(self) -> duckdb.DuckDBPyConnection: ...


def export(
    source: Source,
    target: Path,
    prepare: Callable[[duckdb.DuckDBPyConnection, str], Translation],
    text: str | None = None,
    partition_by: tuple[str, ...] | None = None,
    overwrite: bool = False,
) -> ExportSummary:
    """Write the archive `source` (or the result of `text`, translated by `prepare` for that archive's
    reader) as a dataset at `target`."""
    db = source.path
    _check_target(target, overwrite)
    con = source.reader()
    try:
        translation = prepare(con, text or "SELECT * FROM events ORDER BY time, source_file, source_row")
        # a dataset's reader has `deliveries` as a registered Arrow dataset (a view), an archive file's as a table
        present = {
            name
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views()"
            ).fetchall()
        }
        catalog = {
            t: con.sql(f"SELECT * FROM {t}").to_arrow_table()
            for t in CATALOG_TABLES
            if t in present and t not in LARGE_CATALOG_TABLES
        }
        result = lockdown.query_connection(con).sql(translation.sql, params=translation.params or None)
        columns = [(name, str(kind)) for name, kind in zip(result.columns, result.types, strict=True)]
        keys = _partition_keys(partition_by, [name for name, _ in columns], explicit=partition_by is not None)
        partial = target.parent / f"{target.name}.partial-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        try:
            (partial / META).mkdir(parents=True)
            import pyarrow.parquet as pq  # here, not at import: `auditql query` must not pay for pyarrow

            for table, arrow in catalog.items():
                if not (table == "manifest" and text is not None):  # a query's result adds its own entry below
                    pq.write_table(arrow, partial / META / f"{table}.parquet", compression="zstd")
            rows = _write_events(result.to_arrow_reader(BATCH_ROWS), columns, keys, partial / EVENTS)
            if "deliveries" in present:
                deliveries = con.sql("SELECT * FROM deliveries").to_arrow_reader(BATCH_ROWS)
                subset = text is not None and "event_key" in {name for name, _ in columns}
                _write_deliveries(deliveries, partial, subset=subset, whole=text is None)
            files = sum(1 for _ in (partial / EVENTS).rglob("*.parquet"))
            write_manifest(
                partial,
                new_manifest(keys, _canonical_types(columns), rows=rows, files=files, source=str(db), query=text),
            )
            if text is not None and "manifest" in catalog:
                whole = {c.name for c in COLUMNS} <= {name for name, _ in columns}
                _record_export(catalog["manifest"], partial, db, text, rows, whole)
            _swap_in(partial, target)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
    except duckdb.Error as exc:
        refused = environment_error(exc, db)  # disk full, or the archive is damaged
        if isinstance(refused, IOFailure):
            raise IOFailure(f"{target}: cannot write the dataset: {str(refused).rsplit(': ', 1)[-1]}") from None
        if refused is not None:
            raise refused from None
        raise QueryError(f"export failed: {first_line(exc)}") from None
    except OSError as exc:
        raise UsageError(f"{target}: cannot write the dataset: {exc.strerror or exc}") from None
    finally:
        con.close()
    return ExportSummary(target, rows, files, keys, list(translation.warnings))


def _check_target(target: Path, overwrite: bool) -> None:
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target}: exists and is not a folder; choose another --to")
    if target.is_dir() and any(target.iterdir()):
        if not overwrite:
            raise UsageError(f"{target}: folder is not empty; pass --overwrite to replace it, or choose another --to")
        if not (target / META / MANIFEST).is_file():  # --overwrite replaces datasets, never any other folder
            raise UsageError(
                f"{target}: not an auditql dataset (no {META}/{MANIFEST}); --overwrite will not replace it"
            )


def _partition_keys(wanted: tuple[str, ...] | None, names: list[str], explicit: bool) -> tuple[str, ...]:
    """Keys whose source column the result has; an explicitly requested key it lacks is an error."""
    keys = DEFAULT_PARTITION_BY if wanted is None else wanted
    missing = [k for k in keys if PARTITION_SOURCE[k] not in names]
    if missing and explicit:
        raise UsageError(
            f"--partition-by {','.join(missing)} needs the column(s) "
            f"{', '.join(PARTITION_SOURCE[k] for k in missing)} in the result; add them or use --partition-by none"
        )
    return tuple(k for k in keys if k not in missing)


def _write_events(reader, columns: list[tuple[str, str]], keys: tuple[str, ...], folder: Path) -> int:
    """Stream the Arrow batches into Parquet files, one folder per partition value (or flat when none)."""
    writer = connections.parquet_writer()
    try:
        writer.register("_aq_result", reader)
        select = ", ".join(
            f"{sql_ident(name)}::VARCHAR AS {sql_ident(name)}" if name == "raw" or kind == "JSON" else sql_ident(name)
            for name, kind in columns
        )
        present = {n for n, _ in columns}
        select += "".join(f", {PARTITION_KEYS[k][0]} AS {sql_ident(k)}" for k in keys if k not in present)
        folder.mkdir(parents=True, exist_ok=True)
        options = "FORMAT parquet, COMPRESSION zstd"
        if keys:
            options += ", FILENAME_PATTERN 'part-{uuid}', PARTITION_BY (" + ", ".join(map(sql_ident, keys)) + ")"
            destination = folder
        else:
            destination = folder / "part-0.parquet"
        row = writer.execute(
            f"COPY (SELECT {select} FROM _aq_result) TO {sql_path(destination)} ({options})"
        ).fetchall()
        return int(row[0][0]) if row else 0
    finally:
        writer.close()


def _write_deliveries(deliveries, partial: Path, subset: bool, whole: bool) -> None:
    """`deliveries` as the dataset's catalog table: whole for the whole archive; for a query's result, the
    deliveries of the events it holds (by `event_key`) and the id-less copies each such event absorbed
    (same content key, no id); none for a result without `event_key` (its rows are no events to add to)."""
    writer = connections.parquet_writer()
    try:
        writer.register("_aq_deliveries", deliveries)
        query = "SELECT * FROM _aq_deliveries"
        exported = sql_str(glob_escaped(str(partial / EVENTS)) + "/**/*.parquet")  # every part, however named
        if subset and any((partial / EVENTS).rglob("*.parquet")):
            writer.execute(f"CREATE TEMP TABLE d AS {query}")
            query = f"""WITH kept AS (SELECT DISTINCT event_key FROM read_parquet({exported},
                                      hive_partitioning = false, union_by_name = true)),
                         theirs AS (SELECT DISTINCT content_key FROM d SEMI JOIN kept USING (event_key))
                    SELECT * FROM d WHERE event_key IN (SELECT event_key FROM kept)
                       OR (event_key = content_key AND content_key IN (SELECT content_key FROM theirs))"""
        elif not whole:
            query += " LIMIT 0"
        writer.execute(
            f"COPY ({query}) TO {sql_path(partial / META / 'deliveries.parquet')} (FORMAT parquet, COMPRESSION zstd)"
        )
    finally:
        writer.close()


def _record_export(manifest, partial: Path, db: Path, text: str, rows: int, whole: bool) -> None:
    """A query's result holds some of the archive's events, so its files' custody entries no longer add up:
    the dataset's chain gets an "export" entry of its own, linked to the archive's head, recording the
    query and committing to what was written — its events as `events` shows them and its deliveries
    (digests.py). `verify --db DIR` checks the result against that entry (ingest/contents.py). Its `format` says
    whether the rows are whole events ("events": each is also checked against its delivery) or not ("rows")."""
    from auditql import __version__, digests
    from auditql.archive.dataset.parts import events_with_parts
    from auditql.archive.dataset.reader import open_reader
    from auditql.ingest import contents, custody

    reader = open_reader(partial)  # the dataset exactly as `verify --db DIR` will read it
    try:
        _, events_digest = contents.rows_digest(reader, *events_with_parts(reader, partial))
        has_deliveries = reader.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'deliveries'").fetchone()
        delivered = (
            digests.streamed_multisets(reader, digests.DELIVERY_ROW, "deliveries").get(None, (0, digests.EMPTY))
            if has_deliveries and has_deliveries[0]
            else None
        )
    finally:
        reader.close()
    con = connections.parquet_writer(progress_bar=True)
    try:
        con.register("_aq_manifest", manifest)
        for ddl in custody.MANIFEST_DDL:
            con.execute(ddl)
        con.execute("INSERT INTO manifest BY NAME SELECT * FROM _aq_manifest")
        entry = custody.Entry("export", "exported", None, str(db), None, None, tool_version=__version__, note=text)
        entry.records_read, entry.added, entry.format = rows, rows, "events" if whole else "rows"
        entry.events_digest = events_digest
        entry.deliveries_digest = delivered[1] if delivered else digests.EMPTY
        custody.append(con, entry)
        con.execute(
            f"COPY manifest TO {sql_path(partial / META / 'manifest.parquet')} (FORMAT parquet, COMPRESSION zstd)"
        )
    finally:
        con.close()


def _canonical_types(columns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Column types as stored in Parquet: JSON is written as text (every engine reads it as a string)."""
    return [(name, "VARCHAR" if kind == "JSON" else kind) for name, kind in columns]


def _swap_in(partial: Path, target: Path) -> None:
    """Rename the finished dataset into place; an existing one is moved aside first and removed after."""
    if target.is_dir() and any(target.iterdir()):
        old = target.parent / f"{target.name}.old-{os.getpid()}"
        os.rename(target, old)
        try:
            os.rename(partial, target)
        except OSError:
            os.rename(old, target)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        if target.is_dir():
            target.rmdir()
        os.rename(partial, target)
