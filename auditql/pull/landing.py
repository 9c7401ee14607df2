"""The landing folder: every vendor response a pull keeps, byte for byte, beside the archive.

    <archive folder>/pulled/<source>/<YYYY-MM-DD>/<HHMMSS>Z/<file>          the bytes served
    <archive folder>/pulled/<source>/<YYYY-MM-DD>/<HHMMSS>Z/.<file>.origin.json   the request they answered

Why keep them: they are the evidence the archive's rows come from (custody re-hashes them: `auditql verify`),
and a pull killed half way resumes from them instead of asking the vendor again. A file is written to a
temporary name, flushed to disk and renamed, and its origin after it: a file without its origin is an
unfinished write and is fetched again. Token responses and listings of signed download links are never landed
(they hold credentials); only responses that carry audit records are.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from auditql.pull.http import Reply

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def landing_root(db: Path) -> Path:
    """`pulled/` in the archive's folder (an archive that is a dataset folder: beside that folder)."""
    return db.resolve().parent / "pulled"


@dataclass
class RunFolder:
    """One run's folder for one source; `names` are chosen by the flow so a restart asks for the same ones."""

    path: Path

    @classmethod
    def create(cls, root: Path, source: str, started: datetime) -> RunFolder:
        """A new folder named by the run's start (UTC); a second run in the same second gets `-2`, …"""
        base = root / source / started.strftime("%Y-%m-%d") / started.strftime("%H%M%SZ")
        path, n = base, 1
        while path.exists():
            n += 1
            path = base.with_name(f"{base.name}-{n}")
        path.mkdir(parents=True)
        return cls(path)

    def landed(self, name: str) -> Path | None:
        path = self.path / safe_name(name)
        return path if path.is_file() and _origin_path(path).is_file() else None

    def land(self, name: str, reply: Reply, source: str, vendor: str, **extra: Any) -> Path:
        """Write the bytes served, then their origin (with the SHA-256 of exactly those bytes)."""
        self.path.mkdir(parents=True, exist_ok=True)
        path = self.path / safe_name(name)
        origin = {
            "source": source,
            "vendor": vendor,
            **reply.origin(),
            "sha256": hashlib.sha256(reply.content).hexdigest(),
            "bytes": len(reply.content),
            **extra,
        }
        _atomic_write(path, reply.content)
        _atomic_write(_origin_path(path), json.dumps(origin, indent=2, sort_keys=True).encode() + b"\n")
        return path

    def files(self) -> list[tuple[Path, dict[str, Any]]]:
        """Every landed file with its origin, in the order they were fetched."""
        if not self.path.is_dir():
            return []
        found = []
        for path in sorted(self.path.iterdir()):
            if path.name.startswith(".") or not _origin_path(path).is_file():
                continue
            found.append((path, json.loads(_origin_path(path).read_text(encoding="utf-8"))))
        return sorted(found, key=lambda item: (item[1].get("requested_at", ""), item[0].name))


def safe_name(name: str) -> str:
    return SAFE_NAME.sub("_", name).strip("._") or "response"


def _origin_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.origin.json")


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
