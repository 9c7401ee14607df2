"""Each row's physical line in a text export, in one SQL statement.

A row's line is `row + lines taken by the header and by every gap before it`, gaps being empty lines (from
read/text.py's byte scan) and rejected records (from DuckDB's rejects table, whose own line breaks push
every later record down). DuckDB gives line numbers only for the rows it rejects, so the rest is computed.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from auditql.read.text import Layout


def _text_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


@dataclass(frozen=True)
class Gap:
    """Lines no row comes from: a rejected record (start line, line count) or an empty line."""

    start: int
    length: int
    record: bool = True  # a rejected record takes a data-row position; an empty line does not


def reject_spans(rejects: list[tuple[int, str]]) -> list[Gap]:
    """Physical spans of rejected records from DuckDB's (record line, text): a record's own line breaks
    (a quoted value over several lines, an unterminated quote) push every later record down."""
    spans, shift = [], 0
    for line, text in sorted(rejects):
        inner = _text_breaks(text.strip("\r\n"))
        spans.append(Gap(line + shift, inner + 1))
        shift += inner
    return spans


def _inside(line: int, gaps: list[Gap], starts: list[int]) -> bool:
    """Whether `line` lies within one of the sorted `gaps` (an empty line inside a rejected record)."""
    i = bisect.bisect_right(starts, line) - 1
    return i >= 0 and line < gaps[i].start + gaps[i].length


def _insert(con: duckdb.DuckDBPyConnection, rows: Sequence[tuple[int, ...]]) -> None:
    """Fill `_aq_gaps` from one list per column (executemany is a statement per row: slow for 100k gaps)."""
    columns = list(zip(*rows, strict=True))
    unnest = ", ".join("unnest(?::BIGINT[])" for _ in columns)
    con.execute(f"INSERT INTO _aq_gaps SELECT {unnest}", [list(c) for c in columns])


def plain(layout: Layout | None, header: int, gaps: list[Gap], rows: int) -> bool:
    """Whether no line is missing from the rows: no rejected record, no empty line, and the lines add up.
    Then a row's line is its number plus the `header`, and `assign` has nothing to do."""
    if layout is None or gaps or any(n > header for n in layout.empty):
        return False
    return header + rows == layout.lines


def assign(
    con: duckdb.DuckDBPyConnection, table: str, layout: Layout | None, header: int, gaps: list[Gap], rows: int
) -> bool:
    """Set `line` of every row in `table` (numbered 1.. by `source_row`) to its physical line, and
    `source_row` to its data-row position (rejected records count, empty lines do not).

    `header` lines come first; `gaps` are rejected spans (empty lines are added from the layout). When the
    lines do not add up (a quoted value spanning lines inside a stored row), lines stay NULL and False is
    returned, so no row is ever given a wrong line.
    """
    if layout is None:
        return False
    starts = [g.start for g in gaps]  # sorted, non-overlapping
    every = list(gaps) + [Gap(n, 1, record=False) for n in layout.empty if n > header and not _inside(n, gaps, starts)]
    every.sort(key=lambda g: g.start)
    if header + rows + sum(g.length for g in every) != layout.lines:
        return False
    free_before, taken, records, table_rows = 0, 0, 0, []
    for gap in every:
        free_before = gap.start - header - 1 - taken
        taken += gap.length
        records += gap.record
        table_rows.append((free_before, taken, records))
    con.execute("CREATE OR REPLACE TEMP TABLE _aq_gaps (free_before BIGINT, taken BIGINT, records BIGINT)")
    if table_rows:
        _insert(con, table_rows)
    # Both right-hand sides see the old source_row (the k-th stored row): the line adds every gap before it,
    # the data-row position adds the rejected records before it. ASOF finds "the last gap before row k".
    con.execute(
        f"UPDATE {table} SET line = {table}.source_row + {int(header)} + g.taken, "
        f"source_row = {table}.source_row + g.records FROM (SELECT r.source_row AS k, coalesce(a.taken, 0) AS taken, "
        f"coalesce(a.records, 0) AS records FROM {table} r ASOF LEFT JOIN (SELECT free_before, max(taken) AS taken, "
        "max(records) AS records FROM _aq_gaps GROUP BY free_before) a ON r.source_row > a.free_before) g "
        f"WHERE {table}.source_row = g.k"
    )
    con.execute("DROP TABLE _aq_gaps")
    return True


def breaks_sql(text: str) -> str:
    """SQL: the line breaks inside `text` (CRLF, LF, CR each one)."""
    n = "length({t}) - length(replace({t}, {c}, ''))"
    return (
        f"({n.format(t=text, c='chr(10)')} + {n.format(t=text, c='chr(13)')} "
        f"- ({n.format(t=text, c='chr(13) || chr(10)')}) // 2)"
    )


def assign_spanning(
    con: duckdb.DuckDBPyConnection,
    table: str,
    layout: Layout | None,
    header: int,
    rejects: list[tuple[int, str]],
    rows: int,
    row_breaks: str,
) -> list[int] | None:
    """`assign` for a file whose stored rows hold quoted values spanning lines.

    DuckDB's line numbers then count records: record j's physical line is j plus every line break inside
    the records before it. `row_breaks` is SQL for the breaks inside a row of `table`; `rejects` are
    DuckDB's (record line, text). Returns the rejects' physical lines, or None when lines do not add up
    (an empty line between records as well: DuckDB counts it, no row shows it).
    """
    if layout is None:
        return None
    inner = [_text_breaks(text.strip("\r\n")) for _, text in sorted(rejects)]
    stored = con.execute(f"SELECT coalesce(sum({row_breaks}), 0) FROM {table}").fetchone()
    if header + rows + len(rejects) + sum(inner) + (stored[0] if stored else 0) != layout.lines:
        return None
    gaps, cumulative = [], 0
    for i, ((line, _), breaks) in enumerate(zip(sorted(rejects), inner, strict=True)):
        cumulative += breaks
        gaps.append((line - header - 1 - i, i + 1, cumulative - breaks, cumulative))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _aq_gaps (free_before BIGINT, records BIGINT, breaks_before BIGINT, "
        "breaks BIGINT)"
    )
    if gaps:
        _insert(con, gaps)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _aq_spans AS SELECT source_row AS k, {row_breaks} AS own, "
        f"sum({row_breaks}) OVER (ORDER BY source_row ROWS UNBOUNDED PRECEDING) AS upto FROM {table}"
    )
    # A rejected record's physical line: its record line plus every break in the records before it.
    starts = con.execute(
        f"SELECT g.free_before + g.records + {int(header)} + g.breaks_before + coalesce(s.upto, 0) "
        "FROM _aq_gaps g LEFT JOIN _aq_spans s ON s.k = g.free_before ORDER BY g.records"
    ).fetchall()
    # A stored row's record line is its position plus the rejected records before it; add every break in
    # the stored rows and rejected records before it.
    con.execute(
        f"UPDATE {table} SET line = {table}.source_row + {int(header)} + x.before + x.records + x.breaks, "
        f"source_row = {table}.source_row + x.records FROM (SELECT s.k, s.upto - s.own AS before, "
        "coalesce(a.records, 0) AS records, coalesce(a.breaks, 0) AS breaks FROM _aq_spans s ASOF LEFT JOIN "
        "(SELECT free_before, max(records) AS records, max(breaks) AS breaks FROM _aq_gaps GROUP BY free_before) a "
        f"ON s.k > a.free_before) x WHERE {table}.source_row = x.k"
    )
    con.execute("DROP TABLE _aq_gaps")
    con.execute("DROP TABLE _aq_spans")
    return [int(n) for (n,) in starts]
