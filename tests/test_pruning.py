"""Partition pruning (auditql/query/pruning.py): a rewrite of the query tree that points each `events` at the
dataset's rows with partition filters its WHERE implies. Pairs of input and expected SQL pin the rewrite;
on a real dataset the pruned query gives exactly the archive's rows while reading only the matching part
files (the others are moved away after the reader opened, and the query still answers)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from auditql import api
from auditql.errors import QueryError
from auditql.query.pruning import narrow, partition_filters

SOURCE = "_aq_dataset"
ALL_KEYS = {"vendor", "date"}


def pruned(sql: str, keys: set[str] = ALL_KEYS) -> str | None:
    tree = narrow(sqlglot.parse_one(sql), keys, [exp.column("time", quoted=True)], SOURCE)
    return None if tree is None else tree.sql()


@pytest.mark.parametrize(
    ("where", "filters"),
    [
        ("vendor = 'sap_cdc'", ["\"vendor\" IN ('sap_cdc')"]),
        ("'sap_cdc' = vendor", ["\"vendor\" IN ('sap_cdc')"]),
        ("vendor IN ('resolver', 'sap_cdc')", ["\"vendor\" IN ('resolver', 'sap_cdc')"]),
        ("vendor IN ('a', 'b') AND vendor = 'b'", ["\"vendor\" IN ('b')"]),
        ("vendor = 'a' AND vendor = 'b'", ['"vendor" IN (NULL)']),  # nothing can match: no folder either
        ("time >= '2025-11-20'", ["\"date\" >= CAST('2025-11-20' AS DATE)"]),
        ("time > '2025-11-20T23:30:00-02:00'", ["\"date\" >= CAST('2025-11-21' AS DATE)"]),  # its UTC day
        ("'2025-11-21' > time", ["\"date\" <= CAST('2025-11-21' AS DATE)"]),
        (
            "time BETWEEN CAST('2025-11-20' AS TIMESTAMPTZ) AND '2025-11-22'",
            ["\"date\" >= CAST('2025-11-20' AS DATE)", "\"date\" <= CAST('2025-11-22' AS DATE)"],
        ),
        (
            "time = '2025-11-20T10:00:00Z'",
            ["\"date\" >= CAST('2025-11-20' AS DATE)", "\"date\" <= CAST('2025-11-20' AS DATE)"],
        ),
        ("(vendor = 'sap_cdc') AND outcome = 'failure'", ["\"vendor\" IN ('sap_cdc')"]),
    ],
)
def test_filters_implied_by_the_where(where: str, filters: list[str]) -> None:
    tree = sqlglot.parse_one(f"SELECT * FROM events WHERE {where}")
    assert [f.sql() for f in partition_filters(tree.args["where"], ALL_KEYS)] == filters


@pytest.mark.parametrize(
    "where",
    [
        "vendor = 'sap_cdc' OR time >= '2025-11-20'",  # an OR may match any folder
        "NOT vendor = 'sap_cdc'",
        "vendor LIKE 'sap%'",
        "vendor IN (SELECT vendor FROM events)",
        "time >= now() - INTERVAL 1 DAY",  # not a literal: its day is not known here
        "time >= 'yesterday'",
        "lower(vendor) = 'sap_cdc'",
    ],
)
def test_what_cannot_narrow_is_left_alone(where: str) -> None:
    assert pruned(f"SELECT * FROM events WHERE {where}") is None


def test_the_rewrite_pairs() -> None:
    assert pruned("SELECT e.action FROM events AS e WHERE e.vendor = 'x'") == (
        'SELECT e.action FROM (SELECT "time" FROM _aq_dataset WHERE "vendor" IN (\'x\')) AS "e" WHERE e.vendor = \'x\''
    )
    # each SELECT reading events is narrowed by its own WHERE
    assert pruned(
        "SELECT * FROM events WHERE vendor = 'a' AND action IN (SELECT action FROM events WHERE time > '2025-01-02')"
    ) == (
        'SELECT * FROM (SELECT "time" FROM _aq_dataset WHERE "vendor" IN (\'a\')) AS "events" WHERE vendor = \'a\' '
        'AND action IN (SELECT action FROM (SELECT "time" FROM _aq_dataset WHERE "date" >= CAST(\'2025-01-02\' AS '
        "DATE)) AS \"events\" WHERE time > '2025-01-02')"
    )
    assert pruned("SELECT * FROM events WHERE vendor = 'a'", keys={"date"}) is None  # not cut by vendor
    assert pruned("WITH events AS (SELECT 1 AS vendor) SELECT * FROM events WHERE vendor = 'a'") is None
    assert pruned("SELECT * FROM events JOIN events AS b USING (event_key) WHERE vendor = 'a'") is None


def test_the_input_tree_is_not_changed() -> None:
    tree = sqlglot.parse_one("SELECT * FROM events WHERE vendor = 'a'")
    before = tree.sql()
    narrow(tree, ALL_KEYS, [exp.column("time", quoted=True)], SOURCE)
    assert tree.sql() == before


@pytest.fixture(scope="module")
def dataset(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("pruning") / "samples"
    api.export(sample_db, target)
    return target


QUERIES = [
    ("vendor = 'sap_cdc'", {"sap_cdc"}),
    ("vendor IN ('resolver', 'adobe_cja') AND outcome = 'success'", {"resolver", "adobe_cja"}),
    ("SELECT vendor, count(*) AS n FROM events WHERE vendor = 'sas_ci360' GROUP BY vendor", {"sas_ci360"}),
]


@pytest.mark.parametrize(("text", "vendors"), QUERIES)
def test_a_pruned_query_gives_the_archives_rows_from_its_partitions_only(
    dataset: Path, sample_db: Path, tmp_path: Path, text: str, vendors: set[str]
) -> None:
    with api.opened(sample_db) as con:
        want = api.run(con, api.prepare(con, text)).rows
    assert want  # every query selects something in the samples
    copy = tmp_path / "dataset"
    shutil.copytree(dataset, copy)
    parts = sorted((copy / "events").rglob("*.parquet"))
    others = [p for p in parts if p.parent.parent.name.removeprefix("vendor=") not in vendors]
    assert 0 < len(others) < len(parts)
    with api.opened(copy) as con:
        translation = api.prepare(con, text)
        assert "_aq_dataset" in translation.sql
        for part in others:  # after the reader opened: a query that touched one would fail
            part.rename(tmp_path / f"moved-{len(list(tmp_path.iterdir()))}.parquet")
        got = api.run(con, translation).rows
    assert sorted(got, key=repr) == sorted(want, key=repr)


def test_an_unpruned_query_reads_every_part_file(dataset: Path, tmp_path: Path) -> None:
    """The counterpart of the test above: the same moving of files does break a query that cannot prune."""
    copy = tmp_path / "dataset"
    shutil.copytree(dataset, copy)
    with api.opened(copy) as con:
        translation = api.prepare(con, "vendor = 'sap_cdc' OR outcome = 'failure'")
        assert "_aq_dataset" not in translation.sql
        for part in (copy / "events").rglob("vendor=resolver/*/*.parquet"):
            part.unlink()
        with pytest.raises(QueryError, match=r"Failed to open local file '.*/vendor=resolver/date=.*No such file"):
            api.run(con, translation)
