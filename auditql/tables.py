"""Every table an archive holds, and every scratch table auditql makes while it works: their definitions
and names in one place.

Why one place: the archive's tables were created in four modules (the writer, custody, the dataset ingest,
the schema) and the scratch tables of an ingest were dropped from lists kept by hand in four more, one of
which named a table nothing created. A table added here is created by every writer (DuckDB file and the
scratch archive of a dataset ingest alike) and travels with `auditql export`; a scratch table named here
is dropped by `drop_scratch`, so no list can forget it.

>>> "sources" in CATALOG_TABLES and "manifest" in CATALOG_TABLES
True
>>> SCRATCH["_aq_staged"]
'a file mapped to canonical rows, before dedup'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from auditql.digests import ENTRY_COLUMNS
from auditql.schema import events_ddl

SOURCES = """CREATE TABLE IF NOT EXISTS sources (
      source_file VARCHAR, sha256 VARCHAR, bytes BIGINT, vendor VARCHAR, format VARCHAR, mapping VARCHAR,
      records_read BIGINT, added BIGINT, duplicates BIGINT, rejected BIGINT,
      first_time TIMESTAMPTZ, last_time TIMESTAMPTZ, ingested_at TIMESTAMPTZ, tool_version VARCHAR,
      columns JSON)"""
REJECTS = """CREATE TABLE IF NOT EXISTS rejects (
      source_file VARCHAR, line BIGINT, source_row BIGINT, reason VARCHAR, record VARCHAR,
      ingested_at TIMESTAMPTZ)"""
# Every record that delivered an event: one row per (event, file, row), so every file an event came
# from is on record, not only the one whose copy `events` shows. `raw` is kept only where the copy
# differs from the stored event's (a CSV twin of a JSON record), or when a better copy replaced it.
# `digest` / `raw_digest`: the content the copy delivered (digests.py), which its file's custody entry
# commits to; `raw_digest` only where `raw` is kept (docs/custody.md, "Storage versions"). An archive made
# before they existed gets them empty (not covered, says `verify`).
DELIVERIES: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS deliveries (
      event_key VARCHAR, content_key VARCHAR, source_file VARCHAR, sha256 VARCHAR, source_row BIGINT,
      line BIGINT, raw JSON, digest VARCHAR, raw_digest VARCHAR)""",
    "ALTER TABLE deliveries ADD COLUMN IF NOT EXISTS digest VARCHAR",
    "ALTER TABLE deliveries ADD COLUMN IF NOT EXISTS raw_digest VARCHAR",
)
FIELDS = "CREATE TABLE IF NOT EXISTS fields (vendor VARCHAR, field VARCHAR)"
# The value dictionary: top values of the low-cardinality columns (engine.refresh_column_values).
COLUMN_VALUES = 'CREATE TABLE IF NOT EXISTS column_values ("column" VARCHAR, value VARCHAR, n BIGINT)'
# The chain of custody (ingest/custody.py says what each column means and how entries are hashed).
MANIFEST: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS manifest (
  seq BIGINT NOT NULL, prev_hash VARCHAR NOT NULL, entry_hash VARCHAR NOT NULL,
  kind VARCHAR, status VARCHAR, source_file VARCHAR, path VARCHAR, member VARCHAR,
  sha256 VARCHAR, bytes BIGINT, vendor VARCHAR, format VARCHAR,
  records_read BIGINT, added BIGINT, duplicates BIGINT, rejected BIGINT,
  ingested_at TIMESTAMPTZ, tool_version VARCHAR, note VARCHAR,
  deliveries_digest VARCHAR, rejects_digest VARCHAR, sources_digest VARCHAR, events_digest VARCHAR)""",
    *(f"ALTER TABLE manifest ADD COLUMN IF NOT EXISTS {c} VARCHAR" for c in (*ENTRY_COLUMNS, "origin")),
)

# What a writer runs on every open (all idempotent): the canonical table and the catalog around it.
ARCHIVE_DDL: tuple[str, ...] = (events_ddl(), SOURCES, REJECTS, *DELIVERIES, FIELDS, COLUMN_VALUES, *MANIFEST)
# The tables beside `events`, as a Parquet dataset keeps them (one file each under `_auditql/`).
CATALOG_TABLES: tuple[str, ...] = ("sources", "fields", "column_values", "rejects", "deliveries", "manifest")
# Catalog tables as large as `events` itself: a reader reads them in place when asked, never at open.
LARGE_CATALOG_TABLES: tuple[str, ...] = ("deliveries",)

# Scratch tables of one file's ingest (or `auditql inspect`), with what each holds. Dropped by
# `drop_scratch` once the file is done, so the next file starts clean and nothing is left in the archive.
SCRATCH: dict[str, str] = {
    "_aq_staged": "a file mapped to canonical rows, before dedup",
    "_aq_csv": "a CSV file's records as read",
    "_aq_json": "a JSON file's records as read",
    "_aq_reject_errors": "DuckDB's CSV/JSON reader rejects (store_rejects)",
    "_aq_reject_scans": "the scans those rejects came from",
    "_aq_run_files": "a run of small files read together: each file's number, path, name and SHA-256",
    "_aq_run_staged": "a run of small files read together, mapped to canonical rows, each row with its file",
    "_aq_held": "dedup: staged rows sharing a key with another copy, the only ones the rule weighs",
    "_aq_ids": "dedup: staged rows against the stored copies of their event",
    "_aq_groups": "dedup: content keys shared by id-bearing and id-less copies",
    "_aq_drop": "dedup: stored copies a better copy replaces",
    "_aq_new": "dedup: staged rows to store",
    "_aq_skip": "dedup: weighed rows not stored",
    "_aq_kept": "dedup: copies not stored whose record differs from the stored one",
    "_aq_ds_events": "dataset import: the dataset's event rows",
    "_aq_ds_deliveries": "dataset import: the dataset's deliveries",
    "_aq_ds_rejects": "dataset import: the dataset's rejects",
    "_aq_ds_sources": "dataset import: the dataset's sources rows",
    "_aq_ds_fields": "dataset import: the dataset's field catalog",
    "_aq_ds_manifest": "dataset import: the dataset's custody entries",
    "_aq_imp_new": "dataset import: its deliveries the archive lacks",
    "_aq_imp_rows": "dataset import: its event rows the archive lacks",
    "_aq_imp_rejects": "dataset import: its rejects the archive lacks",
    "_aq_imp_files": "dataset import: the files whose custody entries it writes",
    "_aq_imp_keys": "dataset import: event keys both sides know, weighed again by the rule",
    "_aq_imp_cands": "dataset import: the stored rows of those keys, both sides'",
    "_aq_imp_want": "dataset import: per contested id-less key, the rule's count and best file",
    "_aq_imp_keep": "dataset import: the candidates the rule keeps",
    "_aq_imp_drop": "dataset import: held rows the rule no longer keeps",
    "_aq_imp_insert": "dataset import: the dataset's rows to store",
}
# Groups dropped together: dedup's at its end (dedup.apply), a file's once it is stored (ingest) or shown
# (inspection). The reader reject tables are dropped before each read by the CSV and JSON readers.
DEDUP_SCRATCH: tuple[str, ...] = ("_aq_held", "_aq_ids", "_aq_groups", "_aq_drop", "_aq_new", "_aq_skip", "_aq_kept")
READ_SCRATCH: tuple[str, ...] = ("_aq_csv", "_aq_json")
FILE_SCRATCH: tuple[str, ...] = ("_aq_staged", *READ_SCRATCH)


class _Executes(Protocol):
    def execute(self, query: str, /) -> object: ...


def drop_scratch(con: _Executes, names: Iterable[str] | None = None) -> None:
    """Drop the named scratch tables (default: all of them) where they exist; a name not in SCRATCH is a
    programming error, caught here rather than left as a table that is never dropped."""
    for name in SCRATCH if names is None else names:
        if name not in SCRATCH:
            raise KeyError(f"{name} is not a registered scratch table (auditql/tables.py SCRATCH)")
        con.execute(f"DROP TABLE IF EXISTS {name}")
