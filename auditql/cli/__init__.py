"""CLI commands, one module per group of commands; importing this package registers them on `main`.

Heavy modules (duckdb, pyarrow, the query translator) are imported inside the commands so that
`auditql --help` stays fast."""

from auditql.cli import export, info, ingest, pull, query, repl, serve, timeline, verify  # noqa: F401
