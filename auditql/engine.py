"""Owns the DuckDB connections to an archive: a short-lived writer for ingest and a locked-down reader for
queries.

Why two: DuckDB lets only one process hold a database file read-write, and while it does nobody else can
even read it. So writers open late and close early (the REPL never sits on a write lock), and queries run on
a read-only connection with external access disabled and configuration locked — a second line of defence
should the query allowlist ever miss something.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from auditql.errors import ArchiveBusy, ArchiveMissing
from auditql.schema import events_ddl

ARCHIVE_DDL: tuple[str, ...] = (
    events_ddl(),
    """CREATE TABLE IF NOT EXISTS sources (
      source_file VARCHAR, sha256 VARCHAR, bytes BIGINT, vendor VARCHAR, format VARCHAR, mapping VARCHAR,
      records_read BIGINT, added BIGINT, duplicates BIGINT, rejected BIGINT,
      first_time TIMESTAMPTZ, last_time TIMESTAMPTZ, ingested_at TIMESTAMPTZ, tool_version VARCHAR,
      columns JSON)""",
    """CREATE TABLE IF NOT EXISTS rejects (
      source_file VARCHAR, line BIGINT, source_row BIGINT, reason VARCHAR, record VARCHAR,
      ingested_at TIMESTAMPTZ)""",
    "CREATE TABLE IF NOT EXISTS fields (vendor VARCHAR, field VARCHAR)",
    'CREATE TABLE IF NOT EXISTS column_values ("column" VARCHAR, value VARCHAR, n BIGINT)',
)
# Low-cardinality columns whose distinct values are kept in `column_values` at ingest, so completion and
# summaries stay instant on a 10-million-event archive.
VALUE_COLUMNS: tuple[str, ...] = (
    "vendor",
    "category",
    "outcome",
    "action",
    "actor_name",
    "actor_type",
    "target_type",
    "status_code",
    "tenant",
)
MAX_VALUES_PER_COLUMN = 500


def refresh_column_values(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the value dictionary (top values per column by frequency)."""
    parts = " UNION ALL ".join(
        f'SELECT \'{c}\' AS "column", "{c}"::VARCHAR AS value, count(*) AS n FROM events '
        f'WHERE "{c}" IS NOT NULL GROUP BY ALL'
        for c in VALUE_COLUMNS
    )
    con.execute("DELETE FROM column_values")
    con.execute(
        f'INSERT INTO column_values SELECT "column", value, n FROM ({parts}) '
        f'QUALIFY row_number() OVER (PARTITION BY "column" ORDER BY n DESC, value) <= {MAX_VALUES_PER_COLUMN}'
    )


# Time parsing in SQL: ISO 8601 with Z / offset / none (UTC), vendor strptime formats, and epoch seconds,
# milliseconds or microseconds told apart by magnitude. TIMESTAMPTZ, never TIMESTAMP: the latter silently
# drops offsets.
TIME_MACROS: tuple[str, ...] = (
    """CREATE OR REPLACE TEMP MACRO aq_epoch(x) AS CASE
         WHEN abs(x) < 1e11 THEN to_timestamp(x)
         WHEN abs(x) < 1e14 THEN to_timestamp(x / 1e3)
         WHEN abs(x) < 1e17 THEN to_timestamp(x / 1e6) END""",
    """CREATE OR REPLACE TEMP MACRO aq_parse_time(s, fmts) AS CASE
         WHEN s IS NULL THEN NULL
         WHEN regexp_full_match(s, '\\s*-?[0-9]+(\\.[0-9]+)?\\s*') THEN aq_epoch(TRY_CAST(trim(s) AS DOUBLE))
         ELSE coalesce(TRY_CAST(s AS TIMESTAMPTZ), TRY_CAST(try_strptime(trim(s), fmts) AS TIMESTAMPTZ)) END""",
)
EARLIEST, LATEST = "1990-01-01 00:00:00+00", "2100-01-01 00:00:00+00"
LOCK_WAIT_SECONDS = float(os.environ.get("AUDITQL_LOCK_WAIT", "10"))


def default_db_path() -> Path:
    """`$AUDITQL_DB`, else `archive.duckdb` in the user's data directory (XDG on Linux)."""
    env = os.environ.get("AUDITQL_DB")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("auditql")) / "archive.duckdb"


def _is_lock_error(exc: duckdb.Error) -> bool:
    return "lock" in str(exc).lower() and ("conflicting" in str(exc).lower() or "could not set" in str(exc).lower())


def _busy(path: Path, exc: duckdb.Error) -> ArchiveBusy:
    pid = re.search(r"PID (\d+)", str(exc))
    holder = f" (held by PID {pid.group(1)})" if pid else ""
    return ArchiveBusy(f"{path}: archive busy{holder}; try again when that process has finished")


def _connect(path: Path, read_only: bool, notify=None) -> duckdb.DuckDBPyConnection:
    """Connect, waiting a little for another process's write lock (ingests are short) before giving up."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    told = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                if _is_lock_error(exc):
                    raise _busy(path, exc) from None
                raise ArchiveMissing(f"{path}: cannot open archive: {str(exc).splitlines()[0]}") from None
            if notify and not told:
                notify(f"{path}: archive busy, waiting up to {LOCK_WAIT_SECONDS:.0f}s …")
                told = True
            time.sleep(0.2)


@contextmanager
def writer(path: Path, notify=None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Read-write connection for one ingest; the schema is created on first use; closed on exit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect(path, read_only=False, notify=notify)
    try:
        con.execute("SET TimeZone = 'UTC'")
        for ddl in ARCHIVE_DDL:
            con.execute(ddl)
        for macro in TIME_MACROS:
            con.execute(macro)
        yield con
    finally:
        con.close()


def reader(path: Path, notify=None) -> duckdb.DuckDBPyConnection:
    """Read-only, sandboxed connection for user queries (the caller closes it)."""
    if not path.exists():
        raise ArchiveMissing(f"{path}: no archive here yet; run `auditql ingest --db {path} FILES…` first")
    con = _connect(path, read_only=True, notify=notify)
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def scratch() -> duckdb.DuckDBPyConnection:
    """In-memory connection with the ingest macros, for looking at files without an archive."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for macro in TIME_MACROS:
        con.execute(macro)
    return con
