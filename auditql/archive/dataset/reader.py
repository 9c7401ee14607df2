"""Open a dataset for queries: the same `events` table and catalog a DuckDB archive has, sandboxed.

The Parquet files are read in place (nothing is copied), by Arrow: DuckDB scans an Arrow dataset over the
part files, so the connection needs no file access at all and is locked down exactly as `engine.open_reader`
locks an archive file (auditql/db/sandbox.py). Allowing DuckDB to read the dataset's folder would also have
allowed it to write there: a query once rewrote a partition file with COPY. The catalog tables are small
and loaded into memory, in a schema only auditql's own code can name, except `deliveries` (a row per
record ever delivered, as large as `events`): an Arrow dataset too, read only when asked (`auditql
verify` does). The query connection sees `events` (and `_aq_dataset`, the same rows with their partition
columns, which prune() points `events` at) and nothing else.

Partition pruning: `ALL_ROWS` keeps the partition columns, so a query's `events` can be pointed at it with
the partition filters its WHERE implies (query/pruning.py; archive/parquet_dataset.py applies it); DuckDB pushes
those filters into the Arrow scan, which then opens only the matching folders.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from auditql.archive.dataset.layout import (
    CATALOG_TABLES,
    EVENTS,
    LARGE_CATALOG_TABLES,
    MANIFEST,
    META,
    PARTITION_KEYS,
    read_catalog_parquet,
    read_manifest,
)
from auditql.db import connections, sandbox
from auditql.errors import ArchiveDamaged, ArchiveMissing
from auditql.query.pruning import canonical_projection
from auditql.schema import events_ddl
from auditql.sql import error_line, sql_file, sql_ident, sql_str

ALL_ROWS = "_aq_dataset"  # the Parquet rows with their partition columns; `events` hides those
PARQUET = "_aq_parquet"  # the Arrow dataset over the part files, registered on both connections
_ARROW_TYPES = {"VARCHAR": "string", "DATE": "date32"}


def open_reader(root: Path, memory_limit: int | None = None) -> duckdb.DuckDBPyConnection:
    """Read-only, sandboxed in-memory connection whose `events` view reads the dataset at `root`, opened by
    the readers' one sequence (sandbox.open_sandboxed). Callers go through `auditql.archive.at(root)`."""
    if not (root / META / MANIFEST).exists():
        raise ArchiveMissing(
            f"{root}: not an auditql dataset yet (no {META}/{MANIFEST}); "
            f"create it with `auditql export --to {root}` or `auditql ingest --db {root} FILES…`"
        )
    manifest = read_manifest(root)
    return sandbox.open_sandboxed(
        lambda hidden: connections.in_memory(), lambda con, hidden: _fill(con, hidden, root, manifest), memory_limit
    )


def _fill(con: duckdb.DuckDBPyConnection, hidden: str, root: Path, manifest: dict) -> Callable | None:
    """Catalog tables in the hidden schema, `events` in the default one; returns what readies the query
    connection (the Arrow scan registered there too)."""
    events = root / EVENTS
    parts = sorted(events.rglob("*.parquet"))
    if not parts:
        con.execute(events_ddl())
    con.execute(f"CREATE SCHEMA {sql_ident(hidden)}")
    con.execute(f"SET search_path = '{hidden},main'")
    for table in CATALOG_TABLES:
        path = root / META / (table + ".parquet")
        if not path.exists():  # a dataset written before the table existed simply lacks it
            continue
        if table in LARGE_CATALOG_TABLES:
            con.register(table, arrow_dataset([path], root / META, ()))
        else:
            sql = f"CREATE TABLE {sql_ident(hidden)}.{table} AS SELECT * FROM read_parquet({sql_file(path)})"
            read_catalog_parquet(con, sql, path)
    keys = list(manifest.get("partition_by", []))
    columns = [c["name"] for c in manifest["columns"]]
    dataset = arrow_dataset(parts, events, keys) if parts else None
    if dataset is None:
        return None
    con.register(PARQUET, dataset)
    con.execute(f"CREATE VIEW memory.main.{ALL_ROWS} AS SELECT * FROM {PARQUET}")
    con.execute(f"CREATE VIEW memory.main.events AS SELECT {canonical_select(columns)} FROM {ALL_ROWS}")
    return lambda query: query.register(PARQUET, dataset)


def arrow_dataset(files: list, base, keys) -> Any:
    """The files as one Arrow dataset: columns unified by name across files (a later file may add some),
    partition folders typed as `PARTITION_KEYS` says. Arrow reads the files, so DuckDB needs no file access
    at all, and its filters on `vendor` and `date` still skip the folders they rule out."""
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    schemas = []
    for file in files:  # one at a time, so a damaged part is named
        try:
            schemas.append(pq.read_schema(file))
        except (OSError, pa.ArrowException) as error:
            raise ArchiveDamaged(file, error_line(error)) from None
    try:
        schema = pa.unify_schemas(schemas, promote_options="permissive")
        partitioning = None
        if keys:
            typed = pa.schema([(k, pa.type_for_alias(_ARROW_TYPES[PARTITION_KEYS[k][1]])) for k in keys])
            partitioning = ds.partitioning(typed, flavor="hive")
            schema = pa.unify_schemas([schema, typed])
        return ds.dataset(
            [str(f) for f in files],
            format="parquet",
            schema=schema,
            partitioning=partitioning,
            partition_base_dir=str(base),
        )
    except (OSError, pa.ArrowException) as error:
        raise ArchiveMissing(
            f"{base}: cannot read the dataset's Parquet files: {error_line(error, keep_class=True)}"
        ) from None


def present_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The columns of the rows `events` reads, partition columns included; none for an empty dataset."""
    if not con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [ALL_ROWS]).fetchall()[0][0]:
        return []
    return [name for (name,) in con.execute(f"SELECT name FROM pragma_table_info({sql_str(ALL_ROWS)})").fetchall()]


def canonical_select(present: list[str]) -> str:
    """The canonical columns in order; a query result exported without some of them has them as NULL
    (its other columns stay readable by Spark, Trino or DuckDB's read_parquet, not as `events`)."""
    return ", ".join(e.sql(dialect="duckdb") for e in canonical_projection(present))
