"""Parquet: columns as they are, the row's place in the file from `file_row_number`, nested columns walked
for their field paths."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from auditql.errors import InputError
from auditql.formats.common import Records, first_line, sql_ident, sql_str
from auditql.formats.jsonfile import structure_paths


def read_parquet(con: duckdb.DuckDBPyConnection, path: Path, display: str) -> Records:
    scan = f"read_parquet({sql_str(str(path))}, file_row_number = true)"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
    except duckdb.Error as exc:
        raise InputError(display, f"cannot read as Parquet: {first_line(exc)}") from None
    names = [n for n, *_ in described if n != "file_row_number"]
    pack = ", ".join(f"{sql_ident(n)} := {sql_ident(n)}" for n in names)
    sorted_pack = ", ".join(f"{sql_ident(n)} := {sql_ident(n)}" for n in sorted(names))
    relation = (
        f"(SELECT file_row_number + 1 AS source_row, NULL::BIGINT AS line, to_json(struct_pack({pack}))::JSON "
        f"AS raw, * EXCLUDE (file_row_number) FROM {scan})"
    )
    # The content (columns in name order, for a hash that ignores column order) is SQL over the native
    # columns, so the mapping computes it only for records without a vendor id.
    content = f"to_json(struct_pack({sorted_pack}))::VARCHAR"
    timestamps = {n for n, t, *_ in described if str(t).startswith(("TIMESTAMP", "DATE")) and n != "file_row_number"}
    nested = [n for n, t, *_ in described if str(t).startswith(("STRUCT", "MAP"))]
    fields = list(names)
    if nested:
        row = con.execute(
            f"SELECT json_group_structure(to_json(struct_pack({pack}))) FROM (SELECT * FROM {scan} LIMIT 1000)"
        ).fetchone()
        fields = structure_paths(json.loads(row[0])) if row and row[0] else fields
    return Records("parquet", relation, fields, set(names), content, False, timestamps=timestamps)
