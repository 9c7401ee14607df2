"""A file's custody entry as ingest writes it: what the entry says about the file (ingest/custody.py holds the
chain itself), the request a pulled file answered, and the content digests it commits to (digests.py)."""

from __future__ import annotations

import json

import duckdb

from auditql import __version__, digests
from auditql.ingest import custody
from auditql.ingest.results import FileResult

# What the one-statement digests' `string_agg(… ORDER BY …)` may hold before a file's digests are streamed
# instead: bytes per row (measured: it needs 250-330 bytes per 32-character row digest, a 100,000-row file
# fits DuckDB's 64 MiB and a 200,000-row one does not), and the share of DuckDB's memory limit it may take.
AGGREGATE_ROW_BYTES = 512
AGGREGATE_SHARE = 2


def streams(con: duckdb.DuckDBPyConnection, rows: int) -> bool:
    """Whether a file of `rows` records takes its content digests streamed (digests.streamed_multiset). Only
    when the ordered aggregate could outgrow DuckDB's memory limit (the writer's `aq_memory_bytes`): where it
    fits, the one statement is cheaper (250,000 CJA deliveries: 0.24 s CPU against 0.43 s streamed, the
    rows fetched into Python), and a million-record file at the default limit no longer pays the difference."""
    if rows < digests.STREAM_ABOVE:
        return False
    row = con.execute("SELECT getvariable('aq_memory_bytes')").fetchone()
    limit = row[0] if row and row[0] is not None else None
    return limit is None or rows * AGGREGATE_ROW_BYTES > limit // AGGREGATE_SHARE


def content_digests(con: duckdb.DuckDBPyConnection, display: str, streamed: bool = False) -> dict[str, str]:
    """The multiset digests (digests.py) of this file's deliveries, rejects and sources rows, as on record now
    (in the file's transaction: those it just wrote, and any an earlier ingest of the same name wrote).
    streamed: a big file's, sorted by DuckDB and hashed as they arrive (digests.streamed_multiset), so memory
    stays bounded under --memory-limit; the same digests either way."""
    tables = (
        ("deliveries_digest", digests.DELIVERY_ROW, "deliveries"),
        ("rejects_digest", digests.REJECT_ROW, "rejects"),
        ("sources_digest", digests.SOURCE_ROW, "sources"),
    )
    if streamed:
        where = "{} WHERE source_file = $1"
        return {c: digests.streamed_multiset(con, row, where.format(t), [display]) for c, row, t in tables}
    # One statement for the three (a statement's fixed cost is most of a one-record file's ingest).
    each = [
        f"(SELECT d FROM ({digests.multiset(row, f'{table} WHERE source_file = $1')}) t(n, d))"
        for _, row, table in tables
    ]
    row = con.execute(f"SELECT {', '.join(each)}", [display]).fetchone()
    return {column: (row[i] if row else None) or digests.EMPTY for i, (column, _, _) in enumerate(tables)}


def origin_text(origin: dict | None) -> str | None:
    """A pulled file's origin as the JSON text its custody entry stores (keys sorted: one spelling per origin)."""
    return None if origin is None else json.dumps(origin, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def custody_entry(
    result: FileResult,
    size: int | None,
    digest: str | None,
    container: str | None,
    written: dict | None = None,
    origin: str | None = None,
) -> custody.Entry:
    """A file's custody entry; a member's `path` is its archive's (that is what exists on disk later)."""
    member = result.source_file.removeprefix(container + "!") if container else None
    return custody.Entry(
        "member" if container else "file",
        result.status,
        result.source_file,
        container or result.source_file,
        digest,
        size,
        member=member,
        vendor=result.vendor,
        format=result.format,
        records_read=result.read,
        added=result.added,
        duplicates=result.duplicates,
        rejected=result.rejected,
        tool_version=__version__,
        note=result.error,
        origin=origin,
        **(written or {}),
    )
