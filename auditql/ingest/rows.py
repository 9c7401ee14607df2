"""The rows a staged file writes beside its events and deliveries: its rejected records (the reader's, and those
without a usable time) and its `sources` row, plus the note for a column subset that lacks an identifying
column. Apart from ingest/run.py, which orchestrates: these are the file's own rows, one statement each."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import duckdb

from auditql import __version__
from auditql.ingest.plan import Plan
from auditql.ingest.results import FileResult
from auditql.vendors.mapping import Mapping


def bad_times(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """(source_row, line, reason, record text) of each staged record without a usable time, in file order."""
    return con.execute(
        "SELECT source_row, line, CASE WHEN time IS NULL THEN 'no time value' "
        "WHEN _parsed IS NULL THEN 'cannot parse time ' || to_json(time)::VARCHAR "
        "ELSE 'time out of range ' || to_json(time)::VARCHAR END, left(raw::VARCHAR, 1000) "
        "FROM _aq_staged WHERE _time IS NULL ORDER BY source_row"
    ).fetchall()


def lacking_note(con: duckdb.DuckDBPyConnection, mapping: Mapping, lacking: list[str]) -> str | None:
    """The note for a file lacking identifying columns (Plan.lacking) whose id-less events are stored."""
    if not lacking:
        return None
    row = con.execute("SELECT count(*) FROM _aq_staged WHERE _time IS NOT NULL AND event_id IS NULL").fetchone()
    return lacking_text(mapping, lacking) if row and row[0] else None


def lacking_text(mapping: Mapping, lacking: list[str]) -> str:
    """What `lacking_note` says (a run of small files read together asks per file in one query)."""
    labels = "; ".join(f"{c} ({' / '.join(mapping.synonyms(c))})" if mapping.synonyms(c) else c for c in lacking)
    return (
        f"no column for {labels}: its events are identified without it, so they will not meet the "
        "same events exported with it"
    )


def insert_rejects(con: duckdb.DuckDBPyConnection, display: str, rejects: list[tuple], now: datetime) -> None:
    """(line, row, reason, text) rejects in one statement over lists: executemany runs a statement per row
    (25 s for 50k rejects)."""
    if not rejects:
        return
    lines, data_rows, reasons, texts = (list(c) for c in zip(*rejects, strict=True))
    con.execute(
        "INSERT INTO rejects SELECT ?, unnest(?::BIGINT[]), unnest(?::BIGINT[]), unnest(?::VARCHAR[]), "
        "unnest(?::VARCHAR[]), ?",
        [display, lines, data_rows, reasons, texts, now],
    )


def insert_source(
    con: duckdb.DuckDBPyConnection,
    display: str,
    digest: str,
    size: int,
    mapping: Mapping,
    kind: str,
    plan: Plan,
    result: FileResult,
    span: tuple[Any, ...],
    now: datetime,
) -> None:
    """The file's `sources` row: its counts (from `result`), time span, mapping and the fields each column came from."""
    con.execute(
        "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            display,
            digest,
            size,
            mapping.name,
            kind,
            mapping.fingerprint,
            result.read,
            result.added,
            result.duplicates,
            result.rejected,
            span[0],
            span[1],
            now,
            __version__,
            json.dumps({c: f for c, f in plan.resolved.items() if c not in plan.transformed}),
        ],
    )
