"""The archive's own tables as rows for front ends (`sources`, `rejects`, `deliveries`), its value
dictionary, and the timeline's counts; their SQL lives in archive/listings.py, the rows come back as the
facade's `Result`/`Stream` so every output format draws them.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from auditql.api.queries import Deadline, Result, Stream
from auditql.archive import Connection
from auditql.db.sandbox import query_connection


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
