"""The query sandbox end to end: every way the allowlist refuses a query, through the real CLI (exit 3, the
query with a caret under the refused part, one `error:` line, no traceback, the archive unchanged); the
sandboxed DuckDB connection underneath it; queries built to be slow to translate or to match (deep nesting,
huge OR chains, catastrophic-backtracking regexes); and `--timeout` cancelling a runaway query cleanly.

Slow-looking queries are run with a `--timeout`, so a regression fails with exit 3 instead of hanging the
suite; no test asserts on elapsed time.
"""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from conftest import DATA, count, run_auditql
from conftest import repl_output as say

from auditql import api
from auditql.errors import CONTEXT, QueryError
from auditql.notebook.results import Request
from auditql.notebook.results import query as notebook_query
from auditql.query import translate
from auditql.query.allowlist import MAX_DEPTH, MAX_LENGTH, MAX_TOKENS
from auditql.repl.session import Session

EVENTS = json.loads((DATA / "samples_expected.json").read_text())["total"]["unique_events"]  # in the sample archive
# A query DuckDB would need minutes for: a four-way self cross join (EVENTS^4 ≈ 5.9e10 pairs) comparing text.
RUNAWAY = (
    "SELECT count(*) AS n FROM events a, events b, events c, events d "
    "WHERE a.raw::VARCHAR < b.raw::VARCHAR AND c.raw::VARCHAR < d.raw::VARCHAR"
)
FAILED_LOGINS = ("Login Failed", "LOGIN_FAILED")
WRITE_IT = "write the value itself (or bind it with params= in the notebook)"  # 7 events in the sample archive


def refused(cli, db: Path, text: str, *args: str):
    """Run a query that must be refused; return its stderr lines after the common checks."""
    before = count(db)
    result = cli("query", "--db", db, *args, text)
    assert result.exit_code == 3, (text, result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert count(db) == before
    return result.stderr.splitlines()


def assert_caret(lines: list[str], text: str, col: int) -> None:
    """Three lines: the query line, a caret at 1-based `col`, the message. A line longer than the error's
    context window is shown as a window around the caret, marked with "…", the caret under the same character."""
    assert len(lines) == 3, lines
    line, (shown, caret) = text.splitlines()[0], lines[:2]
    assert caret.strip() == "^"
    if len(line) <= CONTEXT:
        assert shown == line
        assert caret == " " * (col - 1) + "^"
    else:
        assert len(shown) <= CONTEXT + 2 and shown.strip("…") in line
        assert shown[len(caret) - 1] == line[col - 1]
    assert lines[2].startswith("error: ")


# --- statements that are not a read-only query ------------------------------------------------------------
STATEMENTS = [
    "DROP TABLE events",
    "DELETE FROM events",
    "INSERT INTO events VALUES (1)",
    "UPDATE events SET action = 'x'",
    "CREATE TABLE x AS SELECT * FROM events",
    "ALTER TABLE events ADD COLUMN x INT",
    "TRUNCATE events",
    "COPY events TO '/tmp/auditql-leak.csv'",
    "COPY (SELECT * FROM events) TO '/tmp/auditql-leak.csv'",
    "ATTACH '/tmp/auditql-other.duckdb' AS other",
    "DETACH other",
    "INSTALL httpfs",
    "LOAD httpfs",
    "PRAGMA database_list",
    "SET enable_external_access = true",
    "RESET enable_external_access",
    "CALL duckdb_settings()",
    "EXPORT DATABASE '/tmp/auditql-dump'",
    "IMPORT DATABASE '/tmp/auditql-dump'",
    "VACUUM",
    "CHECKPOINT",
    "DESCRIBE events",
    "SHOW TABLES",
    "SUMMARIZE events",
    "USE memory",
    "BEGIN TRANSACTION",
    "EXPLAIN SELECT * FROM events",
    "PREPARE p AS SELECT 1",
    "EXECUTE p",
    "FROM events",
    "TABLE events",
    "PIVOT events ON vendor",
    "VALUES (1)",
    "WITH x AS (SELECT 1) DELETE FROM events",
]


@pytest.mark.parametrize("text", STATEMENTS)
def test_statements_other_than_select_are_refused_by_name(cli, sample_db: Path, text: str) -> None:
    lines = refused(cli, sample_db, text)
    word = "DELETE" if text.startswith("WITH") else text.split()[0]
    assert_caret(lines, text, 1)
    assert lines[2] == f"error: only SELECT queries are allowed; {word} was refused"


@pytest.mark.parametrize(
    ("text", "col"),
    [
        ("action = 'a'; DROP TABLE events", 13),
        ("SELECT * FROM events; DROP TABLE events", 21),
        ("SELECT * FROM events;; SELECT 1", 21),
        ("action = 'a' /**/; COPY events TO '/tmp/x.csv'", 18),
        ("action = 'a'\n; ATTACH '/tmp/x.duckdb'", 1),
    ],
)
def test_a_second_statement_is_refused_at_its_semicolon(cli, sample_db: Path, text: str, col: int) -> None:
    lines = refused(cli, sample_db, text)
    if "\n" in text:  # the caret is drawn under the line that holds the ';'
        assert lines[0] == text.splitlines()[1] and lines[1] == "^"
    else:
        assert_caret(lines, text, col)
    assert lines[-1] == "error: only one statement is allowed; remove the ';' and what follows it"


@pytest.mark.parametrize("text", ["action = 'a' /* ; DROP TABLE events */", "action = 'a' -- ; DROP TABLE events"])
def test_a_statement_hidden_in_a_comment_is_only_a_comment(cli, sample_db: Path, text: str) -> None:
    """Comments are dropped by the tokenizer; what runs is the condition alone, and nothing else happens."""
    result = cli("query", "--db", sample_db, "--format", "csv", "--columns", "action", text)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "action\n"  # no event has action 'a'
    assert count(sample_db) == EVENTS


@pytest.mark.parametrize(("text", "expected"), [(";", "the query is empty"), ("  \n ", "the query is empty")])
def test_empty_queries(cli, sample_db: Path, text: str, expected: str) -> None:
    lines = refused(cli, sample_db, text)
    assert len(lines) == 1 and lines[0].startswith(f"error: {expected}; write a condition such as")


# --- tables and table functions -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "function",
    ["read_csv", "read_csv_auto", "read_parquet", "read_json", "read_json_objects", "read_text", "read_blob",
     "glob", "query", "query_table", "duckdb_settings", "duckdb_secrets", "duckdb_databases"],
)  # fmt: skip
def test_table_functions_are_refused(cli, sample_db: Path, function: str) -> None:
    text = f"SELECT * FROM {function}('/etc/passwd')"
    lines = refused(cli, sample_db, text)
    assert_caret(lines, text, 15)
    assert lines[2] == f"error: table function {function}(...) is not allowed; query the events table"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("'/etc/passwd'", "table '/etc/passwd' is not allowed; query the events table (or a CTE defined in the query)"),
        ("'x.csv'", "table 'x.csv' is not allowed; query the events table (or a CTE defined in the query)"),
        ("sources", "table 'sources' is not allowed; query the events table (or a CTE defined in the query)"),
        ("rejects", "table 'rejects' is not allowed; query the events table (or a CTE defined in the query)"),
        (
            "sqlite_master",
            "table 'sqlite_master' is not allowed; query the events table (or a CTE defined in the query)",
        ),
        ("main.events", "table main.events is not allowed; query the events table"),
        ("samples.main.events", "table samples.main.events is not allowed; query the events table"),
        ("information_schema.tables", "table information_schema.tables is not allowed; query the events table"),
        ('"main"."events"', 'table "main"."events" is not allowed; query the events table'),
        ("\"read_csv\"('/etc/passwd')", "table function read_csv(...) is not allowed; query the events table"),
    ],
)
def test_tables_other_than_events_are_refused(cli, sample_db: Path, table: str, message: str) -> None:
    text = f"SELECT * FROM {table}"
    lines = refused(cli, sample_db, text)
    assert_caret(lines, text, 15)
    assert lines[2] == f"error: {message}"


def test_quoted_and_aliased_events_still_work(cli, sample_db: Path) -> None:
    """Quoting is not a way around the allowlist, and a hostile-looking alias is only a name."""
    for text in ('SELECT count(*) AS n FROM "events"', 'SELECT count(*) AS n FROM events AS "x; DROP TABLE events"'):
        result = cli("query", "--db", sample_db, "--format", "csv", text)
        assert (result.exit_code, result.stdout) == (0, f"n\n{EVENTS}\n"), result.stderr


# --- functions, syntax and clauses --------------------------------------------------------------------------
FILES, SQL_TEXT = "it reads files", "it runs, plans or rewrites SQL text"
SETTINGS = "it reads DuckDB settings, variables or the environment"


@pytest.mark.parametrize(
    ("text", "name", "reason", "col"),
    [
        ("SELECT read_text('/etc/passwd')", "read_text", FILES, 8),
        ("SELECT getenv('HOME')", "getenv", SETTINGS, 8),
        ("SELECT current_setting('threads')", "current_setting", SETTINGS, 8),
        ("SELECT query('SELECT 1')", "query", SQL_TEXT, 8),
        ("action = getenv('HOME')", "getenv", SETTINGS, 10),
        ("action = read_text('/etc/passwd')", "read_text", FILES, 10),
        ("action = READ_Text('/etc/passwd')", "READ_Text", FILES, 10),
        ("action = \"read_text\"('/etc/passwd')", "read_text", FILES, 10),
        ("SELECT frobnicate(action) FROM events", "frobnicate", "it is not one of DuckDB's functions", 8),
    ],
)
def test_functions_outside_the_allowlist_are_refused(
    cli, sample_db: Path, text: str, name: str, reason: str, col: int
) -> None:
    lines = refused(cli, sample_db, text)
    assert_caret(lines, text, col)
    assert lines[2] == f"error: function {name} is not allowed: {reason} (allowed functions: docs/sandbox.md#functions)"


@pytest.mark.parametrize(
    ("text", "shown", "col"),
    [
        ("SELECT * FROM events WHERE action = $$x$$", "a $$…$$ string", 37),
        ("SELECT * FROM events, LATERAL (SELECT 1)", "LATERAL", 39),
        ("SELECT 1 INTO x FROM events", "SELECT … INTO", 15),
        ("SELECT * FROM events TABLESAMPLE 10%", "TABLESAMPLE", 34),
        ("SELECT COLUMNS('.*') FROM events", "COLUMNS(…)", 8),
        ("SELECT action COLLATE nocase FROM events", "COLLATE", 8),
    ],
)
def test_syntax_outside_the_allowlist_is_refused(cli, sample_db: Path, text: str, shown: str, col: int) -> None:
    lines = refused(cli, sample_db, text)
    assert_caret(lines, text, col)
    assert lines[2] == f"error: {shown} is not allowed in a query; rewrite it without (see docs/sandbox.md)"


@pytest.mark.parametrize(
    ("text", "col", "message"),
    [
        ("WITH events AS (SELECT 1) SELECT * FROM events", 6, "a CTE may not be named events; choose another name"),
        (
            "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r) SELECT * FROM r",
            16,
            "WITH RECURSIVE is not allowed; use plain CTEs over events",
        ),
        ("SELECT * FROM events LIMIT -1", 29, "LIMIT takes a whole number, e.g. LIMIT 100"),
        ("SELECT * FROM events LIMIT (SELECT 1)", 36, "LIMIT takes a whole number, e.g. LIMIT 100"),
        ("SELECT * FROM events OFFSET 'a'", 29, "OFFSET/START takes a whole number, e.g. OFFSET 100"),
        ("SELECT * FROM events START 5", 22, "START belongs to the REST form (FROM auditLog); in SQL use OFFSET"),
        ("SELECT * FROM auditLog a", 15, "the REST form takes no aliases or subqueries; write SQL over events"),
        ("action = :x", 10, f"placeholder :x is not allowed; {WRITE_IT}"),
        ("action = ?", 10, f"placeholder ? is not allowed; {WRITE_IT}"),
        ("action = $1", 10, f"placeholder $1 is not allowed; {WRITE_IT}"),
        ("action = {x}", 10, "placeholder {x} is not allowed; " + WRITE_IT),
        ("action = 'unterminated", 10, "unterminated '…': add the closing '"),
        ('action = "unterminated', 10, 'unterminated "…": add the closing "'),
        ("action = 'a' /* unterminated", 14, "unterminated /*…*/: add the closing */"),
    ],
)  # fmt: skip
def test_other_refusals_point_at_the_cause(cli, sample_db: Path, text: str, col: int, message: str) -> None:
    lines = refused(cli, sample_db, text)
    assert_caret(lines, text, col)
    assert lines[2] == f"error: {message}"


# --- unicode tricks -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "col"),
    [
        ("action = 'a'\uff1bDROP TABLE events", 13),  # a fullwidth semicolon is not a statement separator
        ("\uff24\uff32\uff2f\uff30 TABLE events", 6),  # fullwidth DROP is a name, not a keyword
        ("DR\u200bOP TABLE events", 7),  # a zero-width space does not hide a keyword
    ],
)
def test_lookalike_characters_are_not_keywords(cli, sample_db: Path, text: str, col: int) -> None:
    lines = refused(cli, sample_db, text)
    assert_caret(lines, text, col)
    assert lines[2].startswith("error: unexpected '")  # read as names, so the parse fails on plain words


def test_control_characters_in_a_refused_query_are_escaped(cli, sample_db: Path) -> None:
    lines = refused(cli, sample_db, "SELECT * FROM \x1b[2Jevil")
    assert "\x1b" not in "".join(lines)
    assert lines[0] == "SELECT * FROM \\x1b[2Jevil"


def test_bidi_override_inside_a_string_is_data(cli, sample_db: Path) -> None:
    result = cli("query", "--db", sample_db, "--format", "json", "action = 'Login Failed\u202e'")
    assert (result.exit_code, result.stdout) == (0, "[]\n"), result.stderr


# --- the sandboxed connection under the allowlist -----------------------------------------------------------
@pytest.mark.parametrize(
    ("sql", "error"),
    [
        ("SELECT * FROM read_text('/etc/passwd')", duckdb.PermissionException),
        ("SELECT * FROM read_csv('/etc/passwd')", duckdb.PermissionException),
        ("COPY events TO '/tmp/auditql-sandbox-leak.csv'", duckdb.Error),
        ("SET enable_external_access = true", duckdb.InvalidInputException),
        ("SET lock_configuration = false", duckdb.InvalidInputException),
        ("INSTALL httpfs", duckdb.Error),
        ("DELETE FROM events", duckdb.InvalidInputException),
    ],
)
def test_the_query_connection_refuses_on_its_own(sample_db: Path, sql: str, error: type[Exception]) -> None:
    """Defence in depth: were the allowlist bypassed, the reader connection itself still refuses."""
    con = api.reader(sample_db)
    try:
        with pytest.raises(error):
            con.execute(sql)
        assert con.execute("SELECT count(*) FROM events").fetchall() == [(EVENTS,)]
    finally:
        con.close()
    assert not Path("/tmp/auditql-sandbox-leak.csv").exists()


# --- size and nesting ---------------------------------------------------------------------------------------
def or_chain(n: int, last: str = "Login Failed") -> str:
    return " OR ".join([*(f"action = 'n{i}'" for i in range(n - 1)), f"action = '{last}'"])


def test_a_5000_term_or_chain_runs(cli, sample_db: Path) -> None:
    text = or_chain(4_999) + " OR action = 'LOGIN_FAILED'"
    assert len(text) < MAX_LENGTH
    result = cli("query", "--db", sample_db, "--format", "csv", "--columns", "action", "--timeout", "60", text)
    assert result.exit_code == 0, result.stderr[-500:]
    assert sorted(result.stdout.splitlines()[1:]) == ["LOGIN_FAILED"] * 4 + ["Login Failed"] * 3


def test_a_5000_term_in_list_runs(cli, sample_db: Path) -> None:
    values = ", ".join([*(f"'x{i}'" for i in range(4_998)), *(f"'{a}'" for a in FAILED_LOGINS)])
    result = cli("query", "--db", sample_db, "--format", "csv", "--columns", "action", f"action IN ({values})")
    assert result.exit_code == 0, result.stderr[-500:]
    assert len(result.stdout.splitlines()) == 1 + 7


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Gigya's double-quoted IN values and long argument lists: rewritten item by item, in linear time
        ("action IN (" + ", ".join([*(f'"v{i}"' for i in range(4_999)), '"Login Failed"']) + ")", 3),
        ("coalesce(" + ", ".join([*(["x"] * 2_999), "category"]) + ") = 'login'", 99),
        ("SELECT count(*) AS n FROM events WHERE action IN (" + ", ".join(["action"] * 8_000) + ")", EVENTS),
    ],
)
def test_long_lists_translate_and_run(cli, sample_db: Path, text: str, expected: int) -> None:
    if not text.startswith("SELECT"):
        text = f"SELECT count(*) AS n FROM events WHERE {text}"
    result = cli("query", "--db", sample_db, "--format", "csv", "--timeout", "120", text)
    assert (result.exit_code, result.stdout) == (0, f"n\n{expected}\n"), result.stderr[-300:]


def test_a_long_subscript_chain_is_refused_before_parsing(cli, sample_db: Path) -> None:
    text = "raw" + "['a']" * 5_000 + " = 1"
    lines = refused(cli, sample_db, text)
    assert_caret(lines, text, 4 + 5 * MAX_DEPTH)
    assert lines[2] == f"error: the query is too complex: more than {MAX_DEPTH} [ ] subscripts or lists"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (or_chain(100_000), f"characters long; the limit is {MAX_LENGTH:,}"),
        (" OR ".join(["a"] * 19_000), f"too complex: 37,999 tokens (names, values, operators); the limit is {MAX_TOKENS:,}"),  # noqa: E501
        ("a" + ".b" * 20_000 + " = 1", "the query is too complex: 40,003 tokens"),
    ],
)  # fmt: skip
def test_huge_queries_are_refused_up_front(cli, sample_db: Path, text: str, message: str) -> None:
    lines = refused(cli, sample_db, text)
    assert len(lines) == 1 and lines[0].startswith("error: the query ") and message in lines[0]


@pytest.mark.parametrize(
    ("text", "col"),
    [
        ("(" * 5_000 + "action = 'a'" + ")" * 5_000, MAX_DEPTH + 1),
        ("NOT " * 5_000 + "action = 'a'", 4 * MAX_DEPTH + 1),
        ("lower(" * 200 + "action" + ")" * 200 + " = 'a'", 6 * MAX_DEPTH + 6),
        ("SELECT * FROM " + "(SELECT * FROM " * 100 + "events" + ")" * 100, 15 + 15 * MAX_DEPTH),
        ("action = " + "CASE WHEN true THEN " * 100 + "'a'" + " END" * 100, 10 + 20 * MAX_DEPTH),
    ],
)
def test_deep_nesting_is_refused_as_too_complex(cli, sample_db: Path, text: str, col: int) -> None:
    lines = refused(cli, sample_db, text)
    assert_caret(lines, text, col)
    assert lines[2] == (
        f"error: the query is too complex: nested more than {MAX_DEPTH} levels deep; flatten it "
        "(e.g. use IN (...) instead of nested conditions)"
    )


def test_nesting_at_the_limit_still_runs(cli, sample_db: Path) -> None:
    text = "(" * (MAX_DEPTH - 1) + "action = 'Login Failed'" + ")" * (MAX_DEPTH - 1)
    result = cli("query", "--db", sample_db, "--format", "csv", "--columns", "action", text)
    assert (result.exit_code, result.stdout) == (0, "action\n" + "Login Failed\n" * 3), result.stderr


def test_keyword_named_placeholders_bind(sample_db: Path) -> None:
    """Notebook variables called `end`, `from`, `limit` bind like any other name."""
    params = {"start": "2025-11-20T00:00:00Z", "end": "2025-11-21T00:00:00Z", "from": "failure"}
    text = "category = 'login' AND outcome = {from} AND time >= {start} AND time < {end}"
    result = api.query(sample_db, text, params=params)
    assert len(result.rows) == 10
    assert translate(text, params=params).params[0] == "failure"


# --- regular expressions and patterns that backtrack elsewhere ----------------------------------------------
LONG = "a" * 30_000 + "!"


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (f"regexp_matches('{LONG}', '(a+)+$')", 0),
        (f"regexp_matches('{LONG}', '^(a|a)*$')", 0),
        (f"regexp_matches('{LONG}', '(a|aa)+!$')", EVENTS),
        (f"'{LONG}' LIKE '{'%a' * 200}%b'", 0),
        (f"'{LONG}' ILIKE '{'%A' * 200}%!'", EVENTS),
        (f"'{LONG}' regex '(a*)*b'", 0),
    ],
)
def test_catastrophic_backtracking_patterns_finish(cli, sample_db: Path, condition: str, expected: int) -> None:
    """DuckDB matches with RE2 (linear time): `(a+)+$` against 30,000 a's and a '!' on every one of the
    sample rows is answered, not hung; the timeout turns a regression into a failure instead of a stuck test."""
    text = f"SELECT count(*) AS n FROM events WHERE {condition}"
    result = cli("query", "--db", sample_db, "--format", "csv", "--timeout", "120", text)
    assert (result.exit_code, result.stdout) == (0, f"n\n{expected}\n"), result.stderr[-300:]


def test_contains_escapes_regex_syntax_in_the_word(cli, sample_db: Path) -> None:
    result = cli("query", "--db", sample_db, "--format", "csv", "--columns", "action", "action contains '(a+)+$'")
    assert (result.exit_code, result.stdout) == (0, "action\n"), result.stderr


# --- the timeout --------------------------------------------------------------------------------------------
def test_timeout_cancels_a_runaway_query_in_process(cli, sample_db: Path) -> None:
    result = cli("query", "--db", sample_db, "--timeout", "1", RUNAWAY)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr == (
        "error: query timed out after 1 s and was cancelled; narrow it (e.g. --since, --vendor, a LIMIT) "
        "or raise --timeout (0 = no limit)\n"
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_timeout_in_a_subprocess_leaves_no_output(sample_db: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"result.{fmt}"
    proc = run_auditql("query", "--db", sample_db, "--timeout", "1.5", "--format", fmt, "--output", out, RUNAWAY)
    assert proc.returncode == 3
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert "error: query timed out after 1.5 s and was cancelled" in proc.stderr
    assert not out.exists()


def test_timeout_option_is_validated(cli, sample_db: Path) -> None:
    result = cli("query", "--db", sample_db, "--timeout", "-1", "action = 'a'")
    assert result.exit_code == 2 and "Invalid value for '--timeout': -1.0 is not in the range x>=0" in result.stderr


def test_timeout_zero_means_no_limit_and_default_is_generous(sample_db: Path) -> None:
    assert api.DEFAULT_TIMEOUT == 300
    con = api.reader(sample_db)
    try:
        t = api.prepare(con, "SELECT count(*) AS n FROM events")
        assert api.run(con, t, timeout=0).rows == [(EVENTS,)]
        assert api.run(con, t, timeout=None).rows == [(EVENTS,)]
        assert api.run(con, t).rows == [(EVENTS,)]
    finally:
        con.close()


def test_connection_stays_usable_after_a_timeout(sample_db: Path) -> None:
    con = api.reader(sample_db)
    try:
        with pytest.raises(QueryError, match=r"timed out after 0\.5 s"):
            api.run(con, api.prepare(con, RUNAWAY), timeout=0.5)
        small = api.prepare(con, "SELECT count(*) AS n FROM events")
        assert api.run(con, small, timeout=0.5).rows == [(EVENTS,)]
        assert api.run(con, small, timeout=30).rows == [(EVENTS,)]
    finally:
        con.close()


def test_a_finished_query_is_never_interrupted_later(sample_db: Path) -> None:
    """The timer of a query that finished must not cancel the next one on the same connection."""
    con = api.reader(sample_db)
    try:
        small = api.prepare(con, "SELECT count(*) AS n FROM events")
        assert api.run(con, small, timeout=0.2).rows == [(EVENTS,)]
        time.sleep(0.4)  # had the first query's timer not been cancelled, it would have fired by now
        assert api.run(con, small, timeout=None).rows == [(EVENTS,)]
    finally:
        con.close()


@pytest.fixture
def session(sample_db: Path) -> Session:
    s = Session(sample_db, out=io.StringIO(), pager=None)
    s.size = lambda: os.terminal_size((200, 50))  # type: ignore[method-assign]
    return s


def test_repl_timeout_setting_cancels_and_the_session_goes_on(session: Session) -> None:
    assert say(session, ".timeout") == "timeout 300 s\n"
    assert say(session, ".timeout 1") == ""
    assert say(session, RUNAWAY + ";") == (
        "error: query timed out after 1 s and was cancelled; narrow it (e.g. --since, --vendor, a LIMIT) "
        "or raise --timeout (0 = no limit)\n"
    )
    assert str(EVENTS) in say(session, "SELECT count(*) AS n FROM events;")
    assert say(session, ".timeout off") == "" and session.timeout is None
    assert say(session, ".timeout") == "timeout off\n"
    assert "is not a number of seconds" in say(session, ".timeout soon")


def test_notebook_query_has_the_same_timeout(sample_db: Path) -> None:
    with pytest.raises(QueryError, match="timed out after 1 s"):
        notebook_query(sample_db, Request(RUNAWAY), timeout=1)
    assert notebook_query(sample_db, Request("SELECT count(*) AS n FROM events"), timeout=1).rows == [(EVENTS,)]


@pytest.fixture
def shell(sample_db: Path) -> Iterator[object]:
    from IPython.core.interactiveshell import InteractiveShell

    sh = InteractiveShell.instance()
    sh.run_line_magic("load_ext", "auditql")
    sh.run_line_magic("auditql", f"open {sample_db}")
    yield sh
    sh.magics_manager.registry["AuditqlMagics"].archive = None


def test_magic_timeout_option(shell, capsys) -> None:
    capsys.readouterr()
    assert shell.run_line_magic("auditql", f"--timeout 1 {RUNAWAY}") is None
    assert "error: query timed out after 1 s and was cancelled" in capsys.readouterr().err
    assert shell.run_line_magic("auditql", "--timeout 5 SELECT count(*) AS n FROM events").rows == [(EVENTS,)]
    assert shell.run_line_magic("auditql", "--timeout soon action = 'a'") is None
    assert "error: --timeout needs a number of seconds (0 = no limit), not 'soon'" in capsys.readouterr().err


def test_replace_all_rebuilds_each_list_once_and_keeps_parents() -> None:
    import sqlglot
    from sqlglot import exp

    from auditql.query.trees import replace_all

    tree = sqlglot.parse_one("SELECT a, b, c FROM t WHERE x = 1")
    a, _, c = tree.expressions
    where_x = tree.find(exp.EQ).this
    replace_all([(a, exp.column("z")), (c, exp.Upper(this=c.copy())), (where_x, exp.column("y"))])
    assert tree.sql() == "SELECT z, b, UPPER(c) FROM t WHERE y = 1"
    assert [e.index for e in tree.expressions] == [0, 1, 2]
    assert all(e.parent is tree for e in tree.expressions) and a.parent is None and c.parent is None
