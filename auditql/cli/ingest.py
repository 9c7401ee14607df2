"""`auditql ingest`: files, folders and archives into the archive, with per-file accounting."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path

import click

from auditql.cli.main import db_option, emit_json, err, handle_errors, main, mapping_option, resolve_db
from auditql.errors import ExitCode

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
@click.option("--quiet", "-q", is_flag=True, help="No progress line on the terminal while files are read.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@handle_errors
def ingest(
    db: Path | None,
    vendor: str | None,
    mappings: tuple[Path, ...],
    fmt: str,
    memory_limit: int | None,
    quiet: bool,
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
    from auditql.frontend import progress

    target = resolve_db(db)  # a folder means a Parquet dataset (docs/scale.md): same arguments, same accounting
    # on a terminal only: which file, how much of it is read, records per second (auditql/frontend/progress.py)
    line = progress.Ingest(sys.stderr) if progress.wanted(sys.stderr, quiet, fmt) else None
    with line or nullcontext():
        report = run_ingest(
            paths, target, vendor=vendor, mappings=mappings, progress=line, notify=err, memory_limit=memory_limit
        )
    if fmt == "json":
        emit_json([f.to_dict() for f in report.files])
    else:
        from auditql.output import render
        from auditql.output.reports import ingest_table

        render(ingest_table(report), "table", sys.stdout)
        click.echo(f"archive: {target}", err=True)
    from auditql.output.reports import ingest_messages

    for message in ingest_messages(report):
        if fmt == "json" and message.kind == "note":
            continue  # with --format json, stderr says only what went wrong (notes are in each file's JSON)
        err(message.text)
    if not report.ok:
        sys.exit(ExitCode.REJECTED)
