"""Tables for reading — `table`, `markdown`, `vertical` — fitted to a screen the way the DuckDB CLI's duckbox mode
fits them (https://duckdb.org/docs/stable/clients/cli/output_formats, `.maxrows` / `.maxwidth` in
https://duckdb.org/docs/stable/clients/cli/dot_commands):

- Given a `width` (the terminal's), a table wider than it first shortens its long text columns, the widest
  first, cutting a value with "…" only where it must; a time, number or UUID is never cut, and a header is
  cut only as a last resort. When shortening is not enough, columns are hidden from the middle outwards,
  keeping the first and the last, and a "…" column marks where: the footer says "22 columns (8 shown)".
- Given `max_rows`, a longer result shows its first and last rows with "·" between (the rows in between are
  read and counted, never held): the footer says "145000 rows (40 shown)".
- SQL NULL shows as `NULL`; an empty string as nothing (`text.NULL`).
- Numbers are right-aligned, header included, as duckbox and tabulate align them, so digits line up by
  place: a column is a number column when its type is one (BIGINT, DECIMAL(18,3), DOUBLE…) or, for rows
  without SQL types (reports, listings), when every value in the first batch is a Python number. Text that
  looks like a number (`errCode` "403042") is text and stays left, as it does in DuckDB. Markdown marks
  such a column `---:` so a rendered page aligns it too; `vertical` shows one value a line, left as psql's
  expanded mode does.

Without a width (a pipe, a file) nothing is cut or hidden: a saved table is complete. A streamed result takes
its column widths from its first batch; a longer value in a later batch is then cut to fit on a screen and
left whole (overflowing its column) anywhere else. Markdown is never fitted: it is made to be pasted.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, islice
from typing import Any, TextIO

from auditql.output.rows import Rows, Shown
from auditql.output.text import display_text, safe_text

GAP = "  "  # between columns, as tabulate's "simple" style (which this replaces) drew them
DOTS = "…"
# duckbox's max_col_width: a text column is shortened to this before any column is hidden
MAX_COLUMN_WIDTH = 20
# Values of these types have a short, fixed shape that a cut would make wrong (a time, a count): never cut.
_WHOLE = re.compile(
    r"(TIMESTAMP.*|DATE|TIME.*|INTERVAL|BOOLEAN|UUID|DECIMAL.*|DOUBLE|FLOAT|REAL|U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?)"
)

# Number types, as DuckDB names them: right-aligned (`numeric_columns`).
_NUMBER = re.compile(r"(DECIMAL.*|NUMERIC.*|DOUBLE|FLOAT|REAL|U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?)")


def numeric_columns(types: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[bool]:
    """Which columns hold numbers: by SQL type where there is one, else by the values (`rows`: the first
    batch, as DuckDB or a report hands them over, before they become text). bool is not a number here.

    >>> numeric_columns(["BIGINT", "VARCHAR", "", ""], [(1, "2", 3.5, "x"), (None, "4", None, "y")])
    [True, False, True, False]
    """

    def by_value(c: int) -> bool:
        values = [r[c] for r in rows if r[c] is not None]
        return bool(values) and all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in values)

    return [bool(_NUMBER.fullmatch(t.upper())) if t else by_value(c) for c, t in enumerate(types)]


def width_of(text: str) -> int:
    """Columns `text` takes on a terminal (East Asian wide characters take two)."""
    if text.isascii():  # escaped text (`safe_text`) has no control characters: one column each
        return len(text)
    from wcwidth import wcswidth  # ~20 ms to import: only a table with non-ASCII text pays it

    width = wcswidth(text)
    return width if width >= 0 else len(text)  # -1: a character wcwidth cannot measure; count it as one


def clip(text: str, width: int) -> str:
    """`text` in at most `width` terminal columns, ending in "…" when cut."""
    if width_of(text) <= width:
        return text
    cut = text[: max(width - 1, 0)]
    while cut and width_of(cut) > width - 1:
        cut = cut[:-1]
    return cut + DOTS


@dataclass
class Layout:
    """Which columns a table shows (`keep`, in order), their widths, and where the "…" column goes."""

    keep: list[int]
    widths: list[int]
    gap_at: int | None = None  # position in `keep` before which hidden columns were
    right: list[bool] = field(default_factory=list)  # by column index: a number column, aligned right

    def line(self, cells: Sequence[str], fit: bool, hidden: str = DOTS) -> str:
        """One line of the table: the kept cells (cut to their widths if `fit`), `hidden` where columns are."""
        texts = [clip(cells[c], w) if fit else cells[c] for c, w in zip(self.keep, self.widths, strict=True)]
        padded = [
            pad(t, w, bool(self.right) and self.right[c]) for c, t, w in zip(self.keep, texts, self.widths, strict=True)
        ]
        if self.gap_at is not None:
            padded.insert(self.gap_at, hidden)
        return GAP.join(padded).rstrip(" ")


def pad(text: str, width: int, right: bool) -> str:
    """`text` padded to `width` terminal columns, on the left for a number (right-aligned)."""
    space = " " * max(width - width_of(text), 0)
    return space + text if right else text + space


def plan(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    types: Sequence[str],
    width: int | None,
    right: Sequence[bool] = (),
) -> Layout:
    """Column widths for `rows` (already text) in `width` terminal columns (None: as wide as they are);
    `right`: the number columns (`numeric_columns`), aligned right and never cut."""
    n = len(headers)
    natural = [max([width_of(headers[c]), *(width_of(r[c]) for r in rows)]) for c in range(n)]
    layout = Layout(list(range(n)), natural, right=list(right))
    if width is None or _total(layout) <= width:
        return layout
    whole = [bool(_WHOLE.fullmatch(t.upper())) or (c < len(right) and right[c]) for c, t in enumerate(types)]
    floor = [
        w if keep else min(w, max(MAX_COLUMN_WIDTH, width_of(h)))
        for w, keep, h in zip(natural, whole, headers, strict=True)
    ]
    if sum(floor) + len(GAP) * (n - 1) <= width:
        layout.widths = _shorten(natural, floor, _total(layout) - width)
        return layout
    layout.widths = list(floor)
    for c in _middle_out(n):  # hide columns, the middle first, until the rest fit
        if _total(layout) <= width:
            break
        i = layout.keep.index(c)
        del layout.keep[i], layout.widths[i]
        layout.gap_at = i if layout.gap_at is None else min(layout.gap_at, i)
    for i, c in enumerate(layout.keep):  # room left over goes back to the shortened columns, left to right
        layout.widths[i] += max(min(width - _total(layout), natural[c] - layout.widths[i]), 0)
    while _total(layout) > width and max(layout.widths) > 1:  # a tiny screen: cut whatever is widest
        layout.widths[layout.widths.index(max(layout.widths))] -= 1
    return layout


def _total(layout: Layout) -> int:
    extra = 0 if layout.gap_at is None else len(DOTS) + len(GAP)
    return sum(layout.widths) + len(GAP) * (len(layout.widths) - 1) + extra


def _shorten(natural: list[int], floor: list[int], need: int) -> list[int]:
    """Take `need` columns from the widest first: every column is capped at one common width (never below its
    floor), the largest cap that fits. DuckDB shortens in proportion instead; capping keeps short columns
    (a name, an action) whole and cuts the one long value (a user agent, `raw`) that made the table wide."""
    goal = sum(natural) - need

    def capped(cap: int) -> list[int]:
        return [max(f, min(w, cap)) for w, f in zip(natural, floor, strict=True)]

    low, high = 0, max(natural)
    while low < high:  # the largest cap whose widths fit the goal
        mid = (low + high + 1) // 2
        low, high = (mid, high) if sum(capped(mid)) <= goal else (low, mid - 1)
    widths = capped(low)
    for c in range(len(widths)):  # what is left goes back from the left, up to each column's natural width
        widths[c] += max(min(goal - sum(widths), natural[c] - widths[c]), 0)
    return widths


def _middle_out(n: int) -> Iterator[int]:
    """Columns to hide in duckbox's order: the middle one, then alternately left and right of it; never the
    first or the last."""
    mid = n // 2
    for k in range(n):
        for c in (mid - k, mid + k) if k else (mid,):
            if 0 < c < n - 1:
                yield c


def sample(t: Rows, max_rows: int | None) -> tuple[list[Sequence[Any]], list[Sequence[Any]], int]:
    """(first rows, last rows, how many rows in all). With `max_rows`, at most that many are kept: half
    from the top, half from the bottom, the rest only counted; as duckbox does, a result no more than three
    rows over the limit is shown whole (the "·" rows would take as much room)."""
    rows: Iterator[Sequence[Any]] = chain.from_iterable(t.batches())
    if max_rows is None:
        head = list(rows)
        return head, [], len(head)
    head = list(islice(rows, max_rows + 4))
    if len(head) <= max_rows + 3:
        return head, [], len(head)
    top = (max_rows + 1) // 2
    tail: deque[Sequence[Any]] = deque(head[top:], maxlen=max_rows - top)
    total = len(head)
    for row in rows:
        tail.append(row)
        total += 1
    return head[:top], list(tail), total


def texts(t: Rows, rows: Iterable[Sequence[Any]]) -> list[list[str]]:
    return [[display_text(v, ty) for v, ty in zip(row, t.types, strict=True)] for row in rows]


def write_table(t: Rows, out: TextIO, *, width: int | None = None, max_rows: int | None = None, **_: Any) -> Shown:
    """A plain-text table: header, a ruler, one line per row (see the module docstring for fitting)."""
    headers = [safe_text(c) for c in t.columns]
    if max_rows is not None:  # a screenful: every shown row is known before the first line is drawn
        top, bottom, total = sample(t, max_rows)
        batches: Iterator[Sequence[Sequence[Any]]] = iter([top])
    else:
        batches, bottom, total = iter(t.batches()), [], 0
    first_values = next(batches, [])
    right = numeric_columns(t.types, [*first_values, *bottom])
    first = texts(t, first_values)
    shown_rows = texts(t, bottom)
    layout = plan(headers, first + shown_rows, t.types, width, right)
    fit = width is not None
    ruler = layout.line(["-" * w for w in _spread(layout, len(headers))], False, hidden="-")
    lines = [layout.line(headers, True), ruler, *(layout.line(r, fit) for r in first)]
    if bottom:
        dots = ["·"] * len(headers)
        lines += [layout.line(dots, fit)] * 3 + [layout.line(r, fit) for r in shown_rows]
    out.write("".join(line + "\n" for line in lines))
    out.flush()
    count = len(first) + len(shown_rows)
    for batch in batches:
        out.write("".join(layout.line(r, fit) + "\n" for r in texts(t, batch)))
        out.flush()
        count += len(batch)
    return Shown(max(total, count), count, len(headers), len(layout.keep))


def _spread(layout: Layout, n: int) -> list[int]:
    """Each column's width by column index (hidden ones 0), for drawing the ruler through `Layout.line`."""
    widths = [0] * n
    for c, w in zip(layout.keep, layout.widths, strict=True):
        widths[c] = w
    return widths


def write_markdown(t: Rows, out: TextIO, **_: Any) -> Shown:
    """A GitHub table, every value whole (`|` escaped); widths from the first batch, as `write_table`."""

    def md(text: str) -> str:
        return text.replace("|", "\\|")

    batches = iter(t.batches())
    headers = [md(safe_text(c)) for c in t.columns]
    first_values = next(batches, [])
    right = numeric_columns(t.types, first_values)
    first = [[md(c) for c in row] for row in texts(t, first_values)]
    # a number column's delimiter is `--:` (GitHub's right alignment): at least two wide
    widths = [max(w, 2) if r else w for w, r in zip(plan(headers, first, t.types, None).widths, right, strict=True)]
    ruler = ["-" * (w - 1) + ":" if r else "-" * w for w, r in zip(widths, right, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(pad(c, w, r) for c, w, r in zip(cells, widths, right, strict=True)) + " |"

    out.write("".join(line(r) + "\n" for r in [headers, ruler, *first]))
    count = len(first)
    for batch in batches:
        out.write("".join(line([md(c) for c in r]) + "\n" for r in texts(t, batch)))
        count += len(batch)
    out.flush()
    return Shown(count, count, len(headers), len(headers))


def write_vertical(t: Rows, out: TextIO, *, max_rows: int | None = None, **_: Any) -> Shown:
    """One block per row, `column | value` a line (values whole: a long value wraps on screen); with
    `max_rows`, the first and last rows, numbered as in the whole result."""
    names = [safe_text(c) for c in t.columns]
    width = max((width_of(c) for c in names), default=0)

    def block(i: int, row: Sequence[Any]) -> str:
        cells = [display_text(v, ty) for v, ty in zip(row, t.types, strict=True)]
        lines = (f"{c.ljust(width)} | {v}\n" for c, v in zip(names, cells, strict=True))
        return f"-[ row {i} ]" + "-" * 20 + "\n" + "".join(lines)

    if max_rows is not None:
        top, bottom, total = sample(t, max_rows)
        out.write("".join(block(i, r) for i, r in enumerate(top, 1)))
        if bottom:
            out.write("·\n·\n·\n")
        out.write("".join(block(total - len(bottom) + i, r) for i, r in enumerate(bottom, 1)))
        out.flush()
        return Shown(total, len(top) + len(bottom), len(names), len(names))
    i = 0
    for batch in t.batches():
        out.write("".join(block(i + k, r) for k, r in enumerate(batch, 1)))
        i += len(batch)
        out.flush()
    return Shown(i, i, len(names), len(names))
