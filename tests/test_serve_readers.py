"""The web view's warm readers and kept translations (auditql/serve/readers.py), on real archives with real
DuckDB readers: a reader is reused between requests, a cancelled or failed request never hands a broken or
still-interrupted reader on, readers opened before an ingest are not reused after it, idle readers let go
of the archive file (an ingest from another process then runs), concurrent requests each get their own
reader, and a page request does not translate its query again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from serve_server import thread_server
from test_serve_http import FAILED_LOGINS, SLOW, api, request

from auditql import api as facade
from auditql.errors import QueryError
from auditql.query import paging
from auditql.serve.readers import Readers, Translations, archive_state

FAILED = "category = 'login' AND outcome = 'failure'"


def count(con: facade.Connection, text: str = FAILED_LOGINS) -> int:
    return int(facade.run(con, paging.counted(facade.prepare(con, text))).rows[0][0])


def wait_until(condition, seconds: float = 60.0) -> None:
    """Polls a condition the code under test makes true (not a timing assertion: the limit is generous)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.02)


@pytest.fixture
def own_db(sample_db: Path, tmp_path: Path) -> Path:
    """A copy of the sample archive this test may change (ingest into, touch)."""
    db = tmp_path / "archive.duckdb"
    shutil.copyfile(sample_db, db)
    return db


def test_a_reader_is_reused_between_requests(sample_db: Path) -> None:
    readers = Readers(sample_db)
    try:
        with readers.borrowed() as first:
            assert count(first) == 10
        with readers.borrowed() as second:
            assert second is first
            assert count(second) == 10
        assert (readers.opened, readers.reused, readers.discarded) == (1, 1, 0)
    finally:
        readers.close_all()


def test_a_cancelled_query_leaves_a_reader_that_answers(sample_db: Path) -> None:
    readers = Readers(sample_db)
    running: list[facade.Connection] = []  # as views._RUNNING: interrupted only while registered
    lock = threading.Lock()
    failure: list[BaseException] = []

    def slow() -> None:
        try:
            with readers.borrowed() as con:
                # translated before it is registered: an interrupt that lands while the catalog is read is
                # not a query's (the page's _reader names it a cancel; test_serve_http covers that path)
                translation = facade.prepare(con, SLOW)
                with lock:
                    running.append(con)
                try:
                    facade.run(con, translation)
                finally:
                    with lock:
                        running.remove(con)
        except BaseException as exc:
            failure.append(exc)

    try:
        worker = threading.Thread(target=slow)
        worker.start()
        wait_until(lambda: bool(running))
        seen = running[0]
        while worker.is_alive():  # DuckDB drops an interrupt that comes before the query starts: again
            with lock:
                for con in running:
                    facade.interrupt(con)
            time.sleep(0.05)
        assert [str(e) for e in failure] == ["query cancelled"]
        # checked (a query that reads nothing, and the catalog) and kept: the next request gets it, and it answers
        assert readers.idle_count() == 1
        with readers.borrowed() as con:
            assert con is seen
            assert count(con) == 10
        assert (readers.opened, readers.reused, readers.discarded) == (1, 1, 0)
    finally:
        readers.close_all()


def test_a_reader_that_does_not_answer_is_closed_not_handed_on(sample_db: Path) -> None:
    readers = Readers(sample_db)
    try:
        with pytest.raises(RuntimeError, match="the request failed"), readers.borrowed() as broken:
            broken.close()  # as if DuckDB had lost it
            raise RuntimeError("the request failed")
        assert (readers.idle_count(), readers.discarded) == (0, 1)
        with readers.borrowed() as con:
            assert con is not broken
            assert count(con) == 10
        assert readers.opened == 2
    finally:
        readers.close_all()


def test_a_query_refused_keeps_its_reader(sample_db: Path) -> None:
    readers = Readers(sample_db)
    try:
        with pytest.raises(Exception, match="a value is missing after '='"), readers.borrowed() as con:
            facade.prepare(con, "category = = 'login'")
        with readers.borrowed() as again:
            assert again is con
        assert (readers.opened, readers.discarded) == (1, 0)
    finally:
        readers.close_all()


def test_a_reader_from_before_the_archive_changed_is_not_reused(own_db: Path) -> None:
    readers = Readers(own_db)
    try:
        before = archive_state(own_db)
        with readers.borrowed() as first:
            assert count(first) == 10
        stat = own_db.stat()
        os.utime(own_db, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        assert archive_state(own_db) != before
        with readers.borrowed() as second:
            assert second is not first
        assert (readers.opened, readers.reused, readers.discarded) == (2, 0, 1)
    finally:
        readers.close_all()


def test_idle_readers_let_go_of_the_archive_for_an_ingest(own_db: Path, tmp_path: Path) -> None:
    readers = Readers(own_db, idle_seconds=0.2)
    try:
        with readers.borrowed() as con:
            assert count(con, "TRUE") == 492
        assert readers.idle_count() == 1
        wait_until(lambda: readers.idle_count() == 0)
        record = {"@timestamp": "2025-11-20T10:00:00.000Z", "callID": "pool1", "endpoint": "accounts.login",
                  "errCode": 0, "params": {"loginID": "pool@example.com"}}  # fmt: skip
        (tmp_path / "more.ndjson").write_text(json.dumps(record) + "\n", encoding="utf-8")
        # another process, as a user runs it; it would wait for a reader holding the file, then give up
        ingest = subprocess.run(
            [
                sys.executable,
                "-m",
                "auditql",
                "ingest",
                "--db",
                str(own_db),
                "--vendor",
                "sap_cdc",
                str(tmp_path / "more.ndjson"),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "AUDITQL_LOCK_WAIT": "0"},
        )
        assert ingest.returncode == 0, ingest.stderr
        with readers.borrowed() as con:
            assert count(con, "TRUE") == 493
        assert (readers.opened, readers.reused) == (2, 0)
    finally:
        readers.close_all()


def test_concurrent_requests_each_get_their_own_reader_up_to_most(sample_db: Path) -> None:
    """Two readers at most (the server's memory is split among them): two requests hold one each at once,
    the other two wait for one to come back and then reuse it; no third reader is ever opened."""
    readers = Readers(sample_db, most=2)
    try:
        barrier = threading.Barrier(2)
        held: list[tuple[int, int]] = []
        lock = threading.Lock()
        busy = [0, 0]  # now, most at once

        def request_() -> None:
            with readers.borrowed() as con:
                with lock:
                    busy[0] += 1
                    busy[1] = max(busy[1], busy[0])
                barrier.wait(60)  # two hold a reader at once (the first two, then the other two)
                held.append((id(con), count(con)))
                with lock:
                    busy[0] -= 1

        workers = [threading.Thread(target=request_) for _ in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(120)
        assert sorted(n for _, n in held) == [10, 10, 10, 10]
        assert busy[1] == 2 and len({c for c, _ in held}) == 2
        assert (readers.opened, readers.reused, readers.discarded) == (2, 2, 0)
        assert readers.idle_count() == 2
    finally:
        readers.close_all()


def test_a_request_beyond_the_busy_readers_is_refused_in_one_line(sample_db: Path) -> None:
    readers = Readers(sample_db, most=1, wait_seconds=0.2)
    try:
        with readers.borrowed(), pytest.raises(QueryError) as refused, readers.borrowed():
            pass
        assert str(refused.value.message).startswith("the server is busy: 1 of its queries are running")
        with readers.borrowed() as con:  # free again
            assert count(con) == 10
    finally:
        readers.close_all()


@pytest.mark.parametrize(("budget", "most"), [(3 * 2**30, 3), (600 * 2**20, 2), (100 * 2**20, 1)])
def test_the_memory_limit_bounds_the_server_not_each_reader(sample_db: Path, budget: int, most: int) -> None:
    """`--memory-limit` is split among the readers (at most `most` open, each at least READER_MINIMUM), and
    each reader's DuckDB gets its share of that share (connections.duckdb_budget: at least half of it)."""
    from auditql.db import sandbox

    readers = Readers(sample_db, memory_limit=budget)
    try:
        assert readers.most == most and readers.share == budget // most
        with readers.borrowed() as con:
            (limit,) = sandbox.query_connection(con).execute("SELECT current_setting('memory_limit')").fetchone()
        size = float(limit.split()[0]) * (2**30 if limit.endswith("GiB") else 2**20)
        assert budget // most // 2 <= size <= budget // most
    finally:
        readers.close_all()


def test_translations_are_kept_per_key_until_they_expire() -> None:
    kept = Translations(kept=2, seconds=3600)
    made: list[str] = []
    for key in ["a", "a", "b", "a", "c", "b"]:
        kept.get(key, lambda key=key: made.append(key) or key.upper())
    assert made == ["a", "b", "c", "b"]  # "b" was the least recently used when "c" came
    assert (kept.hits, kept.misses) == (2, 4)
    expired = Translations(seconds=0)
    assert [expired.get("a", lambda n=n: n) for n in (1, 2)] == [1, 2]
    with pytest.raises(ValueError):
        kept.get("d", lambda: int("x"))
    assert kept.get("d", lambda: 4) == 4  # a refused query is not kept


def test_a_server_translates_a_query_once_for_all_its_pages(sample_db: Path, cli) -> None:
    listed = cli("query", "--db", sample_db, "--format", "csv", f"SELECT event_key FROM events WHERE {FAILED} "
                 "ORDER BY time, source_file, source_row")  # fmt: skip
    expected = listed.stdout.splitlines()[1:]
    assert len(expected) == 15
    with thread_server(sample_db) as s:
        first = api(s, "/api/rows", q=FAILED, size=5)
        after = api(s, "/api/rows", q=FAILED, size=5, after=json.dumps(first["last"]))
        counted = api(s, "/api/count", q=FAILED)
        assert [r[-1] for r in first["rows"] + after["rows"]] == expected[:10]
        assert counted == {"rows": 15}
        kept, readers = s.settings.translations, s.settings.readers
        assert (kept.misses, kept.hits) == (2, 1)  # the grid's columns once, the count's once; the next page kept
        assert (readers.opened, readers.reused) == (1, 2)
        status, _, body = request(s, "/api/rows", {"q": FAILED + " AND", "size": 5})
        assert status == 400 and json.loads(body)["error"]["message"] == "the condition after AND is missing"
        assert api(s, "/api/count", q=FAILED) == {"rows": 15}
        assert readers.opened == 1  # a refused query did not cost the reader
