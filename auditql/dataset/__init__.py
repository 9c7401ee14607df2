"""The archive as a partitioned Parquet dataset, for data that outgrows one DuckDB file or must be read by
Spark or Trino: export to it, ingest into it, query it (docs/scale.md).

A dataset is a folder; `--db` pointing at a folder means a dataset, at a file a DuckDB archive.
"""

from auditql.dataset.export import ExportSummary, export
from auditql.dataset.ingest import ingest_into
from auditql.dataset.layout import is_dataset, parse_partition_by
from auditql.dataset.reader import open_reader, prune

__all__ = ["ExportSummary", "export", "ingest_into", "is_dataset", "open_reader", "parse_partition_by", "prune"]
