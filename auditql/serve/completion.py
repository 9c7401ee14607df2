"""Completion for the query box: the REPL's engine (completer.suggest, a pure function of the text before
the cursor and a snapshot of the archive's catalog), answered over HTTP so the page completes columns, each
vendor's raw fields and the values of low-cardinality columns exactly as the REPL does.

The snapshot is read from the archive's small catalog tables (never the events) and kept for a few seconds,
so typing costs one small request per pause, and an ingest that runs meanwhile is seen soon after.
"""

from __future__ import annotations

import threading
import time

from starlette.requests import Request
from starlette.responses import JSONResponse

from auditql import api
from auditql.frontend.completer import Snapshot, suggest
from auditql.query.allowlist import ALLOWED_FUNCTION_NAMES
from auditql.serve.views import Settings, _error, _reader

FRESH_SECONDS = 10.0
MAX_SUGGESTIONS = 50
_cache: dict[str, tuple[float, Snapshot]] = {}
_lock = threading.Lock()


def _snapshot(settings: Settings) -> Snapshot:
    key = str(settings.db)
    with _lock:
        cached = _cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < FRESH_SECONDS:
        return cached[1]
    with _reader(settings) as con:
        values, field_values = api.value_lists(con)
        snap = Snapshot(api.catalog(con).fields, values, ALLOWED_FUNCTION_NAMES, field_values=field_values)
    with _lock:
        _cache[key] = (time.monotonic(), snap)
    return snap


def complete(request: Request) -> JSONResponse:
    """`/api/complete?text=…` (the text before the cursor) → `[{text, replace, kind, meta}]`, best first."""
    settings: Settings = request.app.state.settings
    try:
        found = suggest(request.query_params.get("text", ""), _snapshot(settings))
    except Exception as exc:
        return _error(exc, settings)
    return JSONResponse(
        [{"text": s.text, "replace": s.replace, "kind": s.kind, "meta": s.meta} for s in found[:MAX_SUGGESTIONS]]
    )
