"""The JSON field catalog by shape (`formats/jsonshape.catalog`) against the record-by-record one
(`per_record`), which describes every record with DuckDB's `json_structure`: same structure, same rejects,
same records left, for hand-picked shapes that stress the signature (keys past the sample, a key that is an
object in one record and a string in another, arrays of differing objects, repeated keys, keys no JSON path
can name, free-form maps) and for Hypothesis-generated records. Then through a real ingest: a nested key
first seen on record 1,500 (after the sample) is in `fields` and queryable.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_properties import PROFILE

from auditql import api
from auditql.ingest.run import ingest
from auditql.read import formats, jsonshape
from auditql.read.formats import structure_paths


def load(records: list[str]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TEMP TABLE t (source_row BIGINT, line BIGINT, raw JSON)")
    con.execute(
        "INSERT INTO t SELECT generate_subscripts(?::VARCHAR[], 1), generate_subscripts(?::VARCHAR[], 1), "
        "unnest(?::VARCHAR[])",
        [records, records, records],
    )
    return con


def both(records: list[str]) -> tuple[jsonshape.Found | None, jsonshape.Found, list[int], list[int]]:
    """(catalog result, per_record result, rows left after each)."""
    a, b = load(records), load(records)
    by_shape = jsonshape.catalog(a, "t")
    if by_shape is None:
        by_shape_rows: list[int] = []
    else:
        by_shape_rows = [r for (r,) in a.execute("SELECT source_row FROM t ORDER BY 1").fetchall()]
    by_record = jsonshape.per_record(b, "t")
    by_record_rows = [r for (r,) in b.execute("SELECT source_row FROM t ORDER BY 1").fetchall()]
    return by_shape, by_record, by_shape_rows, by_record_rows


def uniform(n: int, **extra: object) -> list[str]:
    return [json.dumps({"id": i, "who": {"name": f"u{i}", "ip": "192.0.2.1"}, **extra}) for i in range(n)]


def test_late_nested_key_after_the_sample_is_found() -> None:
    records = uniform(3000)
    records[2500] = json.dumps({"id": 1, "who": {"name": "x", "ip": "y", "mfa": {"method": "totp"}}})
    found, expected, rows, expected_rows = both(records)
    assert found is not None
    assert found.structure == expected.structure
    assert "who.mfa.method" in structure_paths(found.structure)
    assert rows == expected_rows == list(range(1, 3001))


@pytest.mark.parametrize(
    ("records", "paths"),
    [
        # `who` an object in most records, a string in one: json_group_structure's own merge rules apply.
        ([*uniform(50), json.dumps({"id": 9, "who": "system"})], []),
        # arrays whose objects differ from record to record (the catalog lists the array, not its members)
        (
            [json.dumps({"id": 1, "tags": [{"a": 1}]}), json.dumps({"id": 2, "tags": [{"b": "x"}, {"c": None}]})],
            ["id", "tags"],
        ),
        # a key that is an integer, then a float, then null
        ([json.dumps({"n": 1}), json.dumps({"n": 1.5}), json.dumps({"n": None})], ["n"]),
        # an empty object and a missing one
        ([json.dumps({"o": {}}), json.dumps({"o": {"k": 1}}), json.dumps({"p": 1})], ["o", "o.k", "p"]),
    ],
)
def test_shapes_agree_with_the_record_by_record_structure(records: list[str], paths: list[str]) -> None:
    found, expected, rows, expected_rows = both(records)
    assert found is not None
    assert found.structure == expected.structure
    assert rows == expected_rows
    if paths:
        assert sorted(structure_paths(found.structure)) == paths


def test_repeated_keys_and_non_objects_are_rejected_like_record_by_record() -> None:
    records = [
        '{"a": 1, "b": 2}',
        '{"a": 1, "a": 2}',
        "[1, 2]",
        '"text"',
        '{"a": 1, "b": 3}',
        '{"b": 1, "a": 2, "b": 5}',
    ]
    found, expected, rows, expected_rows = both(records)
    assert found is not None
    assert [r[:3] for r in found.ambiguous] == [r[:3] for r in expected.ambiguous]
    assert [r[:3] for r in found.ambiguous] == [
        (2, 2, 'duplicate key "a" (ambiguous record)'),
        (6, 6, 'duplicate key "b" (ambiguous record)'),
    ]
    assert [r[:3] for r in found.not_object] == [
        (3, 3, "record 3 is not a JSON object"),
        (4, 4, "record 4 is not a JSON object"),
    ]
    assert found.not_object == expected.not_object
    assert rows == expected_rows == [1, 5]
    assert found.structure == expected.structure == {"a": "UBIGINT", "b": "UBIGINT"}


def test_a_repeated_key_inside_a_nested_object_is_rejected_too() -> None:
    """Record by record only the top level is checked; by shape every object level is (parsers disagree on a
    nested repeat just the same)."""
    found, _, rows, _ = both(['{"a": {"x": 1}}', '{"a": {"x": 1, "x": 2}}'])
    assert found is not None
    assert [r[:3] for r in found.ambiguous] == [(2, 2, 'duplicate key "x" (ambiguous record)')]
    assert rows == [1]


@pytest.mark.parametrize(
    "records",
    [
        [json.dumps({"": 1, "a": 2})],  # the empty key: no JSON path names it
        [json.dumps({"*": {"x": 1}})],  # a wildcard
        [json.dumps({"map": {f"user-{i}": i}}) for i in range(jsonshape.MAX_SHAPES + 10)],  # free-form keys
    ],
    ids=["empty-key", "wildcard-key", "free-form-map"],
)
def test_shapes_that_cannot_be_grouped_fall_back_to_record_by_record(records: list[str]) -> None:
    assert jsonshape.catalog(load(records), "t") is None


def test_keys_with_quotes_backslashes_and_dots_are_grouped_exactly() -> None:
    odd = {'q"t': {"a\\b": 1, "c.d": {"é 日本": True}}}
    records = [json.dumps(odd)] * 3 + [json.dumps({'q"t': {"a\\b": 1, "c.d": {"é 日本": True, "new": 1}}})]
    found, expected, _, _ = both(records)
    assert found is not None and found.structure == expected.structure
    assert 'q"t.c.d.new' in structure_paths(found.structure)


KEYS = st.sampled_from(["a", "b", "c", "user", "params", "x y", 'q"'])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False), st.text(max_size=3))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=8,
)
RECORDS = st.lists(st.dictionaries(KEYS, VALUES, max_size=4).map(json.dumps), min_size=1, max_size=30)


@PROFILE
@given(RECORDS)
def test_property_shape_catalog_equals_the_record_by_record_one(records: list[str]) -> None:
    found, expected, rows, expected_rows = both(records)
    if found is not None:
        assert found.structure == expected.structure
        assert rows == expected_rows
        assert found.ambiguous == expected.ambiguous and found.not_object == expected.not_object


def test_ingest_finds_a_nested_field_first_seen_after_the_sample(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {"timestamp": f"2025-01-01T00:00:{i % 60:02d}Z", "callID": f"c{i}", "endpoint": "accounts.login"}
            | {"params": {"loginID": f"u{i}@example.com"}}
        )
        for i in range(2000)
    ]
    late = json.loads(lines[1500])
    late["params"]["device"] = {"os": "iOS"}
    lines[1500] = json.dumps(late)
    f = tmp_path / "audit.ndjson"
    f.write_text("\n".join(lines) + "\n")
    db = tmp_path / "a.duckdb"
    report = ingest([f], db)
    assert [(r.read, r.added, r.rejected) for r in report.files] == [(2000, 2000, 0)]
    result = api.query(db, "params.device.os = 'iOS'")
    assert [row[result.columns.index("source_row")] for row in result.rows] == [1501]


def records_of(path: Path) -> tuple[list[tuple[int, int | None, str]], list[tuple[int | None, str]]]:
    """(source_row, line, id) of every record read from `path`, and (line, reason) of every reject."""
    con = duckdb.connect()
    got = formats.read(con, path, path.name)
    rows = con.execute(f"SELECT source_row, line, raw ->> '$.id' FROM {got.relation} ORDER BY source_row").fetchall()
    return rows, [(line, reason) for line, reason, _ in got.rejects]


def page(*ids: str, key: str = "results") -> dict:
    return {key: [{"id": i} for i in ids], "objectsCount": len(ids), "statusCode": 200}


def test_ndjson_lines_that_are_pages_arrays_and_records_are_numbered_in_order(tmp_path: Path) -> None:
    lines = [
        json.dumps(page("a", "b")),  # an API page per line (pages concatenated as NDJSON)
        json.dumps({"id": "c"}),  # a plain record
        json.dumps([{"id": "d"}, {"id": "e"}]),  # an array of records
        json.dumps(page()),  # an empty page: no records
        '{"id": "broken"',  # malformed: a reject with its line, no record number
        json.dumps(page("f", key="items")),
        json.dumps({"id": "g", "items": [1, 2]}),  # an `items` array but no paging key: one record
    ]
    f = tmp_path / "pages.ndjson"
    f.write_text("\n".join(lines) + "\n")
    rows, rejects = records_of(f)
    assert rows == [
        (1, 1, "a"),
        (2, 1, "b"),
        (3, 2, "c"),
        (4, 3, "d"),
        (5, 3, "e"),
        (6, 6, "f"),
        (7, 7, "g"),
    ]
    assert rejects == [(5, "malformed JSON line (truncated or invalid)")]


def test_a_json_file_of_pages_numbers_records_across_pages_and_names_bad_members(tmp_path: Path) -> None:
    deep: object = {"id": "deep"}
    for _ in range(120):
        deep = {"x": deep}
    body = [page("a", "b"), page("c"), {"results": [{"id": "d"}, "not an object", deep], "totalCount": 3}]
    f = tmp_path / "pages.json"
    f.write_text(json.dumps(body, indent=1))  # several lines: a JSON document, not NDJSON
    rows, rejects = records_of(f)
    assert rows == [(1, None, "a"), (2, None, "b"), (3, None, "c"), (4, None, "d")]
    assert rejects == [
        (None, "record 6: nested deeper than 100 levels"),
        (None, "record 5 is not a JSON object"),
    ]


def test_a_single_envelope_document_is_unnested(tmp_path: Path) -> None:
    f = tmp_path / "search.json"
    f.write_text(json.dumps({"results": [{"id": str(i)} for i in range(5)], "nextCursorId": "x", "totalCount": 5}))
    rows, rejects = records_of(f)
    assert rows == [(i + 1, 1, str(i)) for i in range(5)] and rejects == []  # one line: NDJSON, line 1
