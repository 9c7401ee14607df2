"""The benchmark runner works end to end at a tiny size (no timing is asserted: timings belong in
docs/performance.md, not in a pass/fail test), and the content-keyed cache it measures behaves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SAMPLES

SECTIONS = (
    "== 1. Ingest 2,000 records per vendor format",
    "== 1b. Where ingest time goes",
    "== 1c. Ingest scaling",
    "== 2. Queries on a 20,000-event archive",
    "== 3. One-shot CLI",
    "== 4. Querying raw files directly",
    "== 5. Peers",
    "== 6. Memory",
    "== 7. REPL completion",
    "== 8. Streamed output",
    "== 9. A 10,000-value IN list",
    "== 10. Many small files",
)


def test_bench_quick_runs_every_section(tmp_path: Path) -> None:
    out = tmp_path / "performance.md"
    args = ["--quick", "--size", "2000", "--events", "20000", "--repeat", "1", "--work", str(tmp_path / "w")]
    proc = subprocess.run(
        [sys.executable, "-m", "bench", *args, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "AUDITQL_CACHE": str(tmp_path / "cache")},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    for title in SECTIONS:
        assert title in proc.stdout, title
    assert "machine: " in proc.stdout and "duckdb 2.0.0" in proc.stdout
    assert "Traceback" not in proc.stderr
    doc = out.read_text()
    assert doc.count("\n## ") == len(SECTIONS)
    assert "| measurement | median | baseline (median) | ratio | target | verdict | note |" in doc
    assert "ANSWERS DIFFER" not in doc and "DISAGREES" not in doc and "OUTPUTS DIFFER" not in doc


def test_before_after_pairs_two_trees_format_by_format(tmp_path: Path) -> None:
    # This tree against itself: the runner's own plumbing (each tree's bench run, parsed, paired, tabled).
    args = ["--before", str(ROOT), "--size", "500", "--repeat", "1", "--pairs", "2", "--formats", "resolver_csv"]
    proc = subprocess.run(
        [sys.executable, "-m", "bench.before_after", *args, "--work", str(tmp_path / "w")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert [ln.split(":")[0] for ln in lines[:4]] == ["resolver_csv before", "resolver_csv after"] * 2
    assert (
        "| format | before (vs by hand) | after (vs by hand) | after / before, per pair | median "
        "| CPU before | CPU after | CPU after / before, per pair | median |"
    ) in lines
    (row,) = [ln for ln in lines if ln.startswith("| resolver_csv |")]
    cells = row.split("|")
    assert len(cells[4].split(",")) == 2 and len(cells[8].split(",")) == 2  # one ratio per pair, wall and CPU
    assert all(float(cells[i].strip().removesuffix(" s")) > 0 for i in (6, 7))  # CPU seconds, each side


def test_query_cache_is_keyed_by_content_not_mtime(tmp_path: Path, monkeypatch) -> None:
    """Touching a file (same bytes, new mtime) reuses the cached archive; changing its bytes does not."""
    from auditql import api

    monkeypatch.setenv("AUDITQL_CACHE", str(tmp_path / "cache"))
    export = tmp_path / "audit_export.ndjson"
    export.write_bytes((SAMPLES / "sap_cdc" / "audit_export.ndjson").read_bytes())
    first, report = api.archive_for_files([export])
    assert report is not None and report.files[0].added == 31
    os.utime(export, (1_700_000_000, 1_700_000_000))
    touched, report = api.archive_for_files([export])
    assert touched == first and report is None
    export.write_bytes(export.read_bytes() + export.read_bytes().splitlines(keepends=True)[0])
    changed, report = api.archive_for_files([export])
    assert changed != first and report is not None and report.files[0].read == 32
    assert len(list((tmp_path / "cache").glob("files-*.duckdb"))) == 2


def test_ingest_memory_limit_is_applied_and_validated(cli, tmp_path: Path, expected: dict) -> None:
    """`--memory-limit` bounds the process: DuckDB gets what is left after what is already resident and a
    reserve, at least half, and one thread when that is small (the benchmark's memory test relies on it). A bad
    size is a usage error."""
    import duckdb

    db = tmp_path / "a.duckdb"
    result = cli("ingest", "--db", db, "--memory-limit", "64MB", "--format", "json", SAMPLES / "sap_cdc")
    assert result.exit_code == 0, result.output
    sap_cdc = expected["vendors"]["sap_cdc"]["unique_events"]
    assert sum(f["added"] for f in json.loads(result.stdout)) == sap_cdc
    from auditql.db import archive_file, connections

    with archive_file.writer(db, memory_limit=64 * 10**6) as con:  # DuckDB's minimum: the process holds more already
        assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "48.0 MiB"
        assert con.execute("SELECT current_setting('threads')").fetchone()[0] == 1
        assert con.execute("SELECT getvariable('aq_line_cap')").fetchone()[0] == 6 * 2**20
    duck, threads = connections.duckdb_budget(4 * 2**30)  # large: all but what is resident and the reserve
    assert 4 * 2**30 - connections.DUCKDB_OVERSHOOT - 2**30 < duck < 4 * 2**30 - connections.DUCKDB_OVERSHOOT
    assert threads is None
    bad = cli("ingest", "--db", db, "--memory-limit", "lots", SAMPLES / "sap_cdc")
    assert bad.exit_code == 2 and "'lots' is not a size" in bad.stderr
    small = cli("ingest", "--db", db, "--memory-limit", "1MB", SAMPLES / "sap_cdc")
    assert small.exit_code == 2 and "too small" in small.stderr
    assert duckdb.connect(str(db), read_only=True).execute("SELECT count(*) FROM events").fetchone()[0] == sap_cdc
