"""One factory makes every DuckDB connection (auditql/db/connections.py): nobody else calls `duckdb.connect`,
and each kind of connection gets the settings its callers rely on."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

import auditql
from auditql.db import archive_file, connections

PACKAGE = Path(auditql.__file__).parent
CALL = re.compile(r"\bduckdb\.connect\(")


def test_duckdb_connect_is_called_in_one_place_only() -> None:
    calls = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if CALL.search(line)
    ]
    assert calls == ["db/connections.py"]


def setting(con: duckdb.DuckDBPyConnection, name: str) -> object:
    return con.execute("SELECT current_setting(?)", [name]).fetchone()[0]  # type: ignore[index]


def test_scratch_is_utc_quiet_and_parses_times() -> None:
    con = connections.scratch()
    try:
        assert setting(con, "TimeZone") == "UTC"
        assert setting(con, "enable_progress_bar") is False
        row = con.execute("SELECT aq_parse_time('1700000000000', ['%d/%m/%Y'])::VARCHAR").fetchone()
        assert row == ("2023-11-14 22:13:20+00",)
    finally:
        con.close()


def test_parquet_writer_is_utc_and_quiet_unless_asked() -> None:
    quiet, default = connections.parquet_writer(), connections.parquet_writer(progress_bar=True)
    try:
        assert (setting(quiet, "TimeZone"), setting(quiet, "enable_progress_bar")) == ("UTC", False)
        assert setting(default, "TimeZone") == "UTC"
        assert setting(default, "enable_progress_bar") == setting(connections.probe(), "enable_progress_bar")
    finally:
        quiet.close()
        default.close()


def test_set_budget_gives_duckdb_its_share_and_one_thread_when_small() -> None:
    con = connections.in_memory()
    try:
        duck = connections.set_budget(con, 64 * 10**6)
        assert duck == connections.DUCKDB_MINIMUM  # the process already holds more than a 64 MB budget
        assert setting(con, "memory_limit") == "48.0 MiB"
        assert setting(con, "threads") == 1
    finally:
        con.close()


def test_archive_attached_is_read_only_under_its_name(tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    with archive_file.writer(db) as con:
        con.execute("SELECT 1").fetchall()
    con = connections.archive_attached(db, "aq_hidden")
    try:
        (read_only,) = con.execute(
            "SELECT readonly FROM duckdb_databases() WHERE database_name = 'aq_hidden'"
        ).fetchone()  # type: ignore[misc]
        assert read_only is True
        assert con.execute("SELECT count(*) FROM aq_hidden.main.events").fetchone() == (0,)
    finally:
        con.close()


def test_probes_are_connections_of_their_own_on_one_database() -> None:
    """A probe is a cursor on one in-memory database the process keeps (opening a database cost ~14 ms, twice
    per JSON file): a failed statement on one probe leaves the others working, and closing one leaves the
    database to the next."""
    first, second = connections.probe(), connections.probe()
    try:
        first.execute("BEGIN TRANSACTION")
        with pytest.raises(duckdb.Error):
            first.execute("SELECT json_type('{')").fetchall()
        assert second.execute("SELECT json_type('[1]')").fetchone() == ("ARRAY",)
    finally:
        first.close()
        second.close()
    third = connections.probe()
    try:
        assert third.execute("SELECT json_valid('{}')").fetchone() == (True,)
        assert setting(third, "enable_progress_bar") == setting(connections.in_memory(), "enable_progress_bar")
    finally:
        third.close()
