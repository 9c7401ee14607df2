"""The archive as a hive-partitioned Parquet dataset folder (docs/scale.md): what `auditql export --to DIR`
writes, what Spark and Trino read, and what `auditql ingest --db DIR` adds to.

Its inside is the auditql/dataset/ package; this class is the `Archive` face of it. What differs from a
DuckDB file: the reader is Arrow scans over the part files, a query reads only the partitions its WHERE
can match (query/pruning.py), and verify names the part file an edited event is in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditql.archive.base import Archive, Connection

if TYPE_CHECKING:
    from auditql.ingest.custody import Verification
    from auditql.ingest.run import Report
    from auditql.query import Translation
    from auditql.read.unpack import Limits


class ParquetDataset(Archive):
    kind = "dataset"

    def _open_reader(self, notify: Callable[[str], None] | None, memory_limit: int | None) -> Connection:
        from auditql.archive.dataset.reader import open_reader

        return open_reader(self.path, memory_limit=memory_limit)

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
        from auditql.archive.dataset.ingest import ingest_into

        return ingest_into(paths, self.path, vendor, mappings, limits, progress, notify, **options)

    def prepare(self, con: Connection, translation: Translation) -> Translation:
        """Each `events` the query reads narrowed to the vendor/date partitions its WHERE can match; the
        tree is kept as translated (other engines' SQL is printed from it)."""
        from auditql.archive.dataset.reader import ALL_ROWS, present_columns
        from auditql.query.dialect import AuditQL
        from auditql.query.pruning import canonical_projection, narrow

        present = present_columns(con) if translation.tree is not None else []
        if not present or translation.tree is None:
            return translation
        tree = narrow(translation.tree, present, canonical_projection(present), ALL_ROWS)
        if tree is None:
            return translation
        return dataclasses.replace(translation, sql=tree.sql(dialect=AuditQL, identify=True))

    def verify(self, con: Connection, rehash: bool = True, anchor: str | None = None) -> Verification:
        """As for any archive, reading `events` with the part file each row is in, to name it."""
        from auditql.archive.dataset.parts import events_with_parts
        from auditql.ingest import verification

        events, part = events_with_parts(con, self.path)
        return verification.verify(con, rehash=rehash, anchor=anchor, events=events, part=part)
