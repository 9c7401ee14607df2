"""The real REPL (`python -m auditql repl`) driven through a pseudo-terminal, as a user would: queries with
exact results, Tab completion of a column and a value, Ctrl-C cancelling a long query and clearing a line,
`.help`, `.timeline`, a bad query, history on disk, Ctrl-D.

One REPL process serves the tests of this module in order (startup costs a second or two); each test
leaves it at a fresh prompt.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from conftest import ROOT

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\x1b[=>]|\r")
FOOTER = r"\d+ rows? .*in [\d.]+s"


def plain(text: str) -> str:
    return ANSI.sub("", text)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("repl-home")


@pytest.fixture(scope="module")
def child(sample_db: Path, home: Path, expected: dict) -> Iterator[pexpect.spawn]:
    env = {
        **os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"), "TERM": "xterm-256color", "PAGER": "cat", "TZ": "UTC",
        "PROMPT_TOOLKIT_NO_CPR": "1",
    }  # fmt: skip
    env.pop("AUDITQL_DB", None)
    proc = pexpect.spawn(sys.executable, ["-m", "auditql", "repl", "--db", str(sample_db)], cwd=str(ROOT), env=env,
                         encoding="utf-8", dimensions=(50, 200), timeout=20)  # fmt: skip
    proc.expect(f"{expected['total']['unique_events']} events")
    proc.expect("auditql> ")
    yield proc
    if proc.isalive():
        proc.terminate(force=True)


def submit(child: pexpect.spawn, line: str, until: str) -> str:
    """Type a line, press Enter, wait for `until` (a regex); the plain text shown up to and including it."""
    child.send(line)
    time.sleep(0.2)
    child.send("\r")
    child.expect(until)
    shown = plain(child.before + child.after)
    child.expect("auditql> ")  # keys sent before the prompt is back would meet a cooked-mode terminal
    return shown


def test_where_query_exact_rows(child: pexpect.spawn, expected: dict) -> None:
    text = submit(child, "category = 'login' AND outcome = 'failure' AND time >= '2025-11-20' AND time < '2025-11-21'",
                  FOOTER)  # fmt: skip
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("time "))
    assert lines[header].split() == ["time", "vendor", "action", "category", "outcome", "actor_name", "source_ip",
                                     "target_name"]  # fmt: skip
    rows = lines[header + 2 : header + 12]
    assert all(r.startswith("2025-11-20T") and " login " in r and " failure " in r for r in rows)
    by_vendor = {v: sum(r.split()[1] == v for r in rows) for v in expected["demo_failed_logins_2025_11_20"]}
    assert by_vendor == {**expected["demo_failed_logins_2025_11_20"], "total": 0}
    assert rows[0].startswith("2025-11-20T07:41:19.902Z  adobe_cja        LOGIN_FAILED")
    assert re.fullmatch(r"10 rows in [\d.]+s", lines[header + 12])


def test_multiline_sql_query_exact_rows(child: pexpect.spawn, expected: dict) -> None:
    child.send("SELECT vendor, count(*) AS n\r")  # SQL goes on to the next line until ';'
    child.expect(r"\.\.\.> ")
    text = submit(child, "FROM events GROUP BY vendor ORDER BY vendor;", FOOTER)
    vendors = expected["vendors"]
    rows = [line.split() for line in text.splitlines() if line.split()[:1] and line.split()[0] in vendors]
    assert rows == [[v, str(vendors[v]["unique_events"])] for v in sorted(vendors)]
    assert re.search(r"5 rows in [\d.]+s", text)


def test_the_analysts_sql_answers_in_the_repl(child: pexpect.spawn) -> None:
    """DuckDB's functions and FILTER, typed into the REPL; the unnamed column is named as typed."""
    text = submit(child, "SELECT vendor, count(*) FILTER (WHERE outcome = 'failure'), date_diff('day', min(time), "
                         "max(time)) AS days FROM events GROUP BY vendor ORDER BY vendor;", FOOTER)  # fmt: skip
    header = next(line for line in text.splitlines() if line.split()[:1] == ["vendor"])
    # the header is the column as typed (`count(*) FILTER …`, not DuckDB's `count_star() FILTER …`), whole
    assert header.split() == ["vendor", "count(*)", "FILTER", "(WHERE", "outcome", "=", "'failure')", "days"]
    rows = [line.split() for line in text.splitlines() if line.split()[:1] and line.split()[0].islower()]
    assert [r for r in rows if len(r) == 3 and r[1].isdigit()] == [
        ["adobe_cja", "3", "20"], ["broadcom_portal", "4", "50"], ["resolver", "2", "51"], ["sap_cdc", "7", "3751"],
        ["sas_ci360", "1", "263"],
    ]  # fmt: skip
    text = submit(child, "SELECT getenv('HOME') FROM events;", r"error: [^\r\n]+\r\n")
    assert "error: function getenv is not allowed: it reads DuckDB settings, variables or the environment" in text


def test_tab_completes_a_column_and_a_value(child: pexpect.spawn) -> None:
    child.send("actor_ty")
    child.expect("actor_type")  # the menu pops up while typing; Tab takes its entry
    child.send("\t")
    time.sleep(0.3)
    child.send(" = 'syst")
    child.expect("'system'")
    child.send("\t")
    time.sleep(0.3)
    text = submit(child, " ", FOOTER)  # the space closes the menu; Enter runs "actor_type = 'system' "
    assert "warning" not in text
    assert re.search(r"4 rows in [\d.]+s", text)
    assert text.count("Registration Service") == 4


def test_ctrl_c_cancels_a_long_query_and_the_session_goes_on(child: pexpect.spawn) -> None:
    started = time.monotonic()
    child.send("SELECT count(*) FROM events a, events b, events c, events d, events e;\r")
    time.sleep(1.5)
    child.sendintr()
    child.expect("query cancelled")
    assert time.monotonic() - started < 10
    child.expect("auditql> ")
    text = submit(child, "vendor = 'resolver' AND category = 'delete'", FOOTER)
    assert re.search(r"20 rows in [\d.]+s", text)


def test_ctrl_c_at_the_prompt_clears_the_line(child: pexpect.spawn) -> None:
    child.send("zzz garbage")
    time.sleep(0.3)
    child.sendintr()
    time.sleep(0.3)
    text = submit(child, "vendor = 'resolver' AND category = 'delete'", FOOTER)
    assert "warning" not in text and "error" not in text
    assert re.search(r"20 rows in [\d.]+s", text)


def test_help_lists_the_commands(child: pexpect.spawn) -> None:
    text = submit(child, ".help", r"edits in \$EDITOR · Ctrl-D quits\r\n")
    for usage in (".schema", ".fields [VENDOR]", ".sources", ".ingest PATH…", ".format NAME", ".limit N|off",
                  ".export FILE", ".explain [QUERY]", ".timeline [INTERVAL]", ".timer on|off", ".quit"):  # fmt: skip
        assert usage in text


def test_timeline_of_the_last_query(child: pexpect.spawn) -> None:
    submit(child, "category = 'login' AND outcome = 'failure' AND time >= '2025-11-20' AND time < '2025-11-21'", FOOTER)
    text = submit(child, ".timeline day", r"2025-11-20T00:00:00.000Z +10 +█+")
    assert "interval 1 day, 10 events" in text


def test_a_bad_query_is_one_clear_message(child: pexpect.spawn) -> None:
    text = submit(child, "SELECT * FROM read_text('/etc/passwd');", r"error: [^\r\n]+\r\n")
    assert "table function read_text(...) is not allowed" in text
    assert "Traceback" not in text
    text = submit(child, "outcome = 'failure' AND time >= '2025-11-20' AND time < '2025-11-21'", FOOTER)
    assert re.search(r"\d+ rows in", text)


def test_a_where_clause_ending_in_and_or_an_open_parenthesis_goes_on(child: pexpect.spawn) -> None:
    child.send("category = 'login' AND\r")  # issue 16: this ran (and failed) at once
    child.expect(r"\.\.\.> ")
    text = submit(child, "outcome = 'failure' AND time >= '2025-11-20' AND time < '2025-11-21'", FOOTER)
    assert re.search(r"10 rows in [\d.]+s", text) and "error" not in text
    child.send("(vendor = 'resolver' OR vendor = 'nobody'\r")
    child.expect(r"\.\.\.> ")
    text = submit(child, ") AND category = 'delete'", FOOTER)
    assert re.search(r"20 rows in [\d.]+s", text)


def test_tab_completes_a_value_of_a_raw_vendor_field(child: pexpect.spawn) -> None:
    child.send("errCode = '40")
    child.expect("'403042'")  # the most frequent of the field's values starting so
    child.send("\t")
    time.sleep(0.3)
    text = submit(child, " ", FOOTER)
    assert re.search(r"5 rows in [\d.]+s", text)


def test_read_mode_once_and_tables_as_in_the_duckdb_cli(child: pexpect.spawn, home: Path) -> None:
    (home / "q.sql").write_text("-- deletes in Resolver\nvendor = 'resolver'\n  AND category = 'delete'\n")
    text = submit(child, f".read {home / 'q.sql'}", FOOTER)
    assert re.search(r"20 rows in [\d.]+s", text)
    child.send(".mode csv\r")  # says nothing: the next command's answer shows it was done
    assert "format csv" in submit(child, ".mode", r"format csv\r\n")
    child.send(f".once {home / 'once.csv'}\r")
    assert "limit 1000" in submit(child, ".limit", r"limit \d+\r\n")
    text = submit(child, "vendor = 'resolver' AND category = 'delete'", r"20 rows in [\d.]+s → \S+once.csv")
    assert "Remove User from Group" not in text  # the rows went to the file
    rows = (home / "once.csv").read_text().splitlines()
    assert rows[0].startswith("time,vendor,") and len(rows) == 21
    child.send(".mode table\r")
    assert "format table" in submit(child, ".mode", r"format table\r\n")
    text = submit(child, ".tables", r"auditLog[^\r\n]*\r\n")
    assert "events" in text


def test_bare_help_shows_the_help(child: pexpect.spawn) -> None:
    text = submit(child, "help", r"Ctrl-D quits\r\n")
    assert ".save NAME [QUERY]" in text and ".output [FILE]" in text and "error" not in text


def test_ctrl_d_exits_and_history_is_on_disk(child: pexpect.spawn, home: Path) -> None:
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert stat.S_IMODE((home / "data" / "auditql" / "history").stat().st_mode) == 0o600
    history = (home / "data" / "auditql" / "history").read_text()
    assert "SELECT vendor, count(*) AS n\n+FROM events GROUP BY vendor ORDER BY vendor;" in history
    assert "zzz garbage" not in history


def spawn(args: list[str], home: Path, **extra: str) -> pexpect.spawn:
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "TERM": "xterm-256color",
           "PROMPT_TOOLKIT_NO_CPR": "1", **extra}  # fmt: skip
    return pexpect.spawn(sys.executable, ["-m", "auditql", *args], cwd=str(ROOT), env=env, encoding="utf-8",
                         dimensions=(50, 200), timeout=20)  # fmt: skip


def test_repl_with_paths_ingests_them_first(tmp_path: Path) -> None:
    db = tmp_path / "new.duckdb"
    proc = spawn(["repl", "--db", str(db), "sample_data/sap_cdc/audit_export.ndjson"], tmp_path)
    proc.expect("ingested 1 files: 31 new events")
    proc.expect("31 events")
    proc.expect("auditql> ")
    proc.sendeof()
    proc.expect(pexpect.EOF)
    proc.close()
    assert proc.exitstatus == 0


def test_plain_auditql_in_a_terminal_opens_the_repl(sample_db: Path, tmp_path: Path, expected: dict) -> None:
    proc = spawn([], tmp_path, AUDITQL_DB=str(sample_db))
    proc.expect(f"{expected['total']['unique_events']} events")
    proc.expect("auditql> ")
    proc.send(".quit\r")
    proc.expect(pexpect.EOF)
    proc.close()
    assert proc.exitstatus == 0


def test_without_a_terminal_it_says_to_use_query(cli, sample_db: Path) -> None:
    result = cli("repl", "--db", str(sample_db))
    assert result.exit_code == 2
    assert "the REPL needs a terminal" in result.stderr


def test_bare_exit_leaves(sample_db: Path, tmp_path: Path) -> None:
    proc = spawn(["repl", "--db", str(sample_db)], tmp_path)
    proc.expect("auditql> ")
    proc.send("exit\r")
    proc.expect(pexpect.EOF)
    proc.close()
    assert proc.exitstatus == 0


def test_the_pager_does_not_swallow_what_was_typed_ahead(sample_db: Path, tmp_path: Path) -> None:
    """A result taller than the screen goes to `less`; keys typed while the query ran would be read by less
    as its commands and lost. Typed ahead, they reach the next prompt instead, and the result is printed."""
    proc = spawn(["repl", "--db", str(sample_db)], tmp_path, PAGER="less -SRXF")
    proc.expect("auditql> ")
    slow_and_tall = ("SELECT a.source_row % 70 AS r, count(*) AS n FROM events a, events b, events c, "
                     "(SELECT vendor FROM events LIMIT 4) d GROUP BY 1 ORDER BY 1;")  # fmt: skip
    proc.send(slow_and_tall + "\r")
    time.sleep(1.0)  # the query runs (a few seconds): what is typed now waits in the terminal
    proc.send("vendor = 'resolver' AND category = 'delete'\r")
    proc.expect(r"60 rows in [\d.]+s")
    proc.expect(r"20 rows in [\d.]+s")  # the typed-ahead query ran
    proc.expect("auditql> ")
    proc.send(".quit\r")
    proc.expect(pexpect.EOF)
    proc.close()
    assert proc.exitstatus == 0
