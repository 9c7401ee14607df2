"""Parquet: columns as they are, the row's place in the file from `file_row_number`, nested columns walked
for their field paths.

The file's footer is read first (pyarrow, no data): a column nested deeper than MAX_DEPTH levels is refused
before DuckDB sees it (100-deep lists never finished; 200-deep structs hit a DuckDB fatal error that
invalidates the connection, archive included). Column names are the file's own: DuckDB renames `Time` beside
`time` to `Time_1` and cannot hold a column named like one the reader adds (`source_row`, `raw`, …), so such
files are read through private column names and `raw` is built with the file's names.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from auditql.errors import InputError
from auditql.read.jsonfile import structure_paths
from auditql.read.records import MAX_LINE_BYTES, Records, first_line, sql_ident, sql_str
from auditql.sql import sql_file

MAX_DEPTH = 32  # levels of list/struct/map nesting; audit records have < 10
# Names the reader's own relation uses (and the mapping adds, `_aq_fields`); compared case-insensitively.
RESERVED = frozenset({"source_row", "line", "raw", "file_row_number", "_aq_fields"})
_SIZE = {"BLOB": "octet_length", "VARCHAR": "strlen"}  # bytes of a value, by type
_CAP = f"coalesce(getvariable('aq_line_cap'), {MAX_LINE_BYTES})"  # the size of one record's value, as for a line


def _schema(path: Path, display: str, cap: int) -> tuple[list[str], int, str, set[str]]:
    """(top-level column names as the file has them, deepest nesting, the deepest column, the columns that
    may hold a value over `cap` bytes: those with a column chunk that large, by the footer)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
        schema = meta.schema.to_arrow_schema()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(display, f"cannot read as Parquet: {first_line(exc)}") from None
    deepest, where = 0, ""
    for f in schema:
        todo, depth = [(f.type, 0)], 0
        while todo:  # a walk, not recursion: the depth is what is being checked
            t, d = todo.pop()
            depth = max(depth, d)
            if d > MAX_DEPTH:
                break
            if pa.types.is_struct(t):
                todo += [(t.field(i).type, d + 1) for i in range(t.num_fields)]
            elif pa.types.is_map(t):
                todo += [(t.key_type, d + 1), (t.item_type, d + 1)]
            elif pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
                todo.append((t.value_type, d + 1))
        if depth > deepest:
            deepest, where = depth, f.name
    large = set()
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            chunk = group.column(c)
            if chunk.total_uncompressed_size > cap:
                large.add(chunk.path_in_schema.split(".")[0])
    return list(schema.names), deepest, where, large


def read_parquet(con: duckdb.DuckDBPyConnection, path: Path, display: str) -> Records:
    row = con.execute(f"SELECT {_CAP}").fetchone()
    names, depth, deepest, large = _schema(path, display, int(row[0]) if row else MAX_LINE_BYTES)
    if depth > MAX_DEPTH:
        raise InputError(display, f"column {deepest!r} is nested deeper than {MAX_DEPTH} levels: refused, nothing read")
    row_number = not any(n.lower() == "file_row_number" for n in names)
    scan = f"read_parquet({sql_file(path)}{', file_row_number = true' if row_number else ''})"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
    except duckdb.Error as exc:
        raise InputError(display, f"cannot read as Parquet: {first_line(exc)}") from None
    described = described[: len(names)]  # without file_row_number, which comes last
    lowered = [n.lower() for n in names]
    private = len(set(lowered)) < len(names) or bool(RESERVED & set(lowered))
    # field (the file's name) -> the relation's column for it
    columns = {n: f"_aq_col{i}" if private else n for i, n in enumerate(names, 1)}
    duck = {n: d for n, (d, *_) in zip(names, described, strict=True)}
    raw = _json_of(names, duck, private)
    big = {n: _SIZE[str(t)] for n, (_, t, *_) in zip(names, described, strict=True) if str(t) in _SIZE and n in large}
    too_big = " OR ".join(f"{big[n]}({sql_ident(duck[n])}) > {_CAP}" for n in big) or "false"
    position = "file_row_number + 1" if row_number else "row_number() OVER ()"
    place = next(p for i in range(len(names) + 1) if (p := f"_aq_row{i}") not in lowered)  # a name the file lacks
    picked = ", ".join(f"{sql_ident(duck[n])} AS {sql_ident(columns[n])}" for n in names)
    scanned = f"(SELECT {position} AS {place}, * FROM {scan})"
    relation = (
        f"(SELECT {place} AS source_row, NULL::BIGINT AS line, {raw}::JSON AS raw, {picked} FROM {scanned} "
        f"WHERE NOT ({too_big}))"
    )
    rejects = _oversized(con, scanned, place, big, duck, too_big) if big else []
    # The content (columns in name order, for a hash that ignores column order) is SQL over the native
    # columns, so the mapping computes it only for records without a vendor id.
    content = f"{_json_of(sorted(names), columns, private)}::VARCHAR"
    kinds = {n: str(t) for n, (_, t, *_) in zip(names, described, strict=True)}
    timestamps = {n for n in names if kinds[n].startswith(("TIMESTAMP", "DATE"))}
    nested = [n for n in names if kinds[n].startswith(("STRUCT", "MAP"))]
    fields = list(names)
    if nested:
        row = con.execute(
            f"SELECT json_group_structure({raw}) FROM (SELECT * FROM {scanned} WHERE NOT ({too_big}) LIMIT 1000)"
        ).fetchone()
        fields = structure_paths(json.loads(row[0])) if row and row[0] else fields
    return Records(
        "parquet", relation, fields, set(names), content, False, rejects, timestamps=timestamps,
        columns={n: c for n, c in columns.items() if c != n},
    )  # fmt: skip


def _json_of(names: list[str], column: dict[str, str], private: bool) -> str:
    """SQL: the record as a JSON object with the file's own names, in the order given."""
    if not private:  # the form every archive's content keys were made with: keep it
        return "to_json(struct_pack(" + ", ".join(f"{sql_ident(n)} := {sql_ident(n)}" for n in names) + "))"
    return "json_object(" + ", ".join(f"{sql_str(n)}, {sql_ident(column[n])}" for n in names) + ")"


def _oversized(
    con: duckdb.DuckDBPyConnection, scanned: str, place: str, big: dict[str, str], duck: dict[str, str], too_big: str
) -> list[tuple[int | None, str, str]]:
    """Records holding one value bigger than a line may be (a 200 MB binary cell needs GBs as JSON): each is
    rejected with its size, the file's other records are read."""
    sizes = ", ".join(f"{big[n]}({sql_ident(duck[n])})" for n in big)
    found = con.execute(f"SELECT {place}, [{sizes}] FROM {scanned} WHERE {too_big} ORDER BY {place}").fetchall()
    rejects: list[tuple[int | None, str, str]] = []
    for row, sizes_of in found:
        name, size = max(zip(big, sizes_of, strict=True), key=lambda p: p[1] or 0)
        rejects.append((None, f"record {row}: column {name!r} holds a value of {size} bytes, too big to read", ""))
    return rejects
