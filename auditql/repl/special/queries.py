"""Dot-commands about queries: the tables a query may read, saved queries (`.save`, `.run`), a query from a file
(`.read`), its DuckDB SQL (`.explain`) and its events over time (`.timeline`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from auditql.errors import UsageError
from auditql.frontend.completer import PATH, QUERY, SAVED
from auditql.read.filekind import not_regular
from auditql.repl.special.registry import arguments, special_command

if TYPE_CHECKING:
    from auditql import api
    from auditql.frontend.timeline import Timeline
    from auditql.repl.session import Session


@special_command(".tables")
def _tables(session: Session, arg: str) -> None:
    """List the tables a query may read: `events` and the Gigya REST form's `auditLog`."""
    from auditql.frontend.completer import TABLES
    from auditql.output import Table

    session.show(Table(["table", "meaning"], ["", ""], [tuple(t) for t in TABLES]))


@special_command(".save", "NAME [QUERY]")
def _save(session: Session, arg: str) -> None:
    """Keep the last query (or QUERY) as NAME for `.run NAME`, in this and later sessions."""
    from auditql.repl import saved_queries

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
    from auditql.output import Table
    from auditql.repl import saved_queries

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
    from auditql.frontend.query_input import query_text

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
    from auditql.frontend.timeline import parse_interval, timeline

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
        from auditql.frontend.timeline_svg import svg
        from auditql.output.destination import output_file

        if kind := not_regular(image):
            raise UsageError(f"{image}: {kind}, not a file: nothing written; give a file name")
        with output_file(image) as fh:
            fh.write(svg(chart, text))
        session.say(f"{len(chart.filled())} buckets of {chart.interval}, {chart.total} events → {image}", "note")
        return
    session.show(chart.bars(width=max(10, min(60, session.size().columns - 40))))
