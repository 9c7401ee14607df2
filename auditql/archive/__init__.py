"""Where events are stored: one `Archive` interface, a DuckDB file and a Parquet dataset folder behind it.

`at(path)` is the one place that tells them apart (a folder is a dataset, anything else a DuckDB file);
nothing else in auditql looks at the path to decide. The facade (auditql/api/) opens archives here and passes
their readers to the query core; a reader connection remembers its archive (`opened_by`), so a query
prepared on it is shaped for that archive.

    >>> from pathlib import Path
    >>> at(Path("/nonexistent/archive.duckdb"))
    DuckDBFile('/nonexistent/archive.duckdb')
"""

from __future__ import annotations

from pathlib import Path

from auditql.archive.base import Archive, Connection, opened_by

__all__ = ["Archive", "Connection", "at", "opened_by"]


def at(path: Path) -> Archive:
    """The archive at `path`: a Parquet dataset when it is an existing folder, else a DuckDB file (which
    need not exist yet: ingest creates it). Each backend is imported only when met."""
    if path.is_dir():
        from auditql.archive.parquet_dataset import ParquetDataset

        return ParquetDataset(path)
    from auditql.archive.duckdb_file import DuckDBFile

    return DuckDBFile(path)
