"""The web view's JSON API: each endpoint parses its parameters, calls the facade (auditql/api/) and returns rows as
text. No SQL here and no DuckDB: queries are translated, sandboxed, timed out and memory-limited exactly as
`auditql query` runs them; paging and the magnifier's query edits come from the query core
(query/paging.py, query/refine.py).

Every cell goes to the browser as text (times as ISO 8601 UTC with `Z`, JSON compact) or as JSON null:
NULL and the empty string stay different, and the page puts the text in `textContent`, never in HTML.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from auditql import api
from auditql.errors import AuditqlError, QueryError, environment_error
from auditql.output import cell_text, plain
from auditql.query import paging
from auditql.query.forms import is_statement
from auditql.query.refine import narrowed
from auditql.serve.marks import EVERY, Marks
from auditql.serve.readers import Readers, Translations, archive_state
from auditql.sql import error_line

PAGE_ROWS = 200


@dataclass(frozen=True)
class Settings:
    db: Path
    timeout: float | None = api.DEFAULT_TIMEOUT
    memory_limit: int | None = None
    mark_every: int = EVERY  # rows between the marks a jump starts from (marks.py)
    # one server's warm readers, kept translations (readers.py) and each result's marks (marks.py); made
    # with the settings, never compared
    readers: Readers = field(init=False, compare=False, repr=False)
    translations: Translations = field(init=False, compare=False, repr=False)
    marks: Marks = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "readers", Readers(self.db, self.memory_limit))
        object.__setattr__(self, "translations", Translations())
        object.__setattr__(self, "marks", Marks(self.mark_every))


# The readers of the queries running now, by the run id the page gives each query (`run=`), so that
# `/api/cancel?run=…` can interrupt them (the page's Cancel button, or a new query replacing an old one).
# A cancelled id stays cancelled: a request of that run arriving after the cancel is refused too.
_RUNNING: dict[str, list[api.Connection]] = {}
_CANCELLED: dict[str, None] = {}  # insertion-ordered: the oldest are forgotten beyond CANCELLED_KEPT
CANCELLED_KEPT = 1000
CANCEL_SECONDS = 30.0
_RUNNING_LOCK = threading.Lock()


@contextmanager
def _reader(settings: Settings, run: str | None = None) -> Iterator[api.Connection]:
    """A reader for one request (a warm one from the server's pool), registered under `run` for Cancel until
    it goes back: the pool checks a reader that saw a failure or a cancel only after it left `_RUNNING`."""
    with settings.readers.borrowed() as con:
        if run:
            with _RUNNING_LOCK:
                if run in _CANCELLED:
                    raise QueryError("query cancelled")
                _RUNNING.setdefault(run, []).append(con)
        try:
            yield con
        except Exception:
            # Cancel interrupts a reader wherever it is, also while the catalog is read or the query
            # translated, where DuckDB's interrupt is not a query's: it is still the user's cancel.
            with _RUNNING_LOCK:
                cancelled = bool(run) and run in _CANCELLED
            if cancelled:
                raise QueryError("query cancelled") from None
            raise
        finally:
            if run:
                with _RUNNING_LOCK:
                    readers = _RUNNING.get(run, [])
                    if con in readers:
                        readers.remove(con)
                    if not readers:
                        _RUNNING.pop(run, None)


def progress_of(run: str) -> float:
    """DuckDB's estimate of how far the furthest query of `run` has got, in percent; -1 when none runs or
    DuckDB cannot tell. Asked under the lock, so a reader is never closed while it is being asked."""
    with _RUNNING_LOCK:
        return max((api.query_progress(con) for con in _RUNNING.get(run, [])), default=-1.0)


def cancel(request: Request) -> JSONResponse:
    """Interrupt every query running under `run`, and refuse any that starts later. DuckDB ignores an
    interrupt that arrives before a query executes (while it is still being translated), so the readers
    are interrupted again until they are released. Each interrupt is sent under the lock that releasing a
    reader takes: once a reader has left the run (back to the pool, or on to another request) no interrupt
    of this run can reach it. Says how many were running when asked."""
    run = request.query_params.get("run", "")
    with _RUNNING_LOCK:
        _CANCELLED[run] = None
        while len(_CANCELLED) > CANCELLED_KEPT:
            _CANCELLED.pop(next(iter(_CANCELLED)))
        found = len(_RUNNING.get(run, []))
    deadline = time.monotonic() + CANCEL_SECONDS
    while time.monotonic() < deadline:
        with _RUNNING_LOCK:
            readers = _RUNNING.get(run, [])
            for con in readers:
                api.interrupt(con)
            busy = bool(readers)
        if not busy:
            break
        time.sleep(0.05)
    return JSONResponse({"cancelled": found})


def _error(exc: Exception, settings: Settings) -> JSONResponse:
    """One clear message (and for a query, the caret's position), never a traceback."""
    if isinstance(exc, QueryError):
        body = {"message": exc.message, "query": exc.query, "line": exc.line, "col": exc.col, "text": exc.render()}
        return JSONResponse({"error": body}, status_code=400)
    if isinstance(exc, AuditqlError):
        return JSONResponse({"error": {"message": str(exc), "text": f"error: {exc}"}}, status_code=400)
    explained = environment_error(exc, settings.db)
    if explained is None:  # a bug: said plainly on the page, with its traceback on the server's stderr
        traceback.print_exception(exc)
        text = f"internal error: {type(exc).__name__}: {error_line(exc)} (the server printed details; please report)"
        return JSONResponse({"error": {"message": text, "text": text}}, status_code=500)
    return JSONResponse({"error": {"message": str(explained), "text": f"error: {explained}"}}, status_code=503)


def _cell(value: Any, column_type: str) -> str | None:
    return None if value is None else cell_text(value, column_type)


def _picked(request: Request) -> list[str] | None:
    return [c.strip() for c in request.query_params.get("columns", "").split(",") if c.strip()] or None


def _prepared(con: api.Connection, request: Request, table_view: bool = True, helpers: tuple[str, ...] = ()) -> Any:
    """The query of a request (`q`, `since`, `until`, `vendor`, `columns`) translated for this archive.
    `columns` is `--columns`: comma-separated canonical names or raw fields (for SQL, which result columns).
    table_view: without `columns`, the WHERE and REST forms show the columns a person reads (as on a
    terminal); with or without, the grid also gets `event_key`, which opens the record, and `helpers` (the
    columns its pages are keyed by: `added_helpers` says which to drop before answering). A download
    (table_view False) carries every column, or exactly `columns`, as `auditql query --format csv` does."""
    q = request.query_params
    since, until = q.get("since") or None, q.get("until") or None
    options: dict[str, Any] = dict(
        since=api.parse_when(since) if since else None,
        until=api.parse_when(until) if until else None,
        vendor=q.get("vendor") or None,
    )
    text = q.get("q", "").strip() or "TRUE"  # no query: every event (in the time range), as `query --since`
    picked = _picked(request)

    def translated() -> Any:
        shown = picked or list(api.TABLE_COLUMNS)
        grid = [*shown, *dict.fromkeys(c for c in ("event_key", *helpers) if c not in shown)]
        if table_view and not is_statement(text):  # the WHERE form: its columns are known, translated once
            return api.prepare(con, text, columns=grid, **options)
        t = api.prepare(con, text, columns=picked, **options)
        if table_view and t.form != "sql":  # the REST form, known once translated
            t = api.prepare(con, text, columns=grid, **options)
        return t

    settings: Settings = request.app.state.settings
    # a relative `since` (7d) is a new time at each request, so such a query is translated each time
    key = (archive_state(settings.db), text, tuple(picked or ()), tuple(options.values()), table_view, helpers)
    return settings.translations.get(key, translated)


def moving(request: Request) -> bool:
    """Whether the request's time range moves with the clock (`since=7d`): its result is a new one at each
    request, so nothing read for it (a result's marks, marks.py) holds for the next request."""
    epochs = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2001, 1, 1, tzinfo=UTC))
    texts = [t for t in (request.query_params.get("since"), request.query_params.get("until")) if t]
    return any(len({api.parse_when(t, now) for now in epochs}) > 1 for t in texts)


def added_helpers(request: Request, form: str, helpers: tuple[str, ...]) -> set[str]:
    """The helper columns `_prepared` added that the user did not ask for (event_key stays: it opens the
    record)."""
    if form == "sql":
        return set()
    shown = _picked(request) or list(api.TABLE_COLUMNS)
    return {h for h in helpers if h != "event_key" and h not in shown}


def _number(request: Request, name: str, default: int) -> int:
    try:
        return int(request.query_params.get(name, default))
    except ValueError:
        raise QueryError(f"{name} must be a whole number") from None


def row_count(request: Request) -> JSONResponse:
    """How many rows the query gives (asked once per query, after its first page is shown)."""
    settings: Settings = request.app.state.settings
    try:
        with _reader(settings, request.query_params.get("run")) as con:
            result = api.run(con, paging.counted(_prepared(con, request)), timeout=settings.timeout)
    except Exception as exc:
        return _error(exc, settings)
    return JSONResponse({"rows": int(result.rows[0][0])})


def _typed(text: str | None, column_type: str) -> Any:
    """A cell's text back as the value it shows (the magnifier filters on it)."""
    if text is None:
        return None
    kind = column_type.upper()
    try:
        if kind in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT"):
            return int(text)
        if kind in ("DOUBLE", "FLOAT", "REAL") or kind.startswith("DECIMAL"):
            return float(text)
    except ValueError:
        return text
    if kind == "BOOLEAN":
        return text == "True"
    return text


def magnify(request: Request) -> JSONResponse:
    """The query narrowed to (or excluding) one cell's value, as text for the query box: `q`, `column`,
    `type`, `value` (JSON: a string or null), `exclude`."""
    q = request.query_params
    settings: Settings = request.app.state.settings
    try:
        value = json.loads(q.get("value", "null"))
        if value is not None and not isinstance(value, str):
            raise QueryError("the value to filter on must be a cell's text or null")
        column_type = q.get("type", "")
        text = narrowed(
            q.get("q", ""),
            q.get("column", ""),
            _typed(value, column_type),
            exclude=q.get("exclude") == "1",
            column_type=column_type,
        )
    except ValueError:
        return _error(QueryError("the value to filter on is not JSON"), settings)
    except Exception as exc:
        return _error(exc, settings)
    return JSONResponse({"query": text})


def record(request: Request) -> JSONResponse:
    """One event by its key: the canonical fields, the raw record, and every file that delivered it."""
    settings: Settings = request.app.state.settings
    key = request.query_params.get("key", "")
    try:
        with _reader(settings) as con:
            t = api.prepare(con, narrowed("", "event_key", key))
            found = api.run(con, t, limit=1, timeout=settings.timeout)
            if not found.rows:
                raise QueryError("no event has this key (was the archive changed?)")
            deliveries = api.listing(con, "deliveries", [key])
    except Exception as exc:
        return _error(exc, settings)
    row = dict(zip(found.columns, found.rows[0], strict=True))
    types = dict(zip(found.columns, found.types, strict=True))
    raw = plain(row.pop("raw"), "JSON")
    return JSONResponse(
        {
            "fields": {c: _cell(v, types[c]) for c, v in row.items()},
            "raw": raw,
            # pretty-printed here, not in the browser: JavaScript would round integers beyond 2^53 (ids)
            "raw_text": json.dumps(raw, indent=2, ensure_ascii=False),
            "deliveries": [
                {
                    c: _cell(v, ty)
                    for c, v, ty in zip(deliveries.columns, d, deliveries.types, strict=True)
                    if c != "raw"
                }
                for d in deliveries.rows
            ],
        }
    )
