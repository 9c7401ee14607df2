"""`auditql inspect | vendors | schema | sources | rejects`: what a file would become, and what the archive
holds and how it got there."""

from __future__ import annotations

from pathlib import Path

import click

from auditql.cli import db_option, emit_json, handle_errors, main, mapping_option, resolve_db
from auditql.output import safe_text


def _table(rows: list[list[object]], headers: list[str]) -> None:
    from tabulate import tabulate

    clean = [[safe_text("" if v is None else v) for v in row] for row in rows]
    click.echo(tabulate(clean, headers=headers, disable_numparse=True))


@main.command()
@click.option("--vendor", help="Read with this vendor's mapping instead of detecting it.")
@mapping_option
@click.option("--rows", "sample", default=3, show_default=True, help="Sample rows to show per file.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@handle_errors
def inspect(vendor: str | None, mappings: tuple[Path, ...], sample: int, paths: tuple[Path, ...]) -> None:
    """Show what each file would become, without storing anything: detected vendor, which source field
    feeds each canonical column, which fields stay only in `raw`, and sample rows.

    \b
    Example:
      auditql inspect sample_data/resolver/user_audit_trail_export_1.csv
    """
    from auditql import inspection

    for report in inspection.inspect(paths, vendor=vendor, mappings=mappings, sample=sample):
        click.echo(safe_text(report, keep_newlines=True))


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@mapping_option
@handle_errors
def vendors(fmt: str, mappings: tuple[Path, ...]) -> None:
    """List the vendor mappings (built-in and yours) and how each is detected.

    \b
    Example:
      auditql vendors
    """
    from auditql.vendors import load_registry, user_mapping_dir

    registry = load_registry(list(mappings))
    rows = [[m.name, m.title, " + ".join("|".join(g) for g in m.require) or "(fallback)", m.origin] for m in registry]
    if fmt == "json":
        emit_json([dict(zip(["name", "title", "detect", "origin"], r, strict=True)) for r in rows])
        return
    _table(rows, ["vendor", "title", "detected by fields", "from"])
    click.echo(f"\nYour own mappings: {user_mapping_dir()}/*.toml or --mapping FILE.toml", err=True)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def schema(fmt: str) -> None:
    """Show the canonical `events` table: columns, types, meaning.

    \b
    Example:
      auditql schema
    """
    from auditql.schema import COLUMNS

    if fmt == "json":
        emit_json([c._asdict() for c in COLUMNS])
        return
    _table([list(c) for c in COLUMNS], ["column", "type", "meaning"])


def _archive_rows(db: Path | None, sql: str, params: list | None = None) -> tuple[list[str], list[tuple]]:
    from auditql import engine

    con = engine.reader(resolve_db(db))
    try:
        cur = con.execute(sql, params or [])
        return [d[0] for d in cur.description or []], cur.fetchall()
    finally:
        con.close()


@main.command()
@db_option
@click.option("--format", "fmt", default="table", help="table|csv|json|ndjson|markdown")
@click.option("--event", "event_key", metavar="EVENT_KEY", help="list every file and row that delivered this event")
@handle_errors
def sources(db: Path | None, fmt: str, event_key: str | None) -> None:
    """List the custody entries of every file presented to ingest (archives and their members included):
    status, vendor, counts, time span, SHA-256 and the entry's chain hash (`auditql verify` checks them).
    With --event, every file, row and line that delivered one event (its `event_key`), marking the copy
    the archive shows and the copies whose record differs from it.

    \b
    Example:
      auditql sources --format json
      auditql sources --event 'adobe_cja:id:61573795d9409a491f1a9604'
    """
    from auditql import custody, engine

    if event_key is not None:
        _print(db, fmt, DELIVERIES_SQL, [event_key])
        return

    con = engine.reader(resolve_db(db))
    try:
        sql = custody.sources_sql(con)
    finally:
        con.close()
    _print(db, fmt, sql)


@main.command()
@db_option
@click.option("--format", "fmt", default="table", help="table|csv|json|ndjson|markdown")
@handle_errors
def rejects(db: Path | None, fmt: str) -> None:
    """List rejected records: file, line or row, reason, and the record as read.

    \b
    Example:
      auditql rejects
    """
    _print(
        db,
        fmt,
        "SELECT source_file, line, source_row, reason, record, ingested_at FROM rejects "
        "ORDER BY ingested_at, source_file, line, source_row",
    )


# The deliveries of one event: an id-bearing event also lists the id-less twins that met it by content.
DELIVERIES_SQL = """
SELECT d.source_file, d.source_row, d.line, d.sha256,
       EXISTS (SELECT 1 FROM events e WHERE e.event_key = d.event_key AND e.source_file = d.source_file
               AND e.source_row = d.source_row) AS shown,
       d.raw IS NOT NULL AS differs, d.raw
FROM deliveries d
WHERE d.event_key = $1 OR (d.event_key = d.content_key AND d.content_key IN
      (SELECT content_key FROM deliveries WHERE event_key = $1 AND event_key <> content_key))
ORDER BY d.source_file, d.source_row"""


def _print(db: Path | None, fmt: str, sql: str, params: list | None = None) -> None:
    import sys

    from auditql.output import Table, render

    columns, rows = _archive_rows(db, sql, params)
    types = ["TIMESTAMP WITH TIME ZONE" if c.endswith(("_time", "_at")) else "" for c in columns]
    render(Table(columns, types, rows), fmt, sys.stdout)
