"""What ingest learned about the archive's raw fields, as far as queries care.

A name that no record has is not an error (it matches nothing), but a typo must never pass silently:
the catalog lets the translator warn with the nearest real names. It also records which raw fields a
vendor's mapping copies unchanged into a typed column, so a query may read the column instead of
parsing `raw` for that vendor's rows (see rewrites.raw_fields_to_json for when that is allowed), and
which raw fields a vendor's mapping reads as the event time, so a query can too (query/times.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from auditql.query.identities import PERSON
from auditql.schema import COLUMN_NAMES
from auditql.vendors.mapping import normalize


@dataclass(frozen=True)
class TimeFields:
    """The raw fields a vendor's mapping reads as the event time, and the formats ingest parses them with."""

    names: frozenset[str]  # field names as auditql.vendors.normalize writes them (ingest matches that way)
    formats: tuple[str, ...]  # strptime formats for aq_parse_time: the vendor's own, then ingest's defaults


@dataclass(frozen=True)
class Catalog:
    """Raw field paths per vendor ("params.loginID", "Performed By") and verbatim field -> column copies.

    `verbatim[vendor][field] == column` promises that, for every row of that vendor, `column` holds
    exactly the string form of raw `field`, except that an empty string in raw is NULL in the column.
    """

    fields: Mapping[str, frozenset[str]] = field(default_factory=dict)
    verbatim: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # True when `fields` names every top-level key of every record of each vendor it lists, as an
    # archive's catalog does (ingest records them all): a vendor without a key then need not parse raw.
    complete: bool = False
    # vendor -> the raw fields its mapping reads as `time`; empty: every raw field compares as text.
    time_fields: Mapping[str, TimeFields] = field(default_factory=dict)

    def time_formats(self, path: str) -> dict[str, tuple[str, ...]]:
        """vendor -> formats, for each vendor (sorted) whose mapping reads raw field `path` as the time."""
        key = normalize(path)
        return {vendor: f.formats for vendor, f in sorted(self.time_fields.items()) if key in f.names}

    def others_may_have(self, key: str, vendors: list[str]) -> bool:
        """Whether records of a vendor not in `vendors` may have the top-level key `key` (always, unless the
        catalog is complete)."""
        if not self.complete:
            return True
        return bool(set(self.fields) - set(vendors) - set(self.vendors_without(key)))

    def known_names(self) -> set[str]:
        """Canonical columns, `person`, plus every raw field path seen at ingest."""
        names = {*COLUMN_NAMES, PERSON}
        for paths in self.fields.values():
            names.update(paths)
        return names

    def has_field(self, path: str) -> bool:
        """True when some vendor's records have `path`, or an object that contains deeper paths."""
        prefix = path + "."
        return any(path in paths or any(p.startswith(prefix) for p in paths) for paths in self.fields.values())

    def vendors_without(self, key: str) -> list[str]:
        """The vendors (sorted) none of whose records has the top-level key `key`: for their rows every
        path starting at `key` reads NULL. Empty unless the catalog is `complete`; a vendor without
        fields in the catalog is never listed."""
        if not self.complete:
            return []
        return [vendor for vendor, prefixes in self._prefixes.items() if key not in prefixes]

    @cached_property
    def _prefixes(self) -> dict[str, set[str]]:
        """Per vendor (sorted), each path and its parents: `a.b.c` gives `a`, `a.b` and `a.b.c`. A key
        with a dot (`"a.b"`, a CSV header) is written like a path, so it is found either way."""
        prefixes: dict[str, set[str]] = {}
        for vendor, paths in sorted(self.fields.items()):
            found = prefixes[vendor] = set()
            for path in paths:
                parts = path.split(".")
                found.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
        return prefixes

    def unknown_field_warning(self, path: str) -> str | None:
        """A one-line warning for a field no record has, naming the nearest known names; None if known.

        An empty catalog (nothing ingested yet, or a caller without one) never warns.
        """
        if not self.fields or self.has_field(path):
            return None
        import difflib  # only for a warning: most queries never need it

        by_lower: dict[str, list[str]] = {}
        for name in sorted(self.known_names()):
            by_lower.setdefault(name.lower(), []).append(name)
        close = difflib.get_close_matches(path.lower(), by_lower, n=3, cutoff=0.6)
        suggestions = [name for lower in close for name in by_lower[lower]]
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else "; it matches nothing"
        return f"no ingested record has field '{path}'{hint}"
