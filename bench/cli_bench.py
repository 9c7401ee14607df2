"""Items 3 and 4 — the one-shot CLI, as a user runs it from a shell: `auditql query` on an archive against a
bare `python -c "import duckdb; …"` doing the same query, `auditql --help` start-up (and which heavy modules
it imports), and `auditql query Q FILES…` first run against its repeat on unchanged files (content cache).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from bench.archive import Archive
from bench.measure import Row, Section, median_of, run_cmd, timed

BIN = Path(sys.executable).parent
AUDITQL = str(BIN / "auditql")
ONE_SHOT = [
    (
        "GROUP BY",
        "SELECT vendor, category, count(*) AS n FROM events GROUP BY vendor, category ORDER BY n DESC",
        "SELECT vendor, category, count(*) AS n FROM events GROUP BY vendor, category ORDER BY n DESC",
    ),
    (
        "canonical WHERE (failed logins, one week)",
        "category = 'login' AND outcome = 'failure' AND time >= '2025-06-01' AND time < '2025-06-08'",
        "SELECT * FROM events WHERE category = 'login' AND outcome = 'failure' "
        "AND time >= TIMESTAMPTZ '2025-06-01' AND time < TIMESTAMPTZ '2025-06-08' ORDER BY time",
    ),
]
BARE = (
    "import csv, sys, duckdb; con = duckdb.connect(sys.argv[1], read_only=True); con.execute(\"SET TimeZone='UTC'\"); "
    "cur = con.execute(sys.argv[2]); w = csv.writer(sys.stdout); w.writerow([d[0] for d in cur.description]); "
    "w.writerows(cur.fetchall())"
)
HEAVY = ("duckdb", "pyarrow", "prompt_toolkit", "IPython", "sqlglot", "pandas", "polars")


def compile_auditql() -> None:
    """Write auditql's bytecode, as a user's install has it (pip compiles on install; a checkout writes it on
    its first run). Without it, a shell that sets PYTHONDONTWRITEBYTECODE (as these machines do) charges
    every `auditql` run for compiling its modules again (~60 ms), which the bare baseline never pays: its
    duckdb came compiled with the wheel."""
    import compileall

    import auditql

    compileall.compile_dir(Path(auditql.__file__).parent, quiet=1)


# What a one-shot `auditql query` on an archive imports before its query runs (cli/query.py's order).
QUERY_IMPORTS = (
    "import auditql.cli.main, auditql.cli.query, auditql.query, auditql.api, auditql.output,"
    " auditql.frontend.query_input"
)


def import_times() -> tuple[float, float]:
    """Median ms of the top-level imports in `-X importtime` of `QUERY_IMPORTS`, and of `import duckdb` alone."""

    def total(code: str) -> float:
        proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True)
        # "import time: self [us] | cumulative | imported package"; a top-level import has no indent
        tops = [line.split("|") for line in proc.stderr.splitlines() if line.startswith("import time:")]
        return sum(int(c) for _, c, name in tops[1:] if not name.startswith("  ") and name.strip()) / 1000

    ours = statistics.median(total(QUERY_IMPORTS) for _ in range(5))
    bare = statistics.median(total("import duckdb") for _ in range(5))
    return ours, bare


def medians_in_turn(commands: list[Callable[[], str]], repeat: int) -> list[tuple[float, str]]:
    """Each command's median time and last output, the commands run in turn (a, b, a, b, …) after one untimed
    round: on a shared machine, load that comes and goes then weighs on both sides of a ratio alike."""
    times: list[list[float]] = [[] for _ in commands]
    outputs = [""] * len(commands)
    for round_number in range(repeat + 1):
        for i, command in enumerate(commands):
            took, outputs[i] = timed(command)
            if round_number:
                times[i].append(took)
    return [(statistics.median(t), out) for t, out in zip(times, outputs, strict=True)]


def run(archive: Archive, files: list[Path], work: Path, repeat: int) -> tuple[Section, Section]:
    cli = Section("3. One-shot CLI (subprocess, as from a shell)")
    compile_auditql()
    for name, ours, hand in ONE_SHOT:
        (t_ours, out), (t_bare, bare_out) = medians_in_turn(
            [
                lambda ours=ours: run_cmd([AUDITQL, "query", "--db", str(archive.db), ours, "--format", "csv"]),
                lambda hand=hand: run_cmd([sys.executable, "-c", BARE, str(archive.db), hand]),
            ],
            repeat,
        )
        n_ours, n_bare = len(out.splitlines()), len(bare_out.splitlines())
        note = f"{n_ours - 1:,} rows" + ("" if n_ours == n_bare else f" vs {n_bare - 1:,}: ANSWERS DIFFER")
        cli.add(
            Row(
                f"auditql query: {name}",
                t_ours,
                t_bare,
                "python -c duckdb",
                "≤ 1.3×",
                n_ours == n_bare and t_ours <= 1.3 * t_bare,
                note=note,
            )
        )
        cli.commands += [f"auditql query --db ARCHIVE {ours!r} --format csv", f"python -c '{BARE}' ARCHIVE {hand!r}"]
    t_help, _ = median_of(lambda: run_cmd([AUDITQL, "--help"]), max(5, repeat), warmup=1)
    t_py, _ = median_of(lambda: run_cmd([sys.executable, "-c", "pass"]), max(5, repeat), warmup=1)
    probe = "import sys; from auditql.cli.main import main; print(','.join(sorted(m for m in {} if m in sys.modules)))"
    loaded = run_cmd([sys.executable, "-c", probe.format(repr(HEAVY))]).strip() or "none"
    cli.add(
        Row(
            "auditql --help",
            t_help,
            t_py,
            "python -c pass",
            "≤ 0.25 s",
            t_help <= 0.25,
            note=f"heavy modules imported: {loaded}",
        )
    )
    cli.commands += ["auditql --help", "python -c pass"]
    ours_ms, duckdb_ms = import_times()
    cli.add(
        Row(
            "import time: everything `auditql query` imports before it runs (-X importtime)",
            ours_ms,
            duckdb_ms,
            "import duckdb",
            "",
            None,
            unit="ms",
            note="bytecode compiled; the sum of top-level imports (auditql.cli.main and what `query` loads)",
        )
    )
    cli.commands.append(f"python -X importtime -c {QUERY_IMPORTS!r}   vs   python -X importtime -c 'import duckdb'")

    cache = Section("4. Querying raw files directly: first run vs repeat (content-keyed cache)")
    question = "SELECT count(*) AS n FROM events WHERE endpoint LIKE 'socialize.%' AND errCode = '403042'"
    cache_dir = work / "query-cache"
    env = {"AUDITQL_CACHE": str(cache_dir)}
    args = [AUDITQL, "query", question, *map(str, files), "--format", "csv"]
    t_first, first = median_of(
        lambda: run_cmd(args, env), max(1, repeat - 1), setup=lambda: shutil.rmtree(cache_dir, ignore_errors=True)
    )
    t_again, again = median_of(lambda: run_cmd(args, env), repeat)
    cache.add(
        Row(
            "repeat on unchanged files",
            t_again,
            t_first,
            "first run",
            "≤ 0.1× (10× faster)",
            again == first and t_again * 10 <= t_first,
            note=f"answer {first.split()[-1]}",
        )
    )

    def touch() -> None:
        for f in files:
            os.utime(f)

    t_touch, touched = median_of(lambda: run_cmd(args, env), repeat, setup=touch)
    cache.add(
        Row(
            "after `touch` (same content, new mtime)",
            t_touch,
            t_first,
            "first run",
            "cache hit",
            touched == first and t_touch * 2 <= t_first,
            note="content hashed again, archive reused",
        )
    )
    cache.commands += [f"AUDITQL_CACHE=DIR auditql query {question!r} {' '.join(f.name for f in files)} --format csv"]
    against_polars(cache, files, t_first, first, repeat)
    return cli, cache


POLARS = (
    "import sys, polars as pl; print(pl.scan_ndjson(sys.argv[1]).filter(pl.col('endpoint').str.starts_with("
    "'socialize.') & (pl.col('errCode') == '403042')).select(pl.len()).collect().item())"
)


def against_polars(cache: Section, files: list[Path], t_first: float, first: str, repeat: int) -> None:
    """The first answer (which builds the cache) against polars scanning the Gigya file for the same count.
    Polars reads only the NDJSON: the Parquet export has no `endpoint` (auditql's answer counts none of its
    rows), so this baseline does less than auditql and is the stricter one."""
    try:
        import polars  # noqa: F401
    except ImportError:
        print("  skipped: first answer vs polars — polars is not installed (pip install polars)", flush=True)
        cache.notes.append("first answer vs polars: skipped, polars is not installed in this environment")
        return
    ndjson = next(f for f in files if f.suffix == ".ndjson")
    t_polars, answer = median_of(lambda: run_cmd([sys.executable, "-c", POLARS, str(ndjson)]), repeat)
    same = answer.strip() == first.split()[-1]
    note = f"answer {answer.strip()}" + ("" if same else f" vs {first.split()[-1]}: ANSWERS DIFFER")
    cache.add(Row("first run vs polars (scan_ndjson)", t_first, t_polars, "polars", "≤ 1.5×",
                  same and t_first <= 1.5 * t_polars, note=note))  # fmt: skip
    cache.commands.append(f"python -c {POLARS!r} {ndjson.name}")
