"""The REPL's dot-commands, declared once in a registry that also generates `.help` and tells completion
what each command's argument may be.

A command is a function `(session, argument text) -> None` whose docstring's first line is its help;
`@special_command(".name", "ARGS", choices=…)` registers it. A miss names the valid commands.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from auditql import sql
from auditql.completer import COMMAND, PATH, QUERY, SAVED, VENDOR
from auditql.errors import UsageError
from auditql.filekind import not_regular

if TYPE_CHECKING:
    from auditql import api
    from auditql.output import Table
    from auditql.repl import Session
    from auditql.timeline import Timeline

Handler = Callable[["Session", str], None]


class Destination:
    """Where `.output FILE` (every result until `.output` alone) or `.once FILE` (the next result) writes:
    the whole result in the current format, not fitted to the terminal. `.once` goes through
    `destination.output_file`, so the file appears complete or not at all."""

    def __init__(self, path: Path, once: bool):
        self.path, self.once = path, once
        self.handle: TextIO | None = None

    def write(self, table: Table | api.Result, fmt: str) -> Path:
        from auditql.destination import output_file
        from auditql.errors import IOFailure, write_error_text
        from auditql.output import render

        if self.once:
            with output_file(self.path) as fh:
                render(table, fmt, fh)
            return self.path
        try:
            if self.handle is None:
                self.handle = open(self.path, "w", encoding="utf-8", newline="")  # noqa: SIM115 (open until .output)
            render(table, fmt, self.handle)
            self.handle.flush()
        except OSError as exc:
            raise IOFailure(write_error_text(exc, self.path)) from None
        return self.path

    def close(self) -> None:
        if self.handle is not None:
            with suppress(OSError):
                self.handle.close()
            self.handle = None


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
    from auditql.output.reports import ingest_messages, ingest_table

    paths = [Path(p).expanduser() for p in arguments(arg)]
    if not paths:
        raise UsageError("give the files or folders to ingest, e.g. .ingest sample_data/")
    report = ingest(paths, session.db, notify=lambda m: session.say(m, "note"))
    session.show(ingest_table(report))
    for message in ingest_messages(report):
        session.say(message.text, message.kind)
    session.archive(lambda con: None)  # completion and the toolbar learn the new fields, values and counts


@special_command(".format", "NAME", choices=("table", "vertical", "csv", "json", "ndjson", "markdown"),
                 aliases=(".mode",))  # fmt: skip
def _format(session: Session, arg: str) -> None:
    """Set how results are shown: table, vertical, csv, json, ndjson or markdown (`.mode` works too)."""
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
    """Write the last result, every column, to FILE (.csv .json .ndjson .md .txt .parquet by extension)."""
    from auditql.destination import output_file
    from auditql.output import format_for, render

    if session.last is None:
        raise UsageError("no result yet: run a query first")
    if not arg:
        raise UsageError("give a file name, e.g. .export failed_logins.csv")
    path = Path(arguments(arg)[0]).expanduser()
    fmt = format_for(path)
    if kind := not_regular(path):  # a FIFO would block until read, a device swallow or refuse the rows
        raise UsageError(f"{path}: {kind}, not a file: nothing exported; give a file name")
    if fmt == "parquet":
        rows = session.archive(lambda con: _write_parquet(con, session, path))
        session.say(f"{rows} rows → {path}", "note")
        return
    with output_file(path) as fh:
        render(session.last.result, fmt, fh)
    session.say(f"{len(session.last.result.rows)} rows → {path}", "note")


def _write_parquet(con: api.Connection, session: Session, path: Path) -> int:
    """The last query run again through the facade as Arrow batches, each written as it arrives (the same
    rows as the table: its translation carries the `.limit`), so a large result never sits in memory."""
    import pyarrow.parquet as pq

    from auditql import api
    from auditql.destination import output_file

    assert session.last is not None
    rows = 0
    with (
        output_file(path, binary=True) as fh,
        api.arrow_stream(con, session.last.translation, session.timeout) as batches,
        pq.ParquetWriter(fh, batches.schema, compression="zstd") as writer,
    ):
        for batch in batches:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


@special_command(".output", "[FILE]", choices=PATH)
def _output(session: Session, arg: str) -> None:
    """Send every query result to FILE (in the current .format) until `.output` alone brings them back."""
    if session.results_to is not None:
        session.results_to.close()
        session.results_to = None
    if arg:
        session.results_to = Destination(_file_argument(arg, ".output results.csv"), once=False)


@special_command(".once", "FILE", choices=PATH)
def _once(session: Session, arg: str) -> None:
    """Send the next query result to FILE (in the current .format); later ones come back to the screen."""
    if not arg:
        raise UsageError("give a file name, e.g. .once failed_logins.csv")
    if session.results_to is not None:
        session.results_to.close()
    session.results_to = Destination(_file_argument(arg, ".once results.csv"), once=True)


def _file_argument(arg: str, example: str) -> Path:
    names = arguments(arg)
    if len(names) != 1:
        raise UsageError(f"give one file name, e.g. {example}")
    chosen = Path(names[0]).expanduser()
    if kind := not_regular(chosen):
        raise UsageError(f"{chosen}: {kind}, not a file; give a file name")
    if chosen.is_dir():
        raise UsageError(f"{chosen}: is a folder; give a file name")
    return chosen


@special_command(".tables")
def _tables(session: Session, arg: str) -> None:
    """List the tables a query may read: `events` and the Gigya REST form's `auditLog`."""
    from auditql.completer import TABLES
    from auditql.output import Table

    session.show(Table(["table", "meaning"], ["", ""], [tuple(t) for t in TABLES]))


@special_command(".save", "NAME [QUERY]")
def _save(session: Session, arg: str) -> None:
    """Keep the last query (or QUERY) as NAME for `.run NAME`, in this and later sessions."""
    from auditql import saved_queries

    name, _, text = arg.partition(" ")
    if not name:
        raise UsageError("give a name, e.g. .save failed_logins")
    text = text.strip() or (session.last.text if session.last else "")
    if not text:
        raise UsageError("no query yet: run one first, or give it: .save NAME category = 'login'")
    path = saved_queries.default_path()
    saved_queries.save(path, name, text)
    session.say(f"saved {name} → {path}", "note")


@special_command(".run", "[NAME]", choices=SAVED)
def _run(session: Session, arg: str) -> None:
    """Run the query saved as NAME; without NAME, list the saved queries."""
    from auditql import saved_queries
    from auditql.output import Table

    path = saved_queries.default_path()
    if not arg:
        saved = saved_queries.load(path)
        if not saved:
            session.say("no saved queries yet: run a query, then .save NAME", "note")
        else:
            session.show(Table(["name", "query"], ["", ""], sorted(saved.items())))
        return
    session.run_query(saved_queries.get(path, arg.strip()))


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


@special_command(".timeline", "[INTERVAL] [split] [FILE.svg]",
                 choices=("hour", "day", "week", "month", "year", "15m", "6h", "split"))  # fmt: skip
def _timeline(session: Session, arg: str) -> None:
    """Events of the last query per hour, day, week, month, year… over a real time axis (empty buckets too).
    Every event it matched counts, not just the rows shown. `split`: stacked by vendor; FILE.svg: an image."""
    from auditql import api
    from auditql.timeline import parse_interval, timeline

    if session.last is None:
        raise UsageError("no query yet: run one, then .timeline")
    words = arguments(arg)
    split = any(w.lower() in ("split", "vendor", "vendors") for w in words)
    image = next((Path(w).expanduser() for w in words if w.lower().endswith(".svg")), None)
    rest = [w for w in words if w.lower() not in ("split", "vendor", "vendors") and not w.lower().endswith(".svg")]
    if len(rest) > 1:
        raise UsageError(f"{' '.join(rest)} is not one interval. Try: .timeline day, .timeline month split")
    interval = rest[0] if rest else None
    parse_interval(interval)  # a bad interval is reported before the archive is opened
    text = session.last.text

    def draw(con: api.Connection) -> Timeline:
        t = api.prepare(con, text)
        return timeline(con, t.sql, t.params, interval, by_vendor=split)

    chart = session.archive(draw)
    if image is not None:
        from auditql.destination import output_file
        from auditql.timeline_svg import svg

        if kind := not_regular(image):
            raise UsageError(f"{image}: {kind}, not a file: nothing written; give a file name")
        with output_file(image) as fh:
            fh.write(svg(chart, text))
        session.say(f"{len(chart.filled())} buckets of {chart.interval}, {chart.total} events → {image}", "note")
        return
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
