"""What every writer draws (`Rows`: names, types, rows a batch at a time) and the facts a footer states.

A query result, a streamed result and a report (ingest summary, sources, verify…) are all rows: each front
end hands them to the one renderer per format (`auditql.output.render`). The footer is a fact too —
how many rows, whether a limit cut them, how long it took, how many the screen showed — and
`footer_text` words it; only the hint for raising the limit differs per front end (`--limit` on the
command line, `.limit` in the REPL, `--limit N` in `%auditql`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from auditql.output.text import plain


class Rows(Protocol):
    """Anything a writer can draw: a `Table`, a query `Result`, a result streamed from DuckDB."""

    columns: list[str]
    types: list[str]

    def batches(self) -> Iterator[Sequence[Sequence[Any]]]: ...


class Table:
    """Rows held in memory: a report, a page of a result, a dot-command's listing."""

    def __init__(self, columns: Sequence[str], types: Sequence[str], rows: Sequence[Sequence[Any]]):
        self.columns, self.types, self.rows = list(columns), list(types), rows

    def batches(self) -> Iterator[Sequence[Sequence[Any]]]:
        """All rows as one batch (a streamed result yields them as DuckDB delivers them: `api.Stream`)."""
        yield self.rows

    def dicts(self) -> list[dict[str, Any]]:
        return dicts(self.columns, self.types, self.rows)


def dicts(columns: Sequence[str], types: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: times as ISO `Z` strings, JSON columns parsed."""
    return [{c: plain(v, t) for c, t, v in zip(columns, types, row, strict=True)} for row in rows]


@dataclass(frozen=True)
class RowCount:
    """How a query's rows were obtained: how many, under which limit, whether it cut more, in how long."""

    rows: int
    limit: int | None = None
    truncated: bool = False
    elapsed: float = 0.0


@dataclass(frozen=True)
class Shown:
    """What a writer drew of the rows it was given: a table on a screen may hide rows (`max_rows`) and
    columns (too wide for the terminal), as the DuckDB CLI's duckbox mode does; other formats show all."""

    rows: int
    rows_shown: int
    columns: int
    columns_shown: int

    @property
    def hides_rows(self) -> bool:
        return self.rows_shown < self.rows

    @property
    def hides_columns(self) -> bool:
        return self.columns_shown < self.columns


def footer_text(count: RowCount, shown: Shown | None = None, *, limit_hint: str = "--limit", timer: bool = True) -> str:
    """The line under a result, from facts; `limit_hint` is how this front end raises the limit.

    >>> footer_text(RowCount(3, 3, True, 0.0123), limit_hint=".limit")
    '3 rows (limit 3 reached: more rows exist; raise .limit) in 0.012s'
    >>> footer_text(RowCount(145000), Shown(145000, 40, 22, 8), timer=False)
    '145000 rows (40 shown), 22 columns (8 shown)'
    """
    text = f"{count.rows} row{'s' if count.rows != 1 else ''}"
    if shown is not None and shown.hides_rows:
        text += f" ({shown.rows_shown} shown)"
    if count.truncated:
        text += f" (limit {count.limit} reached: more rows exist; raise {limit_hint})"
    if shown is not None and shown.hides_columns:
        text += f", {shown.columns} columns ({shown.columns_shown} shown)"
    return text + (f" in {count.elapsed:.3f}s" if timer else "")
