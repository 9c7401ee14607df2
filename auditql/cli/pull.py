"""`auditql pull`: collect what is new from the vendors' APIs into the archive (docs/pull.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from auditql.cli.main import db_option, emit_json, err, handle_errors, main, resolve_db
from auditql.errors import ExitCode, UsageError
from auditql.output import safe_text


@main.command()
@db_option
@click.option("--since", help="Start of the window: 30d, 12h, or a date/time (default: where the last pull ended).")
@click.option("--until", help="End of the window (default: now).")
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(path_type=Path),
    help="The sources file (default: sources.toml in your user config folder, or $AUDITQL_SOURCES).",
)
@click.option("--dry-run", is_flag=True, help="Say what would be asked of each source; fetch and write nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--quiet", is_flag=True, help="No progress line (it is shown only on a terminal anyway).")
@click.argument("names", nargs=-1, metavar="[SOURCE]...")
@handle_errors
def pull(
    db: Path | None,
    since: str | None,
    until: str | None,
    sources_file: Path | None,
    dry_run: bool,
    fmt: str,
    quiet: bool,
    names: tuple[str, ...],
) -> None:
    """Fetch every configured source's new audit records and ingest them.

    Each response is kept byte for byte under pulled/<source>/ beside the archive, then ingested (dedup,
    custody: each file's entry records the request it answered). A second run fetches only what is new; an
    interrupted run resumes without fetching again what it already has. Secrets are read from the
    environment variables the sources file names. Exits 1 if a source could not be pulled (the others are).

    \b
    Example:
      auditql pull --sources examples/pull-sources.toml --dry-run
      auditql pull --sources examples/pull-sources.toml ci360 --since 7d --dry-run
    """
    from auditql.api import parse_when
    from auditql.pull import config
    from auditql.pull.run import Options
    from auditql.pull.run import pull as run_pull

    sources = config.load(sources_file)
    if names:
        known = {s.name: s for s in sources}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise UsageError(f"{', '.join(unknown)}: not in the sources file. Try one of: {', '.join(known)}")
        sources = [known[n] for n in names]
    options = Options(
        since=parse_when(since) if since else None,
        until=parse_when(until) if until else None,
        dry_run=dry_run,
        notify=err,
        progress=_progress_line if sys.stderr.isatty() and fmt == "text" and not quiet else None,
    )
    target = resolve_db(db)
    outcomes = run_pull(sources, target, options)
    if options.progress is not None:
        click.echo("\r\x1b[K", err=True, nl=False)
    if fmt == "json":
        emit_json([o.to_dict() for o in outcomes])
    else:
        for o in outcomes:
            head = f"{o.source} ({o.vendor}) {o.since} → {o.until}"
            if dry_run:
                click.echo(safe_text(f"{head}: would {o.plan}; landing in {o.folder}"))
            else:
                resumed = ", resumed" if o.resumed else ""
                click.echo(
                    safe_text(
                        f"{head}{resumed}: {o.requests} requests, {o.landed} responses landed "
                        f"({o.reused} already had), "
                        f"{o.added} events added, {o.duplicates} duplicates, {o.rejected} rejected"
                    )
                )
        click.echo(f"archive: {target}", err=True)
    for o in outcomes:
        for note in o.notes:
            err(f"note: {o.source}: {note}")
        if o.error:
            err(f"error: {o.error}")
        for f in o.files:
            if f.get("error"):
                err(f"rejected file: {f['error']}")
    if not all(o.ok for o in outcomes):
        sys.exit(ExitCode.REJECTED)


def _progress_line(text: str) -> None:
    """One line on the terminal, rewritten in place: carriage return, the text, clear to the end of the line."""
    click.echo(f"\r{safe_text(text)}\x1b[K", err=True, nl=False)
