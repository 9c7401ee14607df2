"""Every user-facing failure is one of these, so front ends can print one clear line and exit with a
documented code instead of a traceback.

Exit codes are part of the CLI's API (see `auditql --help`)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    REJECTED = 1  # some file or record could not be stored (everything else was)
    USAGE = 2  # bad option, unknown vendor/format, missing path
    QUERY = 3  # the query was refused or failed
    BUSY = 4  # the archive is locked by another process or missing
    VERIFY_FAILED = 5  # `auditql verify` found a mismatch in the chain of custody
    INTERNAL = 70  # a bug: please report it


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
