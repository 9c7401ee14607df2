"""How far each source is covered, and which run is unfinished: `pulled/<source>/state.json`.

Why beside the archive rather than in it: the state must be written when a run starts (to resume it with the
same time window after a crash), long before anything reaches the archive, and it must work the same for both
archive kinds (a DuckDB file, a Parquet dataset folder) without a schema change in either. It is keyed by the
archive's absolute path, so two archives sharing a folder keep separate marks, and an archive that was deleted
or replaced by a new file does not inherit a mark it never received — a run against it starts from the first
pull's default window. The mark only advances after the run's files were ingested.

    {"archives": {"/abs/archive.duckdb": {"covered_until": "2025-11-20T15:00:00Z",
                                          "pending": {"since": …, "until": …, "folder": …}}}}
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditql.pull.landing import _atomic_write

TIME = "%Y-%m-%dT%H:%M:%SZ"


def fmt(when: datetime) -> str:
    return when.astimezone(UTC).strftime(TIME)


def parse(text: str) -> datetime:
    return datetime.strptime(text, TIME).replace(tzinfo=UTC)


@dataclass
class Pending:
    since: datetime
    until: datetime
    folder: Path


class State:
    def __init__(self, root: Path, source: str, db: Path):
        self.path = root / source / "state.json"
        self.key = str(db.resolve())

    def _read(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):  # none yet, or unreadable: start as if nothing was pulled
            return {"archives": {}}
        return data

    def _mine(self) -> dict[str, Any]:
        entry: dict[str, Any] = self._read().get("archives", {}).get(self.key, {})
        return entry

    def _write(self, mine: dict[str, Any]) -> None:
        data = self._read()
        data.setdefault("archives", {})[self.key] = mine
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.path, json.dumps(data, indent=2, sort_keys=True).encode() + b"\n")

    def covered_until(self, db: Path) -> datetime | None:
        """The high-water mark; none if the archive it was recorded for no longer exists."""
        text = self._mine().get("covered_until")
        return parse(text) if text and db.exists() else None

    def pending(self) -> Pending | None:
        p = self._mine().get("pending")
        return Pending(parse(p["since"]), parse(p["until"]), Path(p["folder"])) if p else None

    def begin(self, since: datetime, until: datetime, folder: Path) -> None:
        mine = self._mine()
        mine["pending"] = {"since": fmt(since), "until": fmt(until), "folder": str(folder)}
        self._write(mine)

    def finish(self, until: datetime) -> None:
        mine = self._mine()
        mine.pop("pending", None)
        old = mine.get("covered_until")
        if old is None or parse(old) < until:
            mine["covered_until"] = fmt(until)
        self._write(mine)


@contextmanager
def source_lock(root: Path, source: str) -> Iterator[None]:
    """One pull per source at a time: a second would fetch the same pending run again. The operating system
    drops the lock when its process ends, however it ends (a killed pull leaves no stale lock)."""
    from auditql.pull.errors import PullError

    folder = root / source
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("a+b") as fh:
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise PullError(f"source {source}: another auditql pull is running for it; try again later") from None
        yield
