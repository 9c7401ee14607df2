"""Archives as wholes: open one read-only, ingest files (or import a dataset) into it, verify its custody,
export it. Which storage `db` is (a DuckDB file, a Parquet dataset folder) is decided by `archive.at`, never
here, nor in any front end.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditql import archive
from auditql.api.translation import prepare
from auditql.db import archive_file as engine
from auditql.errors import UsageError

if TYPE_CHECKING:  # imported where they run: a one-shot query need not load ingest nor the dataset package
    from auditql.archive.dataset.export import ExportSummary
    from auditql.ingest.custody import Verification
    from auditql.ingest.run import Report
    from auditql.read.unpack import Limits

# A reader connection, as front ends hold it: they pass it back to the functions here, never use it.
Connection = archive.Connection


def archive_for_files(paths: Iterable[Path], notify: Callable[[str], None] | None = None) -> tuple[Path, Report | None]:
    """A cached archive of exactly these files, for `auditql query Q FILES…` without `--db`.

    Keyed by content: each file's path and SHA-256 (and the tool version), so a repeat on unchanged files
    reuses the archive, a file copied back or merely touched still hits, and any change of bytes makes a
    fresh one. Built once and shared safely between concurrent processes (`file_cache`).
    """
    from auditql import __version__
    from auditql.archive.file_cache import archive_for
    from auditql.ingest.run import expand
    from auditql.read.filekind import datasets_within

    paths = list(paths)
    if datasets := datasets_within(paths):  # its files are an archive's tables, not exports to cache
        raise UsageError(
            f"{datasets[0]}: a Parquet dataset auditql wrote, not an export; query it with `--db {datasets[0]}`, "
            "or ingest it into an archive with `auditql ingest --db FILE` first"
        )
    return archive_for(sorted(expand(paths)), engine.cache_dir(), __version__, notify)


def default_db_path() -> Path:
    """`$AUDITQL_DB`, else `archive.duckdb` in the user's data directory."""
    return engine.default_db_path()


def default_memory_limit() -> int:
    """Half the machine's RAM in bytes (what `--memory-limit 50%` means); 0 where it cannot be known."""
    from auditql.db.connections import default_memory_limit as half_the_ram

    return half_the_ram()


def reader(db: Path, notify: Callable[[str], None] | None = None, memory_limit: int | None = None) -> Connection:
    """A read-only, sandboxed reader of the archive at `db` (the caller closes it, or uses `opened`); pass it
    to `prepare`, `run`, `stream`, `catalog` and the listings below. memory_limit: bytes for the process."""
    return archive.at(db).reader(notify=notify, memory_limit=memory_limit)


@contextlib.contextmanager
def opened(
    db: Path, notify: Callable[[str], None] | None = None, memory_limit: int | None = None
) -> Iterator[Connection]:
    """`reader(db)` for the length of a block, closed after it (an archive file's readers hold no lock, but
    a reader left open holds its memory and, on Windows, the file)."""
    con = reader(db, notify, memory_limit)
    try:
        yield con
    finally:
        con.close()


def ingest(
    paths: Iterable[Path],
    db: Path,
    vendor: str | None = None,
    mappings: Iterable[Path] = (),
    limits: Limits | None = None,
    progress: Callable[[str], None] | None = None,
    notify: Callable[[str], None] | None = None,
    memory_limit: int | None = None,
    **options: Any,
) -> Report:
    """Ingest files, folders and .zip/.gz exports into the archive at `db` (a DuckDB file, created when
    missing, or a Parquet dataset folder), with the same accounting either way. `options` pass through to
    the ingest (auditql/ingest/run.py) unchanged. A dataset `auditql export` wrote, named among `paths` or
    inside a folder among them, is imported with its custody (archive/dataset/importer.py), not read as a
    folder of exports; datasets first, then the files, as for a dataset named on its own."""
    from auditql.read.filekind import datasets_within

    paths, mappings = list(paths), list(mappings)
    # named or inside a folder: its files would be read as "generic" events, every event counted twice; the
    # dataset being ingested into, inside a folder being ingested, is passed over (named, it is refused)
    target = db.resolve()
    datasets = [d for d in datasets_within(paths) if d in paths or d.resolve() != target]
    into = archive.at(db)
    if not datasets:
        return into.ingest(paths, vendor, mappings, limits, progress, notify, memory_limit=memory_limit, **options)
    if (vendor or mappings) and any(d in paths for d in datasets):
        raise UsageError(f"{datasets[0]}: a dataset's events are mapped already; --vendor and --mapping do not apply")
    reports = [into.import_dataset(dataset, progress, notify, memory_limit=memory_limit) for dataset in datasets]
    if files := [p for p in paths if p not in datasets and not (p.is_dir() and _only_datasets(p))]:
        more = into.ingest(files, vendor, mappings, limits, progress, notify, memory_limit=memory_limit, **options)
        reports.append(more)
    reports[0].files = [f for r in reports for f in r.files]
    reports[0].head = reports[-1].head
    return reports[0]


def _only_datasets(folder: Path) -> bool:
    """Whether the folder holds nothing to ingest besides datasets (so it is not an empty folder of exports)."""
    from auditql.ingest.files import expand

    return next(iter(expand([folder])), None) is None


def verify(db: Path, rehash: bool = True, anchor: str | None = None) -> Verification:
    """Check the chain of custody of the archive at `db` (ingest/custody.py; a dataset names the part file of an
    edited event). rehash: re-hash the source files still at their recorded path."""
    source = archive.at(db)
    con = source.reader()
    try:
        return source.verify(con, rehash=rehash, anchor=anchor)
    finally:
        con.close()


def export(
    db: Path,
    target: Path,
    text: str | None = None,
    partition_by: tuple[str, ...] | None = None,
    overwrite: bool = False,
) -> ExportSummary:
    """Write the archive at `db`, or the result of the query `text` on it, as a Parquet dataset at `target`
    (docs/scale.md); the query runs sandboxed like any other."""
    return archive.at(db).export(target, prepare, text, partition_by, overwrite)


def parse_partition_by(text: str) -> tuple[str, ...]:
    """`vendor,date` → ("vendor", "date"); `none` → no partitioning; a miss names the valid keys."""
    from auditql.archive.dataset.layout import parse_partition_by as parse

    return parse(text)


def is_dataset(db: Path) -> bool:
    """Whether `db` is a Parquet dataset (what `--engine spark` reads) rather than a DuckDB file."""
    return archive.at(db).kind == "dataset"


def dataset_layout(db: Path) -> tuple[Path, list[str]]:
    """A Parquet dataset's events folder (hive-partitioned part files) and its columns in order, for an
    engine that reads the files itself (Spark)."""
    from auditql.archive.dataset.layout import EVENTS, read_manifest

    return db / EVENTS, [c["name"] for c in read_manifest(db)["columns"]]
