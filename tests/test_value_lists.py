"""The fast path for `IN (…)` lists of plain values (query/value_lists.py) builds exactly what sqlglot's own
path builds — the same nodes and the same positions (carets depend on them) — and steps aside for
anything else."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.parsers.duckdb import DuckDBParser

from auditql.query.dialect import AuditQL


class Plain(AuditQL):
    """The auditql dialect with sqlglot's own IN parsing."""

    class Parser(AuditQL.Parser):
        _parse_in = DuckDBParser._parse_in


LISTS = [
    "x IN (1)",
    "x IN (1, 2.5, 1e3, 'a', 'it''s', $1, $22)",
    "x NOT IN ('a',\n  'b' ,  'c')",
    "SELECT * FROM events WHERE x IN ($1, $2) AND y IN (3, 4) ORDER BY 1",
    "x IN (-1, 2)",  # a sign: sqlglot's path
    "x IN ('a' 'b', 'c')",  # adjacent strings concatenate: sqlglot's path
    "x IN (1 + 1, 2)",
    "x IN (:a, 2)",
    "x IN (SELECT 1)",
    "x IN ()",
    "x IN (1, )",
    "x IN (NULL, TRUE, 1)",
]


def shape(tree: exp.Expr) -> list[tuple]:
    return [(type(n).__name__, n.args.get("this"), sorted(n.meta.items())) for n in tree.walk()]


@pytest.mark.parametrize("text", LISTS)
def test_the_fast_path_builds_what_sqlglot_builds(text: str) -> None:
    try:
        slow = sqlglot.parse_one(text, dialect=Plain)
    except sqlglot.errors.SqlglotError as error:
        with pytest.raises(sqlglot.errors.SqlglotError) as caught:
            sqlglot.parse_one(text, dialect=AuditQL)
        assert str(caught.value) == str(error)
        return
    fast = sqlglot.parse_one(text, dialect=AuditQL)
    assert fast == slow
    assert shape(fast) == shape(slow)
    assert fast.sql(dialect=AuditQL) == slow.sql(dialect=AuditQL)


def test_a_long_list_keeps_every_value_in_order() -> None:
    text = "x IN (" + ", ".join(f"'v{i}'" for i in range(5000)) + ")"
    values = [lit.this for lit in sqlglot.parse_one(text, dialect=AuditQL).expressions]
    assert values == [f"v{i}" for i in range(5000)]


def test_plain_lists_take_the_fast_path_and_others_do_not(monkeypatch: pytest.MonkeyPatch) -> None:
    from auditql.query import value_lists

    taken: list[bool] = []
    check = value_lists._plain_values
    monkeypatch.setattr(value_lists, "_plain_values", lambda tokens, i: taken.append(check(tokens, i)) or taken[-1])
    for text in LISTS[:4] + LISTS[4:9]:
        sqlglot.parse_one(text, dialect=AuditQL)
    assert taken == [True, True, True, True, True, False, False, False, False, False]


@pytest.mark.parametrize("text", ["x IN :ids", "x IN $ids", "x IN {ids}", "x NOT IN :ids"])
def test_in_a_bare_placeholder_means_in_a_list(text: str) -> None:
    tree = sqlglot.parse_one(text, dialect=AuditQL)
    node = tree.find(exp.In)
    assert node.args.get("field") is None
    assert [p.name for p in node.expressions] == ["ids"]
