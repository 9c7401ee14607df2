"""The archive's own tables as listings (every ingested file, the rejects, the deliveries of one event),
its value dictionary, and a query's events counted per time bucket: the SQL front ends used to hold.

Why here: `auditql sources`, `auditql rejects`, the REPL's `.sources`, completion's values and the
`.timeline` / notebook histogram each wrote their SQL where they drew the result; front ends now ask the
facade (auditql/api/listings.py), which runs these, so they hold no SQL and never import DuckDB.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import duckdb

from auditql.errors import QueryError, UsageError
from auditql.sql import error_line

# The deliveries of one event: an id-bearing event also lists the id-less twins that met it by content.
DELIVERIES_SQL = """
SELECT d.source_file, d.source_row, d.line, d.sha256,
       EXISTS (SELECT 1 FROM events e WHERE e.event_key = d.event_key AND e.source_file = d.source_file
               AND e.source_row = d.source_row) AS shown,
       d.raw IS NOT NULL AS differs, d.raw
FROM deliveries d
WHERE d.event_key = $1 OR (d.event_key = d.content_key AND d.content_key IN
      (SELECT content_key FROM deliveries WHERE event_key = $1 AND event_key <> content_key))
ORDER BY d.source_file, d.source_row"""
REJECTS_SQL = (
    "SELECT source_file, line, source_row, reason, record, ingested_at FROM rejects "
    "ORDER BY ingested_at, source_file, line, source_row"
)
# The value dictionary ingest keeps (engine.refresh_column_values); small, so read whole.
VALUES_SQL = 'SELECT "column", value FROM column_values ORDER BY "column", n DESC, value'


def listing_sql(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """The SQL of a listing: `sources` (every ingested file), `rejects`, `deliveries` (of one event_key)."""
    if name == "sources":
        from auditql.ingest import custody

        return custody.sources_sql(con)
    listings = {"rejects": REJECTS_SQL, "deliveries": DELIVERIES_SQL}
    if name not in listings:
        raise UsageError(f"{name} is not a listing. Try one of: sources, {', '.join(listings)}")
    return listings[name]


def value_lists(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The archive's value dictionary (engine.refresh_column_values) as (canonical column -> values, raw field ->
    values), most frequent first; a field two vendors share gets both vendors' values."""
    from auditql.db.archive_file import FIELD_VALUES_PREFIX

    values: dict[str, list[str]] = {}
    fields: dict[str, list[str]] = {}
    for column, value in con.execute(VALUES_SQL).fetchall():
        if column.startswith(FIELD_VALUES_PREFIX):
            known = fields.setdefault(column[len(FIELD_VALUES_PREFIX) :], [])
            if value not in known:
                known.append(value)
        else:
            values.setdefault(column, []).append(value)
    return values, fields


def time_buckets(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: list | dict | None,
    by_vendor: bool,
    window: tuple[datetime | None, datetime | None],
    choose_step: Callable[[datetime | None, datetime | None], tuple[str, str]],
) -> tuple[str, str, list[tuple[datetime, str, int]], list[datetime]]:
    """Events of the translated query `sql` per bucket, counted by DuckDB where user SQL runs (the query
    connection, which sees `events` only: the caller passes it). The span runs from the first to the last
    event, widened to `window` (since, last instant) where given; `choose_step(first, last)` gives the
    bucket (a DuckDB interval such as `1 hour`) and a note when it is not the one asked for. `by_vendor`
    counts each vendor apart (the result needs a `vendor` column). Returns (step, note, [(bucket, vendor,
    count)], the axis: every bucket from the first to the last, empty ones too)."""
    try:
        span = con.execute(f"SELECT min(time), max(time) FROM ({sql})", params or None).fetchone()
        first, last = (span[0], span[1]) if span else (None, None)
        since, until = window
        if first is not None and last is not None:
            first, last = min(first, since or first), max(last, until or last)
        step, note = choose_step(first, last)
        vendor = "vendor::VARCHAR" if by_vendor else "''"
        rows = con.execute(
            f"SELECT time_bucket(INTERVAL '{step}', time) AS bucket, {vendor} AS who, count(*) AS n "
            f"FROM ({sql}) WHERE time IS NOT NULL GROUP BY ALL ORDER BY ALL",
            params or None,
        ).fetchall()
        axis: list[datetime] = []
        if rows:
            axis = [
                r[0]
                for r in con.execute(
                    f"SELECT unnest(generate_series(time_bucket(INTERVAL '{step}', ?::TIMESTAMPTZ), "
                    f"time_bucket(INTERVAL '{step}', ?::TIMESTAMPTZ), INTERVAL '{step}'))",
                    [first, last],
                ).fetchall()
            ]
    except duckdb.BinderException:
        needs = "`time` and `vendor` columns" if by_vendor else "a `time` column"
        raise QueryError(f"the timeline needs a result with {needs}") from None
    except duckdb.Error as exc:
        raise QueryError(f"cannot draw the timeline: {error_line(exc, keep_class=True)}") from None
    return step, note, [(b, who, int(n)) for b, who, n in rows], axis
