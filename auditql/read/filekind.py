"""What kind of thing a path is, for the places that read or write a file the user named.

A device or FIFO named as an export to ingest never ends (`/dev/zero`, `/dev/urandom`) or blocks until a
writer comes (a FIFO); named as the file to write a result to, a FIFO blocks until a reader comes. Each is
refused with one line instead, by both `ingest` and `.export`.
"""

from __future__ import annotations

import stat
from pathlib import Path

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def not_regular(path: Path) -> str | None:
    """What `path` (links followed) is when it exists and is not a regular file; None otherwise."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None  # absent (or unreadable): the caller's own open says so
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")
