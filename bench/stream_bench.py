"""Item 8 — streamed output (issue 20): a ~1,000,000-row result (every Gigya and Broadcom event: half the
archive) written by `auditql query --format csv|ndjson|parquet` against DuckDB's own `COPY (…) TO` of the
same rows in the same order, the least work that writes the same result to a file (without auditql's
guarantees: its CSV writes times as `2025-03-01 10:00:00+00`, not `…Z`, and leaves `=HYPERLINK(…)` live).

Measured per run from outside, as a user sees it: time until the first data row arrives on the pipe (CSV and
NDJSON, written to stdout), time until the last, and the process's peak RSS (`ru_maxrss` of that child, from
a small wrapper process: nothing polls). Parquet needs `--output`, so its first row is not on a pipe.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.archive import Archive
from bench.measure import Row, Section

ROWS = 2_000_000  # events in the archive measured: the query below returns half of them
SQL = "SELECT * FROM events WHERE vendor IN ('sap_cdc', 'broadcom_portal')"
SORTED = SQL + " ORDER BY time, source_file, source_row"  # auditql's order for `SELECT *`
COPY_FORMAT = {"csv": "csv", "ndjson": "json", "parquet": "parquet"}
COPY = (
    "import sys, duckdb; con = duckdb.connect(sys.argv[1], read_only=True); con.execute(\"SET TimeZone='UTC'\"); "
    "con.execute('SET enable_progress_bar = false'); "
    "con.execute(f'COPY ({sys.argv[2]}) TO {sys.argv[3]!r} (FORMAT {sys.argv[4]})')"
)


# Runs the measured command with stdout inherited (the pipe the bench reads) and reports the command's peak
# RSS on stderr. A child forked straight from the bench would inherit the bench's own high-water mark (it
# holds the archive it built) in `ru_maxrss`; forked from this small process, it starts from ~10 MB.
WRAPPER = (
    "import json, resource, subprocess, sys; rc = subprocess.run(sys.argv[1:]).returncode; "
    "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(json.dumps({'rc': rc, 'kb': u.ru_maxrss, 'cpu': u.ru_utime + u.ru_stime}), file=sys.stderr)"
)


def first_row_and_peak(argv: list[str]) -> tuple[float, float, float, str, float]:
    """(seconds to the first data row, seconds to the end, peak RSS in MB, SHA-256 of stdout, CPU seconds of
    the command: user + system, every thread) of one run."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", WRAPPER, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    digest = hashlib.sha256()
    first_lines = proc.stdout.readline() + proc.stdout.readline()
    first = time.perf_counter() - started
    digest.update(first_lines)
    while chunk := proc.stdout.read(1 << 20):
        digest.update(chunk)
    total = time.perf_counter() - started
    report = json.loads(proc.stderr.read().decode().strip().splitlines()[-1])
    proc.wait()
    if report["rc"] != 0:
        raise RuntimeError(f"{' '.join(argv[:4])}… exited {report['rc']}")
    return first, total, report["kb"] / 1024, digest.hexdigest(), report["cpu"]


def run(archive: Archive, repeat: int) -> Section:
    section = Section(f"8. Streamed output: {SQL!r} on a {archive.events:,}-event archive, against DuckDB's COPY TO")
    auditql = str(Path(sys.executable).parent / "auditql")
    tmp = Path(tempfile.mkdtemp(prefix="bench-stream-", dir=archive.db.parent))
    for fmt in ("csv", "ndjson", "parquet"):
        target = tmp / f"copy.{fmt}"
        ours = [auditql, "query", "--db", str(archive.db), "--format", fmt, "--quiet", SQL]
        if fmt == "parquet":
            ours += ["--output", str(tmp / "ours.parquet")]
        copy = [sys.executable, "-c", COPY, str(archive.db), SORTED, str(target), COPY_FORMAT[fmt]]
        runs: dict[str, list[tuple[float, float, float, str, float]]] = {"ours": [], "copy": []}
        for _ in range(repeat):  # in turn: load that comes and goes weighs on both sides alike
            runs["ours"].append(first_row_and_peak(ours))
            (tmp / "ours.parquet").unlink(missing_ok=True)
            runs["copy"].append(first_row_and_peak(copy))
            target.unlink(missing_ok=True)

        def median(name: str, i: int, runs: dict = runs) -> float:
            return statistics.median(r[i] for r in runs[name])

        t_ours, t_copy = median("ours", 1), median("copy", 1)
        speed = f"{t_copy / t_ours:.2f}× COPY's speed"
        section.add(Row(f"{fmt}: time to the last row", t_ours, t_copy, "COPY TO", "≤ 1.43× (≥ 0.7× speed)",
                        t_ours <= t_copy / 0.7, note=speed))  # fmt: skip
        rss_ours, rss_copy = median("ours", 2), median("copy", 2)
        section.add(Row(f"{fmt}: peak RSS", rss_ours, rss_copy, "COPY TO", "≤ 1×", rss_ours <= rss_copy, unit="MB",
                        note="the sort of the rows by time is DuckDB's, in both"))  # fmt: skip
        if fmt != "parquet":
            first = median("ours", 0)
            section.add(Row(f"{fmt}: time to the first row on the pipe", first, None, "", "< 1 s", first < 1.0))
        section.commands += [
            f"auditql query --db ARCHIVE --format {fmt} --quiet {SQL!r}" + (" -o OURS.parquet" * (fmt == "parquet")),
            f"python -c {COPY!r} ARCHIVE {SORTED!r} OUT.{fmt} {COPY_FORMAT[fmt]}",
        ]
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()
    return section


# Runs another checkout's auditql (`--before /work/main`) in this venv: its package first on sys.path.
BEFORE = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); import auditql; from auditql.cli.main import main; "
    "sys.argv[0] = 'auditql'; main()"
)


def before_after(db: Path, before: Path, formats: list[str], repeat: int) -> None:
    """Before (`before`'s code) / after (this checkout) / COPY TO, in turn, `repeat` rounds; prints each run
    and the medians, and checks that before and after wrote the same bytes."""
    auditql = str(Path(sys.executable).parent / "auditql")
    tmp = Path(tempfile.mkdtemp(prefix="bench-stream-", dir=db.parent))
    for fmt in formats:
        args = ["query", "--db", str(db), "--format", fmt, "--quiet", SQL]
        copy = [sys.executable, "-c", COPY, str(db), SORTED, str(tmp / f"copy.{fmt}"), COPY_FORMAT[fmt]]
        sides = {"before": [sys.executable, "-c", BEFORE, str(before), *args], "after": [auditql, *args], "copy": copy}
        runs: dict[str, list[tuple[float, float, float, str, float]]] = {name: [] for name in sides}
        for _ in range(repeat):
            for name, argv in sides.items():
                load = os.getloadavg()[0]
                runs[name].append(first_row_and_peak(argv))
                first, total, mb, digest, cpu = runs[name][-1]
                print(f"{fmt} {name:6s} first {first:6.2f} s  total {total:7.2f} s  cpu {cpu:6.2f} s  "
                      f"peak {mb:6.0f} MB  load {load:.1f}  {digest[:12]}", flush=True)  # fmt: skip
                (tmp / f"copy.{fmt}").unlink(missing_ok=True)
        if {r[3] for r in runs["before"]} != {r[3] for r in runs["after"]}:
            print(f"{fmt}: BEFORE AND AFTER WROTE DIFFERENT BYTES")
        med = {name: [statistics.median(r[i] for r in runs[name]) for i in (0, 1, 2, 4)] for name in sides}
        b, a, c = med["before"], med["after"], med["copy"]
        print(f"{fmt} medians: before {b[1]:.1f} s, after {a[1]:.1f} s, COPY {c[1]:.1f} s; "
              f"speed / COPY's {c[1] / b[1]:.2f}× -> {c[1] / a[1]:.2f}×; first row {b[0]:.2f} -> {a[0]:.2f} s; "
              f"peak {b[2]:.0f} / {a[2]:.0f} / {c[2]:.0f} MB; CPU {b[3]:.1f} / {a[3]:.1f} / {c[3]:.1f} s, "
              f"COPY's CPU / ours {c[3] / b[3]:.2f}× -> {c[3] / a[3]:.2f}×", flush=True)  # fmt: skip
    shutil.rmtree(tmp)


if __name__ == "__main__":
    # python -m bench.stream_bench --db /tmp/auditql-bench/archive-2000000/archive.duckdb --before /work/main
    ap = argparse.ArgumentParser(description="Streamed output before/after: " + __doc__.split("\n\n")[0])
    ap.add_argument(
        "--db", type=Path, required=True, help="an archive built by bench/archive.py (2,000,000 events: 1 M rows)"
    )
    ap.add_argument("--before", type=Path, required=True, help="the checkout measured as before, e.g. /work/main")
    ap.add_argument("--formats", default="csv,ndjson", help="comma-separated: csv, ndjson")
    ap.add_argument("--repeat", type=int, default=2, help="rounds of before, after and COPY, in turn")
    options = ap.parse_args()
    before_after(options.db, options.before, options.formats.split(","), options.repeat)
