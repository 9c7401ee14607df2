"""Dot-commands that say how and where results go: `.format`, `.limit`, `.export`, `.output`, `.once`, and the
`Destination` a redirected result is written to."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from auditql.errors import UsageError
from auditql.frontend.completer import PATH
from auditql.read.filekind import not_regular
from auditql.repl.special.registry import arguments, special_command

if TYPE_CHECKING:
    from auditql import api
    from auditql.output import Table
    from auditql.repl.session import Session


class Destination:
    """Where `.output FILE` (every result until `.output` alone) or `.once FILE` (the next result) writes:
    the whole result in the current format, not fitted to the terminal. `.once` goes through
    `destination.output_file`, so the file appears complete or not at all."""

    def __init__(self, path: Path, once: bool):
        self.path, self.once = path, once
        self.handle: TextIO | None = None

    def write(self, table: Table | api.Result, fmt: str) -> Path:
        from auditql.errors import IOFailure, write_error_text
        from auditql.output import render
        from auditql.output.destination import output_file

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
    from auditql.output import format_for, render
    from auditql.output.destination import output_file

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
    from auditql.output.destination import output_file

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
