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
    _check(entry)
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


def append_all(con: duckdb.DuckDBPyConnection, entries: list[Entry], now: datetime | None = None) -> list[str]:
    """`append` for several entries in order, with one read of the head and one INSERT: the chain each entry
    joins, and its hash, are those `append` one by one would give (a run of small files: ingest/batch.py)."""
    if not entries:
        return []
    head = con.execute("SELECT max(seq), arg_max(entry_hash, seq) FROM manifest").fetchone()
    seq, prev = (head[0] + 1, head[1]) if head and head[0] is not None else (1, GENESIS)
    when = (now or datetime.now(UTC)).astimezone(UTC)
    rows, hashes = [], []
    for entry in entries:
        _check(entry)
        fields = {"seq": seq, "prev_hash": prev, **asdict(entry), "ingested_at": when.strftime(TIME_FORMAT)}
        prev = entry_hash(fields)
        rows.append([*fields.values(), prev])
        hashes.append(prev)
        seq += 1
    columns = [*fields, "entry_hash"]
    at = columns.index("ingested_at")
    lists = [[when if i == at else row[i] for row in rows] for i in range(len(columns))]
    values = ", ".join(f"unnest(?::{_ENTRY_TYPES.get(c, 'VARCHAR')}[])" for c in columns)
    con.execute(f"INSERT INTO manifest ({', '.join(columns)}) SELECT {values}", lists)
    return hashes


def _check(entry: Entry) -> None:
    if entry.kind not in KINDS or entry.status not in STATUSES:
        raise ValueError(f"custody entry {entry.kind!r}/{entry.status!r}: kind is one of {KINDS}, status of {STATUSES}")


_ENTRY_TYPES = {
    "seq": "BIGINT", "bytes": "BIGINT", "records_read": "BIGINT", "added": "BIGINT", "duplicates": "BIGINT",
    "rejected": "BIGINT", "ingested_at": "TIMESTAMPTZ",
}  # fmt: skip


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


# --- what a verification found (ingest/verification.py does the checking) --------------------------------


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


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    return row[0] if row else None
