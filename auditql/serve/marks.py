"""Where a deep row of a result is: each result's sparse row number -> sort key map, kept between jumps.

Why: a jump to row 5,000,000 (the grid's scrollbar dragged far) used to find the key of the row before it
with `LIMIT 1 OFFSET 4999999`, which sorts the result and skips five million rows at every jump (7 s on a
10-million-event archive here). Instead the sort key of every `every`-th row is read once per result, by
one window over the key columns (query/paging.marks), and kept here; a jump then starts from the nearest
mark at or before its row and reads fewer than `every` rows past it by keyset to find the exact row.

Exact: the rows are the ones OFFSET gives, because the grid keys only an order that ends with unique
columns (the event's file and row, grid.py), so every row has one number, ties and NULLs included. A result
whose order has no such key (an SQL result without `source_file` and `source_row`, or whose own order is
not plain columns) still jumps by OFFSET (grid.py says so in its answer: `keyset` false).

Reading the marks sorts the result's keys in full, which needs more memory than the narrow OFFSET did (every
event of ten million: out of memory at a 2 GB reader share, where the OFFSET ran at 1.3 GB): a result whose
marks do not fit in a reader's share of `--memory-limit` keeps None here and its jumps keep the narrow OFFSET.

The map is small (a result of 10 million rows keeps 10,000 keys, about 2.5 MB in Python) and kept per
(archive state, the page's SQL and parameters, the order) for the last `KEPT` results, and no more than
`KEPT_KEYS` keys in all (the newest result's always), so the server's memory outside DuckDB stays bounded
however big the results; a map being built is built once, the other requests for it wait for it (the grid
asks a few pages at once after a drag).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence

from auditql.query.paging import MAX_PAGE

EVERY = 1000  # rows between marks: a jump reads fewer than this many rows past its mark (at most MAX_PAGE + 1)
KEPT = 16  # results whose marks are kept
KEPT_KEYS = 200_000  # marks kept in all (the newest result's always): about 50 MB

Key = tuple[object, ...]


class Marks:
    """The marks of the last `kept` results; `get()` builds a result's marks once."""

    def __init__(self, every: int = EVERY, kept: int = KEPT, kept_keys: int = KEPT_KEYS):
        if not 1 <= every <= MAX_PAGE + 1:
            raise ValueError(f"marks are 1 to {MAX_PAGE + 1} rows apart (a jump reads the rows between by keyset)")
        self.every, self.kept, self.kept_keys = every, kept, kept_keys
        # a result's marks, or None: none could be read within a reader's memory share (kept too, so that each
        # jump does not try again)
        self._entries: OrderedDict[Hashable, list[Key] | None] = OrderedDict()
        self._building: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self.built = self.reused = 0  # for the tests and the bench

    def get(self, key: Hashable, build: Callable[[], Sequence[Sequence[object]] | None]) -> list[Key] | None:
        """The marks kept for `key`, or `build()`'s (kept when it returns, None too: a cancelled or failed
        build is not)."""
        with self._lock:
            if key in self._entries:
                return self._found(key)
            building = self._building.setdefault(key, threading.Lock())
        with building:  # one build per result: the others wait for it, then find it kept
            with self._lock:
                if key in self._entries:
                    return self._found(key)
            try:
                rows = build()
                made = None if rows is None else [tuple(row) for row in rows]
            finally:
                with self._lock:
                    self._building.pop(key, None)
            with self._lock:
                self.built += 1
                self._entries[key] = made
                while len(self._entries) > 1 and (
                    len(self._entries) > self.kept or sum(len(m or ()) for m in self._entries.values()) > self.kept_keys
                ):
                    self._entries.popitem(last=False)
            return made

    def _found(self, key: Hashable) -> list[Key] | None:  # under the lock, `key` kept
        self._entries.move_to_end(key)
        self.reused += 1
        return self._entries[key]
