"""The web view's benchmark works end to end on the sample archive (no timing is asserted: timings belong in
docs/serve.md), and the scaled archive it can measure holds its base's events N times over, each copy named
by its own (file, row) and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import rows

from bench import serve_bench
from bench.archive import scaled


def test_a_scaled_archive_holds_each_event_n_times_with_its_own_names(sample_db: Path, tmp_path: Path) -> None:
    db = scaled(sample_db, 3, tmp_path)
    assert db == tmp_path / f"scaled-3x-{sample_db.parent.name}" / "archive.duckdb"
    counts = rows(
        db,
        "SELECT count(*), count(DISTINCT event_key), count(DISTINCT (source_file, source_row)), "
        "count(DISTINCT raw::VARCHAR) FROM events",
    )
    # event_key is a content key: two identical lines of one export share one in the base, and in each copy
    base = rows(sample_db, "SELECT count(*), count(DISTINCT event_key), count(DISTINCT raw::VARCHAR) FROM events")[0]
    assert counts == [(3 * base[0], 3 * base[1], 3 * base[0], base[2])]
    keys = rows(db, "SELECT event_key FROM events WHERE source_file LIKE '%#2' ORDER BY event_key LIMIT 1")[0][0]
    assert keys.endswith("#2")
    assert rows(db, "SELECT count(*) FROM sources") == rows(sample_db, "SELECT count(*) FROM sources")
    assert scaled(sample_db, 3, tmp_path) == db  # reused


def test_the_serve_bench_runs_against_the_real_server(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serve_bench, "IDLE_WAIT", 0.1)
    section = serve_bench.run(sample_db, repeat=1)  # it also checks every deep page against DuckDB's OFFSET
    names = [r.name for r in section.rows]
    assert section.title == "`auditql serve` over 492 events (15 match the filter)"
    assert names[:3] == [
        "a filter query: first page after the server was idle (cold reader)",
        "a filter query: first page of a new query",
        "a filter query: first page asked again",
    ]
    assert "the row count of a new query (shown after the first page)" in names
    assert all(r.value > 0 for r in section.rows)
    where = serve_bench.breakdown(sample_db)
    assert [r.name for r in where.rows][:2] == [
        "a new reader: open the sandboxed reader",
        "a new reader: read the catalog",
    ]
