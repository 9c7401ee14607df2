"""Owns the DuckDB connections to an archive: a short-lived writer for ingest and a locked-down reader for
queries.

Why two: DuckDB lets only one process hold a database file read-write, and while it does nobody else can
even read it. So writers open late and close early (the REPL never sits on a write lock), and queries run on
the archive attached read-only, on a connection that sees `events` only, can write nowhere and has a memory
limit (auditql/db/sandbox.py) — a second line of defence should the query allowlist ever miss something.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

from auditql.db import connections, sandbox
from auditql.db.connections import MAX_LINE_BYTES
from auditql.errors import ArchiveBusy, ArchiveDamaged, ArchiveMissing, damage_detail, is_damage
from auditql.sql import error_line, json_path, sql_ident, sql_str
from auditql.tables import ARCHIVE_DDL

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
# Raw vendor fields with few distinct values (errCode, endpoint, "Performed By") are kept too, under
# "column" = FIELD_VALUES_PREFIX + field name, so the REPL completes their values. Bounded in cost and size:
# up to FIELD_SAMPLE_ROWS events per vendor are read (a seeded system sample, so the same archive keeps the
# same dictionary), up to MAX_FIELDS_PER_VENDOR fields each, and a field is kept only when it has at most
# MAX_VALUES_PER_FIELD distinct values of at most MAX_FIELD_VALUE_CHARS characters there. Measured on the
# 2M-event bench archive (5 vendors, 72 fields): 0.4-0.7 s more per ingest. Completion only: no query reads it.
FIELD_VALUES_PREFIX = "field:"
FIELD_SAMPLE_ROWS = 50_000
MAX_FIELDS_PER_VENDOR = 200
MAX_VALUES_PER_FIELD = 50
MAX_FIELD_VALUE_CHARS = 200


def refresh_column_values(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the value dictionary (top values per column by frequency, then the raw fields' few values)."""
    parts = " UNION ALL ".join(
        f'SELECT {sql_str(c)} AS "column", {sql_ident(c)}::VARCHAR AS value, count(*) AS n FROM events '
        f"WHERE {sql_ident(c)} IS NOT NULL GROUP BY ALL"
        for c in VALUE_COLUMNS
    )
    con.execute("DELETE FROM column_values")
    con.execute(
        f'INSERT INTO column_values SELECT "column", value, n FROM ({parts}) '
        f'QUALIFY row_number() OVER (PARTITION BY "column" ORDER BY n DESC, value) <= {MAX_VALUES_PER_COLUMN}'
    )
    _refresh_field_values(con)


def _refresh_field_values(con: duckdb.DuckDBPyConnection) -> None:
    """The raw fields' values per vendor (see FIELD_VALUES_PREFIX); nothing where no `fields` table is (a
    dataset's value dictionary is built from its Parquet files alone)."""

    has_fields = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'fields' AND schema_name = 'main'"
    ).fetchall()[0][0]
    if not has_fields:
        return
    per_vendor: dict[str, list[str]] = {}
    for vendor, name in con.execute("SELECT DISTINCT vendor, field FROM fields ORDER BY vendor, field").fetchall():
        per_vendor.setdefault(vendor, []).append(name)
    counts = dict(con.execute("SELECT vendor, count(*) FROM events GROUP BY vendor").fetchall())
    for vendor, names in per_vendor.items():
        if not counts.get(vendor):
            continue
        # leaves only: `httpReq` is an object whose text is JSON, `httpReq.country` a value
        leaves = _leaves(names)[:MAX_FIELDS_PER_VENDOR]
        share = min(100.0, FIELD_SAMPLE_ROWS * 100.0 / counts[vendor])
        with suppress(duckdb.Error):  # a name no JSON path can spell: that vendor's values are not offered
            _insert_field_values(con, vendor, leaves, share)


def _leaves(names: list[str]) -> list[str]:
    """The names no other name continues with a `.` (`httpReq` is an object when `httpReq.country` is listed),
    in their order. Every dotted prefix of every name is collected once, so a file with 20,000 columns takes
    linear time, not 20,000² prefix comparisons (a hostile CSV header spent minutes here).

    >>> _leaves(["httpReq", "httpReq.country", "a b", "a", "a.b.c", "", "x"])
    ['httpReq.country', 'a b', 'a.b.c', 'x']
    """
    parents = {name[:i] for name in names for i, char in enumerate(name) if char == "."}
    return [name for name in names if name and name not in parents]


def _insert_field_values(con: duckdb.DuckDBPyConnection, vendor: str, leaves: list[str], share: float) -> None:
    sample = f"TABLESAMPLE {share:.6f}% (system, 7)" if share < 100 else ""
    con.execute(
        f"""INSERT INTO column_values
            WITH extracted AS (
              SELECT unnest(?::VARCHAR[]) AS field, unnest(json_extract_string(raw, ?::VARCHAR[])) AS value
              FROM events {sample} WHERE vendor = ?),
            counted AS (SELECT field, value, count(*) AS n FROM extracted WHERE value IS NOT NULL GROUP BY ALL),
            few AS (SELECT field FROM counted GROUP BY field
                    HAVING count(*) <= {MAX_VALUES_PER_FIELD} AND max(length(value)) <= {MAX_FIELD_VALUE_CHARS})
            SELECT ? || field, value, n FROM counted SEMI JOIN few USING (field)""",
        [leaves, [json_path(f) for f in leaves], vendor, FIELD_VALUES_PREFIX],
    )


EARLIEST, LATEST = "1990-01-01 00:00:00+00", "2100-01-01 00:00:00+00"
LOCK_WAIT_SECONDS = float(os.environ.get("AUDITQL_LOCK_WAIT", "10"))


# DuckDB's row group, the unit its checkpoint rewrites, and the partly filled row groups the big tables may
# carry before an ingest's checkpoint merges them (see `checkpoint`).
ROW_GROUP_ROWS = 122_880
SPARE_ROW_GROUPS = 8
_MERGED_TABLES = ("events", "deliveries")


def checkpoint(con: duckdb.DuckDBPyConnection, rows_written: int) -> None:
    """Fold a write into the archive file, merging partly filled row groups only when that is cheap or due.

    Why: a write after a checkpoint starts new row groups, so the last, partly filled row group of each
    earlier ingest stays in place, and DuckDB's checkpoint merges ("vacuums") row groups that fit into fewer,
    rewriting every row group from such a tail to the end. Appending a 250,000-record CJA export that
    overlaps the archive by half spent 1.3-1.7 s in that CHECKPOINT, more than its INSERTs (1.3 s). A write
    of at least a row group therefore leaves the tails alone, until the big tables carry more than
    SPARE_ROW_GROUPS row groups beyond the fewest their rows need; a smaller write merges (its own rows are a
    tail next to the last one: cheap), and a merge that is due runs once for all the tails. DuckDB weighs
    every table at a checkpoint, so the first small write after big ones pays for their tails (1.1 s after a
    250,000 + 125,000-record archive was built this way).

    rows_written: the records of the files this write read (a file presented again counts: a re-ingest of a
    big export merges nothing that is not due)."""
    merge = rows_written < ROW_GROUP_ROWS or _spare_row_groups(con) > SPARE_ROW_GROUPS
    if not merge:
        con.execute("SET max_vacuum_tasks = 0")
    try:
        con.execute("CHECKPOINT")
    finally:
        if not merge:
            with suppress(duckdb.Error):  # a failed checkpoint (disk full) is the error to report
                con.execute("RESET max_vacuum_tasks")


def _spare_row_groups(con: duckdb.DuckDBPyConnection) -> int:
    """Row groups of the big tables beyond ceil(rows / ROW_GROUP_ROWS): the partly filled tails (written but
    not yet checkpointed rows count too). Reads DuckDB's storage info: 0.2 s on a 10 M-event archive."""
    spare = 0
    for table in _MERGED_TABLES:
        row = con.execute(
            f"SELECT (SELECT count(DISTINCT row_group_id) FROM pragma_storage_info({sql_str(table)})), "
            f"(SELECT count(*) FROM {sql_ident(table)})"
        ).fetchone()
        groups, rows = (int(row[0]), int(row[1])) if row else (0, 0)
        spare += groups - -(-rows // ROW_GROUP_ROWS)
    return spare


def default_db_path() -> Path:
    """`$AUDITQL_DB`, else the settings file's `db`, else `archive.duckdb` in the user's data directory (XDG on
    Linux)."""
    env = os.environ.get("AUDITQL_DB")
    if env:
        return Path(env).expanduser()
    from auditql import config

    chosen = config.load().db
    if chosen is not None:
        return chosen
    import platformdirs

    return Path(platformdirs.user_data_dir("auditql")) / "archive.duckdb"


def _is_lock_error(exc: duckdb.Error) -> bool:
    return "lock" in str(exc).lower() and ("conflicting" in str(exc).lower() or "could not set" in str(exc).lower())


def _busy(path: Path, exc: duckdb.Error) -> ArchiveBusy:
    pid = re.search(r"PID (\d+)", str(exc))
    holder = f" (held by PID {pid.group(1)})" if pid else ""
    return ArchiveBusy(f"{path}: archive busy{holder}; try again when that process has finished")


_HEADER_BYTES = 3 * 4096  # DuckDB's file header and two database headers


def connect(path: Path, read_only: bool, notify=None, attach_as: str | None = None) -> duckdb.DuckDBPyConnection:
    """Connect, waiting a little for another process's write lock (ingests are short) before giving up.
    attach_as: open an in-memory database instead, with the archive attached read-only under that name."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    told = False
    while True:
        try:
            if attach_as:
                return connections.archive_attached(path, attach_as)
            return _in_place(connections.archive_file(path, read_only=read_only), path)
        except duckdb.Error as exc:
            if _READ_AS_DATA in str(exc):
                raise _not_an_archive(path) from None
            waitable = _is_lock_error(exc) or (is_damage(exc) and _being_created(path))
            if not waitable or time.monotonic() >= deadline:
                if _is_lock_error(exc):
                    raise _busy(path, exc) from None
                if is_damage(exc):
                    raise ArchiveDamaged(path, damage_detail(exc)) from None
                raise ArchiveMissing(f"{path}: cannot open archive: {error_line(exc, keep_class=True)}") from None
            if notify and not told:
                notify(f"{path}: archive busy, waiting up to {LOCK_WAIT_SECONDS:.0f}s …")
                told = True
            time.sleep(0.2)


# DuckDB 2.0 opens an existing file whose name says data (`x.csv`, `.parquet`, `.json`) as an in-memory
# database with the file as a view: an ingest into it reported its counts and a custody head, then stored
# nothing anywhere. Read-only (the reader's ATTACH) it fails with this text instead.
_READ_AS_DATA = "Cannot launch in-memory database in read-only mode"


def _in_place(con: duckdb.DuckDBPyConnection, path: Path) -> duckdb.DuckDBPyConnection:
    """`con` when it is the database file at `path`, as asked; refused (closed) when DuckDB opened the file's
    contents in memory instead."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if row is None or row[0] is None:
        con.close()
        raise _not_an_archive(path)
    return con


def _not_an_archive(path: Path) -> ArchiveMissing:
    return ArchiveMissing(
        f"{path}: not an archive file: DuckDB reads a {path.suffix or 'such a'} file as data, so nothing would be "
        "stored in it; give --db the archive's own file (e.g. archive.duckdb), and the export as a file to ingest"
    )


def _being_created(path: Path) -> bool:
    """Whether `path` looks like an archive another process has just begun to write: shorter than DuckDB's
    three header blocks and modified moments ago. Two ingests creating the same new archive at once saw
    "not a valid DuckDB database file" in that instant; it is waited out like a lock, not called damage."""
    try:
        st = path.stat()
        with path.open("rb") as fh:
            start = fh.read(12)
    except OSError:
        return False
    begun = start == b"" or start[8:12] == b"DUCK"  # nothing yet, or DuckDB's magic (not some other file)
    return begun and st.st_size < _HEADER_BYTES and time.time() - st.st_mtime < LOCK_WAIT_SECONDS


@contextmanager
def writer(path: Path, notify=None, memory_limit: int | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Read-write connection for one ingest; the schema is created on first use; closed on exit.

    memory_limit: bytes DuckDB may use (default: half the RAM); beyond it DuckDB spills to a temporary
    folder beside the archive, so a file larger than memory still ingests.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_unpack_dirs()
    con = connect(path, read_only=False, notify=notify)
    try:
        connections.utc_and_quiet(con)
        connections.track_progress(con)  # a big file's load shows how far it is (auditql/frontend/progress.py)
        limit = connections.default_memory_limit() if memory_limit is None else memory_limit
        if limit:
            duck = connections.set_budget(con, int(limit))
            con.execute("SET temp_directory = ?", [str(path.parent / (path.name + ".tmp"))])
            con.execute(f"SET VARIABLE aq_line_cap = {min(MAX_LINE_BYTES, duck // 8)}")
            con.execute(f"SET VARIABLE aq_memory_bytes = {duck}")  # ingest/entries.streams
        # DuckDB buffers five row groups per thread before it writes them out; ingest holds the file's
        # staged rows beside them, so one is enough: a million-record export peaked at 2.26-2.33 GB with
        # five and 1.87 GB with one (CJA CSV; Gigya NDJSON 2.30 -> 1.67-1.72 GB), in the same time.
        con.execute("SET write_buffer_row_group_count = 1")
        for ddl in ARCHIVE_DDL:
            con.execute(ddl)
        for macro in connections.TIME_MACROS:
            con.execute(macro)
        yield con
    finally:
        con.close()
        with suppress(OSError):  # this process's unpack folder, if empty: nothing for the next start to find
            (cache_dir() / "unpack" / f"pid-{os.getpid()}").rmdir()


def cache_dir() -> Path:
    """`$AUDITQL_CACHE`, else the user's cache directory (XDG on Linux)."""
    env = os.environ.get("AUDITQL_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("auditql"))


def unpack_root() -> Path:
    """This process's folder for unpacked archive members: `<cache>/unpack/pid-<PID>`.

    Why not the system temp folder: an ingest killed mid-archive (SIGKILL, power loss) cannot clean up after
    itself; a folder named by its owner's PID lets the next start find and remove exactly the leftovers of
    dead processes (`remove_stale_unpack_dirs`), never those of an ingest still running."""
    root = cache_dir() / "unpack" / f"pid-{os.getpid()}"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_stale_unpack_dirs() -> list[Path]:
    """Remove the unpack folders of processes that are gone; returns what was removed.

    POSIX only: elsewhere `os.kill(pid, 0)` is not a harmless probe, so leftovers stay. A PID reused by an
    unrelated process only delays the removal until that process ends."""
    base = cache_dir() / "unpack"
    if os.name != "posix" or not base.is_dir():
        return []
    removed = []
    for folder in base.glob("pid-*"):
        pid = folder.name.removeprefix("pid-")
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def open_reader(path: Path, notify=None, memory_limit: int | None = None) -> duckdb.DuckDBPyConnection:
    """Read-only, sandboxed connection to an archive file (the caller closes it), opened by the readers'
    one sequence (sandbox.open_sandboxed): the file attached read-only under a hidden name, `events` a
    view of its table. memory_limit: bytes (default: half the RAM). Callers go through
    `auditql.archive.at(path).reader()`, which also knows datasets."""
    if not path.exists():
        raise ArchiveMissing(f"{path}: no archive here yet; run `auditql ingest --db {path} FILES…` first")

    def fill(con: duckdb.DuckDBPyConnection, hidden: str) -> None:
        con.execute(f"SET search_path = '{hidden}.main,memory.main'")
        stored = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = 'events'", [hidden]
        ).fetchall()
        if stored[0][0]:  # an archive killed before its first commit has no tables: nothing to show
            con.execute(f"CREATE VIEW memory.main.events AS SELECT * FROM {sql_ident(hidden)}.main.events")

    return sandbox.open_sandboxed(lambda hidden: connect(path, True, notify, attach_as=hidden), fill, memory_limit)
