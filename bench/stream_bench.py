"""Item 8 — streamed output (issue 14 B): a 290,000-row `auditql query --format csv` result, written as DuckDB
delivers it, against the way it was written before — the whole result fetched into Python (`api.run`), then
rendered — both through auditql's own code in the same run, so the ratio is the change alone.

Measured per run from outside, as a user sees it: time until the first data row arrives on the pipe, time
until the last, and the process's peak RSS (`ru_maxrss` of that child, from `os.wait4`: nothing polls).
The two outputs must be byte-identical (same SHA-256), or the row says so.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.archive import Archive
from bench.measure import Row, Section

ROWS = 290_000  # events in the archive measured (a smaller archive when the run asks for fewer events)
# Every event, no LIMIT (DuckDB keeps insertion order under a LIMIT by buffering the rows before it: 480 MB
# for these 290,000). auditql orders `SELECT *` by time, so DuckDB sorts them all first: its sort is in every
# peak below, and the bare-DuckDB floor shows how much of it is DuckDB's own.
SQL = "SELECT * FROM events"
SORTED = "SELECT * FROM events ORDER BY time, source_file, source_row"
# The pre-issue-14 path, still in the code base: api.run fetches every row, then output.render writes them.
WHOLE = (
    "import sys; from pathlib import Path; from auditql import api, output; "
    "con = api.reader(Path(sys.argv[1])); t = api.prepare(con, sys.argv[2]); r = api.run(con, t, None, 0); "
    "con.close(); output.render(r, 'csv', sys.stdout)"
)
# The floor: DuckDB alone running the same sorted query and writing each batch as it comes (no auditql).
FLOOR = (
    "import csv, sys, duckdb; con = duckdb.connect(sys.argv[1], read_only=True); con.execute(sys.argv[2]); "
    "w = csv.writer(sys.stdout); w.writerow([d[0] for d in con.description]); sys.stdout.flush()\n"
    "while rows := con.fetchmany(2048): w.writerows(rows)"
)


def first_row_and_peak(argv: list[str]) -> tuple[float, float, float, str]:
    """(seconds to the first data row, seconds to the end, peak RSS in MB, SHA-256 of stdout) of one run."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    digest = hashlib.sha256()
    header = proc.stdout.readline()
    row = proc.stdout.readline()
    first = time.perf_counter() - started
    digest.update(header + row)
    while chunk := proc.stdout.read(1 << 20):
        digest.update(chunk)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    total = time.perf_counter() - started
    if proc.returncode != 0 or not row:
        raise RuntimeError(f"{' '.join(argv[:4])}… exited {proc.returncode} after {len(header + row)} bytes")
    return first, total, usage.ru_maxrss / 1024, digest.hexdigest()


def run(archive: Archive, repeat: int) -> Section:
    section = Section(f"8. Streamed output: a {archive.events:,}-event `--format csv` result, before and after")
    streamed = [str(Path(sys.executable).parent / "auditql"), "query", "--db", str(archive.db), "--format", "csv", SQL]
    whole = [sys.executable, "-c", WHOLE, str(archive.db), SQL]
    floor = [sys.executable, "-c", FLOOR, str(archive.db), SORTED]
    runs: dict[str, list[tuple[float, float, float, str]]] = {"streamed": [], "whole": [], "floor": []}
    for round_number in range(repeat + 1):  # in turn, after one untimed round: load weighs on all alike
        for name, argv in (("streamed", streamed), ("whole", whole), ("floor", floor)):
            result = first_row_and_peak(argv)
            if round_number:
                runs[name].append(result)

    def median(name: str, i: int) -> float:
        return statistics.median(r[i] for r in runs[name])

    same = runs["streamed"][-1][3] == runs["whole"][-1][3]
    note = "same bytes" if same else "OUTPUTS DIFFER"
    for name, i, baseline, target, unit in (
        ("time to the first row", 0, "whole", 0.2, "s"),
        ("peak RSS", 2, "whole", 0.6, "MB"),
        ("peak RSS", 2, "floor", 1.2, "MB"),
        ("time to the last row", 1, "whole", 1.1, "s"),
    ):
        ours, base = median("streamed", i), median(baseline, i)
        ok = same and ours <= target * base
        label = "whole result first" if baseline == "whole" else "bare DuckDB, batches"
        section.add(Row(name, ours, base, label, f"≤ {target:g}×", ok, unit=unit, note=note))
    section.commands += [
        f"auditql query --db ARCHIVE --format csv {SQL!r}",
        f"python -c '{WHOLE}' ARCHIVE {SQL!r}",
        f"python -c '{FLOOR}' ARCHIVE {SORTED!r}",
    ]
    return section
