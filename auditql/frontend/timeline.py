"""When did it happen? A time histogram of a query's events, counted by DuckDB, drawn as text bars.

Shared by `auditql timeline`, the REPL's `.timeline` and the notebook result's `.timeline()`, so all count
the same way: the query's SQL is wrapped, bucketed with `time_bucket`, and counted — never re-counted in
Python. The time axis is real: DuckDB also lists every bucket between the first and the last, so a quiet
decade shows as empty buckets instead of 2015 sitting directly above 2025. A bucket too fine for the span
(a day over ten years) is replaced by a coarser one, and the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from auditql import api
from auditql.errors import UsageError
from auditql.output import Table, iso_time
from auditql.sql import duration

INTERVALS = {
    "minute": "1 minute", "hour": "1 hour", "day": "1 day", "week": "1 week", "month": "1 month", "year": "1 year",
}  # fmt: skip
_INTERVAL_UNITS = {
    spelled: unit
    for unit, spellings in {"minute": ("m", "min"), "hour": ("h",), "day": ("d",), "week": ("w",)}.items()
    for spelled in (*spellings, unit, unit + "s")
}  # `15m`, `15 min`, `15 minutes`, `6h`, `2 days`, `1w` …
AUTO_STEPS = ("1 minute", "10 minutes", "1 hour", "6 hours", "1 day", "1 week", "1 month", "1 year")
TARGET_BUCKETS = 40  # an automatic interval aims at about this many buckets
MAX_BUCKETS = 400  # a chosen interval giving more than this over the span is made coarser (and said so)
_SECONDS = {"minute": 60, "hour": 3600, "day": 86400, "week": 604800, "month": 2629746, "year": 31556952}
_INSTANT = timedelta(microseconds=1)  # `until` is exclusive: its last bucket is the one just before it
GLYPHS = "█▓▒░#=+*"  # one per vendor in a stacked text bar; the legend says which


@dataclass
class Timeline:
    interval: str
    buckets: list[tuple[datetime, int]]  # the buckets holding events, in time order
    axis: list[datetime] = field(default_factory=list)  # every bucket from the first to the last, empty too
    by_vendor: dict[str, dict[datetime, int]] = field(default_factory=dict)  # vendor -> bucket -> events
    note: str = ""  # why the interval is not the one asked for

    @property
    def total(self) -> int:
        return sum(n for _, n in self.buckets)

    def filled(self) -> list[tuple[datetime, int]]:
        """Every bucket of the axis with its count, 0 for the empty ones."""
        counts = dict(self.buckets)
        return [(start, counts.get(start, 0)) for start in self.axis or [s for s, _ in self.buckets]]

    def bars(self, width: int = 50) -> str:
        """One line per bucket of the time axis (empty ones too): start time, count, and a bar scaled to the
        largest bucket; split by vendor, the bar is stacked, one glyph per vendor, and the legend says which."""
        if not self.buckets:
            return "(no events)"
        rows = self.filled()
        peak = max(n for _, n in rows)
        digits = len(str(peak))
        lines = [f"interval {self.interval}, {self.total} events" + (f" ({self.note})" if self.note else "")]
        vendors = sorted(self.by_vendor)
        if vendors:
            lines.append("  ".join(f"{GLYPHS[i % len(GLYPHS)]} {v}" for i, v in enumerate(vendors)))
        for start, n in rows:
            if vendors:
                bar = _stacked([self.by_vendor[v].get(start, 0) for v in vendors], peak, width)
            else:
                bar = "█" * _length(n, peak, width)
            lines.append(f"{iso_time(start)}  {str(n).rjust(digits)}  {bar}".rstrip())
        return "\n".join(lines)

    def table(self) -> Table:
        """The histogram as rows (bucket start, events, and one column per vendor when split), for csv/json."""
        vendors = sorted(self.by_vendor)
        rows = [(start, n, *(self.by_vendor[v].get(start, 0) for v in vendors)) for start, n in self.filled()]
        return Table(["bucket", "events", *vendors], ["TIMESTAMP WITH TIME ZONE", *["BIGINT"] * (1 + len(vendors))],
                     rows)  # fmt: skip


def _length(n: int, peak: int, width: int) -> int:
    return max(1 if n else 0, round(n / peak * width))


def _stacked(counts: list[int], peak: int, width: int) -> str:
    """One bar of `sum(counts)`, each vendor's part in its glyph; cut where the running total falls, so the
    bar is as long as an unsplit one (a vendor with any event keeps at least one glyph)."""
    bar, done, shown = "", 0, 0
    for i, n in enumerate(counts):
        done += n
        end = max(shown + (1 if n else 0), round(done / peak * width))
        bar += GLYPHS[i % len(GLYPHS)] * (end - shown)
        shown = end
    return bar


def parse_interval(text: str | None) -> str | None:
    """`hour`, `day`, `month`, `year`, `15m`, `6h`, `2d`, `1w` or a DuckDB interval like `30 minutes`;
    None means automatic."""
    if not text:
        return None
    text = text.strip().lower()
    if text in INTERVALS:
        return INTERVALS[text]
    parsed = duration(text, _INTERVAL_UNITS)
    if not parsed or not parsed[0]:
        raise UsageError(f"{text!r} is not an interval. Try one of: {', '.join(INTERVALS)}, 15m, 6h, 2d")
    return f"{parsed[0]} {parsed[1]}s"


def timeline(
    con: api.Connection,
    sql: str,
    params: list | dict | None = None,
    interval: str | None = None,
    by_vendor: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Timeline:
    """Histogram of the `time` column of `sql` (a translated query) in buckets of `interval`, with the time
    axis from its first to its last bucket, or over the whole window `since`..`until` (exclusive) when
    given; `by_vendor` counts each vendor apart (the result needs a `vendor` column). Counted by the facade
    where user SQL runs (api.time_buckets)."""
    asked = parse_interval(interval)
    window = (since, (until - _INSTANT) if until else None)
    step, note, rows, axis = api.time_buckets(
        con, sql, params, by_vendor, window, lambda first, last: _step(asked, first, last)
    )
    totals: dict[datetime, int] = {}
    split: dict[str, dict[datetime, int]] = {}
    for bucket, who, n in rows:
        totals[bucket] = totals.get(bucket, 0) + n
        if by_vendor:
            split.setdefault(who if who is not None else "(none)", {})[bucket] = n
    return Timeline(step, sorted(totals.items()), axis, split, note)


def _step(asked: str | None, first: datetime | None, last: datetime | None) -> tuple[str, str]:
    """The interval to count by, and a note when it is not the one asked for."""
    if first is None or last is None:
        return asked or "1 day", ""
    seconds = max((last - first).total_seconds(), 1)
    if asked is None:
        return next((s for s in AUTO_STEPS if seconds / _step_seconds(s) <= TARGET_BUCKETS), "1 year"), ""
    if seconds / _step_seconds(asked) <= MAX_BUCKETS:
        return asked, ""
    coarser = next((s for s in AUTO_STEPS if seconds / _step_seconds(s) <= MAX_BUCKETS), "1 year")
    many = int(seconds // _step_seconds(asked)) + 1
    return coarser, f"{asked} would make {many:,} buckets over this span: counted per {coarser}"


def _step_seconds(step: str) -> float:
    n, unit = step.split()
    return int(n) * _SECONDS[unit.rstrip("s")]
