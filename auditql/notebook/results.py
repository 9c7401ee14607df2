"""What a notebook gets back from a query: the rows, plus ways to hand them on (Arrow, pandas, polars), a
display that is safe to render, and "when did it happen" as a timeline.

It lives apart from the magic because none of it needs IPython: the magic parses a line and calls
`query`; this module turns the core's answer into something a notebook can show and convert. A result
keeps the archive's path and the query (as asked and as translated), never a connection: DuckDB lets
one writer lock out every reader, so a notebook that sat on the archive would block the next ingest.
What needs the archive again (a timeline) re-opens it read-only for as long as that takes.

Audit fields are attacker-controlled text: every header and value is HTML-escaped before display.
"""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditql import api
from auditql.errors import UsageError
from auditql.frontend import timeline as histogram
from auditql.output import Table, draw, footer_text, is_terminal, iso_time
from auditql.output.html import escape, html_table
from auditql.query import Translation

DISPLAY_ROWS = 50  # rows a result shows; all rows stay in the result
# How `%auditql` raises its row limit, for the footer of a result that a limit cut.
LIMIT_HINT = "%auditql --limit N"


class Namespace(Mapping[str, object]):
    """The notebook's own variables, as the values a query's placeholders may bind.

    Looked up only for the names a query uses (and remembered in `used`, so a result can be asked again
    with the values it was bound to); IPython's own variables and `_private` names are not offered. Which
    values can be bound (str, numbers, bool, None, date/datetime, lists inside IN) is the translator's call.
    """

    def __init__(self, scopes: Iterable[Mapping[str, Any]], hidden: Iterable[str] = ()):
        self.scopes = list(scopes)
        self.hidden = set(hidden)
        self.used: dict[str, object] = {}

    def __getitem__(self, name: str) -> object:
        if not name.startswith("_") and name not in self.hidden:
            for scope in reversed(self.scopes):
                if name in scope:
                    self.used[name] = scope[name]
                    return scope[name]
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        names = {n for s in self.scopes for n in s}
        return iter(sorted(n for n in names if not n.startswith("_") and n not in self.hidden))

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass(frozen=True)
class Request:
    """What was asked, kept so the result can be asked again (e.g. without the row limit)."""

    text: str
    options: Mapping[str, Any] = field(default_factory=dict)

    def prepare(self, con: Any, limit: int | None = None) -> Translation:
        return api.prepare(con, self.text, limit=limit, **self.options)

    def pinned(self) -> Request:
        """The same request bound to the values its placeholders had, not the variables' later ones."""
        params = self.options.get("params")
        if isinstance(params, Namespace):
            return Request(self.text, {**self.options, "params": dict(params.used)})
        return self


def explain(db: Path, request: Request, limit: int | None = None) -> Translation:
    """The translation a query would run, without running it."""
    with api.opened(db) as con:
        return request.prepare(con, limit)


def query(db: Path, request: Request, limit: int | None = None, timeout: float | None = api.DEFAULT_TIMEOUT) -> Result:
    """Run one query on the archive at `db` (read-only, closed again before returning); cancelled after
    `timeout` seconds (None or 0: no limit), so a runaway query cannot hang the kernel."""
    with api.opened(db) as con:
        translation = request.prepare(con, limit)
        answer = api.run(con, translation, limit, timeout)
    return Result(**vars(answer), db=db, translation=translation, request=request.pinned())


@dataclass(repr=False, eq=False)
class Result(api.Result):
    """Rows of one query (`len()`, iteration as tuples, `.dicts()`), its `.sql`, and conversions."""

    db: Path | None = None
    translation: Translation | None = None
    request: Request | None = None

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.rows)

    def to_arrow(self) -> Any:
        """A pyarrow.Table of exactly these rows, typed as DuckDB types them (VARCHAR → string, …).

        Built from the rows already fetched, not by running the query again: an ingest since, or `now()`
        in the query, would otherwise give rows this result never showed.
        """
        import pyarrow as pa

        values = list(zip(*self.rows, strict=True)) if self.rows else [() for _ in self.columns]
        arrays = [_arrow_array(list(v), t) for v, t in zip(values, self.types, strict=True)]
        return pa.Table.from_arrays(arrays, names=self.columns)

    def to_pandas(self) -> Any:
        """A pandas.DataFrame (needs pandas: `pip install 'auditql[pandas]'`)."""
        _require("pandas", "to_pandas")
        return self.to_arrow().to_pandas()

    def to_polars(self) -> Any:
        """A polars.DataFrame (needs polars: `pip install 'auditql[polars]'`)."""
        polars = _require("polars", "to_polars")
        return polars.from_arrow(self.to_arrow())

    def timeline(self, interval: str | None = None) -> Timeline:
        """Events per `interval` (`hour`, `day`, `15m`, `6h`, … ; automatic when None), counted by DuckDB.

        Counts every event the query matches, including those a `--limit` kept out of the rows (and
        whatever `--columns` chose to show).
        """
        if self.db is None or self.request is None:
            raise UsageError("this result does not know its archive; run the query with %auditql")
        every_match = Request(self.request.text, {**self.request.options, "columns": None})
        with api.opened(self.db) as con:
            t = every_match.prepare(con)
            counted = histogram.timeline(con, t.sql, t.params, interval)
        return Timeline(counted.interval, counted.buckets, counted.axis, counted.by_vendor, counted.note)

    def summary(self) -> str:
        shown = f"; showing the first {DISPLAY_ROWS}" if len(self.rows) > DISPLAY_ROWS else ""
        return footer_text(self.row_count(), limit_hint=LIMIT_HINT) + shown

    def __repr__(self) -> str:
        """The first rows as the terminal table draws them, fitted to the terminal in IPython's console (or to
        $COLUMNS); in a notebook kernel, which has no terminal, the text view is as wide as its values."""
        keep = list(range(len(self.columns)))
        if set(api.TABLE_COLUMNS) < set(self.columns):  # a whole canonical row is unreadable in a terminal
            keep = [self.columns.index(c) for c in api.TABLE_COLUMNS]
        page = Table([self.columns[i] for i in keep], [self.types[i] for i in keep],
                     [[row[i] for i in keep] for row in self.rows[:DISPLAY_ROWS]])  # fmt: skip
        fits = "COLUMNS" in os.environ or is_terminal(sys.stdout)
        text, shown = draw(page, "table", width=shutil.get_terminal_size().columns if fits else None)
        more = f", {len(self.columns)} columns ({shown.columns_shown} shown: see .columns, .dicts(), .to_arrow())"
        return text + self.summary() + (more if shown.columns_shown < len(self.columns) else "")

    def _repr_html_(self) -> str:
        return html_table(self, DISPLAY_ROWS, self.summary())


class Timeline(histogram.Timeline):
    """A time histogram that shows itself: text bars in a terminal, a table (and a chart) in a notebook."""

    def __repr__(self) -> str:
        return self.bars()

    def _repr_html_(self) -> str:
        rows = "".join(
            f'<tr><td style="white-space:nowrap">{iso_time(start)}</td><td style="text-align:right">{n}</td></tr>'
            for start, n in self.buckets
        )
        table = (
            f'<table class="auditql-timeline"><thead><tr><th>{escape(self.interval)} from</th>'
            f'<th style="text-align:right">events</th></tr></thead><tbody>{rows}</tbody></table>'
            f"<p>{self.total} events in {len(self.buckets)} buckets of {escape(self.interval)}</p>"
        )
        try:
            figure = self.chart()
        except UsageError:
            return table
        png = io.BytesIO()
        figure.savefig(png, format="png", bbox_inches="tight")
        data = base64.b64encode(png.getvalue()).decode("ascii")
        return f'<img alt="events per {escape(self.interval)}" src="data:image/png;base64,{data}"/>' + table

    def chart(self) -> Any:
        """A matplotlib Figure of the histogram (needs matplotlib)."""
        _require("matplotlib", "chart")
        from matplotlib.figure import Figure

        figure = Figure(figsize=(8, 2.5))
        axes = figure.subplots()
        n, unit = self.interval.split()
        days = int(n) * _UNIT_DAYS[unit.rstrip("s")]
        axes.bar([s for s, _ in self.buckets], [c for _, c in self.buckets], width=days * 0.9, align="edge")
        axes.set_ylabel("events")
        axes.set_title(f"events per {self.interval}")
        figure.autofmt_xdate()
        return figure


def _arrow_array(values: list, duckdb_type: str) -> Any:
    """One column as Arrow, with the type DuckDB's own Arrow export gives it; nested types are inferred."""
    import pyarrow as pa

    if duckdb_type == "UUID":
        values = [None if v is None else str(v) for v in values]
    if m := re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", duckdb_type):
        return pa.array(values, type=pa.decimal128(int(m[1]), int(m[2])))
    types = {
        "VARCHAR": pa.string(), "JSON": pa.string(), "UUID": pa.string(), "BLOB": pa.binary(),
        "BOOLEAN": pa.bool_(), "TINYINT": pa.int8(), "SMALLINT": pa.int16(), "INTEGER": pa.int32(),
        "BIGINT": pa.int64(), "UBIGINT": pa.uint64(), "UINTEGER": pa.uint32(), "HUGEINT": pa.decimal128(38, 0),
        "FLOAT": pa.float32(), "DOUBLE": pa.float64(), "DATE": pa.date32(), "TIME": pa.time64("us"),
        "TIMESTAMP": pa.timestamp("us"), "TIMESTAMP WITH TIME ZONE": pa.timestamp("us", tz="UTC"),
        "INTERVAL": pa.month_day_nano_interval(),
    }  # fmt: skip
    return pa.array(values, type=types.get(duckdb_type))


_UNIT_DAYS = {"minute": 1 / 1440, "hour": 1 / 24, "day": 1, "week": 7, "month": 30, "year": 365}


def _require(module: str, method: str) -> Any:
    """Import an optional library, or say in one line how to get it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise UsageError(f"{method}() needs {module}, which is not installed: pip install {module}") from None
