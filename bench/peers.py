"""Item 5 — peers side by side: the same Gigya NDJSON export and the same question, each tool run once per
repeat as a one-shot command (the way an incident responder would reach for it), with its answer shown.

Every peer reads the raw file each time; auditql is shown twice: its first run (which builds the cached
archive of the file) and a repeat (which reuses it). A peer that is not installed is skipped with a note.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.measure import Row, Section, median_of, run_cmd

QUESTION = "how many socialize.* calls failed with errCode 403042?"
WHERE_SQL = "endpoint LIKE 'socialize.%' AND errCode = '403042'"
LNAV_FORMAT = {
    "$schema": "https://lnav.org/schemas/format-v1.schema.json",
    "gigya_audit": {
        "title": "SAP CDC (Gigya) audit log NDJSON",
        "description": "One Gigya audit record per line.",
        "json": True,
        "file-pattern": r".*\.ndjson",
        "timestamp-field": "timestamp",
        "value": {
            "endpoint": {"kind": "string", "identifier": True},
            "errCode": {"kind": "string", "identifier": True},
            "callID": {"kind": "string"},
        },
    },
}


def _py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def commands(path: Path, work: Path) -> dict[str, tuple[list[str], dict[str, str], Callable[[str], str]]]:
    """peer -> (argv, extra environment, answer parser)."""
    bin_dir = Path(sys.executable).parent
    last = lambda out: out.split()[-1].strip('"') if out.split() else "?"  # noqa: E731
    duck = (
        'import duckdb; print(duckdb.connect().execute("SELECT count(*) FROM read_json_objects('
        f"'{path}', format = 'newline_delimited') WHERE json ->> '$.endpoint' LIKE 'socialize.%' "
        "AND json ->> '$.errCode' = '403042'\").fetchall()[0][0])"
    )
    chdb = (
        f"import chdb; print(chdb.query(\"SELECT count() FROM file('{path}', JSONEachRow) WHERE {WHERE_SQL}\", 'CSV'))"
    )
    polars = (
        f"import polars as pl; print(pl.scan_ndjson('{path}').filter(pl.col('endpoint').str.starts_with("
        "'socialize.') & (pl.col('errCode') == '403042')).select(pl.len()).collect().item())"
    )
    link = work / "gigya.ndjson"
    if not link.exists():
        link.symlink_to(path)
    lnav_home = work / "lnav-home"
    fmt = lnav_home / ".lnav" / "formats" / "installed" / "gigya_audit.json"
    fmt.parent.mkdir(parents=True, exist_ok=True)
    fmt.write_text(json.dumps(LNAV_FORMAT))
    return {
        "hand-written DuckDB (python -c)": (_py(duck), {}, last),
        "clickhouse-local (chdb)": (_py(chdb), {}, last),
        "polars (scan_ndjson)": (_py(polars), {}, last),
        "sqlite-utils memory": (
            [
                str(bin_dir / "sqlite-utils"),
                "memory",
                f"{link}:nl",
                f"SELECT count(*) FROM gigya WHERE {WHERE_SQL}",
                "--csv",
                "--no-headers",
            ],
            {},
            last,
        ),
        "lnav (with a JSON format file)": (
            ["lnav", "-n", "-c", f";SELECT count(*) AS n FROM gigya_audit WHERE {WHERE_SQL}", str(link)],
            {"HOME": str(lnav_home)},
            last,
        ),
    }


def available(argv: list[str]) -> str | None:
    """None if the peer can run here, else why not."""
    if argv[0] == sys.executable:
        module = argv[2].split()[1].rstrip(";")
        try:
            __import__(module)
        except ImportError:
            return f"{module} not installed (pip install '.[bench]')"
        return None
    return None if shutil.which(argv[0]) else f"{Path(argv[0]).name} not installed"


def run(path: Path, work: Path, repeat: int) -> Section:
    section = Section(f"5. Peers: {QUESTION} ({path.stat().st_size / 2**20:.0f} MB Gigya NDJSON, one-shot commands)")
    tmp = Path(tempfile.mkdtemp(prefix="bench-peers-", dir=work))
    bin_dir = Path(sys.executable).parent
    question = f"SELECT count(*) AS n FROM events WHERE {WHERE_SQL}"
    cache = tmp / "cache"
    ours = [str(bin_dir / "auditql"), "query", question, str(path), "--format", "csv"]
    env = {"AUDITQL_CACHE": str(cache)}
    t_cold, cold = median_of(
        lambda: run_cmd(ours, env), max(1, repeat - 1), setup=lambda: shutil.rmtree(cache, ignore_errors=True)
    )
    t_warm, warm = median_of(lambda: run_cmd(ours, env), repeat)
    answers = {"auditql": cold.split()[-1]}
    peers = commands(path, tmp)
    t_duck = None
    results: list[tuple[str, float, str]] = []
    for name, (argv, penv, parse) in peers.items():
        why = available(argv)
        if why:
            section.notes.append(f"{name}: skipped, {why}")
            continue
        try:
            t, out = median_of(lambda argv=argv, penv=penv: run_cmd(argv, penv), repeat if "sqlite" not in name else 1)
        except RuntimeError as exc:
            section.notes.append(f"{name}: failed: {exc}")
            continue
        results.append((name, t, parse(out)))
        if name.startswith("hand-written"):
            t_duck = t
        section.commands.append(f"{name}: {' '.join(argv)}")
    section.commands.append(f"auditql: AUDITQL_CACHE=DIR {' '.join(ours[1:])}")
    for label, t, answer in (
        ("auditql, first run (builds the cache)", t_cold, answers["auditql"]),
        ("auditql, repeat (cached archive)", t_warm, warm.split()[-1]),
    ):
        slower = [n for n, tp, _ in results if not n.startswith("hand-written") and tp < t]
        ok = not slower and all(a == answer for _, _, a in results)
        section.add(
            Row(
                label,
                t,
                t_duck,
                "hand DuckDB" if t_duck else "",
                "faster than non-DuckDB peers",
                ok,
                note=f"answer {answer}" + (f"; slower than {', '.join(slower)}" if slower else ""),
            )
        )
    for name, t, answer in results:
        agree = "" if answer == answers["auditql"] else " DISAGREES"
        section.add(Row(name, t, t_duck, "hand DuckDB" if t_duck else "", "", None, note=f"answer {answer}{agree}"))
    return section
