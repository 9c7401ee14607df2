"""The facade's vocabulary: what a query is resolved against (the archive's catalog, the vendors' mappings and
time fields, the identities file) and the translation of query text for one archive (`prepare`).

Apart from running queries (queries.py) because everything here is about names, not rows: the REPL's
completion and the web view's hints read the catalog without running anything.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb

from auditql import archive
from auditql.errors import UsageError
from auditql.query.identities import Identities, load_identities

if TYPE_CHECKING:  # imported where they run: `auditql ingest` need not load the translator
    from auditql.query import Catalog, Translation
    from auditql.query.catalog import TimeFields
    from auditql.vendors.mapping import Mapping as VendorMapping


def catalog(con: duckdb.DuckDBPyConnection) -> Catalog:
    """Known raw fields per vendor, and the fields each vendor copies verbatim into a typed column."""
    fields: dict[str, set[str]] = {}
    for vendor, name in con.execute("SELECT vendor, field FROM fields").fetchall():
        fields.setdefault(vendor, set()).add(name)
    verbatim: dict[str, dict[str, str]] = {}
    per_vendor: dict[str, list[dict[str, list[str]]]] = {}
    for vendor, columns in con.execute("SELECT vendor, columns FROM sources").fetchall():
        per_vendor.setdefault(vendor, []).append(json.loads(columns) if columns else {})
    from auditql.vendors.mapping import VERBATIM_COLUMNS

    for vendor, maps in per_vendor.items():
        pairs = [{(f[0], c) for c, f in m.items() if c in VERBATIM_COLUMNS and len(f) == 1} for m in maps]
        common = set.intersection(*pairs) if pairs else set()
        verbatim[vendor] = {f: c for f, c in sorted(common)}
    # complete: ingest records every field of every record it stores (CSV headers, Parquet columns, the
    # merged structure of all JSON records), so a vendor without a field's first key never has it.
    from auditql.query import Catalog

    return Catalog(
        fields={v: frozenset(s) for v, s in fields.items()},
        verbatim=verbatim,
        complete=True,
        time_fields=_OnFirstRead(lambda: time_fields(per_vendor)),
    )


class _OnFirstRead(Mapping[str, "TimeFields"]):
    """A mapping built when first read: only a query that names a raw field needs the vendors' time fields,
    and building them parses every vendor mapping (~6 ms a one-shot query need not pay)."""

    def __init__(self, build: Callable[[], dict[str, TimeFields]]):
        self._build = build

    @functools.cached_property
    def _built(self) -> dict[str, TimeFields]:
        return self._build()

    def __getitem__(self, key: str) -> TimeFields:
        return self._built[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._built)

    def __len__(self) -> int:
        return len(self._built)


def vendor_mappings() -> dict[str, VendorMapping]:
    """The registry's mappings by name (read-only), parsed again only when the user mapping folder changes:
    parsing them all costs ~8 ms, which every query would otherwise pay."""
    from auditql.vendors import user_mapping_dir

    folder = user_mapping_dir()
    files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    return _registry(str(folder), tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files))


@functools.lru_cache(maxsize=4)
def _registry(folder: str, files: tuple[tuple[str, int, int], ...]) -> dict[str, VendorMapping]:
    from auditql.vendors import load_registry

    return load_registry().mappings


def time_fields(per_vendor: Mapping[str, list[dict[str, list[str]]]]) -> dict[str, TimeFields]:
    """Per vendor in the archive: the raw fields its mapping reads as `time` and the formats ingest parsed
    them with. The fields are the mapping's time synonyms (as the registry holds it now: built-in and
    user-folder mappings) plus those each file's ingest actually used (recorded in `sources`), so a vendor
    ingested with `--mapping FILE` still counts; its own time_formats are known only if that file is in
    the user mapping folder (otherwise ISO 8601, epoch and ingest's default formats apply)."""
    from auditql.query.catalog import TimeFields
    from auditql.vendors import normalize
    from auditql.vendors.mapping import DEFAULT_TIME_FORMATS

    try:
        mappings = vendor_mappings()
    except UsageError:  # a broken user mapping is for ingest to report; queries still know what sources say
        mappings = {}
    found: dict[str, TimeFields] = {}
    for vendor, maps in sorted(per_vendor.items()):
        mapping = mappings.get(vendor)
        names = {normalize(f) for m in maps for f in m.get("time", [])}
        names.update(normalize(s) for s in (mapping.synonyms("time") if mapping else ()))
        formats = (*(mapping.time_formats if mapping else ()), *DEFAULT_TIME_FORMATS)
        found[vendor] = TimeFields(frozenset(names), tuple(dict.fromkeys(formats)))
    return found


# What a table on a terminal shows for WHERE / REST queries when no --columns is given: a whole canonical
# row (with `raw`) is unreadable as a table; json/csv/ndjson/parquet always carry every column.
TABLE_COLUMNS: tuple[str, ...] = (
    "time",
    "vendor",
    "action",
    "category",
    "outcome",
    "actor_name",
    "source_ip",
    "target_name",
)


def prepare(
    con: duckdb.DuckDBPyConnection,
    text: str,
    *,
    limit: int | None = None,
    params: Mapping[str, Any] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    vendor: str | None = None,
    columns: list[str] | None = None,
    table_view: bool = False,
) -> Translation:
    """Translate against this archive's catalog; a limit asks for one extra row (see `run`)."""
    options: dict[str, Any] = dict(
        since=since, until=until, vendor=vendor, params=params, limit=None if limit is None else limit + 1
    )
    cat = catalog(con)
    options["identities"] = identities(cat)
    t = translate(text, cat, columns=columns, **options)
    if table_view and columns is None and t.form != "sql":
        t = translate(text, cat, columns=list(TABLE_COLUMNS), **options)
    source = archive.opened_by(con)  # e.g. a Parquet dataset reads only the partitions the query can match
    return t if source is None else source.prepare(con, t)


def translate(text: str, cat: Catalog, **options: Any) -> Translation:
    """The query core's `translate`, imported when first used: `auditql ingest` and `verify` go through this
    module too, and need no translator (sqlglot alone costs ~60 ms to import)."""
    from auditql.query import translate as translated

    return translated(text, cat, **options)


def identities(cat: Catalog | None = None) -> Identities:
    """The user's identities file (for `person`), read afresh so an edit counts from the next query; a
    vendor it names must be one the registry or the archive knows."""

    def vendors() -> set[str]:
        try:
            known = set(vendor_mappings())
        except UsageError:
            known = set()
        return known | set(cat.fields if cat else ())

    return load_identities(vendors=vendors)


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """`7d`, `12h`, `30m`, `2w` (that long ago) or an ISO date/time (UTC unless it has an offset)."""
    from datetime import UTC, timedelta

    from auditql.sql import duration

    now = now or datetime.now(UTC)
    ago = duration(text, {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"})
    if ago:
        try:
            return now - timedelta(**{ago[1]: ago[0]})
        except OverflowError:  # 99999999d: before year 1
            raise UsageError(f"{text!r} reaches back before the year 1: give a date instead, e.g. 2000-01-01") from None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{text!r} is not a time: use e.g. 7d, 12h, 2025-03-01 or 2025-03-01T10:00:00Z") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
