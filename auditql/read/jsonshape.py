"""Field discovery and the ambiguity checks for JSON records, done once per distinct record shape.

The field catalog must hold every key any record has (a key first seen on record 900,000 is not dropped).
DuckDB's `json_structure` costs ~3.5 µs per record: 0.9 s of a 250,000-record ingest, more than the by-hand
baseline's whole extraction. Comparing shapes is cheaper than describing them: two records have the same
structure when they have the same keys at every object path and the same type at every path (arrays compared
by their own structure). So records are grouped by that signature (`json_keys` and `json_type` over a list of
paths: two parses per record, ~4x cheaper), `json_structure` runs on one record per group, and merging those
gives what `json_group_structure` gives over every record.

The paths come from a sample. The grouping is exact only when no group's representative has a path outside
them, so it is repeated with the paths found until that holds (on a uniform export: once). Files with too
many shapes (free-form maps keyed by ids) or with keys no JSON path can name (the empty key, `*`) are described
record by record instead (`per_record`), as before.

Records with a repeated key (parsers disagree on which copy wins) and records that are not objects are found
from the groups too: `json_keys` lists a repeated key twice, and the root's type is part of the signature.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb

from auditql.db import connections
from auditql.read.records import sql_str

SAMPLE = 1000  # records whose structures seed the signature's paths
MAX_SHAPES = 2000  # more groups than this (free-form keys): describe each record instead
MAX_PATHS = 500
MAX_ROUNDS = 8
# The first repeated key (sorted) of the first object level that has one; NULL when none.
_LEVEL = "list_filter(k, lambda m: len(m) <> len(list_distinct(m)))[1]"
_DUPLICATE = f"list_sort(list_filter({_LEVEL}, lambda x: len(list_filter({_LEVEL}, lambda y: y = x)) > 1))[1]"

Rejects = list[tuple[int, int | None, str, str]]  # (source_row, line, reason, text)


@dataclass
class Found:
    """The merged structure of the good records (as `json_group_structure` gives it) and what was rejected,
    each list in record order: records with a repeated key, and records that are not objects."""

    structure: object
    ambiguous: Rejects
    not_object: Rejects


def _quote(key: str) -> str:
    return '."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _walk(structure: object, path: str, out: dict[str, set[str]], keys: set[str]) -> None:
    """Every node a record's `json_structure` shows: JSON path -> kinds (object, array, scalar)."""
    if isinstance(structure, dict):
        out.setdefault(path, set()).add("object")
        for key, sub in structure.items():
            keys.add(key)
            _walk(sub, path + _quote(key), out, keys)
    else:  # an array's elements are compared through the array's own structure
        out.setdefault(path, set()).add("array" if isinstance(structure, list) else "scalar")


def _paths_usable(keys: set[str]) -> bool:
    """Whether DuckDB's path syntax names each key exactly (it cannot name the empty key or `*`), asked on a
    scratch connection: a failed statement on the ingest's connection would abort its transaction."""
    if not keys:
        return True
    probe = connections.probe()
    try:
        doc = json.dumps(dict.fromkeys(keys, 1), ensure_ascii=False)
        row = probe.execute("SELECT json_type(?, ?::VARCHAR[])", [doc, ["$" + _quote(k) for k in keys]]).fetchone()
        return row is not None and all(t == "UBIGINT" for t in row[0])
    except duckdb.Error:
        return False
    finally:
        probe.close()


def _signature(paths: dict[str, set[str]]) -> str:
    """SQL select list: the keys at every object path, the type at every path (the root's first), and the
    structure of every array."""
    ordered = ["$", *sorted(p for p in paths if p != "$")]
    objects = [p for p in ordered if "object" in paths[p]]
    arrays = [p for p in ordered if "array" in paths[p]]
    listed = lambda ps: "[" + ", ".join(sql_str(p) for p in ps) + "]::VARCHAR[]"  # noqa: E731
    structures = ", ".join(f"json_structure(json_extract(raw, {sql_str(p)}))" for p in arrays)
    return (
        f"json_keys(raw, {listed(objects)}) AS k, json_type(raw, {listed(ordered)}) AS ty, "
        f"[{structures}]::VARCHAR[] AS arr"
    )


def catalog(con: duckdb.DuckDBPyConnection, table: str) -> Found | None:
    """The structure and the rejects, with the rejected records deleted from `table`; None
    when grouping cannot be trusted or gains nothing (then use `per_record`). Records nested too deep for
    `json_structure` must be gone from `table` already."""
    paths: dict[str, set[str]] = {"$": {"object"}}
    keys: set[str] = set()
    for (described,) in con.execute(
        f"SELECT DISTINCT json_structure(raw) FROM (SELECT raw FROM {table} LIMIT {SAMPLE})"
    ).fetchall():
        _walk(json.loads(described), "$", paths, keys)
    for _ in range(MAX_ROUNDS):
        if len(paths) > MAX_PATHS or not _paths_usable(keys):
            return None
        signature = _signature(paths)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _aq_shapes AS SELECT k, ty, arr, any_value(raw) AS rep, "
            f"{_DUPLICATE} AS duplicate FROM (SELECT {signature}, raw FROM {table}) GROUP BY k, ty, arr"
        )
        found: dict[str, set[str]] = {}
        rows = con.execute(
            "SELECT json_structure(rep) FROM _aq_shapes WHERE ty[1] = 'OBJECT' AND duplicate IS NULL "
            f"LIMIT {MAX_SHAPES + 1}"
        ).fetchall()
        if len(rows) > MAX_SHAPES:
            return None
        for (described,) in rows:
            _walk(json.loads(described), "$", found, keys)
        if all(kinds <= paths.get(p, set()) for p, kinds in found.items()):
            return _finish(con, table, signature)
        for p, kinds in found.items():
            paths.setdefault(p, set()).update(kinds)
    return None


def _finish(con: duckdb.DuckDBPyConnection, table: str, signature: str) -> Found:
    """Reject the records of the bad groups (rare: the signature is computed again only then) and merge the
    structures of the good ones."""
    found = Found(None, [], [])
    bad = con.execute(
        "SELECT count(*) FROM _aq_shapes WHERE duplicate IS NOT NULL OR ty[1] IS DISTINCT FROM 'OBJECT'"
    ).fetchone()
    if bad and bad[0]:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _aq_bad AS SELECT r.source_row, r.line, "
            "CASE WHEN s.ty[1] IS DISTINCT FROM 'OBJECT' THEN NULL ELSE 'duplicate key ' || "
            "to_json(s.duplicate)::VARCHAR || ' (ambiguous record)' END AS reason, r.raw "
            f"FROM (SELECT {signature}, source_row, line, raw FROM {table}) r JOIN (SELECT * FROM _aq_shapes "
            "WHERE duplicate IS NOT NULL OR ty[1] IS DISTINCT FROM 'OBJECT') s "
            "ON r.k IS NOT DISTINCT FROM s.k AND r.ty IS NOT DISTINCT FROM s.ty AND r.arr IS NOT DISTINCT FROM s.arr"
        )
        found.ambiguous, found.not_object = _bad_rows(con)
        con.execute(f"DELETE FROM {table} WHERE source_row IN (SELECT source_row FROM _aq_bad)")
        con.execute("DROP TABLE _aq_bad")
    row = con.execute(
        "SELECT json_group_structure(rep) FROM _aq_shapes WHERE ty[1] = 'OBJECT' AND duplicate IS NULL"
    ).fetchone()
    con.execute("DROP TABLE _aq_shapes")
    found.structure = json.loads(row[0]) if row and row[0] else None
    return found


def _bad_rows(con: duckdb.DuckDBPyConnection) -> tuple[Rejects, Rejects]:
    """`_aq_bad` (source_row, line, reason or NULL for not an object, raw) as (repeated keys, not objects)."""
    ambiguous = con.execute(
        "SELECT source_row, line, CASE WHEN line IS NULL THEN 'record ' || source_row || ': ' ELSE '' END "
        "|| reason, left(raw::VARCHAR, 1000) FROM _aq_bad WHERE reason IS NOT NULL ORDER BY source_row"
    ).fetchall()
    not_object = con.execute(
        "SELECT source_row, line, left(raw::VARCHAR, 200) FROM _aq_bad WHERE reason IS NULL ORDER BY source_row"
    ).fetchall()
    return [(row, ln, reason, text) for row, ln, reason, text in ambiguous], [
        (row, ln, f"record {row} is not a JSON object", text) for row, ln, text in not_object
    ]


def per_record(con: duckdb.DuckDBPyConnection, table: str) -> Found:
    """The same result record by record: every record's keys checked, one record per distinct
    `json_structure` merged (grouping first: `json_group_structure` over a million whole records measured
    16 s and 5.8 GB, and failed under --memory-limit 1GB)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _aq_bad AS SELECT source_row, line, CASE "
        "WHEN json_type(raw) <> 'OBJECT' THEN NULL ELSE 'duplicate key ' || to_json(list_sort(list_filter("
        "json_keys(raw), lambda k: len(list_filter(json_keys(raw), lambda x: x = k)) > 1))[1])::VARCHAR "
        "|| ' (ambiguous record)' END AS reason, raw FROM "
        f"{table} WHERE json_type(raw) <> 'OBJECT' OR len(json_keys(raw)) <> len(list_distinct(json_keys(raw)))"
    )
    ambiguous, not_object = _bad_rows(con)
    if ambiguous or not_object:
        con.execute(f"DELETE FROM {table} WHERE source_row IN (SELECT source_row FROM _aq_bad)")
    con.execute("DROP TABLE _aq_bad")
    row = con.execute(
        "SELECT json_group_structure(raw) FROM "
        f"(SELECT any_value(raw) AS raw FROM {table} GROUP BY json_structure(raw))"
    ).fetchone()
    return Found(json.loads(row[0]) if row and row[0] else None, ambiguous, not_object)
