"""The archive as a partitioned Parquet dataset, for data that outgrows one DuckDB file or must be read by
Spark or Trino: its layout, reader, ingest and export (docs/scale.md).

A dataset is a folder; `--db` pointing at a folder means a dataset, at a file a DuckDB archive — decided in
one place, `auditql.archive.at`. This package is the dataset backend's inside; the rest of auditql reaches
it through the `Archive` interface (auditql/archive/). Nothing is imported here, so that loading one
module (the reader) does not load the others (export, ingest and their pyarrow).
"""
