"""What a vendor flow works with: its source, the HTTP client, the run's folder and time window — and the
checks every flow needs for a response's shape, so a renamed field or a cut body is one clear line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditql.pull.errors import ShapeError
from auditql.pull.http import Http, Reply
from auditql.pull.landing import RunFolder
from auditql.pull.secrets import Secrets

if TYPE_CHECKING:  # config reads the flows' declared settings: a runtime import would be a circle
    from auditql.pull.config import Source


@dataclass
class Job:
    source: Source
    http: Http
    folder: RunFolder
    since: datetime
    until: datetime
    secrets: Secrets
    landed: int = 0
    reused: int = 0
    notes: list[str] = field(default_factory=list)

    def secret(self, name: str) -> str:
        return self.secrets.read(self.source.secret_env[name], name, self.source.name)

    def existing(self, name: str) -> Path | None:
        """A response landed by an earlier attempt of this run: used instead of asking again."""
        path = self.folder.landed(name)
        if path is not None:
            self.reused += 1
        return path

    def land(self, name: str, reply: Reply, **extra: Any) -> Path:
        self.landed += 1
        return self.folder.land(name, reply, self.source.name, self.source.vendor, **extra)

    def shape(self, what: str, path: str) -> ShapeError:
        return ShapeError(
            self.secrets.redact(f"source {self.source.name}: {path}: unexpected response: expected {what}")
        )


def json_object(job: Job, reply: Reply, path: str, fields: dict[str, type | tuple[type, ...]]) -> dict[str, Any]:
    """The reply as a JSON object holding `fields` with those types, or a ShapeError naming what is missing."""
    expected = "a JSON object with " + ", ".join(f"{k!r}" for k in fields)
    try:
        data = json.loads(reply.content)
    except ValueError:
        raise job.shape(f"{expected} (not JSON, or cut short)", path) from None
    if not isinstance(data, dict):
        raise job.shape(expected, path)
    for key, kind in fields.items():
        if key not in data:
            raise job.shape(f"{expected} (no {key!r}; fields: {', '.join(sorted(data)[:12])})", path)
        if not isinstance(data[key], kind):
            raise job.shape(f"{expected} ({key!r} of the wrong type)", path)
    return data


def windows(since: datetime, until: datetime, size: timedelta) -> Iterator[tuple[datetime, datetime]]:
    """[since, until) cut into consecutive windows of at most `size`."""
    start = since
    while start < until:
        end = min(start + size, until)
        yield start, end
        start = end
