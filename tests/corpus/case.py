"""What a corpus case is: the hostile input, and the outcome auditql promises for it (policy, exit code,
messages, exact counts, `auditql rejects` rows, checks over the archive)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# Per-file policies, as the scorecard names them.
RECORDS = "good records stored, bad records rejected with file/line/reason"
WHOLE_FILE = "whole file refused, nothing from it stored"
WHOLE_ARCHIVE = "whole archive refused before any member is ingested, nothing stored"
MEMBER = "bad member refused alone; earlier members of the archive stay stored"
CLEAN = "read as is, every record stored"
REFUSED = "refused before anything is read: one line naming it, nothing stored"


@dataclass(frozen=True)
class Reject:
    """One expected `auditql rejects` row: physical line, data row, start of the reason."""

    line: int | None
    row: int | None
    reason: str


@dataclass(frozen=True)
class Case:
    id: str
    category: str
    title: str  # what the hostile input is
    target: str  # file to ingest, relative to the case folder
    policy: str
    outcome: str  # the expected outcome in words, for the scorecard
    exit_code: int
    added: int
    rejected: int = 0
    duplicates: int = 0
    messages: tuple[str, ...] = ()  # fragments stderr must hold (besides the file name)
    rejects: tuple[Reject, ...] = ()
    notes: tuple[str, ...] = ()  # fragments the per-file notes must hold
    checks: tuple[tuple[str, list[tuple]], ...] = ()  # SQL over the archive -> expected rows
    # name -> bytes, or a function making them when the case is written (big inputs are not kept in memory)
    files: dict[str, bytes | Callable[[], bytes]] = field(default_factory=dict, repr=False)
    links: tuple[tuple[str, str], ...] = ()  # (name, where it points) symbolic links made in the case folder
    fifos: tuple[str, ...] = ()  # named pipes made in the case folder
    args: tuple[str, ...] = ()  # extra `auditql ingest` arguments (e.g. --vendor)


def one_file(
    category: str,
    cid: str,
    title: str,
    name: str,
    content: bytes,
    policy: str,
    outcome: str,
    code: int,
    added: int,
    rejects: tuple[Reject, ...] = (),
    **kw,
) -> Case:
    """The common shape: one hostile file, ingested alone; every reject counted."""
    return Case(
        cid, category, title, name, policy, outcome, code, added, rejected=len(rejects), rejects=rejects,
        files={name: content}, **kw,
    )  # fmt: skip
