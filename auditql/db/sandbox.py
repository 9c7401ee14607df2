"""The connection user SQL runs on: it sees `events` and nothing else, writes nowhere, and has a memory limit.

The query translator already refuses everything but a SELECT over `events` (auditql/query). This is the
second line, should the first ever miss something: whatever text reaches DuckDB runs on a connection that
could not do harm with it.

Every archive opens as an in-memory DuckDB database in which the archive's own tables live under a name
made up at random for this connection (an attached catalog for a DuckDB file, a schema for a Parquet
dataset). The default catalog holds only a view `events` (and the time macros queries may generate). Two
connections share that database:

- the *catalog* connection, returned by an archive's reader (`auditql.archive`), whose search path
  includes the hidden tables: auditql's own code reads `sources`, `fields`, `manifest`… through it, by
  their plain names;
- the *query* connection (`query_connection(con)`), with DuckDB's default search path: an unqualified name
  can only mean `events`, and DuckDB's "did you mean" hints are off, so an error never names the hidden
  catalog.

Both are then locked: external access off with no allowed files or folders (so no COPY, ATTACH or file
read can happen, and a Parquet dataset is read through Arrow rather than by DuckDB), no spilling to a
temporary folder (an out-of-memory error instead of a file written), a memory limit and a thread count,
and the configuration locked. The database file itself is attached read-only, so DuckDB's file locks
work as before: an ingest waits for a query to finish, never the other way round unnoticed.
"""

from __future__ import annotations

import re
import secrets
import threading
import weakref
from collections.abc import Callable

import duckdb

from auditql.db import connections
from auditql.errors import QueryError
from auditql.sql import error_line

# catalog connection -> its query connection; weak, so a closed and dropped connection takes its entry along
_QUERY_CONNECTIONS: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection] = (
    weakref.WeakKeyDictionary()
)
# query connection -> the memory budget it runs under (bytes, for the whole process), to name it when exceeded
_BUDGETS: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, int] = weakref.WeakKeyDictionary()


def hidden_name() -> str:
    """A catalog or schema name nobody can guess: where an archive's own tables live on a query's database."""
    return "aq_" + secrets.token_hex(16)


def add_query_connection(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The query connection for `con` (opened now, before `lock` runs): default search path, UTC."""
    query = con.cursor()
    connections.utc_and_quiet(query)
    connections.track_progress(query)  # silent: only auditql/frontend/progress.py shows it, on a terminal
    _QUERY_CONNECTIONS[con] = query
    return query


def lock(con: duckdb.DuckDBPyConnection, memory_limit: int | None = None) -> None:
    """Lock the database `con` belongs to: no file access of any kind, bounded memory, settings frozen.

    memory_limit: bytes for the whole process (default: half the RAM; 0: DuckDB's own default), split as
    connections.duckdb_budget splits an ingest's."""
    limit = connections.default_memory_limit() if memory_limit is None else memory_limit
    if limit:
        query = _QUERY_CONNECTIONS.get(con)
        if query is not None:
            _BUDGETS[query] = int(limit)
        connections.set_budget(con, int(limit))
    con.execute("SET temp_directory = ''")  # spilling would write files: fail with "out of memory" instead
    con.execute("SET catalog_error_max_schemas = 0")  # "did you mean aq_….sources?" would name the hidden tables
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def open_sandboxed(
    connect: Callable[[str], duckdb.DuckDBPyConnection],
    fill: Callable[[duckdb.DuckDBPyConnection, str], Callable[[duckdb.DuckDBPyConnection], None] | None],
    memory_limit: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """The one open-and-lock sequence of every archive reader (a DuckDB file's, a dataset's), so both are
    sandboxed alike: UTC and quiet, the catalog in a schema named by `hidden_name`, the time macros, the
    query connection, then `lock`. `connect(hidden)` opens the connection (an archive file attaches itself
    under the hidden name); `fill(con, hidden)` creates the catalog (in `hidden`) and `events` (in
    memory.main), and may return a callback that readies the query connection as well (a dataset registers
    its Arrow scan there). Closed again should any step fail."""
    hidden = hidden_name()
    with connections.closed_on_error(connect(hidden)) as con:
        connections.utc_and_quiet(con)
        on_query = fill(con, hidden)
        connections.query_macros(con)
        query = add_query_connection(con)
        if on_query is not None:
            on_query(query)
        lock(con, memory_limit)
    return con


def query_connection(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Where user SQL runs for a connection from an archive's reader; any other connection is its own."""
    return _QUERY_CONNECTIONS.get(con, con)


def interrupt(con: duckdb.DuckDBPyConnection) -> None:
    """Cancel whatever runs on `con` and on its query connection (Ctrl-C in the REPL)."""
    con.interrupt()
    query = _QUERY_CONNECTIONS.get(con)
    if query is not None:
        query.interrupt()


def out_of_memory(con: duckdb.DuckDBPyConnection) -> QueryError:
    """The one line for a query that hit the memory limit (`con`: the query connection)."""
    budget = _BUDGETS.get(con)
    limit = f" (limit {budget / 2**30:.1f} GiB)" if budget and budget >= 2**30 else ""
    limit = limit or (f" (limit {budget / 2**20:.0f} MiB)" if budget else "")
    return QueryError(f"out of memory{limit}; narrow the query (--since, --vendor, a LIMIT) or raise --memory-limit")


_PATTERN_CHECKER: list[duckdb.DuckDBPyConnection] = []
_PATTERN_CHECKER_LOCK = threading.Lock()
_RE2_PREFIX = re.compile(r"^(Invalid Input Error: )?(Invalid Regular Expression: )?", re.IGNORECASE)


def pattern_error(pattern: str) -> str | None:
    """Why RE2 (DuckDB's regular-expression engine) cannot compile `pattern`, or None if it can.

    Asked of DuckDB itself, on an in-memory connection with nothing in it, locked like a query connection
    and with a small memory limit: the pattern is a bound value, never SQL text."""
    with _PATTERN_CHECKER_LOCK:
        if not _PATTERN_CHECKER:
            con = connections.in_memory()
            lock(con, memory_limit=256 * 2**20)
            _PATTERN_CHECKER.append(con)
        con = _PATTERN_CHECKER[0]
        try:
            con.execute("SELECT regexp_full_match('', $1)", [pattern]).fetchall()
        except duckdb.Error as error:
            first = error_line(error, keep_class=True, empty="it does not compile")
            return _RE2_PREFIX.sub("", first).strip() or "it does not compile"
    return None
