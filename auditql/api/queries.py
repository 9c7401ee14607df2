"""Running a translated query: fetched whole (`run`, `query`), streamed in batches (`stream`) or as Arrow
(`arrow_stream`), always under a deadline; DuckDB's errors become auditql's (a timeout, out of memory, a
failed query, a damaged file).

Apart from the catalog (translation.py) because this is where rows and time are: the result objects every
front end draws (`Result`, `Stream`) and the one place a query is interrupted.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from auditql.api.archives import reader
from auditql.api.translation import prepare
from auditql.db.sandbox import out_of_memory, query_connection
from auditql.errors import QueryError, is_damage
from auditql.output import RowCount, dicts, error_text

if TYPE_CHECKING:
    from auditql.archive import Connection
    from auditql.query import Translation


@dataclass
class Result:
    """Rows of one query plus how they were obtained; `truncated` says a limit cut further rows. Output
    draws it as it draws any rows (`output.Rows`); its footer is a fact (`row_count`) each front end words."""

    columns: list[str]
    types: list[str]
    rows: list[tuple]
    sql: str = ""
    limit: int | None = None
    truncated: bool = False
    elapsed: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def batches(self) -> Iterator[list[tuple]]:
        yield self.rows

    def dicts(self) -> list[dict[str, Any]]:
        return dicts(self.columns, self.types, self.rows)

    def row_count(self) -> RowCount:
        return RowCount(len(self.rows), self.limit, self.truncated, self.elapsed)


# Seconds a query may run before it is cancelled (`--timeout`, `.timeout`); generous, so only a runaway
# query (a cross join, a regex over every raw record…) ever meets it. None or 0: no limit.
DEFAULT_TIMEOUT = 300.0


class Deadline:
    """Interrupts `con` after `seconds` from a timer thread, unless the query finished first.

    The lock makes "finished" and "interrupted" exclusive: a timer that fires as the last row arrives must
    not interrupt the connection after the query is done (the next query would then be cancelled instead).
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, seconds: float | None):
        self.con, self.seconds = con, seconds or None
        self.expired = False
        self._done = False
        self._lock = threading.Lock()
        self._timer = threading.Timer(self.seconds, self._expire) if self.seconds else None

    def _expire(self) -> None:
        with self._lock:
            if not self._done:
                self.expired = True
                self.con.interrupt()

    def __enter__(self) -> Deadline:
        if self._timer is not None:
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._done = True
        if self._timer is not None:
            self._timer.cancel()

    def error(self) -> QueryError:
        if self.expired:
            return QueryError(
                f"query timed out after {self.seconds:g} s and was cancelled; narrow it (e.g. --since, "
                "--vendor, a LIMIT) or raise --timeout (0 = no limit)"
            )
        return QueryError("query cancelled")


def run(
    con: duckdb.DuckDBPyConnection,
    translation: Translation,
    limit: int | None = None,
    timeout: float | None = None,
) -> Result:
    """Execute a translation; with a limit, fetch one row more to know (and say) whether it cut rows.

    timeout: seconds before the query is interrupted (None or 0: no limit). Every row is fetched before
    this returns, so a cancelled query leaves nothing half-printed, and the connection stays usable.
    The SQL runs on `con`'s query connection, which sees `events` only (auditql/db/sandbox.py).
    """
    started = time.perf_counter()
    con = query_connection(con)
    with Deadline(con, timeout) as deadline, _query_errors(con, deadline):
        cursor = con.execute(translation.sql, translation.params or None)
        rows = cursor.fetchmany(limit + 1) if limit is not None else cursor.fetchall()
        description = cursor.description or []
    truncated = limit is not None and len(rows) > limit
    return Result(
        columns=[d[0] for d in description],
        types=[str(d[1]) for d in description],
        rows=rows[:limit] if truncated else rows,
        sql=translation.sql,
        limit=limit,
        truncated=truncated,
        elapsed=time.perf_counter() - started,
        warnings=list(translation.warnings),
    )


@contextlib.contextmanager
def _query_errors(con: duckdb.DuckDBPyConnection, deadline: Deadline) -> Iterator[None]:
    """DuckDB's errors while a query runs or its rows are fetched, as auditql's: an interrupt is the
    deadline's, out of memory names the budget, anything else is the query's (or a damaged file's)."""
    try:
        yield
    except duckdb.InterruptException:
        if _SIGINT_SEEN.is_set():  # Ctrl-C (ctrl_c_cancels), not the deadline: the front end says "interrupted"
            _KEYBOARD_RAISED.set()
            raise KeyboardInterrupt from None
        raise deadline.error() from None
    except duckdb.Error as exc:
        raise _failed(exc, con) from None
    except RuntimeError as exc:  # Ctrl-C (a notebook's interrupt button) while DuckDB runs: it cancelled the query
        if str(exc) != "Query interrupted":
            raise
        raise KeyboardInterrupt from None


def _failed(exc: duckdb.Error, con: duckdb.DuckDBPyConnection | None = None) -> Exception:
    """A failed query's error; a damaged archive file is not the query's fault and is left for the front
    end, which knows the file (errors.environment_error). Out of memory names the budget (`con`'s), also
    when it strikes while rows are fetched, or arrives as text through Arrow."""
    if con is not None and (isinstance(exc, duckdb.OutOfMemoryException) or str(exc).startswith("Out of Memory Error")):
        return out_of_memory(con)
    return exc if is_damage(exc) else QueryError(f"the query failed in DuckDB: {error_text(exc)}")


# Rows fetched from DuckDB per batch when streaming: one csv.writer call (output.CSV_BATCH_ROWS), and the
# rows a streamed table takes its column widths from.
BATCH_ROWS = 2048

# A result read in parts (output/head.py): a part's rows, fetched whole -> the rows of it to deliver, the next
# part's query, and what reads that part's rows (None: they are streamed in batches to the end).
Then = Callable[[list[tuple]], tuple[list[tuple], "Translation", Any]]


class Stream:
    """A query's rows as DuckDB delivers them, a batch at a time (memory stays one batch, however large the
    result), under the query's deadline: a timeout that fires while rows are written cancels the query at
    the next batch. `row_count()` counts what was delivered."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        deadline: Deadline,
        limit: int | None,
        started: float,
        then: Then | None = None,
    ):
        description = con.description or []
        self.columns, self.types = [d[0] for d in description], [str(d[1]) for d in description]
        self.con, self.deadline, self.limit, self.started = con, deadline, limit, started
        self.then = then
        self.count = 0
        self.truncated = False

    def batches(self) -> Iterator[list[tuple]]:
        then = self.then
        while then is not None:  # a part read whole (a page at most), then the next part's query
            with _query_errors(self.con, self.deadline):
                part = self.con.fetchall()
            rows, following, then = then(part)
            yield from self._counted([rows])
            if self.truncated:
                return
            with _query_errors(self.con, self.deadline):
                self.con.execute(following.sql, following.params or None)
        yield from self._counted(self._fetched())

    def _fetched(self) -> Iterator[list[tuple]]:
        while True:
            want = BATCH_ROWS if self.limit is None else min(BATCH_ROWS, self.limit + 1 - self.count)
            with _query_errors(self.con, self.deadline):
                rows = self.con.fetchmany(want)
            yield rows
            if len(rows) < want:
                return

    def _counted(self, batches: Iterable[list[tuple]]) -> Iterator[list[tuple]]:
        """The batches up to the limit, counted; `truncated` once a row past the limit was seen."""
        for rows in batches:
            if self.deadline.expired:
                raise self.deadline.error()
            if self.limit is not None and self.count + len(rows) > self.limit:
                self.truncated = True
                rows = rows[: self.limit - self.count]
            self.count += len(rows)
            if rows:
                yield rows
            if self.truncated:
                return

    def row_count(self) -> RowCount:
        return RowCount(self.count, self.limit, self.truncated, time.perf_counter() - self.started)


@contextlib.contextmanager
def stream(
    con: duckdb.DuckDBPyConnection,
    translation: Translation,
    limit: int | None = None,
    timeout: float | None = None,
    then: Then | None = None,
) -> Iterator[Stream]:
    """Execute a translation and stream its rows (`Stream.batches`); `timeout` covers execution, fetching
    and whatever the caller does with the rows until the block ends (writing them out, say), and every
    query of a result read in parts (`then`: reads `translation`'s rows whole and names the next part's
    query, output/head.py)."""
    con = query_connection(con)
    started = time.perf_counter()
    with Deadline(con, timeout) as deadline:
        with _query_errors(con, deadline):
            con.execute(translation.sql, translation.params or None)
        yield Stream(con, deadline, limit, started, then)


@contextlib.contextmanager
def arrow_stream(con: duckdb.DuckDBPyConnection, translation: Translation, timeout: float | None = None) -> Any:
    """Execute a translation into Arrow record batches (for Parquet output): a pyarrow RecordBatchReader
    whose batches are checked against the same deadline as `stream`'s."""
    import pyarrow as pa

    con = query_connection(con)
    with Deadline(con, timeout) as deadline:

        def batches(reader: Any) -> Iterator[Any]:
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    return
                except (duckdb.Error, pa.ArrowException, OSError) as exc:  # DuckDB's errors arrive via Arrow
                    if deadline.expired or "INTERRUPT" in str(exc):
                        raise deadline.error() from None
                    raise _failed(duckdb.Error(str(exc)), con) from None
                if deadline.expired:
                    raise deadline.error()
                yield batch

        with _query_errors(con, deadline):
            # a relation, not a cursor: DuckDB streams Arrow batches directly instead of copying rows
            reader = con.sql(translation.sql, params=translation.params or None).to_arrow_reader(BATCH_ROWS * 16)
        try:
            yield pa.RecordBatchReader.from_batches(reader.schema, batches(reader))
        finally:
            reader.close()


def query(
    db: Path,
    text: str,
    *,
    limit: int | None = None,
    table_view: bool = False,
    timeout: float | None = DEFAULT_TIMEOUT,
    **options: Any,
) -> Result:
    """Translate and run one query on the archive at `db` (read-only, sandboxed connection)."""
    con = reader(db)
    try:
        return run(con, prepare(con, text, limit=limit, table_view=table_view, **options), limit, timeout)
    finally:
        con.close()


# While `ctrl_c_cancels` is active: a SIGINT arrived (set by its watcher thread), and the one KeyboardInterrupt
# for it was raised (by the handler or by `_query_errors`), so a second raise cannot land in the error report.
_SIGINT_SEEN = threading.Event()
_KEYBOARD_RAISED = threading.Event()


@contextlib.contextmanager
def ctrl_c_cancels() -> Iterator[Callable[[Connection], None]]:
    """Ctrl-C is never lost, and cancels a running query at once: the body calls the function this yields
    with its connection before it runs the query; from then on Ctrl-C interrupts DuckDB, and a Ctrl-C that
    came earlier ends the command there. Either way one KeyboardInterrupt ends it ("interrupted", exit 130).

    Why: Python runs its SIGINT handler between bytecodes only, and the main thread of a one-shot query sits
    inside DuckDB until the query ends, so Ctrl-C took effect when the query was done (8 s later on a
    four-way join of the samples) or not at all: DuckDB's client, which checks for signals while a statement
    runs, swallowed one that came as the archive was opened (the query then ran on; in a CI run). Here
    `signal.set_wakeup_fd` has the C-level handler write every signal to a pipe; a thread reading it notes
    the Ctrl-C and interrupts the registered connection. (The REPL runs queries in a worker thread instead:
    repl/session.cancellable.) Outside the main thread the function does nothing."""
    watched: list[Connection] = []

    def cancels(con: Connection) -> None:
        watched.append(con)
        if _SIGINT_SEEN.is_set():  # noted by the watcher, raised by nobody (swallowed by DuckDB)
            _KEYBOARD_RAISED.set()
            raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield lambda con: None
        return
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    _SIGINT_SEEN.clear()
    _KEYBOARD_RAISED.clear()

    def on_sigint(signum: int, frame: object) -> None:
        if not _KEYBOARD_RAISED.is_set():
            _KEYBOARD_RAISED.set()
            raise KeyboardInterrupt

    def watch() -> None:
        while data := os.read(read_end, 64):
            if signal.SIGINT in data:
                _SIGINT_SEEN.set()
                for con in list(watched):
                    interrupt(con)

    previous_handler = signal.signal(signal.SIGINT, on_sigint)
    previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    watcher = threading.Thread(target=watch, name="auditql-ctrl-c", daemon=True)
    watcher.start()
    try:
        yield cancels
    finally:
        signal.set_wakeup_fd(previous_fd)
        signal.signal(signal.SIGINT, previous_handler)
        os.close(write_end)  # the watcher reads the end of the pipe and stops
        watcher.join(1)
        os.close(read_end)
        _SIGINT_SEEN.clear()


def interrupt(con: Connection) -> None:
    """Cancel whatever runs on a reader (Ctrl-C in the REPL), its query connection included."""
    from auditql.db.sandbox import interrupt as cancel

    cancel(con)


def query_progress(con: Connection) -> float:
    """DuckDB's estimate of the running query's share done on `con`'s query connection, in percent (-1: none
    running); safe to call from another thread while the query runs (frontend/progress.py)."""
    return query_connection(con).query_progress()
