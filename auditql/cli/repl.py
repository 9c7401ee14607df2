"""`auditql repl`: the interactive shell (plain `auditql` in a terminal opens it too)."""

from __future__ import annotations

from pathlib import Path

import click

from auditql.cli.main import db_option, err, handle_errors, main, resolve_db


@main.command()
@db_option
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@handle_errors
def repl(db: Path | None, paths: tuple[Path, ...]) -> None:
    """Open the interactive shell: WHERE clauses, the Gigya REST form and SQL, with completion of columns,
    raw fields and values, history, a pager, `.timeline` and `.help`.

    With PATHS, ingest those files or folders into the archive first.

    \b
    Example:
      auditql repl --db investigation.duckdb sample_data/
      auditql> category = 'login' AND outcome = 'failure' AND time > now() - INTERVAL 1 DAY
    """
    import sys

    from auditql.repl import session as shell

    if not sys.stdin.isatty():
        raise click.UsageError("the REPL needs a terminal; to run queries from a script use `auditql query`")
    target = resolve_db(db)
    if paths:
        from auditql.api import ingest

        report = ingest(paths, target, notify=err)
        added = sum(f.added for f in report.files)
        err(f"ingested {len(report.files)} files: {added} new events → {target}")
        for f in report.files:
            if not f.ok:
                err(f"warning: {f.error or f'{f.source_file}: {f.rejected} records rejected'}")
    shell.main(target)
