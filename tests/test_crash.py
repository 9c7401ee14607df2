"""Crash safety: `auditql ingest` killed with SIGKILL — at seeded random moments and at fixed points inside
the ingest — leaves an archive that opens, holds each file whole or not at all (events, sources row and
custody entry together), verifies, and completes to exactly the full after-state when the ingest is run
again. Members unpacked from a zip by a killed ingest are removed by the next start."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, rows

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL and PID probes are POSIX")

ROWS_PER_FILE = 25_000
# export_2.zip sorts between the plain files, so a kill can land before, inside or after the archive.
PLAIN = ("export_0.csv", "export_1.csv", "export_3.csv", "export_4.csv")
MEMBERS = ("member_a.csv", "member_b.csv")
RESOLVER_CSV = """COPY (
  SELECT strftime(TIMESTAMP '2025-01-01' + to_seconds(i * 7), '%Y-%m-%d %H:%M:%S') AS "Date and Time",
         'Subject ' || (i % 977) AS "Subject",
         ['Create API Key', 'Update User', 'Delete User', 'Impersonate User'][1 + i % 4] AS "Event",
         'User ' || (i % 53) AS "Performed By", 'API Key' AS "Subject Type", '' AS "Previous Value",
         'value ' || i AS "Updated Value"
  FROM range({start}, {stop}) t(i)) TO '{target}' (HEADER)"""

# Runs the real CLI with one of our functions wrapped to SIGKILL the process right after its n-th call:
# a deterministic crash point, everything else untouched. In a fresh archive `custody.append` runs for the
# chain's start entry (1), export_0 (2), export_1 (3), the zip (4, through `record`, call 2), member_a (5),
# member_b (6), export_3 (7), export_4 (8); each inside its file's transaction, before COMMIT.
CRASH_DRIVER = """
import os, signal, sys
from auditql.ingest import custody
from auditql.db import archive_file as engine
module, name, n = {"append": custody, "record": custody}.get(sys.argv[1], engine), sys.argv[1], int(sys.argv[2])
real, calls = getattr(module, name), []
def crashing(*args, **kwargs):
    value = real(*args, **kwargs)
    calls.append(1)
    if len(calls) == n:
        os.kill(os.getpid(), signal.SIGKILL)
    return value
setattr(module, name, crashing)
from auditql.cli.main import main
main(sys.argv[3:], prog_name="auditql")
"""


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four CSV exports and a zip of two more, Resolver-shaped, 25,000 distinct events each (made by DuckDB)."""
    base = tmp_path_factory.mktemp("crash")
    folder, staging = base / "exports", base / "staging"
    folder.mkdir()
    staging.mkdir()
    con = duckdb.connect()
    targets = [folder / n for n in PLAIN] + [staging / n for n in MEMBERS]
    for k, target in enumerate(targets):
        con.execute(RESOLVER_CSV.format(start=k * ROWS_PER_FILE, stop=(k + 1) * ROWS_PER_FILE, target=target))
    con.close()
    with zipfile.ZipFile(folder / "export_2.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for name in MEMBERS:
            zf.write(staging / name, name)
    return folder


def environment(tmp: Path) -> dict[str, str]:
    return {**os.environ, "AUDITQL_CACHE": str(tmp / "cache"), "HOME": str(tmp), "AUDITQL_LOCK_WAIT": "30"}


def start_ingest(db: Path, folder: Path, env: dict[str, str], crash_at: tuple[str, int] | None = None):
    args = ["ingest", "--db", str(db), str(folder)]
    command = ["-m", "auditql", *args]
    if crash_at is not None:
        command = ["-c", CRASH_DRIVER, crash_at[0], str(crash_at[1]), *args]
    return subprocess.Popen(
        [sys.executable, *command], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def auditql(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "auditql", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def after_state(exports: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, int], float]:
    """Events per source file after an uninterrupted ingest, and how long that ingest took."""
    tmp = tmp_path_factory.mktemp("reference")
    started = time.monotonic()
    done = start_ingest(tmp / "reference.duckdb", exports, environment(tmp))
    _, stderr = done.communicate(timeout=300)
    assert done.returncode == 0, stderr
    elapsed = time.monotonic() - started
    counts = dict(rows(tmp / "reference.duckdb", "SELECT source_file, count(*) FROM events GROUP BY ALL"))
    assert len(counts) == len(PLAIN) + len(MEMBERS)
    assert set(counts.values()) == {ROWS_PER_FILE}
    return counts, elapsed


def files_present(db: Path, reference: dict[str, int]) -> set[str]:
    """The files the archive holds; fails unless each is whole and has its sources row and custody entry."""
    if not db.exists():
        return set()
    tables = {r[0] for r in rows(db, "SELECT table_name FROM duckdb_tables()")}
    if "events" not in tables:
        return set()
    present = dict(rows(db, "SELECT source_file, count(*) FROM events GROUP BY ALL"))
    for name, n in present.items():
        assert n == reference[name], f"{name}: {n} of {reference[name]} events — a partial file"
    ingested = [r[0] for r in rows(db, "SELECT source_file FROM manifest WHERE status = 'ingested'")]
    sources = [r[0] for r in rows(db, "SELECT source_file FROM sources")]
    assert sorted(ingested) == sorted(sources) == sorted(present)
    return set(present)


def unpack_dir(tmp: Path, pid: int) -> Path:
    return tmp / "cache" / "unpack" / f"pid-{pid}"


def assert_recovers(
    db: Path, exports: Path, reference: dict[str, int], env: dict[str, str], cli, before: dict[str, int]
) -> None:
    """The archive verifies as it is, and one more ingest completes it to exactly the after-state: what it
    held `before` plus every export, each event once."""
    if db.exists():
        checked = cli("verify", "--db", db)
        assert checked.exit_code == 0, checked.stdout + checked.stderr
    again = auditql("ingest", "--db", str(db), str(exports), env=env)
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr
    assert dict(rows(db, "SELECT source_file, count(*) FROM events GROUP BY ALL")) == {**before, **reference}
    distinct = "SELECT count(DISTINCT event_key) FROM events WHERE starts_with(source_file, ?)"
    assert rows(db, distinct, [str(exports)]) == [(sum(reference.values()),)]
    total = next(line for line in again.stdout.splitlines() if line.startswith("total")).split()
    assert total[1] == str(sum(reference.values()))  # read, of which each file was added or held already
    verified = cli("verify", "--db", db)
    assert verified.exit_code == 0, verified.stdout + verified.stderr
    assert f"source files: {5 + len(before)} re-hashed, 0 not checked" in verified.stdout  # 4 CSVs, 1 zip


@pytest.mark.parametrize("seed", range(6))
def test_sigkill_at_a_random_moment_leaves_whole_files_only(
    seed: int, exports: Path, after_state: tuple[dict[str, int], float], tmp_path: Path, cli
) -> None:
    """Even seeds start from no archive, odd ones from an archive already holding the Resolver samples."""
    reference, elapsed = after_state
    delay = random.Random(seed).uniform(0.1, 1.0) * elapsed
    env, db = environment(tmp_path), tmp_path / "archive.duckdb"
    before: dict[str, int] = {}
    if seed % 2:
        assert cli("ingest", "--db", db, ROOT / "sample_data" / "resolver").exit_code == 0
        before = dict(rows(db, "SELECT source_file, count(*) FROM events GROUP BY ALL"))
        assert sum(before.values()) == 99
    ingest = start_ingest(db, exports, env)
    time.sleep(delay)
    ingest.send_signal(signal.SIGKILL)
    ingest.communicate(timeout=60)
    assert ingest.returncode in (-signal.SIGKILL, 0)  # 0: it finished before the signal
    present = files_present(db, {**before, **reference})
    assert set(before) <= present
    assert ingest.returncode != 0 or present == {*before, *reference}
    assert_recovers(db, exports, reference, env, cli, before)
    assert not unpack_dir(tmp_path, ingest.pid).exists()


@pytest.mark.parametrize(
    ("crash_at", "whole", "inside_zip"),
    [
        pytest.param(("append", 1), (), False, id="chain-start-before-commit"),
        pytest.param(("append", 2), (), False, id="first-file-before-commit"),
        pytest.param(("record", 2), ("export_0.csv", "export_1.csv"), True, id="zip-unpacked-members-not-yet-read"),
        pytest.param(("append", 5), ("export_0.csv", "export_1.csv"), True, id="zip-first-member-before-commit"),
        pytest.param(("append", 6), ("export_0.csv", "export_1.csv", "member_a.csv"), True, id="zip-second-member"),
        pytest.param(("refresh_column_values", 1), (*PLAIN, *MEMBERS), False, id="all-committed-before-checkpoint"),
    ],
)
def test_sigkill_at_a_fixed_point(
    crash_at: tuple[str, int],
    whole: tuple[str, ...],
    inside_zip: bool,
    exports: Path,
    after_state: tuple[dict[str, int], float],
    tmp_path: Path,
    cli,
) -> None:
    reference, _ = after_state
    env, db = environment(tmp_path), tmp_path / "archive.duckdb"
    ingest = start_ingest(db, exports, env, crash_at=crash_at)
    ingest.communicate(timeout=300)
    assert ingest.returncode == -signal.SIGKILL
    assert sorted(Path(f.split("!")[-1]).name for f in files_present(db, reference)) == sorted(whole)
    left_behind = [p.name for p in unpack_dir(tmp_path, ingest.pid).rglob("*.csv")]
    assert sorted(left_behind) == (["m0001.csv", "m0002.csv"] if inside_zip else [])
    assert_recovers(db, exports, reference, env, cli, {})
    assert not unpack_dir(tmp_path, ingest.pid).exists()  # … and removed by the next start


def test_next_start_removes_only_dead_processes_unpack_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from auditql.ingest.run import ingest

    monkeypatch.setenv("AUDITQL_CACHE", str(tmp_path / "cache"))
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(finished.stdout)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        for pid in (dead_pid, alive.pid):
            leftover = unpack_dir(tmp_path, pid) / "unpack-x" / "m0001.csv"
            leftover.parent.mkdir(parents=True)
            leftover.write_text("Date and Time,Event\n")
        report = ingest([ROOT / "sample_data" / "resolver" / "user_audit_trail_export_1.csv"], tmp_path / "a.duckdb")
        assert [f.added for f in report.files] == [42]
        assert not unpack_dir(tmp_path, dead_pid).exists()
        assert (unpack_dir(tmp_path, alive.pid) / "unpack-x" / "m0001.csv").exists()
    finally:
        alive.kill()
        alive.wait()


def test_an_ingest_that_ends_normally_leaves_no_unpacked_members(exports: Path, tmp_path: Path) -> None:
    env = environment(tmp_path)
    done = auditql("ingest", "--db", str(tmp_path / "a.duckdb"), str(exports / "export_2.zip"), env=env)
    assert done.returncode == 0
    assert list((tmp_path / "cache" / "unpack").iterdir()) == []
