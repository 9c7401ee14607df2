"""A big file's multiset digests are taken streaming (digests.streamed_multiset): DuckDB sorts the row digests,
which spills to disk, and the SHA-256 is taken as they arrive, instead of `string_agg(… ORDER BY …)`, which holds
them all in memory and cannot spill. Same recipe, same digests; a file several times `--memory-limit` ingests.

Data: the repository's sample exports (sample_data/README.md says how they follow the vendors' published
shapes), and bench/generate.py's Gigya NDJSON (the audit.search record shape, docs/performance.md).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES, rows, run_auditql

from auditql import digests
from auditql.ingest import entries
from auditql.ingest.run import ingest

# sources_digest is left out: a sources row holds its ingest time, so two ingests differ there; `verify`, which
# recomputes it by the one-statement SQL, shows the streamed one right.
DIGESTS = "SELECT source_file, member, deliveries_digest, rejects_digest FROM manifest"


def test_streamed_digests_equal_the_one_statement_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert ingest([SAMPLES], tmp_path / "one.duckdb").ok
    monkeypatch.setattr(digests, "STREAM_ABOVE", 0)  # every file streamed, whatever the memory limit
    monkeypatch.setattr(entries, "AGGREGATE_ROW_BYTES", 1 << 50)
    assert ingest([SAMPLES], tmp_path / "streamed.duckdb").ok
    one = sorted(rows(tmp_path / "one.duckdb", f"{DIGESTS} WHERE deliveries_digest IS NOT NULL"))
    streamed = sorted(rows(tmp_path / "streamed.duckdb", f"{DIGESTS} WHERE deliveries_digest IS NOT NULL"))
    assert len(one) == 18 and streamed == one
    assert digests.EMPTY in {r[3] for r in one}  # a file without rejects: the SHA-256 of nothing, both ways
    done = run_auditql("verify", "--db", tmp_path / "streamed.duckdb")
    assert done.returncode == 0, done.stdout + done.stderr


def test_verify_s_streamed_digests_per_file_equal_the_one_statement_ones(tmp_path: Path) -> None:
    """verify takes each table's per-file digests streamed (digests.streamed_multisets, one sorted pass over the
    table); they equal `string_agg(… ORDER BY …)`'s, file by file, and the whole-table digest too."""
    import duckdb

    db = tmp_path / "archive.duckdb"
    assert ingest([SAMPLES], db).ok
    con = duckdb.connect(str(db), read_only=True)
    try:
        for row_sql, table in (
            (digests.DELIVERY_ROW, "deliveries"),
            (digests.REJECT_ROW, "rejects"),
            (digests.SOURCE_ROW, "sources"),
        ):
            one = {
                name: (n, d) for name, n, d in con.execute(digests.multiset(row_sql, table, "source_file")).fetchall()
            }
            streamed = digests.streamed_multisets(con, row_sql, table, group="source_file")
            assert streamed == one and len(one) == (0 if table == "rejects" else 18), table
            whole = con.execute(digests.multiset(row_sql, table)).fetchone()
            assert digests.streamed_multisets(con, row_sql, table).get(None, (0, digests.EMPTY)) == (whole[0], whole[1])
        files = con.execute("SELECT count(DISTINCT source_file) FROM deliveries").fetchone()
        assert (
            files is not None
            and len(digests.streamed_multisets(con, digests.DELIVERY_ROW, "deliveries", group="source_file"))
            == files[0]
            == 18
        )
        # no rows: no group at all (the one-statement SQL gives count 0 and the SHA-256 of nothing)
        assert digests.streamed_multisets(con, digests.DELIVERY_ROW, "deliveries WHERE false") == {}
        assert digests.streamed_multiset(con, digests.DELIVERY_ROW, "deliveries WHERE false") == digests.EMPTY
        # an unfinished result of `execute` on the same connection is run to its end first, not an error
        con.execute("SELECT * FROM deliveries")
        assert digests.streamed_multiset(con, digests.DELIVERY_ROW, "deliveries WHERE source_file = $1", ["x"]) == (
            digests.EMPTY
        )
    finally:
        con.close()


def test_batches_split_across_files_hash_each_file_s_rows_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches smaller than a file, and files smaller than a batch: each run of one file inside a batch is hashed
    from the batch's string buffer; the digests do not depend on where the batches break."""
    import duckdb

    db = tmp_path / "archive.duckdb"
    assert ingest([SAMPLES], db).ok
    con = duckdb.connect(str(db), read_only=True)
    try:
        one = {
            n: (c, d)
            for n, c, d in con.execute(digests.multiset(digests.DELIVERY_ROW, "deliveries", "source_file")).fetchall()
        }
        for rows_per_batch in (1, 7, 1000):
            monkeypatch.setattr(digests, "_FETCH_ROWS", rows_per_batch)
            for arrow in (True, False):  # verify's Arrow batches, ingest's tuples (no pyarrow import)
                streamed = digests.streamed_multisets(
                    con, digests.DELIVERY_ROW, "deliveries", group="source_file", arrow=arrow
                )
                assert streamed == one, (rows_per_batch, arrow)
    finally:
        con.close()


def test_a_file_four_times_the_memory_limit_ingests_and_verifies(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.generate import generate

    export = generate("gigya_ndjson", tmp_path / "exports", 280_000)  # 140 MB, > 4x 32 MiB
    assert export.stat().st_size > 4 * 32 * 2**20
    db = tmp_path / "archive.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "auditql", "ingest", "-q", "--db", str(db), "--memory-limit", "32MiB", "--format",
         "json", str(export)],
        capture_output=True, text=True, cwd=ROOT, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert rows(db, "SELECT count(*) FROM events") == [(280_000,)]
    assert rows(db, "SELECT count(*) FROM deliveries") == [(280_000,)]
    done = run_auditql("verify", "--db", db)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "verified: the chain of custody holds"


def test_a_big_file_streams_its_digests_only_where_the_ordered_aggregate_could_outgrow_the_limit() -> None:
    import duckdb

    con = duckdb.connect()
    try:
        assert not entries.streams(con, 99_999)  # small: one statement, whatever the limit
        assert entries.streams(con, 100_000)  # no limit on record (not a writer's connection): streamed
        con.execute(f"SET VARIABLE aq_memory_bytes = {64 << 20}")  # DuckDB's share of --memory-limit 128MiB
        assert entries.streams(con, 100_000)  # 100,000 x 512 B > 32 MiB
        con.execute(f"SET VARIABLE aq_memory_bytes = {10 << 30}")  # the default: half of the RAM
        assert not entries.streams(con, 1_000_000)  # 512 MB <= 5 GiB
        assert entries.streams(con, 20_000_000)
    finally:
        con.close()
