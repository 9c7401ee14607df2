"""Every user-facing failure is one of these, so front ends can print one clear line and exit with a
documented code instead of a traceback.

Exit codes are part of the CLI's API (see `auditql --help`)."""

from __future__ import annotations

import errno
import os
import re
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    OK = 0
    REJECTED = 1  # some file or record could not be stored (everything else was)
    USAGE = 2  # bad option, unknown vendor/format, missing path
    QUERY = 3  # the query was refused or failed
    BUSY = 4  # the archive is locked by another process, missing, or damaged
    VERIFY_FAILED = 5  # `auditql verify` found a mismatch in the chain of custody
    INTERNAL = 70  # a bug: please report it (70-74 follow BSD sysexits)
    IO = 74  # a file or stream could not be written or read: missing folder, permission, disk full
    PIPE_CLOSED = 141  # the reader of stdout went away (`| head`): quiet, as for a process killed by SIGPIPE


class AuditqlError(Exception):
    """Base class: the message is complete and safe to show to a user."""

    exit_code: ExitCode = ExitCode.INTERNAL


class UsageError(AuditqlError):
    exit_code = ExitCode.USAGE


class InputError(AuditqlError):
    """A file (or archive member) that cannot be read at all; nothing from it is stored."""

    exit_code = ExitCode.REJECTED

    def __init__(self, source: str, reason: str, line: int | None = None):
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {reason}")
        self.source = source
        self.reason = reason
        self.line = line


class ArchiveRefused(InputError):
    """A zip/gzip refused whole for safety (traversal, symlink, bomb, …)."""


class ArchiveBusy(AuditqlError):
    exit_code = ExitCode.BUSY


class ArchiveMissing(AuditqlError):
    exit_code = ExitCode.BUSY


class ArchiveDamaged(AuditqlError):
    """The archive file exists but DuckDB cannot read it (bytes overwritten, truncated, not DuckDB at all)."""

    exit_code = ExitCode.BUSY

    def __init__(self, path: object, detail: str):
        super().__init__(
            f"{path}: the archive file is damaged ({detail}); restore it from a copy, "
            "or rebuild it with `auditql ingest`"
        )
        self.path = path


class IOFailure(AuditqlError):
    """A file or stream that cannot be written or read: output into a missing folder, a folder, no
    permission, a full disk. Nothing half-written is left in place of an output file (`output/destination.py`)."""

    exit_code = ExitCode.IO


class VerificationFailed(AuditqlError):
    """The chain of custody does not check out (edited/missing entry, changed source file, count mismatch)."""

    exit_code = ExitCode.VERIFY_FAILED


class QueryError(AuditqlError):
    """A refused or failed query; `line`/`col` (1-based) point at the offending position when known."""

    exit_code = ExitCode.QUERY

    def __init__(self, message: str, query: str = "", line: int | None = None, col: int | None = None):
        super().__init__(message)
        self.message = message
        self.query = query
        self.line = line
        self.col = col

    def render(self) -> str:
        """The query, a caret under the offending position, and the message."""
        if not self.query or self.line is None or self.col is None:
            return f"error: {self.message}"
        lines = self.query.splitlines() or [""]
        text = lines[min(max(self.line, 1), len(lines)) - 1]
        col = max(self.col - 1, 0)
        # A 90,000-character one-line query must not be echoed whole: show a window around the caret.
        start = max(0, col - CONTEXT // 2)
        end = start + CONTEXT
        shown = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
        caret = " " * (col - start + (1 if start else 0)) + "^"
        return f"{shown}\n{caret}\nerror: {self.message}"


CONTEXT = 120  # characters of the offending line shown around the caret


# What DuckDB says when the bytes of a database file are not what it wrote (measured on DuckDB 2.0 by
# overwriting, zeroing and truncating an archive at random offsets): checksum mismatches, short reads, a
# header that is not DuckDB's, metadata that does not deserialize.
_DAMAGE = (
    "corrupt database file",
    "could not read enough bytes from file",
    "not a valid duckdb database file",
    "failed to deserialize",
)


def is_interrupt(exc: BaseException) -> bool:
    """Whether `exc` is Ctrl-C as it reaches a front end from DuckDB: its Python client turns a KeyboardInterrupt
    that arrives while a statement runs into `RuntimeError("Query interrupted")` (a Ctrl-C while `auditql query`
    opened the archive ended as "internal error"), and a statement the Ctrl-C watcher interrupted outside a
    query (api.ctrl_c_cancels; a query's own interrupt is a timeout or a KeyboardInterrupt by then) raises
    DuckDB's InterruptException. Named, not imported: this module loads before DuckDB."""
    if type(exc) is RuntimeError and str(exc) == "Query interrupted":
        return True
    return type(exc).__name__ == "InterruptException" and type(exc).__module__.lstrip("_") == "duckdb"


def is_damage(exc: BaseException) -> bool:
    """Whether a DuckDB error means the database file is damaged (as opposed to a bad query)."""
    text = str(exc).lower()
    return any(marker in text for marker in _DAMAGE)


def damage_detail(exc: BaseException) -> str:
    """DuckDB's damage error in one short line, without its class prefix."""
    from auditql.sql import error_line

    text = error_line(exc)
    return text if len(text) <= 160 else text[:159] + "…"


def environment_error(exc: BaseException, archive: object = None) -> AuditqlError | None:
    """The user-facing error for an environment problem that reached a front end unexplained, else None.

    A damaged archive (DuckDB's error text, which names the file only sometimes: `archive` is the file the
    front end opened) and an I/O error (an OSError names its file, else it was the standard output).
    """
    if isinstance(exc, OSError) and not type(exc).__module__.startswith("pyarrow"):
        reason = (exc.strerror or str(exc) or type(exc).__name__).rstrip(".")
        return IOFailure(f"{exc.filename}: {reason}" if exc.filename else f"cannot write the output: {reason}")
    if is_damage(exc):
        named = re.search(r'file "([^"]+)"', str(exc))
        return ArchiveDamaged(named.group(1) if named else archive or "the archive", damage_detail(exc))
    written = re.search(r'Could not write (?:to )?file \\?"(.+?)\\?": ([^"\\]+)', str(exc))
    if written:  # DuckDB's own write (the archive, its WAL, an export's files) refused: disk full, too large
        return IOFailure(f"{written.group(1)}: cannot write: {written.group(2).rstrip('.')}")
    return None


def write_error_text(exc: OSError, path: str | os.PathLike[str] | None = None) -> str:
    """Why writing `path` failed, in words: "out/x.csv: cannot write: the folder out does not exist"."""
    where = path if path is not None else exc.filename
    reason = (exc.strerror or str(exc) or type(exc).__name__).rstrip(".")
    if where is None:
        return f"cannot write the output: {reason}"
    target = Path(os.fsdecode(where))
    if exc.errno == errno.ENOENT and not target.parent.is_dir():
        return f"{target}: cannot write: the folder {target.parent} does not exist"
    if exc.errno == errno.EISDIR or target.is_dir():
        return f"{target}: is a folder; give a file name"
    if exc.errno == errno.ENOENT:
        return f"{target}: cannot create a file there"
    return f"{target}: cannot write: {reason}"
