"""The grid's pages at any depth (`/api/rows` with `after` / `before` cursors, or a jump by row number): the
exact rows `auditql query --format csv` gives for the same ORDER BY … LIMIT … OFFSET, in the query's own
order and in a clicked sort with NULLs; a forged cursor refused in one line; and a running query's
progress (`/api/progress`). Against the real sample archive, the server in-process over HTTP."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from serve_server import Served, thread_server
from test_serve_http import SLOW, api, request

from auditql.query.paging import MAX_PAGE
from auditql.serve.marks import Marks

SIZE = 100
TOTAL = 492  # events in the sample archive


@pytest.fixture(scope="module")
def served(sample_db: Path) -> Iterator[Served]:
    with thread_server(sample_db) as s:
        yield s


def cli_rows(cli, db: Path, sql: str) -> list[list[str]]:
    result = cli("query", "--db", db, "--format", "csv", sql)
    assert result.exit_code == 0, result.output
    return list(csv.reader(io.StringIO(result.stdout)))[1:]


def walk(served: Served, size: int = SIZE, **query: object) -> list[dict]:
    """Every page of a query, each asked after the last row of the one before (the way the grid scrolls)."""
    pages = [api(served, "/api/rows", size=size, **query)]
    while len(pages[-1]["rows"]) == size:
        before = pages[-1]
        assert before["keyset"] is True and before["last"] is not None
        offset = before["offset"] + size
        pages.append(api(served, "/api/rows", size=size, offset=offset, after=json.dumps(before["last"]), **query))
    return pages


def picked(page: dict, *names: str) -> list[list[str]]:
    at = [page["columns"].index(n) for n in names]
    return [["" if row[i] is None else row[i] for i in at] for row in page["rows"]]


def test_a_deep_page_is_the_clis_rows_however_it_is_reached(served: Served, sample_db: Path, cli) -> None:
    pages = walk(served, q="")
    assert [len(p["rows"]) for p in pages] == [100, 100, 100, 100, 92]
    expected = cli_rows(
        cli,
        sample_db,
        "SELECT time, vendor, actor_name, event_key FROM events ORDER BY time, source_file, "
        "source_row LIMIT 100 OFFSET 300",
    )
    assert len(expected) == 100 and expected[0][0].endswith("Z")
    assert picked(pages[3], "time", "vendor", "actor_name", "event_key") == expected
    # the same page by a jump to row 300 (no page loaded next to it), and backward from the page after it
    jumped = api(served, "/api/rows", q="", size=SIZE, offset=300)
    back = api(served, "/api/rows", q="", size=SIZE, offset=300, before=json.dumps(pages[4]["first"]))
    assert jumped["rows"] == back["rows"] == pages[3]["rows"]
    # the grid's columns: the helper keys are not shown, event_key (which opens the record) is
    assert pages[3]["columns"] == [
        "time",
        "vendor",
        "action",
        "category",
        "outcome",
        "actor_name",
        "source_ip",
        "target_name",
        "event_key",
    ]


@pytest.mark.parametrize("desc", ["", "1"])
def test_a_sorted_result_pages_through_nulls_in_a_stable_order(served: Served, sample_db: Path, cli, desc) -> None:
    pages = walk(served, 50, q="", sort="actor_name", desc=desc)
    shown = [row for p in pages for row in picked(p, "actor_name", "event_key")]
    nulls = [row for p in pages for row in p["rows"] if row[p["columns"].index("actor_name")] is None]
    direction = "DESC" if desc else "ASC"
    expected = cli_rows(
        cli,
        sample_db,
        f"SELECT actor_name, event_key FROM events ORDER BY actor_name {direction} NULLS LAST, source_file, source_row",
    )
    assert len(shown) == TOTAL and shown == expected
    assert len(nulls) == 91 and shown[-91][0] == ""  # the NULLs, last (as in DuckDB), across a page boundary
    again = walk(served, 50, q="", sort="actor_name", desc=desc)
    assert [p["rows"] for p in again] == [p["rows"] for p in pages]  # the same order every time


def test_a_filtered_rest_query_keeps_its_own_order(served: Served, sample_db: Path, cli) -> None:
    rest = "SELECT * FROM auditLog WHERE vendor = 'sap_cdc' ORDER BY action DESC"
    pages = walk(served, q=rest)
    shown = [row for p in pages for row in picked(p, "action", "event_key")]
    expected = cli_rows(
        cli,
        sample_db,
        "SELECT action, event_key FROM events WHERE vendor = 'sap_cdc' "
        "ORDER BY action DESC, time, source_file, source_row",
    )
    assert len(shown) == len(expected) > SIZE and shown == expected


def test_an_sql_result_without_the_keys_pages_by_offset(served: Served) -> None:
    sql = "SELECT vendor, action FROM events"
    first = api(served, "/api/rows", q=sql, size=SIZE)
    assert first["keyset"] is False and first["last"] is None
    second = api(served, "/api/rows", q=sql, size=SIZE, offset=SIZE)
    assert second["reached"] == "offset"
    whole = api(served, "/api/rows", q=sql, size=2 * SIZE)
    assert first["rows"] + second["rows"] == whole["rows"]


# Jumps from the result's marks (serve/marks.py), on a server whose marks are 7 rows apart, so the
# sample's 492 rows hold 70 of them: rows right at a mark, just past one, between two, and past the last.
EVERY = 7
JUMPS = (7, 8, 13, 14, 20, 150, 299, 391, 483, 485, 490)
# (the grid's request, the same order as an SQL ORDER BY with OFFSET for the CLI)
ORDERS = {
    "own": ({"q": ""}, "time, source_file, source_row"),
    "sorted, NULLs last": ({"q": "", "sort": "actor_name"}, "actor_name NULLS LAST, source_file, source_row"),
    "sorted desc, NULLs last": (
        {"q": "", "sort": "actor_name", "desc": "1"},
        "actor_name DESC NULLS LAST, source_file, source_row",
    ),
    "ties": ({"q": "", "sort": "vendor", "desc": "1"}, "vendor DESC, source_file, source_row"),
    "sql, own": (
        {"q": "SELECT * FROM events ORDER BY outcome DESC, source_file, source_row"},
        "outcome DESC NULLS LAST, source_file, source_row",
    ),
}


@pytest.fixture(scope="module")
def marked(sample_db: Path) -> Iterator[Served]:
    with thread_server(sample_db, mark_every=EVERY) as s:
        yield s


@pytest.mark.parametrize("name", list(ORDERS))
def test_a_jump_from_the_marks_gives_offsets_rows(marked: Served, sample_db: Path, cli, name: str) -> None:
    query, order = ORDERS[name]
    every_row = [row[0] for row in cli_rows(cli, sample_db, f"SELECT event_key FROM events ORDER BY {order}")]
    assert len(every_row) == TOTAL
    built = marked.settings.marks.built
    for offset in JUMPS:
        page = api(marked, "/api/rows", size=10, offset=offset, **query)
        assert page["keyset"] is True and page["reached"] == "marks"
        assert [row[0] for row in picked(page, "event_key")] == every_row[offset : offset + 10], offset
    assert marked.settings.marks.built == built + 1  # built once for the result, then read at every jump
    # the deepest jump against the CLI's own OFFSET, every column the page shows
    page = api(marked, "/api/rows", size=10, offset=483, **query)
    names = [c for c in page["columns"] if c != "raw"]
    shown = ", ".join(f'"{c}"' for c in names)
    expected = cli_rows(cli, sample_db, f"SELECT {shown} FROM events ORDER BY {order} LIMIT 10 OFFSET 483")
    assert len(expected) == 9 and picked(page, *names) == expected


def test_a_jump_past_the_end_is_an_empty_page(marked: Served) -> None:
    # right after the last row (its key found from the marks: nothing after it), and further
    for offset, reached in ((TOTAL, "marks"), (TOTAL + 3, "past the end"), (TOTAL + 50, "past the end")):
        page = api(marked, "/api/rows", q="", size=10, offset=offset)
        assert page["rows"] == [] and page["first"] is None and page["reached"] == reached
    near = api(marked, "/api/rows", q="", size=10, offset=EVERY - 1)  # no mark before row 7: a short OFFSET
    assert near["reached"] == "narrow offset" and len(near["rows"]) == 10


def test_marks_read_ahead_are_the_ones_the_first_jump_uses(sample_db: Path) -> None:
    """The page asks /api/marks once the count shows a long result; the first jump then reads no marks."""
    with thread_server(sample_db, mark_every=EVERY) as s:
        assert api(s, "/api/marks", q="", sort="actor_name", desc="1") == {"marks": TOTAL // EVERY, "every": EVERY}
        assert s.settings.marks.built == 1
        page = api(s, "/api/rows", q="", size=10, offset=300, sort="actor_name", desc="1")
        assert page["reached"] == "marks" and s.settings.marks.built == 1
        assert api(s, "/api/marks", q="SELECT vendor, action FROM events") == {"marks": None, "every": EVERY}


def test_a_time_range_that_moves_with_the_clock_jumps_by_a_narrow_offset(marked: Served, sample_db: Path, cli) -> None:
    """`since=10000d` is a new time range at each request: no marks are read for it (they would not hold)."""
    expected = cli_rows(cli, sample_db, "SELECT event_key FROM events ORDER BY time, source_file, source_row")
    built = marked.settings.marks.built
    page = api(marked, "/api/rows", q="", since="10000d", size=10, offset=300)
    assert page["reached"] == "narrow offset" and [r[0] for r in picked(page, "event_key")] == [
        r[0] for r in expected[300:310]
    ]
    assert api(marked, "/api/marks", q="", since="10000d")["marks"] is None
    assert marked.settings.marks.built == built


def test_marks_are_read_once_per_result_and_none_is_kept_too() -> None:
    """A result's marks are read once, also when several requests ask at once; None (they did not fit in
    the memory share: jumps keep the narrow OFFSET) is kept as well; a read that failed is not."""
    marks = Marks(every=3, kept=2)
    reads: list[str] = []
    gate = threading.Event()

    def slow() -> list[tuple]:
        gate.wait(30)
        reads.append("a")
        return [(1,), (4,)]

    asked = [threading.Thread(target=lambda: marks.get("a", slow)) for _ in range(3)]
    for t in asked:
        t.start()
    gate.set()
    for t in asked:
        t.join(60)
    assert reads == ["a"] and marks.get("a", slow) == [(1,), (4,)]
    assert marks.get("big", lambda: None) is None
    assert marks.get("big", lambda: reads.append("big") or [(9,)]) is None and "big" not in reads
    with pytest.raises(ValueError):
        marks.get("bad", lambda: [int("x")])
    assert marks.get("bad", lambda: [(2,)]) == [(2,)]
    assert marks.built == 3 and list(marks._entries) == ["big", "bad"]  # two kept: "a" was the oldest
    with pytest.raises(ValueError):
        Marks(every=MAX_PAGE + 2)  # a jump reads the rows between two marks as one keyset page
    few = Marks(kept_keys=5)  # keys in all: the oldest results go first, the newest stays whatever its size
    for key, n in (("x", 2), ("y", 2), ("z", 3), ("huge", 9)):
        few.get(key, lambda n=n: [(i,) for i in range(n)])
        if key == "z":
            assert list(few._entries) == ["y", "z"]
    assert list(few._entries) == ["huge"]


def test_marks_are_the_archives_of_now(tmp_path: Path, sample_db: Path, cli) -> None:
    """An ingest between two jumps: the second jump reads the archive as it is now, not the old marks."""
    import shutil

    db = tmp_path / "copy.duckdb"
    shutil.copy(sample_db, db)
    with thread_server(db, mark_every=EVERY) as s:
        before = api(s, "/api/rows", q="", size=5, offset=100)
        s.settings.readers.close_all()
        extra = tmp_path / "user_audit_trail_extra.csv"
        extra.write_text(
            "Date and Time,Subject,Event,Performed By,Subject Type,Previous Value,Updated Value\n"
            "2000-01-01 00:00:00,someone,Login,early.bird,User,,\n",
            encoding="utf-8",
        )
        assert cli("ingest", "--db", db, extra).exit_code == 0
        after = api(s, "/api/rows", q="", size=5, offset=100)
        assert s.settings.marks.built == 2
    assert after["rows"][1:] == before["rows"][:4]  # one event earlier than all: every row moved down one


@pytest.mark.parametrize(
    "cursor",
    ['[["x", "1"]]', '{"a": 1}', "not json", '[["s", "a"]]', '[["i", "seven"], ["s", "f"], ["i", "1"]]'],
)
def test_a_forged_cursor_is_one_line(served: Served, cursor: str) -> None:
    status, _, body = request(served, "/api/rows", {"q": "", "after": cursor, "offset": "200"})
    message = json.loads(body)["error"]["message"]
    assert status == 400
    assert message in (
        "this page's position is not one the server gave: run the query again",
        "this page's position does not match the sort order: run the query again",
    )


def test_a_running_query_reports_its_progress(served: Served) -> None:
    from auditql.serve import views

    assert api(served, "/api/progress", run="nothing-runs") == {"percent": -1}
    answer: dict = {}
    running = threading.Thread(target=lambda: answer.update(r=request(served, "/api/rows", {"q": SLOW, "run": "p1"})))
    running.start()
    seen = -1.0
    for _ in range(3000):  # DuckDB reports once the query has started executing
        seen = api(served, "/api/progress", run="p1")["percent"]
        if seen >= 0 or not running.is_alive():
            break
        time.sleep(0.05)
    assert 0 <= seen < 100
    assert api(served, "/api/cancel", run="p1") == {"cancelled": 1}
    running.join(120)
    assert json.loads(answer["r"][2])["error"]["message"] == "query cancelled"
    assert "p1" not in views._RUNNING
    assert api(served, "/api/progress", run="p1") == {"percent": -1}


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT a.* FROM events a JOIN events b ON a.vendor = b.vendor AND b.source_row <= 2 "
        "WHERE a.vendor = 'resolver' AND b.source_file = a.source_file ORDER BY a.time, a.source_file, a.source_row",
        "SELECT *, unnest([1, 2]) AS copy FROM events WHERE vendor = 'resolver' ORDER BY time, source_file, source_row",
    ],
    ids=["join", "unnest"],
)
@pytest.mark.parametrize("sort", [False, True], ids=["own order", "sorted"])
def test_a_result_that_repeats_events_pages_by_offset_and_loses_none(
    served: Served, sample_db: Path, cli, sql: str, sort: bool
) -> None:
    """Each event twice, so `source_file`/`source_row` name two rows: paged by keyset, the grid skipped every
    repeat across a page boundary (the `serve` helper's note). Such a result pages by OFFSET, all rows kept."""
    size = 33  # odd: a page boundary falls between an event's two copies
    order = {"sort": "source_row"} if sort else {}  # a column clicked: the grid's keys follow it
    pages = [api(served, "/api/rows", q=sql, size=size, **order)]
    while len(pages[-1]["rows"]) == size:  # as the grid scrolls: after the last row when keyed, else by offset
        before = pages[-1]
        after = {"after": json.dumps(before["last"])} if before["keyset"] else {}
        pages.append(api(served, "/api/rows", q=sql, size=size, offset=size * len(pages), **after, **order))
    assert {p["keyset"] for p in pages} == {False}
    shown = [[f, str(r)] for p in pages for f, r in picked(p, "source_file", "source_row")]
    result = cli("query", "--db", sample_db, "--format", "csv", sql)
    assert result.exit_code == 0, result.output
    header, *rows = list(csv.reader(io.StringIO(result.stdout)))
    at = [header.index("source_file"), header.index("source_row")]
    expected = [[row[i] for i in at] for row in rows]
    assert len(shown) == len(expected) > SIZE and len({tuple(r) for r in shown}) < len(shown)  # repeats, kept
    if sort:  # by source_row, then the grid's own tie-breakers (every column): the same rows, in row order
        assert sorted(shown) == sorted(expected)
        assert [int(r) for _, r in shown] == sorted(int(r) for _, r in shown)
    else:
        assert shown == expected
