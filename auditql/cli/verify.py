"""`auditql verify`: prove the archive's chain of custody still holds (see `auditql/ingest/custody.py`).

A front end only: `ingest/verification.py` does the checking; this prints the per-file re-hash results, every
problem by entry and file, and a verdict, and exits 5 (`ExitCode.VERIFY_FAILED`) on any mismatch."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from auditql.cli.main import db_option, emit_json, err, handle_errors, main, resolve_db
from auditql.errors import VerificationFailed
from auditql.output import safe_text

if TYPE_CHECKING:  # custody imports duckdb: keep `auditql --help` fast
    from auditql.ingest.custody import Verification


@main.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--no-rehash", is_flag=True, help="Check the chain and the counts only; do not re-read source files.")
@click.option(
    "--anchor",
    metavar="HASH",
    help="An entry hash noted earlier (e.g. the head printed by a previous verify): fail unless it is still in "
    "the chain, which catches a chain rewritten from scratch.",
)
@handle_errors
def verify(db: Path | None, fmt: str, no_rehash: bool, anchor: str | None) -> None:
    """Check the chain of custody: recompute every manifest entry's hash and link, compare the manifest's
    counts with the events, sources and rejects it describes, and re-hash the source files still at their
    recorded path ("ok", "changed", or "missing — not checked").

    Exits 0 when everything matches and 5 when anything does not, naming the entry and file; 4 when the
    archive cannot be examined at all (missing, locked by another process, or damaged: not readable by DuckDB).

    \b
    Example:
      auditql verify
      auditql verify --format json --no-rehash
    """
    from auditql import api

    result = api.verify(resolve_db(db), rehash=not no_rehash, anchor=anchor)
    if fmt == "json":
        emit_json(result.to_dict())
    else:
        _print_table(result, rehash=not no_rehash)
    if not result.ok:
        n = len(result.problems)
        raise VerificationFailed(f"verification failed: {n} problem{'s' if n != 1 else ''} (listed above)")


def _print_table(result: Verification, rehash: bool) -> None:
    from auditql.output import render
    from auditql.output.reports import verify_lines, verify_table

    if result.files:
        render(verify_table(result), "table", sys.stdout)
        click.echo()
    for warning in result.warnings:
        err(f"warning: {warning}")
    for line in verify_lines(result, rehash):
        click.echo(safe_text(line))
