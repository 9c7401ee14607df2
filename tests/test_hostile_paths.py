"""Issue #14 (B, E): things that are not files, named where a file is expected — to `.ingest` in the REPL, as
the file `.export` writes, and in the folder walk — are refused with one line instead of hanging, and the
archive is left as it was. `auditql ingest` itself is covered by the corpus (tests/corpus/folder_cases.py).

Each REPL line runs in a thread joined with a generous bound: a regression would otherwise hang the suite
instead of failing this test (nothing here is a timing assertion: a refusal takes milliseconds)."""

from __future__ import annotations

import io
import json
import os
import re
import threading
from pathlib import Path

import pytest
from conftest import SAMPLES, rows, run_auditql

from auditql.ingest.run import expand
from auditql.repl.session import Session

HANG = 120  # seconds before a line that never returns counts as hung
DEVICE = "a character device"


def run_line(session: Session, line: str) -> str:
    out = session.out
    assert isinstance(out, io.StringIO)
    start = len(out.getvalue())
    worker = threading.Thread(target=session.execute, args=(line,), daemon=True)
    worker.start()
    worker.join(HANG)
    assert not worker.is_alive(), f"{line!r} hung"
    return out.getvalue()[start:]


@pytest.fixture
def session(tmp_path: Path) -> Session:
    db = tmp_path / "archive.duckdb"
    s = Session(db, out=io.StringIO(), pager=None)
    s.size = lambda: os.terminal_size((200, 50))  # type: ignore[method-assign]
    return s


@pytest.mark.parametrize(
    ("target", "kind"),
    [("/dev/zero", "a character device"), ("/dev/urandom", "a character device"), ("fifo", "a FIFO")],
)
def test_repl_ingest_refuses_a_device_or_fifo_with_one_line(session: Session, tmp_path: Path, target, kind) -> None:
    if target == "fifo":
        target = str(tmp_path / "pipe.csv")
        os.mkfifo(target)
    text = run_line(session, f".ingest {target}")
    assert text == f"error: {target}: not a regular file ({kind}): refused, nothing read\n"
    assert not session.db.exists()  # nothing was opened, let alone stored


def test_repl_ingest_of_good_files_beside_a_refused_one_stores_nothing(session: Session, tmp_path: Path) -> None:
    """Refused before anything is read: a mistake in a list of paths never leaves half of it ingested."""
    good = SAMPLES / "resolver" / "user_audit_trail_export_1.csv"
    text = run_line(session, f".ingest {good} /dev/zero")
    assert text == "error: /dev/zero: not a regular file (a character device): refused, nothing read\n"
    assert not session.db.exists()
    run_line(session, f".ingest {good}")
    assert rows(session.db, "SELECT count(*) FROM events") == [(42,)]


def test_repl_export_refuses_a_fifo_instead_of_blocking(session: Session, tmp_path: Path) -> None:
    run_line(session, f".ingest {SAMPLES / 'resolver' / 'user_audit_trail_export_1.csv'}")
    assert run_line(session, "action = 'Login'").count("\n") > 2
    pipe = tmp_path / "out.csv"
    os.mkfifo(pipe)
    refused = "not a file: nothing exported; give a file name"
    assert run_line(session, f".export {pipe}") == f"error: {pipe}: a FIFO, {refused}\n"
    device = tmp_path / "random.csv"  # named like a CSV file, a device underneath
    device.symlink_to("/dev/urandom")
    assert run_line(session, f".export {device}") == f"error: {device}: {DEVICE}, {refused}\n"
    written = tmp_path / "logins.csv"
    assert run_line(session, f".export {written}").endswith(f"→ {written}\n")
    assert written.read_text().startswith("time,")


def test_folder_walk_refuses_a_link_out_and_passes_over_loops(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "a.csv").write_text("time,x\n2025-06-01T10:00:00Z,1\n")
    (folder / "inner.csv").symlink_to(folder / "a.csv")  # inside the folder: followed
    (folder / "l1.csv").symlink_to("l2.csv")
    (folder / "l2.csv").symlink_to("l1.csv")
    (folder / "self").symlink_to(".")
    assert [p.name for p in expand([folder])] == ["a.csv", "inner.csv"]
    (folder / "x.csv").symlink_to("/etc/passwd")
    with pytest.raises(Exception, match=r"x\.csv: a symbolic link out of the folder \(to /etc/passwd\)"):
        list(expand([folder]))


def test_query_over_a_file_whose_name_is_not_utf8(tmp_path: Path) -> None:
    """`auditql query Q FILE` keys its cache by the file's path: a name with bytes FF FE was an internal error."""
    bad = tmp_path / "bad\udcff\udcfename.csv"
    bad.write_bytes((SAMPLES / "resolver" / "user_audit_trail_export_1.csv").read_bytes())
    result = run_auditql("query", "--format", "json", "true", bad, env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 42


def test_real_repl_refuses_a_device_and_a_fifo_at_its_prompt(tmp_path: Path) -> None:
    """The same through a pseudo-terminal, as a user types it: the prompt comes back after one line each."""
    import sys

    import pexpect

    pipe = tmp_path / "pipe.ndjson"
    os.mkfifo(pipe)
    home = tmp_path / "home"
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "c"),
           "XDG_CONFIG_HOME": str(home / "config"), "TERM": "xterm-256color", "PAGER": "cat", "TZ": "UTC",
           "PROMPT_TOOLKIT_NO_CPR": "1"}  # fmt: skip
    repl = pexpect.spawn(sys.executable, ["-m", "auditql", "repl", "--db", str(tmp_path / "a.duckdb")], env=env,
                         encoding="utf-8", dimensions=(50, 200), timeout=HANG)  # fmt: skip
    try:
        repl.expect("auditql> ")
        for line, said in ((".ingest /dev/zero", "/dev/zero: not a regular file (a character device)"),
                           (f".ingest {pipe}", "pipe.ndjson: not a regular file (a FIFO)")):  # fmt: skip
            repl.send(line + "\r")
            repl.expect(re.escape(said))
            repl.expect("auditql> ")
    finally:
        repl.terminate(force=True)
    assert not (tmp_path / "a.duckdb").exists()
