"""`auditql inspect | vendors | schema | sources | rejects`: what a file would become (and whether a mapping
file is sound), and what the archive holds and how it got there."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

import click

from auditql.cli.main import db_option, emit_json, err, handle_errors, main, mapping_option, resolve_db
from auditql.errors import ExitCode, UsageError
from auditql.output import safe_text


def _table(rows: list[list[object]], headers: list[str]) -> None:
    """A listing drawn by the one table renderer (fitted to the terminal, NULL shown as NULL)."""
    from auditql.output import Table, render

    render(Table(headers, [""] * len(headers), rows), "table", sys.stdout)


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
    from auditql.dryrun import inspection

    for report in inspection.inspect(paths, vendor=vendor, mappings=mappings, sample=sample):
        click.echo(safe_text(report, keep_newlines=True))


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--check",
    "check_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Validate this mapping file and show what its [[sample]] records become "
    "(exit 2: invalid mapping, one line per problem; exit 1: a sample does not become what it expects).",
)
@mapping_option
@handle_errors
def vendors(fmt: str, check_file: Path | None, mappings: tuple[Path, ...]) -> None:
    """List the vendor mappings (built-in and yours) and how each is detected; or check a mapping file of
    your own (docs/mappings.md): every key against the mapping schema, every sample through the real ingest.

    \b
    Example:
      auditql vendors
      auditql vendors --check auditql/vendors/resolver.toml
    """
    if check_file is not None:
        _check(check_file, fmt, mappings)
        return
    from auditql.vendors import load_registry, user_mapping_dir

    registry = load_registry(list(mappings))
    rows = [[m.name, m.title, " + ".join("|".join(g) for g in m.require) or "(fallback)", m.origin] for m in registry]
    if fmt == "json":
        emit_json([dict(zip(["name", "title", "detect", "origin"], r, strict=True)) for r in rows])
        return
    _table(rows, ["vendor", "title", "detected by fields", "from"])
    click.echo(f"\nYour own mappings: {user_mapping_dir()}/*.toml or --mapping FILE.toml", err=True)


def _check(path: Path, fmt: str, mappings: tuple[Path, ...]) -> None:
    """Problems one per line (exit 2), else each sample's expected values against what ingest made of them."""
    from auditql.dryrun import mapping_check
    from auditql.vendors.mapping import MappingError, load_mapping

    try:
        mapping = load_mapping(path)
    except MappingError as exc:
        if fmt == "json":
            emit_json({"file": str(path), "valid": False, "problems": exc.problems, "results": []})
        else:
            for problem in exc.problems:
                click.echo(safe_text(problem))
            err(f"{path}: {len(exc.problems)} problem(s); the mapping spec: docs/mappings.md")
        sys.exit(ExitCode.USAGE)
    results = mapping_check.run_samples(mapping, [*mappings, path])
    failed = sorted({r.sample for r in results if not r.ok})
    count = len(mapping_check.samples(mapping))
    if fmt == "json":
        emit_json({"file": str(path), "valid": True, "problems": [], "results": [asdict(r) for r in results]})
    else:
        click.echo(f"{path}: valid mapping {mapping.name!r}, {count} sample(s)")
        if results:
            rows: list[list[object]] = [
                [f"#{r.sample} (line {r.line})", r.column, r.got, r.expected, "PASS" if r.ok else "FAIL"]
                for r in results
            ]
            _table(rows, ["sample", "column", "got", "expected", "result"])
        if not count:
            err(f"{path}: no [[sample]] tables: add a record and what it must become (docs/mappings.md)")
        else:
            err(f"{count - len(failed)} of {count} sample(s) passed")
    if failed:
        sys.exit(ExitCode.REJECTED)


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


def max_rows_option(f):
    """`--max-rows` for a listing, as `auditql query` has it: a terminal shows a screenful, a pipe gets all."""
    return click.option(
        "--max-rows",
        type=click.IntRange(min=0),
        default=None,
        help="On a terminal, a table or vertical listing shows at most N rows, the first and last (default 40, "
        "like DuckDB's .maxrows; 0 = all); the rest are counted. A pipe or --format csv/json always gets every row.",
    )(f)


@main.command()
@db_option
@click.option("--format", "fmt", default="table", help="table|vertical|csv|json|ndjson|markdown")
@max_rows_option
@click.option("--event", "event_key", metavar="EVENT_KEY", help="list every file and row that delivered this event")
@handle_errors
def sources(db: Path | None, fmt: str, max_rows: int | None, event_key: str | None) -> None:
    """List the custody entries of every file presented to ingest (archives and their members included):
    status, vendor, counts, time span, SHA-256 and the entry's chain hash (`auditql verify` checks them).
    With --event, every file, row and line that delivered one event (its `event_key`), marking the copy
    the archive shows and the copies whose record differs from it (a key not on record: exit 2). On a
    terminal a long listing shows its first and last rows and says how many there are (--max-rows); piped,
    every row is written.

    \b
    Example:
      auditql sources --format json
      auditql sources --event 'adobe_cja:id:07550bb1bc1605c02f4b09c3'
    """
    if event_key is not None:
        if not _print(db, fmt, max_rows, "deliveries", [event_key]):  # a mistyped key must not look like "none"
            raise UsageError(
                f"no event {event_key!r} is on record (keys look like 'sap_cdc:id:…' or 'resolver:c:…': "
                'auditql query "SELECT event_key FROM events LIMIT 5" shows some)'
            )
        return
    _print(db, fmt, max_rows, "sources")


@main.command()
@db_option
@click.option("--format", "fmt", default="table", help="table|vertical|csv|json|ndjson|markdown")
@max_rows_option
@handle_errors
def rejects(db: Path | None, fmt: str, max_rows: int | None) -> None:
    """List rejected records: file, line or row, reason, and the record as read. On a terminal a long
    listing shows its first and last rows and says how many there are (--max-rows); piped, every row is written.

    \b
    Example:
      auditql rejects
    """
    _print(db, fmt, max_rows, "rejects")


def _print(db: Path | None, fmt: str, max_rows: int | None, listing: str, params: list | None = None) -> int:
    """Rows of an archive listing (api.stream_listing), written as DuckDB delivers them (a million rejects
    are never held whole); on a terminal a screenful, as `auditql query` shows one, with the same notice.
    Returns the number of rows."""
    from auditql import api
    from auditql.output import RowCount, check_format, footer_text, render, screenful

    check_format(fmt)
    with api.opened(resolve_db(db)) as con, api.stream_listing(con, listing, params) as rows:
        shown = render(rows, fmt, sys.stdout, max_rows=screenful(sys.stdout, fmt, max_rows))
        count = rows.count
    if shown.hides_rows or shown.hides_columns:
        err(footer_text(RowCount(shown.rows), shown, timer=False))
    if shown.hides_rows:
        err("note: a terminal shows the first and last rows; every row: --max-rows 0, a pipe, or --format csv")
    if shown.hides_columns:
        err("note: columns that do not fit the terminal are hidden (…); every column: --format vertical or json")
    return count
