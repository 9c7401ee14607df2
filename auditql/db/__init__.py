"""DuckDB plumbing every stage shares: the one connection factory, the query sandbox, an archive file's lifecycle
(lock waiting, the short-lived writer, the sandboxed reader)."""
