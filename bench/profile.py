"""Where an ingest's time goes, statement by statement: the evidence behind the ingest ratios (and the list
of what would have to change to close them). The writer connection is wrapped so every SQL statement
auditql runs is timed; what is left of the wall time is Python (hashing, sniffing, orchestration).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from auditql.db import archive_file
from auditql.ingest import run as ingest_module
from bench.measure import Row, Section


class TimedConnection:
    """Forwards everything to the real connection; `execute` also records (seconds, first line of SQL)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, log: list[tuple[float, str]]):
        self._con, self._log = con, log

    def execute(self, sql: str, *args: Any) -> Any:
        started = time.perf_counter()
        result = self._con.execute(sql, *args)
        first = " ".join(sql.split())[:90]
        self._log.append((time.perf_counter() - started, first))
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def profile(path: Path, work: Path) -> tuple[float, list[tuple[float, str]]]:
    log: list[tuple[float, str]] = []
    real = archive_file.writer

    @contextmanager
    def timed_writer(*args: Any, **kwargs: Any) -> Iterator[Any]:
        with real(*args, **kwargs) as con:
            yield TimedConnection(con, log)

    db = work / "profile.duckdb"
    db.unlink(missing_ok=True)
    ingest_module.archive_file.writer = timed_writer  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        ingest_module.ingest([path], db)
        total = time.perf_counter() - started
    finally:
        ingest_module.archive_file.writer = real  # type: ignore[assignment]
        db.unlink(missing_ok=True)
    return total, log


def run(paths: dict[str, Path], work: Path, top: int = 7) -> Section:
    section = Section("1b. Where ingest time goes (one run per file, each SQL statement timed)")
    for key, path in paths.items():
        total, log = profile(path, work)
        merged: dict[str, float] = {}
        for seconds, sql in log:
            merged[sql] = merged.get(sql, 0.0) + seconds
        ranked = sorted(merged.items(), key=lambda kv: -kv[1])
        for sql, seconds in ranked[:top]:
            section.add(Row(f"{key}: {sql}", seconds, total, "whole ingest", "", None, note=f"{seconds / total:.0%}"))
        rest = total - sum(s for s, _ in log)
        section.add(
            Row(
                f"{key}: Python (hashing, sniffing, orchestration)",
                rest,
                total,
                "whole ingest",
                "",
                None,
                note=f"{rest / total:.0%}",
            )
        )
    return section
