"""Which files an ingest reads, and what identifies their bytes: folders expanded (hidden files, OS junk and
links out of the folder refused or passed over), names made storable, each file stat'ed, then hashed and its
line layout scanned in one read, and refused if it changed in between (issue 14 D). Apart from ingest/run.py:
this is about files on disk, before any DuckDB work."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditql.errors import InputError
from auditql.read import formats
from auditql.read import text as textfile
from auditql.read.filekind import datasets_within, is_duckdb_database, not_regular

SKIP_NAMES = {".DS_Store", "Thumbs.db"}
# Inside a folder only export-like files are taken (a README or script beside the exports is not a log);
# a file named explicitly is always read, whatever its extension.
DATA_SUFFIXES = {".csv", ".tsv", ".txt", ".json", ".ndjson", ".jsonl", ".parquet", ".zip", ".gz"}


def expand(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given; folders recursively in sorted order (hidden files and OS junk skipped).

    What cannot be read as an export is refused before anything is stored, with one line naming it: a
    device, FIFO or socket named explicitly (reading one never ends, or blocks), and a symbolic link inside
    a folder that leads out of it (`x.csv -> /etc/passwd`: a folder is what the user vouched for, as a zip is;
    name the target itself to ingest it). A link that loops or dangles is no file and is passed over, so the
    folder's other files are still read. The files of a Parquet dataset inside a folder are its archive's
    tables, not exports: passed over here (read/filekind.py)."""
    for path in paths:
        if path.is_dir():
            root = path.resolve()
            datasets = set(datasets_within([path]))  # imported with their custody (api.ingest), never read here
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path).parts
                hidden = any(p.startswith(".") for p in rel) or child.name in SKIP_NAMES
                if hidden or child.suffix.lower() not in DATA_SUFFIXES or not child.is_file():
                    continue
                if datasets and not datasets.isdisjoint(child.parents):
                    continue
                target = child.resolve()
                if target != root and root not in target.parents:
                    raise InputError(
                        display_name(child),
                        f"a symbolic link out of the folder (to {display_name(target)}): refused; "
                        "ingest the file it points to by naming it",
                    )
                yield child
        elif path.exists():
            if kind := not_regular(path):
                raise InputError(display_name(path), f"not a regular file ({kind}): refused, nothing read")
            if is_duckdb_database(path):  # read as an export it was rejected; the archive itself, on record
                raise InputError(  # with a hash that changes as it is written, failed every later verify
                    display_name(path),
                    "a DuckDB database (an auditql archive?), not an export: refused, nothing read; to merge "
                    "archives, `auditql export --db THAT --to DIR`, then ingest DIR",
                )
            yield path
        else:
            raise InputError(str(path), "no such file or folder")


def display_name(path: Path) -> str:
    """The path as text that can be stored and printed: a name that is not UTF-8 (bytes a file system allows)
    keeps its bytes as `\\xff` escapes instead of failing in DuckDB (`std::bad_cast`)."""
    return os.fsencode(str(path)).decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class Snapshot:
    """What identifies a file's bytes without reading them: a change between two snapshots means the bytes
    hashed may not be the bytes read."""

    size: int
    mtime_ns: int
    inode: int
    device: int


def scan(
    path: Path, watcher: Any = None, display: str = "", held_size: Callable[[int], bool] | None = None
) -> tuple[Snapshot, textfile.Scanned]:
    """The file's stat, then one read of it: SHA-256 and line layout (`watcher`, a progress line, is told the
    file, the bytes read, then its lines). When `held_size` says a file of its size is on record, the read
    only hashes: the file is probably presented again, which needs no layout (a third of a re-ingest's scan
    of a Gigya NDJSON); a new file of that size has its layout scanned by the reader, in a second read."""
    before = snapshot(path)
    lines = formats.sniff_kind(path) != "parquet" and not (held_size is not None and held_size(before.size))
    if watcher is None:
        return before, textfile.scan_file(path, lines=lines)
    watcher.file(display, before.size)
    scanned = textfile.scan_file(path, lines=lines, on_read=watcher.read)
    watcher.loading(scanned.layout.lines if scanned.layout else None)
    return before, scanned


def snapshot(path: Path) -> Snapshot:
    st = path.stat()
    return Snapshot(st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


def unchanged(path: Path, display: str, before: Snapshot) -> None:
    """Refuse the file if it changed or vanished since it was stat'ed before hashing (issue 14 D)."""
    try:
        after = snapshot(path)
    except FileNotFoundError:
        raise InputError(display, "disappeared while it was being read; nothing from it stored") from None
    if after != before:
        raise InputError(display, "changed while it was being read; nothing from it stored")
