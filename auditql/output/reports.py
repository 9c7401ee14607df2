"""Reports as rows: what the core returns after an ingest or a custody check, turned into a `Table` (drawn by
the one renderer of the chosen format) and the messages that go with it. The command line, the REPL and
the notebook all call these, so an ingest summary reads the same wherever it was run (litecli's special
commands work this way: they return rows, and one place renders them).

Only the shapes of the core's reports are read here (attributes, duck-typed), so this module imports neither
ingest nor custody, which load DuckDB.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from auditql.output.rows import Table

if TYPE_CHECKING:
    from auditql.ingest.custody import Verification
    from auditql.ingest.run import Report

INGEST_COLUMNS = ("file", "vendor", "format", "read", "added", "duplicates", "rejected")
COUNTS = ("read", "added", "duplicates", "rejected")
# Rejected records named one by one per file; the rest are counted (`auditql rejects` lists them all).
REJECTS_NAMED = 20


@dataclass(frozen=True)
class Message:
    """A line that goes with a report: `kind` is "note", "warning" or "error" (front ends colour or route it)."""

    kind: str
    text: str


def ingest_table(report: Report) -> Table:
    """One row per file (read = added + duplicates + rejected; "FILE" where the whole file was rejected),
    then the totals."""
    rows: list[tuple[object, ...]] = [
        (f.source_file, f.vendor or "-", f.format or "-", f.read, f.added, f.duplicates,
         f.rejected if f.error is None else "FILE")
        for f in report.files
    ]  # fmt: skip
    rows.append(("total", "", "", *(sum(getattr(f, k) for f in report.files) for k in COUNTS)))
    return Table(INGEST_COLUMNS, ["VARCHAR", "VARCHAR", "VARCHAR", "BIGINT", "BIGINT", "BIGINT", ""], rows)


def ingest_messages(report: Report) -> list[Message]:
    """What a reader needs to trust the counts: the custody head to note down, each file's notes
    (encodings, error pages, subsets), rejected files, and the first rejected records of each file."""
    messages = []
    if report.head:  # kept outside the archive, it is what catches a chain rewritten whole (docs/custody.md)
        head = f"custody head: {report.head} (check later with `auditql verify --anchor HASH`)"
        messages.append(Message("note", head))
    for f in report.files:
        messages += [Message("note", f"note: {f.source_file}: {note}") for note in f.notes]
    for f in report.files:
        if f.error:
            messages.append(Message("error", f"rejected file: {f.error}"))
        for r in f.rejects[:REJECTS_NAMED]:
            where = f"line {r['line']}: " if r["line"] is not None else f"row {r['row']}: " if r["row"] else ""
            messages.append(Message("warning", f"rejected record: {f.source_file}: {where}{r['reason']}"))
        if len(f.rejects) > REJECTS_NAMED:
            more = f"… and {len(f.rejects) - REJECTS_NAMED} more rejected records in {f.source_file}"
            messages.append(Message("warning", f"{more} (see `auditql rejects`)"))
    return messages


def verify_table(result: Verification) -> Table:
    """Each source file re-hashed: its path, custody entry, recorded SHA-256 (first 16 hex) and what it is now."""
    rows = [(f.path, f.seq, f.recorded[:16], f.status) for f in result.files]
    return Table(["source file", "entry", "recorded sha256", "now"], ["VARCHAR", "BIGINT", "VARCHAR", "VARCHAR"], rows)


def verify_lines(result: Verification, rehash: bool) -> list[str]:
    """The verdict under the table: chain, events, what was re-hashed, each problem, then the conclusion."""
    head = f", head {result.head}" if result.head else ""
    lines = [f"chain: {result.entries} entries{head}", f"events: {result.events}"]
    checked = [f for f in result.files if f.status in ("ok", "changed")]
    if rehash:
        lines.append(f"source files: {len(checked)} re-hashed, {len(result.files) - len(checked)} not checked")
    else:
        lines.append("source files: not re-hashed (--no-rehash)")
    lines += [f"PROBLEM: {problem}" for problem in result.problems]
    if result.ok and result.entries and result.uncovered_contents:
        n = len(result.uncovered_contents)
        lines.append(
            f"verified: the chain of custody holds; the content of {n} file{'s' if n != 1 else ''} is not covered "
            "by content digests (ingested by an older auditql)"
        )
    elif result.ok and result.entries:
        lines.append("verified: the chain of custody holds")
    elif result.ok:
        lines.append("nothing to verify: the archive has no custody entries")
    return lines
