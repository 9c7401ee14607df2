"""A file presented again: the same bytes, read with the same mapping before, need not be read at all."""

from __future__ import annotations

import duckdb

from auditql.ingest.results import FileResult
from auditql.vendors import Registry
from auditql.vendors.mapping import Mapping as VendorMapping


def presented_again(
    con: duckdb.DuckDBPyConnection, registry: Registry, forced: VendorMapping | None, digest: str, result: FileResult
) -> bool:
    """Whether the file whose SHA-256 is `digest` was ingested before with the mapping that would read it now
    (`forced`, else any registered mapping whose fingerprint is the one on record); then `result` takes the
    counts on record. Why: every record is already held as often as this file holds it, so re-ingest costs
    one SHA-256 pass (issue 20: ≤ 0.05× of the first ingest)."""
    for vendor, fmt, fingerprint, read, rejected in con.execute(
        "SELECT vendor, format, mapping, records_read, rejected FROM sources WHERE sha256 = ?", [digest]
    ).fetchall():
        if forced is not None and forced.name != vendor:
            continue
        if vendor not in registry.names() or registry[vendor].fingerprint != fingerprint:
            continue
        result.vendor, result.format, result.status = vendor, fmt, "presented again"
        result.read, result.rejected, result.duplicates = read, rejected, read - rejected
        if rejected:
            result.notes.append("identical file ingested before; its rejected records: `auditql rejects`")
        return True
    return False
