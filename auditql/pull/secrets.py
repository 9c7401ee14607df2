"""Secrets come from environment variables named in the sources file, and are never written anywhere.

Why a registry rather than care at each print: tokens obtained at run time (an access token, a signed JWT) are
secrets too, and any error text (an HTTP body echoing a parameter, an exception naming a URL) may carry one.
Every message a pull prints or stores passes `redact`, which replaces each known secret value."""

from __future__ import annotations

import os

MASK = "[secret]"


class Secrets:
    def __init__(self, environ: dict[str, str] | None = None):
        self._environ = os.environ if environ is None else environ
        self._values: set[str] = set()

    def read(self, variable: str, what: str, source: str) -> str:
        """The value of `variable`; a missing or empty one names the variable (never a value)."""
        from auditql.pull.errors import PullError

        value = self._environ.get(variable, "")
        if not value:
            raise PullError(f"source {source}: environment variable {variable} ({what}) is not set")
        self.add(value)
        return value

    def add(self, value: str | None) -> None:
        """Treat `value` as secret from now on (tokens issued during the pull)."""
        if value and len(value) >= 4:  # a shorter value would mask ordinary words; none is a real secret
            self._values.add(value)

    def redact(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            text = text.replace(value, MASK)
        return text
