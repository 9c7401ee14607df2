"""Canonical JSON text for content hashes: keys sorted at every nesting level, no insignificant whitespace.

The dedup rule hashes a record's content "key order ignored at every nesting level". DuckDB has no
order-insensitive normal form for nested JSON (its `json_tree` route measured ~20 s per million records
here), so this one step is a vectorized Python UDF (~5 s per million) — and it only runs for records that
have no vendor id and come from JSON (flat CSV/Parquet rows are canonicalized in SQL).
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def canonical_json(text: str) -> str:
    return _dumps(json.loads(text))


def _batch(column):  # pyarrow.Array -> pyarrow.Array; pyarrow is imported by DuckDB for arrow UDFs
    import pyarrow as pa

    return pa.array([None if s is None else canonical_json(s) for s in column.to_pylist()], pa.string())


def register(con: duckdb.DuckDBPyConnection) -> None:
    udf_type: Any = "arrow"  # DuckDB accepts the name; its stubs only list the enum
    con.create_function("aq_canonical_json", _batch, ["VARCHAR"], "VARCHAR", type=udf_type)
