"""`auditql ingest --db FILE DATASET/`: a dataset written by `auditql export` brought into an archive file,
with its custody, instead of being read as a folder of exports.

The order is an auditor's: first the dataset's own chain of custody is verified exactly as `auditql verify
--db DATASET` would (chain, counts, every row against its digests; not the original files, which need not
be here), and a dataset that does not hold is refused whole, in one line naming the file or part file.
Then, in one transaction on the archive file: the dataset's deliveries and rejects the archive lacks are
recorded, its events merged by the Deduplication rule (merge.py), one `sources` row and one custody entry
written per file that brought anything new. So `auditql verify --db FILE` holds afterwards, a second import
adds nothing, and read = added + duplicates + rejected per file.

What cannot be carried: the dataset's entries themselves. Their hashes chain from the dataset's first entry,
and an archive that already has a chain can only append, with its own `seq` and `prev_hash`; so the import
writes an "archive" entry for the dataset whose `sha256` is that of `_auditql/manifest.parquet` (all the
dataset's entries, hashes included) and whose note names the dataset's head hash, then a "member" entry per
file naming the dataset entry it came from (docs/custody.md, "Importing a dataset").
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from auditql import __version__, digests, tables
from auditql.archive.dataset import merge
from auditql.archive.dataset.layout import EVENTS, MANIFEST, META, part_files, read_manifest
from auditql.db import archive_file
from auditql.errors import InputError, UsageError, VerificationFailed
from auditql.ingest import custody, verification
from auditql.ingest.run import FileResult, Report, display_name
from auditql.schema import COLUMN_NAMES
from auditql.sql import sql_file, sql_ident

TABLES = ("deliveries", "rejects", "sources", "fields", "manifest")  # the catalog an import reads
SCRATCH = (
    *(f"_aq_ds_{table}" for table in ("events", *TABLES)),
    *(f"_aq_imp_{table}" for table in ("new", "rows", "rejects", "files")),
)
CUSTODY = "manifest.parquet"  # the dataset's chain: what the import's "archive" entry hashes


def import_dataset(
    root: Path,
    db: Path,
    progress: Callable[[str], None] | None = None,
    notify: Callable[[str], None] | None = None,
    memory_limit: int | None = None,
) -> Report:
    """Verify the dataset at `root`, then bring it into the archive file `db` (created when missing)."""
    manifest = _check(root)
    if progress:
        progress(f"verifying {display_name(root)}")
    before = _snapshot(root)
    head, entries = _verified(root)
    if progress:
        progress(f"importing {display_name(root)}")
    report = Report()
    with archive_file.writer(db, notify=notify, memory_limit=memory_limit) as con:
        custody.begin(con, __version__)
        con.execute("BEGIN TRANSACTION")
        try:
            _load(con, root, manifest)
            if _snapshot(root) != before:  # what was verified must be what was read
                raise InputError(display_name(root), "changed while it was being imported; nothing from it stored")
            report.files = _bring_in(con, root, manifest, head, entries)
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.TransactionException):  # a failed COMMIT (disk full) ended it already
                con.execute("ROLLBACK")
            raise
        finally:
            tables.drop_scratch(con, SCRATCH)
        if any(f.added for f in report.files):
            archive_file.refresh_column_values(con)
        archive_file.checkpoint(con, sum(f.read for f in report.files))
        report.head = custody.head(con)
    return report


def _check(root: Path) -> dict[str, Any]:
    """The dataset's manifest; an unfinished export or a result that is no events is refused (exit 2)."""
    if not (root / META / MANIFEST).is_file():
        raise UsageError(
            f"{root}: an incomplete auditql dataset (no {META}/{MANIFEST}: an export that did not finish, or a "
            "damaged copy); nothing imported — export it again"
        )
    manifest = read_manifest(root)
    missing = [c for c in COLUMN_NAMES if c not in {c["name"] for c in manifest.get("columns", [])}]
    if missing:
        raise UsageError(
            f"{root}: the result of a query without the column(s) {', '.join(missing)} ({manifest.get('query')!r}): "
            "its rows are no events, nothing to import; query it with `--db` instead"
        )
    return manifest


def _verified(root: Path) -> tuple[str | None, int]:
    """The dataset's custody, checked as `auditql verify --db DIR --no-rehash` checks it: (head, entries)."""
    from auditql.archive.dataset.parts import events_with_parts
    from auditql.archive.dataset.reader import open_reader

    con = open_reader(root)
    try:
        events, part = events_with_parts(con, root)
        result = verification.verify(con, rehash=False, events=events, part=part)
    finally:
        con.close()
    if result.problems:  # the line shown names a part file, else a source file, where verify could say one
        first = min(result.problems, key=lambda p: (f"(in {EVENTS}/" not in p, " table: " not in p))
        more = len(result.problems) - 1
        also = f" (and {more} more: `auditql verify --db {root}`)" if more else ""
        raise VerificationFailed(f"{root}: not imported, its chain of custody does not hold: {first}{also}")
    return result.head, result.entries


def _snapshot(root: Path) -> list[tuple[str, int, int]]:
    """Name, size and mtime of every file an import reads: a change between verify and load refuses it."""
    files = [*part_files(root), *sorted((root / META).glob("*.parquet")), root / META / MANIFEST]
    return [(str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files if f.exists()]


def _load(con: duckdb.DuckDBPyConnection, root: Path, manifest: dict[str, Any]) -> None:
    """The dataset's events and catalog as temp tables typed like the archive's (`_aq_ds_*`)."""
    _create_like(con, "_aq_ds_events", "events")
    parts = part_files(root)
    if parts:
        files = "[" + ", ".join(sql_file(p) for p in parts) + "]"
        hive = str(bool(manifest.get("partition_by"))).lower()  # partition values live only in folder names
        con.execute(
            f"INSERT INTO _aq_ds_events SELECT {', '.join(map(sql_ident, COLUMN_NAMES))} FROM read_parquet({files}, "
            f"hive_partitioning = {hive}, hive_types_autocast = false, union_by_name = true)"
        )
    for table in TABLES:
        _create_like(con, f"_aq_ds_{table}", table)
        path = root / META / f"{table}.parquet"
        if path.exists():  # BY NAME: a dataset written before a column existed has it NULL
            con.execute(f"INSERT INTO _aq_ds_{table} BY NAME SELECT * FROM read_parquet({sql_file(path)})")


def _create_like(con: duckdb.DuckDBPyConnection, name: str, table: str) -> None:
    """An empty temp table with `table`'s columns, by DDL. Not `CREATE … AS SELECT * FROM table LIMIT 0`: on
    DuckDB 2.0.0, a table made so inside a transaction and then filled by one INSERT of more than a row group
    (122,880 rows) from read_parquet reads back empty (count(*) = 0; measured here)."""
    columns = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ? "
        "ORDER BY column_index",
        [table],
    ).fetchall()
    con.execute(f"CREATE TEMP TABLE {name} ({', '.join(f'{sql_ident(c)} {kind}' for c, kind in columns)})")


_PER_FILE = """
WITH files AS (SELECT source_file FROM _aq_ds_deliveries UNION SELECT source_file FROM _aq_ds_rejects
               UNION SELECT source_file FROM _aq_ds_sources),
ds AS (SELECT source_file, count(*) AS n FROM _aq_ds_deliveries GROUP BY ALL),
dr AS (SELECT source_file, count(*) AS n FROM _aq_ds_rejects GROUP BY ALL),
nd AS (SELECT source_file, count(*) AS n FROM _aq_imp_new GROUP BY ALL),
nr AS (SELECT source_file, count(*) AS n FROM _aq_imp_rejects GROUP BY ALL),
src AS (SELECT source_file, arg_max(sha256, ingested_at) AS sha256, arg_max(bytes, ingested_at) AS bytes,
               arg_max(vendor, ingested_at) AS vendor, arg_max(format, ingested_at) AS format
        FROM _aq_ds_sources GROUP BY ALL),
ent AS (SELECT source_file, max(seq) AS seq, arg_max(entry_hash, seq) AS entry_hash, arg_max(origin, seq) AS origin
        FROM _aq_ds_manifest WHERE kind IN ('file', 'member') AND status = 'ingested' GROUP BY ALL)
SELECT f.source_file, src.sha256, src.bytes, src.vendor, src.format, coalesce(ds.n, 0), coalesce(dr.n, 0),
       coalesce(nd.n, 0), coalesce(nr.n, 0),
       EXISTS (SELECT 1 FROM sources s
               WHERE s.source_file = f.source_file AND s.sha256 IS NOT DISTINCT FROM src.sha256),
       ent.seq, ent.entry_hash, ent.origin
FROM files f LEFT JOIN ds USING (source_file) LEFT JOIN dr USING (source_file) LEFT JOIN nd USING (source_file)
     LEFT JOIN nr USING (source_file) LEFT JOIN src USING (source_file) LEFT JOIN ent USING (source_file)
ORDER BY ent.seq NULLS LAST, f.source_file"""


def _bring_in(
    con: duckdb.DuckDBPyConnection, root: Path, manifest: dict[str, Any], head: str | None, entries: int
) -> list[FileResult]:
    """Rows, then accounting, then custody entries, in the caller's transaction."""
    per_delivery_file = "SELECT source_file, count(*) FROM _aq_ds_deliveries GROUP BY ALL"
    trimmed = dict(con.execute(per_delivery_file).fetchall())
    merge.trim(con, "_aq_ds_deliveries", "_aq_ds_events")
    for name, n in con.execute(per_delivery_file).fetchall():
        trimmed[name] -= n
    same = merge.SAME_DELIVERY.format(a="t", b="d")
    con.execute(
        f"""CREATE TEMP TABLE _aq_imp_new AS SELECT d.* FROM _aq_ds_deliveries d
            WHERE NOT EXISTS (SELECT 1 FROM deliveries t WHERE {same})"""
    )
    con.execute(
        f"""CREATE TEMP TABLE _aq_imp_rows AS SELECT e.* FROM _aq_ds_events e
            WHERE NOT EXISTS (SELECT 1 FROM events t WHERE {merge.SAME_ROW.format(a="t", b="e")})"""
    )
    con.execute("CREATE TEMP TABLE _aq_imp_rejects AS SELECT * FROM _aq_ds_rejects EXCEPT ALL SELECT * FROM rejects")
    per_file = con.execute(_PER_FILE).fetchall()
    added = merge.merge(con, "_aq_imp_new", "_aq_imp_rows").added
    con.execute("INSERT INTO rejects SELECT * FROM _aq_imp_rejects")
    con.execute("INSERT INTO fields SELECT * FROM (SELECT DISTINCT * FROM _aq_ds_fields EXCEPT SELECT * FROM fields)")
    container = _container_entry(con, root, manifest, head, entries)
    results = []
    for name, _, _, vendor, fmt, delivered, rejected, new, new_rejects, on_record, *_ in per_file:
        result = FileResult(name, vendor, fmt)
        if new or new_rejects or not on_record or added.get(name):
            result.read, result.rejected = new + new_rejects, new_rejects
            result.added = added.get(name, 0)
            result.duplicates = result.read - result.added - result.rejected
            _sources_row(con, name, result)
        else:  # every record it delivered is on record already: as a file presented again
            result.status = "presented again"
            result.read, result.rejected = delivered + rejected, rejected
            result.duplicates = delivered
        if trimmed.get(name):
            result.notes.append(f"{trimmed[name]} id-less copies absorbed by events the query left out: not imported")
        if result.rejected:
            result.notes.append(f"{result.rejected} records rejected when it was first ingested: `auditql rejects`")
        results.append(result)
    written = _content_digests(con, [r.source_file for r in results if r.status == "ingested"])
    for result, (name, sha, size, *_, seq, hashed, origin) in zip(results, per_file, strict=True):
        came_from = f"imported from the dataset {display_name(root)}" + (
            f": its entry {seq} ({hashed})" if seq is not None else ""
        )
        entry = custody.Entry(
            "member", result.status, name, container, sha, size, member=name, vendor=result.vendor,
            format=result.format, records_read=result.read, added=result.added, duplicates=result.duplicates,
            rejected=result.rejected, tool_version=__version__, note=came_from, origin=origin,
            **written.get(name, {}),
        )  # fmt: skip
        custody.append(con, entry)
    return results


def _container_entry(
    con: duckdb.DuckDBPyConnection, root: Path, manifest: dict[str, Any], head: str | None, entries: int
) -> str:
    """The dataset's own entry (kind "archive", like a zip's): `sha256` of its chain file, `note` its head
    hash; its files' entries follow. Returns the path the member entries name as theirs."""
    chain = root / META / CUSTODY
    path = display_name(chain.resolve())
    sha, size = (custody.sha256_file(chain), chain.stat().st_size) if chain.exists() else (None, None)
    query = f"; the result of the query {manifest['query']!r}" if manifest.get("query") else ""
    note = f"auditql dataset {display_name(root.resolve())}: custody head {head} ({entries} entries){query}"
    entry = custody.Entry(
        "archive", "unpacked", display_name(root.resolve()), path, sha, size, format="auditql-dataset",
        tool_version=__version__, note=note,
    )  # fmt: skip
    custody.append(con, entry)
    return path


def _sources_row(con: duckdb.DuckDBPyConnection, name: str, result: FileResult) -> None:
    """This import's `sources` row for the file: what the dataset recorded of it (hash, vendor, mapping, time
    span, fields) with this import's counts and time, as an ingest writes one per file it reads."""
    copied = con.execute(
        """INSERT INTO sources
           SELECT source_file, sha256, bytes, vendor, format, mapping, ?, ?, ?, ?, first_time, last_time,
                  now(), ?, columns
           FROM _aq_ds_sources WHERE source_file = ? QUALIFY row_number() OVER (ORDER BY ingested_at DESC) = 1""",
        [result.read, result.added, result.duplicates, result.rejected, __version__, name],
    ).fetchone()
    if not (copied and copied[0]):  # a dataset without the file's sources row (none ever lacked one)
        con.execute(
            "INSERT INTO sources (source_file, vendor, format, records_read, added, duplicates, rejected, "
            "ingested_at, tool_version) VALUES (?, ?, ?, ?, ?, ?, ?, now(), ?)",
            [name, result.vendor, result.format, result.read, result.added, result.duplicates, result.rejected,
             __version__],
        )  # fmt: skip


def _content_digests(con: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, dict[str, str]]:
    """Per file: its deliveries, rejects and sources rows as on record now (digests.py), what its entry
    commits to; one grouped statement per table for all the files (a statement per file cost a second)."""
    found: dict[str, dict[str, str]] = {name: {} for name in names}
    for column, row, table in (
        ("deliveries_digest", digests.DELIVERY_ROW, "deliveries"),
        ("rejects_digest", digests.REJECT_ROW, "rejects"),
        ("sources_digest", digests.SOURCE_ROW, "sources"),
    ):
        con.execute("CREATE OR REPLACE TEMP TABLE _aq_imp_files AS SELECT unnest(?::VARCHAR[]) AS source_file", [names])
        held = digests.multiset(row, f"{table} SEMI JOIN _aq_imp_files USING (source_file)", group="source_file")
        got = {name: digest for name, _, digest in con.execute(held).fetchall()}
        for name in names:
            found[name][column] = got.get(name) or digests.EMPTY
    return found
