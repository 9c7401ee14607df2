"""Tables fit the screen the way the DuckDB CLI's duckbox mode does, and one renderer draws every report.

On a real terminal (a pty of a known size) `auditql query` hides the middle columns that do not fit and says
"22 columns (5 shown)", and shows the first and last 20 rows of a 145,000-row result with "145000 rows (40
shown)"; piped, every row and every character is written. NULL shows as NULL, the empty string as nothing.
The ingest summary is the same table from the command line, the REPL and the notebook magic, and each front
end words the limit hint its own way.
"""

from __future__ import annotations

import doctest
import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pexpect
import pytest
from conftest import ROOT, SAMPLES, run_auditql
from conftest import repl_output as run

import auditql.output
from auditql.output import Table, box, render_text, reports, rows, text
from auditql.output.box import plan
from auditql.repl.session import Session

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\r")
# 492 events crossed with themselves, cut at 145,000 rows: the size issue 16 saw flood a terminal.
BIG = "SELECT a.vendor, b.action, a.time FROM events a, events b ORDER BY a.time, a.event_key, b.time, b.event_key"
WIDE = "SELECT * FROM events ORDER BY time, event_key LIMIT 3"


def on_terminal(db: Path, *args: str, columns: int = 100, env: dict | None = None) -> list[str]:
    """`auditql query …` on a pty `columns` wide (no $COLUMNS unless given): every line it showed."""
    # No progress line: a query slower than its 1 s delay (a loaded machine) would draw one among the rows.
    clean = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")} | {"AUDITQL_PROGRESS_DELAY": "3600"}
    child = pexpect.spawn(sys.executable, ["-m", "auditql", "query", "--db", str(db), *args], cwd=str(ROOT),
                          env={**clean, "TZ": "UTC", **(env or {})}, encoding="utf-8", dimensions=(50, columns),
                          timeout=120)  # fmt: skip
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return ANSI.sub("", child.before).splitlines()


# --- the one-shot CLI on a terminal ------------------------------------------------------------------
def test_a_huge_result_on_a_terminal_shows_its_first_and_last_rows_and_says_so(sample_db: Path) -> None:
    lines = on_terminal(sample_db, "--limit", "145000", BIG)
    assert lines[:3] == [
        "vendor   action                       time",  # widths from the 40 rows shown
        "-------  ---------------------------  ------------------------",
        "sap_cdc  socialize.login              2015-08-15T22:10:05.101Z",
    ]
    assert lines[22:25] == ["·        ·                            ·"] * 3
    assert lines[44] == "sap_cdc  accounts.getAccountInfo      2025-11-18T13:23:14.731Z"  # row 145,000
    assert len(lines) == 2 + 20 + 3 + 20 + 2
    assert re.fullmatch(
        r"145000 rows \(40 shown\) \(limit 145000 reached: more rows exist; raise --limit\) in [\d.]+s", lines[-2]
    )
    assert lines[-1] == (
        "note: a terminal shows the first and last rows; every row: --max-rows 0, a pipe, or --output FILE"
    )


def test_max_rows_sets_the_screenful_and_zero_shows_all(sample_db: Path) -> None:
    small = "SELECT vendor, action FROM events ORDER BY time, event_key LIMIT 10"
    four = on_terminal(sample_db, "--max-rows", "4", small)
    assert len(four) == 2 + 2 + 3 + 2 + 2 and re.fullmatch(r"10 rows \(4 shown\) in [\d.]+s", four[-2])
    assert four[:3] == ["vendor     action", "---------  -------------------", "sap_cdc    socialize.login"]
    assert four[4:7] == ["·          ·"] * 3
    every = on_terminal(sample_db, "--max-rows", "0", small)
    assert len(every) == 2 + 10 + 1 and re.fullmatch(r"10 rows in [\d.]+s", every[-1])
    vertical = on_terminal(sample_db, "--format", "vertical", "--max-rows", "2", small)
    assert [v for v in vertical if v.startswith("-[ row")] == ["-[ row 1 ]" + "-" * 20, "-[ row 10 ]" + "-" * 20]


def test_a_wide_result_hides_middle_columns_to_fit_the_terminal(sample_db: Path) -> None:
    lines = on_terminal(sample_db, WIDE, columns=100)
    assert lines[0].split() == ["time", "vendor", "tenant", "…", "source_row", "event_key"]
    assert (
        lines[2].startswith("2015-08-15T22:10:05.101Z  sap_cdc  ") and "…           1  " in lines[2]
    )  # a number: right
    assert max(len(line) for line in lines[:5]) <= 100
    assert re.fullmatch(r"3 rows, 22 columns \(5 shown\) in [\d.]+s", lines[5])
    assert lines[6] == (
        "note: columns that do not fit the terminal are hidden (…); pick them with --columns, or --format vertical"
    )
    narrow = on_terminal(sample_db, WIDE, columns=100, env={"COLUMNS": "60"})  # $COLUMNS wins, as in every tool
    assert narrow[0].split() == ["time", "vendor", "…", "event_key"] and max(map(len, narrow[:5])) <= 60
    assert re.fullmatch(r"3 rows, 22 columns \(3 shown\) in [\d.]+s", narrow[5])


def test_piped_output_is_never_capped_nor_cut(sample_db: Path) -> None:
    p = run_auditql("query", "--db", sample_db, "--limit", "145000", BIG, env={"COLUMNS": "40"})
    assert p.returncode == 0, p.stderr
    assert len(p.stdout.splitlines()) == 2 + 145000 and "shown" not in p.stderr
    assert p.stdout.splitlines()[2].split() == ["sap_cdc", "socialize.login", "2015-08-15T22:10:05.101Z"]
    wide = run_auditql("query", "--db", sample_db, WIDE)
    assert wide.stdout.splitlines()[0].split()[:3] == ["time", "vendor", "tenant"]
    assert len(wide.stdout.splitlines()[0].split()) == 22 and "…" not in wide.stdout


def test_a_long_value_is_whole_in_a_piped_table(cli, sample_db: Path) -> None:
    long = "x" * 300
    result = cli("query", "--db", sample_db, f"SELECT '{long}' AS v, NULL AS missing, '' AS blank")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "v" + " " * 299 + "  missing  blank", "-" * 300 + "  -------  -----", long + "  NULL"
    ]  # fmt: skip


@pytest.mark.parametrize("fmt", ["csv", "json", "ndjson"])
def test_data_formats_keep_null_apart_and_cut_nothing(cli, sample_db: Path, fmt: str) -> None:
    long = "y" * 500
    result = cli("query", "--db", sample_db, "--format", fmt, f"SELECT '{long}' AS v, NULL AS missing, '' AS blank")
    assert result.exit_code == 0
    want = {"csv": f"v,missing,blank\n{long},,\n", "json": f'[\n  {{\n    "v": "{long}",\n    "missing": null,\n'
            '    "blank": ""\n  }\n]\n', "ndjson": f'{{"v": "{long}", "missing": null, "blank": ""}}\n'}  # fmt: skip
    assert result.stdout == want[fmt]


def test_help_lists_vertical_wherever_a_format_is_chosen(cli) -> None:
    for command in ("query", "sources", "rejects"):
        assert "table|vertical|csv|json|ndjson|markdown" in cli(command, "--help").stdout
    assert "--max-rows" in cli("query", "--help").stdout


# --- reports: one table from every front end -----------------------------------------------------
def ingest_lines(export: Path) -> list[str]:
    """The ingest summary of the sample's 31-record NDJSON export into a fresh archive, as it must read."""
    w = len(str(export))
    return [
        "file".ljust(w) + "  vendor   format  read  added  duplicates  rejected",
        "-" * w + "  -------  ------  ----  -----  ----------  --------",
        f"{export}  sap_cdc  ndjson    31     31           0         0",  # counts flush right
        "total".ljust(w) + "                     31     31           0         0",
    ]


def test_the_ingest_summary_is_one_table_in_the_cli_the_repl_and_the_magic(tmp_path: Path) -> None:
    """The same file ingested from each front end draws the same rows (custody head and notes go beside)."""
    export = tmp_path / "audit_export.ndjson"
    export.write_bytes((SAMPLES / "sap_cdc" / "audit_export.ndjson").read_bytes())
    cli = run_auditql("ingest", "--db", tmp_path / "cli.duckdb", export)
    assert cli.returncode == 0 and cli.stdout.splitlines() == ingest_lines(export)
    assert "custody head: " in cli.stderr
    session = Session(tmp_path / "repl.duckdb", out=io.StringIO(), pager=None)
    session.size = lambda: os.terminal_size((200, 50))  # type: ignore[method-assign]
    assert run(session, f".ingest {export}").splitlines()[:4] == ingest_lines(export)
    magic = subprocess.run(
        [sys.executable, "-c", "from IPython.core.interactiveshell import InteractiveShell as S; s = S.instance(); "
         f"s.run_line_magic('load_ext', 'auditql'); s.run_line_magic('auditql', 'ingest --db {tmp_path}/nb.duckdb "
         f"{export}')"], capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert magic.returncode == 0, magic.stderr
    assert magic.stdout.splitlines()[:4] == ingest_lines(export) and "custody head: " in magic.stderr


def test_the_ingest_table_is_rows_every_format_draws(tmp_path: Path) -> None:
    from auditql.ingest.run import ingest

    export = tmp_path / "audit_export.ndjson"
    export.write_bytes((SAMPLES / "sap_cdc" / "audit_export.ndjson").read_bytes())
    table = reports.ingest_table(ingest([export], tmp_path / "a.duckdb"))
    assert render_text(table, "csv").splitlines() == [
        "file,vendor,format,read,added,duplicates,rejected", f"{export},sap_cdc,ndjson,31,31,0,0", "total,,,31,31,0,0"
    ]  # fmt: skip
    again = reports.ingest_table(ingest([export], tmp_path / "a.duckdb"))  # presented again: all duplicates
    assert again.rows[-1] == ("total", "", "", 31, 0, 31, 0)


def test_verify_draws_its_table_with_the_same_renderer(cli, sample_db: Path) -> None:
    result = cli("verify", "--db", sample_db, "--no-rehash")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "verified: the chain of custody holds"
    assert "source files: not re-hashed (--no-rehash)" in result.stdout


# --- footers: facts, worded by each front end ----------------------------------------------------------
def test_each_front_end_words_the_limit_hint(cli, sample_db: Path) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    assert "raise --limit) in " in cli("query", "--db", sample_db, "--limit", "2", "vendor = 'sap_cdc'").stderr
    session = Session(sample_db, out=io.StringIO(), pager=None)
    session.size = lambda: os.terminal_size((200, 50))  # type: ignore[method-assign]
    run(session, ".limit 2")
    assert "raise .limit) in " in run(session, "vendor = 'sap_cdc'")
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "auditql")
    result = shell.run_line_magic("auditql", f"--db {sample_db} --limit 2 vendor = 'sap_cdc'")
    assert "(limit 2 reached: more rows exist; raise %auditql --limit N) in " in result.summary()
    assert result.row_count() == rows.RowCount(2, 2, True, result.elapsed)


# --- the renderer itself -----------------------------------------------------------------------------
class Streamed:
    """Rows arriving in batches, as `api.Stream` delivers them: widths come from the first batch."""

    def __init__(self, columns: list[str], batches: list[list[tuple]]):
        self.columns, self.types, self._batches = columns, ["VARCHAR"] * len(columns), batches

    def batches(self) -> Iterator[Sequence[Sequence[Any]]]:
        yield from self._batches


def test_a_later_wider_value_is_cut_only_on_a_screen() -> None:
    streamed = Streamed(["k", "v"], [[("a", "short")], [("b", "a much longer value")]])
    assert render_text(streamed, "table").splitlines()[-1] == "b  a much longer value"
    assert render_text(streamed, "table", width=40).splitlines()[-1] == "b  a mu…"


def test_duckbox_hides_the_middle_first_and_keeps_the_first_and_last() -> None:
    assert list(box._middle_out(7)) == [3, 2, 4, 1, 5]
    headers = [f"c{i}" for i in range(7)]
    layout = plan(headers, [["v" * 10] * 7], ["VARCHAR"] * 7, 40)
    assert layout.keep == [0, 5, 6] and layout.gap_at == 1  # 7 x 10 + gaps: 82 wide; 4 hidden leave 37
    assert render_text(Table(headers, ["VARCHAR"] * 7, [["v" * 10] * 7]), "table", width=40).splitlines() == [
        "c0          …  c5          c6",
        "----------  -  ----------  ----------",
        "vvvvvvvvvv  …  vvvvvvvvvv  vvvvvvvvvv",
    ]


def test_wide_characters_are_measured_as_the_terminal_draws_them() -> None:
    table = Table(["name", "n"], ["VARCHAR", "BIGINT"], [("監査ログ", 1), ("a", 22)])
    assert render_text(table, "table").splitlines() == ["name       n", "--------  --", "監査ログ   1", "a         22"]
    assert box.clip("監査ログ", 5) == "監査…"


def test_output_docstring_examples_run() -> None:
    for module in (text, rows, box, auditql.output):
        failures, _ = doctest.testmod(module)
        assert failures == 0, module.__name__


def test_tables_are_drawn_in_one_place() -> None:
    """No front end draws a table itself: tabulate (or any table library) is imported nowhere in auditql."""
    sources = {p: p.read_text() for p in (ROOT / "auditql").rglob("*.py")}
    assert [p.name for p, s in sources.items() if re.search(r"^\s*(from|import) tabulate", s, re.M)] == []
    assert [p.name for p, s in sources.items() if "wcwidth" in s] == ["box.py"]


def test_the_repl_fits_its_table_to_the_terminal(sample_db: Path, tmp_path: Path) -> None:
    """The real REPL on an 80-column pty: the WHERE view's 8 columns do not fit, so the middle ones hide."""
    # No progress line: a query slower than its 1 s delay (a loaded machine) would draw one among the rows.
    clean = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")} | {"AUDITQL_PROGRESS_DELAY": "3600"}
    env = {**clean, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), "TERM": "xterm-256color",
           "PAGER": "cat", "TZ": "UTC", "PROMPT_TOOLKIT_NO_CPR": "1"}  # fmt: skip
    child = pexpect.spawn(sys.executable, ["-m", "auditql", "repl", "--db", str(sample_db)], cwd=str(ROOT), env=env,
                          encoding="utf-8", dimensions=(60, 80), timeout=90)  # fmt: skip
    try:
        child.expect(r"\d+ events")  # the archive is open: the prompt follows
        child.expect("auditql> ")
        child.send("category = 'login' AND outcome = 'failure' AND time >= '2025-11-20' AND time < '2025-11-21'")
        time.sleep(0.3)  # as a user types: the line is shown before Enter runs it (tests/test_repl_pty.py)
        child.send("\r")
        child.expect(r"10 rows, 8 columns \(\d shown\) in [\d.]+s")
        shown = ANSI.sub("", child.before + child.after).splitlines()
        header = next(i for i, line in enumerate(shown) if line.startswith("time "))
        assert shown[header].split() == ["time", "vendor", "…", "target_name"]
        assert shown[header + 2] == "2025-11-20T07:41:19.902Z  adobe_cja        …  casey.placeholder@example.org"
        assert max(len(line) for line in shown[header : header + 12]) <= 80
        assert shown[-1].startswith("10 rows, 8 columns (3 shown) in ")
    finally:
        child.terminate(force=True)


def test_the_widest_column_is_shortened_first() -> None:
    """A long user agent gives way before a name or an action is cut (all three are shortenable text)."""
    table = Table(["action", "actor", "user_agent"], ["VARCHAR"] * 3,
                  [("Unsuccessful Impersonate User", "alex.example@example.com", "Mozilla/5.0 " * 8)])  # fmt: skip
    lines = render_text(table, "table", width=90).splitlines()
    assert lines[2] == "Unsuccessful Impersonate User  alex.example@example.com  Mozilla/5.0 Mozilla/5.0 Mozilla/…"
    assert len(lines[2]) == 90
