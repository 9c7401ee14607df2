"""Turn a vendor mapping and one file's records into a single SELECT of canonical rows.

This is where "mappings are data" meets "transformations run in DuckDB": synonyms become COALESCEs, rule
tables become CASE expressions, times go through the SQL time macros, and the dedup key is computed, all
in one statement over the whole file.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditql.engine import EARLIEST, LATEST
from auditql.formats import Records, json_path, sql_ident, sql_str
from auditql.schema import COLUMN_NAMES
from auditql.vendors.detect import resolve
from auditql.vendors.mapping import DEFAULTS, FIELD_COLUMNS, RULE_COLUMNS, Mapping, Rule

DEFAULT_TIME_FORMATS: tuple[str, ...] = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%d %b %Y %H:%M:%S",
    "%b %d, %Y %I:%M:%S %p",
)
# Columns whose value is copied unchanged from one field (so queries may read the typed column instead).
VERBATIM_COLUMNS = frozenset(FIELD_COLUMNS) - {"time"}


@dataclass
class Plan:
    """The SELECT for one file plus what it was built from (shown by `auditql inspect`)."""

    sql: str
    resolved: dict[str, list[str]]
    unmapped: list[str]

    def verbatim(self) -> dict[str, str]:
        """field -> column for columns fed by exactly one field, copied unchanged."""
        return {f[0]: c for c, f in self.resolved.items() if c in VERBATIM_COLUMNS and len(f) == 1}


class _Fields:
    """Field values as SQL. JSON fields are all extracted by one `json_extract_string(raw, [paths])` into a
    list column, so each record is parsed once instead of once per field (measured 3x faster on Gigya)."""

    COLUMN = "_aq_fields"

    def __init__(self, records: Records):
        self.records = records
        self.paths: list[str] = []

    def value(self, field_path: str) -> str:
        if field_path in self.records.native:
            return f"nullif({self.records.access(field_path)}, '')"
        if field_path not in self.paths:
            self.paths.append(field_path)
        return f"nullif({self.COLUMN}[{self.paths.index(field_path) + 1}], '')"

    def relation(self) -> str:
        if not self.paths:
            return self.records.relation
        paths = ", ".join(sql_str(json_path(p)) for p in self.paths)
        return f"(SELECT *, json_extract_string(raw, [{paths}]) AS {self.COLUMN} FROM {self.records.relation})"


def _rule_case(
    column: str,
    rules: tuple[Rule, ...],
    exprs: dict[str, str],
    fields: _Fields,
    resolved_fields: set[str],
    default: str | None,
) -> str:
    branches = []
    lookup = {f.lower(): f for f in resolved_fields}
    for rule in rules:
        if rule.when is not None:
            target = exprs.get(rule.when, "NULL")
        else:
            actual = lookup.get((rule.field or "").lower())
            if actual is None:
                continue
            target = fields.value(actual)
        cond = " OR ".join(f"{target} ILIKE {sql_str(p)} ESCAPE '\\'" for p in rule.like)
        branches.append(f"WHEN {cond} THEN {sql_str(rule.then)}")
    fallback = sql_str(default) if default else "NULL"
    if not branches:
        return fallback
    return "CASE " + " ".join(branches) + f" ELSE {fallback} END"


def plan(mapping: Mapping, records: Records, vendor: str) -> Plan:
    resolved = resolve(mapping, records.fields)
    fields = _Fields(records)
    exprs: dict[str, str] = {}
    for column in FIELD_COLUMNS:
        feeds = resolved.get(column, [])
        values = [fields.value(f) for f in feeds]
        exprs[column] = values[0] if len(values) == 1 else (f"coalesce({', '.join(values)})" if values else "NULL")
    all_fields = set(records.fields)
    for column, rules in mapping.rules.items():
        default = DEFAULTS[column]
        if column == "actor_type" and not rules:
            default = "unknown"
        exprs[column] = _rule_case(column, rules, exprs, fields, all_fields, default)
    formats = "[" + ", ".join(sql_str(f) for f in (*mapping.time_formats, *DEFAULT_TIME_FORMATS)) + "]"
    parsed = f"aq_parse_time({exprs['time']}, {formats})"
    time_feeds = resolved.get("time", [])
    if len(time_feeds) == 1 and time_feeds[0] in records.timestamps:  # typed already: no text round trip
        parsed = f"CAST({sql_ident(time_feeds[0])} AS TIMESTAMPTZ)"
    content = "md5(aq_canonical_json(raw::VARCHAR))" if records.needs_canonical_json else f"md5({records.content})"
    key = f"{sql_str(vendor + ':')} || coalesce('id:' || ({exprs['event_id']}), 'h:' || {content})"
    mapped = ",\n      ".join(f"{exprs[c]} AS {sql_ident(c)}" for c in FIELD_COLUMNS + tuple(RULE_COLUMNS))
    select = f"""
    SELECT *, CASE WHEN _parsed >= TIMESTAMPTZ '{EARLIEST}' AND _parsed < TIMESTAMPTZ '{LATEST}'
                   THEN _parsed END AS _time
    FROM (
      SELECT source_row, {records.line} AS line, raw, {mapped},
      {key} AS event_key,
      {parsed} AS _parsed
      FROM {fields.relation()}
    )"""
    used = {f for feeds in resolved.values() for f in feeds}
    unmapped = [f for f in records.fields if f not in used and "." not in f]
    return Plan(select, resolved, unmapped)


def canonical_columns(source_file: str, vendor: str) -> str:
    """The staged columns in `events` order (time from the parsed value, provenance filled in)."""
    picks = {
        "time": "_time",
        "vendor": sql_str(vendor),
        "source_file": sql_str(source_file),
    }
    return ", ".join(f"{picks[c]} AS {sql_ident(c)}" if c in picks else sql_ident(c) for c in COLUMN_NAMES)
