"""`auditql serve`: open the archive in a local, read-only web view (auditql/serve/, docs/serve.md).

The command binds the socket itself (so `--port 0` picks a free port and the printed URL names it), prints
the URL with its per-launch token on stdout, and serves until Ctrl-C."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import click

from auditql.cli.ingest import MemorySize
from auditql.cli.main import db_option, err, handle_errors, main, resolve_db
from auditql.errors import UsageError


@main.command()
@db_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on (anything but loopback is warned about).",
)
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="Port; 0 picks a free one.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default browser.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=None,
    help="Cancel a query after this many seconds (default 300; 0 = no limit), as `auditql query --timeout`.",
)
@click.option(
    "--memory-limit",
    type=MemorySize(),
    help="Memory the server's queries may use together, split among its readers (at most 3 at once), "
    "e.g. 2GB or 25% (default: half the RAM).",
)
@handle_errors
def serve(
    db: Path | None, host: str, port: int, open_browser: bool, timeout: float | None, memory_limit: int | None
) -> None:
    """Open the archive in your browser: a query box (all three query forms), a paged grid with a magnifier
    on every value, each record with its raw JSON and source files, downloads, a timeline and the custody.

    Read-only, on 127.0.0.1 only, behind a random token printed in the URL (docs/serve.md).

    \b
    Example:
      auditql serve --open
      auditql serve --port 0 --timeout 60
    """
    from auditql import api
    from auditql.serve.security import allowed_hosts, is_loopback, new_token

    target = resolve_db(db)
    with api.opened(target, notify=err):  # a missing or damaged archive is said now, not on the first query
        pass
    if not is_loopback(host):
        err(f"warning: serving on {host}: anyone who can reach it and learns the token can read the archive")
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(64)
    bound = sock.getsockname()[1]
    token = new_token()
    shown = f"[{host.strip('[]')}]" if family == socket.AF_INET6 else host
    url = f"http://{shown}:{bound}/?token={token}"
    click.echo(f"auditql serve: {url}")
    err(f"archive: {target} (read-only); Ctrl-C stops")
    sys.stdout.flush()
    _serve(target, sock, token, allowed_hosts(host, bound), timeout, memory_limit, url if open_browser else None)


def _serve(target: Path, sock: socket.socket, token: str, hosts: frozenset[str], timeout, memory_limit, url) -> None:
    import uvicorn

    from auditql import api
    from auditql.serve import Settings, application

    settings = Settings(target, api.DEFAULT_TIMEOUT if timeout is None else timeout or None, memory_limit)
    config = uvicorn.Config(application(settings, token, hosts), log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    if url is not None:
        import threading
        import webbrowser

        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    try:
        server.run(sockets=[sock])
    finally:
        settings.readers.close_all()  # the warm readers (serve/readers.py) let go of the archive at once
