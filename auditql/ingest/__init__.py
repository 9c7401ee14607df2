"""Files into an archive: the mapping plan, dedup, one transaction per file, custody entries."""
