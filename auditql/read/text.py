"""The bytes of a text export before DuckDB reads it: how many lines it has, which are empty, which line
endings it uses, and its SHA-256, all in one streamed pass (`scan_file`).

DuckDB numbers records, not lines: it skips empty lines when it hands out rows, counts a quoted value that
spans lines as one line, and gives line numbers only for the rows it rejects. The layout found here is what
read/lines.py turns into each row's physical line; read/decode.py decodes what is not UTF-8 first.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

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
