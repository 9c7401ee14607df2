"""`auditql verify`: recompute the chain of custody (ingest/custody.py), cross-check the manifest's counts against
the rows, the rows against their content digests (ingest/contents.py), and re-hash the source files still at
their recorded path. Read-only. Apart from custody.py, which writes the chain: this only reads it back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from auditql.ingest import contents
from auditql.ingest.custody import (
    _HASHED_SELECT,
    GENESIS,
    OPTIONAL_COLUMNS,
    FileCheck,
    Verification,
    entry_hash,
    sha256_file,
)

__all__ = ["FileCheck", "Verification", "verify"]


def verify(
    con: duckdb.DuckDBPyConnection,
    rehash: bool = True,
    anchor: str | None = None,
    events: str = "events",
    part: str | None = None,
) -> Verification:
    """Recompute the chain, cross-check counts and content digests (ingest/contents.py), re-hash source files still
    present. Read-only. `events`/`part`: see `contents.check`."""
    tables = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views()"
        ).fetchall()
    }
    if "events" not in tables:
        if "manifest" in tables and _scalar(con, "SELECT count(*) FROM manifest"):
            return Verification(problems=["no events table, yet the manifest records files ingested (dropped)"])
        # created, but killed before its first commit: nothing was ever stored
        return Verification(warnings=["the archive holds no tables yet: nothing has been ingested"])
    result = Verification(events=_scalar(con, f"SELECT count(*) FROM {events}"))
    missing = [t for t in ("manifest", "deliveries", "sources", "rejects") if t not in tables]
    if missing:
        if result.events:  # nothing left to check the events against: a dropped table, or a pre-custody archive
            result.problems.append(
                f"no custody record: the archive holds {result.events} events but no {' / '.join(missing)} "
                f"table{'s' if len(missing) > 1 else ''} (dropped, or made before auditql kept one); nothing "
                "about its events can be verified"
            )
        else:
            result.warnings.append(f"no {' / '.join(missing)} table and no events: nothing to verify")
        return result
    _check_chain(con, result, anchor)
    export = contents.export_entry(con)  # a query's result: only some of the events, its own entry says which
    if export is not None:  # said every time: an entry appended after an anchor is vouched for by nobody
        result.warnings.append(
            f"a query's result (entry {export['seq']}: export of {export['query']!r}): its events and deliveries "
            "are checked against that entry, not against the files' entries"
        )
    _check_counts(con, result, subset=export is not None)
    found = contents.check(con, events, part, legacy=bool(result.uncovered), export=export)
    result.problems += found.problems
    result.uncovered_contents = found.uncovered
    if found.uncovered:
        n = len(found.uncovered)
        result.warnings.append(
            f"{n} file{'s' if n != 1 else ''} ingested by an auditql before content digests: not covered by "
            "content digests (their rows' counts are checked, not their content)"
        )
    if rehash:
        _check_files(con, result)
        result.rehashed = True
    return result


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    return row[0] if row else None


def _check_chain(con: duckdb.DuckDBPyConnection, result: Verification, anchor: str | None) -> None:
    """Walk the chain in `seq` order: a chain is sequential by nature, and manifests are small (one entry per
    file). An edited entry is reported once; the walk continues from its stored hash."""
    present = {name for (name,) in con.execute("SELECT name FROM pragma_table_info('manifest')").fetchall()}
    hashed = _HASHED_SELECT
    for column in OPTIONAL_COLUMNS:  # read-only, an archive made before them is not migrated: they are NULL
        if column not in present:
            hashed = hashed.replace(f", {column}", f", NULL AS {column}")
    cur = con.execute(f"SELECT {hashed}, entry_hash FROM manifest ORDER BY seq")
    names = [d[0] for d in cur.description or []]
    prev, last_seq, seen_anchor = GENESIS, 0, anchor is None
    for row in cur.fetchall():
        entry = dict(zip(names, row, strict=True))
        seq, name = entry["seq"], entry["source_file"]
        if seq != last_seq + 1:
            gap = f"entry {last_seq + 1}" if seq == last_seq + 2 else f"entries {last_seq + 1}–{seq - 1}"
            result.problems.append(f"{gap}: missing from the manifest (deleted)")
        if entry["prev_hash"] != prev:
            result.problems.append(
                f"entry {seq} ({name}): does not follow the entry before it — an entry was deleted, inserted or "
                "reordered"
            )
        if entry_hash(entry) != entry["entry_hash"]:
            result.problems.append(f"entry {seq} ({name}): edited — its content no longer matches its hash")
        seen_anchor = seen_anchor or entry["entry_hash"] == anchor
        prev, last_seq = entry["entry_hash"], seq
        result.entries += 1
    result.head = prev if result.entries else None
    if not seen_anchor:
        result.problems.append(f"anchor {anchor}: no entry has this hash — the chain was rewritten or truncated")
    elif anchor is not None:
        _after_anchor(con, result, anchor)


def _after_anchor(con: duckdb.DuckDBPyConnection, result: Verification, anchor: str) -> None:
    """A file's latest entry commits to all its rows, so a file ingested again after the anchor has its
    earlier rows vouched for by that later entry, not by the anchor: say so, naming the file and entry."""
    for name, seq in con.execute(
        """SELECT source_file, max(seq) FROM manifest
           WHERE kind IN ('file', 'member') AND status = 'ingested' GROUP BY source_file
           HAVING min(seq) <= (SELECT seq FROM manifest WHERE entry_hash = $1)
              AND max(seq) > (SELECT seq FROM manifest WHERE entry_hash = $1)
           ORDER BY source_file""",
        [anchor],
    ).fetchall():
        result.warnings.append(
            f"{name}: ingested again after the anchor (entry {seq}); its rows are vouched for by that entry, not by "
            "the anchor"
        )


# Per source file: the manifest's ingested entries against deliveries, rejects and sources rows (each good
# record a file delivered is on record, whichever file's copy `events` shows). Sources rows older than the
# chain's "start" entry belong to files ingested before the manifest existed.
_COUNTS_SQL = """
WITH start AS (SELECT max(ingested_at) AS t FROM manifest WHERE seq = 1 AND kind = 'start'),
m AS (SELECT source_file, count(*) AS entries, sum(records_read - rejected) AS added, sum(rejected) AS rejected
      FROM manifest WHERE kind <> 'archive' AND status = 'ingested' GROUP BY source_file),
e AS (SELECT source_file, count(*) AS n FROM deliveries GROUP BY source_file),
r AS (SELECT source_file, count(*) AS n FROM rejects GROUP BY source_file),
s AS (SELECT source_file, count(*) AS n,
             count(*) FILTER (WHERE ingested_at < start.t) AS legacy
      FROM sources, start GROUP BY source_file),
files AS (SELECT source_file FROM m UNION SELECT source_file FROM e UNION SELECT source_file FROM s
           UNION SELECT source_file FROM r)
SELECT f.source_file, coalesce(m.entries, 0), coalesce(m.added, 0), coalesce(e.n, 0), coalesce(m.rejected, 0),
       coalesce(r.n, 0), coalesce(s.n, 0), coalesce(s.legacy, 0)
FROM files f LEFT JOIN m USING (source_file) LEFT JOIN e USING (source_file) LEFT JOIN r USING (source_file)
     LEFT JOIN s USING (source_file)
WHERE coalesce(s.legacy, 0) > 0 OR coalesce(m.added, 0) <> coalesce(e.n, 0)
   OR coalesce(m.rejected, 0) <> coalesce(r.n, 0) OR coalesce(m.entries, 0) <> coalesce(s.n, 0)
ORDER BY f.source_file"""


def _check_counts(con: duckdb.DuckDBPyConnection, result: Verification, subset: bool = False) -> None:
    """The manifest's counts against the rows; a query's result (`subset`) holds only some deliveries and
    events, so those two are checked against its export entry instead (ingest/contents.py)."""
    for seq, name in con.execute(
        "SELECT seq, source_file FROM manifest WHERE status IN ('ingested', 'presented again') "
        "AND records_read <> added + duplicates + rejected ORDER BY seq"
    ).fetchall():
        result.problems.append(f"entry {seq} ({name}): read ≠ added + duplicates + rejected")
    for name, entries, added, events, rejected, rejects, sources, legacy in con.execute(_COUNTS_SQL).fetchall():
        if legacy:
            result.uncovered.append(name)
            continue
        if added != events and not subset:
            result.problems.append(
                f"{name}: the archive holds {events} delivered records from it, the manifest says {added}"
            )
        if rejected != rejects:
            result.problems.append(f"{name}: {rejects} rejected records kept, the manifest says {rejected}")
        if entries != sources:
            result.problems.append(f"{name}: {sources} sources rows but {entries} custody entries")
    added = _scalar(con, "SELECT coalesce(sum(added), 0) FROM manifest WHERE status = 'ingested'")
    if not result.uncovered and added != result.events and not subset:
        result.problems.append(f"the archive holds {result.events} events, the manifest's entries added {added}")
    if result.uncovered:
        n = len(result.uncovered)
        result.warnings.append(f"{n} file{'s' if n != 1 else ''} ingested before custody records began: not covered")


def _check_files(con: duckdb.DuckDBPyConnection, result: Verification) -> None:
    """Each recorded path against its latest entry: a member's bytes are covered by its container's hash."""
    for path, seq, recorded in con.execute(
        "SELECT path, max(seq), arg_max(sha256, seq) FROM manifest WHERE kind IN ('file', 'archive') "
        "AND path IS NOT NULL AND sha256 IS NOT NULL GROUP BY path ORDER BY max(seq)"
    ).fetchall():
        check = FileCheck(path, seq, recorded, "missing — not checked")
        if Path(path).is_file():
            try:
                check.now = sha256_file(Path(path))
            except OSError as exc:
                check.status = f"unreadable — not checked ({exc.strerror})"
            else:
                check.status = "ok" if check.now == recorded else "changed"
        if check.status == "changed":
            result.problems.append(f"{path}: changed since entry {seq} (sha256 now {check.now})")
        result.files.append(check)
