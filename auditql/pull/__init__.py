"""`auditql pull`: fetch audit exports straight from the vendors' APIs into the archive, incrementally.

Layout (docs/pull.md): `config` reads the sources file; `secrets` holds what must never be written; `http` is
the one HTTP client (timeouts, retries, one-line errors); `landing` keeps every response byte for byte beside
the archive; `state` remembers how far each source is covered and which run is unfinished; `flows/` holds one
small module per vendor's documented request sequence; `run` ties them together and ingests what landed
through the normal ingest path, each file's custody entry recording the request it answered.
"""
