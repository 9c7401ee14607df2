"""Dot-commands that show what the archive holds: `.help`, `.schema`, `.fields`, `.vendors`, `.sources`, and
`.ingest`, which adds to it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from auditql.errors import UsageError
from auditql.frontend.completer import COMMAND, PATH, VENDOR
from auditql.repl.special.registry import arguments, help_text, lookup, special_command

if TYPE_CHECKING:
    from auditql import api
    from auditql.output import Table
    from auditql.repl.session import Session


@special_command(".help", "[COMMAND]", choices=COMMAND, aliases=(".?",))
def _help(session: Session, arg: str) -> None:
    """Show the commands and keys, or one command's help."""
    if not arg:
        session.show(help_text())
        return
    command = lookup(arg)
    doc = (command.handler.__doc__ or "").strip()
    session.show(f"{command.usage}\n  " + "\n  ".join(line.strip() for line in doc.splitlines()))


@special_command(".schema")
def _schema(session: Session, arg: str) -> None:
    """Show the canonical columns of `events`: name, type, meaning."""
    from auditql.output import Table
    from auditql.schema import COLUMNS

    session.show(Table(["column", "type", "meaning"], ["", "", ""], [tuple(c) for c in COLUMNS]))


@special_command(".fields", "[VENDOR]", choices=VENDOR)
def _fields(session: Session, arg: str) -> None:
    """List the raw field names per vendor (query them by name: errCode, params.loginID, "Performed By")."""
    from auditql import api
    from auditql.output import Table

    fields = session.archive(lambda con: api.catalog(con).fields)
    if arg and arg not in fields:
        raise UsageError(f"{arg} is not a vendor in this archive. Try one of: {', '.join(sorted(fields))}")
    rows = [(v, f) for v in sorted(fields) if not arg or v == arg for f in sorted(fields[v], key=str.lower)]
    session.show(Table(["vendor", "field"], ["", ""], rows))


@special_command(".vendors")
def _vendors(session: Session, arg: str) -> None:
    """List the vendors in the archive with their event counts and time spans."""
    from auditql import api

    text = "SELECT vendor, count(*) AS events, min(time) AS first, max(time) AS last FROM events GROUP BY 1 ORDER BY 1"
    session.show(session.archive(lambda con: api.run(con, api.prepare(con, text))))


@special_command(".sources")
def _sources(session: Session, arg: str) -> None:
    """List the ingested files: vendor, records read/added/duplicate/rejected, time span, SHA-256."""
    from auditql import api
    from auditql.output import Table as Rows

    def read(con: api.Connection) -> Table:
        listed = api.listing(con, "sources")
        return Rows(listed.columns, listed.types, listed.rows)

    session.show(session.archive(read))


@special_command(".ingest", "PATH…", choices=PATH)
def _ingest(session: Session, arg: str) -> None:
    """Ingest files, folders or .zip/.gz exports into this archive (the same as `auditql ingest`)."""
    from auditql.api import ingest
    from auditql.output.reports import ingest_messages, ingest_table

    paths = [Path(p).expanduser() for p in arguments(arg)]
    if not paths:
        raise UsageError("give the files or folders to ingest, e.g. .ingest sample_data/")
    report = ingest(paths, session.db, notify=lambda m: session.say(m, "note"))
    session.show(ingest_table(report))
    for message in ingest_messages(report):
        session.say(message.text, message.kind)
    session.archive(lambda con: None)  # completion and the toolbar learn the new fields, values and counts
