"""The one error a pull raises for a source: its message is one complete line, safe to print (no secrets)."""

from __future__ import annotations

from auditql.errors import AuditqlError, ExitCode


class PullError(AuditqlError):
    """A source could not be pulled (credentials, address, vendor error, unexpected response); the other
    sources still are, and nothing already landed or stored is lost."""

    exit_code = ExitCode.REJECTED


class ShapeError(PullError):
    """The vendor answered 2xx with something other than the documented shape (a renamed field, a cut body)."""
