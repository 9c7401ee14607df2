"""Concurrency: an ingest in one process while another ingest, a query, a REPL session or a notebook uses the
same archive. Each either gets its answer after waiting (and says it is waiting) or stops with one clear line,
"archive busy (held by PID n)", exit 4 — never a DuckDB lock traceback, never a corrupt archive, and the
final archive holds exactly the events of the ingests that ran.

To make "while" deterministic without timing, the first ingest is the real CLI with `custody.append` wrapped
to pause, inside its first file's transaction and holding the write lock, until the test says go."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from conftest import DATA, ROOT, SAMPLES, count, start_auditql

from auditql.db import archive_file as engine
from auditql.errors import ArchiveBusy, ExitCode

EXPECTED = json.loads((DATA / "samples_expected.json").read_text())  # the sample generator's counts
RESOLVER = SAMPLES / "resolver"  # 3 files: 101 records read, 99 events added
SAP_CDC = SAMPLES / "sap_cdc"
SAP_READ, SAP_ADDED = (EXPECTED["vendors"]["sap_cdc"][k] for k in ("records", "unique_events"))
TOTAL_READ, TOTAL_ADDED = (EXPECTED["total"][k] for k in ("records", "unique_events"))

PAUSE_DRIVER = """
import sys, time
from pathlib import Path
from auditql.ingest import custody
paused, go, n = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
real, calls = custody.append, []
def pausing(*args, **kwargs):
    value = real(*args, **kwargs)
    calls.append(1)
    if len(calls) == n:
        paused.touch()
        deadline = time.monotonic() + 300
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    return value
custody.append = pausing
from auditql.cli.main import main
main(sys.argv[4:], prog_name="auditql")
"""


def environment(tmp: Path, lock_wait: float) -> dict[str, str]:
    return {**os.environ, "AUDITQL_CACHE": str(tmp / "cache"), "AUDITQL_LOCK_WAIT": str(lock_wait)}


def auditql(*args: object, env: dict[str, str]) -> subprocess.Popen:
    return start_auditql(*args, env=env)


class PausedIngest:
    """`auditql ingest` stopped mid-transaction, write lock held, until `resume()`."""

    def __init__(self, db: Path, paths: list[Path], tmp: Path):
        self.paused, self.go = tmp / "paused", tmp / "go"
        command = [sys.executable, "-c", PAUSE_DRIVER, str(self.paused), str(self.go), "2", "ingest", "--db", str(db)]
        self.process = subprocess.Popen(
            [*command, *map(str, paths)],
            cwd=ROOT,
            env=environment(tmp, 60),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120
        while not self.paused.exists():
            assert self.process.poll() is None, self.process.communicate()
            assert time.monotonic() < deadline, "the first ingest never reached its pause point"
            time.sleep(0.05)

    @property
    def pid(self) -> int:
        return self.process.pid

    def resume(self) -> tuple[str, str]:
        self.go.touch()
        out, err = self.process.communicate(timeout=120)
        assert self.process.returncode == 0, err
        return out, err


@pytest.fixture
def first(tmp_path: Path) -> Iterator[PausedIngest]:
    """The Resolver exports being ingested into a fresh archive, paused holding the lock."""
    ingest = PausedIngest(tmp_path / "archive.duckdb", [RESOLVER], tmp_path)
    yield ingest
    if ingest.process.poll() is None:
        ingest.go.touch()
        ingest.process.communicate(timeout=120)


def assert_intact(db: Path, events: int, cli) -> None:
    assert count(db) == events
    verified = cli("verify", "--db", db)
    assert verified.exit_code == 0, verified.stdout + verified.stderr


def test_second_ingest_waits_with_a_message_and_both_finish(first: PausedIngest, tmp_path: Path, cli) -> None:
    db = tmp_path / "archive.duckdb"
    second = auditql("ingest", "--db", db, SAP_CDC, env=environment(tmp_path, 120))
    assert second.stderr is not None
    assert second.stderr.readline() == f"{db}: archive busy, waiting up to 120s …\n"
    first.resume()
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert "Traceback" not in err
    assert out.splitlines()[-1].split() == ["total", str(SAP_READ), str(SAP_ADDED), str(SAP_READ - SAP_ADDED), "0"]
    assert_intact(db, 99 + SAP_ADDED, cli)


def test_second_ingest_that_cannot_wait_says_who_holds_the_archive(first: PausedIngest, tmp_path: Path, cli) -> None:
    db = tmp_path / "archive.duckdb"
    second = auditql("ingest", "--db", db, SAP_CDC, env=environment(tmp_path, 0.5))
    out, err = second.communicate(timeout=120)
    assert second.returncode == ExitCode.BUSY == 4
    assert err.splitlines()[-1] == (
        f"error: {db}: archive busy (held by PID {first.pid}); try again when that process has finished"
    )
    assert "Traceback" not in err and out == ""
    first.resume()
    assert_intact(db, 99, cli)
    sources = cli("sources", "--db", db, "--format", "json")
    assert "sap_cdc" not in sources.stdout  # the refused ingest left no custody entry either


def test_query_waits_for_a_running_ingest_and_answers(first: PausedIngest, tmp_path: Path) -> None:
    db = tmp_path / "archive.duckdb"
    query = auditql(
        "query", "--db", db, "SELECT count(*) AS n FROM events", "--format", "csv", env=environment(tmp_path, 120)
    )
    assert query.stderr is not None
    assert query.stderr.readline() == f"{db}: archive busy, waiting up to 120s …\n"
    first.resume()
    out, err = query.communicate(timeout=120)
    assert query.returncode == 0, err
    assert out.splitlines() == ["n", "99"]


def test_query_that_cannot_wait_gets_a_clear_busy_error(first: PausedIngest, tmp_path: Path) -> None:
    db = tmp_path / "archive.duckdb"
    query = auditql("query", "--db", db, "category = 'login'", env=environment(tmp_path, 0.5))
    out, err = query.communicate(timeout=120)
    assert query.returncode == ExitCode.BUSY
    assert f"archive busy (held by PID {first.pid})" in err
    assert "Traceback" not in err and "IO Error" not in err and out == ""


def test_repl_session_during_an_ingest_says_busy_then_answers(
    first: PausedIngest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditql.repl.session import Session

    monkeypatch.setattr(engine, "LOCK_WAIT_SECONDS", 1.0)
    out = io.StringIO()
    session = Session(tmp_path / "archive.duckdb", out=out, timer=False)
    session.execute("SELECT count(*) AS n FROM events")
    said = out.getvalue().splitlines()
    assert said[0] == f"{tmp_path / 'archive.duckdb'}: archive busy, waiting up to 1s …"
    assert said[-1].startswith(f"error: {tmp_path / 'archive.duckdb'}: archive busy (held by PID {first.pid})")
    assert "Traceback" not in out.getvalue()
    first.resume()
    out.truncate(0)
    out.seek(0)
    session.execute("SELECT count(*) AS n FROM events")
    assert "99" in out.getvalue().split()


def test_notebook_query_during_an_ingest_raises_archive_busy_then_answers(
    first: PausedIngest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditql.notebook import results as notebook

    monkeypatch.setattr(engine, "LOCK_WAIT_SECONDS", 1.0)
    db = tmp_path / "archive.duckdb"
    with pytest.raises(ArchiveBusy, match=rf"archive busy \(held by PID {first.pid}\)"):
        notebook.query(db, notebook.Request("SELECT count(*) AS n FROM events"))
    first.resume()
    assert notebook.query(db, notebook.Request("SELECT count(*) AS n FROM events")).rows == [(99,)]


def test_open_repl_and_notebook_sessions_do_not_block_an_ingest(tmp_path: Path, cli) -> None:
    """Sessions hold no connection between queries, so an ingest never even has to wait for them."""
    from auditql.ingest.run import ingest
    from auditql.notebook import results as notebook
    from auditql.repl.session import Session

    db = tmp_path / "archive.duckdb"
    ingest([RESOLVER], db)
    out = io.StringIO()
    session = Session(db, out=out, timer=False)
    session.execute("SELECT count(*) AS n FROM events")
    assert notebook.query(db, notebook.Request("SELECT count(*) AS n FROM events")).rows == [(99,)]
    second = auditql("ingest", "--db", db, SAP_CDC, env=environment(tmp_path, 0.5))
    _, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert "busy" not in err
    assert notebook.query(db, notebook.Request("SELECT count(*) AS n FROM events")).rows == [(99 + SAP_ADDED,)]
    assert_intact(db, 99 + SAP_ADDED, cli)


def test_two_ingests_of_the_same_exports_at_once_store_each_event_once(tmp_path: Path, cli) -> None:
    """No pause: whichever gets the lock first ingests, the other waits and finds everything held already."""
    db, env = tmp_path / "archive.duckdb", environment(tmp_path, 120)
    runs = [auditql("ingest", "--db", db, "--format", "json", SAMPLES, env=env) for _ in range(2)]
    reports = []
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        assert "Traceback" not in err
        reports.append(json.loads(out))
    assert sum(f["added"] for report in reports for f in report) == TOTAL_ADDED
    for report in reports:
        assert sum(f["read"] for f in report) == TOTAL_READ
        assert all(f["read"] == f["added"] + f["duplicates"] + f["rejected"] for f in report)
    assert_intact(db, TOTAL_ADDED, cli)


def test_an_archive_another_process_is_creating_is_waited_for_not_called_damaged(tmp_path: Path) -> None:
    """Two ingests creating the same new archive: the second saw an empty file in the instant before DuckDB
    wrote its headers ("not a valid DuckDB database file") and failed. It now waits as for a lock."""
    import threading

    db = tmp_path / "new.duckdb"
    db.write_bytes(b"")  # the instant after the first process created the file

    def finish() -> None:
        time.sleep(0.5)
        done = tmp_path / "done.duckdb"
        with duckdb.connect(str(done)) as con:
            con.execute("CREATE TABLE t AS SELECT 42 AS x")
        done.replace(db)

    writer = threading.Thread(target=finish)
    writer.start()
    con = engine.connect(db, read_only=True)
    writer.join()
    assert con.execute("SELECT x FROM t").fetchall() == [(42,)]
    con.close()
