"""Property: any WHERE clause Hypothesis builds returns, from DuckDB, exactly the rows a plain Python
evaluation of the same predicate (SQL's three-valued logic, the spec's typing rules) selects.

The Python side is written from the spec, not from the translator: a raw field's string form is its JSON
string, or its number printed, or true/false; compared with a number it is its numeric value when it is
a number or a numeric string, else unknown; a missing field is unknown everywhere.
"""

from __future__ import annotations

import json
import operator
import os
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditql.query import translate
from auditql.schema import COLUMN_NAMES, events_ddl

# Derandomized unless AUDITQL_HYPOTHESIS=thorough: the suite must not fail on a new random example
# (run the thorough profile to explore; a find becomes an @example or a named case).
STABLE = os.environ.get("AUDITQL_HYPOTHESIS", "ci") != "thorough"

MISSING = object()
T0 = datetime(2015, 8, 16, tzinfo=UTC)
ROWS: list[dict[str, Any]] = [
    {"id": "r0", "errCode": 0, "login": "alice", "by": "Alex", "actor_name": "alice", "status_code": "0"},
    {"id": "r1", "errCode": "0", "login": "bob", "by": MISSING, "actor_name": "Bob", "status_code": "0"},
    {"id": "r2", "errCode": 403042, "login": "b_ob", "by": "alex", "actor_name": None, "status_code": "403042"},
    {"id": "r3", "errCode": "403042", "login": MISSING, "by": "Al Ex", "actor_name": "al ex", "status_code": None},
    {"id": "r4", "errCode": "n/a", "login": "ab%", "by": "", "actor_name": "", "status_code": "n/a"},
    {"id": "r5", "errCode": MISSING, "login": "alice", "by": "Alex", "actor_name": "alice", "status_code": "ok"},
    {"id": "r6", "errCode": None, "login": None, "by": "b", "actor_name": "Zed", "status_code": "12"},
    {"id": "r7", "errCode": 2.5, "login": "0", "by": "0", "actor_name": "0", "status_code": "2.5"},
    {"id": "r8", "errCode": True, "login": "a-b", "by": "x a-b y", "actor_name": "a b", "status_code": "-1"},
    {"id": "r9", "errCode": "-7", "login": "", "by": "Alex Smith", "actor_name": "alex", "status_code": "400006"},
]
for n, row in enumerate(ROWS):
    row["time"] = T0 + timedelta(hours=5 * n, milliseconds=n)

FIELDS = {  # name as typed -> how to read it from a row
    "errCode": "errCode",
    "params.loginID": "login",
    '"Performed By"': "by",
    "actor_name": "actor_name",
    "status_code": "status_code",
    "noSuchField": "nothing",
}
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<>": operator.ne,
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}  # fmt: skip
NUMERIC = re.compile(r"-?\d+(\.\d+)?")


def raw_record(row: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {"callID": row["id"]}
    if row["errCode"] is not MISSING:
        record["errCode"] = row["errCode"]
    if row["login"] is not MISSING:
        record["params"] = {"loginID": row["login"]}
    if row["by"] is not MISSING:
        record["Performed By"] = row["by"]
    return record


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    con.execute(events_ddl())
    for number, row in enumerate(ROWS, start=1):
        values = {
            "time": row["time"],
            "vendor": "sap_cdc",
            "actor_name": row["actor_name"],
            "status_code": row["status_code"],
            "event_id": row["id"],
            "raw": json.dumps(raw_record(row)),
            "source_file": "p.json",
            "source_row": number,
        }
        marks = ", ".join(f"${i}" for i in range(1, len(COLUMN_NAMES) + 1))
        con.execute(f"INSERT INTO events VALUES ({marks})", [values.get(c) for c in COLUMN_NAMES])
    yield con
    con.close()


# ---- the Python oracle ---------------------------------------------------------------------------


def text_of(row: dict[str, Any], field: str) -> str | None:
    value = row.get(FIELDS[field], MISSING)
    if value is MISSING or value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def number_of(row: dict[str, Any], field: str) -> float | None:
    text = text_of(row, field)
    return float(text) if text is not None and NUMERIC.fullmatch(text) else None


def typed(row: dict[str, Any], field: str, value: object) -> object:
    return number_of(row, field) if isinstance(value, int) else text_of(row, field)


def like(text: str, pattern: str) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.DOTALL) is not None


def word_in(text: str, word: str) -> bool:
    return re.search(rf"(?i)(^|[^A-Za-z0-9_]){re.escape(word)}([^A-Za-z0-9_]|$)", text) is not None


def not3(a: bool | None) -> bool | None:
    return None if a is None else not a


def and3(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def or3(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def evaluate(node: tuple, row: dict[str, Any]) -> bool | None:
    kind = node[0]
    if kind == "and":
        return and3(evaluate(node[1], row), evaluate(node[2], row))
    if kind == "or":
        return or3(evaluate(node[1], row), evaluate(node[2], row))
    if kind == "not":
        return not3(evaluate(node[1], row))
    if kind == "cmp":
        _, field, op, value = node
        actual = typed(row, field, value)
        return None if actual is None else COMPARE[op](actual, value)
    if kind == "like":
        _, field, pattern, negate = node
        text = text_of(row, field)
        result = None if text is None else like(text, pattern)
        return not3(result) if negate else result
    if kind == "in":
        _, field, values, negate = node
        result: bool | None = False
        for value in values:
            actual = typed(row, field, value)
            result = or3(result, None if actual is None else actual == value)
        return not3(result) if negate else result
    if kind == "between":
        _, field, low, high = node
        lower, upper = typed(row, field, low), typed(row, field, high)
        return and3(None if lower is None else lower >= low, None if upper is None else upper <= high)
    if kind == "null":
        _, field, negate = node
        return (text_of(row, field) is not None) if negate else (text_of(row, field) is None)
    if kind == "contains":
        _, field, word, negate = node
        text = text_of(row, field)
        result = None if text is None else word_in(text, word)
        return not3(result) if negate else result
    if kind == "time":
        _, op, point, _ = node
        return COMPARE[op](row["time"], point)
    raise AssertionError(node)


# ---- rendering the same predicate as query text -------------------------------------------------


def render(node: tuple, draw_case: Callable[[str], str]) -> str:
    kind = node[0]
    if kind in ("and", "or"):
        return f"({render(node[1], draw_case)} {kind.upper()} {render(node[2], draw_case)})"
    if kind == "not":
        return f"NOT ({render(node[1], draw_case)})"
    if kind == "cmp":
        return f"{name(node[1], draw_case)} {node[2]} {literal(node[3])}"
    if kind == "like":
        return f"{name(node[1], draw_case)} {'NOT LIKE' if node[3] else 'LIKE'} {literal(node[2])}"
    if kind == "in":
        items = ", ".join(literal(v) for v in node[2])
        return f"{name(node[1], draw_case)} {'NOT IN' if node[3] else 'in'} ({items})"
    if kind == "between":
        return f"{name(node[1], draw_case)} BETWEEN {literal(node[2])} AND {literal(node[3])}"
    if kind == "null":
        return f"{name(node[1], draw_case)} IS {'NOT NULL' if node[2] else 'NULL'}"
    if kind == "contains":
        return f"{name(node[1], draw_case)} {'NOT contains' if node[3] else 'contains'} {literal(node[2])}"
    if kind == "time":
        return f"{draw_case('@timestamp')} {node[1]} {node[3]}"
    raise AssertionError(node)


def name(field: str, draw_case: Callable[[str], str]) -> str:
    return draw_case(field) if field in ("actor_name", "status_code") else field


def literal(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return f'"{text}"' if len(text) % 2 else "'" + text.replace("'", "''") + "'"  # both quote styles


def time_text(point: datetime, style: int) -> str:
    if style == 0:
        return f"'{point.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}Z'"
    if style == 1:
        return f"'{(point + timedelta(hours=2)).strftime('%Y-%m-%dT%H:%M:%S.%f')}+02:00'"
    return str(int((point - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1000))


# ---- strategies ----------------------------------------------------------------------------------

fields = st.sampled_from(sorted(FIELDS))
numbers = st.sampled_from([-7, 0, 1, 12, 403042, 400006])
strings = st.sampled_from(["0", "403042", "n/a", "alice", "Alex", "alex", "b_ob", "", "a b", "12", "Zed"])
values = numbers | strings
patterns = st.text(alphabet="ablxe0%_ ", max_size=5)
words = st.sampled_from(["alex", "ALEX", "a", "b", "a-b", "smith", "ex", "0"])
points = st.integers(min_value=-2, max_value=50).map(lambda h: T0 + timedelta(hours=h, milliseconds=h % 3))


@st.composite
def time_atom(draw: st.DrawFn) -> tuple:
    point = draw(points)
    return ("time", draw(st.sampled_from(sorted(COMPARE))), point, time_text(point, draw(st.integers(0, 2))))


atoms = st.one_of(
    st.tuples(st.just("cmp"), fields, st.sampled_from(sorted(COMPARE)), values),
    st.tuples(st.just("like"), fields, patterns, st.booleans()),
    st.tuples(st.just("in"), fields, st.lists(values, min_size=1, max_size=4), st.booleans()),
    st.tuples(st.just("between"), fields, values, values),
    st.tuples(st.just("null"), fields, st.booleans()),
    st.tuples(st.just("contains"), fields, words, st.booleans()),
    time_atom(),
)
predicates = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.tuples(st.just("and"), inner, inner),
        st.tuples(st.just("or"), inner, inner),
        st.tuples(st.just("not"), inner),
    ),
    max_leaves=6,
)


@settings(
    max_examples=400, deadline=None, derandomize=STABLE, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(predicate=predicates, upper=st.booleans())
def test_where_clause_matches_python_evaluation(con: duckdb.DuckDBPyConnection, predicate: tuple, upper: bool) -> None:
    text = render(predicate, str.upper if upper else str.lower)
    translation = translate(text, columns=["event_id"])
    got = [r[0] for r in con.execute(translation.sql, translation.params).fetchall()]
    expected = [row["id"] for row in ROWS if evaluate(predicate, row) is True]
    assert got == expected, (text, translation.sql)
