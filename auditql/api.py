"""The one surface the front ends (CLI, REPL, notebook magic, Spark) share: open an archive, read its
catalog, translate and run a query, ingest files, verify custody, export. Front ends parse input and print;
they hold no SQL of their own and never import DuckDB (an import contract in pyproject.toml says so,
tests/test_architecture.py runs it). Which storage an archive is (a DuckDB file or a Parquet dataset) is
the `Archive`'s business (auditql/archive/), never a front end's.
"""

from __future__ import annotations

import contextlib
import functools
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from auditql import archive
from auditql.db import archive_file as engine
from auditql.db.sandbox import out_of_memory, query_connection
from auditql.errors import QueryError, UsageError, is_damage
from auditql.output import RowCount, dicts, error_text
from auditql.query.identities import Identities, load_identities

if TYPE_CHECKING:  # imported where they run: `auditql ingest` need not load the translator, nor a query ingest
    from auditql.archive.dataset.export import ExportSummary
    from auditql.ingest.custody import Verification
    from auditql.ingest.run import Report
    from auditql.query import Catalog, Translation
    from auditql.query.catalog import TimeFields
    from auditql.read.unpack import Limits
    from auditql.vendors.mapping import Mapping as VendorMapping

# A reader connection, as front ends hold it: they pass it back to the functions here, never use it.
Connection = archive.Connection


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


def catalog(con: duckdb.DuckDBPyConnection) -> Catalog:
    """Known raw fields per vendor, and the fields each vendor copies verbatim into a typed column."""
    fields: dict[str, set[str]] = {}
    for vendor, name in con.execute("SELECT vendor, field FROM fields").fetchall():
        fields.setdefault(vendor, set()).add(name)
    verbatim: dict[str, dict[str, str]] = {}
    per_vendor: dict[str, list[dict[str, list[str]]]] = {}
    for vendor, columns in con.execute("SELECT vendor, columns FROM sources").fetchall():
        per_vendor.setdefault(vendor, []).append(json.loads(columns) if columns else {})
    from auditql.ingest.plan import VERBATIM_COLUMNS

    for vendor, maps in per_vendor.items():
        pairs = [{(f[0], c) for c, f in m.items() if c in VERBATIM_COLUMNS and len(f) == 1} for m in maps]
        common = set.intersection(*pairs) if pairs else set()
        verbatim[vendor] = {f: c for f, c in sorted(common)}
    # complete: ingest records every field of every record it stores (CSV headers, Parquet columns, the
    # merged structure of all JSON records), so a vendor without a field's first key never has it.
    from auditql.query import Catalog

    return Catalog(
        fields={v: frozenset(s) for v, s in fields.items()},
        verbatim=verbatim,
        complete=True,
        time_fields=_OnFirstRead(lambda: time_fields(per_vendor)),
    )


class _OnFirstRead(Mapping[str, "TimeFields"]):
    """A mapping built when first read: only a query that names a raw field needs the vendors' time fields,
    and building them parses every vendor mapping (~6 ms a one-shot query need not pay)."""

    def __init__(self, build: Callable[[], dict[str, TimeFields]]):
        self._build = build

    @functools.cached_property
    def _built(self) -> dict[str, TimeFields]:
        return self._build()

    def __getitem__(self, key: str) -> TimeFields:
        return self._built[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._built)

    def __len__(self) -> int:
        return len(self._built)


def vendor_mappings() -> dict[str, VendorMapping]:
    """The registry's mappings by name (read-only), parsed again only when the user mapping folder changes:
    parsing them all costs ~8 ms, which every query would otherwise pay."""
    from auditql.vendors import user_mapping_dir

    folder = user_mapping_dir()
    files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    return _registry(str(folder), tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files))


@functools.lru_cache(maxsize=4)
def _registry(folder: str, files: tuple[tuple[str, int, int], ...]) -> dict[str, VendorMapping]:
    from auditql.vendors import load_registry

    return load_registry().mappings


def time_fields(per_vendor: Mapping[str, list[dict[str, list[str]]]]) -> dict[str, TimeFields]:
    """Per vendor in the archive: the raw fields its mapping reads as `time` and the formats ingest parsed
    them with. The fields are the mapping's time synonyms (as the registry holds it now: built-in and
    user-folder mappings) plus those each file's ingest actually used (recorded in `sources`), so a vendor
    ingested with `--mapping FILE` still counts; its own time_formats are known only if that file is in
    the user mapping folder (otherwise ISO 8601, epoch and ingest's default formats apply)."""
    from auditql.ingest.plan import DEFAULT_TIME_FORMATS
    from auditql.query.catalog import TimeFields
    from auditql.vendors import normalize

    try:
        mappings = vendor_mappings()
    except UsageError:  # a broken user mapping is for ingest to report; queries still know what sources say
        mappings = {}
    found: dict[str, TimeFields] = {}
    for vendor, maps in sorted(per_vendor.items()):
        mapping = mappings.get(vendor)
        names = {normalize(f) for m in maps for f in m.get("time", [])}
        names.update(normalize(s) for s in (mapping.synonyms("time") if mapping else ()))
        formats = (*(mapping.time_formats if mapping else ()), *DEFAULT_TIME_FORMATS)
        found[vendor] = TimeFields(frozenset(names), tuple(dict.fromkeys(formats)))
    return found


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


class Stream:
    """A query's rows as DuckDB delivers them, a batch at a time (memory stays one batch, however large the
    result), under the query's deadline: a timeout that fires while rows are written cancels the query at
    the next batch. `row_count()` counts what was delivered."""

    def __init__(self, con: duckdb.DuckDBPyConnection, deadline: Deadline, limit: int | None, started: float):
        description = con.description or []
        self.columns, self.types = [d[0] for d in description], [str(d[1]) for d in description]
        self.con, self.deadline, self.limit, self.started = con, deadline, limit, started
        self.count = 0
        self.truncated = False

    def batches(self) -> Iterator[list[tuple]]:
        while True:
            want = BATCH_ROWS if self.limit is None else min(BATCH_ROWS, self.limit + 1 - self.count)
            with _query_errors(self.con, self.deadline):
                rows = self.con.fetchmany(want)
            if self.deadline.expired:
                raise self.deadline.error()
            if self.limit is not None and self.count + len(rows) > self.limit:
                self.truncated = True
                rows = rows[: self.limit - self.count]
            self.count += len(rows)
            if rows:
                yield rows
            if len(rows) < want or self.truncated:
                return

    def row_count(self) -> RowCount:
        return RowCount(self.count, self.limit, self.truncated, time.perf_counter() - self.started)


@contextlib.contextmanager
def stream(
    con: duckdb.DuckDBPyConnection, translation: Translation, limit: int | None = None, timeout: float | None = None
) -> Iterator[Stream]:
    """Execute a translation and stream its rows (`Stream.batches`); `timeout` covers execution, fetching
    and whatever the caller does with the rows until the block ends (writing them out, say)."""
    con = query_connection(con)
    started = time.perf_counter()
    with Deadline(con, timeout) as deadline:
        with _query_errors(con, deadline):
            con.execute(translation.sql, translation.params or None)
        yield Stream(con, deadline, limit, started)


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


# What a table on a terminal shows for WHERE / REST queries when no --columns is given: a whole canonical
# row (with `raw`) is unreadable as a table; json/csv/ndjson/parquet always carry every column.
TABLE_COLUMNS: tuple[str, ...] = (
    "time",
    "vendor",
    "action",
    "category",
    "outcome",
    "actor_name",
    "source_ip",
    "target_name",
)


def prepare(
    con: duckdb.DuckDBPyConnection,
    text: str,
    *,
    limit: int | None = None,
    params: Mapping[str, Any] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    vendor: str | None = None,
    columns: list[str] | None = None,
    table_view: bool = False,
) -> Translation:
    """Translate against this archive's catalog; a limit asks for one extra row (see `run`)."""
    options: dict[str, Any] = dict(
        since=since, until=until, vendor=vendor, params=params, limit=None if limit is None else limit + 1
    )
    cat = catalog(con)
    options["identities"] = identities(cat)
    t = translate(text, cat, columns=columns, **options)
    if table_view and columns is None and t.form != "sql":
        t = translate(text, cat, columns=list(TABLE_COLUMNS), **options)
    source = archive.opened_by(con)  # e.g. a Parquet dataset reads only the partitions the query can match
    return t if source is None else source.prepare(con, t)


def translate(text: str, cat: Catalog, **options: Any) -> Translation:
    """The query core's `translate`, imported when first used: `auditql ingest` and `verify` go through this
    module too, and need no translator (sqlglot alone costs ~60 ms to import)."""
    from auditql.query import translate as translated

    return translated(text, cat, **options)


def identities(cat: Catalog | None = None) -> Identities:
    """The user's identities file (for `person`), read afresh so an edit counts from the next query; a
    vendor it names must be one the registry or the archive knows."""

    def vendors() -> set[str]:
        try:
            known = set(vendor_mappings())
        except UsageError:
            known = set()
        return known | set(cat.fields if cat else ())

    return load_identities(vendors=vendors)


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


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """`7d`, `12h`, `30m`, `2w` (that long ago) or an ISO date/time (UTC unless it has an offset)."""
    from datetime import UTC, timedelta

    from auditql.sql import duration

    now = now or datetime.now(UTC)
    ago = duration(text, {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"})
    if ago:
        return now - timedelta(**{ago[1]: ago[0]})
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{text!r} is not a time: use e.g. 7d, 12h, 2025-03-01 or 2025-03-01T10:00:00Z") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def archive_for_files(paths: Iterable[Path], notify: Callable[[str], None] | None = None) -> tuple[Path, Report | None]:
    """A cached archive of exactly these files, for `auditql query Q FILES…` without `--db`.

    Keyed by content: each file's path and SHA-256 (and the tool version), so a repeat on unchanged files
    reuses the archive, a file copied back or merely touched still hits, and any change of bytes makes a
    fresh one. Built once and shared safely between concurrent processes (`file_cache`).
    """
    from auditql import __version__
    from auditql.archive.file_cache import archive_for
    from auditql.ingest.run import expand

    return archive_for(sorted(expand(paths)), engine.cache_dir(), __version__, notify)


# --- archives: open, ingest, custody, export ------------------------------------------------------------
# Which storage `db` is (a DuckDB file, a Parquet dataset folder) is decided by `archive.at`, never here.


def default_db_path() -> Path:
    """`$AUDITQL_DB`, else `archive.duckdb` in the user's data directory."""
    return engine.default_db_path()


def default_memory_limit() -> int:
    """Half the machine's RAM in bytes (what `--memory-limit 50%` means); 0 where it cannot be known."""
    from auditql.db.connections import default_memory_limit as half_the_ram

    return half_the_ram()


def reader(db: Path, notify: Callable[[str], None] | None = None, memory_limit: int | None = None) -> Connection:
    """A read-only, sandboxed reader of the archive at `db` (the caller closes it, or uses `opened`); pass it
    to `prepare`, `run`, `stream`, `catalog` and the listings below. memory_limit: bytes for the process."""
    return archive.at(db).reader(notify=notify, memory_limit=memory_limit)


@contextlib.contextmanager
def opened(
    db: Path, notify: Callable[[str], None] | None = None, memory_limit: int | None = None
) -> Iterator[Connection]:
    """`reader(db)` for the length of a block, closed after it (an archive file's readers hold no lock, but
    a reader left open holds its memory and, on Windows, the file)."""
    con = reader(db, notify, memory_limit)
    try:
        yield con
    finally:
        con.close()


def ingest(
    paths: Iterable[Path],
    db: Path,
    vendor: str | None = None,
    mappings: Iterable[Path] = (),
    limits: Limits | None = None,
    progress: Callable[[str], None] | None = None,
    notify: Callable[[str], None] | None = None,
    memory_limit: int | None = None,
    **options: Any,
) -> Report:
    """Ingest files, folders and .zip/.gz exports into the archive at `db` (a DuckDB file, created when
    missing, or a Parquet dataset folder), with the same accounting either way. `options` pass through to
    the ingest (auditql/ingest/run.py) unchanged. A dataset `auditql export` wrote, named among `paths`, is
    imported with its custody (archive/dataset/importer.py), not read as a folder of exports."""
    from auditql.archive.dataset.layout import looks_like_dataset

    paths = list(paths)
    datasets = [p for p in paths if looks_like_dataset(p)]  # its manifest.json would be read as a "generic" event
    into = archive.at(db)
    if not datasets:
        return into.ingest(paths, vendor, mappings, limits, progress, notify, memory_limit=memory_limit, **options)
    if vendor or list(mappings):
        raise UsageError(f"{datasets[0]}: a dataset's events are mapped already; --vendor and --mapping do not apply")
    reports = [into.import_dataset(dataset, progress, notify, memory_limit=memory_limit) for dataset in datasets]
    if files := [p for p in paths if p not in datasets]:
        reports.append(into.ingest(files, None, (), limits, progress, notify, memory_limit=memory_limit, **options))
    reports[0].files = [f for r in reports for f in r.files]
    reports[0].head = reports[-1].head
    return reports[0]


def verify(db: Path, rehash: bool = True, anchor: str | None = None) -> Verification:
    """Check the chain of custody of the archive at `db` (ingest/custody.py; a dataset names the part file of an
    edited event). rehash: re-hash the source files still at their recorded path."""
    source = archive.at(db)
    con = source.reader()
    try:
        return source.verify(con, rehash=rehash, anchor=anchor)
    finally:
        con.close()


def export(
    db: Path,
    target: Path,
    text: str | None = None,
    partition_by: tuple[str, ...] | None = None,
    overwrite: bool = False,
) -> ExportSummary:
    """Write the archive at `db`, or the result of the query `text` on it, as a Parquet dataset at `target`
    (docs/scale.md); the query runs sandboxed like any other."""
    return archive.at(db).export(target, prepare, text, partition_by, overwrite)


def parse_partition_by(text: str) -> tuple[str, ...]:
    """`vendor,date` → ("vendor", "date"); `none` → no partitioning; a miss names the valid keys."""
    from auditql.archive.dataset.layout import parse_partition_by as parse

    return parse(text)


def is_dataset(db: Path) -> bool:
    """Whether `db` is a Parquet dataset (what `--engine spark` reads) rather than a DuckDB file."""
    return archive.at(db).kind == "dataset"


def dataset_layout(db: Path) -> tuple[Path, list[str]]:
    """A Parquet dataset's events folder (hive-partitioned part files) and its columns in order, for an
    engine that reads the files itself (Spark)."""
    from auditql.archive.dataset.layout import EVENTS, read_manifest

    return db / EVENTS, [c["name"] for c in read_manifest(db)["columns"]]


def interrupt(con: Connection) -> None:
    """Cancel whatever runs on a reader (Ctrl-C in the REPL), its query connection included."""
    from auditql.db.sandbox import interrupt as cancel

    cancel(con)


# --- listings: the archive's own tables, as rows (their SQL: archive/listings.py) ----------------------------


def listing(con: Connection, name: str, params: list | None = None) -> Result:
    """A listing's rows (`sources`, `rejects`, `deliveries` of one event_key), fetched whole (for the REPL's
    `.sources`: a screenful)."""
    from auditql.archive import listings

    started = time.perf_counter()
    cursor = con.execute(listings.listing_sql(con, name), params or [])
    rows = cursor.fetchall()
    description = cursor.description or []
    return Result(
        [d[0] for d in description], [str(d[1]) for d in description], rows, elapsed=time.perf_counter() - started
    )


@contextlib.contextmanager
def stream_listing(con: Connection, name: str, params: list | None = None) -> Iterator[Stream]:
    """A listing's rows as DuckDB delivers them (a million rejects are never held whole); a column named
    `…_time` or `…_at` is typed as a time, so every output format writes it as one."""
    from auditql.archive import listings

    con.execute(listings.listing_sql(con, name), params or [])
    with Deadline(con, None) as deadline:
        rows = Stream(con, deadline, None, time.perf_counter())
        rows.types = ["TIMESTAMP WITH TIME ZONE" if c.endswith(("_time", "_at")) else "" for c in rows.columns]
        yield rows


def query_progress(con: Connection) -> float:
    """DuckDB's estimate of the running query's share done on `con`'s query connection, in percent (-1: none
    running); safe to call from another thread while the query runs (frontend/progress.py)."""
    return query_connection(con).query_progress()


def value_lists(con: Connection) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The archive's value dictionary: per low-cardinality column, and per raw field with few values, its
    values, most frequent first (for completion)."""
    from auditql.archive import listings

    return listings.value_lists(con)


def time_buckets(
    con: Connection,
    sql: str,
    params: list | dict | None,
    by_vendor: bool,
    window: tuple[datetime | None, datetime | None],
    choose_step: Callable[[datetime | None, datetime | None], tuple[str, str]],
) -> tuple[str, str, list[tuple[datetime, str, int]], list[datetime]]:
    """Events of the translated query `sql` per bucket, counted where user SQL runs (listings.time_buckets):
    (step, note, [(bucket, vendor, count)], every bucket of the axis)."""
    from auditql.archive import listings

    return listings.time_buckets(query_connection(con), sql, params, by_vendor, window, choose_step)
