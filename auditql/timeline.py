"""When did it happen? A time histogram of a query's events, counted by DuckDB, drawn as text bars.

Shared by the REPL's `.timeline` and the notebook result's `.timeline()`, so both count the same way: the
last query's SQL is wrapped, bucketed with `time_bucket`, and counted — never re-counted in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from auditql import api
from auditql.errors import UsageError
from auditql.output import iso_time
from auditql.sql import duration

INTERVALS = {"minute": "1 minute", "hour": "1 hour", "day": "1 day", "week": "1 week", "month": "1 month"}
_INTERVAL_UNITS = {
    spelled: unit
    for unit, spellings in {"minute": ("m", "min"), "hour": ("h",), "day": ("d",), "week": ("w",)}.items()
    for spelled in (*spellings, unit, unit + "s")
}  # `15m`, `15 min`, `15 minutes`, `6h`, `2 days`, `1w` …
AUTO_STEPS = ("1 minute", "10 minutes", "1 hour", "6 hours", "1 day", "1 week", "1 month", "1 year")
TARGET_BUCKETS = 40


@dataclass
class Timeline:
    interval: str
    buckets: list[tuple[datetime, int]]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.buckets)

    def bars(self, width: int = 50) -> str:
        """One line per bucket: start time, count, and a bar scaled to the largest bucket."""
        if not self.buckets:
            return "(no events)"
        peak = max(n for _, n in self.buckets)
        digits = len(str(peak))
        lines = [f"interval {self.interval}, {self.total} events"]
        for start, n in self.buckets:
            bar = "█" * max(1 if n else 0, round(n / peak * width))
            lines.append(f"{iso_time(start)}  {str(n).rjust(digits)}  {bar}")
        return "\n".join(lines)


def parse_interval(text: str | None) -> str | None:
    """`hour`, `day`, `15m`, `6h`, `2d`, `1w` or a DuckDB interval like `30 minutes`; None means automatic."""
    if not text:
        return None
    text = text.strip().lower()
    if text in INTERVALS:
        return INTERVALS[text]
    parsed = duration(text, _INTERVAL_UNITS)
    if not parsed:
        raise UsageError(f"{text!r} is not an interval. Try one of: {', '.join(INTERVALS)}, 15m, 6h, 2d")
    return f"{parsed[0]} {parsed[1]}s"


def timeline(con: api.Connection, sql: str, params: list | dict | None = None, interval: str | None = None) -> Timeline:
    """Histogram of the `time` column of `sql` (a translated query) in buckets of `interval`, counted by the
    facade where user SQL runs (api.time_buckets)."""
    step, buckets = api.time_buckets(con, sql, params, parse_interval(interval), _auto_step)
    return Timeline(step, buckets)


def _auto_step(first: datetime, last: datetime) -> str:
    seconds = max((last - first).total_seconds(), 1)
    sizes = {
        "minute": 60,
        "minutes": 60,
        "hour": 3600,
        "hours": 3600,
        "day": 86400,
        "week": 604800,
        "month": 2592000,
        "year": 31536000,
    }
    for step in AUTO_STEPS:
        n, unit = step.split()
        if seconds / (int(n) * sizes[unit]) <= TARGET_BUCKETS:
            return step
    return "1 year"
