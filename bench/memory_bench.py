"""Item 6 — memory: `auditql ingest --memory-limit L` of a Gigya NDJSON export 4× larger than L completes,
and the process's peak RSS stays within 1.5× L (DuckDB spills to disk; nothing loads whole files into
Python). Peak RSS is the child's `ru_maxrss`, read by a small wrapper process, so nothing polls.

Without a limit (issue 20): the peak RSS of `auditql ingest` of an export against the hand-written floor's, a
`python -c` running `bench.ingest_bench.hand_sql` (raw kept, the mapped fields extracted) into a new database.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from bench.generate import generate
from bench.ingest_bench import _unzipped, hand_sql
from bench.measure import Row, Section, median_of, run_cmd

GIGYA_BYTES_PER_RECORD = 480  # generated NDJSON lines average ~500 bytes: a little over 4x the limit
WRAPPER = (
    "import json, resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
    "print(json.dumps({'rc': p.returncode, 'kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
    "'out': p.stdout[-300:], 'err': p.stderr[-300:]}))"
)


def peak(argv: list[str]) -> dict:
    return json.loads(run_cmd([sys.executable, "-c", WRAPPER, *argv]))


HAND = (
    "import sys, duckdb; con = duckdb.connect(sys.argv[1]); con.execute(\"SET TimeZone = 'UTC'\"); "
    "con.execute('SET enable_progress_bar = false'); con.execute('CREATE TABLE t AS ' + sys.argv[2]); con.close()"
)
UNLIMITED_FORMATS = ("gigya_ndjson", "cja_csv")


def against_floor(section: Section, work: Path, size: int) -> None:
    """Peak RSS of an ingest with no --memory-limit against the by-hand CTAS of the same file (≤ 1.5×)."""
    import duckdb

    auditql = str(Path(sys.executable).parent / "auditql")
    for key in UNLIMITED_FORMATS:
        path = generate(key, work / "exports", size)
        tmp = Path(tempfile.mkdtemp(prefix="bench-memory-", dir=work))
        ours = peak([auditql, "ingest", "--db", str(tmp / "archive.duckdb"), str(path)])
        con = duckdb.connect(str(tmp / "archive.duckdb"), read_only=True)
        resolved = json.loads(con.execute("SELECT columns FROM sources").fetchone()[0])
        con.close()
        source = _unzipped(path, tmp) if key == "broadcom_zip" else path
        sql = hand_sql(key, source, resolved)
        hand = peak([sys.executable, "-c", HAND, str(tmp / "hand.duckdb"), sql])
        ours_mb, hand_mb = ours["kb"] / 1024, hand["kb"] / 1024
        ok = ours["rc"] == 0 and hand["rc"] == 0 and ours_mb <= 1.5 * hand_mb
        note = f"{path.stat().st_size / 2**20:.0f} MB, {size:,} records, exit {ours['rc']} / {hand['rc']}"
        section.add(Row(f"peak RSS, no limit: {key}", ours_mb, hand_mb, "by hand", "≤ 1.5×", ok, unit="MB", note=note))
        section.commands.append(f"-- {key}, by hand: python -c {HAND!r} NEW.duckdb SQL, where SQL is\n{sql};")


def run(work: Path, limit_mb: int, size: int | None = None) -> Section:
    section = Section(f"6. Memory: ingest an NDJSON export 4× larger than --memory-limit {limit_mb}MB")
    records = 4 * limit_mb * 2**20 // GIGYA_BYTES_PER_RECORD
    path = generate("gigya_ndjson", work / "exports", records)
    size_mb = path.stat().st_size / 2**20
    tmp = Path(tempfile.mkdtemp(prefix="bench-memory-", dir=work))
    auditql = str(Path(sys.executable).parent / "auditql")
    argv = [auditql, "ingest", "--db", str(tmp / "archive.duckdb"), "--memory-limit", f"{limit_mb}MiB", str(path)]
    t, result = median_of(lambda: peak(argv), 1)
    floor = peak([sys.executable, "-c", "import duckdb, auditql.ingest.run"])
    rss_mb = result["kb"] / 1024
    ok = result["rc"] == 0 and rss_mb <= 1.5 * limit_mb
    note = f"{size_mb:.0f} MB file ({size_mb / limit_mb:.1f}× the limit), exit {result['rc']}, took {t:.1f} s"
    if result["rc"] != 0:
        note += f": {result['err'].strip().splitlines()[-1] if result['err'].strip() else ''}"
    section.add(
        Row("peak RSS of `auditql ingest`", rss_mb, float(limit_mb), "limit", "≤ 1.5×", ok, unit="MB", note=note)
    )
    section.add(
        Row(
            "peak RSS of `import duckdb, auditql.ingest.run` alone",
            floor["kb"] / 1024,
            float(limit_mb),
            "limit",
            "",
            None,
            unit="MB",
            note="the interpreter floor inside the measured peak",
        )
    )
    section.commands.append(" ".join(["auditql", *argv[1:]]))
    if size:
        against_floor(section, work, size)
    return section
