"""Where things live in a dataset, and the few file operations that keep it consistent.

A dataset is a folder other engines can read as it is (Spark, Trino, DuckDB, pandas):

    DIR/events/vendor=sap_cdc/date=2025-11-20/part-<uuid>.parquet   the canonical rows, zstd Parquet
    DIR/_auditql/manifest.json                                       what the folder holds and how it is cut
    DIR/_auditql/{sources,fields,column_values,rejects}.parquet      the archive's catalog tables
    DIR/_auditql/{deliveries,manifest}.parquet                       every record delivered; chain of custody

Hive-style `key=value` folders are what every engine's partition discovery understands, so a query that
names a vendor or a time range opens only the matching folders. `date` is the UTC day of `time`; it exists
only as a folder name, never as a column of the canonical table.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditql.errors import ArchiveBusy, ArchiveDamaged, UsageError
from auditql.read.filekind import DATASET_META
from auditql.sql import error_line, sql_str
from auditql.tables import CATALOG_TABLES, LARGE_CATALOG_TABLES

__all__ = ["CATALOG_TABLES", "LARGE_CATALOG_TABLES"]  # re-exported: where a dataset keeps them

EVENTS = "events"
META = DATASET_META  # read/filekind.py: ingest knows a dataset by it, wherever it sits
MANIFEST = "manifest.json"
FORMAT_NAME = "auditql-dataset"
FORMAT_VERSION = 1
# The catalog tables (auditql/tables.py) travel as one Parquet file each: `manifest` is the chain of custody,
# so `auditql verify --db DIR` holds; `deliveries` is what dedup decides by, and what verify counts per file.

# Partition keys a dataset may be cut by: the folder name, the SQL that computes it from a row, and the
# type engines should read the folder value as.
PARTITION_KEYS: dict[str, tuple[str, str]] = {
    "vendor": ('"vendor"', "VARCHAR"),
    "date": ("strftime(\"time\", '%Y-%m-%d')", "DATE"),
}
# Which result column each key is computed from (a query result without it cannot be cut that way).
PARTITION_SOURCE: dict[str, str] = {"vendor": "vendor", "date": "time"}
DEFAULT_PARTITION_BY: tuple[str, ...] = ("vendor", "date")


def holds_dataset(folder: Path) -> bool:
    """Whether `folder` is an auditql Parquet dataset (its `_auditql/manifest.json` is there)."""
    return (folder / META / MANIFEST).is_file()


def parse_partition_by(text: str) -> tuple[str, ...]:
    """`vendor,date` → ("vendor", "date"); `none` or "" → no partitioning; a miss names the valid keys."""
    if text.strip().lower() in ("", "none"):
        return ()
    keys = tuple(k.strip().lower() for k in text.split(","))
    for key in keys:
        if key not in PARTITION_KEYS:
            raise UsageError(f"'{key}' is not a partition key. Try one of: {', '.join(PARTITION_KEYS)} (or none).")
    if len(set(keys)) != len(keys):
        raise UsageError(f"--partition-by names a key twice: {text}")
    return keys


def part_files(root: Path) -> list[Path]:
    """The dataset's Parquet part files, in a stable order."""
    return sorted((root / EVENTS).rglob("*.parquet"))


def read_catalog_parquet(con: Any, sql: str, path: Path) -> None:
    """Run `sql`, which reads the catalog file at `path`: a file cut short or overwritten is a damaged
    dataset named by its file (DuckDB says "too small to be a Parquet file"), not an internal error."""
    import duckdb

    try:
        con.execute(sql)
    except (duckdb.IOException, duckdb.InvalidInputException) as error:
        raise ArchiveDamaged(path, error_line(error)) from None


def sql_path(path: Path) -> str:
    """A filesystem path as a SQL string literal."""
    return sql_str(str(path))


def read_manifest(root: Path) -> dict[str, Any]:
    """The dataset's manifest, checked for what every reader of it relies on (`columns`, each with a
    `name`): a manifest edited or cut short is a damaged dataset, said in one line, not a crash."""
    path = root / META / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ArchiveDamaged(path, "the manifest is not UTF-8 text") from None
    except ValueError as error:
        raise ArchiveDamaged(path, f"the manifest is not JSON: {error}") from None
    columns = manifest.get("columns") if isinstance(manifest, dict) else None
    named = isinstance(columns, list) and all(isinstance(c, dict) and isinstance(c.get("name"), str) for c in columns)
    if not named:
        raise ArchiveDamaged(path, "the manifest does not list the dataset's columns")
    return manifest


def new_manifest(partition_by: tuple[str, ...], columns: list[tuple[str, str]], **extra: Any) -> dict[str, Any]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    from auditql import __version__

    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "tool_version": __version__,
        "created_at": now,
        "updated_at": now,
        "partition_by": list(partition_by),
        "columns": [{"name": n, "type": t} for n, t in columns],
        **extra,
    }


def replace_file(path: Path, data: bytes) -> None:
    """Write beside the target, then rename over it: readers see the old file or the new one, never half."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_manifest(root: Path, manifest: dict[str, Any]) -> None:
    replace_file(root / META / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """One writer at a time per dataset (the catalog files are rewritten whole), like DuckDB's file lock."""
    (root / META).mkdir(parents=True, exist_ok=True)
    with (root / META / ".lock").open("a") as fh:
        try:
            import fcntl

            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # pragma: no cover - no advisory locks on this platform
            pass
        except OSError:
            raise ArchiveBusy(f"{root}: dataset busy (another ingest is writing it); try again later") from None
        yield
