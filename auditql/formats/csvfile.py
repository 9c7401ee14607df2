"""CSV: the dialect and header fixed up front (never DuckDB's sniffer, which can drop rows or columns), bad
rows through DuckDB's rejects table with their physical line, other encodings and mixed line endings read
through a private normalized copy."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import duckdb

from auditql import textfile
from auditql.errors import InputError
from auditql.formats.common import LINE_OPTIONS, NO_NULL, SNIFF_BYTES, Records, first_line, sql_ident, sql_str


def _header(path: Path, display: str, codec: str) -> tuple[list[str], str]:
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    text = head.decode(codec, errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    if not first.strip():
        raise InputError(display, "empty file: no CSV header line", line=1)
    delimiter = max([",", ";", "\t", "|"], key=first.count)
    header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
    names: list[str] = []
    for i, name in enumerate(header, 1):
        name = name.strip() or f"column{i}"
        base, n = name, 2
        while name in names:
            name, n = f"{base}_{n}", n + 1
        names.append(name)
    return names, delimiter


def _scan_sql(path: Path, names: list[str], delimiter: str, encoding: str) -> str:
    columns = "{" + ", ".join(f"{sql_str(n)}: 'VARCHAR'" for n in names) + "}"
    return (
        f"read_csv({sql_str(str(path))}, header = true, auto_detect = false, columns = {columns}, "
        f"delim = {sql_str(delimiter)}, quote = '\"', escape = '\"', nullstr = {NO_NULL}, "
        f"encoding = {sql_str(encoding)}, {LINE_OPTIONS}, "
        "store_rejects = true, rejects_table = '_aq_reject_errors', rejects_scan = '_aq_reject_scans')"
    )


def _load_csv(con: duckdb.DuckDBPyConnection, path: Path, names: list[str], delimiter: str, encoding: str) -> None:
    for table in ("_aq_reject_errors", "_aq_reject_scans"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    # Materialize once: the rejects table is filled by the scan, and the mapping reads the rows twice.
    cols = ", ".join(sql_ident(n) for n in names)
    raw = "to_json(struct_pack(" + ", ".join(f"{sql_ident(n)} := {sql_ident(n)}" for n in names) + "))"
    # The JSON is built below the row_number() window, where the scan runs in parallel (above it, one thread).
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _aq_csv AS SELECT row_number() OVER () AS source_row, NULL::BIGINT AS line, "
        f"raw, {cols} FROM (SELECT {raw}::JSON AS raw, {cols} FROM {_scan_sql(path, names, delimiter, encoding)})"
    )


def _strict_parse_ok(path: Path, names: list[str], delimiter: str, encoding: str) -> bool:
    """Whether DuckDB's strict parser takes the file as is, asked on a connection of its own: a failed
    statement on the ingest's connection would abort its transaction."""
    probe = duckdb.connect()
    try:
        probe.execute(f"SELECT count(*) FROM {_scan_sql(path, names, delimiter, encoding)}").fetchall()
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
    encoding, codec, notes = textfile.encoding(head)
    layout = textfile.layout_for(path, encoding, known)
    # A failed statement would abort the ingest's transaction, so every fix-up is decided up front.
    with tempfile.TemporaryDirectory(prefix="auditql-csv-") as tmp:
        source = path
        if encoding == "latin-1":
            source, encoding, codec = Path(tmp) / "utf8.csv", "utf-8", "utf-8"
            notes = [textfile.transcode(path, source)]
        names, delimiter = _header(source, display, codec)
        if layout is not None and layout.endings > 1 and not _strict_parse_ok(source, names, delimiter, encoding):
            # DuckDB's strict parser refuses a file that mixes line endings (an export appended to by two
            # tools). Strict mode stays on (off, it silently drops extra columns); a copy with every line
            # ending as LF has the same lines. Only then: a CR inside a quoted value is data.
            normalized = Path(tmp) / "lf.csv"
            textfile.normalize_line_endings(source, normalized)
            source = normalized
            notes.append("mixed line endings: read with every line ending as LF")
        try:
            _load_csv(con, source, names, delimiter, encoding)
            rejected = con.execute(
                "SELECT line, arg_min(lower(error_type || ': ' || error_message), column_idx), "
                "any_value(csv_line) FROM _aq_reject_errors GROUP BY line ORDER BY line"
            ).fetchall()
            rows = con.execute("SELECT count(*) FROM _aq_csv").fetchone()
        except duckdb.Error as exc:
            raise InputError(display, f"cannot read as CSV: {first_line(exc)}") from None
    stored = rows[0] if rows else 0
    found = [(int(ln), text or "") for ln, _, text in rejected]
    spans = textfile.reject_spans(found)
    starts = [span.start for span in spans]
    line = "line"
    if textfile.plain(layout, 1, spans, stored):  # no gap before any row: its line is its number + the header
        line = "source_row + 1"  # (an UPDATE of every row to say so cost 5% of a million-row ingest)
    elif not textfile.assign(con, "_aq_csv", layout, 1, spans, stored):
        cells = textfile.breaks_sql("concat_ws(chr(31), " + ", ".join(sql_ident(n) for n in names) + ")")
        spanning = textfile.assign_spanning(con, "_aq_csv", layout, 1, found, stored, cells)
        if spanning is not None:
            starts = spanning
        elif layout is not None:
            notes.append("quoted values span lines: rows are numbered by record, not by line")
    rejects: list[tuple[int | None, str, str]] = []
    for start, span, (_, reason, text) in zip(starts, spans, rejected, strict=True):
        if span.length > 1:
            reason += f" (one record over lines {start}-{start + span.length - 1})"
        rejects.append((start, reason, text or ""))
    content = "to_json(struct_pack(" + ", ".join(f"{sql_ident(n)} := {sql_ident(n)}" for n in sorted(names)) + "))"
    return Records("csv", "_aq_csv", names, set(names), content, False, rejects, notes, line=line)
