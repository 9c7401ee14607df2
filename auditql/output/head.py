"""The first lines of a sorted result on the pipe within a second, the whole result unchanged (issue 20).

Why a module: a query over a million events sorts every row (with its `raw`) before DuckDB hands over the
first one: 8–12 s before `auditql query … | head` saw a row. So the lines are read in three parts: the sort
keys of the first page (the query with `LIMIT`, its key columns alone: DuckDB's top-N then reads neither
`raw` nor any other column, 0.05 s against 1 s for whole rows, a million rows at load 10), the page's
lines (the rows up to that last key), then the lines from the page's cut on (a keyset: `key >= the cut`),
sorted as before. The text is the same bytes in the same order as the one query gave:

- only for a query that returns rows of `events` one for one, ordered by a keyset (`paging.own_order`)
  of columns of the result named once, which names one row (`source_file` and `source_row` among them);
- the page is cut before its first two rows with equal keys (or before its last row): every row before the
  cut is in its one place in any full sort, and every row from the cut on comes from the last query,
  sorted by the same keys (rows equal in every key, were there any, in the sort's own order).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlglot import exp

from auditql.output.lines import line_sql
from auditql.query.dialect import AuditQL
from auditql.query.paging import own_order, rows_of_events, unordered
from auditql.query.translate import Translation

# Rows in the first page: one batch of `api.stream`, its keys found by a top-N query over the key columns.
HEAD_ROWS = 2048
# The key columns that name one row: an event is read from one row of one file. Not `event_key`: two events
# may share it (the samples hold such a pair), and rows equal in every key come in no fixed order, so the
# page and the rest could order a tied pair otherwise than the one query did (measured on the samples).
_UNIQUE = {"source_file", "source_row"}


@dataclass(frozen=True)
class Split:
    """A line query (`lines.line_sql`) read in three parts: the sort keys of the first page (`first`: its
    key columns alone, which DuckDB finds without reading the other columns, `raw` above all), the page's
    lines (`page`: the rows up to its last key), then the rest (`rest`). `keys`: the key columns'
    indexes, `descending` their directions."""

    first: Translation
    whole: Translation
    columns: Sequence[str]
    types: Sequence[str]
    fmt: str
    raw_csv: bool
    keys: Sequence[int]
    descending: Sequence[bool]

    def page(self, keys: list[tuple]) -> tuple[list[tuple], Translation, Then | None]:
        """The query for the page's lines (its rows up to the last key found), or, when the result is shorter
        than a page, for every line (streamed as one query would)."""
        if len(keys) < HEAD_ROWS:
            return [], self._lines(self.whole.sql), None
        where, params = _condition(self.keys, self.descending, keys[-1], self.types, len(self.whole.params), False)
        return [], self._lines(self.whole.sql, where, params, keys=self.keys), self.rest

    def rest(self, rows: list[tuple]) -> tuple[list[tuple], Translation, None]:
        """The page's lines to write, and the query for every line after them."""
        if not rows:  # no row up to a key just found: the archive changed in between; read it whole
            return [], self._lines(self.whole.sql), None
        n = len(self.keys)
        keys = [row[-n:] for row in rows]
        cut = next((i for i in range(len(rows) - 1) if keys[i] == keys[i + 1]), len(rows) - 1)
        where, params = _condition(self.keys, self.descending, keys[cut], self.types, len(self.whole.params), True)
        # formatted before they are sorted: in the scan, on every core (after a sort, DuckDB hands a streamed
        # result over from one thread)
        order = list(zip(self.keys, self.descending, strict=True))
        return rows[:cut], self._lines(unordered(self.whole).sql, where, params, order=order), None

    def _lines(self, sql: str, where: str = "", params: Sequence[str] = (), **extra: Any) -> Translation:
        lines = line_sql(sql, self.columns, self.types, self.fmt, self.raw_csv, where=where, **extra)
        assert lines is not None  # the types were accepted by `split`
        return replace(self.whole, sql=lines, params=[*self.whole.params, *params])


# Then, for `api.stream`: a part's rows -> the rows to deliver, the next part's query, and how to read its rows
# (None: streamed in batches to the end).
Then = Callable[[list[tuple]], tuple[list[tuple], Translation, "Then | None"]]


def split(t: Translation, columns: Sequence[str], types: Sequence[str], fmt: str, raw_csv: bool) -> Split | None:
    """`t`'s lines read as a first page and the rest, or None where its order cannot be continued."""
    order = own_order(t)
    tree = t.tree
    if order is None or not isinstance(tree, exp.Select) or not rows_of_events(t):
        return None
    names = [c for c, _ in order]
    if not set(names) >= _UNIQUE:
        return None
    if any(columns.count(name) != 1 for name in names) or not t.sql.endswith(" " + _order_sql(tree)):
        return None
    if line_sql(t.sql, columns, types, fmt, raw_csv) is None:
        return None
    keys = [columns.index(name) for name in names]
    renamed = ", ".join(f"c{i}" for i in range(len(columns)))
    texts = ", ".join(f"c{i}::VARCHAR" for i in keys)
    first = f"SELECT {texts} FROM ({t.sql} LIMIT {HEAD_ROWS}) AS q({renamed})"
    return Split(
        first=replace(t, sql=first),
        whole=t,
        columns=columns,
        types=types,
        fmt=fmt,
        raw_csv=raw_csv,
        keys=keys,
        descending=[d for _, d in order],
    )


def _order_sql(tree: exp.Select) -> str:
    return tree.args["order"].sql(dialect=AuditQL, identify=True)


def _condition(
    keys: Sequence[int],
    descending: Sequence[bool],
    key: Sequence[str | None],
    types: Sequence[str],
    bound: int,
    after: bool,
) -> tuple[str, list[str]]:
    """SQL over the line query's columns (`c0`, …) for the rows at or after `key` (`after`), or at or before
    it, in the sort order, NULLs last in each column (DuckDB's default, which `own_order` requires); and the
    values it binds (`key`'s texts) after the `bound` parameters the query has. Before a key, the first
    column's range is stated on its own as well: DuckDB pushes it into the scan."""
    params: list[str] = []
    ors: list[str] = []
    equal: list[str] = []
    for j, (i, desc) in enumerate(zip(keys, descending, strict=True)):
        c = f"c{i}"
        if key[j] is None:
            beyond = "FALSE" if after else f"{c} IS NOT NULL"  # NULLs sort last
            ors.append(" AND ".join([*equal, beyond]))
            equal.append(f"{c} IS NULL")
            continue
        params.append(key[j])  # type: ignore[arg-type]
        value = f"CAST(${bound + len(params)} AS {types[i]})"
        if after:
            ors.append(" AND ".join([*equal, f"({c} {'<' if desc else '>'} {value} OR {c} IS NULL)"]))
        else:
            ors.append(" AND ".join([*equal, f"{c} {'>' if desc else '<'} {value}"]))
        equal.append(f"{c} = {value}")
    ors.append(" AND ".join(equal))
    where = " OR ".join(f"({o})" for o in ors)
    if not after and key[0] is not None:
        where = f"{equal[0].replace(' = ', ' >= ' if descending[0] else ' <= ', 1)} AND ({where})"
    return where, params
