"""`auditql export`: the archive (or a query's result) as a partitioned Parquet dataset for Spark/Trino."""

from __future__ import annotations

from pathlib import Path

import click

from auditql.cli.main import db_option, err, handle_errors, main, resolve_db


@main.command()
@db_option
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to create (must not exist or be empty, unless --overwrite).",
)
@click.option(
    "--partition-by",
    default=None,
    help="Comma-separated partition keys: vendor, date (UTC day of `time`), or none. Default: vendor,date.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing dataset at --to (swapped in when complete).")
@click.argument("text", metavar="[QUERY]", required=False)
@handle_errors
def export(db: Path | None, target: Path, partition_by: str | None, overwrite: bool, text: str | None) -> None:
    """Write the archive, or one query's result, as a hive-partitioned zstd Parquet dataset:
    DIR/events/vendor=…/date=YYYY-MM-DD/part-*.parquet plus DIR/_auditql/ (manifest and catalog).

    The dataset is itself an archive (`--db DIR` for query and ingest) and is what Spark and Trino read
    (docs/scale.md). It appears only when complete: a failed export leaves nothing behind.

    \b
    Example:
      auditql export --overwrite --to /tmp/audit-dataset
      auditql export --overwrite --to /tmp/audit-failures --partition-by vendor "outcome = 'failure'"
    """
    from auditql.api import export as run_export
    from auditql.api import parse_partition_by

    keys = parse_partition_by(partition_by) if partition_by is not None else None
    summary = run_export(resolve_db(db), target, text, keys, overwrite)
    for w in summary.warnings:
        err(f"warning: {w}")
    by = ",".join(summary.partition_by) or "none"
    click.echo(f"{summary.rows} rows in {summary.files} files → {summary.target} (partitioned by {by})")
