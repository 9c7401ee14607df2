"""Find a generic file's time column by its content, as the docs promise, when no known name matches.

A generic export may call its time `happened`, `logged`, `Zeitpunkt`…: no synonym list can know them all,
and a file whose every record is rejected for "no time value" tells the user nothing. So the first records
are asked, in one DuckDB statement, which field holds times: a field qualifies when its values parse — with
the very `aq_parse_time` and formats ingest uses, inside ingest's accepted range — in at least 90% of the
sampled records. Names that say time (a word time/date/at/when/ts, or a word containing time or date) come
first, then file order. No qualifying field is a clear error naming what was looked for.

Also here: why a record would be rejected for its time, the same words for ingest and `auditql inspect`.
"""

from __future__ import annotations

import dataclasses
import re

import duckdb

from auditql.db.archive_file import EARLIEST, LATEST
from auditql.errors import InputError
from auditql.read.formats import Records, json_path, sql_str
from auditql.vendors import GENERIC
from auditql.vendors.detect import resolve
from auditql.vendors.mapping import DEFAULT_TIME_FORMATS, Mapping

SAMPLE_RECORDS = 1000
SHARE = 0.9  # of the sampled records whose value must be a time
TIME_WORDS = frozenset({"time", "date", "at", "when", "ts", "timestamp", "datetime"})

# Why a staged record (mapper.plan's columns `time`, `_parsed`, `_time`) is rejected for its time.
TIME_REJECT_REASON = (
    "CASE WHEN time IS NULL THEN 'no time value' "
    "WHEN _parsed IS NULL THEN 'cannot parse time ' || to_json(time)::VARCHAR "
    "ELSE 'time out of range ' || to_json(time)::VARCHAR END"
)


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^0-9a-z]+", spaced.lower()) if w]


def says_time(name: str) -> bool:
    """Whether a field's name says it holds a time: `created_at`, `updatedAt`, `When`, `eventDateUtc`.

    >>> [says_time(n) for n in ("happened_at", "loggedTime", "status", "data", "format")]
    [True, True, False, False, False]
    """
    return any(w in TIME_WORDS or "time" in w or "date" in w for w in _words(name))


def find_time_field(con: duckdb.DuckDBPyConnection, records: Records, mapping: Mapping) -> str | None:
    """The field of `records` whose values are times, for a generic mapping none of whose time names the
    file has; None otherwise, and None when no field qualifies (or the file holds no records)."""
    if mapping.name != GENERIC or "time" in resolve(mapping, records.fields) or not records.fields:
        return None
    native = [f for f in records.fields if f in records.native]
    nested = [f for f in records.fields if f not in records.native]
    parts = []
    if native:
        parts.append("[" + ", ".join(records.access(f) for f in native) + "]")
    if nested:  # one parse per record for every JSON field (mapper._Fields does the same)
        parts.append(f"json_extract_string(raw, [{', '.join(sql_str(json_path(f)) for f in nested)}])")
    values = parts[0] if len(parts) == 1 else f"list_concat({', '.join(parts)})"
    formats = "[" + ", ".join(sql_str(f) for f in (*mapping.time_formats, *DEFAULT_TIME_FORMATS)) + "]"
    parsed = f"aq_parse_time(nullif(v, ''), {formats})"
    counts = con.execute(
        f"""WITH sample AS (SELECT {values} AS vs FROM {records.relation} ORDER BY source_row LIMIT {SAMPLE_RECORDS}),
            cells AS (SELECT unnest(vs) AS v, generate_subscripts(vs, 1) AS i FROM sample)
        SELECT (SELECT count(*) FROM sample),
               list(i ORDER BY i) FILTER (WHERE ok >= {SHARE} * (SELECT count(*) FROM sample))
        FROM (SELECT i, count(*) FILTER (WHERE {parsed} >= TIMESTAMPTZ '{EARLIEST}'
                                       AND {parsed} < TIMESTAMPTZ '{LATEST}') AS ok
              FROM cells GROUP BY i)"""
    ).fetchone()
    if not counts or not counts[0] or not counts[1]:
        return None
    order = native + nested
    found = [order[i - 1] for i in counts[1]]
    return min(found, key=lambda f: (not says_time(f), records.fields.index(f)))


def time_by_content(con: duckdb.DuckDBPyConnection, records: Records, mapping: Mapping, display: str) -> Mapping:
    """`mapping`, reading its time from the field `find_time_field` finds when the mapping is generic and
    none of its time names is in the file. A generic file with records but no time column at all is an
    error that says so, rather than every record rejected for "no time value"."""
    if mapping.name != GENERIC or "time" in resolve(mapping, records.fields):
        return mapping
    found = find_time_field(con, records, mapping)
    if found is not None:
        return dataclasses.replace(mapping, columns={**mapping.columns, "time": (found,)})
    held = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {records.relation} LIMIT 1)").fetchone()
    if not held or not held[0]:
        return mapping  # no records: nothing to reject, nothing to say
    names = ", ".join(mapping.synonyms("time"))
    raise InputError(
        display,
        f"no time column: none of the known names ({names}) and no column whose values are times "
        f"(in {SHARE:.0%} of the first {SAMPLE_RECORDS:,} records)",
    )
