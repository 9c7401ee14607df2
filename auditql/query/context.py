"""What every check and rewrite may consult, and how they point at the user's text.

A refusal is only useful if the caret lands under what was refused, so every module raises through
`Context.error`, which turns a node's (or token's) source offset into the 1-based line and column that
`QueryError.render()` draws. Keeping the text here means rewrites stay functions of (tree, ctx) alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp
from sqlglot.tokens import Token

from auditql.errors import QueryError
from auditql.query.catalog import Catalog
from auditql.query.identities import Identities


@dataclass(frozen=True)
class Context:
    text: str
    catalog: Catalog = field(default_factory=Catalog)
    params: Mapping[str, object] | None = None
    identities: Identities = field(default_factory=Identities)  # who is who, for the `person` column

    def position(self, offset: int | None) -> tuple[int | None, int | None]:
        """1-based (line, col) of a 0-based character offset into the query text."""
        if offset is None or not 0 <= offset <= len(self.text):
            return None, None
        line = self.text.count("\n", 0, offset) + 1
        col = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return line, col

    def error(self, message: str, at: exp.Expr | Token | int | None = None) -> QueryError:
        """A QueryError whose caret points at `at` (a node, a token or an offset), when known."""
        line, col = self.position(source_offset(at))
        return QueryError(message, self.text, line, col)


def source_offset(at: Any) -> int | None:
    """Where `at` starts in the query text: tokens know it, parsed nodes keep it in `meta`."""
    if at is None or isinstance(at, int):
        return at
    if isinstance(at, Token):
        return at.start
    if isinstance(at, exp.Expr):
        starts = [n._meta["start"] for n in at.walk() if n._meta and "start" in n._meta]
        return min(starts, default=None)
    return None
