"""A sorted CSV/NDJSON result read as a first page (a top-N query) and the rest (`output/head.py`) must be the
bytes the one query gave, in the same order: on the sample archive, and on an archive of 6,000 events with
three times between them (the order then rests on the tie-breakers, across the page's cut), NULLs in a sort
key, and a descending key. A page's cut before equal keys is shown on made-up rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from auditql import api
from auditql.output import Table, head, render_text
from auditql.output.lines import describe_sql
from tests.conftest import edit


def expected_text(db: Path, text: str, fmt: str) -> str:
    """What `auditql query` wrote before: every row fetched into Python by one query, drawn by the writer."""
    result = api.query(db, text)
    return render_text(Table(result.columns, result.types, result.rows), fmt, terminal=False)


@pytest.fixture(scope="module")
def equal_times(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples twelve times over (new rows, files and keys), their times one of three values."""
    db = tmp_path_factory.mktemp("equal-times") / "archive.duckdb"
    shutil.copy(sample_db, db)
    edit(
        db,
        "CREATE TEMP TABLE copies AS SELECT events.* REPLACE (source_file || '#' || k AS source_file, "
        "event_key || '#' || k AS event_key) FROM events, range(1, 12) AS r(k)",
        "INSERT INTO events SELECT * FROM copies",
        "UPDATE events SET time = TIMESTAMPTZ '2025-03-01 10:00:00+00' + INTERVAL (hash(event_key) % 3) HOUR",
    )
    return db


QUERIES = [
    "SELECT * FROM events",  # ordered by time, source_file, source_row
    "SELECT * FROM events ORDER BY actor_id, source_file, source_row",  # NULLs in the first key
    "SELECT * FROM events ORDER BY actor_name DESC, source_file, source_row",
    "SELECT * FROM events ORDER BY vendor, source_row, source_file",
    "vendor = 'sap_cdc' OR outcome = 'failure'",  # the WHERE form
]


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
@pytest.mark.parametrize("text", QUERIES)
def test_the_split_result_is_the_one_querys_bytes(cli, equal_times: Path, tmp_path: Path, text: str, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    result = cli("query", "--db", equal_times, "--format", fmt, "--output", out, text)
    assert result.exit_code == 0, result.output
    written = out.read_text()
    assert written.count("\n") > head.HEAD_ROWS + 100 or "sap_cdc" in text
    assert written == expected_text(equal_times, text, fmt)


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_the_sample_archive_is_written_as_before(cli, sample_db: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    result = cli("query", "--db", sample_db, "--format", fmt, "--output", out, "SELECT * FROM events")
    assert result.exit_code == 0, result.output
    assert out.read_text() == expected_text(sample_db, "SELECT * FROM events", fmt)


def shape(db: Path, text: str, **options: object) -> tuple[api.Translation, list[str], list[str]]:
    from dataclasses import replace

    con = api.reader(db)
    try:
        t = api.prepare(con, text, **options)
        with api.stream(con, replace(t, sql=describe_sql(t.sql))) as described:
            return t, described.columns, described.types
    finally:
        con.close()


def test_which_queries_are_split(equal_times: Path) -> None:
    def split(text: str, **options: object) -> bool:
        t, columns, types = shape(equal_times, text, **options)
        return head.split(t, columns, types, "csv", False) is not None

    assert split("SELECT * FROM events")
    assert split("actor_id IS NOT NULL")
    assert not split("SELECT * FROM events ORDER BY time")  # no key naming a row: a page of ties
    assert not split("SELECT * FROM events ORDER BY actor_id, event_key")  # two samples share an event_key
    assert not split("SELECT * FROM events LIMIT 5000")
    assert not split("SELECT time, actor_id FROM events")  # ordered by every column, not a keyset
    assert not split("SELECT vendor, count(*) AS n FROM events GROUP BY vendor")
    assert split("SELECT * FROM events", since="2025-03-01T10:30:00Z")  # events filtered in a subquery
    joined = "SELECT e.* FROM events e JOIN events f USING (event_key)"  # a row of events twice over
    assert not split(f"SELECT * FROM ({joined}) AS j ORDER BY source_file, source_row")


def test_the_page_is_cut_before_its_first_equal_keys(equal_times: Path) -> None:
    t, columns, types = shape(equal_times, "SELECT * FROM events")
    split = head.split(t, columns, types, "csv", False)
    assert split is not None
    keys = [("2025-03-01 10:00:00+00", "f", str(i)) for i in range(head.HEAD_ROWS)]
    delivered, lines, then = split.page(keys)
    assert delivered == [] and then == split.rest
    assert lines.params[-3:] == ["2025-03-01 10:00:00+00", "f", str(head.HEAD_ROWS - 1)]
    page = [(f"line {i}\n", None, *key) for i, key in enumerate(keys)]
    kept, rest, then = split.rest(page)
    assert len(kept) == head.HEAD_ROWS - 1 and then is None
    assert rest.params[-3:] == ["2025-03-01 10:00:00+00", "f", str(head.HEAD_ROWS - 1)]
    page[5] = page[6] = (*page[5][:4], "5")
    kept, rest, then = split.rest(page)
    assert len(kept) == 5 and rest.params[-1] == "5"
    delivered, lines, then = split.page(keys[:100])  # a short result: its lines in one query
    assert delivered == [] and then is None and lines.params == t.params


def test_a_timeout_while_the_page_is_written_stops_the_rest(equal_times: Path) -> None:
    import time

    from auditql.errors import QueryError

    t, columns, types = shape(equal_times, "SELECT * FROM events")
    split = head.split(t, columns, types, "csv", False)
    assert split is not None
    con = api.reader(equal_times)
    written: list[int] = []
    try:
        with (
            pytest.raises(QueryError, match="timed out after 1 s"),
            api.stream(con, split.first, None, 1, split.page) as s,
        ):
            for batch in s.batches():
                written.append(len(batch))
                time.sleep(1.5)  # a slow reader: the deadline passes while the page is written
        assert written == [head.HEAD_ROWS - 1]
        assert api.query(equal_times, "SELECT count(*) AS n FROM events").rows == [(5904,)]
    finally:
        con.close()
