"""Stored rows an ingest into a dataset replaced: taken out of their part files, their `raw` kept.

Dedup may delete stored events when a better copy arrives (ingest/dedup.py): an id-less row whose id-bearing twin
came, an id's copy that a fuller or earlier copy replaces. The scratch archive holds each stored event as
a placeholder (its row without `raw`; `_aq_seeded` remembers which part file holds it), so after the
ingest the placeholders that are gone name exactly the rows to remove. Each part file holding one is
written again without them (staged, then published by publish.py); one left empty is deleted.

Dedup also compares copies' `raw` with the stored event's, which a placeholder does not have. Two places
are put right here, from the part files themselves, so the dataset's `deliveries` are the archive's:
- a replaced copy's `raw` goes on its delivery (dedup wrote the placeholder's NULL there);
- a copy that dedup kept `raw` for, because it could not see it equals the stored (placeholder) event's,
  drops it again — comparing only with placeholders still stored at the end, so nothing is ever lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from auditql.archive.dataset.layout import sql_path
from auditql.archive.dataset.publish import Publication
from auditql.schema import COLUMN_NAMES
from auditql.sql import glob_escaped, sql_file, sql_ident

KEY = ("event_key", "source_file", "source_row")
_SAME_ROW = " AND ".join(f"a.{c} IS NOT DISTINCT FROM b.{c}" for c in KEY)


@dataclass
class Removed:
    rows: int = 0  # stored rows the ingest replaced, now out of the dataset


def seed(con: duckdb.DuckDBPyConnection, parts: list[Path], columns: list[str], hive: bool, vendor: str | None) -> None:
    """A placeholder for each stored event (with `vendor`, only that vendor's partitions): its row without
    `raw`, the dataset's `columns` of it, so dedup weighs it as it would the stored row (which copy is
    fullest, which comes first); and which part file (its index in `parts`) holds it. Plus the files on
    record before this ingest."""
    files = [str(p) for p in parts]
    con.execute("CREATE TABLE _aq_known_files AS SELECT DISTINCT source_file, sha256 FROM sources")
    con.execute("CREATE TABLE _aq_parts (part BIGINT, path VARCHAR)")
    con.execute(
        "INSERT INTO _aq_parts SELECT unnest(range(len(p))), unnest(p) FROM (SELECT ?::VARCHAR[] AS p)", [files]
    )
    con.execute("CREATE TABLE _aq_seeded (event_key VARCHAR, source_file VARCHAR, source_row BIGINT, part BIGINT)")
    if not parts:
        return
    read = f"read_parquet($files, filename = true, hive_partitioning = {str(hive).lower()}, union_by_name = true)"
    where = " WHERE s.vendor = $vendor" if vendor else ""
    params = {"files": [glob_escaped(f) for f in files], **({"vendor": vendor} if vendor else {})}
    stored = ", ".join(sql_ident(c) for c in COLUMN_NAMES if c != "raw" and c in columns)
    con.execute(f"INSERT INTO events ({stored}) SELECT {stored} FROM {read} s{where}", params)
    con.execute(
        f"INSERT INTO _aq_seeded SELECT s.event_key, s.source_file, s.source_row, p.part "
        f"FROM {read} s JOIN _aq_parts p ON s.filename = p.path{where}",
        params,
    )


# This ingest's deliveries (of files not on record before it) for which dedup kept `raw`.
_KEPT = """d.raw IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM _aq_known_files k WHERE k.source_file = d.source_file AND k.sha256 = d.sha256)"""


def remove(con: duckdb.DuckDBPyConnection, publication: Publication) -> Removed:
    """After the scratch ingest: put `deliveries.raw` right, and stage every part file that loses rows."""
    key = ", ".join(KEY)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _aq_gone AS SELECT * FROM _aq_seeded a
            WHERE NOT EXISTS (SELECT 1 FROM events b WHERE b.raw IS NULL AND {_SAME_ROW})"""
    )
    # Placeholders still stored with which dedup compared such a copy.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _aq_compare AS SELECT * FROM _aq_seeded a
            WHERE a.event_key IN (SELECT event_key FROM deliveries d WHERE {_KEPT})
              AND NOT EXISTS (SELECT 1 FROM _aq_gone b WHERE {_SAME_ROW})"""
    )
    wanted = con.execute(
        "SELECT path FROM _aq_parts "
        "WHERE part IN (SELECT part FROM _aq_gone UNION SELECT part FROM _aq_compare) ORDER BY part"
    ).fetchall()
    if not wanted:
        return Removed()
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _aq_stored AS
            SELECT a.event_key, a.source_file, a.source_row, any_value(a.raw) AS raw, bool_or(b.gone) AS gone
            FROM read_parquet(?, hive_partitioning = false, union_by_name = true) a
            JOIN (SELECT {key}, true AS gone FROM _aq_gone UNION ALL SELECT {key}, false FROM _aq_compare) b
              ON {_SAME_ROW}
            GROUP BY ALL""",
        [[path for (path,) in wanted]],
    )
    # First the copies kept for want of a comparison, then the replaced copies' raw onto their deliveries
    # (in that order, so the first cannot undo the second).
    con.execute(
        f"""UPDATE deliveries d SET raw = NULL, raw_digest = NULL WHERE {_KEPT}
              AND EXISTS (SELECT 1 FROM _aq_stored s
                          WHERE NOT s.gone AND s.event_key = d.event_key AND s.raw = d.raw::VARCHAR)"""
    )
    con.execute(
        """UPDATE deliveries d SET raw = s.raw, raw_digest = md5(s.raw::VARCHAR) FROM _aq_stored s
           WHERE s.gone AND d.event_key = s.event_key AND d.source_file = s.source_file
             AND d.source_row = s.source_row"""
    )
    return _rewrite(con, publication)


def _rewrite(con: duckdb.DuckDBPyConnection, publication: Publication) -> Removed:
    """Each part file holding a replaced row, written again without it (row order kept), or deleted."""
    removed = Removed()
    for part, path in con.execute(
        "SELECT DISTINCT part, path FROM _aq_gone JOIN _aq_parts USING (part) ORDER BY part"
    ).fetchall():
        final = Path(path)
        staged = publication.staged(final)
        before = con.execute(f"SELECT count(*) FROM read_parquet({sql_file(final)})").fetchone()
        row = con.execute(
            f"""COPY (SELECT * EXCLUDE (file_row_number)
                      FROM read_parquet({sql_file(final)}, file_row_number = true, hive_partitioning = false) a
                      WHERE NOT EXISTS (SELECT 1 FROM _aq_gone b WHERE b.part = {int(part)} AND {_SAME_ROW})
                      ORDER BY file_row_number)
                TO {sql_path(staged)} (FORMAT parquet, COMPRESSION zstd)"""
        ).fetchone()
        kept = int(row[0]) if row else 0
        removed.rows += (int(before[0]) if before else 0) - kept
        if kept:
            publication.move(staged, final)
        else:
            staged.unlink()
            publication.delete(final)
    return removed
