"""Recognize a file's vendor by its field names and resolve which of a mapping's synonyms the file has.

Vendors' formats are partly undocumented, so matching is by name only — never by position — and tolerant of
case, spaces, underscores and camelCase (see `normalize`). A vendor is detected when every group of its
signature is present; the most specific match wins; anything else is `generic`.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditql.vendors import GENERIC, Registry
from auditql.vendors.mapping import Mapping, normalize


def field_index(fields: Iterable[str]) -> dict[str, str]:
    """normalized name -> the file's own spelling (first spelling wins, as in the file's order)."""
    index: dict[str, str] = {}
    for f in fields:
        index.setdefault(normalize(f), f)
    return index


def matches(mapping: Mapping, index: dict[str, str]) -> bool:
    return bool(mapping.require) and all(any(normalize(s) in index for s in group) for group in mapping.require)


def detect(fields: Iterable[str], registry: Registry) -> Mapping:
    index = field_index(fields)
    candidates = [m for m in registry if m.name != GENERIC and matches(m, index)]
    if not candidates:
        return registry[GENERIC]
    return max(candidates, key=lambda m: len(m.require))


def resolve(mapping: Mapping, fields: Iterable[str]) -> dict[str, list[str]]:
    """canonical column -> the file's fields that feed it, in synonym order (coalesced in that order)."""
    index = field_index(fields)
    resolved: dict[str, list[str]] = {}
    for column, synonyms in mapping.columns.items():
        found: list[str] = []
        for s in synonyms:
            actual = index.get(normalize(s))
            if actual is not None and actual not in found:
                found.append(actual)
        if found:
            resolved[column] = found
    return resolved
