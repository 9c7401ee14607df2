"""The hostile-input corpus (issue #7): bad files and archives, each with the outcome auditql promises.

Nothing here is committed as data: `build(dest)` writes every case deterministically (bombs included —
they are made with zipfile tricks in a few KB, never by compressing gigabytes) and returns the cases.
`tests/test_corpus.py` runs each through the real CLI; `scorecard.py` turns the results into
`docs/reliability.md`. Run it as a script to get the files for manual poking:

    .venv/bin/python tests/corpus/make_corpus.py /tmp/corpus

Layout: `case.py` (what a case promises), `content.py` (vendor-shaped content, zip tricks), one
`*_cases.py` per category; contents use real vendor shapes (Resolver CSV headers, Gigya NDJSON fields, the
SAS CI360 Parquet sample) so vendor detection works and a case fails only for the reason it was built for.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `corpus` importable as under pytest
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus import archive_cases, csv_cases, folder_cases, json_cases, parquet_cases
from corpus.case import CLEAN, MEMBER, RECORDS, REFUSED, WHOLE_ARCHIVE, WHOLE_FILE, Case, Reject

__all__ = [
    "CLEAN", "MEMBER", "RECORDS", "REFUSED", "WHOLE_ARCHIVE", "WHOLE_FILE", "Case", "Reject", "build", "cases", "write",
]  # fmt: skip

BUILDERS: tuple[Callable[[], list[Case]], ...] = (
    archive_cases.archive_cases,
    csv_cases.csv_cases,
    csv_cases.wide_cases,
    json_cases.json_cases,
    json_cases.time_cases,
    json_cases.encoding_cases,
    parquet_cases.parquet_cases,
    parquet_cases.shape_cases,
    folder_cases.folder_cases,
)


def cases() -> list[Case]:
    return [case for builder in BUILDERS for case in builder()]


def write(case: Case, dest: Path) -> Path:
    """Write the case's files under `dest/<case id>/`; returns the file to ingest."""
    folder = dest / case.id
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in case.files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data if isinstance(data, bytes) else data())
    for name, points_to in case.links:
        (folder / name).symlink_to(points_to)
    for name in case.fifos:
        os.mkfifo(folder / name)
    return folder / case.target  # an absolute target (/dev/zero) stays itself


def build(dest: Path) -> list[Case]:
    """Write every case under `dest/<case id>/` and return the cases."""
    built = cases()
    for case in built:
        write(case, dest)
    return built


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")
    for c in build(out):
        print(f"{c.category:8} {c.id:32} {c.target}")
