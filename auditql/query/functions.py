"""Which DuckDB functions a query may call, read from functions.toml (generated, reviewed: see its header).

DuckDB resolves a call by the name it is written with, so that name is what is checked, in the user's text
and again in the generated SQL (query/calls.py). A name is allowed only if the file lists it as allowed;
one the file does not know — a function of a newer DuckDB, of an extension, or of another database — is
refused, so an upgrade can never widen the sandbox by itself (tests/test_function_list.py).

    >>> refusal("string_agg") is None
    True
    >>> refusal("read_text")
    'it reads files'
    >>> refusal("READ_TEXT"), refusal("nosuchfn")
    ('it reads files', "it is not one of DuckDB's functions")
"""

from __future__ import annotations

import re
import tomllib
from importlib.resources import files

ALLOWED_CATEGORY = "allowed"
DOCS = "docs/sandbox.md#functions"

_DATA = tomllib.loads(files("auditql.query").joinpath("functions.toml").read_text(encoding="utf-8"))
DUCKDB_VERSION: str = _DATA["duckdb_version"]
REASONS: dict[str, str] = _DATA["reasons"]
# function name (lower case: DuckDB matches function names case-insensitively) -> "allowed" or a REASONS key
CLASSIFIED: dict[str, str] = {name.lower(): category for name, category in _DATA["functions"].items()}
ALLOWED = frozenset(name for name, category in CLASSIFIED.items() if category == ALLOWED_CATEGORY)
# For completion: the allowed names one can type as a call (not operators such as `+` or `~~`).
ALLOWED_NAMES = sorted(name for name in ALLOWED if re.fullmatch(r"[a-z][a-z0-9_]*", name))


def refusal(name: str) -> str | None:
    """None if a call written `name(...)` may run, else why not (the end of a sentence)."""
    category = CLASSIFIED.get(name.lower())
    if category == ALLOWED_CATEGORY:
        return None
    if category is None:
        return "it is not one of DuckDB's functions"
    return REASONS[category]


def refusal_message(name: str, reason: str) -> str:
    """One line naming the function as written, why it is refused, and where the allowed list is."""
    shown = name if len(name) <= 60 else name[:60] + "…"
    return f"function {shown} is not allowed: {reason} (allowed functions: {DOCS})"
