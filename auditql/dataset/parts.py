"""Which Parquet part file holds each event of a dataset, so `verify --db DIR` names the file an edit is in;
and a query result's own columns (an aggregate's `n`), which its export entry's digest covers.

Why a view of its own: the query view `events` hides where a row comes from (user SQL has no business with
file names); verify reads the same rows, as `events` shows them, plus the part file's path within the
dataset. Only the dataset's own `events/` folder is read, which the sandboxed reader allows.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from auditql.dataset.layout import EVENTS, read_manifest, sql_path
from auditql.dataset.reader import _canonical_select as canonical_select  # the view `events` is, exactly
from auditql.schema import COLUMN_NAMES

VIEW = "_aq_verify_events"
PART = "_aq_part"


def events_with_parts(con: duckdb.DuckDBPyConnection, root: Path) -> tuple[str, str | None]:
    """Create the view on `con` (a dataset reader); returns (relation, part column) for `custody.verify`."""
    files = sorted((root / EVENTS).rglob("*.parquet"))
    if not files:
        return "events", None
    manifest = read_manifest(root)
    columns = [c["name"] for c in manifest["columns"]]
    hive = "true" if manifest.get("partition_by") else "false"
    prefix = "'" + (str(root / EVENTS) + "/").replace("'", "''") + "'"
    extra = "".join(f', "{c}"' for c in columns if c not in COLUMN_NAMES)  # a query result's own columns
    con.execute(
        f"CREATE TEMP VIEW {VIEW} AS SELECT {canonical_select(columns)}{extra}, "
        f"'{EVENTS}/' || replace(filename, {prefix}, '') AS {PART} "
        f"FROM read_parquet({sql_path(root / EVENTS / '**' / '*.parquet')}, filename = true, "
        f"hive_partitioning = {hive}, union_by_name = true)"
    )
    return VIEW, PART
