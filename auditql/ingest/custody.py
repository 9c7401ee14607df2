"""Chain of custody: a hash-chained manifest of every file presented to `auditql ingest`, and its verification.

Why: audit exports are evidence. An investigator must be able to show which bytes went into the archive,
when, by which version of the tool, and what became of them (records read, added, duplicate, rejected) —
and that nobody edited, deleted or reordered that record, or the rows it describes, afterwards. The
`manifest` table holds one entry per plain file, per archive (the zip or gzip itself) and per archive
member, also when a file was presented again (identical bytes already held: nothing read) or failed
(nothing stored); a query's result exported as a dataset adds an "export" entry. A file's entry is written
in the same transaction as its rows, so the manifest and the rows can never disagree after a crash. The
first entry of every chain is a "start" entry: when custody records began, and how many files the archive
already held. `path` is where the bytes can be found again: the file itself, or for a member its archive
(whose hash covers the member's bytes).

Content: an entry commits to the exact rows its file wrote — its deliveries (each carrying the digest of
the event row its copy is stored as), rejects and sources row — through the digests of digests.py
(`deliveries_digest`, `rejects_digest`, `sources_digest`; an export entry's `events_digest`). `verify`
recomputes them (ingest/contents.py) and names each mismatch by file and table.

Entry hash (recomputable with other tools, docs/custody.md): `entry_hash` is the lowercase hex SHA-256 of
the UTF-8 bytes of a JSON object holding every other column of the entry — a content digest column only
when it is not NULL, so entries written before they existed keep their hashes: keys sorted, no whitespace
(`,` and `:` separators), non-ASCII characters written as themselves (not `\\u` escapes), SQL NULL as
`null`, integers as integers, and `ingested_at` as the UTC string `YYYY-MM-DDTHH:MM:SS.ffffffZ` (always six
fractional digits). That is Python's `json.dumps(entry, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`. `prev_hash` of entry `seq = 1` is 64 zeros; every later entry's `prev_hash` is the
`entry_hash` of entry `seq - 1`. So editing an entry breaks its own hash, and deleting, inserting or
reordering entries breaks the link of the entry after it.

What no check inside the archive can catch: someone rewriting rows, digests and hashes consistently. Only a
head hash noted elsewhere catches that (`auditql verify --anchor HASH`; ingest prints the head).

`verify` also re-hashes the source files still present at their recorded path, and checks the manifest's
counts against `events`, `sources` and `rejects`. An archive holding events but no manifest (or no
deliveries) has no custody record: a problem, not a pass. Files ingested before the manifest existed, or
before content digests, are reported as not covered, not as tampering.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from auditql import digests, tables
from auditql.ingest import contents

GENESIS = "0" * 64
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
# "start" opens every chain: when custody records began, and how many files the archive held before that.
# …; a plain file; a zip/gzip itself; a file inside one; a query's result exported as a dataset
KINDS = ("start", "file", "archive", "member", "export")
STATUSES = ("started", "ingested", "presented again", "unpacked", "failed", "exported")

# What an entry commits to of the rows its file wrote (digests.py); hashed only when not NULL, so the
# entries written before they existed keep their hashes.
DIGEST_COLUMNS = digests.ENTRY_COLUMNS
# `origin`: for a file `auditql pull` fetched, the request it answered (JSON: source, vendor, method, URL without
# secrets, HTTP status, time, SHA-256 of the bytes served; docs/pull.md). Like the digests, hashed only when set.
OPTIONAL_COLUMNS = (*DIGEST_COLUMNS, "origin")
MANIFEST_DDL = tables.MANIFEST  # the table itself is defined with the others (tables.py)

# The hashed columns as text exactly as `entry_hash` covers them (see the module docstring).
_HASHED_SELECT = (
    "seq, prev_hash, kind, status, source_file, path, member, sha256, bytes, vendor, format, records_read, "
    f"added, duplicates, rejected, strftime(ingested_at AT TIME ZONE 'UTC', '{TIME_FORMAT}') AS ingested_at, "
    "tool_version, note, " + ", ".join(OPTIONAL_COLUMNS)
)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def canonical(entry: dict[str, Any]) -> bytes:
    """The bytes `entry_hash` is computed over: every field but `entry_hash` itself (a digest column only
    when it is not NULL)."""
    fields = {k: v for k, v in entry.items() if k != "entry_hash" and not (k in OPTIONAL_COLUMNS and v is None)}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


@dataclass
class Entry:
    """What one custody entry says about one file; `seq`, hashes and time are filled in by `append`."""

    kind: str
    status: str
    source_file: str | None
    path: str | None
    sha256: str | None
    bytes: int | None
    member: str | None = None
    vendor: str | None = None
    format: str | None = None
    records_read: int | None = None
    added: int | None = None
    duplicates: int | None = None
    rejected: int | None = None
    tool_version: str | None = None
    note: str | None = None
    deliveries_digest: str | None = None
    rejects_digest: str | None = None
    sources_digest: str | None = None
    events_digest: str | None = None
    origin: str | None = None  # JSON: the request a pulled file answered (see OPTIONAL_COLUMNS)


def append(con: duckdb.DuckDBPyConnection, entry: Entry, now: datetime | None = None) -> str:
    """Add `entry` at the head of the chain, in the caller's open transaction; returns its hash.

    One writer process at a time (the DuckDB write lock), so reading the head and appending cannot race."""
    if entry.kind not in KINDS or entry.status not in STATUSES:
        raise ValueError(f"custody entry {entry.kind!r}/{entry.status!r}: kind is one of {KINDS}, status of {STATUSES}")
    # max/arg_max, not ORDER BY seq DESC LIMIT 1: on DuckDB 2.0.0 the latter returned no row after a table
    # was emptied and refilled in one session.
    head = con.execute("SELECT max(seq), arg_max(entry_hash, seq) FROM manifest").fetchone()
    seq, prev = (head[0] + 1, head[1]) if head and head[0] is not None else (1, GENESIS)
    when = (now or datetime.now(UTC)).astimezone(UTC)
    fields = {"seq": seq, "prev_hash": prev, **asdict(entry), "ingested_at": when.strftime(TIME_FORMAT)}
    digest = entry_hash(fields)
    columns = [*fields, "entry_hash"]
    values = [*fields.values(), digest]
    values[columns.index("ingested_at")] = when
    con.execute(
        f"INSERT INTO manifest ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        values,
    )
    return digest


def head(con: duckdb.DuckDBPyConnection) -> str | None:
    """The hash of the chain's last entry: what `verify --anchor` checks against, once noted elsewhere."""
    return _scalar(con, "SELECT arg_max(entry_hash, seq) FROM manifest")


def record(con: duckdb.DuckDBPyConnection, entry: Entry) -> str:
    """`append` in a transaction of its own (an archive's own entry, a file that failed and was rolled back)."""
    con.execute("BEGIN TRANSACTION")
    try:
        digest = append(con, entry)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return digest


def begin(con: duckdb.DuckDBPyConnection, tool_version: str) -> None:
    """Open the chain with a "start" entry if it has none: files already in `sources` before this moment
    were ingested before custody records existed, and `verify` reports them as not covered (not as missing)."""
    if _scalar(con, "SELECT count(*) FROM manifest"):
        return
    earlier = _scalar(con, "SELECT count(*) FROM sources")
    note = f"custody records begin; {earlier} earlier sources rows are not covered" if earlier else None
    record(con, Entry("start", "started", None, None, None, None, tool_version=tool_version, note=note))


def has_manifest(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'manifest'").fetchone()
    return bool(row and row[0])


# --- auditql sources --------------------------------------------------------------------------------------

# Manifest entries with the time span their sources rows recorded; files ingested before the manifest existed
# follow with an empty `seq` and the status "no custody entry".
SOURCES_SQL = """
SELECT m.seq, m.kind, m.status, m.source_file, m.vendor, m.format, m.records_read, m.added, m.duplicates,
       m.rejected, s.first_time, s.last_time, m.ingested_at, m.sha256, left(m.entry_hash, 16) AS entry_hash
FROM manifest m
LEFT JOIN (SELECT source_file, sha256, min(first_time) AS first_time, max(last_time) AS last_time
           FROM sources GROUP BY ALL) s ON s.source_file = m.source_file AND s.sha256 = m.sha256
UNION ALL
SELECT NULL, 'file', 'no custody entry', source_file, vendor, format, records_read, added, duplicates, rejected,
       first_time, last_time, ingested_at, sha256, NULL
FROM sources s
WHERE NOT EXISTS (SELECT 1 FROM manifest m WHERE m.source_file = s.source_file AND m.sha256 = s.sha256)
ORDER BY seq NULLS FIRST, ingested_at, source_file"""

LEGACY_SOURCES_SQL = (
    "SELECT source_file, vendor, format, records_read, added, duplicates, rejected, first_time, "
    "last_time, ingested_at, sha256 FROM sources ORDER BY ingested_at, source_file"
)


def sources_sql(con: duckdb.DuckDBPyConnection) -> str:
    """What `auditql sources` lists: the custody entries, or the plain sources rows of an older archive."""
    return SOURCES_SQL if has_manifest(con) else LEGACY_SOURCES_SQL


# --- verification ------------------------------------------------------------------------------------------


@dataclass
class FileCheck:
    """A source file re-hashed at its recorded path, against its latest custody entry."""

    path: str
    seq: int
    recorded: str
    status: str  # "ok", "changed", "missing — not checked", "unreadable — not checked"
    now: str | None = None


@dataclass
class Verification:
    entries: int = 0
    head: str | None = None
    events: int = 0
    rehashed: bool = False
    uncovered: list[str] = field(default_factory=list)  # files ingested before custody records began
    uncovered_contents: list[str] = field(default_factory=list)  # … before content digests
    files: list[FileCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, **asdict(self)}


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
