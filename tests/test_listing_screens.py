"""Listings behave on a terminal as `auditql query` does (issue 16): `auditql sources` and `auditql rejects`
show a screenful of a long listing on a real pty — the first and last rows, "60 rows (40 shown)" and how to
see them all — and write every row to a pipe, a file, or in any data format. Numbers line up on the right,
as DuckDB's duckbox aligns them; text that looks like a number stays text.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from pathlib import Path

import pexpect
import pytest
from conftest import ROOT, SAMPLES, run_auditql

from auditql.output import Table, render_text

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\r")
BAD_TIMES = 60  # more than a screenful (40 rows, DuckDB's .maxrows)
SOURCES = 22  # the 20 sample files, their two zips' start entries… as `auditql sources` lists them


@pytest.fixture(scope="module")
def rejecting_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Resolver CSV (its published header, tests/data/README.md) with one good row and 60 unparseable
    times, ingested by the real CLI with the sample exports: 60 rejects, 22 sources entries."""
    folder = tmp_path_factory.mktemp("listings")
    export = folder / "bad_times.csv"
    lines = ["Date and Time,Subject,Event,Performed By", "2025-06-01 10:00:00,Alex Example,Add User,Sam Example"]
    lines += [f"not a time {i},Alex Example,Delete User,Sam Example" for i in range(BAD_TIMES)]
    export.write_text("\n".join(lines) + "\n")
    db = folder / "archive.duckdb"
    done = run_auditql("ingest", "--db", db, export, SAMPLES)
    assert done.returncode == 1, done.stderr  # exit 1: records were rejected, everything else stored
    return db


def on_terminal(*args: str, columns: int = 200) -> tuple[int, list[str]]:
    """`auditql ARGS` on a real pty `columns` wide: exit status and every line shown (stdout and stderr)."""
    clean = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    child = pexpect.spawn(sys.executable, ["-m", "auditql", *args], cwd=str(ROOT), env={**clean, "TZ": "UTC"},
                          encoding="utf-8", dimensions=(50, columns), timeout=120)  # fmt: skip
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, ANSI.sub("", child.before).splitlines()


def test_rejects_on_a_terminal_shows_a_screenful_and_says_how_many(rejecting_db: Path) -> None:
    status, lines = on_terminal("rejects", "--db", str(rejecting_db))
    assert status == 0
    assert lines[0].split()[:4] == ["source_file", "line", "source_row", "reason"]
    assert lines[2].split()[1:4] == ["3", "2", "cannot"]  # the first reject: line 3, data row 2
    assert [line for line in lines if set(line.split()) == {"·"}] == [lines[22]] * 3
    assert lines[44].split()[1:3] == ["62", "61"]  # the last reject: line 62
    assert lines[45:] == [
        "60 rows (40 shown)",
        "note: a terminal shows the first and last rows; every row: --max-rows 0, a pipe, or --format csv",
    ]
    status, every = on_terminal("rejects", "--db", str(rejecting_db), "--max-rows", "0")
    assert status == 0 and len(every) == 2 + BAD_TIMES and "shown" not in every[-1]


@pytest.mark.parametrize("fmt", ["csv", "json", "ndjson"])
def test_a_data_format_on_a_terminal_is_never_capped(rejecting_db: Path, fmt: str) -> None:
    status, lines = on_terminal("rejects", "--db", str(rejecting_db), "--format", fmt, columns=400)
    assert status == 0
    text = "\n".join(lines)
    records = {
        "csv": lambda: list(csv.DictReader(io.StringIO(text))),
        "json": lambda: json.loads(text),
        "ndjson": lambda: [json.loads(line) for line in lines],
    }[fmt]()
    assert [r["line"] for r in records] == [str(n) if fmt == "csv" else n for n in range(3, 3 + BAD_TIMES)]


def test_sources_on_a_terminal_caps_at_max_rows_and_vertical_too(rejecting_db: Path) -> None:
    status, lines = on_terminal("sources", "--db", str(rejecting_db), "--max-rows", "4", columns=400)
    assert status == 0
    assert lines[-2:] == [
        "22 rows (4 shown)",
        "note: a terminal shows the first and last rows; every row: --max-rows 0, a pipe, or --format csv",
    ]
    assert len(lines) == 2 + 2 + 3 + 2 + 2
    status, vertical = on_terminal("sources", "--db", str(rejecting_db), "--format", "vertical", "--max-rows", "2")
    assert status == 0 and vertical[-2] == "22 rows (2 shown)"
    assert [v.split("]")[0] for v in vertical if v.startswith("-[ row")] == ["-[ row 1 ", "-[ row 22 "]


def test_piped_listings_are_whole(rejecting_db: Path, cli) -> None:
    piped = run_auditql("rejects", "--db", rejecting_db, env={"COLUMNS": "40"})  # a subprocess: stdout a pipe
    assert piped.returncode == 0, piped.stderr
    assert len(piped.stdout.splitlines()) == 2 + BAD_TIMES and piped.stderr == ""
    assert "…" not in piped.stdout  # every column, every character
    in_process = cli("sources", "--db", rejecting_db)
    assert in_process.exit_code == 0 and len(in_process.stdout.splitlines()) == 2 + SOURCES
    assert in_process.stderr == ""


def test_a_narrow_terminal_hides_listing_columns_and_says_so(rejecting_db: Path) -> None:
    status, lines = on_terminal("rejects", "--db", str(rejecting_db), "--max-rows", "2", columns=80)
    assert status == 0 and max(len(line) for line in lines[:6]) <= 80
    assert lines[-3:] == [
        "60 rows (2 shown), 6 columns (4 shown)",
        "note: a terminal shows the first and last rows; every row: --max-rows 0, a pipe, or --format csv",
        "note: columns that do not fit the terminal are hidden (…); every column: --format vertical or json",
    ]


# --- numbers right-aligned -----------------------------------------------------------------------------
def test_listing_counts_are_right_aligned_on_a_terminal_and_in_a_pipe(rejecting_db: Path, cli) -> None:
    table = cli("sources", "--db", rejecting_db).stdout.splitlines()
    header = table[0]
    read_end = header.index("records_read") + len("records_read")  # the header is right-aligned too
    rows = [line for line in table[2:] if "bad_times.csv" in line]
    assert len(rows) == 1 and rows[0][:read_end].endswith(" 61")  # 61 records read, flush right
    status, shown = on_terminal("rejects", "--db", str(rejecting_db), "--max-rows", "2", columns=300)
    assert status == 0
    line_end = shown[0].index("line") + len("line")
    assert shown[2][:line_end].endswith("   3") and shown[6][:line_end].endswith("  62")


def test_query_numbers_align_right_and_number_like_text_stays_left(cli, sample_db: Path) -> None:
    sql = (
        "SELECT errCode AS code, count(*) AS n, round(avg(source_row), 2)::DECIMAL(9,2) AS avg_row, "
        "NULL::DOUBLE AS nothing FROM events WHERE vendor = 'sap_cdc' GROUP BY code ORDER BY n DESC, code"
    )
    result = cli("query", "--db", sample_db, sql)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "code      n  avg_row  nothing",
        "------  ---  -------  -------",
        "0       121    17.72     NULL",
        "403042    5    29.60     NULL",  # a DECIMAL keeps its scale, as DuckDB shows it
        "400006    1    42.00     NULL",
        "403120    1     9.00     NULL",
    ]
    piped = run_auditql("query", "--db", sample_db, "--format", "markdown", sql)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.splitlines()[:3] == [
        "| code   |   n | avg_row | nothing |",
        "| ------ | --: | ------: | ------: |",
        "| 0      | 121 |   17.72 |    NULL |",
    ]


def test_report_rows_without_sql_types_align_by_their_values() -> None:
    report = Table(
        ["file", "read", "flag", "id"], ["", "", "", ""], [("a.csv", 5, True, "0042"), ("b.csv", 1234, False, "7")]
    )
    assert render_text(report, "table").splitlines() == [
        "file   read  flag   id",
        "-----  ----  -----  ----",
        "a.csv     5  True   0042",
        "b.csv  1234  False  7",
    ]
    assert render_text(report, "vertical").splitlines()[1:3] == ["file | a.csv", "read | 5"]  # one value a line
