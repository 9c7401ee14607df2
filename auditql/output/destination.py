"""Where output goes: a file the user named (`--output`, `.export`), written whole or not at all.

Why a module: output into a missing folder, a folder, `/proc`, or onto a full disk must end as one line
naming the file, and a query that fails halfway (a timeout, a full disk) must not leave a half-written file
in place of the one that was there. So a regular file is written beside itself under a temporary name and
renamed over the target only once complete; a device or pipe (`/dev/stdout`, `/dev/full`, a FIFO) is
written in place, since it cannot be renamed over. A DuckDB database (an archive, maybe the one being
queried) is never overwritten by output.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from auditql.errors import IOFailure, UsageError, write_error_text
from auditql.read.filekind import is_duckdb_database


@contextmanager
def output_file(path: Path, binary: bool = False) -> Iterator[Any]:
    """Open `path` for writing (text: UTF-8, newlines as written); on success the file appears complete,
    on any failure the target is left as it was and the error names `path`."""
    target = path.resolve() if path.is_symlink() else path  # write the file a link points to, keep the link
    special = _is_special(target)
    partial = target if special else target.parent / f".{target.name}.{os.getpid()}.partial"
    mode = "wb" if binary else "w"
    if not special and is_duckdb_database(target):  # `query --db A -o A` replaced the archive with a CSV
        raise UsageError(
            f"{path} is a DuckDB database (an archive?): it is not overwritten by output; write the output to "
            "another file"
        )
    try:
        if target.is_dir():
            raise IsADirectoryError(21, "Is a directory", str(path))
        fh = open(partial, mode) if binary else open(partial, mode, encoding="utf-8", newline="")  # noqa: SIM115
    except OSError as exc:
        raise IOFailure(write_error_text(exc, path)) from None
    try:
        with fh:
            yield fh
        if not special:
            with suppress(OSError):  # an existing file keeps its permissions
                os.chmod(partial, stat.S_IMODE(target.stat().st_mode))
            os.replace(partial, target)
    except OSError as exc:
        _discard(partial, special)
        if exc.filename not in (None, str(partial)):  # about another file: not this output's to explain
            raise
        raise IOFailure(write_error_text(exc, path)) from None
    except BaseException:
        _discard(partial, special)
        raise


def _is_special(path: Path) -> bool:
    """An existing device, FIFO or socket: written in place."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _discard(partial: Path, special: bool) -> None:
    if not special:
        with suppress(OSError):
            partial.unlink()
