"""What every archive can do, whatever stores it: the `Archive` interface, and which archive each reader
connection belongs to.

Why an interface: auditql keeps events in a DuckDB file or in a Parquet dataset folder (docs/scale.md), and
code used to tell them apart wherever it met one (`path.is_dir()` in the reader, the ingest, verify and the
CLI; whether a module was loaded in the facade). Now `auditql.archive.at(path)` decides once, and the rest
of auditql talks to an `Archive`: open a reader, ingest, prepare a query for it, verify its custody, export
it. A third backend is one more subclass and one more line in `at`.

Each backend's reader is opened by the one sequence in db/sandbox.py (`open_sandboxed`), so both are
sandboxed alike; a backend only fills in its tables. Writers stay inside each backend's `ingest` (a DuckDB
file's short-lived read-write connection, a dataset's folder lock): no front end ever holds one.
"""

from __future__ import annotations

import abc
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    from auditql.archive.dataset.export import ExportSummary
    from auditql.ingest.custody import Verification
    from auditql.ingest.run import Report
    from auditql.query import Translation
    from auditql.read.unpack import Limits

Connection = duckdb.DuckDBPyConnection
# Which archive opened each reader connection, so a query prepared on one is shaped for its archive
# (`Archive.prepare`) without the caller carrying both. Weak: a closed, dropped connection leaves no entry.
_OPENED: weakref.WeakKeyDictionary[Connection, Archive] = weakref.WeakKeyDictionary()


class Archive(abc.ABC):
    """One archive at `path`. Subclasses store it; the shared parts (catalog tables, custody checks,
    export) read it through a reader connection, which looks the same for every backend."""

    kind: str  # what the user calls it, in messages: "archive", "dataset"

    def __init__(self, path: Path):
        self.path = path

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r})"

    # --- open ------------------------------------------------------------------------------------------
    def reader(self, notify: Callable[[str], None] | None = None, memory_limit: int | None = None) -> Connection:
        """A read-only, sandboxed connection (the caller closes it): auditql's own code reads the catalog
        tables through it; user SQL runs on its query connection, which sees `events` only."""
        con = self._open_reader(notify, memory_limit)
        _OPENED[con] = self
        return con

    @abc.abstractmethod
    def _open_reader(self, notify: Callable[[str], None] | None, memory_limit: int | None) -> Connection: ...

    # --- ingest ----------------------------------------------------------------------------------------
    @abc.abstractmethod
    def ingest(
        self,
        paths: Iterable[Path],
        vendor: str | None = None,
        mappings: Iterable[Path] = (),
        limits: Limits | None = None,
        progress: Callable[[str], None] | None = None,
        notify: Callable[[str], None] | None = None,
        **options: Any,
    ) -> Report:
        """Add files with the same accounting whatever the backend (read = added + duplicates + rejected)."""

    def import_dataset(
        self,
        dataset: Path,
        progress: Callable[[str], None] | None = None,
        notify: Callable[[str], None] | None = None,
        memory_limit: int | None = None,
    ) -> Report:
        """Bring a dataset `auditql export` wrote into this archive, custody first (archive/dataset/importer.py)."""
        from auditql.errors import UsageError

        raise UsageError(
            f"{dataset}: importing a dataset into a {self.kind} is not supported; import it into an archive file "
            f"(`auditql ingest --db FILE.duckdb {dataset}`), or ingest the original files into {self.path}"
        )

    # --- query -----------------------------------------------------------------------------------------
    def prepare(self, con: Connection, translation: Translation) -> Translation:
        """The translated query shaped for this archive's reader (a dataset reads fewer partitions)."""
        return translation

    # --- custody ---------------------------------------------------------------------------------------
    def verify(self, con: Connection, rehash: bool = True, anchor: str | None = None) -> Verification:
        """Check the chain of custody and the rows it describes (ingest/custody.py)."""
        from auditql.ingest import verification

        return verification.verify(con, rehash=rehash, anchor=anchor)

    # --- export ----------------------------------------------------------------------------------------
    def export(
        self,
        target: Path,
        prepare: Callable[[Connection, str], Translation],
        text: str | None = None,
        partition_by: tuple[str, ...] | None = None,
        overwrite: bool = False,
    ) -> ExportSummary:
        """Write this archive (or the result of `text`, translated by `prepare`) as a dataset at `target`."""
        from auditql.archive.dataset.export import export

        return export(self, target, prepare, text, partition_by, overwrite)


def opened_by(con: Connection) -> Archive | None:
    """The archive whose reader `con` is (None: a connection no archive opened)."""
    return _OPENED.get(con)
