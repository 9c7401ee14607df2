"""Content digests: what a custody entry commits to, defined once, as DuckDB SQL and as a recipe any tool can
recompute (docs/custody.md).

Why: a hash-chained manifest proves the manifest was not edited, not that the rows it describes were not.
So every delivery carries the digest of the exact event row its copy would be stored as, and each file's
custody entry commits to order-independent digests of the deliveries, rejects and sources rows it wrote;
`verify` recomputes them all from the tables.

Recipe:
- A value's text: NULL is `N:`; anything else is `S<bytes>:<text>`, <bytes> the length of its UTF-8 text
  in bytes (decimal), so NULL, '' and any concatenation stay distinct. Times are their epoch microseconds (never
  time-zone-dependent text), integers their decimal digits, JSON its stored text.
- A row digest: the lowercase hex MD5 of the concatenated texts of its values, in a fixed column order.
- `raw_digest` of a delivery: MD5 of its copy's `raw` text (stored only where the delivery keeps its own
  `raw`). `digest`: the row digest of the event row the copy would be stored as, in `events` column order,
  with `raw` replaced by its MD5.
- A table's multiset digest: the lowercase hex SHA-256 of the rows' digests sorted and concatenated (no
  separator; no rows: the SHA-256 of nothing). Sorting makes it independent of row order; SHA-256 keeps it
  collision-resistant (a sum of hashes would let an editor balance one changed row with others).
- A file's entry commits to all of that file's rows on record when it was written (a file ingested again
  under another mapping: its earlier rows too), so `verify` compares each file with its latest entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from auditql.schema import COLUMN_NAMES, COLUMN_TYPES

EMPTY = hashlib.sha256(b"").hexdigest()  # the multiset digest of no rows
# The manifest columns in which a file's custody entry commits to the rows it wrote.
# `events_digest` only on an "export" entry: the rows of a query's result as the dataset's `events` shows them.
ENTRY_COLUMNS: tuple[str, ...] = ("deliveries_digest", "rejects_digest", "sources_digest", "events_digest")


def text(expr: str, kind: str = "VARCHAR") -> str:
    """SQL `concat` arguments for one value's text in the recipe (`N:`, or `S<bytes>:<text>`): `concat`
    skips NULLs, and one `concat` per row is 2.5x faster than chains of `||` (measured on 250k rows)."""
    value = f"epoch_us({expr})::VARCHAR" if kind.startswith("TIMESTAMP") else f"({expr})::VARCHAR"
    return f"CASE WHEN ({expr}) IS NULL THEN 'N' ELSE 'S' END, strlen({value}), ':', {value}"


def row_digest(values: Sequence[tuple[str, str]]) -> str:
    """SQL for the MD5 row digest of (expression, type) pairs, in order."""
    return "md5(concat(" + ", ".join(text(expr, kind) for expr, kind in values) + "))"


def event_digest(exprs: dict[str, str] | None = None, raw_digest: str | None = None) -> str:
    """SQL for an event row's digest: `exprs` maps a column to the expression that yields it (default: the
    column itself); `raw` enters as its MD5 (`raw_digest`, default computed from the `raw` expression)."""
    exprs = exprs or {}
    pick = {c: exprs.get(c, f'"{c}"') for c in COLUMN_NAMES}
    pick["raw"] = raw_digest or f"md5(({pick['raw']})::VARCHAR)"
    return row_digest([(pick[c], "VARCHAR" if c == "raw" else COLUMN_TYPES[c]) for c in COLUMN_NAMES])


# A delivery as a member of its file's deliveries digest: its digest (which covers event_key, source_file,
# source_row and raw_digest), plus what the event row does not hold.
DELIVERY_ROW = row_digest(
    [("digest", "VARCHAR"), ("content_key", "VARCHAR"), ("line", "BIGINT"), ("sha256", "VARCHAR")]
)
REJECT_ROW = row_digest(
    [
        ("source_file", "VARCHAR"),
        ("line", "BIGINT"),
        ("source_row", "BIGINT"),
        ("reason", "VARCHAR"),
        ("record", "VARCHAR"),
        ("ingested_at", "TIMESTAMPTZ"),
    ]
)
SOURCE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source_file", "VARCHAR"),
    ("sha256", "VARCHAR"),
    ("bytes", "BIGINT"),
    ("vendor", "VARCHAR"),
    ("format", "VARCHAR"),
    ("mapping", "VARCHAR"),
    ("records_read", "BIGINT"),
    ("added", "BIGINT"),
    ("duplicates", "BIGINT"),
    ("rejected", "BIGINT"),
    ("first_time", "TIMESTAMPTZ"),
    ("last_time", "TIMESTAMPTZ"),
    ("ingested_at", "TIMESTAMPTZ"),
    ("tool_version", "VARCHAR"),
    ("columns", "JSON"),
)
SOURCE_ROW = row_digest(list(SOURCE_COLUMNS))


# A file with at least this many records gets its multiset digests by `streamed_multiset`; smaller ones by one
# statement (`multiset`), whose fixed cost is most of a one-record file's ingest.
STREAM_ABOVE = 100_000
_FETCH_ROWS = 65_536


def streamed_multiset(con: Any, row_sql: str, source: str, params: Sequence[object] = ()) -> str:
    """The multiset digest `multiset` computes, the same value by the same recipe, without holding every row
    digest in memory: `string_agg(… ORDER BY …)` is an ordered aggregate DuckDB cannot spill to disk, so a
    file of a few hundred thousand deliveries failed under a tight --memory-limit ("failed to allocate …").
    Here DuckDB's ORDER BY sorts (it spills) and the SHA-256 is taken batch by batch as the rows arrive.
    `con` is a DuckDB connection (not imported here: this module is the recipe, not a reader)."""
    sha = hashlib.sha256()
    cursor = con.execute(
        f"SELECT _d FROM (SELECT {row_sql} AS _d FROM {source}) WHERE _d IS NOT NULL ORDER BY _d", params
    )
    while rows := cursor.fetchmany(_FETCH_ROWS):
        sha.update("".join(row[0] for row in rows).encode())
    return sha.hexdigest()


def multiset(row_sql: str, source: str, group: str | None = None) -> str:
    """SQL yielding [group,] the row count and the multiset digest of a row digest expression over `source`
    (a table, or a table with its WHERE): SHA-256 of the sorted row digests, concatenated."""
    keys = f"{group}, " if group else ""
    return (
        f"SELECT {keys}count(*), sha256(coalesce(string_agg(_d, '' ORDER BY _d), '')) "
        f"FROM (SELECT {keys}{row_sql} AS _d FROM {source}){' GROUP BY ' + group if group else ''}"
    )
