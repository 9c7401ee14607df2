"""What an ingest reports: per file, read = added + duplicates + rejected, and the custody chain's head after
the run. Apart from the ingest itself (ingest/run.py) because every front end and output renderer reads it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class FileResult:
    """Per-file accounting: read = added + duplicates + rejected, always."""

    source_file: str
    vendor: str | None = None
    format: str | None = None
    read: int = 0
    added: int = 0
    duplicates: int = 0
    rejected: int = 0
    error: str | None = None
    rejects: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    status: str = "ingested"  # or "presented again" (identical bytes already held), "failed"; see ingest/custody.py

    @property
    def ok(self) -> bool:
        return self.error is None and self.rejected == 0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    files: list[FileResult] = field(default_factory=list)
    head: str | None = None  # the custody chain's head hash after this ingest: note it outside the archive

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)
