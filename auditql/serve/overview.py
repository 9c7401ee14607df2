"""The archive page and the timeline: what the archive holds (vendors, files, rejects, custody), and when
the current query's events happened, per vendor. Both only ask the facade (auditql/api/).

The timeline's buckets come from DuckDB (`api.time_buckets`, the same counting the REPL's `.timeline`
uses); this module adds the empty buckets between them, so a quiet hour shows as a gap on a real time axis
and is never skipped.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import islice

from starlette.requests import Request
from starlette.responses import JSONResponse

from auditql import api
from auditql.query import paging
from auditql.serve.views import Settings, _cell, _error, _prepared, _reader

# Bucket widths the timeline picks from (fixed lengths, so empty buckets can be filled by adding one), and
# about how many buckets it aims for across the result's span.
STEPS = {
    "1 minute": timedelta(minutes=1),
    "5 minutes": timedelta(minutes=5),
    "15 minutes": timedelta(minutes=15),
    "1 hour": timedelta(hours=1),
    "3 hours": timedelta(hours=3),
    "12 hours": timedelta(hours=12),
    "1 day": timedelta(days=1),
    "7 days": timedelta(days=7),
    "30 days": timedelta(days=30),
    "91 days": timedelta(days=91),
    "365 days": timedelta(days=365),
}
TARGET_BUCKETS = 60
MAX_BUCKETS = 2000
REJECTS_SHOWN = 200


def choose_step(first: datetime, last: datetime) -> str:
    span = last - first
    for name, width in STEPS.items():
        if span / width <= TARGET_BUCKETS:
            return name
    return "365 days"


def _step(first: datetime | None, last: datetime | None) -> tuple[str, str]:
    """The bucket for the span (api.time_buckets asks once it knows the span)."""
    return (choose_step(first, last) if first is not None and last is not None else "1 day"), ""


# The one series of a result without a `vendor` column (SQL such as `SELECT time, action FROM events`).
UNSPLIT = "events"


def timeline(request: Request) -> JSONResponse:
    """Counts per bucket of the current query, stacked by vendor: `{step, vendors, buckets: [[start, {vendor:
    n}]]}`; a result without a `vendor` column is one series (UNSPLIT), one without a `time` column says so."""
    settings: Settings = request.app.state.settings
    try:
        with _reader(settings, request.query_params.get("run")) as con:
            t = _prepared(con, request)
            split = "vendor" in api.run(con, paging.described(t), timeout=settings.timeout).columns
            vendors = [v for v, _ in api.run(con, paging.vendors(t), timeout=settings.timeout).rows] if split else []
            step, _, rows, axis = api.time_buckets(con, t.sql, t.params, bool(vendors), (None, None), _step)
            counts: dict[datetime, dict[str, int]] = {}
            for start, vendor, n in rows:
                counts.setdefault(start, {})[str(vendor) if vendors else UNSPLIT] = n
    except Exception as exc:
        return _error(exc, settings)
    width = STEPS.get(step, timedelta(days=1))
    return JSONResponse(
        {
            "step": step,
            "seconds": width.total_seconds(),
            "vendors": [str(v) for v in vendors] or [UNSPLIT],
            "buckets": [[_cell(b, "TIMESTAMP WITH TIME ZONE"), counts.get(b, {})] for b in axis[:MAX_BUCKETS]],
        }
    )


def archive_page(request: Request) -> JSONResponse:
    """Vendors (events added, first and last time), every ingested file, the first rejects."""
    settings: Settings = request.app.state.settings
    try:
        with _reader(settings) as con:
            sources = api.listing(con, "sources")
            with api.stream_listing(con, "rejects") as rejected:
                first = [r for batch in islice(rejected.batches(), 1) for r in batch][:REJECTS_SHOWN]
                reject_columns, reject_types = rejected.columns, rejected.types
    except Exception as exc:
        return _error(exc, settings)
    files = [dict(zip(sources.columns, r, strict=True)) for r in sources.rows]
    vendors: dict[str, dict] = {}
    for f in files:
        if f.get("vendor") is None:
            continue
        v = vendors.setdefault(
            str(f["vendor"]), {"vendor": str(f["vendor"]), "files": 0, "events": 0, "first": None, "last": None}
        )
        v["files"] += 1
        v["events"] += int(f.get("added") or 0)
        for key, pick in (("first", min), ("last", max)):
            t = f.get(f"{key}_time")
            if t is not None:
                v[key] = t if v[key] is None else pick(v[key], t)
    for v in vendors.values():
        v["first"], v["last"] = _cell(v["first"], "TIMESTAMP"), _cell(v["last"], "TIMESTAMP")
    return JSONResponse(
        {
            "vendors": sorted(vendors.values(), key=lambda v: -v["events"]),
            "sources": {
                "columns": sources.columns,
                "rows": [[_cell(v, ty) for v, ty in zip(r, sources.types, strict=True)] for r in sources.rows],
            },
            "rejects": {
                "columns": reject_columns,
                "rows": [[_cell(v, ty) for v, ty in zip(r, reject_types, strict=True)] for r in first],
                "shown": len(first),
            },
        }
    )


def verification(request: Request) -> JSONResponse:
    """`auditql verify` on the archive (source files re-hashed where still present), with the head hash."""
    settings: Settings = request.app.state.settings
    try:
        result = api.verify(settings.db)
    except Exception as exc:
        return _error(exc, settings)
    return JSONResponse(
        {
            "ok": result.ok,
            "head": result.head,
            "entries": result.entries,
            "events": result.events,
            "rehashed": result.rehashed,
            "problems": result.problems,
            "warnings": result.warnings,
            "files": len(result.files),
        }
    )
