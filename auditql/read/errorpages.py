"""Saved API error responses among the pages of a JSON/NDJSON export.

Someone paging through an audit API (Gigya `audit.search`, CJA, …) saves every response, and now and then one
is an error: `{"callId": …, "errorCode": 400006, "errorMessage": "Invalid parameter value", "statusCode": 400,
"statusReason": "Bad Request", "time": …}`. That document is neither a page of records nor an audit record,
so it is named as what it is (a note on the file) and taken out before records are counted: it is not read,
not rejected, and `read = added + duplicates + rejected` holds for the records that are there.

An error response is recognized by its envelope, never by one field: an object carrying both status keys of
an API response (`errorCode` and `statusCode`), one of them an error (errorCode not 0, statusCode ≥ 400), and
no record array under any envelope key. An audit record of a failed call (`statusCode: 500` beside its own
time, actor and action) has no `errorCode` beside it and stays a record.
"""

from __future__ import annotations

import duckdb

from auditql.read.records import sql_str

NOTED = 5  # error responses named one by one; beyond that, one line counts the rest
MESSAGE_CHARS = 200
# An error response is a few hundred bytes; a page of records can be 100 MB, and parsing it three times to
# learn that it is no error cost 0.8 s on a 250,000-record `audit.search` page. Only the documents naming
# `errorCode` are kept aside (materialized) and parsed: copying every record first cost 0.17 s per 250,000
# NDJSON lines. The text searched for is `orCode"`, part of `"errorCode"`: DuckDB's `contains` skips ahead to
# the first character, and `o` is rarer in JSON than `"` (0.05 s instead of 0.11 s on that file; Gigya's own
# `errCode` ends in `rCode"`, so the needle must start before the `r`).
# No `json_type(raw) = 'OBJECT'` test: DuckDB pushed it below the CTE into the scan, parsing every record
# (0.29 s per 250,000), and it says nothing more than `errorCode` and `statusCode` found at `$.` (an array or
# a scalar has neither).
MAX_BYTES = 1 << 20


def drop_error_responses(
    con: duckdb.DuckDBPyConnection, docs: str, table: str, key: str, unit: str, envelope_keys: tuple[str, ...]
) -> list[str]:
    """Find the error responses among the documents of `docs` (source_row, line, raw), delete them from
    `table` (whose column `key` is the documents' source_row) and return notes naming them, each by its
    `unit` (`line`: by its line; `array item`, `document`: by its place among the documents)."""
    arrays = ", ".join(sql_str(f"$.{k}") for k in envelope_keys)
    found = con.execute(
        "SELECT source_row, line, CASE WHEN coalesce(TRY_CAST(v[1] AS DOUBLE), 0) <> 0 "
        "THEN 'errorCode ' || v[1] ELSE 'statusCode ' || v[2] END, coalesce(v[3], v[4]) FROM ("
        "SELECT source_row, line, json_extract_string(raw, "
        "['$.errorCode', '$.statusCode', '$.errorMessage', '$.statusReason']) AS v, "
        f"json_type(raw, [{arrays}]) AS arrays FROM (WITH small AS MATERIALIZED (SELECT * FROM {docs} "
        f"WHERE strlen(raw::VARCHAR) < {MAX_BYTES} AND contains(raw::VARCHAR, 'orCode\"')) "
        "SELECT * FROM small)) "
        "WHERE v[1] IS NOT NULL AND v[2] IS NOT NULL AND NOT list_contains(arrays, 'ARRAY') "
        "AND (coalesce(TRY_CAST(v[1] AS DOUBLE), 0) <> 0 OR coalesce(TRY_CAST(v[2] AS DOUBLE), 0) >= 400) "
        "ORDER BY source_row"
    ).fetchall()
    if not found:
        return []
    con.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT unnest(?::BIGINT[]))", [[r[0] for r in found]])
    notes = [_note(unit, *row) for row in found[:NOTED]]
    if len(found) > NOTED:
        notes.append(f"… and {len(found) - NOTED} more saved API error responses, none of them an audit record")
    return notes


def _note(unit: str, doc: int, line: int | None, code: str, message: str | None) -> str:
    where = f"{unit} {line if unit == 'line' else doc}"
    text = " ".join((message or "").split())[:MESSAGE_CHARS]
    said = f"{code}: {text}" if text else code
    return f"{where}: a saved API error response ({said}), not an audit record: not counted as read"
