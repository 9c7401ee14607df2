"""`auditql ingest`: files, folders and archives into the archive, with per-file accounting."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from auditql.cli import db_option, emit_json, err, handle_errors, main, mapping_option, resolve_db
from auditql.errors import ExitCode
from auditql.output import safe_text

SIZE_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}


class MemorySize(click.ParamType):
    """`512MB`, `2GiB`, `25%` (of RAM) → bytes; DuckDB spills to disk beyond it."""

    name = "SIZE"

    def convert(self, value, param, ctx):
        import re

        from auditql.api import default_memory_limit

        text = str(value).strip().upper()
        m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(%|[KMG]I?B|B)?", text)
        if not m:
            self.fail(f"{value!r} is not a size: use e.g. 512MB, 2GB, 1GiB or 25% (of RAM)", param, ctx)
        number, unit = float(m.group(1)), m.group(2) or ""
        size = int(number / 100 * 2 * default_memory_limit()) if unit == "%" else int(number * SIZE_UNITS[unit])
        if size < 16 * 2**20:
            self.fail(f"{value!r} is too small: DuckDB needs at least 16MB to work in", param, ctx)
        return size


@main.command()
@db_option
@click.option("--vendor", help="Skip detection and read every file with this vendor's mapping.")
@mapping_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--memory-limit",
    type=MemorySize(),
    help="Memory the ingest may use, e.g. 2GB or 25% (default: half the RAM); DuckDB spills to disk beyond it.",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@handle_errors
def ingest(
    db: Path | None,
    vendor: str | None,
    mappings: tuple[Path, ...],
    fmt: str,
    memory_limit: int | None,
    paths: tuple[Path, ...],
) -> None:
    """Ingest audit exports (files, folders recursively, .zip/.gz archives).

    Prints, per file: vendor, records read, added, duplicates, rejected (read = added + duplicates +
    rejected). Exits 1 if any file or record was rejected; everything else is still stored.

    \b
    Example:
      auditql ingest sample_data/
    """
    from auditql.api import ingest as run_ingest

    target = resolve_db(db)  # a folder means a Parquet dataset (docs/scale.md): same arguments, same accounting
    show_progress = sys.stderr.isatty()
    report = run_ingest(
        paths,
        target,
        vendor=vendor,
        mappings=mappings,
        progress=(lambda m: click.echo(safe_text(m), err=True)) if show_progress else None,
        notify=err,
        memory_limit=memory_limit,
    )
    if fmt == "json":
        emit_json([f.to_dict() for f in report.files])
    else:
        from tabulate import tabulate

        rows = [
            [
                safe_text(f.source_file),
                f.vendor or "-",
                f.format or "-",
                f.read,
                f.added,
                f.duplicates,
                f.rejected if f.error is None else "FILE",
            ]
            for f in report.files
        ]
        total = [
            sum(f.read for f in report.files),
            sum(f.added for f in report.files),
            sum(f.duplicates for f in report.files),
            sum(f.rejected for f in report.files),
        ]
        rows.append(["total", "", "", *total])
        click.echo(
            tabulate(
                rows,
                headers=["file", "vendor", "format", "read", "added", "duplicates", "rejected"],
                disable_numparse=True,
            )
        )
        click.echo(f"archive: {target}", err=True)
        if report.head:  # kept outside the archive, it is what catches a chain rewritten whole (docs/custody.md)
            click.echo(f"custody head: {report.head} (check later with `auditql verify --anchor HASH`)", err=True)
        for f in report.files:  # what a reader needs to trust the counts: encodings, error pages, subsets
            for note in f.notes:
                click.echo(f"note: {safe_text(f.source_file)}: {safe_text(note)}", err=True)
    for f in report.files:
        if f.error:
            err(f"rejected file: {f.error}")
        for r in f.rejects[:20]:
            where = f"line {r['line']}: " if r["line"] is not None else f"row {r['row']}: " if r["row"] else ""
            err(f"rejected record: {f.source_file}: {where}{r['reason']}")
        if len(f.rejects) > 20:
            err(f"… and {len(f.rejects) - 20} more rejected records in {f.source_file} (see `auditql rejects`)")
    if not report.ok:
        sys.exit(ExitCode.REJECTED)
