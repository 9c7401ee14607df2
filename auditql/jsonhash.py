"""Canonical JSON text for content hashes: keys sorted at every nesting level, no insignificant whitespace.

The dedup rule hashes a record's content "key order ignored at every nesting level". DuckDB has no
order-insensitive normal form for nested JSON (its `json_tree` route measured ~20 s per million records
here), so this one step is a vectorized Python UDF (~5 s per million) — and it only runs for records that
have no vendor id and come from JSON (flat CSV/Parquet rows are canonicalized in SQL).
"""

from __future__ import annotations

import json
import re
import secrets
import weakref
from decimal import Decimal
from typing import Any

import duckdb

_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
# A number a double would change (`0.10000000000000000001` -> 0.1, `1e400` -> inf) keeps the text the file
# wrote: it is parsed as a string carrying this private marker, and the marker's quotes are taken off again
# after encoding. The marker is random per process, so no string in a file can pose as a number.
_MARK = "\ue000" + secrets.token_hex(8) + "\ue000"
_MARKED = re.compile('"' + re.escape(_MARK) + '([^"]*)"')
_SAFE_DIGITS = 15  # every decimal of at most 15 significant digits survives a double round trip


def _number(text: str) -> float | str:
    """The float where it holds the written value exactly (`1.50`, `1e5`: the key is what it always was),
    else the text as written, marked."""
    if len(text) <= _SAFE_DIGITS and "e" not in text and "E" not in text:
        return float(text)
    value = float(text)
    if value - value == 0 and Decimal(repr(value)) == Decimal(text):  # finite and the same decimal value
        return value
    return _MARK + text


def _integer(text: str) -> int | str:
    # Python refuses to make an int of more than 4,300 digits (ValueError): such a number stays text.
    return int(text) if len(text) < 4000 else _MARK + text


def canonical_json(text: str) -> str:
    """Keys sorted at every level, no whitespace, numbers as the file wrote them where a double differs."""
    out = _dumps(json.loads(text, parse_float=_number, parse_int=_integer))
    return _MARKED.sub(r"\1", out) if _MARK in out else out


class _Written(str):
    """A number's text as the file wrote it."""


def exact_values(text: str, paths: list[str], values: list[str | None]) -> list[str | None]:
    """`values` (DuckDB's `json_extract_string` of each dotted field path) with each number replaced by its
    text as written: DuckDB gives a double's shortest form (`0.10000000000000000001` -> `0.1`)."""
    doc = json.loads(text, parse_float=_Written, parse_int=_Written)
    out = list(values)
    for i, path in enumerate(paths):
        node: Any = doc
        for key in path.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, _Written):
            out[i] = str(node)
    return out


def _batch_values(texts, paths, values):  # pyarrow arrays in, a pyarrow list<string> array out
    import pyarrow as pa

    rows = zip(texts.to_pylist(), paths.to_pylist(), values.to_pylist(), strict=True)
    return pa.array([v if t is None else exact_values(t, p, v) for t, p, v in rows], pa.list_(pa.string()))


_SKIP = json.JSONDecoder(parse_float=str, parse_int=str, parse_constant=str)  # spans only: nothing converted
_SPACE = " \t\n\r"


def array_items(text: str, key: str | None) -> list[str] | None:
    """The text of each member of the document's array (`key` None: the document is the array; else the
    array under that top-level key), exactly as written. DuckDB's `json_extract(doc, '$[*]')` writes each
    member anew, and a number a double changes (`0.10000000000000000001`) comes out changed. None when the
    array is not there (the caller keeps DuckDB's members)."""
    pos = _skip(text, 0)
    if key is not None:
        if text[pos : pos + 1] != "{":
            return None
        pos = _skip(text, pos + 1)
        while text[pos : pos + 1] == '"':
            name, pos = _SKIP.raw_decode(text, pos)
            pos = _skip(text, _skip(text, pos) + 1)  # past the colon
            if name == key:
                break
            pos = _skip(text, _SKIP.raw_decode(text, pos)[1])
            pos = _skip(text, pos + 1) if text[pos : pos + 1] == "," else pos
        else:
            return None
    if text[pos : pos + 1] != "[":
        return None
    items, pos = [], _skip(text, pos + 1)
    while text[pos : pos + 1] not in ("]", ""):
        end = _SKIP.raw_decode(text, pos)[1]
        items.append(text[pos:end])
        pos = _skip(text, end)
        pos = _skip(text, pos + 1) if text[pos : pos + 1] == "," else pos
    return items


def _skip(text: str, pos: int) -> int:
    while text[pos : pos + 1] and text[pos] in _SPACE:
        pos += 1
    return pos


def _batch_items(texts, paths):  # pyarrow arrays in, a pyarrow list<string> array out
    import pyarrow as pa

    out = []
    for text, path in zip(texts.to_pylist(), paths.to_pylist(), strict=True):
        try:
            out.append(None if text is None else array_items(text, None if path == "$" else path.removeprefix("$.")))
        except ValueError:  # not JSON after all: DuckDB's members stand
            out.append(None)
    return pa.array(out, pa.list_(pa.string()))


def _batch(column):  # pyarrow.Array -> pyarrow.Array; pyarrow is imported by DuckDB for arrow UDFs
    import pyarrow as pa

    return pa.array([None if s is None else canonical_json(s) for s in column.to_pylist()], pa.string())


# Connections known to have the functions. Asking DuckDB (`duckdb_functions()` lists every function it has)
# took 14 ms, once per JSON file read. Ingest registers them while it reads a file, before the file's
# transaction begins: a function created inside a transaction would go with its ROLLBACK (and DuckDB's Python
# connection would then refuse to create it again), one created outside stays.
_registered: weakref.WeakSet[Any] = weakref.WeakSet()


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """`register` unless the connection has these functions already."""
    if con in _registered:
        return
    found = con.execute(  # fetched whole: an unfinished result would hold the connection
        "SELECT count(*) FROM duckdb_functions() WHERE function_name = 'aq_array_items' AND function_type = 'scalar'"
    ).fetchall()
    if not found[0][0]:
        register(con)
    else:
        _registered.add(con)


FUNCTIONS = ("aq_canonical_json", "aq_array_items", "aq_exact_values")  # what `register` gives


def used_by(sql: str) -> bool:
    """Whether `sql` calls one of the functions `register` gives (a name in a file's field is quoted: then
    it is registered for nothing, which is harmless)."""
    return any(name + "(" in sql for name in FUNCTIONS)


def register(con: duckdb.DuckDBPyConnection) -> None:
    udf_type: Any = "arrow"  # DuckDB accepts the name; its stubs only list the enum
    con.create_function("aq_canonical_json", _batch, ["VARCHAR"], "VARCHAR", type=udf_type)
    con.create_function("aq_array_items", _batch_items, ["VARCHAR", "VARCHAR"], "VARCHAR[]", type=udf_type)
    con.create_function(
        "aq_exact_values", _batch_values, ["VARCHAR", "VARCHAR[]", "VARCHAR[]"], "VARCHAR[]", type=udf_type
    )
    _registered.add(con)
