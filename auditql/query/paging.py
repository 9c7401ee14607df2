"""A translated query seen a page at a time, sorted by a column the user clicked, counted, or split by vendor:
what a grid over a million-row result needs, so it fetches 200 rows at a time and never the whole result.

Why here (and as text around the translation's SQL): the web view is a front end and holds no SQL; these
wrap a `Translation` that the allowlist and rewrites already produced, and add nothing a user typed except
a column name — quoted with the project's helper (auditql/sql.py) — integers, and bound parameters. The
wrapped SQL runs through the facade (`api.run`) on the same sandboxed query connection as any query.

Deep pages by keyset, not OFFSET: `LIMIT 200 OFFSET 900000` makes DuckDB sort and skip 900,000 rows for
each page (12 s on two million events here, against 0.9 s for the first page). A page that continues
from the row before it (`after`) or ends at the row after it (`before`) asks instead for the 200 rows past
that row's sort key, which costs what the first page costs. The key must name one row: the sort columns
followed by unique ones — the event's file and record position (`source_file`, `source_row`; serve/grid.py),
never `event_key`, which two identical lines of one export share as two events. Without them (an SQL
result that does not select them) pages fall back to OFFSET, as do sort orders the keyset cannot express
(NULLS FIRST).

    >>> from auditql.query.translate import Translation
    >>> t = Translation('SELECT "time" FROM "events" WHERE "vendor" = $1', ["x"], [], "where")
    >>> page(t, 400, 200, order=[("time", True)]).sql.split(" AS ")[1]
    '"page" ORDER BY "time" DESC NULLS LAST LIMIT 200 OFFSET 400'
    >>> counted(t).sql
    'SELECT count(*) AS "rows" FROM (SELECT "time" FROM "events" WHERE "vendor" = $1) AS "counted"'
    >>> k = keyset(t, [("time", False), ("source_row", False)], ["2025-11-20", 7], 200)
    >>> for part in k.sql.split(' AS "page" WHERE ')[1].replace(" ORDER", ") OR (ORDER").split(") OR ("):
    ...     print(part)
    (("time" > $2 OR "time" IS NULL)
    "time" = $2 AND ("source_row" > $3 OR "source_row" IS NULL))
    ORDER BY "time" ASC NULLS LAST, "source_row" ASC NULLS LAST LIMIT 200
    >>> k.params
    ['x', '2025-11-20', 7]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlglot import exp

from auditql.errors import QueryError
from auditql.query.dialect import AuditQL
from auditql.query.translate import Translation
from auditql.sql import sql_ident

# At most this many rows per page: a grid shows a screenful; a whole result is a download.
MAX_PAGE = 1000

Order = Sequence[tuple[str, bool]]  # (column, descending) pairs, NULLs last in each


def _checked(size: int, offset: int = 0) -> None:
    if offset < 0 or not 0 < size <= MAX_PAGE:
        raise QueryError(f"a page is 1 to {MAX_PAGE} rows from offset 0 or more")


def _order_by(order: Order, backward: bool = False) -> str:
    """ORDER BY for `order`; reversed (NULLs first) when reading backward from a row."""
    if backward:
        parts = [f"{sql_ident(c)} {'ASC' if d else 'DESC'} NULLS FIRST" for c, d in order]
    else:
        parts = [f"{sql_ident(c)} {'DESC' if d else 'ASC'} NULLS LAST" for c, d in order]
    return f" ORDER BY {', '.join(parts)}" if parts else ""


def page(t: Translation, offset: int, size: int, order: Order = ()) -> Translation:
    """Rows offset … offset+size of `t`, sorted by `order` when given, else in the query's own order (the
    WHERE and REST forms sort by time, file and row, so pages never overlap). Give every sortable column
    after the one clicked: rows equal in it must come in one fixed order, or a row could show on two pages
    and another on none."""
    _checked(size, offset)
    rows = f"LIMIT {int(size)} OFFSET {int(offset)}"
    return replace(t, sql=f"SELECT * FROM ({t.sql}) AS {sql_ident('page')}{_order_by(order)} {rows}")


def boundary(t: Translation, order: Order, offset: int, sort: bool = True) -> Translation:
    """The sort key of the row at `offset` alone: the narrow (and so cheaper) OFFSET query a jump to a deep
    row needs once, after which pages continue from that row by keyset. sort=False: `t` itself comes in
    `order` (its own ORDER BY), so it is not sorted again."""
    if offset < 0:
        raise QueryError("a row number is 0 or more")
    keys = ", ".join(sql_ident(c) for c, _ in order)
    rows = f"LIMIT 1 OFFSET {int(offset)}"
    by = _order_by(order) if sort else ""
    return replace(t, sql=f"SELECT {keys} FROM ({t.sql}) AS {sql_ident('page')}{by} {rows}")


def marks(t: Translation, order: Order, every: int) -> Translation:
    """The sort keys of rows every-1, 2*every-1, … of `t` in `order` (0-based), in that order: a sparse
    row-number -> key map that a jump to row n reads from instead of an OFFSET. Built once per result by one
    window over the key columns alone (sorting the keys, not skipping n whole rows at each jump); a jump
    then continues by keyset from the nearest mark at or before the row, fewer than `every` rows away.
    `order` must end with unique columns, so every row has one number (ties and NULLs included: the window
    sorts as `page` and `keyset` do, NULLs last)."""
    if every < 1 or not order:
        raise QueryError("marks need a sort order and a spacing of 1 row or more")
    keys = ", ".join(sql_ident(c) for c, _ in order)
    number = sql_ident("auditql_row_number")
    window = f"row_number() OVER ({_order_by(order).strip()}) AS {number}"
    numbered = f"SELECT {keys}, {window} FROM ({t.sql}) AS {sql_ident('page')}"
    every_nth = f"WHERE {number} % {int(every)} = 0 ORDER BY {number}"
    return replace(t, sql=f"SELECT {keys} FROM ({numbered}) AS {sql_ident('marks')} {every_nth}")


def rows_of_events(t: Translation) -> bool:
    """Whether `t` returns rows of `events` one for one, so `source_file` and `source_row` name one row of its
    result: only then may they key a page, a mark or a streamed head. A join that repeats events (`SELECT a.*
    FROM events a, events b`) repeats them too, and a keyset page would skip the repeats."""
    return isinstance(t.tree, exp.Select) and _one_for_one(t.tree)


def _one_for_one(tree: exp.Select) -> bool:
    """Whether `tree` returns rows of `events` one for one, so `source_file` and `source_row` name one row:
    no join, grouping, DISTINCT, aggregate, window, unnest, LIMIT or OFFSET; its table `events` or a filtered `events`
    (a time window or vendor, query/options.py's `restrict`)."""
    if any(tree.args.get(a) for a in ("joins", "group", "having", "distinct", "limit", "offset", "with_")):
        return False
    if any(s.find(exp.AggFunc, exp.Window, exp.Unnest, exp.Explode) for s in tree.expressions):  # unnest: rows ×n
        return False
    source = tree.args.get("from_")
    table = source.this if source else None
    if isinstance(table, exp.Subquery) and isinstance(table.this, exp.Select):
        return _one_for_one(table.this)
    return isinstance(table, exp.Table) and table.name.lower() == "events"


def unordered(t: Translation) -> Translation:
    """`t` without its own ORDER BY, for a page that sorts it anyway: under an outer ORDER BY … LIMIT, DuckDB
    still sorts the subquery's ORDER BY in full (1.5 s against 0.3 s for the first page of two million
    events here). Kept when a LIMIT or START depends on it, or when the SQL does not end as expected."""
    tree = t.tree
    if not isinstance(tree, exp.Select) or tree.args.get("order") is None:
        return t
    if tree.args.get("limit") is not None or tree.args.get("offset") is not None:
        return t
    ending = " " + tree.args["order"].sql(dialect=AuditQL, identify=True)
    return replace(t, sql=t.sql[: -len(ending)], tree=None) if t.sql.endswith(ending) else t


def _past(column: str, descending: bool, slot: str, backward: bool) -> str:
    """`column` strictly beyond the value in `slot` in the page's direction, NULLs sorting last."""
    name = sql_ident(column)
    ahead = ">" if descending == backward else "<"
    if backward:  # before a non-NULL value: only values (NULLs come after every one)
        return f"{name} {ahead} {slot}"
    return f"({name} {ahead} {slot} OR {name} IS NULL)"


def keyset(
    t: Translation, order: Order, key: Sequence[object], size: int, backward: bool = False, sort: bool = True
) -> Translation:
    """The `size` rows of `t` right after the row whose sort key is `key` in `order` (the last row of the
    page before), or right before it when `backward` (the first row of the page after; the rows come back
    in reverse order, nearest first). `order` must end with unique columns. `key`'s values are bound as
    parameters: they come from the browser. sort=False: `t` itself comes in `order` (its own ORDER BY;
    DuckDB keeps that order through the filter), so reading forward it is not sorted again."""
    _checked(size)
    if len(key) != len(order) or not order:
        raise QueryError("this page's position does not match the sort order: run the query again")
    params: list[object] = [*t.params]
    ors: list[str] = []
    equal: list[str] = []  # the earlier key columns equal to the row's
    for (column, descending), value in zip(order, key, strict=True):
        name = sql_ident(column)
        if value is None:  # NULLs sort last: nothing comes after a NULL, every value before it
            if backward:
                ors.append(" AND ".join([*equal, f"{name} IS NOT NULL"]))
            equal.append(f"{name} IS NULL")
            continue
        params.append(value)  # bound only where used: DuckDB refuses a parameter the SQL does not name
        slot = f"${len(params)}"
        ors.append(" AND ".join([*equal, _past(column, descending, slot, backward)]))
        equal.append(f"{name} = {slot}")
    where = " OR ".join(f"({o})" for o in ors) or "FALSE"
    return replace(
        t,
        sql=f"SELECT * FROM ({t.sql}) AS {sql_ident('page')} WHERE {where}"
        f"{_order_by(order, backward) if sort or backward else ''} "
        f"LIMIT {int(size)}",
        params=params,
    )


def own_order(t: Translation) -> list[tuple[str, bool]] | None:
    """The query's own ORDER BY as (column, descending) pairs, when a keyset can continue it: every key a
    plain column of the result, NULLs last (DuckDB's default). The WHERE and REST forms always qualify
    (time, source_file, source_row after the user's own keys, query/options.py); SQL does when it selects
    `*` from events. None otherwise: such a result pages by OFFSET."""
    tree = t.tree
    if not isinstance(tree, exp.Select) or tree.args.get("order") is None:
        return None
    order = tree.args["order"]
    if t.form == "sql" and not all(isinstance(s, exp.Star) for s in tree.selects):
        return None
    keys: list[tuple[str, bool]] = []
    for o in order.expressions:
        if not isinstance(o, exp.Ordered) or not isinstance(o.this, exp.Column) or o.args.get("nulls_first"):
            return None
        keys.append((o.this.name, bool(o.args.get("desc"))))
    return keys


def counted(t: Translation) -> Translation:
    """How many rows `t` gives."""
    return replace(t, sql=f"SELECT count(*) AS {sql_ident('rows')} FROM ({t.sql}) AS {sql_ident('counted')}")


def described(t: Translation) -> Translation:
    """No rows, only `t`'s columns and their types (DuckDB plans the query but reads nothing)."""
    return replace(t, sql=f"SELECT * FROM ({t.sql}) AS {sql_ident('shape')} LIMIT 0")


def of_vendor(t: Translation, vendor: str) -> Translation:
    """`t`'s rows of one vendor (the timeline's stacks), the vendor bound as a parameter."""
    n = len(t.params) + 1
    return replace(
        t,
        sql=f"SELECT * FROM ({t.sql}) AS {sql_ident('stack')} WHERE {sql_ident('vendor')} = ${n}",
        params=[*t.params, vendor],
    )


def vendors(t: Translation) -> Translation:
    """The vendors among `t`'s rows, most events first."""
    return replace(
        t,
        sql=f"SELECT {sql_ident('vendor')}, count(*) AS n FROM ({t.sql}) AS {sql_ident('split')} "
        f"GROUP BY {sql_ident('vendor')} ORDER BY n DESC, {sql_ident('vendor')}",
    )


def alive() -> Translation:
    """A query that reads nothing and answers one row, `1`: whether a reader still answers after a request on
    it failed or was cancelled (the web view keeps warm readers between requests, auditql/serve/readers.py)."""
    return Translation(f"SELECT 1 AS {sql_ident('alive')}", [], [], "sql")
