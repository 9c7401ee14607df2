"""`python -m bench.reingest_cpu`: issue 20's re-ingest and overlap targets in CPU time as well as wall time.

Why apart from `python -m bench --only ingest` (which times the same three ingests by the wall clock): on this
2-core machine shared by several sessions, wall time mostly measures the others' load; user + system CPU time
of the ingesting process (DuckDB's threads included) is what the code costs. Each ingest runs in a child
process, measured with getrusage(RUSAGE_CHILDREN); a pair is a first ingest into a new archive, the same file
again (all duplicates) and, on a copy of that first archive, an export overlapping it by half (the second half
new, the first half the same records: `bench.generate` with an offset).

Example:
  python -m bench.reingest_cpu --formats cja_csv,gigya_ndjson --size 250000 --repeat 3
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.generate import FORMATS, generate

RUN = (
    "import sys; from pathlib import Path; from auditql.ingest.run import ingest; "
    "r = ingest([Path(sys.argv[1])], Path(sys.argv[2])); print(sum(f.added for f in r.files))"
)


def ingest_cost(export: Path, db: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, events added) of one `ingest` of `export` into `db`, in a child process."""
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    done = subprocess.run([sys.executable, "-c", RUN, str(export), str(db)], capture_output=True, text=True)
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"ingest of {export} exited {done.returncode}: {done.stderr.strip()[-400:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, int(done.stdout.split()[-1])


def _fresh(db: Path, copy_of: Path | None = None) -> None:
    Path(str(db) + ".wal").unlink(missing_ok=True)
    db.unlink(missing_ok=True)
    if copy_of is not None:
        shutil.copy(copy_of, db)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.reingest_cpu", description=__doc__.split("\n\n")[0])
    ap.add_argument("--formats", default="cja_csv,gigya_ndjson", help="comma-separated keys of bench.generate.FORMATS")
    ap.add_argument("--size", type=int, default=250_000, help="records per export (default 250,000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each ingest; the median is taken")
    ap.add_argument("--work", type=Path, default=Path("/tmp/auditql-bench-reingest"), help="exports and archives")
    args = ap.parse_args(argv)
    print("| format | first ingest: wall, CPU | re-ingest: wall, CPU (ratio wall, CPU) | overlap by half: wall, CPU "
          "(ratio wall, CPU) | overlap added |")  # fmt: skip
    print("|---|---|---|---|---|")
    for key in args.formats.split(","):
        if key not in FORMATS:
            raise SystemExit(f"{key} is not a format; try one of: {', '.join(FORMATS)}")
        export = generate(key, args.work / "exports", args.size)
        half = generate(key, args.work / "exports", args.size, args.size // 2)
        db, first = args.work / "archive.duckdb", args.work / "first.duckdb"
        runs: dict[str, list[tuple[float, float, int]]] = {"first": [], "again": [], "overlap": []}
        for _ in range(args.repeat):
            _fresh(db)
            runs["first"].append(ingest_cost(export, db))
            shutil.copy(db, first)
            runs["again"].append(ingest_cost(export, db))
            _fresh(db, first)
            runs["overlap"].append(ingest_cost(half, db))
        med = {k: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v)) for k, v in runs.items()}
        (fw, fc), (aw, ac), (ow, oc) = med["first"], med["again"], med["overlap"]
        print(
            f"| {key} | {fw:.2f} s, {fc:.2f} s | {aw:.2f} s, {ac:.2f} s ({aw / fw:.2f}×, {ac / fc:.2f}×) "
            f"| {ow:.2f} s, {oc:.2f} s ({ow / fw:.2f}×, {oc / fc:.2f}×) | {runs['overlap'][-1][2]:,} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
