"""Fake vendor API servers on 127.0.0.1, one per vendor, each implementing the request/response contract its
vendor documents (see docs/pull.md for the sources) and serving records built from the same published examples
the ingest tests use (tests/data/). `python -m tests.fakes` starts all five for a person to try `auditql pull`."""
