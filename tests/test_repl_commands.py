"""The REPL habits of the DuckDB CLI and sqlite3 (issue 16), on a session without a terminal: `.output`,
`.once`, `.mode`, `.tables`, `.save` / `.run` kept in a 0600 file, bare `exit` / `help`, and the value
dictionary of raw vendor fields that completion offers after `field = '`.
The same habits through a real terminal are in test_repl_pty.py."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import pytest
from conftest import repl_output as run

from auditql.frontend.completer import suggest
from auditql.repl import saved_queries
from auditql.repl.session import Session

FAILED_LOGINS = "category = 'login' AND outcome = 'failure' AND time >= '2025-11-20' AND time < '2025-11-21'"
RESOLVER_DELETES = "vendor = 'resolver' AND category = 'delete'"


@pytest.fixture
def session(sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Session:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    s = Session(sample_db, out=io.StringIO(), pager=None)
    s.size = lambda: os.terminal_size((200, 50))  # type: ignore[method-assign]
    return s


def test_output_sends_every_result_to_a_file_until_output_alone(session: Session, tmp_path: Path) -> None:
    target = tmp_path / "results.csv"
    assert run(session, ".mode csv") == ""
    assert run(session, f".output {target}") == ""
    shown = run(session, FAILED_LOGINS)
    assert shown.startswith("10 rows in ") and shown.endswith(f"s → {target}\n")
    assert run(session, RESOLVER_DELETES).startswith("20 rows in ")
    assert run(session, ".output") == ""
    shown = run(session, RESOLVER_DELETES)  # back on the screen
    assert shown.splitlines()[0].split(",")[:2] == ["time", "vendor"] and "20 rows in" in shown
    rows = list(csv.reader(target.open()))
    assert [r[0] for r in rows].count("time") == 2  # two results, each with its header
    assert len(rows) == 2 + 10 + 20
    assert all(r[1] == "resolver" for r in rows[-20:]) and rows[-21][0] == "time"


def test_once_sends_only_the_next_result(session: Session, tmp_path: Path) -> None:
    target = tmp_path / "once.json"
    run(session, ".format json")
    assert run(session, f".once {target}") == ""
    assert run(session, FAILED_LOGINS).endswith(f"→ {target}\n")
    assert len(json.loads(target.read_text())) == 10
    assert '"vendor": "resolver"' in run(session, RESOLVER_DELETES)  # the next one is on the screen
    assert run(session, ".once").startswith("error: give a file name, e.g. .once")
    assert run(session, f".once {tmp_path}") == f"error: {tmp_path}: a folder, not a file; give a file name\n"


def test_mode_is_format(session: Session) -> None:
    run(session, ".mode markdown")
    assert session.fmt == "markdown"
    assert run(session, ".mode") == "format markdown\n"
    assert run(session, ".mode yaml").startswith("error: yaml is not an output format. Try one of: table")


def test_tables_lists_what_a_query_may_read(session: Session) -> None:
    lines = run(session, ".tables").splitlines()
    assert [line.split()[0] for line in lines[2:]] == ["events", "auditLog"]


def test_save_and_run_keep_queries_across_sessions(session: Session, sample_db: Path, tmp_path: Path) -> None:
    assert run(session, ".run").startswith("no saved queries yet")
    assert run(session, ".save deletes").startswith("error: no query yet")
    run(session, RESOLVER_DELETES)
    path = tmp_path / "data" / "auditql" / "queries.json"
    assert run(session, ".save deletes") == f"saved deletes → {path}\n"
    assert run(session, ".save failed " + FAILED_LOGINS) == f"saved failed → {path}\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {"deletes": RESOLVER_DELETES, "failed": FAILED_LOGINS}
    later = Session(sample_db, out=io.StringIO(), pager=None)  # a new session reads the same file
    later.size = lambda: os.terminal_size((200, 50))  # type: ignore[method-assign]
    assert "10 rows in" in run(later, ".run failed")
    assert later.last is not None and later.last.text == FAILED_LOGINS
    listed = run(later, ".run")
    assert "deletes" in listed and RESOLVER_DELETES in listed
    assert run(later, ".run nosuch") == "error: nosuch is not a saved query. Try one of: deletes, failed\n"
    assert run(later, ".save bad/name") == (
        "error: 'bad/name' is not a name for a saved query: use letters, digits, _ . - (e.g. failed_logins)\n"
    )
    assert later.snapshot.saved == ["deletes", "failed"]
    assert [s.text for s in suggest(".run d", later.snapshot)] == ["deletes"]


def test_a_damaged_saved_queries_file_is_one_line(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "data" / "auditql" / "queries.json"
    path.parent.mkdir(parents=True)
    path.write_text('{"a": ')
    assert run(session, ".run a") == f"error: {path}: line 1: not valid JSON; fix or remove the file\n"
    path.write_text('["a"]')
    assert run(session, ".run a").startswith(f"error: {path}: expected an object of name → query text")


def test_bare_words_do_what_they_say(session: Session) -> None:
    assert run(session, "help").startswith("Queries — Enter runs")
    assert session.running
    run(session, "quit")
    assert not session.running
    session.running = True
    run(session, "EXIT")
    assert not session.running


def test_raw_vendor_fields_get_value_completion(session: Session) -> None:
    run(session, RESOLVER_DELETES)  # each statement refreshes what completion knows
    snap = session.snapshot
    assert snap.field_values["errCode"] == ["0", "403042", "400006", "403120"]
    assert snap.field_values["Performed By"] == [
        "Blair Sample", "Alex Example", "Dana Demo", "Casey Placeholder", "External Org User"
    ]  # fmt: skip
    assert "callID" not in snap.field_values  # one value per event: not a field with few values
    assert [s.text for s in suggest("errCode = '4", snap)] == ["'403042'", "'400006'", "'403120'"]
    assert [s.text for s in suggest("endpoint IN ('accounts.login', 'socialize.lo", snap)] == [
        "'socialize.login'", "'socialize.logout'"
    ]  # fmt: skip
    assert [s.text for s in suggest('"Performed By" = \'Da', snap)] == ["'Dana Demo'"]


def test_saved_queries_file_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "q" / "queries.json"
    saved_queries.save(path, "a", "vendor = 'x'")
    saved_queries.save(path, "a", "vendor = 'y'")
    assert saved_queries.load(path) == {"a": "vendor = 'y'"}
    assert sorted(p.name for p in path.parent.iterdir()) == ["queries.json"]  # no partial file left
    with pytest.raises(Exception, match="not a name for a saved query"):
        saved_queries.save(path, "../x", "vendor = 'x'")


def test_read_runs_the_query_in_a_file(session: Session, tmp_path: Path) -> None:
    query = tmp_path / "failed logins.sql"
    query.write_text(
        f"-- failed logins on 20 November\n{FAILED_LOGINS.replace(' AND time >=', chr(10) + '  AND time >=')}\n"
    )
    assert "10 rows in" in run(session, f".read '{query}'")
    assert session.last is not None and "AND time >=" in session.last.text
    assert run(session, f".read {tmp_path / 'nope.sql'}") == (
        f"error: cannot read query file {tmp_path / 'nope.sql'}: No such file or directory\n"
    )
    assert (
        run(session, f".read {tmp_path}")
        == f"error: {tmp_path}: a folder, not a file: nothing read; give a file name\n"
    )
    assert run(session, ".read") == "error: give one file, e.g. .read failed_logins.sql\n"
    (tmp_path / "empty.sql").write_text("-- nothing here\n")
    assert run(session, f".read {tmp_path / 'empty.sql'}").startswith("error: the query is empty;")


def test_field_values_are_bounded_and_survive_odd_field_names(tmp_path: Path) -> None:
    """Only fields with few distinct, short values are kept; a field name no JSON path spells (empty) does not
    stop the rest, nor the ingest that rebuilds the dictionary."""
    from auditql.db import archive_file

    db = tmp_path / "a.duckdb"
    with archive_file.writer(db) as con:
        con.execute(
            "INSERT INTO events (time, vendor, raw) SELECT TIMESTAMPTZ '2025-01-01' + to_seconds(i), 'v', "
            "json_object('code', (i % 3)::VARCHAR, 'id', i::VARCHAR, 'long', repeat('x', 300), "
            "'Quote \"q\"', 'yes', '', 'empty name') FROM range(200) t(i)"
        )
        con.execute(
            "INSERT INTO fields VALUES ('v', 'code'), ('v', 'id'), ('v', 'long'), ('v', 'Quote \"q\"'), ('v', '')"
        )
        archive_file.refresh_column_values(con)
        kept = con.execute(
            'SELECT "column", list(value ORDER BY n DESC, value) FROM column_values '
            "WHERE \"column\" LIKE 'field:%' GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert kept == [('field:Quote "q"', ["yes"]), ("field:code", ["0", "1", "2"])]  # not `id` (200), not `long`


def test_a_non_ascii_field_name_gets_value_completion_and_still_queries(cli, tmp_path: Path) -> None:
    """`café` was written into the value dictionary's JSON path as `caf\\u00e9`, which DuckDB reads as six
    characters: no values, so no completion. The same name must still work in a query."""
    from conftest import run_auditql

    export = tmp_path / "cafe.ndjson"
    lines = [
        {
            "time": f"2025-06-01T10:00:0{i}Z",
            "action": "login",
            "café": ["crème", "brûlée"][i % 2],
            "user": {"prénom": "Zoë"},
        }
        for i in range(6)
    ]
    export.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    db = tmp_path / "a.duckdb"
    assert cli("ingest", "--db", db, export).exit_code == 0
    session = Session(db, out=io.StringIO(), pager=None)
    run(session, "action = 'login'")
    snap = session.snapshot
    assert snap.field_values["café"] == ["brûlée", "crème"] and snap.field_values["user.prénom"] == ["Zoë"]
    assert [s.text for s in suggest("café = 'cr", snap)] == ["'crème'"]
    assert [s.text for s in suggest("user.prénom = '", snap)] == ["'Zoë'"]
    found = run_auditql(
        "query", "--db", db, "--format", "csv", "--columns", "time", "café = 'crème' AND user.prénom = 'Zoë'"
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines() == ["time", *(f"2025-06-01T10:00:0{i}.000Z" for i in (0, 2, 4))]
