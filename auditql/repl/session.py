"""The interactive shell: read a statement, run it on the archive, show the result, repeat.

Split as litecli/pgcli are: this module holds the session state and the prompt loop; completion is a
pure engine (`completer`), dot-commands are a registry (`special`), highlighting and the Enter rule live in
`lexer`. The query itself is the core's business (`api`): nothing here writes SQL over `events`.

The archive is opened read-only for each statement and closed straight after, so `auditql ingest` in another
terminal is never blocked by an idle REPL, and the next statement sees the new events. A statement runs
in a worker thread while the main thread waits; Ctrl-C there becomes `con.interrupt()`.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO, TypeVar, cast

from auditql import api
from auditql.errors import AuditqlError, QueryError, UsageError, environment_error
from auditql.frontend import progress
from auditql.frontend.completer import Snapshot
from auditql.output import Shown, Table, draw, footer_text, safe_text
from auditql.query import Translation
from auditql.query.allowlist import ALLOWED_FUNCTION_NAMES
from auditql.query.identities import PERSON
from auditql.repl import saved_queries, special
from auditql.repl.lexer import statement_text

T = TypeVar("T")
DEFAULT_LIMIT = 1000
DEFAULT_PAGER = "less -SRXF"
STATS_QUERY = "SELECT count(*) AS events, min(time) AS first, max(time) AS last FROM events"
# A bare word alone on the line does what it says, as in psql, sqlite3 and the DuckDB CLI.
BARE_WORDS = {"exit": ".exit", "quit": ".quit", "help": ".help", "\\q": ".quit", "\\?": ".help"}
COLOURS = {"error": "\x1b[31m", "warning": "\x1b[33m", "note": "\x1b[2m"}


@dataclass
class Last:
    """The last query: what was typed, what it became, what it returned."""

    text: str
    translation: Translation
    result: api.Result


@dataclass
class Session:
    """Everything a statement or dot-command may read or change; no terminal needed (tests use StringIO)."""

    db: Path
    out: TextIO = field(default_factory=lambda: sys.stdout)
    fmt: str = "table"
    limit: int | None = DEFAULT_LIMIT
    timer: bool = True
    timeout: float | None = api.DEFAULT_TIMEOUT  # seconds a query may run (`.timeout`); None: no limit
    last: Last | None = None
    snapshot: Snapshot = field(default_factory=Snapshot)
    stats: tuple[int, datetime | None, datetime | None] | None = None
    running: bool = True
    pager: str | None = field(default_factory=lambda: os.environ.get("PAGER") or DEFAULT_PAGER)
    results_to: special.Destination | None = (
        None  # `.output FILE` / `.once FILE`: query results go there, not the screen
    )

    # --- the archive -------------------------------------------------------------------------------
    def archive(self, work: Callable[[api.Connection], T]) -> T:
        """Open the archive read-only, run `work` (Ctrl-C cancels it), refresh what completion knows, close."""
        con = api.reader(self.db, notify=lambda m: self.say(m, "note"))
        try:
            with progress.query(con, sys.stderr, progress.wanted(sys.stderr) and self.out.isatty()):
                value = cancellable(con, work)
            self.refresh(con)
            return value
        finally:
            con.close()

    def refresh(self, con: api.Connection) -> None:
        """Toolbar numbers and the completion snapshot, from the archive's small catalog tables."""
        stats = api.run(con, api.prepare(con, STATS_QUERY)).rows[0]
        self.stats = (int(stats[0]), stats[1], stats[2])
        values, field_values = api.value_lists(con)
        catalog = api.catalog(con)
        with suppress(UsageError):  # a broken identities file is reported by the query that reads it
            values[PERSON] = [p.name for p in api.identities(catalog).people]
        commands, arguments = special.snapshot_commands()
        saved: list[str] = []
        with suppress(UsageError):  # a damaged saved-queries file is reported by `.run`
            saved = sorted(saved_queries.load(saved_queries.default_path()))
        self.snapshot = Snapshot(catalog.fields, values, ALLOWED_FUNCTION_NAMES, commands, arguments,
                                 field_values, saved)  # fmt: skip

    def run_query(self, text: str) -> None:
        """Translate and run one query, show the result and remember it for `.explain`, `.timeline`, `.export`."""
        translated: list[Translation] = []

        def work(con: api.Connection) -> api.Result:
            translated.append(api.prepare(con, text, limit=self.limit))
            return api.run(con, translated[0], self.limit, self.timeout)

        try:
            result = self.archive(work)
        finally:
            for warning in translated[0].warnings if translated else ():
                self.say(f"warning: {warning}", "warning")
        self.last = Last(text, translated[0], result)
        table = display_table(result, translated[0].form, self.fmt)
        if self.results_to is not None:
            where = self.results_to.write(table, self.fmt)
            if self.results_to.once:
                self.results_to = None
            footer = footer_text(result.row_count(), limit_hint=".limit", timer=self.timer)
            self.say(f"{footer} → {where}", "note")
            return
        shown = self.show(table)
        self.say(footer_text(result.row_count(), shown, limit_hint=".limit", timer=self.timer), "note")

    # --- the terminal ------------------------------------------------------------------------------
    def size(self) -> os.terminal_size:
        return shutil.get_terminal_size()

    def show(self, what: Table | api.Result | str) -> Shown | None:
        """A table in the current format fitted to the terminal (columns that do not fit are hidden, as the
        DuckDB CLI hides them), or text; paged when taller than the screen. Says what a table showed."""
        shown = None
        if isinstance(what, str):  # text may echo the user's query (`.explain`): escaped like everything else
            text = safe_text(what, keep_newlines=True)
        else:
            text, shown = draw(what, self.fmt, width=self.size().columns, terminal=True)
        if not text.endswith("\n"):
            text += "\n"
        tall = text.count("\n") > self.size().lines - 2
        if self.pager and self.out.isatty() and tall and not typed_ahead(sys.stdin):
            page(text, self.pager, self.out)
        else:
            self.out.write(text)
            self.out.flush()
        return shown

    def say(self, message: str, kind: str = "") -> None:
        """A message (not data): escaped, coloured on a terminal."""
        text = safe_text(message, keep_newlines=True)
        colour = COLOURS.get(kind, "") if self.out.isatty() else ""
        self.out.write(f"{colour}{text}\x1b[0m\n" if colour else text + "\n")
        self.out.flush()

    def execute(self, line: str) -> None:
        """One statement or dot-command; every failure becomes one clear message, never a traceback."""
        text = statement_text(line)
        if not text:
            return
        try:
            if text.lower() in BARE_WORDS:  # what a newcomer types first; never a query (no WHERE is one word)
                special.execute(self, BARE_WORDS[text.lower()])
            elif text.startswith("."):
                special.execute(self, text)
            else:
                self.run_query(text)
        except QueryError as exc:
            self.say(exc.render(), "error")
        except AuditqlError as exc:
            self.say(f"error: {exc}", "error")
        except KeyboardInterrupt:
            self.say("interrupted", "error")
        except Exception as exc:  # a bug: one line, the session goes on
            explained = environment_error(exc, self.db)
            if explained is not None:  # not a bug: a damaged archive, a write the system refused
                self.say(f"error: {explained}", "error")
                return
            if os.environ.get("AUDITQL_DEBUG"):
                raise
            self.say(f"internal error: {type(exc).__name__}: {exc} (set AUDITQL_DEBUG=1; please report)", "error")


def cancellable(con: api.Connection, work: Callable[[api.Connection], T]) -> T:
    """Run `work(con)` in a worker thread; Ctrl-C (SIGINT reaches only the main thread) interrupts DuckDB.

    The main thread waits on an Event, not `Thread.join`: a KeyboardInterrupt inside `join` can leave
    `is_alive()` wrong on Python 3.11.
    """
    box: dict[str, Any] = {}
    done = threading.Event()

    def target() -> None:
        try:
            box["value"] = work(con)
        except BaseException as exc:
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, name="auditql-query", daemon=True).start()
    while not done.is_set():
        try:
            done.wait(0.05)
        except KeyboardInterrupt:
            api.interrupt(con)  # and its query connection, where user SQL runs
    if "error" in box:
        raise box["error"]
    return cast(T, box["value"])


def display_table(result: api.Result, form: str, fmt: str) -> Table | api.Result:
    """On screen, a WHERE / REST result shows the readable columns; `.export` still has every column."""
    if form == "sql" or fmt not in ("table", "markdown"):
        return result
    index = [result.columns.index(c) for c in api.TABLE_COLUMNS if c in result.columns]
    return Table([result.columns[i] for i in index], [result.types[i] for i in index],
                 [tuple(row[i] for i in index) for row in result.rows])  # fmt: skip


def typed_ahead(stdin: TextIO) -> bool:
    """Whether keys typed while the query ran are waiting: the pager would read them as its commands (`q`,
    a space) and they would be lost, so the result is printed instead and the keys reach the next prompt.

    In canonical mode the terminal reports only finished lines as readable; with ICANON off for an
    instant, every pending byte counts. Switching it back on keeps them (Linux pushes them as a line)."""
    try:
        import fcntl
        import struct
        import termios
    except ImportError:  # not POSIX: no pager race to avoid
        return False
    try:
        fd = stdin.fileno()
        if not os.isatty(fd):
            return False
        mode = termios.tcgetattr(fd)
        raw = list(mode)
        raw[3] = mode[3] & ~termios.ICANON
        termios.tcsetattr(fd, termios.TCSANOW, raw)
        try:
            pending = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
        finally:
            termios.tcsetattr(fd, termios.TCSANOW, mode)
        return bool(pending)
    except (OSError, ValueError, termios.error):
        return False


def page(text: str, pager: str, out: TextIO) -> None:
    """Through `$PAGER` (default `less -SRXF`: keeps scrollback, quits at once if the text fits)."""
    out.flush()
    try:
        proc = subprocess.Popen(shlex.split(pager), stdin=subprocess.PIPE, encoding="utf-8", errors="replace")
    except (OSError, ValueError):
        out.write(text)
        return
    try:
        assert proc.stdin is not None
        proc.stdin.write(text)
        proc.stdin.close()
    except (BrokenPipeError, OSError, KeyboardInterrupt):
        pass  # the user left the pager early
    while True:
        try:
            proc.wait()
            return
        except KeyboardInterrupt:
            continue  # Ctrl-C belongs to the pager while it runs


# --- the prompt ------------------------------------------------------------------------------------
def history_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("auditql")) / "history"


def private_file(path: Path) -> Path:
    """Create `path` (and its folder) readable by its owner only: the history and saved queries hold names,
    addresses and the questions of an investigation. An existing file is tightened to 0600 too."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    os.chmod(path, 0o600)
    return path


def toolbar(session: Session) -> str:
    """Archive, event count, time span, and the settings that change what a query shows."""
    home = str(Path.home())
    where = str(session.db)
    where = "~" + where[len(home) :] if where.startswith(home + os.sep) else where
    parts = [safe_text(where)]
    if session.stats is None:
        parts.append("no archive yet: .ingest PATH")
    else:
        n, first, last = session.stats
        parts.append(f"{n:,} events")
        if first is not None and last is not None:
            parts.append(f"{first:%Y-%m-%d} → {last:%Y-%m-%d}")
    parts += [f"format {session.fmt}", f"limit {session.limit if session.limit is not None else 'off'}",
              ".help  Ctrl-D quits"]  # fmt: skip
    return " " + " · ".join(parts)


def prompt_session(session: Session) -> Any:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
    from prompt_toolkit.history import FileHistory
    from prompt_toolkit.styles import Style

    from auditql.frontend.completer import AuditCompleter
    from auditql.repl.lexer import STYLE, QueryLexer, key_bindings

    path = private_file(history_path())
    return PromptSession(
        message=[("class:prompt", "auditql> ")],
        prompt_continuation=lambda width, line, wrap: [("class:continuation", "...> ".rjust(width))],
        multiline=True, key_bindings=key_bindings(), history=FileHistory(str(path)),
        auto_suggest=AutoSuggestFromHistory(), completer=AuditCompleter(lambda: session.snapshot),
        complete_while_typing=True, lexer=QueryLexer(), style=Style.from_dict(STYLE),
        bottom_toolbar=lambda: toolbar(session), enable_open_in_editor=True,
    )  # fmt: skip


def main(db: Path) -> None:
    """Run the interactive shell on the archive at `db` until Ctrl-D or `.quit`."""
    from auditql import __version__

    session = Session(db)
    try:
        session.archive(lambda con: None)
        opened = f"{session.stats[0]:,} events" if session.stats else ""
    except AuditqlError as exc:
        opened = "no archive here yet: `.ingest PATH…` creates it" if not db.exists() else f"error: {exc}"
    session.say(f"auditql {__version__} · {session.db} · {opened}", "note")
    session.say("Type a WHERE clause (Enter runs it), SQL over events (end with ; or a blank line), or .help.", "note")
    prompt = prompt_session(session)
    while session.running:
        try:
            line = prompt.prompt()
        except KeyboardInterrupt:
            continue  # Ctrl-C at the prompt clears the line
        except EOFError:
            break
        session.execute(line)
    if session.results_to is not None:
        session.results_to.close()
