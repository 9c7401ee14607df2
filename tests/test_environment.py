"""Environment problems through the real CLI (a subprocess) and the real REPL (a pty): output into a missing
folder, a folder, /proc or onto a full disk, a closed pipe, unbalanced quotes in a dot-command, four
concurrent queries over the same files, and a damaged archive file. Each ends as one clear line naming the
file and a documented exit code (never 70, never a traceback), and leaves nothing half-written.

A full disk is made deterministic two ways: /dev/full (every write fails with ENOSPC) and RLIMIT_FSIZE in
the child (writes past the limit fail with EFBIG, "File too large"; Python ignores SIGXFSZ).
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pexpect
import pytest
from conftest import ROOT, SAMPLES

from auditql.errors import ExitCode

Completed = subprocess.CompletedProcess
CSV_HEADER = (
    "time,vendor,tenant,action,category,outcome,status_code,message,actor_id,actor_name,actor_email,actor_type,"
    "target_type,target_id,target_name,source_ip,user_agent,event_id,raw,source_file,source_row,event_key"
)
# 492^3 = 119 million rows: never finishes in a test's time, so rows seen prove they were streamed
HUGE = "SELECT a.* FROM events a, events b, events c"


def auditql(*args: object, env: dict | None = None, limit_bytes: int | None = None, **options) -> Completed:
    """The real CLI as a subprocess; `limit_bytes` caps the size of any file it writes (a disk that fills)."""

    def cap() -> None:
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    options.setdefault("stdout", subprocess.PIPE)
    return subprocess.run(
        [sys.executable, "-m", "auditql", *map(str, args)], stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, **(env or {})}, timeout=180, preexec_fn=cap, **options,
    )  # fmt: skip


def one_line(p: Completed) -> str:
    """stderr is exactly one line, no traceback, no "internal error"; returns it."""
    assert p.returncode != ExitCode.INTERNAL, p.stderr
    assert "Traceback" not in p.stderr and "internal error" not in p.stderr, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    return lines[0]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample archive this module may not write to (each damage test copies it again)."""
    from auditql.ingest.run import ingest

    path = tmp_path_factory.mktemp("env") / "samples.duckdb"
    assert ingest([SAMPLES], path).ok
    return path


# --- output where it cannot go ----------------------------------------------------------------------


def test_output_into_a_missing_folder_names_the_folder(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "x.csv"
    p = auditql("query", "--db", db, "true", "-o", target)
    assert p.returncode == ExitCode.IO
    assert one_line(p) == f"error: {target}: cannot write: the folder {target.parent} does not exist"
    assert not (tmp_path / "no").exists()


def test_output_into_a_folder_says_it_is_a_folder(db: Path, tmp_path: Path) -> None:
    p = auditql("query", "--db", db, "--format", "csv", "true", "-o", tmp_path)
    assert p.returncode == ExitCode.IO
    assert one_line(p) == f"error: {tmp_path}: is a folder; give a file name"
    assert list(tmp_path.iterdir()) == []


def test_output_into_proc_is_one_line(db: Path) -> None:
    p = auditql("query", "--db", db, "true", "-o", "/proc/auditql-out.csv")
    assert p.returncode == ExitCode.IO
    assert one_line(p) == "error: /proc/auditql-out.csv: cannot create a file there"


@pytest.mark.parametrize("fmt", ["csv", "json", "ndjson", "table", "markdown", "parquet"])
def test_output_onto_a_full_device_is_one_line(db: Path, fmt: str) -> None:
    p = auditql("query", "--db", db, "--format", fmt, "true", "-o", "/dev/full")
    assert p.returncode == ExitCode.IO
    assert one_line(p) == "error: /dev/full: cannot write: No space left on device"


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_disk_that_fills_leaves_the_previous_file_whole(db: Path, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"result.{fmt}"
    target.write_text("the previous result\n")
    p = auditql("query", "--db", db, "true", "-o", target, limit_bytes=20_000)
    assert p.returncode == ExitCode.IO
    assert one_line(p) == f"error: {target}: cannot write: File too large"
    assert target.read_text() == "the previous result\n"
    assert [f.name for f in tmp_path.iterdir()] == [target.name]  # no partial file left beside it


def test_a_complete_output_replaces_the_file(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "result.csv"
    target.write_text("old\n")
    p = auditql("query", "--db", db, "--format", "csv", "SELECT vendor, count(*) AS n FROM events GROUP BY 1 "
                "ORDER BY 1", "-o", target)  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert target.read_text().splitlines() == [
        "vendor,n", "adobe_cja,60", "broadcom_portal,74", "resolver,99", "sap_cdc,128", "sas_ci360,131"
    ]  # fmt: skip
    assert p.stderr.startswith("5 rows in ") and p.stderr.rstrip().endswith(f"→ {target}")


# Every command that writes to stdout, each with a full stdout (/dev/full): one line, exit 74.
STDOUT_COMMANDS = {
    "query csv": ["query", "--format", "csv", "true"],
    "query table": ["query", "true"],
    "sources": ["sources"],
    "rejects csv": ["rejects", "--format", "csv"],
    "verify": ["verify", "--no-rehash"],
    "schema": ["schema"],
    "vendors": ["vendors"],
    "inspect": ["inspect", SAMPLES / "resolver" / "user_audit_trail_export_1.csv"],
}


@pytest.mark.parametrize("name", STDOUT_COMMANDS)
def test_stdout_onto_a_full_device_is_one_line(db: Path, name: str) -> None:
    args = STDOUT_COMMANDS[name]
    if args[0] in ("query", "sources", "rejects", "verify"):
        args = [args[0], "--db", db, *args[1:]]
    with open("/dev/full", "w") as full:
        p = auditql(*args, stdout=full)
    assert p.returncode == ExitCode.IO
    assert one_line(p) == "error: cannot write the output: No space left on device"


def test_export_onto_a_disk_that_fills_leaves_nothing(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "dataset"
    p = auditql("export", "--db", db, "--to", target, limit_bytes=20_000)
    assert p.returncode == ExitCode.IO
    assert one_line(p) == f"error: {target}: cannot write the dataset: File too large"
    assert list(tmp_path.iterdir()) == []


def test_export_into_proc_is_one_line(db: Path) -> None:
    p = auditql("export", "--db", db, "--to", "/proc/auditql-dataset")
    assert p.returncode == ExitCode.USAGE
    assert one_line(p) == "error: /proc/auditql-dataset: cannot write the dataset: No such file or directory"


def test_ingest_onto_a_disk_that_fills_keeps_what_was_committed(db: Path, tmp_path: Path) -> None:
    archive = tmp_path / "a.duckdb"
    shutil.copy(db, archive)
    p = auditql("ingest", "--db", archive, ROOT / "tests" / "data", limit_bytes=archive.stat().st_size + 3000)
    assert p.returncode == ExitCode.IO
    assert p.stderr.strip().splitlines()[-1] == f"error: {archive}: cannot write: File too large"
    assert "Traceback" not in p.stderr and "internal error" not in p.stderr
    verify = auditql("verify", "--db", archive, "--no-rehash")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "verified: the chain of custody holds" in verify.stdout


# --- a closed pipe ----------------------------------------------------------------------------------


def first_lines_then_close(args: list[object], n: int) -> tuple[list[str], int, str]:
    """Start the CLI with stdout on a pipe, read `n` lines, close the pipe (as `| head -n` does)."""
    proc = subprocess.Popen([sys.executable, "-m", "auditql", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT, text=True)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    lines = [proc.stdout.readline() for _ in range(n)]
    proc.stdout.close()
    stderr = proc.stderr.read()
    return lines, proc.wait(timeout=120), stderr


def test_the_first_rows_of_a_huge_result_reach_the_pipe_and_head_ends_it_quietly(db: Path) -> None:
    lines, code, stderr = first_lines_then_close(["query", "--db", db, "--format", "csv", HUGE], 2)
    assert lines[0] == CSV_HEADER + "\n"
    assert lines[1].startswith("20") and lines[1].count(",") >= CSV_HEADER.count(",")
    assert code == ExitCode.PIPE_CLOSED
    assert stderr == ""


@pytest.mark.parametrize("fmt", ["json", "ndjson", "table", "markdown", "vertical"])
def test_every_format_streams_into_a_closed_pipe_quietly(db: Path, fmt: str) -> None:
    lines, code, stderr = first_lines_then_close(["query", "--db", db, "--format", fmt, HUGE], 3)
    assert all(lines)
    assert code == ExitCode.PIPE_CLOSED
    assert stderr == ""


@pytest.mark.parametrize("args", [["sources", "--format", "json"], ["rejects"], ["verify", "--no-rehash"]])
def test_listings_into_a_closed_pipe_end_quietly(db: Path, args: list[str]) -> None:
    lines, code, stderr = first_lines_then_close([args[0], "--db", db, *args[1:]], 1)
    assert lines[0].strip()
    assert code in (0, ExitCode.PIPE_CLOSED)  # 0 when all of it fitted in the pipe before it closed
    assert stderr == ""


def test_timeout_covers_fetching_and_writing(db: Path) -> None:
    with open(os.devnull, "w") as sink:
        p = auditql("query", "--db", db, "--format", "csv", "--timeout", "2", HUGE, stdout=sink)
    assert p.returncode == ExitCode.QUERY
    assert one_line(p).startswith("error: query timed out after 2 s and was cancelled")


def test_a_timeout_while_writing_a_file_leaves_the_previous_file_whole(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "result.csv"
    target.write_text("the previous result\n")
    p = auditql("query", "--db", db, "--timeout", "2", HUGE, "-o", target)
    assert p.returncode == ExitCode.QUERY
    assert one_line(p).startswith("error: query timed out after 2 s and was cancelled")
    assert target.read_text() == "the previous result\n"
    assert [f.name for f in tmp_path.iterdir()] == [target.name]


def test_limit_stops_the_stream_and_says_so(db: Path, expected: dict) -> None:
    p = auditql("query", "--db", db, "--format", "csv", "--limit", "3", HUGE.replace("a.*", "a.vendor"))
    assert p.returncode == 0, p.stderr
    header, *rows = p.stdout.splitlines()
    assert header == "vendor" and len(rows) == 3 and set(rows) <= set(expected["vendors"])
    assert p.stderr.startswith("3 rows (limit 3 reached: more rows exist; raise --limit) in ")


# --- four queries over the same files at once ---------------------------------------------------------

FILES = [SAMPLES / "resolver", SAMPLES / "sap_cdc"]
COUNT_SQL = "SELECT count(*) AS n FROM events"


def concurrent_queries(cache: Path, n: int = 4) -> list[tuple[int, str, str]]:
    env = {**os.environ, "AUDITQL_CACHE": str(cache)}
    command = [sys.executable, "-m", "auditql", "query", "--format", "csv", COUNT_SQL, *map(str, FILES)]
    procs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env, text=True)
        for _ in range(n)
    ]
    return [(p.wait(timeout=180), p.stdout.read(), p.stderr.read()) for p in procs if p.stdout and p.stderr]


@pytest.mark.parametrize("round_", range(4))
def test_four_concurrent_queries_over_the_same_files_all_answer(tmp_path: Path, expected: dict, round_: int) -> None:
    cache = tmp_path / "cache"
    answer = expected["vendors"]["resolver"]["unique_events"] + expected["vendors"]["sap_cdc"]["unique_events"]
    results = concurrent_queries(cache)
    assert [code for code, _, _ in results] == [0, 0, 0, 0], [err for _, _, err in results]
    assert [out for _, out, _ in results] == [f"n\n{answer}\n"] * 4
    assert all("Traceback" not in err and "internal error" not in err for _, _, err in results)
    entries = sorted(p.name for p in cache.glob("files-*.duckdb"))
    assert len(entries) == 1 and not list(cache.glob("*partial*"))
    later = auditql("query", "--format", "csv", COUNT_SQL, *FILES, env={"AUDITQL_CACHE": str(cache)})
    assert (later.returncode, later.stdout) == (0, f"n\n{answer}\n")


def _empty_archive(path: Path) -> None:
    path.unlink()
    duckdb.connect(str(path)).close()


def _zero_bytes(path: Path) -> None:
    path.write_bytes(b"")


def _overwritten(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 4 :] = random.Random(14).randbytes(len(data) - len(data) // 4)
    path.write_bytes(bytes(data))


def _half_built(path: Path) -> None:
    """What an interrupted build left in place before: the first part of the file only."""
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize("spoil", [_empty_archive, _zero_bytes, _overwritten, _half_built])
def test_a_spoiled_cache_entry_is_rebuilt(tmp_path: Path, expected: dict, spoil) -> None:
    cache = tmp_path / "cache"
    env = {"AUDITQL_CACHE": str(cache)}
    answer = expected["vendors"]["resolver"]["unique_events"] + expected["vendors"]["sap_cdc"]["unique_events"]
    first = auditql("query", "--format", "csv", COUNT_SQL, *FILES, env=env)
    assert (first.returncode, first.stdout) == (0, f"n\n{answer}\n"), first.stderr
    (entry,) = cache.glob("files-*.duckdb")
    time.sleep(0.01)  # a new mtime for the spoiled entry, as a later write would give it
    spoil(entry)
    again = auditql("query", "--format", "csv", COUNT_SQL, *FILES, env=env)
    assert (again.returncode, again.stdout) == (0, f"n\n{answer}\n"), again.stderr
    assert "Traceback" not in again.stderr


# --- a damaged archive ----------------------------------------------------------------------------


def _not_duckdb(path: Path) -> None:
    path.write_text("time,vendor\n2025-01-01,x\n")


def _truncated(path: Path) -> None:
    with path.open("r+b") as fh:
        fh.truncate(path.stat().st_size * 2 // 3)


def _middle_overwritten(path: Path) -> None:
    data = bytearray(path.read_bytes())
    start, end = len(data) * 3 // 10, len(data) * 9 // 10
    data[start:end] = random.Random(7).randbytes(end - start)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_not_duckdb, _truncated, _middle_overwritten, _half_built])
@pytest.mark.parametrize("command", [["query", "SELECT count(*), count(DISTINCT raw), max(time) FROM events"],
                                     ["sources"], ["verify", "--no-rehash"], ["export", "--to"]])  # fmt: skip
def test_a_damaged_archive_is_named_as_damaged(db: Path, tmp_path: Path, damage, command: list[str]) -> None:
    archive = tmp_path / "evidence.duckdb"
    shutil.copy(db, archive)
    damage(archive)
    args = [*command, tmp_path / "out"] if command[0] == "export" else command
    p = auditql(args[0], "--db", archive, *args[1:])
    line = one_line(p)
    assert p.returncode == ExitCode.BUSY  # verify too: nothing could be examined (docs/custody.md), not a mismatch
    assert line.startswith(f"error: {archive}: the archive file is damaged ("), line
    assert not (tmp_path / "out").exists()


# --- the REPL: unbalanced quotes, unwritable .export ---------------------------------------------------


@pytest.fixture(scope="module")
def repl(db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[pexpect.spawn]:
    home = tmp_path_factory.mktemp("repl-env-home")
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "c"),
           "TERM": "xterm-256color", "PAGER": "cat", "TZ": "UTC", "PROMPT_TOOLKIT_NO_CPR": "1"}  # fmt: skip
    proc = pexpect.spawn(sys.executable, ["-m", "auditql", "repl", "--db", str(db)], cwd=str(ROOT), env=env,
                         encoding="utf-8", dimensions=(50, 200), timeout=30)  # fmt: skip
    proc.expect("492 events")
    proc.expect("auditql> ")
    yield proc
    if proc.isalive():
        proc.terminate(force=True)


def said(child: pexpect.spawn, line: str, until: str) -> str:
    """Type a line, Enter, wait for `until`; the text shown (escape sequences removed) up to the prompt."""
    import re

    child.send(line)
    time.sleep(0.2)
    child.send("\r")
    child.expect(until)
    shown = child.before + child.after
    child.expect("auditql> ")
    return re.sub(r"\x1b\[[0-?]*[ -/]*[@-~]|\r", "", shown)


@pytest.mark.parametrize(
    "line, message",
    [
        (".export 'my file.csv", 'error: No closing quotation in "\'my file.csv": close the quote'),
        ('.ingest "sample_data/resolver', "error: No closing quotation in '\"sample_data/resolver': close the quote"),
        (".export x.csv\\", "error: No escaped character in 'x.csv\\\\': close the quote"),
    ],
)
def test_unbalanced_quotes_in_a_dot_command_are_one_line(repl: pexpect.spawn, line: str, message: str) -> None:
    said(repl, "vendor = 'resolver' AND category = 'delete'", r"20 rows in [\d.]+s")
    shown = said(repl, line, r"error: [^\n]+\n")
    assert message in shown
    assert "Traceback" not in shown and "internal error" not in shown
    assert "20 rows in" in said(repl, "vendor = 'resolver' AND category = 'delete'", r"20 rows in [\d.]+s")


def test_export_from_the_repl_into_a_missing_folder_is_one_line(repl: pexpect.spawn, tmp_path: Path) -> None:
    said(repl, "vendor = 'resolver' AND category = 'delete'", r"20 rows in [\d.]+s")
    target = tmp_path / "nowhere" / "x.csv"
    shown = said(repl, f".export {target}", r"error: [^\n]+\n")
    assert f"error: {target}: cannot write: the folder {target.parent} does not exist" in shown
    full = tmp_path / "full.csv"
    full.symlink_to("/dev/full")  # a name with an extension, for a device: .export writes regular files only
    shown = said(repl, f".export {full}", r"error: [^\n]+\n")
    assert f"error: {full}: a character device, not a file: nothing exported; give a file name" in shown
    written = tmp_path / "ok.csv"
    said(repl, f".export {written}", r"20 rows → ")
    assert len(written.read_text().splitlines()) == 21


def test_verify_of_an_unreadable_archive_is_exit_4_as_documented(cli, tmp_path: Path) -> None:
    """In-process as well as above as a subprocess: 4 (nothing examined), never 5 (examined, did not hold),
    and docs/custody.md and `verify --help` say so."""
    archive = tmp_path / "evidence.duckdb"
    _not_duckdb(archive)
    result = cli("verify", "--db", archive)
    assert result.exit_code == ExitCode.BUSY
    assert result.stderr.startswith(f"error: {archive}: the archive file is damaged (")
    docs = " ".join((ROOT / "docs" / "custody.md").read_text().split())
    assert "An archive that cannot be examined at all is exit 4, as for every command" in docs
    assert "4 when the archive cannot be examined at all" in " ".join(cli("verify", "--help").stdout.split())


def test_sqlglots_compiled_build_is_named_in_one_line(db: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """With `sqlglot[c]` installed every query failed with "internal error: TypeError" (its compiled classes
    refuse auditql's parser subclass; seen with sqlglotc 30.30.0). Made to look installed here: the same check
    the real build trips, one line that says what to do, the usage exit code."""
    from auditql.query import dialect

    assert dialect.SQLGLOT_COMPILED is False  # this environment has the pure-Python build the tests need
    monkeypatch.setattr(dialect, "SQLGLOT_COMPILED", True)
    result = cli("query", "--db", db, "category = 'login'")
    assert result.exit_code == ExitCode.USAGE
    assert result.stdout == ""
    assert result.stderr == (
        "error: sqlglot's compiled build (the sqlglotc package, from `sqlglot[c]`) is installed; auditql's query "
        "dialect extends sqlglot's parser, which that build does not allow: run `pip uninstall sqlglotc`\n"
    )


@pytest.mark.parametrize(
    "export", ["resolver/user_audit_trail_export_1.csv", "sas_ci360/AuditDataFile0_11202025101500.parquet",
               "adobe_cja/auditlogs_api_page.json"],
)  # fmt: skip
def test_an_export_given_as_the_archive_is_refused_and_left_as_it_was(
    db: Path, tmp_path: Path, cli, export: str
) -> None:
    """DuckDB 2.0 opens an existing `x.csv`/`.parquet`/`.json` as an in-memory database with the file as a
    view: `ingest --db x.csv FILES` printed its counts and a custody head and stored nothing anywhere (seen by
    hand). Every command that opens an archive now refuses it in one line, exit 4, and the file is untouched."""
    given = tmp_path / Path(export).name
    shutil.copyfile(SAMPLES / export, given)
    before = given.read_bytes()
    line = (
        f"error: {given}: not an archive file: DuckDB reads a {given.suffix} file as data, so nothing would be "
        "stored in it; give --db the archive's own file (e.g. archive.duckdb), and the export as a file to ingest\n"
    )
    for args in (["ingest", "--db", given, SAMPLES / "resolver"], ["query", "--db", given, "x = 1"],
                 ["verify", "--db", given], ["sources", "--db", given]):  # fmt: skip
        result = cli(*args)
        assert (result.exit_code, result.stdout, result.stderr) == (ExitCode.BUSY, "", line), args
    assert given.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [given.name]  # no .wal, no archive beside it


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_output_never_overwrites_a_duckdb_database(db: Path, tmp_path: Path, cli, fmt: str) -> None:
    """`query --db A -o A` replaced the archive being queried, its events and custody, with a 207-byte CSV
    (seen by hand). Output onto any DuckDB database (this archive or another) is refused, the file untouched."""
    archive = tmp_path / "archive.duckdb"
    shutil.copyfile(db, archive)
    before = archive.read_bytes()
    line = (
        f"error: {archive} is a DuckDB database (an archive?): it is not overwritten by output; write the output "
        "to another file\n"
    )
    for args in (["query", "--db", archive, "category = 'login'", "--format", fmt, "-o", archive],
                 ["timeline", "--db", archive, "--svg", archive]):  # fmt: skip
        result = cli(*args)
        assert (result.exit_code, result.stdout, result.stderr) == (ExitCode.USAGE, "", line), args
    assert archive.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.duckdb"]


def test_an_archive_named_as_an_export_is_refused_before_anything_is_stored(db: Path, tmp_path: Path, cli) -> None:
    """`ingest --db A A` read the archive as an export (rejected: "no time column") and put it on record with
    a hash that changes as the archive is written, so every later `verify` failed (seen by hand). Any DuckDB
    database named as an export (this archive or another) is refused before anything is stored."""
    archive = tmp_path / "archive.duckdb"
    shutil.copyfile(db, archive)
    before = archive.read_bytes()
    for named in (archive, db):
        result = cli("ingest", "--db", archive, named, SAMPLES / "resolver")
        assert (result.exit_code, result.stdout) == (ExitCode.REJECTED, "")
        assert result.stderr == (
            f"error: {named}: a DuckDB database (an auditql archive?), not an export: refused, nothing read; to "
            "merge archives, `auditql export --db THAT --to DIR`, then ingest DIR\n"
        )
    assert archive.read_bytes() == before
    verified = cli("verify", "--db", archive)
    assert verified.exit_code == 0 and "verified: the chain of custody holds" in verified.stdout
