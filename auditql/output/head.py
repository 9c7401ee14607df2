"""The first lines of a sorted result on the pipe within a second, the whole result unchanged (issue 20).

Why a module: a query over a million events sorts every row (with its `raw`) before DuckDB hands over the
first one: 8–12 s before `auditql query … | head` saw a row. A top-N query (the same query with `LIMIT`)
finds the first page in a fraction of a second, so the lines are read in two parts: that page, then the
rows from its end on (a keyset: `key >= the page's cut`), sorted as before. The text is the same bytes in
the same order as the one query gave:

- only for a query whose ORDER BY is a keyset (`paging.own_order`) every key of which is a column of the
  result named once, and which names one row (`source_file` and `source_row` among the keys);
- the page is cut before its first two rows with equal keys (or before its last row): every row before the
  cut is in its one place in any full sort, and every row from the cut on comes from the second query,
  ordered by the same sort as today (rows equal in every key, should any exist, in the sort's own order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlglot import exp

from auditql.output.lines import line_sql
from auditql.query.dialect import AuditQL
from auditql.query.paging import own_order, unordered
from auditql.query.translate import Translation

# Rows in the first page: one batch of `api.stream`, found by a top-N query over the whole result.
HEAD_ROWS = 2048
# The key columns that name one row: an event is read from one row of one file. Not `event_key`: two events
# may share it (the samples hold such a pair), and rows equal in every key come in no fixed order, so the
# page and the rest could order a tied pair otherwise than the one query did (measured on the samples).
_UNIQUE = {"source_file", "source_row"}


@dataclass(frozen=True)
class Split:
    """A line query (`lines.line_sql`) read as its first page and the rest; the page's rows end with the
    text of their sort key (`keys`: column indexes, `descending` flags)."""

    head: Translation
    whole: Translation
    columns: Sequence[str]
    types: Sequence[str]
    fmt: str
    raw_csv: bool
    keys: Sequence[int]
    descending: Sequence[bool]

    def rest(self, rows: list[tuple]) -> tuple[list[tuple], Translation | None]:
        """The page's rows to write, and the query for every row after them (None: the page was all)."""
        if len(rows) < HEAD_ROWS:
            return rows, None
        n = len(self.keys)
        keys = [row[-n:] for row in rows]
        cut = next((i for i in range(len(rows) - 1) if keys[i] == keys[i + 1]), len(rows) - 1)
        where, params = _from_key(self.keys, self.descending, keys[cut], self.types, len(self.whole.params))
        # the rows are formatted before they are sorted: in the scan, on every core (after the sort DuckDB
        # hands a streamed result over from one thread)
        order = list(zip(self.keys, self.descending, strict=True))
        sql = line_sql(
            unordered(self.whole).sql, self.columns, self.types, self.fmt, self.raw_csv, where=where, order=order
        )
        assert sql is not None  # the types were accepted for the page
        return rows[:cut], replace(self.whole, sql=sql, params=[*self.whole.params, *params])


def split(t: Translation, columns: Sequence[str], types: Sequence[str], fmt: str, raw_csv: bool) -> Split | None:
    """`t`'s lines read as a first page and the rest, or None where its order cannot be continued."""
    order = own_order(t)
    tree = t.tree
    if order is None or not isinstance(tree, exp.Select) or not _events_one_for_one(tree):
        return None
    names = [c for c, _ in order]
    if not set(names) >= _UNIQUE:
        return None
    if any(columns.count(name) != 1 for name in names) or not t.sql.endswith(" " + _order_sql(tree)):
        return None
    keys = [columns.index(name) for name in names]
    head = line_sql(f"{t.sql} LIMIT {HEAD_ROWS}", columns, types, fmt, raw_csv, keys=keys)
    if head is None:
        return None
    return Split(
        head=replace(t, sql=head),
        whole=t,
        columns=columns,
        types=types,
        fmt=fmt,
        raw_csv=raw_csv,
        keys=keys,
        descending=[d for _, d in order],
    )


def _events_one_for_one(tree: exp.Select) -> bool:
    """Whether `tree` returns rows of `events` one for one, so `source_file` and `source_row` name one row:
    no join, grouping, DISTINCT, aggregate, LIMIT or OFFSET; its table `events` or a filtered `events`
    (a time window or vendor, query/options.py's `restrict`)."""
    if any(tree.args.get(a) for a in ("joins", "group", "having", "distinct", "limit", "offset", "with_")):
        return False
    if any(s.find(exp.AggFunc, exp.Window) for s in tree.expressions):
        return False
    source = tree.args.get("from_")
    table = source.this if source else None
    if isinstance(table, exp.Subquery) and isinstance(table.this, exp.Select):
        return _events_one_for_one(table.this)
    return isinstance(table, exp.Table) and table.name.lower() == "events"


def _order_sql(tree: exp.Select) -> str:
    return tree.args["order"].sql(dialect=AuditQL, identify=True)


def _from_key(
    keys: Sequence[int], descending: Sequence[bool], key: Sequence[str | None], types: Sequence[str], bound: int
) -> tuple[str, list[str]]:
    """SQL over the line query's columns (`c0`, …) for the rows at or after `key` (text of each key column) in
    the sort order, NULLs last in each column (DuckDB's default, which `own_order` requires), and the values
    it binds after the `bound` parameters the query has."""
    params: list[str] = []
    ors: list[str] = []
    equal: list[str] = []
    for j, (i, desc) in enumerate(zip(keys, descending, strict=True)):
        c, last = f"c{i}", j == len(keys) - 1
        if key[j] is None:  # NULLs sort last: nothing but a NULL is at or after one
            equal.append(f"{c} IS NULL")
            if last:
                ors.append(" AND ".join(equal))
            continue
        params.append(key[j])  # type: ignore[arg-type]
        value = f"CAST(${bound + len(params)} AS {types[i]})"
        past = f"{c} {'<' if desc else '>'}{'=' if last else ''} {value}"
        ors.append(" AND ".join([*equal, f"({past} OR {c} IS NULL)"]))
        equal.append(f"{c} = {value}")
    return " OR ".join(f"({o})" for o in ors) or "FALSE", params
