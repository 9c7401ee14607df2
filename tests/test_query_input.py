"""`auditql query` input habits: the query from a file (`-f FILE`) or stdin (`-`, `-f -`), a file name given
where the query goes, values bound from the command line (`--param name=VALUE`, `--param ids=@FILE`), `--columns`
on SQL results, and `--dialect duckdb|postgres` printing with bound values written in. In-process (click's
runner) and as a subprocess (`python -m auditql`), with exact rows, lines and exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, rows, run_auditql

FAILED = "errCode != 0"  # 7 events in the samples (tests/test_query_cli.py)


def json_rows(result) -> list[dict]:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def only_error(result, code: int) -> str:
    """The one line a refused command prints (no traceback, nothing on stdout)."""
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


# --- the query from a file or stdin ---------------------------------------------------------------------
def test_query_from_a_file(cli, sample_db: Path, tmp_path: Path) -> None:
    q = tmp_path / "q.sql"
    q.write_text(f"-- failed calls\n{FAILED}\n")
    got = json_rows(cli("query", "--db", sample_db, "--format", "json", "-f", q))
    assert len(got) == 7
    assert {r["status_code"] for r in got} == {"403042", "400006", "403120"}


def test_query_from_stdin_with_a_dash(cli, sample_db: Path) -> None:
    got = json_rows(cli("query", "--db", sample_db, "--format", "json", "-", input=FAILED + "\n"))
    assert len(got) == 7
    again = json_rows(cli("query", "--db", sample_db, "--format", "json", "-f", "-", input=FAILED))
    assert again == got


def test_a_multi_line_sql_file_with_a_byte_order_mark(cli, sample_db: Path, tmp_path: Path) -> None:
    q = tmp_path / "by_vendor.sql"
    q.write_bytes("\ufeffSELECT vendor, count(*) AS n\nFROM events\nGROUP BY vendor\nORDER BY n DESC\n".encode())
    result = cli("query", "--db", sample_db, "--format", "csv", "-f", q)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "vendor,n",
        "sas_ci360,131",
        "sap_cdc,128",
        "resolver,99",
        "broadcom_portal,74",
        "adobe_cja,60",
    ]


def test_a_file_and_files_to_query(cli, tmp_path: Path) -> None:
    """With -f, every positional argument is a path to query (no --db): here one vendor's sample folder."""
    q = tmp_path / "q.sql"
    q.write_text(FAILED)
    got = json_rows(cli("query", "--format", "json", "-f", q, ROOT / "sample_data" / "sap_cdc"))
    assert len(got) == 7
    missing = cli("query", "-f", q, tmp_path / "nothere")
    assert only_error(missing, 2) == (
        f"error: {tmp_path / 'nothere'}: no such file or folder to query (with -f FILE, the arguments are all PATHS)"
    )


def test_as_a_subprocess_from_stdin_and_a_file(sample_db: Path, tmp_path: Path) -> None:
    q = tmp_path / "q.sql"
    q.write_text(FAILED)
    for args, stdin in ((["-"], FAILED), (["-f", str(q)], None)):
        done = run_auditql("query", "--db", sample_db, "--format", "csv", *args, input=stdin)
        assert done.returncode == 0, done.stderr
        assert len(list(csv.DictReader(io.StringIO(done.stdout)))) == 7


@pytest.mark.parametrize(
    ("given", "line"),
    [
        ("q.sql", "error: q.sql is a file name, not a query; to run the query in it use -f q.sql"),
        ("other.sql", "error: other.sql is a file name, not a query; to run the query in it use -f other.sql"),
        ("notes", "error: notes is a file name, not a query; to run the query in it use -f notes"),
        ("data",
         "error: data is a folder, not a query; to query its files give the query first: auditql query QUERY data"),
    ],
)  # fmt: skip
def test_a_file_name_given_as_the_query_is_refused_with_a_hint(
    cli, sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str, line: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "q.sql").write_text(FAILED)
    (tmp_path / "notes").write_text(FAILED)
    (tmp_path / "data").mkdir()
    assert only_error(cli("query", "--db", sample_db, given), 2) == line


def test_the_file_name_rule_never_misfires_on_a_real_where_clause(
    cli, sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files named like real clauses sit in the working folder; the clauses still run as queries."""
    monkeypatch.chdir(tmp_path)
    for name in ("errCode!=0", "errCode", "vendor='sap_cdc'"):
        (tmp_path / name).write_text("x")
    assert len(json_rows(cli("query", "--db", sample_db, "--format", "json", "errCode!=0"))) == 7
    assert len(json_rows(cli("query", "--db", sample_db, "--format", "json", "errCode != 0"))) == 7
    assert len(json_rows(cli("query", "--db", sample_db, "--format", "json", "vendor='sap_cdc'"))) == 128


def test_empty_and_unreadable_query_sources(cli, sample_db: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.sql"
    empty.write_text("  \n\n")
    assert only_error(cli("query", "--db", sample_db, "-f", empty), 2) == f"error: no query: {empty} is empty"
    assert only_error(cli("query", "--db", sample_db, "-", input=""), 2) == "error: no query: standard input is empty"
    missing = tmp_path / "missing.sql"
    assert only_error(cli("query", "--db", sample_db, "-f", missing), 2) == (
        f"error: cannot read query file {missing}: No such file or directory"
    )
    latin = tmp_path / "latin.sql"
    latin.write_bytes(b"actor_name = 'Jos\xe9'")
    assert only_error(cli("query", "--db", sample_db, "-f", latin), 2) == (
        f"error: {latin} is not UTF-8 text (byte 18); save it as UTF-8"
    )
    assert only_error(cli("query", "--db", sample_db), 2) == (
        "error: no query: give one as an argument, with -f FILE, or `-` to read it from standard input "
        "(or only --since, --until or --vendor for every event they select)"
    )


def test_a_source_without_end_is_refused_not_read_forever(sample_db: Path, tmp_path: Path) -> None:
    """`-f /dev/zero` read until memory ran out (seen by hand); each read now stops past what the longest
    allowed query could take, as a subprocess with the real device. `-f <(…)` (a pipe) still works."""
    from auditql.frontend.query_input import QUERY_FILE_BYTES
    from auditql.query.allowlist import MAX_LENGTH

    assert QUERY_FILE_BYTES == 4 * MAX_LENGTH + 3  # UTF-8 takes at most 4 bytes a character, a BOM 3
    endless = run_auditql("query", "--db", sample_db, "-f", "/dev/zero")
    assert (endless.returncode, endless.stdout) == (2, "")
    assert endless.stderr == (
        "error: cannot read query file /dev/zero: larger than such a file can be (more than 400,003 bytes), not read\n"
    )
    with open("/dev/zero", "rb") as zeros:
        command = [sys.executable, "-m", "auditql", "query", "--db", str(sample_db), "-"]
        piped = subprocess.run(command, stdin=zeros, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert (
        piped.stderr == "error: standard input is longer than a query can be (more than 400,003 bytes): nothing run\n"
    )
    long = tmp_path / "long.sql"
    long.write_text("x" * (QUERY_FILE_BYTES - 3))  # within the read: the translator's own limit speaks
    within = run_auditql("query", "--db", sample_db, "-f", long)
    assert (within.returncode, within.stderr) == (
        3,
        "error: the query is 400,000 characters long; the limit is 100,000. Shorten it, e.g. move long value "
        "lists into a params= binding.\n",
    )
    piped_file = run_auditql("query", "--db", sample_db, "--format", "csv", "-f", "/dev/stdin", input=f"{FAILED}\n")
    assert piped_file.returncode == 0 and len(piped_file.stdout.splitlines()) == 8


def test_since_until_or_vendor_alone_list_every_event_they_select(cli, sample_db: Path) -> None:
    """`query --since … --until …` with no query: every event in the window (64 on 2025-11-20 in the samples,
    the same as the WHERE clause written out); `--vendor` alone: all of that vendor's (99 Resolver events)."""
    window = cli("query", "--db", sample_db, "--format", "csv", "--since", "2025-11-20", "--until", "2025-11-21")
    assert window.exit_code == 0, window.stderr
    spelled = cli("query", "--db", sample_db, "--format", "csv", "time >= '2025-11-20' AND time < '2025-11-21'")
    assert window.stdout == spelled.stdout
    assert len(window.stdout.splitlines()) == 1 + 64
    resolver = cli("query", "--db", sample_db, "--format", "csv", "--columns", "vendor", "--vendor", "resolver")
    assert resolver.stdout.splitlines() == ["vendor"] + ["resolver"] * 99


# --- --param ------------------------------------------------------------------------------------------------
def test_a_number_binds_a_number_and_a_quoted_value_binds_text(cli, sample_db: Path) -> None:
    """errCode 403042 (5 events): a number-looking value compares numerically, so 4.03042e5 finds them too;
    a quoted value, or one a JSON number cannot be (a leading zero), is text and compares as text."""

    def found(value: str) -> int:
        return len(
            json_rows(cli("query", "--db", sample_db, "--format", "json", "--param", f"c={value}", "errCode = :c"))
        )

    assert [found(v) for v in ("403042", "4.03042e5", "'403042'", "'4.03042e5'", "0403042")] == [5, 5, 5, 0, 0]


def test_values_from_a_file_fill_an_in_list(cli, sample_db: Path, tmp_path: Path) -> None:
    ids = tmp_path / "logins.txt"
    ids.write_text("alex.example@example.com\r\n\r\nemery.test@example.org\n  dana.demo@example.com  \n")
    got = json_rows(
        cli(
            "query", "--db", sample_db, "--format", "json", "--columns", "params.loginID",
            "--param", f"who=@{ids}", "--param", "c=403042", "params.loginID IN ({who}) AND errCode = :c",
        )
    )  # fmt: skip
    assert [r["params.loginID"] for r in got] == ["emery.test@example.org", "alex.example@example.com"]


def test_a_ten_thousand_value_in_list_from_a_file_as_a_subprocess(sample_db: Path, tmp_path: Path) -> None:
    """More values than any argv holds comfortably: 9,993 that match nothing and the 7 failed calls' keys."""
    keys = [
        k for (k,) in rows(sample_db, "SELECT event_key FROM events WHERE TRY_CAST(raw ->> '$.errCode' AS INT) <> 0")
    ]
    assert len(keys) == 7
    ids = tmp_path / "keys.txt"
    ids.write_text("\n".join([f"none:{i}" for i in range(9_993)] + keys) + "\n")
    done = run_auditql("query", "--db", sample_db, "--format", "json", "--param", f"keys=@{ids}", "event_key IN :keys")
    assert done.returncode == 0, done.stderr
    assert sorted(r["event_key"] for r in json.loads(done.stdout)) == sorted(keys)


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--param", "c=1", "--param", "x=2", "errCode = :c"],
         "error: --param x is not used: the query has no :x (placeholders: :name, $name or {name})"),
        (["--param", "x=1", "--param", "y=2", "errCode = 0"],
         "error: --param x, y are not used: the query has no such placeholders (placeholders: :name, $name or {name})"),
        (["--param", "c", "errCode = :c"],
         "error: --param 'c': write name=VALUE (name: letters, digits, _), e.g. --param code=403042"),
        (["--param", "1x=2", "errCode = 0"],
         "error: --param '1x=2': write name=VALUE (name: letters, digits, _), e.g. --param code=403042"),
        (["--param", "c=1", "--param", "c=2", "errCode = :c"], "error: --param c is given twice"),
        (["--param", "ids=@", "x IN (:ids)"],
         "error: --param ids=@: name the file to read values from, e.g. --param ids=@ids.txt"),
    ],
)  # fmt: skip
def test_param_mistakes_get_one_line(cli, sample_db: Path, args: list[str], line: str) -> None:
    assert only_error(cli("query", "--db", sample_db, *args), 2) == line


def test_param_file_mistakes_name_the_file(cli, sample_db: Path, tmp_path: Path) -> None:
    missing = tmp_path / "ids.txt"
    result = cli("query", "--db", sample_db, "--param", f"ids=@{missing}", "x IN (:ids)")
    assert only_error(result, 2) == f"error: cannot read --param ids file {missing}: No such file or directory"
    blank = tmp_path / "blank.txt"
    blank.write_text("\n  \n")
    result = cli("query", "--db", sample_db, "--param", f"ids=@{blank}", "x IN (:ids)")
    assert only_error(result, 2) == f"error: --param ids: {blank} holds no values (one per line)"


def test_a_placeholder_without_its_param_points_at_it(cli, sample_db: Path) -> None:
    result = cli("query", "--db", sample_db, "--param", "c=1", "errCode = :c AND actor_name = :who")
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        "errCode = :c AND actor_name = :who",
        "                              ^",
        "error: no value for placeholder :who; there are values for: c",
    ]


# --- --columns on SQL ---------------------------------------------------------------------------------------
def test_columns_pick_and_order_the_columns_of_a_sql_result(cli, sample_db: Path) -> None:
    text = "SELECT vendor, count(*) AS n, min(source_row) AS first FROM events GROUP BY vendor ORDER BY n DESC"
    result = cli("query", "--db", sample_db, "--format", "csv", "--columns", "n, VENDOR", text)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""  # no "ignored" warning any more
    assert result.stdout.splitlines() == [
        "n,vendor",
        "131,sas_ci360",
        "128,sap_cdc",
        "99,resolver",
        "74,broadcom_portal",
        "60,adobe_cja",
    ]
    missing = cli("query", "--db", sample_db, "--columns", "vendor,count", text)
    assert only_error(missing, 3) == (
        "error: --columns names 'count', which the query does not return; it returns: vendor, n, first"
    )


# --- --dialect ----------------------------------------------------------------------------------------------
def test_dialect_duckdb_prints_the_sql_that_runs(cli, sample_db: Path) -> None:
    explained = cli("query", "--db", sample_db, "--explain", FAILED)
    printed = cli("query", "--db", sample_db, "--dialect", "duckdb", FAILED)
    assert printed.exit_code == explained.exit_code == 0
    assert printed.stdout == explained.stdout
    assert "TRY_CAST(" in printed.stdout


def test_dialect_postgres_writes_the_bound_values_in(cli, sample_db: Path, tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("a'b\n2\n")
    result = cli(
        "query", "--db", sample_db, "--dialect", "postgres", "--columns", "event_key",
        "--param", f"ids=@{ids}", "--param", "since=2025-11-20", "event_id IN (:ids) AND time >= :since",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "SELECT \"event_key\" FROM \"events\" WHERE \"event_id\" IN ('a''b', '2') "
        "AND \"time\" >= CAST('2025-11-20T00:00:00Z' AS TIMESTAMPTZ) "
        'ORDER BY "time", "source_file", "source_row"\n'
    )


# --- the REPL's .read ---------------------------------------------------------------------------------------
def test_repl_read_runs_the_query_in_a_file(sample_db: Path, tmp_path: Path) -> None:
    from conftest import repl_output
    from test_special import make_session

    session = make_session(sample_db)
    q = tmp_path / "failed.sql"
    q.write_text(f"-- failed calls\n{FAILED}\n")
    shown = repl_output(session, f".read {q}")
    assert shown.splitlines()[-1].startswith("7 rows")
    assert session.last is not None and session.last.text == f"-- failed calls\n{FAILED}\n"
    assert (
        repl_output(session, f".read {tmp_path}")
        == f"error: {tmp_path}: a folder, not a file: nothing read; give a file name\n"
    )
    assert repl_output(session, f".read {tmp_path / 'nope.sql'}") == (
        f"error: cannot read query file {tmp_path / 'nope.sql'}: No such file or directory\n"
    )
