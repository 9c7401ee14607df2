"""`auditql verify`: prove the archive's chain of custody still holds (see `auditql/custody.py`).

A front end only: `custody.verify` does the checking; this prints the per-file re-hash results, every
problem by entry and file, and a verdict, and exits 5 (`ExitCode.VERIFY_FAILED`) on any mismatch."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from auditql.cli import db_option, emit_json, err, handle_errors, main, resolve_db
from auditql.errors import VerificationFailed
from auditql.output import safe_text

if TYPE_CHECKING:  # custody imports duckdb: keep `auditql --help` fast
    from auditql.custody import Verification


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

    Exits 0 when everything matches and 5 when anything does not, naming the entry and file.

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
    from tabulate import tabulate

    if result.files:
        rows = [[safe_text(f.path), f.seq, f.recorded[:16], f.status] for f in result.files]
        click.echo(tabulate(rows, headers=["source file", "entry", "recorded sha256", "now"], disable_numparse=True))
        click.echo()
    head = f", head {result.head}" if result.head else ""
    click.echo(f"chain: {result.entries} entries{head}")
    click.echo(f"events: {result.events}")
    checked = [f for f in result.files if f.status in ("ok", "changed")]
    if rehash:
        click.echo(f"source files: {len(checked)} re-hashed, {len(result.files) - len(checked)} not checked")
    else:
        click.echo("source files: not re-hashed (--no-rehash)")
    for warning in result.warnings:
        err(f"warning: {warning}")
    for problem in result.problems:
        click.echo(safe_text(f"PROBLEM: {problem}"))
    if result.ok and result.entries and result.uncovered_contents:
        n = len(result.uncovered_contents)
        click.echo(
            f"verified: the chain of custody holds; the content of {n} file{'s' if n != 1 else ''} is not covered "
            "by content digests (ingested by an older auditql)"
        )
    elif result.ok and result.entries:
        click.echo("verified: the chain of custody holds")
    elif result.ok:
        click.echo("nothing to verify: the archive has no custody entries")
