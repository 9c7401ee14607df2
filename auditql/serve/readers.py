"""Warm readers kept between requests, and each query's translation kept between its pages.

Why: opening a sandboxed reader costs 0.2–0.3 s (an in-memory database, the archive attached, the sandbox
locked), and a new reader starts with a cold cache: the same first page took twice as long on a new reader
as asked again on one that had just answered (docs/serve.md, "Measured"). The grid asks a page per scroll
step, so every request paid both. Here a few readers (`MOST`) are kept open between requests and closed
after `IDLE_SECONDS` without one: an archive file's readers hold a shared lock on it, and an `auditql
ingest` must not wait on a server nobody is using.

A reader goes back to the pool only in a state another request can use: after a request that failed or
was cancelled (DuckDB's interrupt may still be pending, a stream may have been left half read) the pool
asks it a query that reads nothing and reads its catalog; a reader that does not answer both is closed,
never handed on. A reader is handed to one request at a time, and Cancel reaches only the readers still
registered to its run (views.cancel interrupts under the lock the release takes), so an interrupt can never
reach a reader that has gone back to the pool or on to another request.

A reader opened before the archive changed (an ingest between two requests) is closed rather than reused:
each reader is kept with the archive's state (`archive_state`) when it was opened.

The server's memory is bounded as a whole, not per reader: each reader is a DuckDB database of its own with
its own memory limit, so `--memory-limit` (default: half the RAM, as for `auditql query`) is split evenly
among at most `most` readers open at once, busy or idle, and a request beyond them waits for one to come
back (`WAIT_SECONDS`, then a plain "busy" refusal). A small budget keeps fewer readers (each at least
`READER_MINIMUM`), so a share is never below what one query needs to run at all.

The translation cache spares a page request translating its query again (the catalog read, the identities
file, sqlglot: tens of milliseconds, twice for the grid's columns): a query's translation is kept for
`TRANSLATION_SECONDS` per (its text and options, the archive's state). The time limit lets an edit of the
identities file or of a user mapping count within a minute, as it counts on the next `auditql query`.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from auditql import api
from auditql.errors import QueryError
from auditql.query import paging

MOST = 3  # readers at once: a run asks its page, count and timeline side by side
READER_MINIMUM = 256 * 2**20  # a reader's memory share is at least this: a smaller budget keeps fewer readers
WAIT_SECONDS = 60.0  # a request waits this long for a reader while `most` are busy, then is refused
IDLE_SECONDS = 5.0  # then closed, so an ingest never waits on an idle server for long
TRANSLATIONS_KEPT = 64
TRANSLATION_SECONDS = 60.0

State = tuple[tuple[int, int, int] | None, ...]


def archive_state(db: Path) -> State:
    """What changes when an ingest commits: the archive file and its write-ahead log, or a dataset's manifest
    (whichever of them exist), by inode, size and modification time."""
    found: list[tuple[int, int, int] | None] = []
    for path in (db, db.with_name(db.name + ".wal"), db / "_auditql" / "manifest.json"):
        try:
            s = os.stat(path)
        except OSError:
            found.append(None)
            continue
        found.append((s.st_ino, s.st_size, s.st_mtime_ns))
    return tuple(found)


class Readers:
    """The warm readers of one archive (one per server); `borrowed()` lends one for a request. memory_limit:
    bytes for all of them together (None: half the RAM; 0: DuckDB's own default, unbounded here too)."""

    def __init__(
        self,
        db: Path,
        memory_limit: int | None = None,
        most: int = MOST,
        idle_seconds: float = IDLE_SECONDS,
        opener: Callable[[], api.Connection] | None = None,
        wait_seconds: float = WAIT_SECONDS,
    ):
        budget = api.default_memory_limit() if memory_limit is None else memory_limit
        if budget:
            most = max(1, min(most, budget // READER_MINIMUM))
        self.db, self.most, self.idle_seconds, self.wait_seconds = db, most, idle_seconds, wait_seconds
        self.share = budget // most  # each reader's memory limit (0: none set)
        self._open = opener or (lambda: api.reader(db, memory_limit=self.share))
        self._slots = threading.BoundedSemaphore(most)  # readers open, busy or idle
        self._idle: list[tuple[float, State, api.Connection]] = []  # (returned at, archive state, reader)
        self._lock = threading.Lock()
        self._reaper: threading.Timer | None = None
        self.opened = self.reused = self.discarded = 0  # for the tests and the bench

    @contextmanager
    def borrowed(self) -> Iterator[api.Connection]:
        """A reader for one request: a warm one if the archive is as it was when that one opened; a new one
        only while fewer than `most` are open (else it waits for one to come back)."""
        if not self._slots.acquire(timeout=self.wait_seconds):
            raise QueryError(
                f"the server is busy: {self.most} of its queries are running (its memory is split among them); "
                "wait for one, or cancel one"
            )
        try:
            state = archive_state(self.db)
            con = self._take(state)
            if con is None:
                con = self._open()
                with self._lock:
                    self.opened += 1
            usable = True
            try:
                yield con
            except BaseException:
                usable = self._answers(con)
                raise
            finally:
                if usable:
                    self._give_back(con, state)
                else:
                    self._close(con)
        finally:
            self._slots.release()

    def close_all(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
            if self._reaper is not None:
                self._reaper.cancel()
                self._reaper = None
        for _, _, con in idle:
            con.close()

    def idle_count(self) -> int:
        with self._lock:
            return len(self._idle)

    def _take(self, state: State) -> api.Connection | None:
        stale: list[api.Connection] = []
        found = None
        with self._lock:
            while self._idle:
                _, was, con = self._idle.pop()  # the most recently used: its cache is the warmest
                if was == state:
                    found = con
                    self.reused += 1
                    break
                stale.append(con)
        for con in stale:
            self._close(con)
        return found

    def _give_back(self, con: api.Connection, state: State) -> None:
        extra = None
        with self._lock:
            self._idle.append((time.monotonic(), state, con))
            if len(self._idle) > self.most:
                extra = self._idle.pop(0)[2]  # the least recently used
            if self._reaper is None:
                self._schedule()
        if extra is not None:
            self._close(extra)

    def _schedule(self) -> None:  # under the lock
        self._reaper = threading.Timer(self.idle_seconds / 2, self._reap)
        self._reaper.daemon = True
        self._reaper.start()

    def _reap(self) -> None:
        """Close the readers idle for `idle_seconds`; runs again while any stays."""
        now = time.monotonic()
        with self._lock:
            old = [con for at, _, con in self._idle if now - at >= self.idle_seconds]
            self._idle = [entry for entry in self._idle if now - entry[0] < self.idle_seconds]
            self._reaper = None
            if self._idle:
                self._schedule()
        for con in old:
            con.close()

    def _answers(self, con: api.Connection) -> bool:
        """Whether a reader that saw a failure or a cancel still answers, on both of its connections."""
        try:
            result = api.run(con, paging.alive(), timeout=10.0)
            api.catalog(con)
        except Exception:
            return False
        return result.rows == [(1,)]

    def _close(self, con: api.Connection) -> None:
        with self._lock:
            self.discarded += 1
        with suppress(Exception):  # a reader that cannot even close is gone either way
            con.close()


class Translations:
    """Each query's translation for a minute, per its text and options and the archive's state."""

    def __init__(self, kept: int = TRANSLATIONS_KEPT, seconds: float = TRANSLATION_SECONDS):
        self.kept, self.seconds = kept, seconds
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The translation kept for `key`, or `make()`'s (kept when it succeeds; a refused query is not)."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and now - entry[0] < self.seconds:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[1]
            self.misses += 1
        made = make()
        with self._lock:
            self._entries[key] = (now, made)
            self._entries.move_to_end(key)
            while len(self._entries) > self.kept:
                self._entries.popitem(last=False)
        return made
