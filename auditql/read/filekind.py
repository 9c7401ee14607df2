"""What kind of thing a path is, for the places that read or write a file the user named.

A folder holding `_auditql/` is a Parquet dataset `auditql export` wrote (archive/dataset/layout.py), or what
is left of one: its files are an archive's tables, never exports. Ingest imports it with its custody
wherever it sits, named or inside a folder being ingested, and never reads its files as records (they would
be counted a second time, as `generic` events).

A device or FIFO named as an export to ingest never ends (`/dev/zero`, `/dev/urandom`) or blocks until a
writer comes (a FIFO); named as the file to write a result to, a FIFO blocks until a reader comes. Each is
refused with one line instead, by both `ingest` and `.export`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

DATASET_META = "_auditql"  # a dataset's own folder (archive/dataset/layout.py's META)

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def not_regular(path: Path) -> str | None:
    """What `path` (links followed) is when it exists and is not a regular file; None otherwise."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None  # absent (or unreadable): the caller's own open says so
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def is_duckdb_database(path: Path) -> bool:
    """Whether `path` holds a DuckDB database (its magic bytes `DUCK` at offset 8), e.g. an auditql archive:
    never an export to read, never a file for output to replace."""
    try:
        with path.open("rb") as fh:
            return fh.read(12)[8:12] == b"DUCK"
    except OSError:
        return False


def looks_like_dataset(folder: Path) -> bool:
    """A dataset, or what is left of one (`_auditql/` without its manifest: an export that did not finish)."""
    return (folder / DATASET_META).is_dir()


def datasets_within(paths: Iterable[Path]) -> list[Path]:
    """The datasets among `paths` and inside the folders among them, in sorted order; a dataset's own
    folders are not searched, nor hidden ones (as ingest's walk passes them over)."""
    found: list[Path] = []
    for path in paths:
        if not path.is_dir():
            continue
        if looks_like_dataset(path):
            found.append(path)
            continue
        for folder, children, _files in os.walk(path):
            children.sort()
            here = Path(folder)
            for name in list(children):
                if name.startswith(".") or not looks_like_dataset(here / name):
                    continue
                found.append(here / name)
                children.remove(name)
            children[:] = [c for c in children if not c.startswith(".")]
    return sorted(dict.fromkeys(found))
