"""`auditql serve` for the tests: the real CLI as a subprocess (`python -m auditql serve --port 0`, the URL
read from its first line), or the same app in-process on a thread (uvicorn on a socket bound to 127.0.0.1:0).
Both listen on loopback only."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Served:
    url: str  # as printed: http://127.0.0.1:PORT/?token=…
    settings: Any = None  # the in-process server's Settings (its readers and translations); None for the CLI's

    @property
    def base(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def token(self) -> str:
        return parse_qs(urlsplit(self.url).query)["token"][0]


@contextmanager
def cli_server(db: Path | None, *args: str, env: dict[str, str] | None = None) -> Iterator[Served]:
    """The real command, as a user starts it (`--db db --port 0 ARGS…`; db None: from $AUDITQL_DB in env);
    stopped (its own process only) when the block ends."""
    where = ["--db", str(db)] if db is not None else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "auditql", "serve", *where, "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "TZ": "UTC", **(env or {})},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("auditql serve: http://127.0.0.1:"), (line, proc.stderr.read() if proc.poll() else "")
        yield Served(line.split(": ", 1)[1].strip())
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


@contextmanager
def thread_server(db: Path, timeout: float | None = 300.0, **options: Any) -> Iterator[Served]:
    """The same app in this process (handy for many requests); the token is fixed per server. options: more
    of the server's Settings (memory_limit, mark_every)."""
    import uvicorn

    from auditql.serve import Settings, application
    from auditql.serve.security import allowed_hosts, new_token

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    token = new_token()
    settings = Settings(db, timeout, **options)
    app = application(settings, token, allowed_hosts("127.0.0.1", port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield Served(f"http://127.0.0.1:{port}/?token={token}", settings)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()
        settings.readers.close_all()


# Values an audit field may carry that must reach the page as text: quotes, markup, bidi controls, unicode,
# a backslash, LIKE wildcards, and one very long line. Resolver's CSV columns: Performed By -> actor_name,
# Subject -> target_name, Event -> action (tests/data/README.md: the Resolver export's published columns).
HOSTILE_ACTORS = [
    'O\'Brien "the" <script>alert(1)</script>',
    "\u202eevil\u202c نص عربي",
    "☃ Ünïcødé 日本語 \U0001f600",
    "back\\slash 100%_done",
    "two\nlines\tand a tab",
    "L" * 5000,
]


def hostile_archive(folder: Path) -> Path:
    """An archive made by the real ingest from a Resolver CSV whose actors are HOSTILE_ACTORS."""
    import csv

    from auditql.ingest.run import ingest

    header = ["Date and Time", "Subject", "Event", "Performed By", "Subject Type", "Previous Value", "Updated Value"]
    rows = [
        [f"2025-11-21 09:1{i}:55", "<img src=x onerror=alert(1)>", "Login", actor, "User", "", ""]
        for i, actor in enumerate(HOSTILE_ACTORS)
    ]
    with (folder / "user_audit_trail_hostile.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *rows])
    db = folder / "hostile.duckdb"
    report = ingest([folder / "user_audit_trail_hostile.csv"], db)
    assert report.ok and report.files[0].added == len(HOSTILE_ACTORS), report
    return db
