"""A one-shot `auditql query` pays for every module it imports on each run, so the query path imports only
what answering a query needs: not ingest, the Parquet dataset package, pyarrow or the front ends."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("duckdb", "sqlglot", "pyarrow", "pandas", "polars", "prompt_toolkit", "IPython", "tabulate")
INGEST_SIDE = (
    "auditql.ingest.run",
    "auditql.ingest.plan",
    "auditql.read.unpack",
    "auditql.archive.dataset",
    "auditql.archive.dataset.reader",
    "auditql.archive.parquet_dataset",
)


def loaded_after(args: list[str], watch: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Run `auditql ARGS` in a fresh interpreter; its stdout lines and which of `watch` it imported."""
    code = (
        f"import sys; sys.argv = ['auditql', *{args!r}]\n"
        "from auditql.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        f"import json; print(json.dumps(sorted(m for m in {watch!r} if m in sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    return lines[:-1], json.loads(lines[-1])


def test_query_help_imports_no_heavy_module() -> None:
    out, loaded = loaded_after(["query", "--help"], HEAVY + INGEST_SIDE)
    assert any(line.strip() == "Example:" for line in out)
    assert loaded == []


def test_a_one_shot_query_imports_neither_ingest_nor_pyarrow(sample_db: Path, expected: dict) -> None:
    text = "SELECT vendor, count(*) AS n FROM events GROUP BY vendor ORDER BY vendor"
    out, loaded = loaded_after(["query", "--db", str(sample_db), text, "--format", "csv"], HEAVY + INGEST_SIDE)
    assert out == ["vendor,n"] + [f"{v},{e['unique_events']}" for v, e in sorted(expected["vendors"].items())]
    assert loaded == ["duckdb", "sqlglot"]  # what a query needs; CSV output needs no tabulate either
