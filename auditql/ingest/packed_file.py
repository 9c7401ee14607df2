"""An archive (zip, gzip) given to ingest: its own custody entry (its hash is what `auditql verify` re-checks
later), and its members, each ingested as a file of its own. Apart from ingest/run.py, which stores files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from auditql import __version__
from auditql.db import archive_file
from auditql.errors import AuditqlError, InputError
from auditql.ingest import custody, entries
from auditql.ingest.custody import sha256_file
from auditql.ingest.files import snapshot, unchanged
from auditql.ingest.results import FileResult
from auditql.read import unpack as archives

if TYPE_CHECKING:
    from auditql.ingest.run import Ingestor


def members(ingestor: Ingestor, path: Path, display: str) -> list[FileResult]:
    """Unpack the archive (under this process's `archive_file.unpack_root()`, which a later start removes if
    killed), record it, and ingest its members; a failed archive gets a failed entry and one line."""
    origin = entries.origin_text(ingestor.origins.get(path.resolve()))
    try:
        before = snapshot(path)
        digest = sha256_file(path)
    except OSError as exc:
        error = f"{display}: cannot read: {exc.strerror or exc}; nothing from it stored"
        custody.record(ingestor.con, custody.Entry("archive", "failed", display, display, None, None, note=error))
        return [FileResult(display, error=error, status="failed")]
    size = before.size
    try:
        with archives.unpack(path, archive_file.unpack_root(), ingestor.limits, display_name=display) as unpacked:
            if not unpacked:  # an empty zip, or only OS junk: say so rather than report nothing at all
                raise InputError(display, "archive holds no data files")
            unchanged(path, display, before)  # the members are what the recorded hash covers
            entry = custody.Entry("archive", "unpacked", display, display, digest, size, tool_version=__version__)
            entry.origin = origin
            entry.note = f"{len(unpacked)} member(s)"
            custody.record(ingestor.con, entry)
            return ingestor.files([(m.path, m.display_name, display) for m in unpacked])
    except AuditqlError as exc:
        entry = custody.Entry("archive", "failed", display, display, digest, size, tool_version=__version__)
        entry.note = str(exc)
        custody.record(ingestor.con, entry)
        return [FileResult(display, error=str(exc), status="failed")]
