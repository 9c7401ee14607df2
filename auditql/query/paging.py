"""A translated query seen a page at a time, sorted by a column the user clicked, counted, or split by vendor:
what a grid over a million-row result needs, so it fetches 200 rows at a time and never the whole result.

Why here (and as text around the translation's SQL): the web view is a front end and holds no SQL; these
wrap a `Translation` that the allowlist and rewrites already produced, and add nothing a user typed except
a column name — quoted with the project's helper (auditql/sql.py) — and integers. The wrapped SQL runs
through the facade (`api.run`) on the same sandboxed query connection as any query.

    >>> from auditql.query.translate import Translation
    >>> t = Translation('SELECT "time" FROM "events" WHERE "vendor" = $1', ["x"], [], "where")
    >>> page(t, 400, 200, order=[("time", True)]).sql.split(" AS ")[1]
    '"page" ORDER BY "time" DESC NULLS LAST LIMIT 200 OFFSET 400'
    >>> counted(t).sql
    'SELECT count(*) AS "rows" FROM (SELECT "time" FROM "events" WHERE "vendor" = $1) AS "counted"'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from auditql.errors import QueryError
from auditql.query.translate import Translation
from auditql.sql import sql_ident

# At most this many rows per page: a grid shows a screenful; a whole result is a download.
MAX_PAGE = 1000


def page(t: Translation, offset: int, size: int, order: Sequence[tuple[str, bool]] = ()) -> Translation:
    """Rows offset … offset+size of `t`, sorted by `order` ((column, descending) pairs) when given, else in
    the query's own order (the WHERE and REST forms sort by time, file and row, so pages never overlap).
    Give every sortable column after the one clicked: rows equal in it must come in one fixed order, or a
    row could show on two pages and another on none."""
    if offset < 0 or not 0 < size <= MAX_PAGE:
        raise QueryError(f"a page is 1 to {MAX_PAGE} rows from offset 0 or more")
    ordering = ", ".join(f"{sql_ident(c)} {'DESC' if d else 'ASC'} NULLS LAST" for c, d in order)
    by = f" ORDER BY {ordering}" if ordering else ""
    return replace(t, sql=f"SELECT * FROM ({t.sql}) AS {sql_ident('page')}{by} LIMIT {int(size)} OFFSET {int(offset)}")


def counted(t: Translation) -> Translation:
    """How many rows `t` gives."""
    return replace(t, sql=f"SELECT count(*) AS {sql_ident('rows')} FROM ({t.sql}) AS {sql_ident('counted')}")


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
