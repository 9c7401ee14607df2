"""The bytes of a text export before DuckDB reads it: its encoding, its line endings, and the physical line
each record starts on.

DuckDB reads UTF-8, UTF-16 and Latin-1 only (other encodings need an extension these machines cannot
download), refuses a CSV that mixes line endings in strict mode, and numbers records, not lines: it skips
empty lines when it hands out rows, counts a quoted value that spans lines as one line, and gives line
numbers only for the rows it rejects. So a non-UTF-8 file is transcoded and mixed line endings are
normalized into a private copy (streamed, never parsed), and each row's physical line is
`row + lines taken by the header and by every gap before it` — gaps being empty lines, found by a byte scan,
and rejected records, from DuckDB's rejects table — assigned in one SQL statement.
"""

from __future__ import annotations

import bisect
import codecs
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

_CHUNK = 4 * 1024 * 1024
# A line break immediately followed by another one: the line between them is empty. (A CR is a break of its
# own only when no LF follows, so CRLF is never split in two.)
_EMPTY_LINE = re.compile(rb"(?:\r\n|\r(?!\n)|\n)(?=[\r\n])")
_LF_LF = re.compile(rb"\n\n")  # a regex search is 2x faster than `in` here (many single-LF near-misses)


@dataclass(frozen=True)
class Layout:
    """How many lines the file has and which of them are empty (1-based)."""

    lines: int
    empty: list[int]
    endings: int = 1  # how many kinds of line ending (CRLF, LF, CR) the file uses
    # Bytes of the longest line that crosses a read chunk (so of every line over _CHUNK): a bound for buffer
    # sizes, not part of what the layout says about lines.
    longest: int = field(default=0, compare=False)
    utf8: bool = field(default=True, compare=False)  # every byte is UTF-8 (as far as the scan decoded it)


def _text_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


class _Counter:
    """Line breaks, empty lines and ending kinds of a byte stream fed chunk by chunk."""

    def __init__(self) -> None:
        self.breaks, self.kinds = 0, [0, 0, 0]  # kinds: CRLF, LF, CR
        self.empty: list[int] = []
        self.after_break, self.carry, self.last = True, b"", b""  # the file's start counts as "after a break"
        self.run, self.longest = 0, 0  # bytes since the last LF; the longest line seen crossing a chunk
        self.decoder, self.utf8 = codecs.getincrementaldecoder("utf-8")(), True

    def feed(self, chunk: bytes) -> None:
        if self.utf8 and (not chunk.isascii() or self.decoder.getstate()[0]):  # ASCII needs no decoding
            try:
                self.decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError:
                self.utf8 = False
        data = self.carry + chunk if self.carry else chunk
        # Keep a trailing CR back while more may follow: its LF may start the next chunk.
        self.carry = data[-1:] if chunk and data.endswith(b"\r") else b""
        data = data[: len(data) - len(self.carry)]
        if not data:
            return
        if self.after_break and data[:1] in (b"\r", b"\n"):
            self.empty.append(self.breaks + 1)
        lf = data.count(b"\n")
        # A reader sizes its buffers by the longest line: one longer than the buffer is dropped without a word.
        # Two searches per chunk find every line that crosses a chunk boundary (any line over _CHUNK does).
        if lf:
            self.longest = max(self.longest, self.run + data.find(b"\n"))
            self.run = len(data) - data.rfind(b"\n") - 1
        else:
            self.run += len(data)
        # Most exports have no CR and no empty line: then one count (and two fast searches) per chunk.
        cr = data.count(b"\r") if b"\r" in data else 0
        pairs = data.count(b"\r\n") if cr else 0
        if _LF_LF.search(data) or (cr and (b"\r\r" in data or b"\n\r" in data)):  # rare: walk empty lines
            pos = 0
            for match in _EMPTY_LINE.finditer(data):
                self.breaks += _breaks(data[pos : match.end()])
                pos = match.end()
                self.empty.append(self.breaks + 1)
            self.breaks += _breaks(data[pos:])
        else:
            self.breaks += lf + cr - pairs
        self.kinds = [self.kinds[0] + pairs, self.kinds[1] + lf - pairs, self.kinds[2] + cr - pairs]
        self.last = data[-1:]
        self.after_break = self.last in (b"\r", b"\n")

    def layout(self) -> Layout:
        self.feed(b"")  # the end: a held-back CR is a line break of its own
        lines = self.breaks + (1 if self.last and self.last not in (b"\r", b"\n") else 0)  # last line, no break
        return Layout(lines, self.empty, sum(1 for n in self.kinds if n), max(self.longest, self.run), self.utf8)


def _breaks(data: bytes) -> int:
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


@dataclass(frozen=True)
class Scanned:
    """One read of a file: its SHA-256 (custody, dedup of whole files) and, for text, its line layout."""

    sha256: str
    layout: Layout | None


def scan_file(path: Path, lines: bool = True, on_read: Callable[[int], None] | None = None) -> Scanned:
    """SHA-256 and (when `lines`) the byte layout in a single pass: reading a big export twice (once to
    hash, once to count lines) cost ~20% of a CSV ingest. The layout holds for any encoding whose line
    breaks are ASCII bytes; `layout_for` drops it for UTF-16. on_read: told the bytes read so far, per
    chunk (the progress line of a big file)."""
    digest, counter = hashlib.sha256(), _Counter() if lines else None
    done = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            if counter is not None:
                counter.feed(chunk)
            if on_read is not None:
                done += len(chunk)
                on_read(done)
    return Scanned(digest.hexdigest(), counter.layout() if counter is not None else None)


def layout_for(path: Path, encoding: str, known: Layout | None = None) -> Layout | None:
    """The file's layout for a reader: `known` from `scan_file` when given, else scanned now; None when the
    encoding is not byte-compatible with ASCII line breaks (UTF-16), where physical lines are not offered."""
    if encoding.lower().startswith("utf-16"):
        return None
    return known if known is not None else scan(path, encoding)


def scan(path: Path, encoding: str) -> Layout | None:
    """Count lines and find the empty ones with bytes.count/regex per chunk; None for UTF-16."""
    if encoding.lower().startswith("utf-16"):
        return None
    counter = _Counter()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            counter.feed(chunk)
    return counter.layout()


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


def encoding(head: bytes) -> tuple[str, str, list[str]]:
    """(DuckDB encoding, Python codec, notes) from a BOM or the first bytes."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "utf-16", ["UTF-16 text (BOM)"]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut by the sample boundary
            return "latin-1", "latin-1", ["not UTF-8: read as Latin-1"]
    return "utf-8", "utf-8-sig", []


def wide(head: bytes) -> tuple[str, str] | None:
    """(Python codec, name) of a UTF-32 or UTF-16 file, by its BOM or, without one, by the zero bytes beside
    ASCII text (`{\\0\\0\\0` is UTF-32-LE). None for anything else."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE starts both
        return "utf-32", "UTF-32 (BOM)"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16 (BOM)"
    if len(head) >= 4 and head[0] and not head[1] and not head[2] and not head[3]:
        return "utf-32-le", "UTF-32-LE"
    if len(head) >= 4 and not head[0] and not head[1] and not head[2] and head[3]:
        return "utf-32-be", "UTF-32-BE"
    if len(head) >= 4 and head[0] and not head[1] and head[2] and not head[3]:
        return "utf-16-le", "UTF-16-LE"
    if len(head) >= 4 and not head[0] and head[1] and not head[2] and head[3]:
        return "utf-16-be", "UTF-16-BE"
    return None


def recode(path: Path, dest: Path, codec: str) -> None:
    """Copy the text file `path` in `codec` to `dest` as UTF-8, streamed; UnicodeDecodeError if it is not."""
    decoder = codecs.getincrementaldecoder(codec)()
    with path.open("rb") as src, dest.open("w", encoding="utf-8", newline="") as out:
        while chunk := src.read(_CHUNK):
            out.write(decoder.decode(chunk))
        out.write(decoder.decode(b"", final=True))


def transcode(path: Path, dest: Path) -> str:
    """Copy a non-UTF-8 text file to `dest` as UTF-8; returns the note naming the encoding used.

    Windows tools export Windows-1252 (curly quotes and the euro sign at 0x80-0x9F), which DuckDB cannot
    read without an extension these machines cannot download; its own Latin-1 refuses those bytes. So the
    file is decoded here, streamed, as Windows-1252 if every byte is valid in it, else as Latin-1.
    """
    for codec, name in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        decoder = codecs.getincrementaldecoder(codec)()
        try:
            with path.open("rb") as src, dest.open("w", encoding="utf-8", newline="") as out:
                while chunk := src.read(_CHUNK):
                    out.write(decoder.decode(chunk))
                out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError:
            continue
        return f"not UTF-8: read as {name}"
    raise AssertionError("Latin-1 decodes every byte")


def transcode_lines(path: Path, dest: Path) -> str:
    """Copy a mostly UTF-8 file to `dest` as UTF-8, decoding each line that is not UTF-8 as Windows-1252 (as
    Latin-1 where that fails too); returns the note naming the lines so read. Lines stay as they are, so
    every record keeps its line number."""
    fixed: list[int] = []
    line = 0
    with path.open("rb") as src, dest.open("wb") as out:
        carry = b""
        while True:
            chunk = src.read(_CHUNK)
            data = carry + chunk
            cut = data.rfind(b"\n") + 1 if chunk else len(data)  # whole lines only: a character may be cut
            whole, carry = data[:cut], data[cut:]
            try:
                whole.decode("utf-8")
                out.write(whole)
                line += whole.count(b"\n")
            except UnicodeDecodeError:
                for raw in whole.splitlines(keepends=True):
                    line += 1
                    try:
                        raw.decode("utf-8")
                    except UnicodeDecodeError:
                        fixed.append(line)
                        raw = _legacy(raw).encode("utf-8")
                    out.write(raw)
            if not chunk:
                break
    shown = ", ".join(map(str, fixed[:5])) + (f" and {len(fixed) - 5} more" if len(fixed) > 5 else "")
    return f"not UTF-8 on line{'s' if len(fixed) > 1 else ''} {shown}: read as Windows-1252"


def _legacy(raw: bytes) -> str:
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def normalize_line_endings(path: Path, dest: Path) -> None:
    """Copy `path` to `dest` with CRLF and lone CR turned into LF (the number of lines is unchanged)."""
    with path.open("rb") as src, dest.open("wb") as out:
        carry = b""
        while chunk := src.read(_CHUNK):
            data = carry + chunk
            carry = data[-1:] if data.endswith(b"\r") else b""  # its LF may start the next chunk
            out.write(data[: len(data) - len(carry)].replace(b"\r\n", b"\n").replace(b"\r", b"\n"))
        out.write(carry.replace(b"\r", b"\n"))
