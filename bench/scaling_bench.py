"""Item 1c — ingest scales linearly: the time per record of one export at a quarter, one and four times
`--size` records, against the time per record at a quarter (issue 20: "250k -> 1M -> 4M records linear
within 15% per record").

Why its own section: a cost that grows faster than the records (a sort, an ordered aggregate held in memory,
a join that spills) hides in a single size's ratio against the by-hand floor. One ingest per size into a
fresh archive (the biggest takes about a minute); the exports are bench/generate.py's, as in section 1.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from auditql.ingest.run import ingest
from bench.generate import generate
from bench.ingest_bench import scratch_archive
from bench.measure import Row, Section, median_of

FORMATS = ("gigya_ndjson", "cja_csv")
TARGET = 1.15


def run(work: Path, size: int, repeat: int, formats: tuple[str, ...] = FORMATS) -> Section:
    section = Section(f"1c. Ingest scaling: seconds per record at {size // 4:,}, {size:,} and {size * 4:,} records")
    for key in formats:
        sizes = (size // 4, size, size * 4)
        per_record: list[float] = []
        for n in sizes:
            path = generate(key, work / "exports", n)
            tmp, db, fresh = scratch_archive(work, "bench-scaling-")
            # The biggest size once: a minute per run, and its spread is the smallest.
            t, report = median_of(lambda path=path, db=db: ingest([path], db), 1 if n > size else repeat, setup=fresh)
            added = sum(f.added for f in report.files)
            if added != n:
                raise RuntimeError(f"{key} at {n:,}: {added:,} added")
            shutil.rmtree(tmp, ignore_errors=True)
            per_record.append(t / n)
            base = per_record[0]
            name = f"{key} at {n:,} records ({t:.1f} s): µs per record"
            if n == sizes[0]:
                section.add(Row(name, t / n * 1e6, None, "", "", None, unit="µs"))
            else:
                ok = t / n <= TARGET * base
                section.add(Row(name, t / n * 1e6, base * 1e6, f"at {sizes[0]:,}", f"≤ {TARGET:.2f}×", ok, unit="µs"))
    return section
