"""A dataset's events and deliveries merged into an archive file by the Deduplication rule
(docs/spec/canonical-schema.md), in SQL, without re-reading a single export file.

Why not the ingest's dedup (ingest/dedup.py): it weighs one *file's* records, all of them, against what is
held; a dataset holds only each event's stored copy and, for the others, their deliveries (which copy, of
which file, with which digest), not their rows. But the rule is a function of all deliveries, and each side
already follows it: the archive's stored copy of an id is the best of its copies, the dataset's the best of
its own, so the best of the union is the better of the two; an id-less content key wants max(M - I, 0)
events, M and I counted over the union's deliveries, taken from its best file, whose first copies one side
or the other stores. So only keys both sides know are weighed again (`_aq_imp_keys`); the rest of the
dataset's rows go in as they are, and the archive's stay.

A query's result (a subset) carries the deliveries of the events it holds and the id-less copies those
absorbed; an id-less copy absorbed by an event the query left out would make the rule want an event the
result does not hold, so per content key it carries at most as many id-less copies per file as its events of
that key plus its ids of that key account for (`trim`). For a whole dataset that cap never bites.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from auditql.ingest.dedup import FULL
from auditql.tables import drop_scratch

# The scratch tables below are registered in tables.SCRATCH (dropped by `drop_scratch` at the end).
MERGE_SCRATCH: tuple[str, ...] = (
    "_aq_imp_keys",
    "_aq_imp_cands",
    "_aq_imp_want",
    "_aq_imp_keep",
    "_aq_imp_drop",
    "_aq_imp_insert",
)
SAME_DELIVERY = (
    "{a}.event_key IS NOT DISTINCT FROM {b}.event_key AND {a}.source_file IS NOT DISTINCT FROM {b}.source_file "
    "AND {a}.sha256 IS NOT DISTINCT FROM {b}.sha256 AND {a}.source_row IS NOT DISTINCT FROM {b}.source_row"
)
SAME_ROW = (
    "{a}.event_key IS NOT DISTINCT FROM {b}.event_key AND {a}.source_file IS NOT DISTINCT FROM {b}.source_file "
    "AND {a}.source_row IS NOT DISTINCT FROM {b}.source_row"
)


@dataclass
class Merged:
    """Per source file: events its rows added net (inserted minus the held rows they replaced)."""

    added: dict[str, int] = field(default_factory=dict)


def trim(con: duckdb.DuckDBPyConnection, deliveries: str, events: str) -> None:
    """Delete from `deliveries` (the dataset's) the id-less copies beyond what its events account for: per
    content key C and file, at most (its events with key C) + (its ids with content key C), by source_row."""
    con.execute(
        f"""DELETE FROM {deliveries} d USING (
              WITH held AS (SELECT event_key AS content_key, count(*) AS n FROM {events} GROUP BY ALL),
              ids AS (SELECT content_key, count(DISTINCT event_key) AS n FROM {deliveries}
                      WHERE event_key <> content_key GROUP BY ALL),
              ranked AS (SELECT event_key, content_key, source_file, sha256, source_row,
                                row_number() OVER (PARTITION BY content_key, source_file, sha256
                                                   ORDER BY source_row) AS r
                         FROM {deliveries} WHERE event_key = content_key)
              SELECT ranked.* FROM ranked LEFT JOIN held USING (content_key) LEFT JOIN ids USING (content_key)
              WHERE r > coalesce(held.n, 0) + coalesce(ids.n, 0)) t
            WHERE {SAME_DELIVERY.format(a="d", b="t")}"""
    )


def merge(con: duckdb.DuckDBPyConnection, new_deliveries: str, new_rows: str) -> Merged:
    """In the caller's transaction: record `new_deliveries` (the dataset's deliveries the archive lacks) and
    bring `events` to the rule with `new_rows` (the dataset's event rows the archive lacks) as candidates.
    A copy that loses keeps its `raw` on its delivery, as when ingest replaces one (nothing is lost)."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _aq_imp_keys AS
            WITH held_ck AS (SELECT DISTINCT content_key FROM deliveries WHERE content_key IS NOT NULL),
                 new_ck AS (SELECT DISTINCT content_key FROM {new_deliveries} WHERE content_key IS NOT NULL),
                 both_ck AS (SELECT content_key FROM held_ck INTERSECT SELECT content_key FROM new_ck),
                 held AS (SELECT event_key FROM events UNION SELECT event_key FROM deliveries),
                 new AS (SELECT event_key FROM {new_rows} UNION SELECT event_key FROM {new_deliveries})
            SELECT event_key FROM held INTERSECT SELECT event_key FROM new
            UNION SELECT event_key FROM deliveries WHERE content_key IN (SELECT content_key FROM both_ck)
            UNION SELECT event_key FROM {new_deliveries} WHERE content_key IN (SELECT content_key FROM both_ck)"""
    )
    con.execute(f"INSERT INTO deliveries SELECT * FROM {new_deliveries}")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _aq_imp_cands AS
            SELECT c.*, {FULL} AS _full,
                   EXISTS (SELECT 1 FROM deliveries d WHERE d.event_key = c.event_key
                           AND d.content_key = c.event_key) AS _idless
            FROM (SELECT *, true AS _held FROM events SEMI JOIN _aq_imp_keys USING (event_key)
                  UNION ALL BY NAME
                  SELECT *, false AS _held FROM {new_rows} SEMI JOIN _aq_imp_keys USING (event_key)) c"""
    )
    # The rule's count and best file per contested id-less key, from every delivery now on record.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _aq_imp_want AS
            WITH d AS (SELECT event_key, content_key, source_file, sha256 FROM deliveries
                       WHERE content_key IN (SELECT event_key FROM _aq_imp_cands WHERE _idless)),
            ids AS (SELECT content_key, count(DISTINCT event_key) AS i FROM d WHERE event_key <> content_key
                    GROUP BY ALL),
            files AS (SELECT content_key, source_file, sha256, count(*) AS n FROM d WHERE event_key = content_key
                      GROUP BY ALL),
            best AS (SELECT content_key, source_file, n AS m FROM files
                     QUALIFY row_number() OVER (PARTITION BY content_key ORDER BY n DESC, source_file, sha256) = 1)
            SELECT content_key AS event_key, greatest(m - coalesce(i, 0), 0) AS _keep, source_file AS _best
            FROM best LEFT JOIN ids USING (content_key)"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _aq_imp_keep AS
            SELECT event_key, source_file, source_row, _held FROM _aq_imp_cands WHERE NOT _idless
            QUALIFY row_number() OVER (PARTITION BY event_key ORDER BY _full DESC, source_file, source_row) = 1
            UNION ALL
            SELECT event_key, source_file, source_row, _held FROM (
              SELECT c.*, w._keep, row_number() OVER (PARTITION BY c.event_key
                       ORDER BY (c.source_file = w._best) DESC, c.source_file, c.source_row) AS _r
              FROM _aq_imp_cands c JOIN _aq_imp_want w USING (event_key) WHERE c._idless)
            WHERE _r <= _keep"""
    )
    losers = f"""SELECT c.* FROM _aq_imp_cands c
                 WHERE NOT EXISTS (SELECT 1 FROM _aq_imp_keep k WHERE {SAME_ROW.format(a="k", b="c")})"""
    con.execute(
        f"""UPDATE deliveries d SET raw = l.raw, raw_digest = md5(l.raw::VARCHAR) FROM ({losers}) l
            WHERE d.raw IS NULL AND {SAME_ROW.format(a="d", b="l")}"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _aq_imp_drop AS
            SELECT l.event_key, l.source_file, l.source_row FROM ({losers}) l WHERE l._held"""
    )
    con.execute(f"DELETE FROM events e USING _aq_imp_drop l WHERE {SAME_ROW.format(a='e', b='l')}")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _aq_imp_insert AS
            SELECT * EXCLUDE (_held) FROM (
              SELECT r.*, false AS _held FROM {new_rows} r ANTI JOIN _aq_imp_keys USING (event_key)
              UNION ALL BY NAME
              SELECT c.* EXCLUDE (_full, _idless) FROM _aq_imp_cands c
              WHERE NOT c._held AND EXISTS (SELECT 1 FROM _aq_imp_keep k WHERE {SAME_ROW.format(a="k", b="c")}))"""
    )
    con.execute("INSERT INTO events BY NAME SELECT * FROM _aq_imp_insert")
    merged = Merged(_attribute(con, new_deliveries))
    drop_scratch(con, MERGE_SCRATCH)
    return merged


def _attribute(con: duckdb.DuckDBPyConnection, new_deliveries: str) -> dict[str, int]:
    """Net events added per file: each inserted row counts for its file; a held row it replaced (same event
    key) counts against the same file, an id-less row the rule no longer wants (an id twin arrived) against
    the first file that delivered a copy with that content key. The sum is the change in `events`."""
    rows = con.execute(
        f"""WITH ins AS (SELECT source_file, count(*) AS n FROM _aq_imp_insert GROUP BY ALL),
                 dropped AS (SELECT file AS source_file, count(*) AS n FROM (
                               SELECT coalesce(
                                 (SELECT min(i.source_file) FROM _aq_imp_insert i WHERE i.event_key = x.event_key),
                                 (SELECT min(n.source_file) FROM {new_deliveries} n WHERE n.content_key = x.event_key),
                                 (SELECT min(n.source_file) FROM {new_deliveries} n), x.source_file) AS file
                               FROM _aq_imp_drop x) GROUP BY ALL)
            SELECT source_file, sum(n)::BIGINT FROM (SELECT * FROM ins UNION ALL SELECT source_file, -n FROM dropped)
            GROUP BY ALL"""
    ).fetchall()
    return {file: int(n) for file, n in rows}
