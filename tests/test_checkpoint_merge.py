"""When an ingest's checkpoint merges partly filled row groups (db/archive_file.checkpoint): a big write leaves
the earlier tails alone (merging them rewrote every row group after a tail: 1.3-1.7 s of a 250,000-record
append), a small one merges, and so does any write once the tails pass the budget. Real DuckDB files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from auditql.db import archive_file

ROWS = archive_file.ROW_GROUP_ROWS


def _groups(con: duckdb.DuckDBPyConnection, table: str) -> list[int]:
    return [
        int(r[0])
        for r in con.execute(
            f"SELECT max(count) FROM pragma_storage_info('{table}') WHERE column_id = 0 "
            "GROUP BY row_group_id ORDER BY row_group_id"
        ).fetchall()
    ]


@pytest.fixture
def con(tmp_path: Path):
    """An archive-like file whose `events` and `deliveries` end in a partly filled row group."""
    con = duckdb.connect(str(tmp_path / "a.duckdb"))
    con.execute("SET preserve_insertion_order = true")
    for table in ("events", "deliveries"):
        con.execute(f"CREATE TABLE {table} AS SELECT i, repeat('x', 40) || i AS raw FROM range({ROWS + 1000}) t(i)")
    con.execute("CHECKPOINT")
    yield con
    con.close()


def _append(con: duckdb.DuckDBPyConnection, n: int) -> None:
    for table in ("events", "deliveries"):
        con.execute(f"INSERT INTO {table} SELECT i, repeat('y', 40) || i FROM range({n}) t(i)")


def test_a_big_write_leaves_the_earlier_tail_in_place(con):
    _append(con, ROWS + 500)
    archive_file.checkpoint(con, 2 * (ROWS + 500))
    assert _groups(con, "events") == [ROWS, 1000, ROWS, 500]
    assert con.execute("SELECT count(*), sum(i) FROM events").fetchone() == (
        2 * ROWS + 1500,
        sum(range(ROWS + 1000)) + sum(range(ROWS + 500)),
    )
    # The setting is back to DuckDB's default for whatever the connection does next.
    assert con.execute("SELECT current_setting('max_vacuum_tasks')").fetchone()[0] == 100


def test_a_small_write_merges_the_tails(con):
    _append(con, 300)
    archive_file.checkpoint(con, 600)
    assert _groups(con, "events") == [ROWS, 1300]
    assert con.execute("SELECT count(*) FROM deliveries").fetchone()[0] == ROWS + 1300


def test_a_big_write_merges_once_the_tails_pass_the_budget(con, monkeypatch):
    monkeypatch.setattr(archive_file, "SPARE_ROW_GROUPS", 1)
    _append(con, ROWS + 500)
    # events and deliveries each carry one spare row group now: 2 > 1, so this checkpoint merges.
    assert archive_file._spare_row_groups(con) == 2
    archive_file.checkpoint(con, 2 * (ROWS + 500))
    assert _groups(con, "events") == [ROWS, ROWS, 1500]
    assert archive_file._spare_row_groups(con) == 0


def test_an_ingest_appending_a_big_export_keeps_every_event(tmp_path):
    """Through the real ingest: an append of more than a row group skips the merge, and the archive holds
    every row, verified by the chain of custody."""
    from auditql.api.archives import verify
    from auditql.ingest.run import ingest

    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    header = "Date and Time,Unique ID,Object ID,Object Name,Action,Applied to,Value,JSON,By User\n"
    for path, start, n in ((first, 0, 1_000), (second, 1_000, ROWS + 10)):
        with path.open("w") as f:
            f.write(header)
            for i in range(start, start + n):
                when = f"2025-10-{1 + i // 86400:02d} {i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}"
                f.write(f"{when},u{i},o{i},Obj,Update,x,v,{{}},Ann\n")
    db = tmp_path / "a.duckdb"
    assert sum(f.added for f in ingest([first], db).files) == 1_000
    report = ingest([second], db)
    assert sum(f.added for f in report.files) == ROWS + 10
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM events").fetchone()[0] == ROWS + 1_010
        assert len(_groups(con, "events")) == 3  # 1,000 | 122,880 | 10: the first tail was not rewritten
    finally:
        con.close()
    held = verify(db)  # raises VerificationFailed when the chain does not hold
    assert held.events == ROWS + 1_010
