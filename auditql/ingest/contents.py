"""`verify`'s content checks: the rows an archive holds against the content digests its custody entries
committed to (digests.py), each problem named by file and table.

Why apart from ingest/custody.py: the chain proves the manifest is intact; these prove the rows are what the
manifest says each file delivered. They run in DuckDB SQL over whole tables (a pass over `events` and one
over `deliveries`), so verifying a ten-million-event archive costs seconds, not a Python loop.

What is checked, per source file whose custody entries carry digests:
- its deliveries, rejects and sources rows hash to its latest entry's digests (any edit, insert or delete
  of such a row changes them);
- a delivery's kept `raw` still hashes to its `raw_digest` (stored only where a raw is kept);
- every `events` row hashes to the digest of the delivery (event_key, source_file, source_row) it names;
- the events are as many as the Deduplication rule derives from the deliveries, per event key (one per
  id; max(M - I, 0) per id-less content key), so a deleted or duplicated event is named by its file.
A query's result exported as a dataset holds only some events: its own "export" entry commits to the
rows and deliveries it carries, and replaces the per-file deliveries and per-key checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

from auditql import digests
from auditql.schema import COLUMN_NAMES


@dataclass
class Contents:
    """What the content checks found: problems (tampering), and files they could not cover."""

    problems: list[str] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)  # ingested before content digests existed


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {name for (name,) in con.execute(f"SELECT name FROM pragma_table_info('{table}')").fetchall()}


def _verb(n: int, verb: str) -> str:
    return verb + ("es" if verb.endswith("ch") else "s") if n == 1 else verb


def check(
    con: duckdb.DuckDBPyConnection,
    events: str = "events",
    part: str | None = None,
    legacy: bool = False,
    export: dict[str, Any] | None = None,
) -> Contents:
    """All content checks; `events` is the relation holding the events (a dataset's view with `part`, the
    column naming the Parquet file each row is in). `legacy`: some files were ingested before custody
    records began, so the events are not all derived from deliveries on record."""
    found = Contents()
    if not (
        set(digests.ENTRY_COLUMNS) <= _columns(con, "manifest")
        and {"digest", "raw_digest"} <= _columns(con, "deliveries")
    ):  # made before content digests (and opened read-only, so not migrated): nothing to check them against
        found.uncovered = [
            name
            for (name,) in con.execute(
                "SELECT DISTINCT source_file FROM manifest WHERE kind IN ('file', 'member') AND status = 'ingested' "
                "ORDER BY source_file"
            ).fetchall()
        ]
        return found
    covered = _covered_files(con, found)
    _check_tables(con, covered, found, ("rejects", "sources") if export else ("deliveries", "rejects", "sources"))
    if export is not None:
        _check_export(con, export, events, part, found)
    _check_kept_raw(con, found)
    if export is None or export["format"] == "events":  # rows that are no whole events: the export's digest only
        _check_events(con, events, part, found)
    if export is None and not legacy and not found.uncovered:
        _check_rule(con, events, found)
    return found


_EXPORT = ("seq", "added", "query", "format", "deliveries_digest", "events_digest")


def export_entry(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The chain's last entry when it is an "export" one: this dataset is a query's result."""
    if "events_digest" not in _columns(con, "manifest"):
        return None
    row = con.execute(
        "SELECT seq, added, note, format, deliveries_digest, events_digest FROM manifest "
        "WHERE seq = (SELECT max(seq) FROM manifest) AND kind = 'export'"
    ).fetchone()
    return dict(zip(_EXPORT, row, strict=True)) if row else None


def _covered_files(con: duckdb.DuckDBPyConnection, found: Contents) -> dict[str, dict[str, tuple[int, str]]]:
    """Per file with ingested entries: its row counts (summed over its entries) and the digests of its latest
    entry, which cover all its rows; a file whose latest entry lacks them (made by an auditql before content
    digests) is listed as not covered instead."""
    covered: dict[str, dict[str, tuple[int, str]]] = {}
    rows = con.execute(
        "SELECT source_file, sum(records_read - rejected), sum(rejected), count(*), "
        "arg_max(deliveries_digest, seq), arg_max(rejects_digest, seq), arg_max(sources_digest, seq) "
        "FROM manifest WHERE kind IN ('file', 'member') AND status = 'ingested' GROUP BY source_file "
        "ORDER BY source_file"
    ).fetchall()
    for name, delivered, rejected, entries, *latest in rows:
        if any(d is None for d in latest):
            found.uncovered.append(name)
            continue
        counts = (delivered, rejected, entries)
        covered[name] = {
            t: (n, d) for t, n, d in zip(("deliveries", "rejects", "sources"), counts, latest, strict=True)
        }
    return covered


_TABLE_ROWS = {"deliveries": digests.DELIVERY_ROW, "rejects": digests.REJECT_ROW, "sources": digests.SOURCE_ROW}


def _table_digests(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, tuple[int, str]]:
    """Per source file: (rows, multiset digest) of `table`, streamed (digests.streamed_multisets): an ordered
    `string_agg` over a whole table cannot spill, so a big archive failed to verify under a tight limit."""
    return digests.streamed_multisets(con, _TABLE_ROWS[table], table, group="source_file")


def _check_tables(
    con: duckdb.DuckDBPyConnection,
    covered: dict[str, dict[str, tuple[int, str]]],
    found: Contents,
    tables: tuple[str, ...],
) -> None:
    """Each covered file's rows per table against its entries' digests; a table whose row count already
    differs is named by the count check (ingest/custody.py), not twice."""
    for table in tables:
        held = _table_digests(con, table)
        for name, recorded in covered.items():
            n, now = held.get(name, (0, digests.EMPTY))
            if n == recorded[table][0] and now != recorded[table][1]:
                found.problems.append(
                    f"{name}: {table} table: its {_plural(n, 'row')} no longer {_verb(n, 'match')} the content "
                    "digest of its custody entry (rows edited, added or deleted)"
                )


def rows_digest(con: duckdb.DuckDBPyConnection, events: str, part: str | None) -> tuple[int, str]:
    """(rows, multiset digest) of a query's result as exported: each row's event digest with the result's
    own further columns (an aggregate's `n`) appended in order, as text; `part` is not content."""
    described = con.execute(f"DESCRIBE SELECT * FROM {events}").fetchall()
    extra = [(f'"{name}"', str(kind)) for name, kind, *_ in described if name not in COLUMN_NAMES and name != part]
    row_sql = digests.event_digest()
    if extra:
        row_sql = f"md5(concat({row_sql}, {', '.join(digests.text(e, k) for e, k in extra)}))"
    return digests.streamed_multisets(con, row_sql, events).get(None, (0, digests.EMPTY))


def _check_export(
    con: duckdb.DuckDBPyConnection, export: dict[str, Any], events: str, part: str | None, found: Contents
) -> None:
    """A query's result: the deliveries it carries and its event count, against its export entry."""
    n, now = digests.streamed_multisets(con, digests.DELIVERY_ROW, "deliveries").get(None, (0, digests.EMPTY))
    where = f"entry {export['seq']} (export of {export['query']!r})"
    if now != export["deliveries_digest"]:
        found.problems.append(
            f"{where}: deliveries table: its {_plural(n, 'row')} no longer {_verb(n, 'match')} the content digest "
            "the export recorded (rows edited, added or deleted)"
        )
    n, now = rows_digest(con, events, part)
    if n != export["added"]:
        found.problems.append(f"{where}: the dataset holds {_plural(n, 'event')}, the export wrote {export['added']}")
    elif now != export["events_digest"]:
        found.problems.append(
            f"{where}: events table: its {_plural(n, 'row')} no longer {_verb(n, 'match')} the content digest the "
            "export recorded (rows edited)"
        )


def _check_kept_raw(con: duckdb.DuckDBPyConnection, found: Contents) -> None:
    """A delivery keeping its own `raw` carries its `raw_digest` (only those do, since the storage change of
    issue 13's throughput point); one with content digests (`digest`) but a kept raw without it was edited."""
    for name, n in con.execute(
        "SELECT source_file, count(*) FROM deliveries WHERE raw IS NOT NULL AND digest IS NOT NULL "
        "AND md5(raw::VARCHAR) IS DISTINCT FROM raw_digest GROUP BY source_file ORDER BY source_file"
    ).fetchall():
        found.problems.append(
            f"{name}: deliveries table: the kept raw record of {n} {'copy' if n == 1 else 'copies'} was edited"
        )


def _check_events(con: duckdb.DuckDBPyConnection, events: str, part: str | None, found: Contents) -> None:
    """Every stored row against the digest of the delivery it names (deliveries made before digests: skipped)."""
    where = f", {part}" if part else ", NULL"
    rows = con.execute(
        f"""WITH e AS (SELECT event_key, source_file, source_row{where} AS part, {digests.event_digest()} AS digest
                       FROM {events}),
                 d AS (SELECT event_key, source_file, source_row, list(digest) FILTER (WHERE digest IS NOT NULL) AS ds,
                              count(*) AS n
                       FROM deliveries GROUP BY ALL)
            SELECT e.source_file, e.part,
                   count(*) FILTER (WHERE d.n IS NULL) AS undelivered,
                   count(*) FILTER (WHERE len(d.ds) > 0 AND NOT list_contains(d.ds, e.digest)) AS differ
            FROM e LEFT JOIN d ON d.event_key IS NOT DISTINCT FROM e.event_key
                 AND d.source_file IS NOT DISTINCT FROM e.source_file AND d.source_row IS NOT DISTINCT FROM e.source_row
            GROUP BY ALL HAVING undelivered > 0 OR differ > 0 ORDER BY e.source_file NULLS FIRST, e.part"""
    ).fetchall()
    for name, where_in, undelivered, differ in rows:
        place = f" (in {where_in})" if where_in else ""
        if differ:
            found.problems.append(
                f"{name}: events table: {_plural(differ, 'event')} {_verb(differ, 'differ')} from what the file "
                f"delivered{place}"
            )
        if undelivered:
            found.problems.append(
                f"{name}: events table: {_plural(undelivered, 'event')} the file never delivered (no such "
                f"delivery on record){place}"
            )


# Per event key, the events the Deduplication rule derives from the deliveries (ingest/dedup.py): one per id; per
# id-less content key C, max(M - I, 0), M the most id-less copies of C in one file, I the ids with key C.
_RULE_SQL = """
WITH d AS (SELECT event_key, content_key, source_file, sha256 FROM deliveries),
ids AS (SELECT event_key, 1 AS want, min(source_file) AS file FROM d WHERE event_key IS DISTINCT FROM content_key
        GROUP BY ALL),  -- an id record of a mapping without id-less twins has no content key
i AS (SELECT content_key, count(DISTINCT event_key) AS i FROM d WHERE event_key <> content_key GROUP BY ALL),
per_file AS (SELECT content_key, source_file, count(*) AS m FROM d WHERE event_key = content_key
             GROUP BY content_key, source_file, sha256),
idless AS (SELECT content_key AS event_key, greatest(max(m) - coalesce(any_value(i.i), 0), 0) AS want,
                  arg_max(source_file, m) AS file
           FROM per_file LEFT JOIN i USING (content_key) GROUP BY content_key),
want AS (SELECT * FROM ids UNION ALL SELECT * FROM idless),
have AS (SELECT event_key, count(*) AS n, min(source_file) AS file FROM {events} GROUP BY event_key)
SELECT coalesce(want.file, have.file) AS file,
       sum(greatest(coalesce(want.want, 0) - coalesce(have.n, 0), 0))::BIGINT AS missing,
       sum(CASE WHEN want.want IS NOT NULL THEN greatest(coalesce(have.n, 0) - want.want, 0) ELSE 0 END)::BIGINT
         AS extra  -- an event of a key nobody delivered is named by the events check
FROM want FULL JOIN have USING (event_key)
GROUP BY ALL HAVING missing > 0 OR extra > 0 ORDER BY file NULLS FIRST"""


def _check_rule(con: duckdb.DuckDBPyConnection, events: str, found: Contents) -> None:
    for name, missing, extra in con.execute(_RULE_SQL.format(events=events)).fetchall():
        if missing:
            found.problems.append(
                f"{name}: events table: {_plural(missing, 'event')} it delivered "
                f"{'is' if missing == 1 else 'are'} missing (deleted)"
            )
        if extra:
            found.problems.append(
                f"{name}: events table: {_plural(extra, 'event')} more than its deliveries account for (inserted)"
            )
