"""Publish one ingest's changes to a dataset so that a crash at any moment is finished by the next ingest.

An ingest changes several files: new part files, part files rewritten without rows it replaced, the
catalog tables and `manifest.json`. No file system renames several files at once, so the changes are
first written in full under `_auditql/publish/` (the same file system as the dataset, so each move is one
`os.replace`), then a plan naming every move in order is written beside them (written aside and renamed:
it exists whole or not at all). The plan is the commit point:

- a crash before the plan exists leaves the dataset untouched; the next ingest removes the leftovers;
- a crash after it leaves some moves done and some not (queries may meanwhile see a new part beside the
  row it replaced, or new rows with the old catalog); the next ingest, holding the lock, first replays
  the plan — a move whose staged file is gone was done already — and only then reads the dataset, so it
  always starts from the finished state: no event stored twice, the manifest's counts exact.

Order of the moves: new parts, then rewritten parts (and parts left empty, deleted), then the catalog,
then `manifest.json`, so a reader sees the manifest's new row count only once every row is in place.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from auditql.archive.dataset.layout import EVENTS, META, replace_file

STAGING = "publish"
PLAN = "plan.json"


@dataclass
class Publication:
    """The steps of one ingest, in order: ("move", staged file, its final place) or ("delete", part file),
    paths relative to the dataset."""

    root: Path
    steps: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def staging(self) -> Path:
        return self.root / META / STAGING

    def staged(self, final: Path) -> Path:
        """Where to write the new content of `final` (a path inside the dataset) before it is published."""
        staged = self.staging / "files" / final.relative_to(self.root)
        staged.parent.mkdir(parents=True, exist_ok=True)
        return staged

    def move(self, staged: Path, final: Path) -> None:
        self.steps.append(("move", staged.relative_to(self.root).as_posix(), final.relative_to(self.root).as_posix()))

    def delete(self, final: Path) -> None:
        self.steps.append(("delete", final.relative_to(self.root).as_posix()))

    def commit(self) -> None:
        """Write the plan (the commit point), then carry it out."""
        replace_file(self.staging / PLAN, json.dumps({"steps": self.steps}, indent=1).encode())
        replay(self.root)


def replay(root: Path) -> None:
    """Finish a committed publication (any step may have been done already), then clear the staging."""
    staging = root / META / STAGING
    plan = staging / PLAN
    if plan.is_file():
        for step in json.loads(plan.read_text(encoding="utf-8"))["steps"]:
            if step[0] == "move" and (root / step[1]).is_file():  # gone: moved before the crash
                (root / step[2]).parent.mkdir(parents=True, exist_ok=True)
                os.replace(root / step[1], root / step[2])
            elif step[0] == "delete":
                (root / step[1]).unlink(missing_ok=True)
                _remove_empty_folders((root / step[1]).parent, root / EVENTS)
        plan.unlink()
    shutil.rmtree(staging, ignore_errors=True)


def _remove_empty_folders(folder: Path, top: Path) -> None:
    """Partition folders a deleted part left empty (an engine would list an empty partition)."""
    while folder != top and top in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty
            return
        folder = folder.parent


def abandon(root: Path) -> None:
    """Drop an uncommitted publication: its staged files were never part of the dataset."""
    if not (root / META / STAGING / PLAN).is_file():
        shutil.rmtree(root / META / STAGING, ignore_errors=True)
