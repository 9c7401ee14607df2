"""The one surface the front ends (CLI, REPL, notebook magic, web view, Spark) share: open an archive, read its
catalog, translate and run a query, ingest files, verify custody, export. Front ends parse input and print;
they hold no SQL of their own and never import DuckDB (an import contract in pyproject.toml says so,
tests/test_architecture.py runs it). Which storage an archive is (a DuckDB file or a Parquet dataset) is
the `Archive`'s business (auditql/archive/), never a front end's.

`from auditql import api` and `api.X` are the interface; the modules behind it follow the data:
- translation.py: what a query is resolved against (catalog, mappings, identities) and `prepare`;
- queries.py: running a translation (`run`, `stream`, `arrow_stream`, `query`), deadlines, `Result`;
- archives.py: archives as wholes (`reader`, `opened`, `ingest`, `verify`, `export`, …);
- listings.py: the archive's own tables as rows, the value dictionary, the timeline's counts.
"""

from __future__ import annotations

from auditql.api.archives import (
    Connection,
    archive_for_files,
    dataset_layout,
    default_db_path,
    default_memory_limit,
    export,
    ingest,
    is_dataset,
    opened,
    parse_partition_by,
    reader,
    verify,
)
from auditql.api.listings import listing, stream_listing, time_buckets, value_lists
from auditql.api.queries import (
    BATCH_ROWS,
    DEFAULT_TIMEOUT,
    Deadline,
    Result,
    Stream,
    arrow_stream,
    ctrl_c_cancels,
    interrupt,
    query,
    query_progress,
    run,
    stream,
)
from auditql.api.translation import (
    TABLE_COLUMNS,
    catalog,
    identities,
    parse_when,
    prepare,
    time_fields,
    translate,
    vendor_mappings,
)

__all__ = [
    "BATCH_ROWS",
    "DEFAULT_TIMEOUT",
    "TABLE_COLUMNS",
    "Connection",
    "Deadline",
    "Result",
    "Stream",
    "archive_for_files",
    "arrow_stream",
    "catalog",
    "ctrl_c_cancels",
    "dataset_layout",
    "default_db_path",
    "default_memory_limit",
    "export",
    "identities",
    "ingest",
    "interrupt",
    "is_dataset",
    "listing",
    "opened",
    "parse_partition_by",
    "parse_when",
    "prepare",
    "query",
    "query_progress",
    "reader",
    "run",
    "stream",
    "stream_listing",
    "time_buckets",
    "time_fields",
    "translate",
    "value_lists",
    "vendor_mappings",
    "verify",
]
