"""`python -m bench.before_after --before DIR`: ingest throughput of this tree against another (a git worktree
of an earlier commit with its own `.venv`), measured by each tree's own `python -m bench --only ingest`.

Why: "within 10% of the code before" is a claim about two versions, and on a shared machine two runs minutes
apart do not compare. So the two trees take turns format by format (before, after, before, after, …), each
pair under the same load, and the table shows each pair's after/before ratio of medians, so the spread
between pairs is visible next to the median ratio.

Example:
  git worktree add /tmp/wt-before 6d4d188 && (cd /tmp/wt-before && python3 -m venv .venv && .venv/bin/pip install -e .)
  python -m bench.before_after --before /tmp/wt-before --size 250000 --repeat 3 --pairs 2
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import subprocess
import sys
from pathlib import Path

from bench.generate import FORMATS

ROOT = Path(__file__).resolve().parent.parent
# The first row `python -m bench` prints per format: "  KEY (vendor, N MB, N added) | 2.68 s | by hand 1.2 s | 2.22× …"
ROW = re.compile(r"^\s+(\w+) \([^)]*added\) \| ([0-9.]+) (s|ms) \| by hand ([0-9.]+) (s|ms) ")


def _seconds(value: str, unit: str) -> float:
    return float(value) / (1000 if unit == "ms" else 1)


# One ingest of the bench's export into a fresh archive, for its CPU time (the process's user + system time,
# DuckDB's threads included): on a loaded machine, wall time mostly measures the other processes.
CPU_RUN = (
    "import sys; from pathlib import Path\n"
    "try:\n    from auditql.ingest.run import ingest\n"
    "except ImportError:  # before the layout move: auditql/ingest.py\n"
    "    from auditql.ingest import ingest\n"
    "ingest([Path(sys.argv[1])], Path(sys.argv[2]))"
)


def _python(tree: Path) -> str:
    venv = tree / ".venv" / "bin" / "python"  # the other tree's own install; this tree: this interpreter
    return sys.executable if tree == ROOT or not venv.exists() else str(venv)


def cpu_seconds(tree: Path, key: str, size: int, work: Path, export: Path | None = None) -> float:
    """User + system CPU seconds of one ingest of the export `tree`'s bench generated (the same bytes for
    both trees: offset 0), or of `export`, measured with getrusage(RUSAGE_CHILDREN) around the child process."""
    export = export or work / "exports" / f"{size}_0_{FORMATS[key].filename}"
    db = work / "cpu.duckdb"
    for stale in (db, Path(str(db) + ".wal")):
        stale.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [_python(tree), "-c", CPU_RUN, str(export), str(db)], cwd=tree, capture_output=True, text=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    db.unlink(missing_ok=True)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: the CPU-time ingest exited {done.returncode}: {done.stderr.strip()[-400:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(tree: Path, key: str, size: int, repeat: int, work: Path) -> tuple[float, float]:
    """(median ingest, median by-hand) seconds for one format, by `tree`'s own bench."""
    python = _python(tree)
    args = [python, "-m", "bench", "--only", "ingest", "--formats", key]
    args += ["--size", str(size), "--repeat", str(repeat), "--work", str(work)]
    done = subprocess.run(args, cwd=tree, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: python -m bench exited {done.returncode}: {done.stderr.strip()[-400:]}")
    for line in done.stdout.splitlines():
        if (m := ROW.match(line)) and m.group(1) == key:
            return _seconds(m.group(2), m.group(3)), _seconds(m.group(4), m.group(5))
    raise SystemExit(f"{tree}: no ingest row for {key} in the bench output")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.before_after", description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", type=Path, required=True, help="the other tree (with its own .venv)")
    ap.add_argument("--size", type=int, default=250_000, help="records per export (default 250,000)")
    ap.add_argument("--repeat", type=int, default=3, help="ingests per measurement; the median is taken")
    ap.add_argument("--pairs", type=int, default=2, help="before/after pairs per format")
    ap.add_argument("--formats", default=",".join(FORMATS), help="comma-separated keys of bench.generate.FORMATS")
    ap.add_argument("--work", type=Path, default=Path("/tmp/auditql-bench-pairs"), help="exports and archives")
    ap.add_argument(
        "--cpu-only",
        action="store_true",
        help="only the CPU time of one ingest per turn, of one export this tree generates (no `python -m bench`)",
    )
    args = ap.parse_args(argv)
    if args.cpu_only:
        return cpu_only(args)
    trees = {"before": args.before.resolve(), "after": ROOT}
    rows = []
    for key in args.formats.split(","):
        runs: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
        cpu: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(args.pairs):
            for side, tree in trees.items():
                runs[side].append(measure(tree, key, args.size, args.repeat, args.work / side))
                cpu[side].append(cpu_seconds(tree, key, args.size, args.work / side))
                print(
                    f"{key} {side}: {runs[side][-1][0]:.2f} s (by hand {runs[side][-1][1]:.2f} s), "
                    f"CPU {cpu[side][-1]:.2f} s",
                    flush=True,
                )
        ratios = [a[0] / b[0] for b, a in zip(runs["before"], runs["after"], strict=True)]
        cpu_ratios = [a / b for b, a in zip(cpu["before"], cpu["after"], strict=True)]
        rows.append((key, runs, ratios, cpu, cpu_ratios))
    print(
        "\n| format | before (vs by hand) | after (vs by hand) | after / before, per pair | median "
        "| CPU before | CPU after | CPU after / before, per pair | median |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for key, runs, ratios, cpu, cpu_ratios in rows:
        cells = []
        for side in ("before", "after"):
            t = statistics.median(r[0] for r in runs[side])
            hand = statistics.median(r[0] / r[1] for r in runs[side])
            cells.append(f"{t:.2f} s ({hand:.2f}×)")
        pairs = ", ".join(f"{r:.2f}×" for r in ratios)
        cpu_cells = [f"{statistics.median(cpu[side]):.2f} s" for side in ("before", "after")]
        cpu_pairs = ", ".join(f"{r:.2f}×" for r in cpu_ratios)
        print(
            f"| {key} | {cells[0]} | {cells[1]} | {pairs} | {statistics.median(ratios):.2f}× "
            f"| {cpu_cells[0]} | {cpu_cells[1]} | {cpu_pairs} | {statistics.median(cpu_ratios):.2f}× |"
        )
    return 0


def cpu_only(args: argparse.Namespace) -> int:
    """The CPU columns alone: per format, `--pairs` turns of before then after, each one ingest of the same
    export (generated here once, so both trees read the same bytes) into a new archive in a child process."""
    from bench.generate import generate

    trees = {"before": args.before.resolve(), "after": ROOT}
    print("| format | CPU before | CPU after | after / before, per pair | median |")
    print("|---|---|---|---|---|")
    for key in args.formats.split(","):
        export = generate(key, args.work / "exports", args.size)
        cpu: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(args.pairs):
            for side, tree in trees.items():
                (args.work / side).mkdir(parents=True, exist_ok=True)
                cpu[side].append(cpu_seconds(tree, key, args.size, args.work / side, export))
        ratios = [a / b for b, a in zip(cpu["before"], cpu["after"], strict=True)]
        cells = [f"{statistics.median(cpu[side]):.2f} s" for side in trees]
        pairs = ", ".join(f"{r:.2f}×" for r in ratios)
        print(f"| {key} | {cells[0]} | {cells[1]} | {pairs} | {statistics.median(ratios):.2f}× |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
