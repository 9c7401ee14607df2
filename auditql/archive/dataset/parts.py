"""Which Parquet part file holds each event of a dataset, so `verify --db DIR` names the file an edit is in;
and a query result's own columns (an aggregate's `n`), which its export entry's digest covers.

Why a view of its own: the query view `events` hides where a row comes from (user SQL has no business with
file names); verify reads the same rows, as `events` shows them, plus the part file's path within the
dataset. Arrow reads the part files (the reader connection may read no file itself).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from auditql.archive.dataset.layout import EVENTS, read_manifest
from auditql.archive.dataset.reader import arrow_dataset, canonical_select  # the files, and `events`, as a query reads

# them
from auditql.schema import COLUMN_NAMES
from auditql.sql import sql_ident, sql_str

VIEW = "_aq_verify_events"
PART = "_aq_part"
PARTS = "_aq_parts"  # the Arrow table of rows and their part file
FILENAME = "_aq_filename"


def events_with_parts(con: duckdb.DuckDBPyConnection, root: Path) -> tuple[str, str | None]:
    """Create the view on `con` (a dataset reader); returns (relation, part column) for `verification.verify`."""
    files = sorted((root / EVENTS).rglob("*.parquet"))
    if not files:
        return "events", None
    manifest = read_manifest(root)
    columns = [c["name"] for c in manifest["columns"]]
    extra = "".join(f", {sql_ident(c)}" for c in columns if c not in COLUMN_NAMES)  # a query result's own columns
    prefix = sql_str(str(root / EVENTS) + "/")
    con.register(PARTS, _with_file_names(files, root / EVENTS, list(manifest.get("partition_by", []))))
    con.execute(
        f"CREATE TEMP VIEW {VIEW} AS SELECT {canonical_select(columns)}{extra}, "
        f"'{EVENTS}/' || replace({FILENAME}, {prefix}, '') AS {PART} FROM {PARTS}"
    )
    return VIEW, PART


def _with_file_names(files: list[Path], base: Path, keys: list[str]):
    """The part files' rows with the path of the file each came from, read by Arrow: the reader connection
    has no file access at all (auditql/db/sandbox.py), so DuckDB cannot be asked for `filename`. Materialized,
    because verify scans it more than once."""
    import pyarrow as pa

    schema = arrow_dataset(files, base, keys).schema
    tables = []
    for f in files:  # one file at a time: this pyarrow has no `__filename` field to project
        table = arrow_dataset([f], base, keys).to_table()
        tables.append(table.append_column(FILENAME, pa.array([str(f)] * table.num_rows, pa.string())))
    return pa.concat_tables(tables, promote_options="permissive") if tables else schema.empty_table()
