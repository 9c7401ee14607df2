"""The public surface of auditql.query: signatures, dialects, limits, errors, and no front-end imports."""

from __future__ import annotations

import doctest
import inspect
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import auditql.query
from auditql.errors import QueryError
from auditql.query import DIALECTS, Catalog, Translation, translate
from auditql.query.allowlist import MAX_DEPTH, MAX_LENGTH

PACKAGE = Path(auditql.query.__file__).parent


def test_translate_signature_is_the_documented_one() -> None:
    parameters = inspect.signature(translate).parameters
    assert list(parameters) == [
        "text", "catalog", "since", "until", "vendor", "limit", "columns", "params", "identities"
    ]  # fmt: skip
    assert [p.name for p in parameters.values() if p.kind is p.KEYWORD_ONLY] == list(parameters)[2:]
    t = translate("vendor = 'sap_cdc'")
    assert isinstance(t, Translation)
    assert (t.form, t.params, t.warnings) == ("where", [], [])


def test_catalog_known_names() -> None:
    catalog = Catalog(fields={"sap_cdc": frozenset({"errCode", "params.loginID"})})
    assert {"time", "raw", "errCode", "params.loginID"} <= catalog.known_names()
    assert Catalog().known_names() == {*auditql.schema.COLUMN_NAMES, "person"}


def test_no_warnings_without_a_catalog() -> None:
    assert translate("nosuchfield = 1").warnings == []


def test_warnings_name_the_nearest_fields() -> None:
    catalog = Catalog(fields={"sap_cdc": frozenset({"errCode", "errMessage", "callID"})})
    assert translate("errcod = 0 AND callid = 'x' AND errCode = 1", catalog).warnings == [
        "no ingested record has field 'errcod'; did you mean: errCode?",
        "no ingested record has field 'callid'; did you mean: callID?",
    ]


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_every_dialect_prints(dialect: str) -> None:
    t = translate("SELECT actor_name, count(*) AS n FROM events WHERE errCode != 0 GROUP BY 1 ORDER BY n DESC")
    printed = t.to_dialect(dialect)
    assert "actor_name" in printed and "errCode" in printed


def test_to_dialect_without_a_tree_reparses_the_sql() -> None:
    t = translate("@timestamp > '2015-08-16'")
    bare = Translation(sql=t.sql, params=t.params, warnings=t.warnings, form=t.form)
    assert bare.to_dialect("trino") == t.to_dialect("trino")


def test_unknown_dialect_names_the_choices() -> None:
    with pytest.raises(QueryError, match=r"'oracle' is not a dialect .* Try one of: bigquery, duckdb, postgres"):
        translate("x = 1").to_dialect("oracle")


def test_error_render_has_query_caret_and_advice() -> None:
    with pytest.raises(QueryError) as caught:
        translate("endpoint = 'a' AND\n  read_text('/etc/passwd') IS NOT NULL")
    assert caught.value.render() == (
        "  read_text('/etc/passwd') IS NOT NULL\n"
        "  ^\n"
        "error: function read_text is not allowed: it reads files (allowed functions: docs/sandbox.md#functions)"
    )


def nested(depth: int) -> str:
    return "(" * depth + "x = 1" + ")" * depth


def test_nesting_up_to_the_limit_is_fine() -> None:
    assert translate(nested(MAX_DEPTH)).form == "where"
    assert translate("lower(" * (MAX_DEPTH - 1) + "x" + ")" * (MAX_DEPTH - 1) + " = 'a'").form == "where"


@pytest.mark.parametrize(
    "query",
    [
        nested(MAX_DEPTH + 1),
        nested(500),
        nested(5000),
        "NOT " * 500 + "x = 1",
        "- " * 500 + "1 = x",
        "CASE WHEN " * 100 + "TRUE" + " THEN 1 END" * 100 + " = 1",
        "SELECT * FROM events WHERE x IN " + "(SELECT x FROM events WHERE x IN " * 70 + "(1)" + ")" * 70,
    ],
    ids=["65-parens", "500-parens", "5000-parens", "500-not", "500-minus", "100-case", "70-subqueries"],
)
def test_deep_nesting_is_refused_without_recursion_error(query: str) -> None:
    limit = sys.getrecursionlimit()
    with pytest.raises(QueryError, match=f"nested more than {MAX_DEPTH} levels"):
        translate(query)
    assert sys.getrecursionlimit() == limit


def test_long_flat_conditions_are_not_nesting() -> None:
    query = " OR ".join(f"errCode = {i}" for i in range(3000))
    assert "errCode" in translate(query).sql
    assert translate(" + ".join(["1"] * 3000) + " = x").form == "where"


def test_length_limit() -> None:
    values = ", ".join(["'abcdef'"] * 20_000)
    query = f"x IN ({values})"[: MAX_LENGTH - 1] + ")"
    query = query[: query.rfind(",")] + ")"
    assert len(query) <= MAX_LENGTH
    assert translate(query).form == "where"
    with pytest.raises(QueryError, match="the limit is 100,000"):
        translate("x = '" + "a" * MAX_LENGTH + "'")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab =<>!'\"()@.,;:?$*%-+/{}[]\n0123456789")) | st.characters(),
               max_size=60))  # fmt: skip
def test_any_text_translates_or_raises_query_error(text: str) -> None:
    try:
        translate(text)
    except QueryError as error:
        assert error.message and error.render()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["x", "@timestamp", "=", "'a'", '"b"', "(", ")", "AND", "NOT", "in", "contains",
                         "regex", "1", ",", "SELECT", "*", "FROM", "events", "auditLog", "START", "LIMIT",
                         "WHERE", "ORDER BY", "GROUP BY", ";", "lower", "count", "read_csv", "::", "?"]),
        max_size=25,
    )
)  # fmt: skip
def test_any_token_soup_translates_or_raises_query_error(words: list[str]) -> None:
    try:
        translate(" ".join(words))
    except QueryError as error:
        assert error.message


def test_docstring_examples_run() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        module = __import__(f"auditql.query.{path.stem}", fromlist=["_"])
        failures, _ = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert failures == 0, path.name


def test_modules_stay_small() -> None:
    sizes = {p.name: len(p.read_text().splitlines()) for p in PACKAGE.glob("*.py")}
    assert max(sizes.values()) <= 300, sizes


def test_query_core_imports_no_front_end() -> None:
    code = "import sys, auditql.query; print(sorted(m for m in sys.modules if m.split('.')[0] in " \
           "{'click', 'prompt_toolkit', 'IPython', 'tabulate', 'duckdb'}))"  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
