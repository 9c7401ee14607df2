"""Ingest files, folders and archives into the archive: detect the vendor, apply its mapping in DuckDB SQL,
deduplicate, record provenance — one transaction per file, so a file either lands whole (minus its rejected
records, which are kept with their reason) or not at all.

Dedup rule (canonical-schema.md; `ingest/dedup.py`): a vendor id is one event however many copies deliver it; an
id-less record is identified by the mapping's identifying canonical values, and meets an id-bearing twin
through the same content key. Every delivery is on record (`deliveries`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import duckdb

from auditql import __version__, digests, tables
from auditql import jsonhash as canonical
from auditql.db import archive_file
from auditql.errors import AuditqlError
from auditql.ingest import again, batch, custody, dedup, entries, packed_file, rows
from auditql.ingest.fieldcatalog import FieldCatalog
from auditql.ingest.files import Snapshot, display_name, expand, scan, unchanged
from auditql.ingest.plan import Plan, canonical_columns, canonical_exprs, plan
from auditql.ingest.results import FileResult, Report
from auditql.read import formats
from auditql.read import text as textfile
from auditql.read import unpack as archives
from auditql.vendors import Registry, load_registry
from auditql.vendors.detect import detect
from auditql.vendors.mapping import Mapping as VendorMapping
from auditql.vendors.timefield import time_by_content

__all__ = ["FileResult", "Ingestor", "Report", "display_name", "expand", "ingest"]  # what front ends import from here

# Small files share one transaction (its COMMIT writes and syncs the log: a fixed cost per transaction that
# a one-record file pays in full); a batch that fails anywhere is rolled back and its files ingested one
# transaction each, exactly as before. Each file still lands whole or not at all, with its own custody entry.
# Within the batch, neighbours that share a CSV header are read and stored together (ingest/batch.py).
SMALL_FILE = 256 * 1024
UNORDERED_ROWS = 10_000  # from this many rows, events are inserted without insertion order (see _load)
BATCH_FILES = 200
BATCH_BYTES = 16 * 1024 * 1024


class Ingestor:
    """Holds one writer connection for the duration of one `auditql ingest` run."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        registry: Registry,
        vendor: str | None = None,
        limits: archives.Limits | None = None,
        origins: Mapping[Path, dict] | None = None,
    ):
        self.con = con
        self.origins = origins or {}  # per file `auditql pull` fetched: the request it answered (ingest/custody.py)
        self.registry = registry
        self.forced = registry[vendor] if vendor else None
        self.limits = limits or archives.Limits()
        self.watcher: Any = None  # progress.Ingest on a terminal: told each file, its bytes read, its load
        self.catalog = FieldCatalog(con)
        self._order_off = True  # whether preserve_insertion_order may be off: unknown at first
        self._sizes: set[int] | None = None  # byte sizes of the files on record (`sources`), read once per run
        custody.begin(con, __version__)

    def path(self, path: Path, display: str) -> list[FileResult]:
        """One user-given file: an archive expands to its members, each ingested as a file of its own, and gets a
        custody entry of its own (ingest/packed_file.py)."""
        try:
            packed = archives.is_archive(path) or path.suffix.lower() in (".zip", ".gz")
        except OSError:  # gone or unreadable since it was listed: `file` says so in one line
            packed = False
        if not packed:
            return [self.file(path, display)]
        return packed_file.members(self, path, display)

    def file(self, path: Path, display: str, container: str | None = None) -> FileResult:
        """One file (or archive member): its events, sources row and custody entry in one transaction.

        The recorded hash must cover exactly the bytes stored: the file is stat'ed before it is hashed and
        again after DuckDB read it, and refused whole if it changed (or vanished) in between."""
        result = FileResult(display)
        con = self.con
        watcher = self.watcher
        try:
            before, scanned = scan(path, watcher, display, self._held_size)
        except OSError as exc:
            return self._unreadable(display, container, exc)
        try:
            staged = self._stage(path, display, scanned, result)
        except (AuditqlError, duckdb.Error, OSError) as exc:
            tables.drop_scratch(con, tables.FILE_SCRATCH)
            return self._failed(path, container, exc, result, before, scanned.sha256)
        con.execute("BEGIN TRANSACTION")
        self.catalog.rolled_back()
        try:
            self._stored(path, display, container, before, scanned, result, staged)
            con.execute("COMMIT")
            self.catalog.committed()
            if watcher is not None:
                watcher.done(result.read)
            return result
        except (AuditqlError, duckdb.Error, OSError) as exc:
            _rollback(con)
            tables.drop_scratch(con, tables.FILE_SCRATCH)  # staged outside the transaction: not rolled back
            return self._failed(path, container, exc, result, before, scanned.sha256)

    def _unreadable(self, display: str, container: str | None, exc: OSError) -> FileResult:
        """A file that could not even be hashed: a failed custody entry, nothing else."""
        error = f"{display}: cannot read: {exc.strerror or exc}; nothing from it stored"
        failed = FileResult(display, error=error, status="failed")
        custody.record(self.con, entries.custody_entry(failed, None, None, container))
        return failed

    def _failed(
        self, path: Path, container: str | None, exc: Exception, result: FileResult, before: Snapshot, digest: str
    ) -> FileResult:
        """The one-line error of a file whose transaction was rolled back, and its failed custody entry."""
        display = result.source_file
        if isinstance(exc, AuditqlError):
            error = str(exc)
        elif isinstance(exc, duckdb.Error):
            error = f"{display}: cannot ingest: {formats.first_line(exc)}"
        else:
            error = f"{display}: cannot read: {getattr(exc, 'strerror', None) or exc}; nothing from it stored"
        if not path.exists():  # whatever the read tripped over, this is what happened
            error = f"{display}: disappeared while it was being read; nothing from it stored"
        failed = FileResult(display, vendor=result.vendor, format=result.format, error=error, status="failed")
        custody.record(
            self.con, entries.custody_entry(failed, before.size, digest, container, origin=self._origin(path))
        )
        return failed

    def files(self, items: list[tuple[Path, str, str | None]]) -> list[FileResult]:
        """Files (path, display name, container or None) in order: runs of small ones in one transaction each
        (see SMALL_FILE), the others one by one through `file`."""
        results: list[FileResult] = []
        batch: list[tuple[Path, str, str | None]] = []
        size = 0
        for item in [*items, None]:
            small = _small_file_size(item[0]) if item is not None else None
            if batch and (small is None or len(batch) == BATCH_FILES or size + small > BATCH_BYTES):
                results += self._batch(batch)
                batch, size = [], 0
            if item is not None and small is None:
                results.append(self.file(*item))
            elif item is not None and small is not None:
                batch.append(item)
                size += small
        return results

    def _batch(self, items: list[tuple[Path, str, str | None]]) -> list[FileResult]:
        """Small files in one transaction; neighbours sharing a CSV header stored together (ingest/batch.py). If
        one fails, the transaction is undone, the files before it are ingested again, its failure is recorded as
        it was seen, and the rest go on: the report and the custody entries are those of one transaction per file."""
        if len(items) == 1:
            return [self.file(*items[0])]
        con = self.con
        results: list[FileResult] = []
        con.execute("BEGIN TRANSACTION")
        self.catalog.rolled_back()
        files: list[batch.Small] = []
        for index, (path, display, container) in enumerate(items):
            try:
                files.append(batch.Small(path, display, container, *scan(path, held_size=self._held_size)))
            except OSError as exc:
                return self._retry(items, index, partial(self._unreadable, display, container, exc))
        batch.shape_files(con, files)
        index = 0
        while index < len(files):
            run = batch.run_at(files, index)
            try:
                staged = batch.stage(self, run) if len(run) > 1 else None
            except (AuditqlError, duckdb.Error, OSError):  # each file on its own says what went wrong
                return self._undone(items)
            n = max(len(run), 1)
            clean = staged.clean if staged is not None else [False] * n
            start = 0  # the first clean file of the run not stored yet
            for k in range(n + 1):
                if k < n and clean[k]:
                    continue
                if staged is not None and start < k:  # the clean stretch before this file, together
                    try:
                        results += batch.store(self, staged, start, k)
                    except (AuditqlError, duckdb.Error, OSError):
                        return self._undone(items)
                if k == n:
                    break
                f, start = files[index + k], k + 1  # this file on its own, as before
                result = FileResult(f.display)
                try:
                    results.append(self._stored(f.path, f.display, f.container, f.before, f.scanned, result))
                except (AuditqlError, duckdb.Error, OSError) as exc:
                    failure = partial(self._failed, f.path, f.container, exc, result, f.before, f.scanned.sha256)
                    return self._retry(items, index + k, failure)
            if staged is not None:
                tables.drop_scratch(con, batch.SCRATCH)
            index += n
        try:
            con.execute("COMMIT")
        except duckdb.Error:  # the log could not be written (disk full): each file on its own says what happened
            return self._undone(items)
        self.catalog.committed()
        return results

    def _undone(self, items: list[tuple[Path, str, str | None]]) -> list[FileResult]:
        """Undo the batch's transaction and store its files one transaction each, which says what went wrong."""
        _rollback(self.con)
        self.catalog.rolled_back()
        return [self.file(*item) for item in items]

    def _retry(
        self, items: list[tuple[Path, str, str | None]], index: int, failure: Callable[[], FileResult]
    ) -> list[FileResult]:
        """items[index] failed inside a batch: undo the batch, store the files before it again (a batch of their
        own: they stored without fault), record its failure, and go on with the files after it."""
        _rollback(self.con)
        self.catalog.rolled_back()
        before = self.files(items[:index])
        return [*before, failure(), *self.files(items[index + 1 :])]

    def _stored(
        self,
        path: Path,
        display: str,
        container: str | None,
        before: Snapshot,
        scanned: textfile.Scanned,
        result: FileResult,
        staged: _Staged | None = None,
    ) -> FileResult:
        """The file's rows and its custody entry, in the caller's open transaction (`staged`: its rows mapped
        already, by `_stage` before the transaction; else they are mapped here)."""
        written = self._load(path, display, scanned, result, before.size, staged)
        if self._sizes is not None:
            self._sizes.add(before.size)
        unchanged(path, display, before)
        origin = self._origin(path)
        custody.append(self.con, entries.custody_entry(result, before.size, scanned.sha256, container, written, origin))
        return result

    def _held_size(self, size: int) -> bool:
        """Whether a file of this many bytes is on record: only then can a file be the same bytes again, and
        its scan hashes first and leaves the line layout to the reader (a re-ingest then skips that work)."""
        if self._sizes is None:
            self._sizes = {n for (n,) in self.con.execute("SELECT DISTINCT bytes FROM sources").fetchall()}
        return size in self._sizes

    def _origin(self, path: Path) -> str | None:
        """The request `auditql pull` fetched this file with (ingest/custody.py `origin`), as the entry stores it."""
        return entries.origin_text(self.origins.get(path.resolve())) if self.origins else None

    def _stage(self, path: Path, display: str, scanned: textfile.Scanned, result: FileResult) -> _Staged | None:
        """Read the file and map it into `_aq_staged`, then drop what was read; None when the same bytes were
        ingested before (nothing to read). Scratch only, so `file` runs it before the file's transaction:
        a table dropped inside a transaction keeps its memory until COMMIT (it could be rolled back), and the
        records as read held a third of a fresh ingest's peak memory while events and deliveries were written
        (CJA CSV, 500,000 records: 380 MB of 1.46 GB)."""
        con = self.con
        if self._order_off:  # on again: a failed INSERT left it off
            con.execute("SET preserve_insertion_order = true")
            self._order_off = False
        if again.presented_again(self.con, self.registry, self.forced, scanned.sha256, result):
            return None
        records = formats.read(con, path, display, scanned.layout)
        mapping = self.forced or detect(records.fields, self.registry)
        mapping = time_by_content(con, records, mapping, display)  # a generic file's time column, by content
        result.vendor, result.format, result.notes = mapping.name, records.kind, records.notes
        p = plan(mapping, records, mapping.name)
        if canonical.used_by(p.sql):  # only then: registering a Python UDF imports numpy (~0.1 s, 34 MB)
            canonical.ensure(con)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _aq_staged AS {p.sql}")
        tables.drop_scratch(con, tables.READ_SCRATCH)
        return _Staged(records, mapping, p)

    def _load(
        self,
        path: Path,
        display: str,
        scanned: textfile.Scanned,
        result: FileResult,
        size: int,
        mapped: _Staged | None = None,
    ) -> dict[str, str]:
        """Store the file's rows; returns the content digests its custody entry commits to (none when the
        same bytes were ingested before: nothing is written)."""
        con, digest = self.con, scanned.sha256
        if mapped is None and result.status != "presented again":  # not staged before the transaction
            mapped = self._stage(path, display, scanned, result)
        if mapped is None:  # the same bytes ingested before: nothing to write
            return {}
        records, mapping, p = mapped.records, mapped.mapping, mapped.plan
        now = datetime.now(UTC)
        counted = con.execute("SELECT count(*), count(_time), min(_time), max(_time) FROM _aq_staged").fetchone()
        staged, good, span = (counted[0], counted[1], counted[2:]) if counted else (0, 0, (None, None))
        bad_time = rows.bad_times(con) if good < staged else []
        rejects = [(ln, None, reason, text) for ln, reason, text in records.rejects]
        rejects += [(ln, row, reason, text) for row, ln, reason, text in bad_time]
        # Unordered: events need no insertion order (every reader orders by time, source_row), and keeping
        # it made a million-row INSERT write its row groups twice (2.9 s + a 1.3 s CHECKPOINT, vs 2.4 s + 0).
        # Only here: the readers' row_number() OVER () numbers records in file order only with it on.
        unordered = good >= UNORDERED_ROWS  # for a few rows the two settings cost more than the order does
        if unordered:
            con.execute("SET preserve_insertion_order = false")
            self._order_off = True
        insert = f"INSERT INTO events SELECT {canonical_columns(display, mapping.name)} FROM _aq_staged"
        row_digest = digests.event_digest(canonical_exprs(display, mapping.name), raw_digest="_raw_digest")
        added = dedup.apply(con, display, digest, insert, row_digest)
        if unordered:
            con.execute("SET preserve_insertion_order = true")
            self._order_off = False
        if note := rows.lacking_note(con, mapping, p.lacking):
            result.notes.append(note)
        rows.insert_rejects(con, display, rejects, now)
        result.read = good + len(rejects)
        result.added, result.duplicates, result.rejected = added, good - added, len(rejects)
        result.rejects = [{"line": ln, "row": row, "reason": reason} for ln, row, reason, _ in rejects]
        rows.insert_source(con, display, digest, size, mapping, records.kind, p, result, span, now)
        self.catalog.record(mapping.name, records.fields)
        written = entries.content_digests(con, display, streamed=entries.streams(con, result.read))
        tables.drop_scratch(con, tables.FILE_SCRATCH)
        return written


@dataclass(frozen=True)
class _Staged:
    """A file read and mapped into `_aq_staged` (Ingestor._stage): what its rows were read and mapped with."""

    records: formats.Records
    mapping: VendorMapping
    plan: Plan


def _small_file_size(path: Path) -> int | None:
    """The size of a plain file small enough to share a transaction (SMALL_FILE); None for anything else."""
    try:
        size = path.stat().st_size
        return size if size <= SMALL_FILE and not archives.is_archive(path) else None
    except OSError:
        return None  # `file` reports it in one line


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Undo a file's transaction; one DuckDB already ended (a write failed: disk full) needs no undoing."""
    with suppress(duckdb.TransactionException):
        con.execute("ROLLBACK")


def ingest(
    paths: Iterable[Path],
    db: Path,
    vendor: str | None = None,
    mappings: Iterable[Path] = (),
    limits: archives.Limits | None = None,
    progress: Callable[[str], None] | None = None,
    notify: Callable[[str], None] | None = None,
    memory_limit: int | None = None,
    origins: Mapping[Path, dict] | None = None,
) -> Report:
    """Ingest into the DuckDB archive file at `db`. Front ends call `api.ingest`, which also ingests into a
    Parquet dataset (auditql/archive/); a dataset's ingest runs this on a scratch archive file.

    origins: per file (resolved path), the request `auditql pull` fetched it with; stored in its custody entry."""
    registry = load_registry(list(mappings))
    report = Report()
    files = list(expand(paths))
    with archive_file.writer(db, notify=notify, memory_limit=memory_limit) as con:
        ingestor = Ingestor(con, registry, vendor, limits, origins)
        if hasattr(progress, "watch"):  # a progress line (auditql/frontend/progress.py), not just a message per file
            ingestor.watcher = progress
            progress.watch(con)  # type: ignore[union-attr]
        pending: list[tuple[Path, str, str | None]] = []  # small plain files, ingested together (Ingestor.files)
        for i, path in enumerate(files, 1):
            if progress:
                progress(f"[{i}/{len(files)}] {display_name(path)}")
            if _small_file_size(path) is not None and path.suffix.lower() not in (".zip", ".gz"):
                pending.append((path, display_name(path.resolve()), None))
                continue
            report.files += ingestor.files(pending) + ingestor.path(path, display_name(path.resolve()))
            pending = []
        report.files += ingestor.files(pending)
        if any(f.added for f in report.files):
            archive_file.refresh_column_values(con)
        archive_file.checkpoint(con, sum(f.read for f in report.files))
        report.head = custody.head(con)
    return report
