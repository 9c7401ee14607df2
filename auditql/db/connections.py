"""The one place that opens DuckDB connections, and the settings every kind of connection gets.

Why a module of its own rather than db/archive_file.py: db/archive_file.py owns an archive's *lifecycle* (its tables,
lock
waiting, where its temporary and unpack folders go), while connections are also opened by code that has
no archive at all — the format sniffers' probes, the Parquet writers of `auditql export`, a dataset's
reader, the sandbox's pattern checker. Those would otherwise import db/archive_file.py (and its schema and custody
imports) for one `duckdb.connect`. So: named constructors for each kind here, the settings they share
here (UTC, no progress bar, the memory budget, the time macros), and nothing else calls `duckdb.connect`
(tests/test_connections.py checks). The sandbox itself stays in db/sandbox.py (docs/sandbox.md), which
locks connections made here.

The kinds, and what each one sets (each exactly what its callers set before this module existed):
- `archive_file`: a DuckDB archive file, read-write for an ingest or read-only; settings are the caller's
  (engine.writer sets UTC, the budget and a temporary folder; file_cache reads it as it is).
- `archive_attached`: an in-memory database with an archive file attached read-only under a hidden name,
  for the sandboxed reader of an archive file (engine.open_reader, then lockdown.lock).
- `in_memory`: an empty in-memory database, nothing set: the dataset reader and the pattern checker, which
  lockdown.lock then locks.
- `probe`: a cursor on one such database, kept for the process, for the format sniffers, which ask DuckDB
  one question on a connection of their own (a failed statement on the ingest's connection would abort its
  transaction).
- `parquet_writer`: in-memory, UTC, for writing Parquet files from Arrow streams (export, a dataset ingest).
- `scratch`: in-memory, UTC, with the ingest time macros, for looking at files without an archive.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

# One CSV row or NDJSON record; bigger is a rejected line, not a crash. A connection setting: the writer lowers
# it under a memory limit (`aq_line_cap`), and every reader's options read that variable first.
MAX_LINE_BYTES = 64 * 1024 * 1024

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

# What DuckDB allocates beyond its own memory_limit (scan buffers, per-thread state, the allocator's caches):
# measured 60-90 MB over the limit at 48-256 MB limits, ingesting a 4x larger NDJSON file.
DUCKDB_OVERSHOOT = 64 * 2**20
SMALL_LIMIT = 128 * 2**20  # below this DuckDB gets one thread: each thread's buffers need room of their own
DUCKDB_MINIMUM = 48 * 2**20  # a JSON document read needs a 32 MB buffer, plus room to work in


# The storage version new archive files are written at: the DuckDB CLI people have installed (`duckdb-cli` 1.5.6,
# the newest on PyPI) cannot open a file written at DuckDB 2.0's default ("latest"). The version is stored in the
# file when it is created, so later writes by any DuckDB keep it (PITFALLS.md; tests/test_duckdb_cli.py).
STORAGE_VERSION = "v1.5.0"


def _connect(
    database: str = ":memory:", read_only: bool = False, storage: str | None = None
) -> duckdb.DuckDBPyConnection:
    config: dict[str, str | bool | int | float | list[str]] = {}
    if storage is not None:
        config["storage_compatibility_version"] = storage
    return duckdb.connect(database, read_only=read_only, config=config)


def archive_file(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """The archive file itself; raises duckdb.Error as DuckDB does (a lock held elsewhere, damage)."""
    return _connect(str(path), read_only=read_only, storage=None if read_only else STORAGE_VERSION)


def archive_attached(path: Path, name: str) -> duckdb.DuckDBPyConnection:
    """An in-memory database with the archive at `path` attached read-only as `name`."""
    with closed_on_error(_connect()) as con:
        con.execute(f'ATTACH ? AS "{name}" (READ_ONLY)', [str(path)])
    return con


def in_memory() -> duckdb.DuckDBPyConnection:
    """An empty in-memory database with DuckDB's defaults; the caller sets it up (and locks it)."""
    return _connect()


# The database the probes are cursors of: opened once per process, on the first question.
_probes: duckdb.DuckDBPyConnection | None = None
_probes_lock = threading.Lock()


def probe() -> duckdb.DuckDBPyConnection:
    """A connection of its own for one question about a file's format, closed by the caller: a cursor on an
    empty in-memory database the process keeps for these questions. Opening a database costs ~14 ms, and a
    JSON file asks two questions: 28 of the 138 ms a one-record API page took to ingest, the file `auditql pull`
    lands most. A cursor is a connection of its own (a failed statement on it leaves the others alone);
    closing it leaves the database. No probe sets anything or creates a table, so none sees another's."""
    global _probes
    with _probes_lock:
        if _probes is None:
            _probes = _connect()
        return _probes.cursor()


def parquet_writer(progress_bar: bool = False) -> duckdb.DuckDBPyConnection:
    """In-memory, UTC, for writing Parquet files from Arrow streams. progress_bar: leave DuckDB's default
    (only `export`'s custody entry did so; its COPY of a few rows never lasts long enough to draw one)."""
    with closed_on_error(_connect()) as con:
        if progress_bar:
            con.execute("SET TimeZone = 'UTC'")
        else:
            utc_and_quiet(con)
    return con


def scratch() -> duckdb.DuckDBPyConnection:
    """In-memory connection with the ingest macros, for looking at files without an archive."""
    con = _connect()
    utc_and_quiet(con)
    for macro in TIME_MACROS:
        con.execute(macro)
    return con


@contextmanager
def closed_on_error(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Set up `con` in the block; should that fail, close it before the error travels on (a connection left
    open would hold its database, and an archive file's lock, until the garbage collector came by)."""
    try:
        yield con
    except BaseException:
        con.close()
        raise


def utc_and_quiet(con: duckdb.DuckDBPyConnection) -> None:
    """What every connection that reads or writes events gets: times in UTC (a TIMESTAMPTZ shown in the
    machine's zone would differ between machines) and no progress bar."""
    con.execute("SET TimeZone = 'UTC'")
    no_progress_bar(con)


def no_progress_bar(con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB draws its progress bar on stdout, even into a pipe or the user's --format csv/json output.
    Inside Jupyter it would draw a widget instead, and refuses the setting without ipywidgets: nothing to do."""
    with suppress(duckdb.InvalidInputException):
        con.execute("SET enable_progress_bar = false")


def track_progress(con: duckdb.DuckDBPyConnection) -> None:
    """Let `con.query_progress()` report how far a running query is (auditql/frontend/progress.py draws it on a
    terminal): DuckDB tracks progress only with its progress bar on, so the bar is on and its printing off."""
    with suppress(duckdb.InvalidInputException):  # Jupyter without ipywidgets refuses the setting
        con.execute("SET enable_progress_bar_print = false")
        con.execute("SET enable_progress_bar = true")


def query_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The time macros on a query's database: a vendor time field in a query (`"Date and Time" >= '…'`)
    is parsed by the same `aq_parse_time` ingest used (query/times.py). In the in-memory default catalog,
    where the query connection finds them; users cannot call them (the allowlist refuses the names)."""
    for macro in TIME_MACROS:
        con.execute(macro.replace("CREATE OR REPLACE TEMP MACRO", "CREATE OR REPLACE MACRO memory.main."))


def default_memory_limit() -> int:
    """Half the machine's RAM, in bytes: room for DuckDB to work in, with the rest left to everything else."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):  # no sysconf (Windows): DuckDB's own default applies
        return 0


def _resident_bytes() -> int:
    """This process's resident memory now (Linux), else its peak so far (macOS/BSD), else an estimate."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        pass
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024
    except (ImportError, OSError):
        return 64 * 2**20


def duckdb_budget(limit: int) -> tuple[int, int | None]:
    """(DuckDB's memory_limit, its thread count or None for the default) for a whole-process budget `limit`.

    `--memory-limit` bounds the ingest process, not DuckDB alone: the interpreter and libraries already
    resident, and what DuckDB allocates outside its own limit, come off the top; DuckDB keeps at least half
    (a 4x larger file still ingests, spilling) and never less than it needs to read a JSON document at all.
    Measured: a 1 GB NDJSON at --memory-limit 256MiB peaked at 415 MB when DuckDB was given all 256 MB, at
    278 MB this way."""
    duck = max(limit // 2, limit - _resident_bytes() - DUCKDB_OVERSHOOT, DUCKDB_MINIMUM)
    return duck, (1 if duck < SMALL_LIMIT else None)


def set_budget(con: duckdb.DuckDBPyConnection, limit: int) -> int:
    """Give `con` DuckDB's share of the process budget `limit` (bytes; see duckdb_budget): its memory limit,
    and one thread when that is small. Returns DuckDB's memory limit in bytes."""
    duck, threads = duckdb_budget(limit)
    con.execute(f"SET memory_limit = '{duck}B'")
    if threads:
        con.execute(f"SET threads = {threads}")
    return duck
