"""`auditql serve`: a local, read-only web view of an archive — a query box for all three query forms, a
grid that scrolls through any result, the magnifier, the record panel, downloads, a timeline and the
archive's custody — for people who work in a browser rather than a terminal or a notebook (issue 19; docs/serve.md).

A thin front end: Starlette routes (this package) over the facade (auditql/api/), static assets shipped in the
package (no CDN, no build step), and the security in security.py (loopback, per-launch token, Host check,
a Content-Security-Policy of 'self').
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from auditql.serve import completion, downloads, grid, overview, views
from auditql.serve.security import Guard
from auditql.serve.views import Settings

STATIC = Path(__file__).parent / "static"

__all__ = ["STATIC", "Settings", "application"]


def _page(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")


def application(settings: Settings, token: str, hosts: frozenset[str]) -> Guard:
    """The whole web app for one archive, wrapped in its guard (token, Host check, security headers)."""
    routes = [
        Route("/", _page),
        Route("/api/rows", grid.rows_page),
        Route("/api/progress", grid.progress),
        Route("/api/marks", grid.warm_marks),
        Route("/api/count", views.row_count),
        Route("/api/cancel", views.cancel),
        Route("/api/complete", completion.complete),
        Route("/api/magnify", views.magnify),
        Route("/api/record", views.record),
        Route("/api/timeline", overview.timeline),
        Route("/api/archive", overview.archive_page),
        Route("/api/verify", overview.verification),
        Route("/download", downloads.download),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.settings = settings
    return Guard(app, token, hosts)
