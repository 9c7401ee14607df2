"""The dot-command registry and the REPL session without a terminal: each command run on the sample archive,
output captured from a StringIO (no colour, no pager), asserted exactly where the data is known."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import threading
from pathlib import Path

import pytest
from conftest import SAMPLES
from conftest import repl_output as run

from auditql import api
from auditql.db import archive_file
from auditql.errors import QueryError
from auditql.repl import special
from auditql.repl.session import Session, cancellable
from auditql.schema import COLUMN_NAMES

FAILED_LOGINS = "category = 'login' AND outcome = 'failure' AND time >= '2025-11-20' AND time < '2025-11-21'"


def make_session(db: Path) -> Session:
    session = Session(db, out=io.StringIO(), pager=None)
    session.size = lambda: os.terminal_size((200, 50))  # type: ignore[method-assign]
    return session


@pytest.fixture
def session(sample_db: Path) -> Session:
    return make_session(sample_db)


# --- the registry --------------------------------------------------------------------------------------
def test_every_command_has_help_and_is_listed_by_help(session: Session) -> None:
    text = run(session, ".help")
    for command in special.COMMANDS.values():
        assert command.summary, f"{command.name} needs a docstring"
        assert f"{command.usage}" in text and command.summary in text
    assert "Ctrl-C" in text and "Ctrl-D" in text and "Tab" in text


def test_help_for_one_command_and_aliases(session: Session) -> None:
    assert run(session, ".help .format").startswith(".format NAME\n  Set how results are shown")
    assert run(session, ".help timeline").startswith(".timeline [INTERVAL]")
    assert special.lookup(".exit") is special.lookup(".quit")


def test_unknown_command_names_the_valid_ones(session: Session) -> None:
    text = run(session, ".frobnicate now")
    assert text.startswith("error: .frobnicate is not a command. Try one of: .help, .schema,")
    assert "Traceback" not in text


def test_completion_learns_commands_and_their_arguments_from_the_registry(session: Session) -> None:
    commands, arguments = special.snapshot_commands()
    assert set(commands) == set(special.COMMANDS)
    assert arguments[".format"] == ("table", "vertical", "csv", "json", "ndjson", "markdown")
    assert arguments[".ingest"] == "<path>"


# --- queries ---------------------------------------------------------------------------------------------
def test_where_query_shows_the_readable_columns_and_a_footer(session: Session) -> None:
    lines = run(session, FAILED_LOGINS).splitlines()
    assert lines[0].split() == ["time", "vendor", "action", "category", "outcome", "actor_name", "source_ip",
                                "target_name"]  # fmt: skip
    assert len(lines) == 2 + 10 + 1
    assert lines[2].startswith("2025-11-20T07:41:19.902Z  adobe_cja")
    assert lines[-1].startswith("10 rows in ")


def test_sql_query_in_csv_exact(session: Session, expected: dict) -> None:
    run(session, ".format csv")
    text = run(session, "SELECT vendor, count(*) AS n FROM events GROUP BY vendor ORDER BY vendor;")
    per_vendor = [f"{v},{e['unique_events']}" for v, e in sorted(expected["vendors"].items())]
    assert text.splitlines()[:6] == ["vendor,n", *per_vendor]


def test_limit_cuts_and_says_so_then_off(session: Session) -> None:
    run(session, ".limit 3")
    text = run(session, "category = 'login'")
    assert "3 rows (limit 3 reached: more rows exist; raise .limit)" in text
    run(session, ".limit off")
    assert run(session, ".limit") == "limit off\n"


def test_bad_query_is_one_message_with_a_caret(session: Session) -> None:
    text = run(session, "SELECT * FROM read_text('/etc/passwd');")
    assert text == (
        "SELECT * FROM read_text('/etc/passwd')\n              ^\n"
        "error: table function read_text(...) is not allowed; query the events table\n"
    )


def test_unknown_field_warns_with_the_nearest_names(session: Session) -> None:
    assert "warning: no ingested record has field 'errCod'; did you mean: errCode?" in run(session, "errCod = 0")


def test_timer_off_hides_the_time(session: Session) -> None:
    run(session, ".timer off")
    assert run(session, FAILED_LOGINS).splitlines()[-1] == "10 rows"
    assert "is not on or off" in run(session, ".timer maybe")


def test_cancel_a_running_query_with_ctrl_c(session: Session) -> None:
    """SIGINT reaches the main thread, which interrupts DuckDB; the session then goes on."""
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    text = run(session, "SELECT count(*) FROM events a, events b, events c, events d, events e;")
    assert text == "error: query cancelled\n"
    assert run(session, FAILED_LOGINS).splitlines()[-1].startswith("10 rows")


def test_cancellable_returns_the_work_result(sample_db: Path) -> None:
    con = api.reader(sample_db)
    try:
        assert cancellable(con, lambda c: c.execute("SELECT 42").fetchone()) == (42,)
        with pytest.raises(QueryError):
            cancellable(con, lambda c: (_ for _ in ()).throw(QueryError("boom")))
    finally:
        con.close()


def test_the_archive_is_not_held_open_between_statements(tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    shutil.copy(next(SAMPLES.glob("resolver/*1.csv")), tmp_path / "one.csv")
    session = make_session(db)
    run(session, f".ingest {tmp_path / 'one.csv'}")
    run(session, "vendor = 'resolver'")
    with archive_file.writer(db) as con:  # would fail if the session still held a connection
        assert con.execute("SELECT count(*) FROM events").fetchone() == (42,)


# --- dot-commands on the archive ------------------------------------------------------------------------
def test_schema_lists_every_canonical_column(session: Session) -> None:
    text = run(session, ".schema")
    assert [line.split()[0] for line in text.splitlines()[2:]] == list(COLUMN_NAMES)


def test_fields_per_vendor_and_a_wrong_vendor(session: Session) -> None:
    rows = [line.split() for line in run(session, ".fields sap_cdc").splitlines()[2:]]
    assert ["sap_cdc", "errCode"] in rows and ["sap_cdc", "params.loginID"] in rows
    assert {r[0] for r in rows} == {"sap_cdc"}
    assert run(session, ".fields nope").startswith("error: nope is not a vendor in this archive. Try one of: adobe_cja")


def test_vendors_with_counts(session: Session, expected: dict) -> None:
    rows = [line.split()[:2] for line in run(session, ".vendors").splitlines()[2:]]
    assert rows == [[v, str(expected["vendors"][v]["unique_events"])] for v in sorted(expected["vendors"])]


def test_sources_lists_every_ingested_file(session: Session, expected: dict) -> None:
    run(session, ".format json")
    listed = json.loads(run(session, ".sources"))  # the custody entries: a start, the zips, their members
    files = [s for s in listed if s["kind"] in ("file", "member")]
    assert len(files) == len(expected["files"])
    assert sum(s["records_read"] for s in files) == expected["total"]["records"]
    assert all(len(s["sha256"]) == 64 for s in listed if s["kind"] != "start")
    assert [s["seq"] for s in listed] == list(range(1, len(listed) + 1))


def test_explain_last_query_and_a_given_one(session: Session) -> None:
    assert run(session, ".explain").startswith("error: no query yet")
    run(session, FAILED_LOGINS)
    assert 'FROM "events" WHERE "category" = \'login\'' in run(session, ".explain")
    assert run(session, ".explain errCode = 0").count("raw") >= 1


def test_export_the_last_result_with_every_column(session: Session, tmp_path: Path) -> None:
    assert run(session, f".export {tmp_path / 'x.csv'}").startswith("error: no result yet")
    run(session, FAILED_LOGINS)
    assert run(session, f".export {tmp_path / 'x.csv'}") == f"10 rows → {tmp_path / 'x.csv'}\n"
    rows = list(csv.reader((tmp_path / "x.csv").open()))
    assert rows[0] == list(COLUMN_NAMES) and len(rows) == 11
    assert run(session, f".export {tmp_path / 'x.parquet'}") == f"10 rows → {tmp_path / 'x.parquet'}\n"
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "x.parquet")
    assert table.column_names == list(COLUMN_NAMES) and table.num_rows == 10
    assert sorted(table.column("category").to_pylist()) == ["login"] * 10


def test_timeline_counts_the_last_querys_events(session: Session) -> None:
    assert run(session, ".timeline").startswith("error: no query yet")
    run(session, FAILED_LOGINS)
    lines = run(session, ".timeline day").splitlines()
    assert lines[0] == "interval 1 day, 10 events"
    assert lines[1].startswith("2025-11-20T00:00:00.000Z  10  █")
    assert "is not an interval" in run(session, ".timeline fortnightly")
    run(session, "SELECT vendor, count(*) AS n FROM events GROUP BY vendor;")
    assert run(session, ".timeline") == "error: the timeline needs a result with a `time` column\n"


def test_format_rejects_unknown_names(session: Session) -> None:
    assert run(session, ".format xml") == (
        "error: xml is not an output format. Try one of: table, csv, json, ndjson, markdown, vertical\n"
    )


def test_quit_and_its_aliases(session: Session) -> None:
    run(session, ".exit")
    assert session.running is False


def test_ingest_then_completion_and_toolbar_see_the_new_data(tmp_path: Path) -> None:
    session = make_session(tmp_path / "new.duckdb")
    assert run(session, "vendor = 'x'").startswith("error: ")  # no archive yet: said plainly
    text = run(session, f".ingest {SAMPLES / 'sap_cdc' / 'audit_export.ndjson'}")
    assert "sap_cdc" in text and "31" in text
    assert session.stats is not None and session.stats[0] == 31
    assert "errCode" in session.snapshot.fields["sap_cdc"]
    assert "login" in session.snapshot.values["category"]


def test_control_characters_in_data_are_shown_escaped(tmp_path: Path) -> None:
    source = (SAMPLES / "resolver" / "user_audit_trail_export_1.csv").read_text()
    (tmp_path / "evil.csv").write_text(source.replace("Alex Example", "Alex\x1b[2J\x07Example", 1))
    session = make_session(tmp_path / "evil.duckdb")
    run(session, f".ingest {tmp_path / 'evil.csv'}")
    for fmt in ("table", "vertical"):
        run(session, f".format {fmt}")
        text = run(session, "actor_name LIKE 'Alex%Example' AND action = 'Create API Key'")
        assert "\x1b" not in text and "\x07" not in text and "Alex\\x1b[2J\\x07Example" in text


def test_a_table_fits_the_terminal_as_duckbox_does(session: Session) -> None:
    """Wide enough: every column whole. Narrower: long text is cut with "…" (never a time). Narrower still:
    middle columns are hidden behind a "…" column, the first and last kept, and the footer says so."""
    wide = run(session, FAILED_LOGINS).splitlines()
    assert wide[0].split() == ["time", "vendor", "action", "category", "outcome", "actor_name", "source_ip",
                               "target_name"]  # fmt: skip
    assert "…" not in "".join(wide) and re.fullmatch(r"10 rows in [\d.]+s", wide[-1])
    session.size = lambda: os.terminal_size((110, 50))  # type: ignore[method-assign]
    mid = run(session, FAILED_LOGINS).splitlines()
    assert max(map(len, mid[:-1])) <= 110
    assert mid[0].split() == ["time", "vendor", "action", "…", "source_ip", "target_name"]
    assert mid[2].startswith("2025-11-20T07:41:19.902Z  adobe_cja        LOGIN_FAILED")
    assert mid[2].endswith("…  NULL           casey.placeholder@e…")  # cut to fit, never a time
    assert re.fullmatch(r"10 rows, 8 columns \(5 shown\) in [\d.]+s", mid[-1])
    session.size = lambda: os.terminal_size((60, 50))  # type: ignore[method-assign]
    narrow = run(session, FAILED_LOGINS).splitlines()
    assert max(map(len, narrow[:-1])) <= 60
    assert narrow[0].split() == ["time", "…", "target_name"]
    assert narrow[2] == "2025-11-20T07:41:19.902Z  …  casey.placeholder@example.org"
    assert re.fullmatch(r"10 rows, 8 columns \(2 shown\) in [\d.]+s", narrow[-1])


def test_a_long_header_is_shown_whole_when_it_fits(session: Session) -> None:
    """The REPL used to cut `count(*) FILTER (WHERE outcome = 'failure')` to `FILTE…` on a wide screen."""
    text = run(session, "SELECT vendor, count(*) FILTER (WHERE outcome = 'failure') AS failures_counted_for_the_report "
                        "FROM events GROUP BY vendor ORDER BY vendor;")  # fmt: skip
    assert text.splitlines()[0].split() == ["vendor", "failures_counted_for_the_report"]


def test_null_and_the_empty_string_look_different(session: Session) -> None:
    text = run(session, "SELECT 'a' AS k, NULL AS missing, '' AS blank;")
    assert text.splitlines()[:3] == ["k  missing  blank", "-  -------  -----", "a  NULL"]
    run(session, ".format vertical")
    assert run(session, "SELECT NULL AS missing, '' AS blank;").splitlines()[1:3] == ["missing | NULL", "blank   | "]
    run(session, ".format csv")
    assert run(session, "SELECT NULL AS missing, '' AS blank;").splitlines()[:2] == ["missing,blank", ","]
