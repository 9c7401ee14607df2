"""CSV: the dialect and header fixed up front (never DuckDB's sniffer, which can drop rows or columns), bad
rows through DuckDB's rejects table with their physical line, other encodings and mixed line endings read
through a private normalized copy."""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from pathlib import Path

import duckdb

from auditql.db import connections
from auditql.errors import InputError
from auditql.read import decode
from auditql.read import lines as textlines
from auditql.read import text as textfile
from auditql.read.records import (
    MAX_BUFFER_BYTES,
    MAX_LINE_BYTES,
    NO_NULL,
    REJECT_REASON,
    SNIFF_BYTES,
    Records,
    first_line,
    line_options,
    sql_ident,
    sql_str,
)
from auditql.sql import sql_file

MAX_COLUMNS = 25_000  # wider is refused: 1M columns never finished, 100k took all 12 GB of RAM (20k: 0.8 GB)
# Names of the reader's own columns (and the mapping's `_aq_fields`); a header holding one, or two names that
# differ only in case (DuckDB's names are case-insensitive), is read through private column names.
RESERVED = frozenset({"source_row", "line", "raw", "_aq_fields"})


def _first_line(path: Path, codec: str, limit: int) -> str:
    """The header line, however long (a 64 KiB sample cut a wide header, so every row had too many columns),
    decoded as it is read, up to `limit` bytes."""
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    pieces, taken = [], 0
    with path.open("rb") as fh:
        while taken < limit and (chunk := fh.read(SNIFF_BYTES)):
            taken += len(chunk)
            pieces.append(decoder.decode(chunk))
            if "\n" in pieces[-1] or "\r" in pieces[-1]:
                break
    text = "".join(pieces)
    lines = text.splitlines()
    return lines[0] if lines and text.strip() else ""


def _header(path: Path, display: str, codec: str) -> tuple[list[str], str]:
    first = _first_line(path, codec, MAX_LINE_BYTES)
    if not first.strip():
        raise InputError(display, "empty file: no CSV header line", line=1)
    delimiter = max([",", ";", "\t", "|"], key=first.count)
    if first.count(delimiter) >= MAX_COLUMNS:
        raise InputError(
            display, f"a header of more than {MAX_COLUMNS:,} columns: refused, nothing read (is it a CSV?)", line=1
        )
    header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
    names: list[str] = []
    taken: set[str] = set()  # a set: a list's `in` made a 20,000-column header cost seconds
    for i, name in enumerate(header, 1):
        name = name.strip() or f"column{i}"
        base, n = name, 2
        while name in taken:
            name, n = f"{base}_{n}", n + 1
        names.append(name)
        taken.add(name)
    return names, delimiter


def _renamed(path: Path, codec: str, delimiter: str, names: list[str]) -> list[str]:
    """Say where a header name was not kept as written (repeated, or empty): raw holds one key per column, so
    nothing is lost, but a reader looking for the file's own name must know the stored one."""
    header = next(csv.reader(io.StringIO(_first_line(path, codec, MAX_LINE_BYTES)), delimiter=delimiter))
    changed = [(i, written.strip(), stored) for i, (written, stored) in enumerate(zip(header, names, strict=True), 1)
               if written.strip() != stored]  # fmt: skip
    notes = [
        f"column {i} repeats the header name {written!r}: stored as {stored!r}"
        if written
        else f"column {i} has no header name: stored as {stored!r}"
        for i, written, stored in changed[:5]
    ]
    if len(changed) > 5:
        notes.append(f"{len(changed) - 5} more header names were renamed the same way")
    return notes


def _columns(names: list[str]) -> dict[str, str]:
    """Field -> column: the file's names, unless two differ only in case or one is a reader's own name."""
    lowered = {n.lower() for n in names}
    if len(lowered) == len(names) and not lowered & RESERVED:
        return {n: n for n in names}
    return {n: f"_aq_col{i}" for i, n in enumerate(names, 1)}


def _json_of(names: list[str], columns: dict[str, str]) -> str:
    """SQL: the row as a JSON object with the file's own names, in the order given."""
    if all(columns[n] == n for n in names):  # the form every archive's content keys were made with: keep it
        return "to_json(struct_pack(" + ", ".join(f"{sql_ident(n)} := {sql_ident(n)}" for n in names) + "))"
    return "json_object(" + ", ".join(f"{sql_str(n)}, {sql_ident(columns[n])}" for n in names) + ")"


def _scan_sql(path: Path | list[Path], names: list[str], delimiter: str, encoding: str, longest: int = 0) -> str:
    """The scan of one file, or of several with the same header (csvrun.py), each row naming its file in
    `_aq_filename`."""
    columns = "{" + ", ".join(f"{sql_str(n)}: 'VARCHAR'" for n in names) + "}"
    files = sql_file(path)
    if isinstance(path, list):
        files = "[" + ", ".join(sql_file(p) for p in path) + "], filename = '_aq_filename'"
    return (
        f"read_csv({files}, header = true, auto_detect = false, columns = {columns}, "
        f"delim = {sql_str(delimiter)}, quote = '\"', escape = '\"', nullstr = {NO_NULL}, "
        f"encoding = {sql_str(encoding)}, {line_options(longest)}, "
        "store_rejects = true, rejects_table = '_aq_reject_errors', rejects_scan = '_aq_reject_scans')"
    )


def _load_csv(
    con: duckdb.DuckDBPyConnection, path: Path, names: list[str], delimiter: str, encoding: str, longest: int
) -> dict[str, str]:
    """Fill `_aq_csv`; returns the column of each field (see `_columns`)."""
    for table in ("_aq_reject_errors", "_aq_reject_scans"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    columns = _columns(names)
    # Materialize once: the rejects table is filled by the scan, and the mapping reads the rows twice.
    cols = ", ".join(sql_ident(columns[n]) for n in names)
    # The file's cells only: each record's JSON (`raw`) is built where the records are read (`_relation`), so the
    # table and the mapped copy of the records never both hold it (a million-record CJA export peaked at
    # 1.86-1.94 GB when it was stored here too, 1.67-1.69 GB without).
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _aq_csv AS SELECT row_number() OVER () AS source_row, NULL::BIGINT AS line, "
        f"{cols} FROM {_scan_sql(path, [columns[n] for n in names], delimiter, encoding, longest)}"
    )
    return columns


def _relation(names: list[str], columns: dict[str, str]) -> str:
    """`_aq_csv` as the records' relation (source_row, line, raw, the cells): `raw` computed as it is read."""
    cols = ", ".join(sql_ident(columns[n]) for n in names)
    return f"(SELECT source_row, line, {_json_of(names, columns)}::JSON AS raw, {cols} FROM _aq_csv)"


def _strict_parse_ok(path: Path, names: list[str], delimiter: str, encoding: str) -> bool:
    """Whether DuckDB's strict parser takes the file as is, asked on a connection of its own: a failed
    statement on the ingest's connection would abort its transaction."""
    probe = connections.probe()
    try:
        columns = _columns(names)
        scan = _scan_sql(path, [columns[n] for n in names], delimiter, encoding)
        probe.execute(f"SELECT count(*) FROM {scan}").fetchall()
    except duckdb.InvalidInputException as exc:
        return "invalid state" not in str(exc)
    except duckdb.Error:
        return True  # any other problem is reported by the real read
    finally:
        probe.close()
    return True


def read_csv(con: duckdb.DuckDBPyConnection, path: Path, display: str, known: textfile.Layout | None = None) -> Records:
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    encoding, codec, notes = decode.encoding(head)
    layout = textfile.layout_for(path, encoding, known)
    # A failed statement would abort the ingest's transaction, so every fix-up is decided up front.
    with tempfile.TemporaryDirectory(prefix="auditql-csv-") as tmp:
        source = path
        if encoding == "latin-1":
            source, encoding, codec = Path(tmp) / "utf8.csv", "utf-8", "utf-8"
            notes = [decode.transcode(path, source)]
        names, delimiter = _header(source, display, codec)
        notes.extend(_renamed(source, codec, delimiter, names))
        if layout is not None and layout.endings > 1 and not _strict_parse_ok(source, names, delimiter, encoding):
            # DuckDB's strict parser refuses a file that mixes line endings (an export appended to by two
            # tools). Strict mode stays on (off, it silently drops extra columns); a copy with every line
            # ending as LF has the same lines. Only then: a CR inside a quoted value is data.
            normalized = Path(tmp) / "lf.csv"
            decode.normalize_line_endings(source, normalized)
            source = normalized
            notes.append("mixed line endings: read with every line ending as LF")
        longest = layout.longest if layout is not None else 0
        if longest > MAX_BUFFER_BYTES:
            raise InputError(display, f"a line of {longest:,} bytes: too long to read, refused (nothing read)")
        try:
            columns = _load_csv(con, source, names, delimiter, encoding, longest)
            if encoding == "utf-8" and _bad_encoding(con):
                # The first 64 KiB were UTF-8, a later line is not (a Windows-1252 row appended by another tool):
                # a copy with each such line decoded as Windows-1252 (or Latin-1) is read instead.
                fixed = Path(tmp) / "mixed.csv"
                notes.append(decode.transcode_lines(source, fixed))
                columns = _load_csv(con, fixed, names, delimiter, encoding, longest)
            rejected = con.execute(
                f"SELECT line, arg_min({REJECT_REASON}, coalesce(column_idx, 0)), "  # a line error has no column
                "any_value(csv_line) FROM _aq_reject_errors GROUP BY line ORDER BY line"
            ).fetchall()
            rows = con.execute("SELECT count(*) FROM _aq_csv").fetchone()
        except duckdb.Error as exc:
            raise InputError(display, f"cannot read as CSV: {first_line(exc)}") from None
    stored = rows[0] if rows else 0
    found = [(int(ln), text or "") for ln, _, text in rejected]
    spans = textlines.reject_spans(found)
    starts = [span.start for span in spans]
    line = "line"
    if textlines.plain(layout, 1, spans, stored):  # no gap before any row: its line is its number + the header
        line = "source_row + 1"  # (an UPDATE of every row to say so cost 5% of a million-row ingest)
    elif not textlines.assign(con, "_aq_csv", layout, 1, spans, stored):
        cells = textlines.breaks_sql("concat_ws(chr(31), " + ", ".join(sql_ident(columns[n]) for n in names) + ")")
        spanning = textlines.assign_spanning(con, "_aq_csv", layout, 1, found, stored, cells)
        if spanning is not None:
            starts = spanning
        elif layout is not None:
            notes.append("quoted values span lines: rows are numbered by record, not by line")
    rejects: list[tuple[int | None, str, str]] = []
    for start, span, (_, reason, text) in zip(starts, spans, rejected, strict=True):
        if span.length > 1:
            reason += f" (one record over lines {start}-{start + span.length - 1})"
        rejects.append((start, reason, text or ""))
    content = _json_of(sorted(names), columns)
    private = {n: c for n, c in columns.items() if c != n}
    relation = _relation(names, columns)
    return Records("csv", relation, names, set(names), content, False, rejects, notes, line=line, columns=private)


def _bad_encoding(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute("SELECT count(*) FROM _aq_reject_errors WHERE error_type = 'INVALID ENCODING'").fetchone()
    return bool(row and row[0])
