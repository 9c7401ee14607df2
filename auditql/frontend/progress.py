"""Progress on stderr while a big file ingests or a long query runs: one line, redrawn in place, gone when done.

Why: a 1.5M-record, 794 MB export showed nothing for 75 s, and a long query looked like a hang. The line
names the file, the bytes read of it and the records per second; for a query, the share DuckDB reports as
done (`query_progress()` on the connection running it, which tracks progress only with
`enable_progress_bar` on and `enable_progress_bar_print` off: lockdown sets both on the query connection).

Only on a terminal: never into a pipe, a file, `--quiet` or `--format json`, where the line would be
noise in someone's data. It appears only after DELAY seconds, so quick work shows nothing
(`AUDITQL_PROGRESS_DELAY` sets it; tests use 0). A thread redraws it; the main thread keeps working.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TextIO

DELAY = float(os.environ.get("AUDITQL_PROGRESS_DELAY", "1.0"))
TICK = 0.1  # seconds between redraws
WIDTH = 20  # characters of the bar itself
CLEAR = "\r\x1b[K"


def wanted(stream: TextIO, quiet: bool = False, fmt: str | None = None) -> bool:
    """Whether to draw at all: a terminal, not silenced, not machine-read output."""
    try:
        return not quiet and fmt != "json" and stream.isatty()
    except (AttributeError, ValueError):  # closed, or not a real stream
        return False


def size_text(n: float) -> str:
    """Bytes as people read them: 794 MB, 12.3 MB, 512 KB."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}" if n < 10 * scale else f"{n / scale:.0f} {unit}"
    return f"{n:.0f} B"


def bar(share: float) -> str:
    """`▕██████▌      ▏ 52%`: a share from 0 to 1 as a bar."""
    share = min(max(share, 0.0), 1.0)
    filled = share * WIDTH
    whole = int(filled)
    half = "▌" if filled - whole >= 0.5 and whole < WIDTH else ""
    return f"▕{'█' * whole}{half}{' ' * (WIDTH - whole - len(half))}▏{share * 100:4.0f}%"


class Line:
    """The status line: redrawn from a thread every TICK while `describe()` has something to say."""

    def __init__(self, stream: TextIO, describe: Callable[[], str | None]):
        self.stream, self.describe = stream, describe
        self.started = time.monotonic()
        self.drawn = False
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="auditql-progress", daemon=True)

    def start(self) -> Line:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop drawing and clear the line (before anything else is written to the terminal)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()
        with self._lock:
            if self.drawn:
                with suppress(OSError, ValueError):
                    self.stream.write(CLEAR)
                    self.stream.flush()
                self.drawn = False

    def say(self, text: str) -> None:
        """A line that stays (the progress line is redrawn below it)."""
        with self._lock:
            with suppress(OSError, ValueError):
                self.stream.write(CLEAR + text + "\n")
                self.stream.flush()
            self.drawn = False

    def _run(self) -> None:
        while not self._stop.wait(TICK):
            if time.monotonic() - self.started < DELAY:
                continue
            try:
                text = self.describe()
            except Exception:  # a connection closed under us: nothing more to report
                text = None
            if text is None:
                continue
            columns = _columns(self.stream)
            with self._lock:
                if self._stop.is_set():
                    return
                with suppress(OSError, ValueError):
                    self.stream.write(CLEAR + text[: columns - 1])
                    self.stream.flush()
                    self.drawn = True


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 80


class Guarded:
    """`out` that clears the progress line before its first write: the rows then own the terminal."""

    def __init__(self, out: TextIO, line: Line):
        self._out, self._line = out, line

    def write(self, text: str) -> int:
        self._line.stop()
        return self._out.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._out, name)


@contextmanager
def query(con: Any, stream: TextIO, show: bool, label: str = "query") -> Iterator[Line | None]:
    """While the block runs, `label ▕███▏ 40% · 12s` from DuckDB's own estimate for the query running on
    `con` (a connection from `api.reader`: its query connection is watched); None when not shown."""
    if not show:
        yield None
        return
    from auditql import api

    def describe() -> str | None:
        done = api.query_progress(con)
        if done < 0:
            return None
        return f"{label} {bar(done / 100)} · {time.monotonic() - line.started:.0f}s · Ctrl-C cancels"

    line = Line(stream, describe).start()
    try:
        yield line
    finally:
        line.stop()


class Ingest:
    """What `ingest` reports while it works: the file, the bytes of it read (hashing), then how long DuckDB
    has been storing its records (with the share of the current step, which restarts per SQL statement);
    a file that took longer than DELAY leaves one line with its records per second. Passed to
    `ingest.ingest` as its `progress`, which calls the hooks `watch`, `file`, `read`, `loading`, `done`."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.name, self.size, self.read_bytes = "", 0, 0
        self.lines: int | None = None
        self.counter, self.file_since, self.loading_since = "", 0.0, 0.0
        self.con: Any = None
        self.line = Line(stream, self.describe)

    def __enter__(self) -> Ingest:
        self.line.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.line.stop()

    def __call__(self, message: str) -> None:
        """The per-path message ingest gives (`[2/5] path`): kept as the counter shown before the file."""
        self.counter = message.split(" ", 1)[0] if message.startswith("[") else ""

    def watch(self, con: Any) -> None:
        self.con = con

    def file(self, name: str, size: int) -> None:
        self.name, self.size, self.read_bytes, self.lines = name, size, 0, None
        self.file_since, self.loading_since = time.monotonic(), 0.0

    def read(self, done: int) -> None:
        self.read_bytes = done

    def loading(self, lines: int | None) -> None:
        self.lines, self.loading_since = lines, time.monotonic()

    def done(self, records: int) -> None:
        """A file is stored: when it took long enough to show progress, say how fast it went."""
        elapsed = time.monotonic() - self.file_since
        if self.name and elapsed >= max(DELAY, TICK):
            rate = records / elapsed if elapsed else 0
            self.line.say(f"{self.name}: {records:,} records in {elapsed:.1f}s ({rate:,.0f} records/s)")
        self.name = ""

    def describe(self) -> str | None:
        if not self.name:
            return None
        head = f"ingesting {self.counter + ' ' if self.counter else ''}{os.path.basename(self.name)}"
        if not self.loading_since:
            share = self.read_bytes / self.size if self.size else 0
            return f"{head} · reading {bar(share)} {size_text(self.read_bytes)} of {size_text(self.size)}"
        lines = f"{self.lines:,} lines, " if self.lines else ""
        text = f"{head} · {lines}{size_text(self.size)} read · storing {time.monotonic() - self.loading_since:.0f}s"
        step = self.con.query_progress() if self.con is not None else -1
        return text + (f" (step {step:.0f}%)" if step >= 0 else "")
