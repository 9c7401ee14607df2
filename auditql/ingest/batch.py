"""A run of small same-header CSV files stored by one set of statements (issue 20): one read of all of them
(read/csvrun.py), one mapping, one INSERT each into `deliveries`, `events` and `sources`, the content digests
grouped by file, and the custody entries in one INSERT. For a one-record file each statement's fixed cost is
most of its ingest, so a run pays it once instead of per file.

Exactness: only what the one-by-one path would do without deciding anything is done here. A file is stored
with its run when it is "clean" (`stage`): every record has a usable time and none shares its event key or
content key with a record on record, of an earlier file, or of its own (dedup._all_new, file by file). Stored
on its own, each of its records would then be an event of its own, and that is what is written. The caller
(ingest/run.py, `Ingestor._batch`) stores the other files on their own, in order between the stretches of
clean files; a run that cannot be read together at all (a reader fix-up, a rejected line, an unknown header)
is stored one by one, as before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from auditql import __version__, digests, tables
from auditql.errors import AuditqlError
from auditql.ingest import custody, entries, rows
from auditql.ingest.files import Snapshot, unchanged
from auditql.ingest.plan import Plan, canonical_exprs, plan
from auditql.ingest.results import FileResult
from auditql.read import csvrun
from auditql.read import text as textfile
from auditql.read.formats import Records, sniff_kind, sql_ident
from auditql.schema import COLUMN_NAMES
from auditql.vendors import GENERIC
from auditql.vendors.detect import detect, resolve
from auditql.vendors.mapping import Mapping as VendorMapping

if TYPE_CHECKING:
    from auditql.ingest.run import Ingestor

# A run's scratch: its files, what was read, what was mapped (all dropped once the run is stored or refused).
SCRATCH = ("_aq_run_files", "_aq_run_staged", "_aq_csv", "_aq_reject_errors", "_aq_reject_scans")


@dataclass
class Small:
    """A small file of a run, scanned (hashed) before anything of the run is stored."""

    path: Path
    display: str
    container: str | None
    before: Snapshot
    scanned: textfile.Scanned
    shape: bytes | None = None  # the header line it shares with the rest of its run; None: stored on its own
    layout: textfile.Layout | None = None


def shape_files(con: duckdb.DuckDBPyConnection, files: list[Small]) -> None:
    """Set each file's `shape` where it can be stored in a run: a CSV that `csvrun.header_of` takes, whose
    name and bytes are not on record and whose bytes no earlier file of the run has (those are the one-by-one
    path's: "presented again", or an earlier ingest's rows under the same name in its digests)."""
    digests_seen = [f.scanned.sha256 for f in files]
    names = [f.display for f in files]
    held = con.execute(
        "SELECT list(sha256), list(source_file) FROM sources "
        "WHERE list_contains(?::VARCHAR[], sha256) OR list_contains(?::VARCHAR[], source_file)",
        [digests_seen, names],
    ).fetchone()
    held_digests = set(held[0] or []) if held else set()
    held_names = set(held[1] or []) if held else set()
    seen: set[str] = set()
    for f in files:
        digest = f.scanned.sha256
        fresh = digest not in held_digests and digest not in seen and f.display not in held_names
        seen.add(digest)
        try:
            found = csvrun.header_of(f.path, f.scanned.layout) if fresh and sniff_kind(f.path) == "csv" else None
        except OSError:  # gone or unreadable since it was hashed: the one-by-one path says so in one line
            found = None
        if found is not None:
            f.shape, f.layout = found


def run_at(files: list[Small], index: int) -> list[Small]:
    """The files from `index` on that share its shape (none when it has none)."""
    shape = files[index].shape
    if shape is None:
        return []
    end = index
    while end < len(files) and files[end].shape == shape:
        end += 1
    return files[index:end]


@dataclass
class Staged:
    """A run read and mapped into `_aq_run_staged`, and which of its files can be stored from there."""

    run: list[Small]
    mapping: VendorMapping
    plan: Plan
    records: Records
    rows: list[int]  # each file's records
    idless: list[int]  # each file's records without a vendor id (for the note on lacking columns)
    clean: list[bool]  # whether the file's records are events of their own (see `stage`)


def stage(ingestor: Ingestor, run: list[Small]) -> Staged | None:
    """Read and map `run` in the caller's open transaction; None (nothing kept) when it cannot be read together.

    A file is clean when every record has a usable time and shares its event key and its content key with
    no record on record, nor of an earlier file of the run, nor another of its own (dedup._all_new, file by
    file in order): stored one by one, each of its records would be an event of its own, whatever the files
    around it that are not clean do (they share no key with it). A file that is not clean is stored on its
    own (rejects, dedup's rule), between the stretches of clean files, so the custody entries keep file order."""
    con = ingestor.con
    if ingestor._order_off:  # rows are numbered in scan order (csvrun.read_run)
        con.execute("SET preserve_insertion_order = true")
        ingestor._order_off = False
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _aq_run_files AS SELECT unnest(range(?)) AS _aq_file, "
        "unnest(?::VARCHAR[]) AS path, unnest(?::VARCHAR[]) AS source_file, unnest(?::VARCHAR[]) AS sha256, "
        "unnest(?::BIGINT[]) AS bytes",
        [len(run), [str(f.path) for f in run], [f.display for f in run], [f.scanned.sha256 for f in run],
         [f.before.size for f in run]],
    )  # fmt: skip
    expected = [f.layout.lines - 1 if f.layout else -1 for f in run]
    records = csvrun.read_run(con, [f.path for f in run], run[0].display, expected)
    mapping = None
    if records is not None:
        try:
            mapping = ingestor.forced or detect(records.fields, ingestor.registry)
            for f in run:
                unchanged(f.path, f.display, f.before)
        except AuditqlError:
            mapping = None  # each file on its own says what is wrong with it
    # A generic mapping's time column may be found by content, file by file (vendors/timefield.py).
    if (
        records is None
        or mapping is None
        or (mapping.name == GENERIC and "time" not in resolve(mapping, records.fields))
    ):
        tables.drop_scratch(con, SCRATCH)
        return None
    p = plan(mapping, records, mapping.name)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _aq_run_staged AS SELECT s.* REPLACE (s.source_row & {csvrun.ROW_MASK} "
        "AS source_row), f._aq_file, f.source_file AS _aq_source, f.sha256 AS _aq_sha "
        f"FROM ({p.sql}) s JOIN _aq_run_files f ON f._aq_file = s.source_row >> {csvrun.FILE_SHIFT}"
    )
    tables.drop_scratch(con, ("_aq_csv", "_aq_reject_errors", "_aq_reject_scans"))
    repeats = " UNION ALL ".join(
        f"SELECT _aq_file FROM (SELECT _aq_file, row_number() OVER (PARTITION BY {key} ORDER BY _aq_file) AS r "
        f"FROM _aq_run_staged WHERE {key} IS NOT NULL) WHERE r > 1 "
        f"UNION ALL SELECT _aq_file FROM _aq_run_staged SEMI JOIN deliveries USING ({key})"
        for key in ("event_key", "content_key")
    )
    found = con.execute(
        "SELECT (SELECT list(DISTINCT _aq_file) FROM (SELECT _aq_file FROM _aq_run_staged WHERE _time IS NULL "
        f"UNION ALL {repeats})), (SELECT list(n ORDER BY _aq_file) FROM (SELECT _aq_file, count(*) FILTER "
        "(WHERE event_id IS NULL) AS n FROM _aq_run_staged GROUP BY 1))"
    ).fetchone()
    unclean = set(found[0] or []) if found else set()
    idless = list(found[1] or []) if found else []
    clean = [i not in unclean for i in range(len(run))]
    return Staged(run, mapping, p, records, expected, idless, clean)


def store(ingestor: Ingestor, staged: Staged, first: int, end: int) -> list[FileResult]:
    """Store the clean files `first` .. `end - 1` of a staged run, in the caller's open transaction."""
    con, mapping, p, records, run = ingestor.con, staged.mapping, staged.plan, staged.records, staged.run
    now = datetime.now(UTC)
    stretch = f"_aq_file >= {int(first)} AND _aq_file < {int(end)}"
    _write(con, mapping.name, stretch)
    columns = json.dumps({c: f for c, f in p.resolved.items() if c not in p.transformed})
    con.execute(
        "INSERT INTO sources SELECT f.source_file, f.sha256, f.bytes, ?, ?, ?, n, n, 0, 0, first, last, ?, ?, ? "
        "FROM _aq_run_files f JOIN (SELECT _aq_file, count(*) AS n, min(_time) AS first, max(_time) AS last "
        f"FROM _aq_run_staged WHERE {stretch} GROUP BY 1) USING (_aq_file) ORDER BY _aq_file",
        [mapping.name, records.kind, mapping.fingerprint, now, __version__, columns],
    )
    ingestor.catalog.record(mapping.name, records.fields)
    written = _content_digests(con, [f.display for f in run[first:end]])
    results, custody_entries = [], []
    for i in range(first, end):
        f = run[i]
        result = FileResult(f.display, vendor=mapping.name, format=records.kind, notes=list(records.notes))
        if p.lacking and staged.idless[i]:
            result.notes.append(rows.lacking_text(mapping, p.lacking))
        result.read = result.added = staged.rows[i]
        results.append(result)
        origin = ingestor._origin(f.path)
        entry = entries.custody_entry(result, f.before.size, f.scanned.sha256, f.container, written[f.display], origin)
        custody_entries.append(entry)
        if ingestor._sizes is not None:
            ingestor._sizes.add(f.before.size)
    custody.append_all(con, custody_entries, now)
    return results


def _write(con: duckdb.DuckDBPyConnection, vendor: str, stretch: str) -> None:
    """The stretch's deliveries and events: dedup.apply's first-ingest path (`fresh`), with each row's file."""
    picks = {**canonical_exprs("", vendor), "source_file": "_aq_source"}
    row_digest = digests.event_digest(picks, raw_digest="_raw_digest")
    con.execute(
        f"""INSERT INTO deliveries
            SELECT event_key, content_key, _aq_source, _aq_sha, source_row, line, NULL, {row_digest}, NULL
            FROM (SELECT *, md5(raw::VARCHAR) AS _raw_digest FROM _aq_run_staged WHERE {stretch})"""
    )
    columns = ", ".join(f"{picks[c]} AS {sql_ident(c)}" for c in COLUMN_NAMES)
    con.execute(f"INSERT INTO events SELECT {columns} FROM _aq_run_staged WHERE {stretch}")


def _content_digests(con: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, dict[str, str]]:
    """Per file of the run, entries.content_digests: the multiset digests of its deliveries, rejects and
    sources rows as on record now, grouped by file in one statement."""
    each = {
        "deliveries_digest": (digests.DELIVERY_ROW, "deliveries"),
        "rejects_digest": (digests.REJECT_ROW, "rejects"),
        "sources_digest": (digests.SOURCE_ROW, "sources"),
    }
    mine = "list_contains($1::VARCHAR[], source_file)"
    parts = [
        f"SELECT '{column}' AS c, * FROM ({digests.multiset(row, f'{table} WHERE {mine}', 'source_file')})"
        for column, (row, table) in each.items()
    ]
    found = con.execute(" UNION ALL ".join(parts), [names]).fetchall()
    written = {n: dict.fromkeys(each, digests.EMPTY) for n in names}
    for column, name, _, digest in found:
        written[name][column] = digest or digests.EMPTY
    return written
