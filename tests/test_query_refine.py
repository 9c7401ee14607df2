"""The magnifier's query edits (auditql/query/refine.py): input/expected pairs per query form, and every
hostile value narrowed on a real archive selects exactly its own row, excluded selects all the others."""

from __future__ import annotations

from pathlib import Path

import pytest
from serve_server import HOSTILE_ACTORS, hostile_archive

from auditql import api
from auditql.errors import QueryError
from auditql.query import paging, translate
from auditql.query.refine import narrowed

PAIRS = [
    # (query, column, value, exclude, column type, expected text)
    ("", "vendor", "sap_cdc", False, "VARCHAR", "vendor = 'sap_cdc'"),
    ("   ", "vendor", "sap_cdc", True, "VARCHAR", "vendor IS DISTINCT FROM 'sap_cdc'"),
    ("category = 'login'", "actor_name", "O'Brien", False, "VARCHAR", "category = 'login' AND actor_name = 'O''Brien'"),
    ("a = 1 OR b = 2", "outcome", None, False, "VARCHAR", "(a = 1 OR b = 2) AND outcome IS NULL"),
    ("a = 1 -- note", "outcome", None, True, "VARCHAR", "(a = 1 -- note) AND outcome IS NOT NULL"),
    ("x = 1;", "source_row", 41, False, "BIGINT", "x = 1 AND source_row = 41"),
    ("x = 1", "Odd Name", "v", False, "VARCHAR", "x = 1 AND \"Odd Name\" = 'v'"),
    ("x = 1", 'a"b', "v", False, "VARCHAR", 'x = 1 AND "a""b" = \'v\''),
    (
        "",
        "time",
        "2025-11-20T09:14:40.118Z",
        True,
        "TIMESTAMP WITH TIME ZONE",
        "(time IS NULL OR NOT (time >= '2025-11-20T09:14:40.118Z' AND time < '2025-11-20T09:14:40.119Z'))",
    ),
    (
        "SELECT * FROM auditLog WHERE endpoint = 'x' ORDER BY @timestamp DESC START 10 LIMIT 5",
        "vendor",
        "sap_cdc",
        False,
        "VARCHAR",
        "SELECT * FROM auditLog WHERE (endpoint = 'x') AND vendor = 'sap_cdc' "
        "ORDER BY @timestamp DESC START 10 LIMIT 5",
    ),
    (
        "select * from auditLog limit 3",
        "uid",
        "u1",
        False,
        "VARCHAR",
        "select * from auditLog WHERE uid = 'u1' limit 3",
    ),
    (
        "SELECT vendor, count(*) AS n FROM events GROUP BY vendor",
        "n",
        3,
        True,
        "BIGINT",
        'SELECT * FROM (SELECT vendor, count(*) AS n FROM events GROUP BY vendor) AS "narrowed" '
        "WHERE n IS DISTINCT FROM 3",
    ),
]


@pytest.mark.parametrize(("query", "column", "value", "exclude", "kind", "expected"), PAIRS)
def test_narrowed_pairs(query: str, column: str, value: object, exclude: bool, kind: str, expected: str) -> None:
    assert narrowed(query, column, value, exclude=exclude, column_type=kind) == expected


def test_a_refused_query_or_value_is_a_query_error() -> None:
    with pytest.raises(QueryError) as refused:
        narrowed("category = = 1", "vendor", "x")
    assert (refused.value.line, refused.value.col) == (1, 12)
    with pytest.raises(QueryError, match="cannot filter on the whole of raw"):
        narrowed("", "raw", '{"a": 1}', column_type="JSON")
    with pytest.raises(QueryError, match="is not a time"):
        narrowed("", "time", "yesterday", column_type="TIMESTAMP WITH TIME ZONE")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile_archive(tmp_path_factory.mktemp("refine"))


@pytest.mark.parametrize("actor", HOSTILE_ACTORS, ids=range(len(HOSTILE_ACTORS)))
def test_any_value_narrows_to_exactly_its_rows(hostile: Path, actor: str) -> None:
    base = "category = 'login' OR TRUE"
    only = api.query(hostile, narrowed(base, "actor_name", actor), columns=["actor_name"])
    assert only.rows == [(actor,)]
    others = api.query(hostile, narrowed(base, "actor_name", actor, exclude=True), columns=["actor_name"])
    assert sorted(r[0] for r in others.rows) == sorted(a for a in HOSTILE_ACTORS if a != actor)
    sql = narrowed("SELECT actor_name AS who FROM events", "who", actor)
    assert api.query(hostile, sql).rows == [(actor,)]


def test_pages_wrap_the_translation_and_bind_nothing_new() -> None:
    t = translate("vendor = 'sap_cdc'")
    paged = paging.page(t, 200, 50, [("actor_name", True), ("time", False)])
    assert paged.sql.endswith(
        ') AS "page" ORDER BY "actor_name" DESC NULLS LAST, "time" ASC NULLS LAST LIMIT 50 OFFSET 200'
    )
    assert paged.params == t.params and paged.form == "where"
    split = paging.of_vendor(t, "it's")
    assert split.params == [*t.params, "it's"] and split.sql.endswith(f'"vendor" = ${len(t.params) + 1}')
    with pytest.raises(QueryError, match="a page is 1 to 1000 rows"):
        paging.page(t, 0, 5000)
