"""The grid's rows: one page of a query's result at any depth, in its own order or sorted by a clicked
column, and how far a running query has got.

Deep pages cost what the first page costs: each page comes back with the sort key of its first and last
rows (`first`, `last`, an opaque cursor to the browser), and the page next to it is asked `after` or `before`
that key (a keyset, query/paging.py), never `OFFSET` 900,000. A jump to a row with no page loaded next to it
(the scrollbar dragged far) finds the key of the row before it from the result's marks (marks.py: the key of
every 1,000th row, read once per result), then reads by keyset; near the top, by a narrow OFFSET of fewer
than 1,000 rows. An order that does not end with the event's file and row has no such key: its pages (and
jumps) go by OFFSET, and the answer says `keyset: false`.

The cursor comes back from the browser, so it is decoded into plain values of a few tagged kinds and only
ever bound as query parameters.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from auditql import api
from auditql.errors import QueryError
from auditql.query import paging
from auditql.serve import views
from auditql.serve.readers import archive_state

# The columns that name one event: its file and its record's position there. Not event_key: two identical
# lines of one export are two events with one content key. The grid asks for them (and for event_key,
# which opens the record) when the user's columns lack them, and drops them before answering.
UNIQUE = ("source_file", "source_row")
HELPERS = ("event_key", *UNIQUE)


def _tagged(value: object) -> list[str] | bool | None:
    """A key value as JSON that comes back exactly (False: a kind the cursor cannot carry)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ["b", "1" if value else "0"]
    if isinstance(value, int):
        return ["i", str(value)]
    if isinstance(value, float):
        return ["f", repr(value)]
    if isinstance(value, Decimal):
        return ["n", str(value)]
    if isinstance(value, datetime):
        return ["t", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    if isinstance(value, str):
        return ["s", value]
    return False


_READ: dict[str, Callable[[str], object]] = {
    "b": lambda s: s == "1",
    "i": int,
    "f": float,
    "n": Decimal,
    "t": datetime.fromisoformat,
    "d": date.fromisoformat,
    "s": str,
}


def _cursor(row: tuple, positions: list[int]) -> list | None:
    key = [_tagged(row[i]) for i in positions]
    return None if any(k is False for k in key) else key


def _key(text: str) -> list[object]:
    """A cursor from the browser back as values, or a plain refusal."""
    try:
        key = json.loads(text)
        if not isinstance(key, list):
            raise ValueError
        return [None if k is None else _READ[k[0]](k[1]) for k in key]
    except (ValueError, KeyError, IndexError, TypeError):
        raise QueryError("this page's position is not one the server gave: run the query again") from None


def _order(request: Request, t: Any, columns: list[str], types: list[str]) -> tuple[list[tuple[str, bool]], bool]:
    """The page's sort order, and whether it can be read by keyset (it ends with unique columns)."""
    sort = request.query_params.get("sort")
    keyed = all(c in columns for c in UNIQUE) and paging.rows_of_events(t)
    if sort:
        if sort not in columns:
            raise QueryError(f"{sort} is not a column of this result. Try one of: {', '.join(columns)}")
        first = (sort, request.query_params.get("desc") == "1")
        if keyed:
            return [first, *((c, False) for c in UNIQUE if c != sort)], True
        keys = [(c, False) for c, ty in zip(columns, types, strict=True) if ty != "JSON" and c != sort]
        return [first, *keys], False  # every column as tie-breakers: a fixed order, by OFFSET
    own = paging.own_order(t)
    if own is not None and keyed and all(c in columns for c, _ in own):
        named = {c for c, _ in own}
        return [*own, *((c, False) for c in UNIQUE if c not in named)], True
    return [], False  # the query's own order, by OFFSET


def _marks_of(
    con: api.Connection, settings: views.Settings, t: Any, order: list[tuple[str, bool]]
) -> list[tuple] | None:
    """The result's marks (marks.py): kept, or read now by one window over its key columns; None when they
    do not fit in the reader's memory share (then jumps take the narrow OFFSET, which needs less)."""
    plain = paging.unordered(t)  # the window sorts by `order` itself
    key = (archive_state(settings.db), plain.sql, repr(plain.params), tuple(order))

    def read() -> list[tuple] | None:
        try:
            return api.run(con, paging.marks(plain, order, settings.marks.every), timeout=settings.timeout).rows
        except QueryError as exc:
            if exc.message.startswith("out of memory"):  # the sandbox's one line for it (db/sandbox.py)
                return None
            raise

    return settings.marks.get(key, read)


def _key_of_row(
    con: api.Connection,
    settings: views.Settings,
    t: Any,
    order: list[tuple[str, bool]],
    row: int,
    sort: bool,
    moving: bool = False,
) -> tuple[list[object] | None, str]:
    """The sort key of row `row` (0-based) of `t` in `order` (None past the end), and how it was found. Near
    the top by a narrow OFFSET of fewer than `every` rows ("narrow offset"); deeper from the result's marks
    (marks.py, built on the first deep jump): the nearest mark at or before the row, then the rows after it
    by keyset, the last of them the row ("marks"). sort=False: `t` comes in `order` itself. moving: the
    result's time range moves with the clock, so marks read for it now would not hold at the next request:
    a narrow OFFSET at any depth, as before marks; so too when the marks do not fit in the memory share."""

    def rows(wanted: Any) -> list[tuple]:
        return api.run(con, wanted, timeout=settings.timeout).rows

    every = settings.marks.every
    # near the top; a result that is a new one at each request (`since=7d`); marks too big for the memory
    marks = None if row + 1 < every or moving else _marks_of(con, settings, t, order)
    if marks is None:
        found = rows(paging.boundary(t, order, row, sort=sort))
        return (list(found[0]) if found else None), "narrow offset"
    at = (row + 1) // every  # marks[at - 1] is row at * every - 1, the last mark at or before `row`
    if at > len(marks):
        return None, "marks"
    mark, past = list(marks[at - 1]), row - (at * every - 1)
    if past == 0:
        return mark, "marks"
    found = rows(paging.boundary(paging.keyset(t, order, mark, past, sort=sort), order, past - 1))
    return (list(found[0]) if found else None), "marks"


def _grid_query(con: api.Connection, request: Request, settings: views.Settings) -> tuple:
    """The grid's query for a request: its translation, the page order and whether a keyset can read it,
    whether that order is the query's own (`inside`), and the translation to read pages of."""
    t = views._prepared(con, request, helpers=HELPERS)
    shape = api.run(con, paging.described(t), timeout=settings.timeout)
    order, keyed = _order(request, t, shape.columns, shape.types)
    # the query's own order, or one the page sorts by (then the query's own sort is dropped)
    inside = not order or (keyed and order == paging.own_order(t))
    return t, order, keyed, inside, t if inside else paging.unordered(t)


def warm_marks(request: Request) -> JSONResponse:
    """Read a result's marks now, before any jump needs them: the page asks this in the background once the
    row count shows a result long enough for the scrollbar to land far (the same parameters as a page), so
    the first drag of the scrollbar finds them read (or waits for the read under way, never starts one).
    Answers how many marks the result has, or null for a result with no key (its jumps go by OFFSET) or
    whose time range moves with the clock (`since=7d`: its jumps go by a narrow OFFSET)."""
    settings: views.Settings = request.app.state.settings
    try:
        with views._reader(settings, request.query_params.get("run")) as con:
            _, order, keyed, _, sorted_t = _grid_query(con, request, settings)
            marks = _marks_of(con, settings, sorted_t, order) if keyed and not views.moving(request) else None
    except Exception as exc:
        return views._error(exc, settings)
    return JSONResponse({"marks": None if marks is None else len(marks), "every": settings.marks.every})


def rows_page(request: Request) -> JSONResponse:
    """One page of a query's rows: `q`, `since`, `until`, `columns`, `sort`, `desc`, `size`, and where: `after`
    or `before` (a cursor from a page already read) or else `offset` (a row number)."""
    settings: views.Settings = request.app.state.settings
    q = request.query_params
    try:
        with views._reader(settings, q.get("run")) as con:
            t, order, keyed, inside, sorted_t = _grid_query(con, request, settings)
            added = views.added_helpers(request, t.form, HELPERS)
            size = min(views._number(request, "size", views.PAGE_ROWS), paging.MAX_PAGE)
            offset = views._number(request, "offset", 0)
            after, before = q.get("after"), q.get("before")
            backward = False
            reached = "cursor"  # how the page's first row was found, said in the answer (the tests, the bench)
            if keyed and after:
                wanted = paging.keyset(sorted_t, order, _key(after), size, sort=not inside)
            elif keyed and before:  # backward: sorted in reverse, here
                backward = True
                wanted = paging.keyset(paging.unordered(t), order, _key(before), size, backward=True)
            elif keyed and offset > 0:  # a jump: the key of the row before, then the page by keyset
                edge, reached = _key_of_row(
                    con, settings, sorted_t, order, offset - 1, sort=not inside, moving=views.moving(request)
                )
                if edge is not None:
                    wanted = paging.keyset(sorted_t, order, edge, size, sort=not inside)
                else:  # past the end: OFFSET says so (no rows) as it would say it anywhere
                    reached, wanted = "past the end", paging.page(sorted_t, offset, size, () if inside else order)
            else:  # the top, or a result with no key: by OFFSET
                reached = "top" if offset == 0 else "offset"
                wanted = paging.page(sorted_t, offset, size, () if inside else order)
            result = api.run(con, wanted, timeout=settings.timeout)
    except Exception as exc:
        return views._error(exc, settings)
    rows = result.rows[::-1] if backward else result.rows
    positions = [result.columns.index(c) for c, _ in order] if keyed else []
    kept = [i for i, c in enumerate(result.columns) if c not in added]
    return JSONResponse(
        {
            "form": t.form,
            "columns": [result.columns[i] for i in kept],
            "types": [result.types[i] for i in kept],
            "rows": [[views._cell(row[i], result.types[i]) for i in kept] for row in rows],
            "offset": offset,
            "first": _cursor(rows[0], positions) if keyed and rows else None,
            "last": _cursor(rows[-1], positions) if keyed and rows else None,
            "keyset": keyed,
            "reached": reached,
            "warnings": list(t.warnings),
            "elapsed": round(result.elapsed, 4),
        }
    )


def progress(request: Request) -> JSONResponse:
    """How far the queries of a run have got, by DuckDB's estimate: the highest percentage among them, or
    -1 when none is running or DuckDB cannot tell yet (the page then shows only the time it has taken)."""
    return JSONResponse({"percent": views.progress_of(request.query_params.get("run", ""))})
