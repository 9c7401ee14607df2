"""Shared fixtures: the real sample exports, an archive built from them by the real ingest, and the real CLI
(in-process through click's runner, and as a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
DATA = ROOT / "tests" / "data"


def _slow_tests() -> frozenset[str]:
    listing = ROOT / "tests" / "slow_tests.txt"
    lines = listing.read_text().splitlines() if listing.exists() else []
    return frozenset(line for line in lines if line and not line.startswith("#"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `slow` what a timed run found slow (tests/slow_tests.txt, tools/slow_tests.py: a module, a function,
    or one case by its full id) and every Spark test, so `pytest -m "not slow"` is the quick loop; CI runs
    everything."""
    slow = _slow_tests()
    for item in items:
        named = item.nodeid.split("[")[0]
        listed = item.nodeid in slow or named in slow or named.split("::")[0] in slow
        if listed or item.get_closest_marker("spark"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the developer's own archive, cache, mappings or history."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("AUDITQL_DB", raising=False)
    monkeypatch.delenv("AUDITQL_MAPPINGS", raising=False)
    monkeypatch.delenv("AUDITQL_CONFIG", raising=False)
    monkeypatch.delenv("AUDITQL_CACHE", raising=False)
    monkeypatch.setenv("TZ", "UTC")


@pytest.fixture(scope="session")
def expected() -> dict:
    return json.loads((DATA / "samples_expected.json").read_text())


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive holding every sample file, ingested once per test session (tests must not write to it)."""
    from auditql.ingest.run import ingest

    db = tmp_path_factory.mktemp("archive") / "samples.duckdb"
    report = ingest([SAMPLES], db)
    assert report.ok, [f for f in report.files if not f.ok]
    return db


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def edit(db: Path, *statements: str) -> None:
    """What a user with the duckdb package does to an archive file."""
    con = duckdb.connect(str(db))
    try:
        for sql in statements:
            con.execute(sql)
    finally:
        con.close()


def count(db: Path, where: str = "true") -> int:
    return rows(db, f"SELECT count(*) FROM events WHERE {where}")[0][0]


@pytest.fixture
def cli():
    """Invoke the real click command in-process; returns the click Result (exit_code, stdout, stderr)."""
    from auditql.cli.main import main

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)

    return invoke


def run_auditql(
    *args: str, cwd: Path | None = None, env: dict | None = None, input: str | None = None
) -> subprocess.CompletedProcess:
    """The installed console entry point as a subprocess (`python -m auditql`); `input` is its stdin."""
    return subprocess.run(
        [sys.executable, "-m", "auditql", *map(str, args)],
        input=input,
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def start_auditql(*args: object, env: dict | None = None, **popen: object) -> subprocess.Popen:
    """`python -m auditql ARGS` started and left running (pipes for stdout and stderr, text mode), for tests that
    act on the process while it works: kill it half-way, hold its lock, send it a signal. `env` adds to ours."""
    return subprocess.Popen(
        [sys.executable, "-m", "auditql", *map(str, args)],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,  # type: ignore[call-overload]
    )


# What never reaches a terminal raw besides C0/C1/DEL (unicode category Cc): bidi controls and line
# separators, which can reorder or split what an investigator reads (an oracle independent of output.py).
BIDI = {
    "\u061c",
    "\u200e",
    "\u200f",
    "\u2028",
    "\u2029",
    *map(chr, range(0x202A, 0x202F)),
    *map(chr, range(0x2066, 0x206A)),
}


def repl_output(session, line: str) -> str:
    """What one REPL line printed: the session writes to a StringIO (tests build it with `out=io.StringIO()`)."""
    import io

    out = session.out
    assert isinstance(out, io.StringIO)
    start = len(out.getvalue())
    session.execute(line)
    return out.getvalue()[start:]


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The five fake vendor servers on 127.0.0.1 (tests/fakes), with their fictional secrets in the environment."""
    from tests.fakes import harness

    for name, value in harness.SECRETS.items():
        monkeypatch.setenv(name, value)
    started = harness.start()
    yield started
    started.stop()
