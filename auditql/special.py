"""The REPL's dot-commands, declared once in a registry that also generates `.help` and tells completion
what each command's argument may be.

A command is a function `(session, argument text) -> None` whose docstring's first line is its help;
`@special_command(".name", "ARGS", choices=…)` registers it. A miss names the valid commands.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from auditql import sql
from auditql.completer import COMMAND, PATH, QUERY, VENDOR
from auditql.errors import UsageError
from auditql.filekind import not_regular

if TYPE_CHECKING:
    from auditql import api
    from auditql.output import Table
    from auditql.repl import Session
    from auditql.timeline import Timeline

Handler = Callable[["Session", str], None]


@dataclass(frozen=True)
class SpecialCommand:
    name: str
    args: str
    handler: Handler
    choices: Sequence[str] | str = ()
    aliases: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        return (self.handler.__doc__ or "").strip().splitlines()[0]

    @property
    def usage(self) -> str:
        return f"{self.name} {self.args}".strip()


COMMANDS: dict[str, SpecialCommand] = {}


def special_command(name: str, args: str = "", *, choices: Sequence[str] | str = (),
                    aliases: tuple[str, ...] = ()) -> Callable[[Handler], Handler]:  # fmt: skip
    def register(handler: Handler) -> Handler:
        COMMANDS[name] = SpecialCommand(name, args, handler, choices, aliases)
        return handler

    return register


def lookup(name: str) -> SpecialCommand:
    key = name.lower() if name.startswith(".") else "." + name.lower()
    for command in COMMANDS.values():
        if key == command.name or key in command.aliases:
            return command
    raise UsageError(f"{name} is not a command. Try one of: {', '.join(COMMANDS)}")


def arguments(text: str) -> list[str]:
    """A dot-command's arguments, split as a shell would (quotes keep spaces in a file name).

    >>> arguments("'my exports/x.csv' b")
    ['my exports/x.csv', 'b']
    """
    try:
        return shlex.split(text)
    except ValueError as exc:  # "No closing quotation", "No escaped character"
        raise UsageError(f"{exc} in {text!r}: close the quote, e.g. .export 'my file.csv'") from None


def execute(session: Session, line: str) -> None:
    name, _, argument = line.strip().partition(" ")
    lookup(name).handler(session, argument.strip())


def snapshot_commands() -> tuple[dict[str, str], dict[str, Sequence[str] | str]]:
    """What completion needs: each command's one-line help, and what its argument completes to."""
    return {c.name: c.summary for c in COMMANDS.values()}, {c.name: c.choices for c in COMMANDS.values()}


def help_text() -> str:
    width = max(len(c.usage) for c in COMMANDS.values()) + 2
    lines = [
        "Queries — Enter runs a one-line WHERE clause; SQL (SELECT/WITH) ends with ; or a blank line:",
        "  category = 'login' AND outcome = 'failure' AND time > now() - INTERVAL 1 DAY",
        '  SELECT * FROM auditLog WHERE errCode in ("0", "400006") ORDER BY @timestamp DESC LIMIT 10',
        "  SELECT actor_name, count(*) AS n FROM events WHERE category = 'delete' GROUP BY 1 ORDER BY n DESC;",
        "",
        "Commands:",
        *(f"  {c.usage.ljust(width)}{c.summary}" for c in COMMANDS.values()),
        "",
        "Keys: Tab completes names and values · Ctrl-R searches history · Alt-Enter runs the statement now ·",
        "      Ctrl-C cancels a running query or clears the line · Ctrl-X Ctrl-E edits in $EDITOR · Ctrl-D quits",
    ]
    return "\n".join(lines)


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
    from auditql.output import Table

    paths = [Path(p).expanduser() for p in arguments(arg)]
    if not paths:
        raise UsageError("give the files or folders to ingest, e.g. .ingest sample_data/")
    report = ingest(paths, session.db, notify=lambda m: session.say(m, "note"))
    rows = [(f.source_file, f.vendor or "-", f.format or "-", f.read, f.added, f.duplicates,
             f.rejected if f.error is None else "FILE") for f in report.files]  # fmt: skip
    session.show(Table(["file", "vendor", "format", "read", "added", "duplicates", "rejected"], [""] * 7, rows))
    for f in report.files:
        if f.error:
            session.say(f"rejected file: {f.error}", "error")
        elif f.rejected:
            session.say(f"{f.source_file}: {f.rejected} records rejected (auditql rejects lists them)", "warning")
    session.archive(lambda con: None)  # completion and the toolbar learn the new fields, values and counts


@special_command(".format", "NAME", choices=("table", "vertical", "csv", "json", "ndjson", "markdown"))
def _format(session: Session, arg: str) -> None:
    """Set how results are shown: table, vertical, csv, json, ndjson or markdown."""
    from auditql.output import FORMATS

    if not arg:
        session.say(f"format {session.fmt}")
    elif arg.lower() not in FORMATS:
        raise UsageError(f"{arg} is not an output format. Try one of: {', '.join(FORMATS)}")
    else:
        session.fmt = arg.lower()


@special_command(".limit", "N|off", choices=("100", "1000", "10000", "off"))
def _limit(session: Session, arg: str) -> None:
    """Show at most N rows per query (the footer says when rows were cut); `off` shows all."""
    if not arg:
        session.say(f"limit {session.limit if session.limit is not None else 'off'}")
    elif arg.lower() in ("off", "none", "0"):
        session.limit = None
    elif arg.isdigit():
        session.limit = int(arg)
    else:
        raise UsageError(f"{arg} is not a row count. Try: .limit 100, .limit off")


@special_command(".export", "FILE", choices=PATH)
def _export(session: Session, arg: str) -> None:
    """Write the last result, every column, to FILE (.csv .json .ndjson .md .txt by extension)."""
    from auditql.destination import output_file
    from auditql.output import format_for, render

    if session.last is None:
        raise UsageError("no result yet: run a query first")
    if not arg:
        raise UsageError("give a file name, e.g. .export failed_logins.csv")
    path = Path(arguments(arg)[0]).expanduser()
    fmt = format_for(path)
    if fmt == "parquet":
        raise UsageError("for Parquet use: auditql query --output FILE.parquet QUERY")
    if kind := not_regular(path):  # a FIFO would block until read, a device swallow or refuse the rows
        raise UsageError(f"{path}: {kind}, not a file: nothing exported; give a file name")
    with output_file(path) as fh:
        render(session.last.result, fmt, fh)
    session.say(f"{len(session.last.result.rows)} rows → {path}", "note")


@special_command(".read", "FILE", choices=PATH)
def _read(session: Session, arg: str) -> None:
    """Run the query in FILE (any of the three forms, `--` comments allowed), as `auditql query -f FILE`."""
    from auditql.query_input import query_text

    names = arguments(arg)
    if len(names) != 1:
        raise UsageError("give one file, e.g. .read failed_logins.sql")
    if kind := not_regular(Path(names[0]).expanduser()):  # a FIFO would wait for a writer forever
        raise UsageError(f"{names[0]}: {kind}, not a file: nothing read; give a file name")
    session.run_query(query_text(None, names[0]))


@special_command(".explain", "[QUERY]", choices=QUERY)
def _explain(session: Session, arg: str) -> None:
    """Show the DuckDB SQL of the last query, or of QUERY without running it."""
    from auditql import api

    if arg:
        session.show(session.archive(lambda con: api.prepare(con, arg, limit=session.limit)).sql)
    elif session.last is None:
        raise UsageError("no query yet: run one, or give it: .explain category = 'login'")
    else:
        session.show(session.last.translation.sql)


@special_command(".timeline", "[INTERVAL]", choices=("minute", "hour", "day", "week", "month", "15m", "6h"))
def _timeline(session: Session, arg: str) -> None:
    """Histogram over time of every event the last query matched (not just the rows shown): hour, day, 6h…"""
    from auditql import api
    from auditql.timeline import parse_interval, timeline

    if session.last is None:
        raise UsageError("no query yet: run one, then .timeline")
    parse_interval(arg)  # a bad interval is reported before the archive is opened
    text = session.last.text

    def draw(con: api.Connection) -> Timeline:
        t = api.prepare(con, text)
        return timeline(con, t.sql, t.params, arg or None)

    chart = session.archive(draw)
    session.show(chart.bars(width=max(10, min(60, session.size().columns - 40))))


@special_command(".timer", "on|off", choices=("on", "off"))
def _timer(session: Session, arg: str) -> None:
    """Show or hide the query time in the footer."""
    if arg.lower() not in ("on", "off"):
        raise UsageError(f"{arg or 'nothing'} is not on or off. Try: .timer on, .timer off")
    session.timer = arg.lower() == "on"


@special_command(".timeout", "SECONDS|off", choices=("10", "60", "300", "off"))
def _timeout(session: Session, arg: str) -> None:
    """Cancel a query that runs longer than SECONDS (default 300); `off` lets queries run until Ctrl-C."""
    if not arg:
        session.say(f"timeout {f'{session.timeout:g} s' if session.timeout else 'off'}")
        return
    if arg.lower() in ("off", "none", "0"):
        session.timeout = None
        return
    seconds = sql.seconds(arg)
    if not seconds:
        raise UsageError(f"{arg} is not a number of seconds. Try: .timeout 60, .timeout off")
    session.timeout = seconds


@special_command(".quit", aliases=(".exit", ".q"))
def _quit(session: Session, arg: str) -> None:
    """Leave auditql (Ctrl-D does the same)."""
    session.running = False
