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
from collections.abc import Iterator, Sequence
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


# A file with fewer records gets its multiset digests by one statement (`multiset`), whose fixed cost is most of
# a one-record file's ingest; a bigger one by `streamed_multiset` when that statement might outgrow DuckDB's
# memory limit (ingest/entries.streams).
STREAM_ABOVE = 100_000
_FETCH_ROWS = 65_536  # per Arrow batch (`verify`): no Python object per row
# Per fetch of Python tuples (an ingest under a memory limit): one DuckDB vector. Each row is a tuple and a
# string (~145 bytes); 65,536 of them, two batches alive while the next is fetched, raised the peak of a
# 4x-the-limit ingest at --memory-limit 128MiB from 188 to 216 MiB.
_TUPLE_ROWS = 2_048


def streamed_multiset(con: Any, row_sql: str, source: str, params: Sequence[object] = ()) -> str:
    """The multiset digest `multiset` computes, the same value by the same recipe, without holding every row
    digest in memory: `string_agg(… ORDER BY …)` is an ordered aggregate DuckDB cannot spill to disk, so a
    file of a few hundred thousand deliveries failed under a tight --memory-limit ("failed to allocate …").
    Here DuckDB's ORDER BY sorts (it spills) and the SHA-256 is taken batch by batch as the rows arrive.
    `con` is a DuckDB connection (not imported here: this module is the recipe, not a reader).

    What ingest uses for a big file: rows fetched as Python tuples, not Arrow. Importing pyarrow adds 36 MB
    to the process (a quarter of a 128 MiB --memory-limit, where the file 4x the limit peaked at 1.76x it
    with Arrow) and 0.17 s CPU, as much as Arrow saves on 250,000 deliveries."""
    held = streamed_multisets(con, row_sql, source, params, arrow=False)
    return held[None][1] if held else EMPTY


def streamed_multisets(
    con: Any,
    row_sql: str,
    source: str,
    params: Sequence[object] = (),
    group: str | None = None,
    arrow: bool = True,
) -> dict[Any, tuple[int, str]]:
    """{group value: (rows, multiset digest)} — what `multiset(row_sql, source, group)` yields, by the same
    recipe, streamed as in `streamed_multiset` (no group: the one key None; no rows: an empty dict).

    With `arrow` the sorted digests arrive as Arrow batches, and each run of one group is hashed straight from
    the batch's string buffer (the digests of consecutive rows lie back to back in it: no Python string per
    row): `verify` runs this over whole tables, where a per-row join in Python cost 0.24 s more CPU per
    250,000 rows. Earlier results of `execute` on `con` are run to their end first: DuckDB refuses new work on
    a connection with one unfinished, and a cursor would not see the caller's open transaction."""
    query = (
        f"SELECT _g, _d FROM (SELECT {group or 'NULL'} AS _g, {row_sql} AS _d FROM {source}) WHERE _d IS NOT NULL "
        "ORDER BY _g NULLS FIRST, _d"
    )
    found: dict[Any, tuple[int, Any]] = {}
    current: Any = object()
    count, sha = 0, hashlib.sha256()
    for runs in _arrow_runs(con, query, params) if arrow else _tuple_runs(con, query, params):
        for value, data, n in runs:
            if value != current:
                if count:
                    found[current] = (count, sha)
                current, count, sha = value, 0, hashlib.sha256()
            sha.update(data)
            count += n
    if count:
        found[current] = (count, sha)
    return {g: (n, h.hexdigest()) for g, (n, h) in found.items()}


def _arrow_runs(con: Any, query: str, params: Sequence[object]) -> Iterator[list[tuple[Any, Any, int]]]:
    """Per Arrow batch: (group value, its rows' digests as bytes, rows) of each run of one group."""
    con.complete()
    for batch in con.sql(query, params=list(params) or None).to_arrow_reader(_FETCH_ROWS):
        values = _string_buffer(batch.column(1))
        runs, start = [], 0
        for end, value in _runs(batch.column(0)):
            runs.append((value, values(start, end), end - start))
            start = end
        yield runs


def _tuple_runs(con: Any, query: str, params: Sequence[object]) -> Iterator[list[tuple[Any, Any, int]]]:
    """The same as `_arrow_runs`, from rows fetched as tuples (no pyarrow)."""
    cursor = con.execute(query, params)
    while rows := cursor.fetchmany(_TUPLE_ROWS):
        runs, start = [], 0
        for end in [i for i in range(1, len(rows)) if rows[i][0] != rows[i - 1][0]] + [len(rows)]:
            runs.append((rows[start][0], "".join(r[1] for r in rows[start:end]).encode(), end - start))
            start = end
        yield runs


def _runs(groups: Any) -> list[tuple[int, Any]]:
    """(end, group value) of each run of one value in a batch's sorted group column; a batch of one group (a
    big file's, or no group at all) without a Python object per row."""
    n = len(groups)
    if not n:
        return []
    first, last = groups[0].as_py(), groups[n - 1].as_py()
    if first == last:
        return [(n, first)]
    values = groups.to_pylist()
    ends = [i for i in range(1, n) if values[i] != values[i - 1]] + [n]
    return [(end, values[end - 1]) for end in ends]


def _string_buffer(column: Any) -> Any:
    """A function (start, end) -> the bytes of rows start..end of an Arrow string column, concatenated: a slice
    of its data buffer (offsets: int32 for `string`, int64 for `large_string`); other types are converted."""
    if str(column.type) not in ("string", "large_string"):
        column = column.cast("large_string")
    _, offsets_buffer, data = column.buffers()
    offsets = memoryview(offsets_buffer).cast("q" if str(column.type) == "large_string" else "i")
    base, view = column.offset, memoryview(data) if data is not None else memoryview(b"")

    def rows(start: int, end: int) -> Any:
        return view[offsets[base + start] : offsets[base + end]]

    return rows


def multiset(row_sql: str, source: str, group: str | None = None) -> str:
    """SQL yielding [group,] the row count and the multiset digest of a row digest expression over `source`
    (a table, or a table with its WHERE): SHA-256 of the sorted row digests, concatenated."""
    keys = f"{group}, " if group else ""
    return (
        f"SELECT {keys}count(*), sha256(coalesce(string_agg(_d, '' ORDER BY _d), '')) "
        f"FROM (SELECT {keys}{row_sql} AS _d FROM {source}){' GROUP BY ' + group if group else ''}"
    )
