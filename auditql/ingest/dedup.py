"""Which of a file's staged records become events: the Deduplication rule of canonical-schema.md, in SQL.

Every good record is first put on record as a delivery (event, file, row). The archive's events are then a
function of all deliveries, whatever order the files came in:
- A record with a vendor id is the event `vendor:id:<id>`; copies of it, in this file or any other, are
  one event. Its stored copy is the fullest one (most canonical columns filled: the API's JSON rather than
  a UI download's column subset), then the first by (source_file, source_row).
- A record without one is identified by its content key (the mapping's identifying canonical values). For
  a content key C, with M the largest number of id-less copies of C in any single file and I the number of
  distinct ids whose records have content key C, the archive holds max(M, I) events: the I id-bearing
  ones, plus M - I id-less ones when the files hold more id-less copies than there are ids (genuine
  same-second repeats). An id-less twin of an id-bearing record is therefore no event of its own. The
  id-less events stored are the first M - I copies of the file with the most copies (ties: the first file
  by name), so the stored rows are the same for any order.

Both totals only grow as files are added, so a file's net count of added events is never negative; when a
better copy replaces a stored one, the replaced copy's `raw` is kept on its delivery (nothing is lost).

A record that shares neither key with another record, of this file or on record, is by the rule an event of
its own: the rule is computed only over the others (`_hold`), so an export overlapping the archive by half
weighs half its records, and a fresh one none.
"""

from __future__ import annotations

import duckdb

from auditql.read.formats import sql_ident, sql_str
from auditql.tables import DEDUP_SCRATCH, drop_scratch
from auditql.vendors.mapping import FIELD_COLUMNS

GOOD = "_time IS NOT NULL"
# How full a copy is: the number of canonical columns it fills (the same expression over staged and stored rows).
FULL = " + ".join(f"({sql_ident(c)} IS NOT NULL)::INTEGER" for c in FIELD_COLUMNS)


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> int:
    row = con.execute(sql, params or []).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def apply(con: duckdb.DuckDBPyConnection, display: str, digest: str, insert_sql: str, row_digest: str) -> int:
    """Record this file's deliveries and bring `events` to the rule; returns the net number of events
    added. `_aq_staged` holds the file's rows (event_key, content_key, _time, …); `insert_sql` is the
    `INSERT INTO events SELECT … FROM _aq_staged` to which the rows to store are appended as a filter;
    `row_digest` the SQL of the digest of the event row a staged copy is stored as (digests.py), given its
    `_raw_digest`: what the delivery records of its content, for the file's custody entry.

    `raw_digest` itself is stored only on a delivery that keeps its own `raw` (set where `raw` is): for the
    others `digest` already commits to it, and writing a hex MD5 per delivery was a quarter of the
    `deliveries` INSERT (random hex defeats compression: 1.17 s -> 0.88 s CPU per 250,000 Resolver rows)."""
    file = sql_str(display)
    # Asked before this file's deliveries are on record.
    unshared = _unshared_in_file(con)
    fresh = unshared and not _held_before(con)
    if not fresh:
        _hold(con, in_file=not unshared)
    con.execute(
        f"""INSERT INTO deliveries
            SELECT event_key, content_key, {file}, ?, source_row, line, NULL, {row_digest}, NULL
            FROM (SELECT *, md5(raw::VARCHAR) AS _raw_digest FROM _aq_staged WHERE {GOOD})""",
        [digest],
    )
    if fresh:  # the usual first ingest of an export: every record is an event of its own, nothing to weigh
        return _count(con, f"{insert_sql} WHERE {GOOD}")
    # Below, the rule weighs only the rows in `_aq_held`; every other good row is an event of its own.
    # Ids: this file's best copy of each id, and whether it is better than the copy the archive shows.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _aq_ids AS
            SELECT i.event_key, i.source_row, e.source_file AS held_file, e.source_row AS held_row,
                   e.event_key IS NULL OR i.full > e.full OR (i.full = e.full AND (e.source_file > {file}
                     OR (e.source_file = {file} AND e.source_row > i.source_row))) AS better
            FROM (SELECT event_key, source_row, filled AS full FROM _aq_held
                  WHERE event_key IS DISTINCT FROM content_key
                  QUALIFY row_number() OVER (PARTITION BY event_key ORDER BY filled DESC, source_row) = 1) i
            LEFT JOIN (SELECT event_key, source_file, source_row, {FULL} AS full FROM events
                       WHERE event_key IN (SELECT event_key FROM _aq_held)) e USING (event_key)"""
    )
    # Content keys this file touches: the rule's M, I and best file, from every delivery on record.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _aq_groups AS
            WITH d AS (SELECT event_key, content_key, source_file, sha256 FROM deliveries WHERE content_key IN
                         (SELECT DISTINCT content_key FROM _aq_held)),
            ids AS (SELECT content_key, count(DISTINCT event_key) AS i FROM d
                    WHERE event_key <> content_key GROUP BY content_key),
            files AS (SELECT content_key, source_file, sha256, count(*) AS n FROM d
                      WHERE event_key = content_key GROUP BY ALL),
            best AS (SELECT content_key, source_file, sha256, n AS m FROM files
                     QUALIFY row_number() OVER (PARTITION BY content_key ORDER BY n DESC, source_file, sha256) = 1)
            SELECT content_key, greatest(coalesce(m, 0) - coalesce(i, 0), 0) AS keep,
                   coalesce(best.source_file = {file} AND best.sha256 = ?, false) AS mine
            FROM (SELECT DISTINCT content_key FROM d) LEFT JOIN ids USING (content_key)
                 LEFT JOIN best USING (content_key)""",
        [digest],
    )
    # Stored rows to remove: id copies a copy of this file precedes, and id-less rows beyond the rule's
    # count (all of them where this file is now the best file: its own copies replace them).
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _aq_drop AS
            SELECT event_key, held_file AS source_file, held_row AS source_row FROM _aq_ids
            WHERE held_file IS NOT NULL AND better
            UNION ALL
            SELECT event_key, source_file, source_row FROM (
              SELECT e.event_key, e.source_file, e.source_row, g.keep, g.mine,
                     row_number() OVER (PARTITION BY e.event_key ORDER BY e.source_file, e.source_row) AS r
              FROM events e JOIN _aq_groups g ON e.event_key = g.content_key)
            WHERE mine OR r > keep"""
    )
    # This file's rows to store: new or earlier id copies, and its id-less copies where it is the best file.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _aq_new AS
            SELECT source_row FROM _aq_ids WHERE better
            UNION ALL
            SELECT source_row FROM (
              SELECT s.source_row, g.keep,
                     row_number() OVER (PARTITION BY s.content_key ORDER BY s.source_row) AS r
              FROM _aq_held s JOIN _aq_groups g USING (content_key)
              WHERE s.event_key = s.content_key AND g.mine)
            WHERE r <= keep"""
    )
    # The rows the rule weighed and does not store (the rest are new or stored above).
    skipped = _count(
        con,
        "CREATE OR REPLACE TEMP TABLE _aq_skip AS SELECT source_row FROM _aq_held ANTI JOIN _aq_new USING (source_row)",
    )
    dropped = _count(con, "SELECT count(*) FROM _aq_drop")
    if dropped:
        # The replaced copies' raw stays on their deliveries, then the rows go.
        con.execute(
            """UPDATE deliveries d SET raw = e.raw, raw_digest = md5(e.raw::VARCHAR) FROM _aq_drop x, events e
               WHERE e.event_key = x.event_key AND e.source_file = x.source_file AND e.source_row = x.source_row
                 AND d.event_key = x.event_key AND d.source_file = x.source_file AND d.source_row = x.source_row"""
        )
        con.execute(
            """DELETE FROM events e USING _aq_drop x
               WHERE e.event_key = x.event_key AND e.source_file = x.source_file AND e.source_row = x.source_row"""
        )
    if not skipped:  # every good row is new: no join at all (a join on a million rows costs memory)
        added = _count(con, f"{insert_sql} WHERE {GOOD}")
    else:
        added = _count(con, f"{insert_sql} ANTI JOIN _aq_skip USING (source_row) WHERE {GOOD}")
        _keep_differing_raw(con, file, digest)
    drop_scratch(con, DEDUP_SCRATCH)
    return added - dropped


def _unshared_in_file(con: duckdb.DuckDBPyConnection) -> bool:
    """True when no good record shares its event key or content key with another record of this file. With
    `_held_before` false too, each record is an event and the rule has nothing to decide (a third of the
    ingest's dedup work on a fresh million-row export)."""
    distinct = con.execute(
        f"SELECT count(DISTINCT event_key) = count(*), bool_and(content_key IS NULL OR content_key = event_key) "
        f"FROM _aq_staged WHERE {GOOD}"
    ).fetchone()
    if not (distinct and distinct[0]):
        return False
    # Where every content key is its record's event key (no id) or absent (an id without id-less twins), distinct
    # event keys are distinct content keys: the second count is needed only for ids that carry a content key.
    if not distinct[1]:
        twins = con.execute(
            f"SELECT count(DISTINCT content_key) = count(content_key) FROM _aq_staged WHERE {GOOD}"
        ).fetchone()
        if not (twins and twins[0]):
            return False
    return True


def _held_before(con: duckdb.DuckDBPyConnection) -> bool:
    """True when a delivery on record shares an event key or content key with a good record of this file."""
    exists = [
        f"EXISTS (SELECT 1 FROM deliveries SEMI JOIN (SELECT {column} FROM _aq_staged WHERE {GOOD}) s USING ({column}))"
        for column in ("event_key", "content_key")
    ]
    seen = con.execute("SELECT " + " OR ".join(exists)).fetchone()  # one statement: a small file's dedup is planning
    return bool(seen and seen[0])


def _hold(con: duckdb.DuckDBPyConnection, in_file: bool) -> None:
    """Put in `_aq_held` the good records the rule has to weigh: those sharing their event key or content key
    with another record of this file, or with a delivery on record. Every other record is an event of its
    own, stored as on the fast path (an export overlapping the archive by half: the rule over half the file).

    Exact because the set is closed: a key of a held record is shared by no record outside it, so each
    partition the rule computes (per event key, per content key) holds the same rows as over the whole
    file, and an unshared, unheld record is, under the rule, new and its own event's stored copy.

    `in_file`: whether keys are shared inside the file (`_unshared_in_file` said so); if not, its two GROUP BYs
    over the whole file are skipped (an export overlapping the archive usually repeats no key inside itself)."""
    shared = [
        "SELECT event_key FROM deliveries SEMI JOIN g USING (event_key)",
        "SELECT content_key FROM deliveries SEMI JOIN g USING (content_key)",
    ]
    if in_file:
        shared += [
            "SELECT event_key FROM g GROUP BY ALL HAVING count(*) > 1",
            "SELECT content_key FROM g WHERE content_key IS NOT NULL GROUP BY ALL HAVING count(*) > 1",
        ]
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _aq_held AS
            WITH g AS (SELECT source_row, event_key, content_key, {FULL} AS filled FROM _aq_staged WHERE {GOOD}),
            shared AS ({" UNION ".join(shared)})
            SELECT g.* FROM g WHERE event_key IN (SELECT * FROM shared) OR content_key IN (SELECT * FROM shared)"""
    )


def _keep_differing_raw(con: duckdb.DuckDBPyConnection, file: str, digest: str) -> None:
    """A copy that is not stored but differs from the stored copy of its event (a CSV twin of a JSON
    record, a page that changed between downloads) keeps its own `raw` on its delivery."""
    # Found first, written only if any: an UPDATE joining `deliveries` costs a pass over it even when no copy
    # differs (a repeated download: 0.9 s CPU of a 250,000-record overlapping CJA export). The stored rows are
    # narrowed to the skipped copies' keys before the join hashes `raw`: as a NOT EXISTS over all of `events`
    # the raw of every stored event was hashed (0.65-0.85 s -> 0.25-0.3 s of a 200,000-record half-held export).
    kept = _count(
        con,
        """CREATE OR REPLACE TEMP TABLE _aq_kept AS
            WITH s AS (SELECT source_row, event_key, raw FROM _aq_staged SEMI JOIN _aq_skip USING (source_row)),
            e AS (SELECT event_key, raw FROM events WHERE event_key IN (SELECT event_key FROM s))
            SELECT s.source_row, s.raw FROM s
            ANTI JOIN e ON e.event_key = s.event_key AND e.raw::VARCHAR = s.raw::VARCHAR""",
    )
    if kept:
        con.execute(
            f"""UPDATE deliveries d SET raw = k.raw, raw_digest = md5(k.raw::VARCHAR) FROM _aq_kept k
                WHERE d.source_file = {file} AND d.sha256 = ? AND d.source_row = k.source_row""",
            [digest],
        )
