"""The archive as one DuckDB file: the default, and what `auditql ingest --db FILE` makes.

Its inside is archive_file.py (lock waiting, the short-lived writer, the sandboxed reader) and ingest/run.py (files
in, one transaction each); this class is the `Archive` face of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditql.archive.base import Archive, Connection
from auditql.db import archive_file

if TYPE_CHECKING:
    from auditql.ingest.run import Report
    from auditql.read.unpack import Limits


class DuckDBFile(Archive):
    kind = "archive"

    def _open_reader(self, notify: Callable[[str], None] | None, memory_limit: int | None) -> Connection:
        return archive_file.open_reader(self.path, notify=notify, memory_limit=memory_limit)

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
        from auditql.ingest.run import ingest  # here: a one-shot query must not load ingest

        return ingest(paths, self.path, vendor, mappings, limits, progress, notify, **options)

    def import_dataset(
        self,
        dataset: Path,
        progress: Callable[[str], None] | None = None,
        notify: Callable[[str], None] | None = None,
        memory_limit: int | None = None,
    ) -> Report:
        from auditql.archive.dataset.importer import import_dataset

        return import_dataset(dataset, self.path, progress, notify, memory_limit)
