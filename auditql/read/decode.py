"""Text DuckDB cannot read as it is, made readable: the encoding judged from a BOM or the first bytes, and
a private copy transcoded to UTF-8 or with its line endings normalized (streamed, never parsed).

DuckDB reads UTF-8, UTF-16 and Latin-1 only (other encodings need an extension these machines cannot
download) and refuses a CSV that mixes line endings in strict mode.
"""

from __future__ import annotations

import codecs
from pathlib import Path

_CHUNK = 4 * 1024 * 1024  # bytes per read: a copy is streamed, never held whole


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
