"""A run of small CSV files that share their header line, read by one `read_csv([...])`: for a one-record
file, each statement's fixed cost (parse, plan, catalog) is most of its ingest, so a run pays it once
(issue 20). Only files the one-file reader (csvfile.py) would read as they are qualify (`header_of`: UTF-8
without BOM, one kind of line ending, no empty line, a name DuckDB can open). A run whose read rejects a
line, or does not give each file one row per line after its header, is not used: its files are read one
by one, as before, so every file's rows, lines and rejects are the one-file reader's.

Each row's `source_row` carries its file's number (`_aq_run_files._aq_file`) in its high bits (FILE_SHIFT),
so a vendor mapping (ingest/plan.py) runs over the whole run unchanged; the row's own number within its
file is `source_row & ROW_MASK`, its line that plus the header's."""

from __future__ import annotations

import codecs
from pathlib import Path

import duckdb

from auditql.read import decode
from auditql.read import text as textfile
from auditql.read.csvfile import _columns, _header, _json_of, _relation, _renamed, _scan_sql
from auditql.read.records import SNIFF_BYTES, Records, sql_ident

FILE_SHIFT = 32
ROW_MASK = (1 << FILE_SHIFT) - 1
FILE_COLUMN = "_aq_filename"  # the scan's column naming each row's file
GLOB_CHARACTERS = "*?[{"  # `a[1].csv` in read_csv's list reads `a1.csv`: such names are read one by one


def header_of(path: Path, layout: textfile.Layout | None) -> tuple[bytes, textfile.Layout] | None:
    """The file's header line (what a run shares) and its line layout, when the file can be read in a run;
    None when it needs the one-file reader's fix-ups, or may (a decision the one-file reader makes by
    content: other encodings, mixed line endings, empty lines, quoted line breaks)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # DuckDB cannot open it by name (formats._nameable)
        return None
    if any(c in str(path) for c in GLOB_CHARACTERS):  # a name in read_csv's list is a pattern
        return None
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    end = head.find(b"\n")
    if end < 0 or not head[:end].strip():  # no header line, or a blank one (its reader refuses the file)
        return None
    if head.startswith(codecs.BOM_UTF8) or decode.wide(head) or decode.encoding(head)[0] != "utf-8":
        return None
    layout = layout if layout is not None else textfile.scan(path, "utf-8")
    if layout is None or layout.lines < 2:  # a header alone: 0 records, no row to carry its file
        return None
    if not layout.utf8 or layout.endings > 1 or any(n > 1 for n in layout.empty):
        return None
    return head[: end + 1], layout


def read_run(con: duckdb.DuckDBPyConnection, paths: list[Path], display: str, rows: list[int]) -> Records | None:
    """Read `paths` (in `_aq_run_files` order, one header line) into `_aq_csv` (cells only, as csvfile stores
    one file; each record's JSON is built as the records are read); None when the run must be
    read file by file: a header the one-file reader reads through private column names, a rejected line,
    or a file whose rows are not `rows[i]` (its lines after the header)."""
    names, delimiter = _header(paths[0], display, "utf-8-sig")
    columns = _columns(names)
    if any(columns[n] != n for n in names) or FILE_COLUMN in {n.lower() for n in names}:
        return None
    for table in ("_aq_reject_errors", "_aq_reject_scans"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    cols = ", ".join(sql_ident(n) for n in names)
    # Numbered below the join, in scan order (insertion order is kept, as for one file: csvfile._load_csv).
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _aq_csv AS SELECT (f._aq_file::BIGINT << {FILE_SHIFT}) + r._aq_n "
        "- min(r._aq_n) OVER (PARTITION BY f._aq_file) + 1 AS source_row, NULL::BIGINT AS line, "
        f"{cols} FROM (SELECT row_number() OVER () AS _aq_n, * FROM (SELECT "
        f"{cols}, {FILE_COLUMN} FROM {_scan_sql(paths, names, delimiter, 'utf-8')})) r "
        f"JOIN _aq_run_files f ON f.path = r.{FILE_COLUMN}"
    )
    found = con.execute(
        f"SELECT (SELECT count(*) FROM _aq_reject_errors), (SELECT map(list(f), list(n)) FROM (SELECT "
        f"source_row >> {FILE_SHIFT} AS f, count(*) AS n, max(source_row & {ROW_MASK}) AS last FROM _aq_csv "
        "GROUP BY 1) WHERE n = last)"
    ).fetchone()
    if not found or found[0] or dict(found[1] or {}) != dict(enumerate(rows)):
        return None
    notes = _renamed(paths[0], "utf-8-sig", delimiter, names)
    line = f"(source_row & {ROW_MASK}) + 1"
    content = _json_of(sorted(names), columns)
    return Records("csv", _relation(names, columns), names, set(names), content, False, [], notes, line=line)
