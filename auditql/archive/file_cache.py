"""The cached archive behind `auditql query Q FILES…`: one archive per set of files, built once and shared by
every process that queries those files.

Why it needs care: several queries on the same files may start at once (a script's loop, four terminals).
The archive is built under a temporary name and renamed into place only when complete, so its final name
never holds a half-built or empty archive; a lock file lets one process build while the others wait and
then reuse it (the kernel drops the lock of a process that dies); and an entry that does not open as an
archive of these files (damaged, or left by an older version that built in place) is built again.

A pointer file per stat key (path, size, mtime, ctime, inode of each file) remembers which archive the
files' content led to, and the archive's own size and mtime when it was found sound, so a repeat query
costs a few stat calls instead of hashing every file and opening the archive twice.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditql.ingest.run import Report

try:
    import fcntl
except ImportError:  # Windows: no lock; concurrent builders each build, and the last rename wins whole
    fcntl = None  # type: ignore[assignment]


def archive_for(
    files: list[Path], folder: Path, version: str, notify: Callable[[str], None] | None = None
) -> tuple[Path, Report | None]:
    """The archive of exactly `files` in `folder`, built if needed (then with its ingest report)."""
    stat_key = hashlib.sha256(version.encode())
    for f in files:
        st = f.stat()
        stat_key.update(
            f"{f.resolve()}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\n".encode(
                errors="surrogateescape"  # a file name that is not UTF-8 (bytes FF FE) keys the cache too
            )
        )
    pointer = folder / f"stat-{stat_key.hexdigest()[:24]}.key"
    known = _pointed(pointer)
    if known is not None:
        return known, None
    from auditql.ingest.custody import sha256_file

    content_key = hashlib.sha256(version.encode())
    for f in files:
        content_key.update(f"{f.resolve()}\0{sha256_file(f)}\n".encode(errors="surrogateescape"))
    db = folder / f"files-{content_key.hexdigest()[:24]}.duckdb"
    folder.mkdir(parents=True, exist_ok=True)
    report = None
    with _locked(db, notify):
        if not _sound(db, expect_sources=bool(files)):
            report = _build(files, db, notify)
        _point(pointer, db)
    return db, report


def _pointed(pointer: Path) -> Path | None:
    """The archive `pointer` names, if it is still the file that was found sound (same size and mtime)."""
    try:
        name, size, mtime = pointer.read_text().split()
        st = (pointer.parent / name).stat()
    except (OSError, ValueError):
        return None
    if (str(st.st_size), str(st.st_mtime_ns)) != (size, mtime):
        return None
    return pointer.parent / name


def _point(pointer: Path, db: Path) -> None:
    st = db.stat()
    partial = pointer.with_suffix(f".{os.getpid()}.partial")
    partial.write_text(f"{db.name} {st.st_size} {st.st_mtime_ns}\n")
    partial.replace(pointer)


@contextmanager
def _locked(db: Path, notify: Callable[[str], None] | None) -> Iterator[None]:
    """Hold `<db>.lock` exclusively: one process builds an entry, the others wait for it."""
    if fcntl is None:
        yield
        return
    with open(db.with_name(db.name + ".lock"), "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if notify:
                notify("another auditql process is reading these files; waiting for it …")
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _sound(db: Path, expect_sources: bool) -> bool:
    """Whether `db` opens as an archive, records the files it was built from, and reads to its last row
    (a truncated or overwritten file fails DuckDB's block checksums). Only when the pointer does not vouch
    for it: this reads the whole archive, as building it read every file."""
    if not db.is_file() or db.stat().st_size == 0:
        return False
    import duckdb

    from auditql.db import connections

    try:
        con = connections.archive_file(db, read_only=True)
    except duckdb.Error:
        return False
    try:
        (n,) = con.execute("SELECT count(*) FROM sources").fetchone() or (0,)
        con.execute("SELECT sum(hash(e)) FROM events e").fetchone()
    except duckdb.Error:
        return False
    finally:
        con.close()
    return n > 0 or not expect_sources


def _build(files: list[Path], db: Path, notify: Callable[[str], None] | None) -> Report:
    """Ingest into a name of this process's own, then rename over `db` (any stale WAL of `db` removed first,
    or DuckDB would replay it onto the new file)."""
    from auditql.ingest.run import ingest

    partial = db.with_name(f"{db.stem}.{os.getpid()}.partial.duckdb")
    _remove(partial)
    try:
        report = ingest(files, partial, notify=notify)
        _remove(db.with_name(db.name + ".wal"))
        os.replace(partial, db)
    finally:
        _remove(partial)
    return report


def _remove(db: Path) -> None:
    for path in (db, db.with_name(db.name + ".wal")):
        with suppress(FileNotFoundError):
            path.unlink()
