"""Read one Parquet / CSV / JSON / NDJSON file into DuckDB as records: `source_row`, `raw` (the whole record
as JSON) and a way to reach each field in SQL.

Each reader pins what DuckDB would otherwise guess (PITFALLS.md): CSV dialect and header are fixed up front
and bad rows go to DuckDB's rejects table with their line; JSON is read as objects (`read_json_objects`),
never through schema inference that silently drops late keys. Nothing here loops over rows in Python.
"""

from __future__ import annotations

import codecs
import tempfile
from pathlib import Path

import duckdb

from auditql.errors import InputError
from auditql.read import decode
from auditql.read import text as textfile
from auditql.read.csvfile import read_csv
from auditql.read.jsonfile import ENVELOPE_KEYS, MAX_JSON_DEPTH, PAGING_KEYS, read_json, structure_paths
from auditql.read.parquetfile import read_parquet
from auditql.read.records import (
    LINE_OPTIONS,
    LONG_NUMBER,
    MAX_LINE_BYTES,
    NO_NULL,
    SNIFF_BYTES,
    Records,
    first_line,
    json_path,
    sql_ident,
    sql_str,
)
from auditql.read.text import Layout

__all__ = [
    "ENVELOPE_KEYS",
    "LINE_OPTIONS",
    "LONG_NUMBER",
    "MAX_JSON_DEPTH",
    "MAX_LINE_BYTES",
    "NO_NULL",
    "PAGING_KEYS",
    "SNIFF_BYTES",
    "Records",
    "first_line",
    "json_path",
    "read",
    "read_csv",
    "read_json",
    "read_parquet",
    "sniff_kind",
    "sql_ident",
    "sql_str",
    "structure_paths",
]


JSON_SUFFIXES = (".json", ".ndjson", ".jsonl")


def sniff_kind(path: Path) -> str:
    """csv | json | parquet by content (extension only breaks ties), so misnamed exports still load."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith(b"PAR1"):
        return "parquet"
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    if found := decode.wide(head):  # UTF-16/32: judged by its characters, not its bytes
        text = head.decode(found[0], errors="ignore").lstrip("\ufeff").lstrip()[:1].encode("utf-8", "replace")
    if text[:1] in (b"{", b"["):
        return "json"
    if not head.strip():
        return "json" if path.suffix.lower() in JSON_SUFFIXES else "csv"
    # A .json file holding one bare value (`"text"`, `42`, `null`) is JSON that holds no record: read as JSON,
    # it is rejected as such; read as CSV it was a header without rows (0 records, not a word).
    if path.suffix.lower() in JSON_SUFFIXES and text[:1] in tuple(b'"-0123456789tfn'[i : i + 1] for i in range(14)):
        return "json"
    return "csv"


_links: tempfile.TemporaryDirectory[str] | None = None


def _nameable(path: Path) -> Path:
    """A name DuckDB can open: a file name that is not UTF-8 (`bad\\xff.csv`) crashes it (`std::bad_cast`), so
    such a file is reached through a link of ours, which lives as long as the process (a Parquet relation
    reads the file after `read` returns)."""
    global _links
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        if _links is None:
            _links = tempfile.TemporaryDirectory(prefix="auditql-names-")
        link = Path(tempfile.mkdtemp(dir=_links.name)) / f"file{path.suffix.encode('ascii', 'replace').decode()}"
        link.symlink_to(path.resolve())
        return link
    return path


def read(con: duckdb.DuckDBPyConnection, path: Path, display: str, layout: Layout | None = None) -> Records:
    """`layout`: the file's line layout when the caller already scanned it (`textfile.scan_file`, which
    hashes the file in the same pass); text readers scan it themselves otherwise."""
    if path.stat().st_size == 0:
        raise InputError(display, "empty file (0 bytes): nothing to read")
    path = _nameable(path)
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    found = decode.wide(head) if not head.startswith(b"PAR1") else None
    if found is None and sniff_kind(path) == "json":
        return _read_json_text(con, path, display, layout)
    if found is None or (found[0] == "utf-16" and sniff_kind(path) == "csv"):
        return _read(con, path, display, layout)  # DuckDB reads UTF-16 CSV itself, with its own line numbers
    codec, name = found
    # UTF-32 (which DuckDB cannot read) and UTF-16 JSON (which its JSON reader cannot) are read from a UTF-8
    # copy; read as they were, they became one empty CSV column (0 records, no word said).
    with tempfile.TemporaryDirectory(prefix="auditql-text-") as tmp:
        copy = Path(tmp) / f"utf8{path.suffix}"
        try:
            decode.recode(path, copy, codec)
        except UnicodeDecodeError as exc:
            raise InputError(display, f"looks like {name} text but is not ({exc.reason} at byte {exc.start})") from None
        records = _read(con, copy, display, None)
    records.notes.insert(0, f"{name} text: read as UTF-8")
    return records


def _read_json_text(con: duckdb.DuckDBPyConnection, path: Path, display: str, layout: Layout | None) -> Records:
    """JSON whose bytes are not all UTF-8 (Windows-1252 from start to end, or a line of it deep inside) is
    read from a UTF-8 copy: DuckDB's JSON reader refuses the whole file at the first such byte. Lines stay
    as they are, so every record keeps its line."""
    layout = layout if layout is not None else textfile.scan(path, "utf-8")
    if layout is None or layout.utf8:
        return _read(con, path, display, layout)
    with tempfile.TemporaryDirectory(prefix="auditql-text-") as tmp:
        copy = Path(tmp) / f"utf8{path.suffix}"
        note = decode.transcode_lines(path, copy)  # line by line: UTF-8 lines beside them stay as they are
        records = _read(con, copy, display, None)
    records.notes.insert(0, note)
    return records


def _read(con: duckdb.DuckDBPyConnection, path: Path, display: str, layout: Layout | None) -> Records:
    kind = sniff_kind(path)
    if kind == "parquet":
        return read_parquet(con, path, display)
    return (read_csv if kind == "csv" else read_json)(con, path, display, layout)
