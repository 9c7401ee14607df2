"""Hostile text in, safe text out: audit fields, column headers (SQL aliases), file names and DuckDB's error
text carry ESC, BEL, C1, CR and bidi characters, and spreadsheet formulas; every path to a terminal shows
them escaped, CSV neutralizes formulas unless asked not to, JSON stays exact but escaped, HTML is escaped.

The archive is built by the real `auditql ingest` from files written here (one with ESC in its name), and
queried through the real CLI, the REPL session, a real pseudo-terminal and the notebook result.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import unicodedata
from pathlib import Path

import pexpect
import pytest
from conftest import BIDI, ROOT

from auditql.notebook import results as notebook
from auditql.output import ERROR_CHARS, error_text, json_text, safe_text
from auditql.repl.session import Session

# Resolver CSV columns: Subject -> target_name, Event -> action, Performed By -> actor_name.
RESOLVER_ROWS = [
    ["Date and Time", "Subject", "Event", "Performed By", "Subject Type", "Previous Value", "Updated Value"],
    ["2025-11-21 09:11:55", "=cmd|' /C calc'!A0", "Login\x1b[31mRED\x07", "Mallory\x9b31m", "User", "+SUM(A1:A9)",
     "-2+3"],
    ["2025-11-21 09:12:55", "@SUM(1)", "Bell\x07\x07", "\tTAB", "User", "ok\u202eevil", "\x1b]0;owned\x07"],
]  # fmt: skip
# Gigya NDJSON: endpoint -> action; a CR that would rewrite the terminal line, C1 CSI, bidi override.
GIGYA_RECORD = {
    "timestamp": "2025-11-21T10:00:00.000Z",
    "callID": "c0ffee",
    "errCode": "0",
    "endpoint": "accounts.login\rOVERWRITTEN",
    "ip": "203.0.113.66",
    "params": {"loginID": "eve\x9b2J\u2066@example.com"},
}
EVIL_NAME = "evil\x1b[2J.csv"


def unsafe(text: str, allow: str = "\n") -> set[str]:
    return {ch for ch in text if (unicodedata.category(ch) == "Cc" and ch not in allow) or ch in BIDI}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from click.testing import CliRunner

    from auditql.cli.main import main

    folder = tmp_path_factory.mktemp("hostile")
    with (folder / EVIL_NAME).open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(RESOLVER_ROWS)
    (folder / "gigya.ndjson").write_text(json.dumps(GIGYA_RECORD) + "\n", encoding="utf-8")
    db = folder / "hostile.duckdb"
    result = CliRunner().invoke(main, ["ingest", "--db", str(db), str(folder)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert unsafe(result.stdout) == set() and unsafe(result.stderr) == set()
    assert "evil\\x1b[2J.csv" in result.stdout
    return db


def query(cli, db: Path, text: str, *args: str):
    result = cli("query", "--db", db, *args, text)
    assert result.exit_code == 0, result.stderr
    return result


COLUMNS = ("--columns", "action,actor_name,target_name")


# --- the terminal formats ----------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["table", "markdown", "vertical"])
def test_text_formats_escape_control_characters_in_values(cli, hostile: Path, fmt: str) -> None:
    result = query(cli, hostile, "vendor = 'resolver' OR vendor = 'sap_cdc'", "--format", fmt, *COLUMNS)
    assert unsafe(result.stdout) == set() and unsafe(result.stderr) == set()
    for shown in (
        "Login\\x1b[31mRED\\x07",
        "Mallory\\x9b31m",
        "Bell\\x07\\x07",
        "accounts.login\\x0dOVERWRITTEN",
        "eve\\x9b2J\\u2066@example.com",
    ):
        assert shown in result.stdout, (shown, result.stdout)


def test_table_escapes_headers_from_sql_aliases(cli, hostile: Path) -> None:
    text = 'SELECT action AS "a\x1b[31mb", actor_name AS "\u202eeman" FROM events WHERE vendor = \'sap_cdc\''
    result = query(cli, hostile, text)
    assert unsafe(result.stdout) == set()
    assert result.stdout.splitlines()[0].split() == ["a\\x1b[31mb", "\\u202eeman"]


def test_table_escapes_tabs_and_newlines_inside_cells(cli, hostile: Path) -> None:
    result = query(cli, hostile, "SELECT actor_name FROM events WHERE target_name = '@SUM(1)'")
    assert result.stdout.splitlines()[2].strip() == "\\tTAB"


# --- CSV ---------------------------------------------------------------------------------------------------
FORMULAS = (
    'SELECT "Subject" AS s, "Previous Value" AS p, "Updated Value" AS u, actor_name AS a FROM events '
    "WHERE vendor = 'resolver' ORDER BY time"
)


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_neutralizes_formulas_by_default(cli, hostile: Path) -> None:
    result = query(cli, hostile, FORMULAS, "--format", "csv")
    assert csv_rows(result.stdout) == [
        ["s", "p", "u", "a"],
        ["'=cmd|' /C calc'!A0", "'+SUM(A1:A9)", "'-2+3", "Mallory\x9b31m"],
        ["'@SUM(1)", "ok\u202eevil", "\x1b]0;owned\x07", "'\tTAB"],
    ]


def test_raw_csv_keeps_the_values_exactly(cli, hostile: Path) -> None:
    result = query(cli, hostile, FORMULAS, "--format", "csv", "--raw-csv")
    assert csv_rows(result.stdout) == [
        ["s", "p", "u", "a"],
        ["=cmd|' /C calc'!A0", "+SUM(A1:A9)", "-2+3", "Mallory\x9b31m"],
        ["@SUM(1)", "ok\u202eevil", "\x1b]0;owned\x07", "\tTAB"],
    ]


@pytest.mark.parametrize(
    ("value", "shown"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
     ("a=1", "a=1"), ("1-2", "1-2"), ("", "")],
)  # fmt: skip
def test_csv_formula_prefixes(cli, hostile: Path, value: str, shown: str) -> None:
    literal = value.replace("'", "''")
    result = query(cli, hostile, f"SELECT '{literal}' AS v FROM events WHERE vendor = 'sap_cdc'", "--format", "csv")
    assert csv_rows(result.stdout) == [["v"], [shown]]


def test_csv_never_neutralizes_numbers_and_neutralizes_headers(cli, hostile: Path) -> None:
    text = "SELECT -5 AS \"=HYPERLINK('x')\", -2.5 AS n, '-5' AS s FROM events WHERE vendor = 'sap_cdc'"
    result = query(cli, hostile, text, "--format", "csv")
    assert csv_rows(result.stdout) == [["'=HYPERLINK('x')", "n", "s"], ["-5", "-2.5", "'-5"]]


def test_csv_written_to_a_file_is_exact_apart_from_formulas(cli, hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = cli("query", "--db", hostile, "--output", out, *COLUMNS, "vendor = 'sap_cdc'")
    assert result.exit_code == 0, result.stderr
    with out.open(newline="", encoding="utf-8") as fh:
        assert list(csv.reader(fh)) == [
            ["action", "actor_name", "target_name"],
            ["accounts.login\rOVERWRITTEN", "eve\x9b2J\u2066@example.com", ""],
        ]


def test_csv_on_a_terminal_is_escaped(hostile: Path) -> None:
    """Through a real pseudo-terminal: the CSV a user sees carries no control characters at all."""
    child = pexpect.spawn(
        sys.executable,
        [
            "-m",
            "auditql",
            "query",
            "--db",
            str(hostile),
            "--format",
            "csv",
            *COLUMNS,
            "vendor IN ('resolver', 'sap_cdc')",
        ],
        cwd=str(ROOT),
        env={**os.environ, "TZ": "UTC"},
        timeout=60,
    )
    child.expect(pexpect.EOF)
    child.close()
    shown = child.before.decode("utf-8").replace("\r\n", "\n")
    assert child.exitstatus == 0, shown
    assert unsafe(shown, allow="\n\t") == set(), shown  # a tab is harmless on a terminal
    assert "Login\\x1b[31mRED\\x07,Mallory\\x9b31m,'=cmd|' /C calc'!A0" in shown
    assert "accounts.login\\x0dOVERWRITTEN,eve\\x9b2J\\u2066@example.com," in shown
    assert ",'\tTAB," in shown


def test_explain_on_a_terminal_is_escaped_and_verbatim_into_a_pipe(cli, hostile: Path) -> None:
    text = "action = 'x\x1b]0;owned\x07'"
    piped = cli("query", "--db", hostile, "--explain", text)
    assert piped.exit_code == 0 and "'x\x1b]0;owned\x07'" in piped.stdout  # runnable SQL when saved
    child = pexpect.spawn(
        sys.executable, ["-m", "auditql", "query", "--db", str(hostile), "--explain", text],
        cwd=str(ROOT), env={**os.environ, "TZ": "UTC"}, timeout=60,
    )  # fmt: skip
    child.expect(pexpect.EOF)
    child.close()
    shown = child.before.decode("utf-8").replace("\r\n", "\n")
    assert child.exitstatus == 0, shown
    assert unsafe(shown) == set() and "'x\\x1b]0;owned\\x07'" in shown


# --- JSON --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_json_is_escaped_and_exact(cli, hostile: Path, fmt: str) -> None:
    result = query(cli, hostile, "vendor IN ('resolver', 'sap_cdc')", "--format", fmt, *COLUMNS)
    assert unsafe(result.stdout) == set()
    assert "\\u001b[31m" in result.stdout and "\\u009b31m" in result.stdout and "\\u2066" in result.stdout
    rows = json.loads(result.stdout) if fmt == "json" else [json.loads(x) for x in result.stdout.splitlines()]
    assert {r["action"] for r in rows} == {"Login\x1b[31mRED\x07", "Bell\x07\x07", "accounts.login\rOVERWRITTEN"}
    assert {r["actor_name"] for r in rows} == {"Mallory\x9b31m", "\tTAB", "eve\x9b2J\u2066@example.com"}


def test_raw_json_column_is_escaped_in_every_format(cli, hostile: Path) -> None:
    result = query(cli, hostile, "vendor = 'sap_cdc'", "--format", "csv", "--columns", "raw")
    assert unsafe(result.stdout) == set()
    raw = json.loads(csv_rows(result.stdout)[1][0])
    assert raw["endpoint"] == "accounts.login\rOVERWRITTEN"
    assert raw["params"]["loginID"] == "eve\x9b2J\u2066@example.com"


# --- file names and error text -----------------------------------------------------------------------------
def test_sources_list_escapes_file_names(cli, hostile: Path) -> None:
    result = cli("sources", "--db", hostile)
    assert result.exit_code == 0, result.stderr
    assert unsafe(result.stdout) == set()
    assert "evil\\x1b[2J.csv" in result.stdout


def test_rejected_file_with_escape_in_its_name(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad\x1b]0;title\x07.json"
    bad.write_text('{"not": "closed"', encoding="utf-8")
    result = cli("ingest", "--db", tmp_path / "a.duckdb", bad)
    assert result.exit_code == 1
    assert unsafe(result.stdout) == set() and unsafe(result.stderr) == set()
    assert "bad\\x1b]0;title\\x07.json" in result.stderr
    assert "Traceback" not in result.stderr


def test_duckdb_error_text_echoing_input_is_escaped(cli, hostile: Path) -> None:
    result = cli("query", "--db", hostile, "SELECT CAST('\x1b[31mred\x9b' AS INTEGER) AS n FROM events")
    assert result.exit_code == 3
    assert unsafe(result.stderr) == set()
    assert result.stderr == (
        "error: the query failed in DuckDB: Could not convert string '\\x1b[31mred\\x9b' to INT32\n"
    )


def test_long_duckdb_error_text_is_cut_and_says_so(cli, hostile: Path) -> None:
    result = cli("query", "--db", hostile, f"SELECT CAST('{'x' * 5000}' AS INTEGER) AS n FROM events")
    assert result.exit_code == 3
    line = result.stderr.rstrip("\n")
    assert "\n" not in line
    assert line.startswith("error: the query failed in DuckDB: Could not convert string 'xxx")
    assert line.endswith(" more characters)") and "…" in line
    assert len(line) < ERROR_CHARS + 100


def test_error_text_helper() -> None:
    assert error_text(ValueError("Binder Error: bad\nLINE 1: here")) == "bad"
    cut = error_text(ValueError("y" * 1000), limit=50)
    assert cut == "y" * 49 + "… (951 more characters)"


# --- the REPL and the notebook -----------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["table", "csv", "json", "vertical"])
def test_repl_output_is_escaped_in_every_format(hostile: Path, fmt: str) -> None:
    session = Session(hostile, out=io.StringIO(), pager=None)
    session.size = lambda: os.terminal_size((200, 50))  # type: ignore[method-assign]
    session.execute(f".format {fmt}")
    session.execute("SELECT action, actor_name FROM events WHERE vendor IN ('resolver', 'sap_cdc') ORDER BY time;")
    shown = session.out.getvalue()  # type: ignore[attr-defined]
    assert unsafe(shown, allow="\n\t") == set(), shown
    assert "Login" in shown and "Mallory" in shown and "OVERWRITTEN" in shown


def test_repl_explain_is_escaped(hostile: Path) -> None:
    session = Session(hostile, out=io.StringIO(), pager=None)
    session.execute(".explain action = 'x\x1b[2J'")
    shown = session.out.getvalue()  # type: ignore[attr-defined]
    assert unsafe(shown) == set() and "'x\\x1b[2J'" in shown


def test_notebook_html_escapes_markup_and_controls(hostile: Path) -> None:
    text = "SELECT '<script>alert(1)</script>' AS \"<b>h</b>\", action FROM events WHERE vendor = 'resolver'"
    result = notebook.query(hostile, notebook.Request(text))
    html = result._repr_html_()
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;h&lt;/b&gt;" in html
    assert unsafe(html) == set()
    assert "Login\\x1b[31mRED\\x07" in html
    assert unsafe(repr(result)) == set()


# --- the helpers themselves --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "keep_newlines", "shown"),
    [
        ("a\x1b[2Jb", False, "a\\x1b[2Jb"),
        ("bel\x07", False, "bel\\x07"),
        ("csi\x9b1m", False, "csi\\x9b1m"),
        ("del\x7f", False, "del\\x7f"),
        ("cr\rlf\n", False, "cr\\x0dlf\\n"),
        ("cr\rlf\n", True, "cr\\x0dlf\n"),
        ("tab\t", False, "tab\\t"),
        ("rlo\u202eiso\u2066lrm\u200e", False, "rlo\\u202eiso\\u2066lrm\\u200e"),
        ("sep\u2028", False, "sep\\u2028"),
        ("lone\ud800", False, "lone\\ud800"),
        ("ünïcødé ✓ 日本", False, "ünïcødé ✓ 日本"),
    ],
)
def test_safe_text(raw: str, keep_newlines: bool, shown: str) -> None:
    assert safe_text(raw, keep_newlines=keep_newlines) == shown


def test_json_text_escapes_what_json_dumps_leaves() -> None:
    value = {"k\x9b": "a\x7fb\u202ec\u2028d\x1be"}
    text = json_text(value)
    assert text == '{"k\\u009b": "a\\u007fb\\u202ec\\u2028d\\u001be"}'
    assert json.loads(text) == value
