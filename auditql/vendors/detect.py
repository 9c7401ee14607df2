"""Recognize a file's vendor by its field names and resolve which of a mapping's synonyms the file has.

Vendors' formats are partly undocumented, so matching is by name only — never by position — and tolerant of
case, spaces, underscores and camelCase (see `normalize`). A vendor is detected when every group of its
signature is present; the most specific match wins; anything else is `generic`.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditql.vendors import GENERIC, Registry
from auditql.vendors.mapping import Mapping, normalize


def field_index(fields: Iterable[str]) -> dict[str, list[str]]:
    """normalized name -> every spelling the file has of it, sorted (so the order never depends on the order
    in which a reader happened to list the fields: the same file always maps the same way)."""
    index: dict[str, list[str]] = {}
    for f in fields:
        spellings = index.setdefault(normalize(f), [])
        if f not in spellings:
            spellings.append(f)
    for spellings in index.values():
        spellings.sort()
    return index


def spellings(synonyms: Iterable[str], index: dict[str, list[str]]) -> list[str]:
    """The file's fields for a synonym list, in synonym order: a synonym's exact spelling first, then its
    other spellings. Vendors spell a field differently across endpoints and versions (Gigya `@timestamp` /
    `timestamp`, `params.UID` / `params.uid`), so one file may need all of them, coalesced per record."""
    found: list[str] = []
    for s in synonyms:
        same = index.get(normalize(s), [])
        for actual in sorted(same, key=lambda a: a != s):
            if actual not in found:
                found.append(actual)
    return found


def matches(mapping: Mapping, index: dict[str, list[str]]) -> bool:
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
        found = spellings(synonyms, index)
        if found:
            resolved[column] = found
    return resolved
