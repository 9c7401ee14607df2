"""What every format reader shares: the `Records` a reader hands to a vendor mapping, the line-size options,
and DuckDB error text fit to print. SQL quoting for names that come from untrusted files lives in
auditql/sql.py; it is imported here because every reader takes it from `auditql.read.formats`."""

from __future__ import annotations

from dataclasses import dataclass, field

from auditql.db.connections import MAX_LINE_BYTES
from auditql.sql import error_line, json_path, sql_ident, sql_str

# The CSV reader holds buffers of at least twice the longest line, so under a memory limit the writer lowers
# the cap (engine.writer sets `aq_line_cap` to an eighth of the limit); otherwise MAX_LINE_BYTES applies.
LINE_OPTIONS = (
    f"max_line_size = coalesce(getvariable('aq_line_cap'), {MAX_LINE_BYTES}), "
    f"buffer_size = 2 * coalesce(getvariable('aq_line_cap'), {MAX_LINE_BYTES})"
)
MAX_BUFFER_BYTES = 1024 * 1024 * 1024  # a line longer than this is not even read to be rejected: the file is refused
SNIFF_BYTES = 64 * 1024
# Where a JSON text may hold a number a double would change (over 15 significant digits, or an exponent out
# of a double's range): only such records are read again in Python for their numbers as written. A number is
# a value, so it follows `:`, `,` or `[`; digits inside strings (hex ids such as "8e5741d4") do not count.
LONG_NUMBER = r"[:,\[]\s*-?([0-9][0-9.]{16}|[0-9.]*[0-9][eE][+-]?[0-9]{3})"
# Every CSV cell is text as written, even an empty or NUL one: the only "null string" is one no export holds.
NO_NULL = "chr(0) || 'auditql-no-null' || chr(0)"


def line_options(longest: int = 0) -> str:
    """LINE_OPTIONS for a file whose longest line has `longest` bytes: DuckDB silently drops a line longer than
    its buffer (no reject, no error), so the buffer always holds the longest line, which is then rejected
    as too long, with its line number."""
    if not longest:
        return LINE_OPTIONS
    buffer = f"greatest(2 * coalesce(getvariable('aq_line_cap'), {MAX_LINE_BYTES}), {longest + (1 << 20)})"
    return f"max_line_size = coalesce(getvariable('aq_line_cap'), {MAX_LINE_BYTES}), buffer_size = {buffer}"


# DuckDB's reason for a rejected line, readable (its message is NULL for some kinds of error).
REJECT_REASON = (
    "CASE WHEN error_type = 'LINE SIZE OVER MAXIMUM' THEN 'line ' || coalesce('of ' || "
    "nullif(regexp_extract(error_message, 'Actual Size: *([0-9]+)', 1), '') || ' bytes ', '') || 'longer than the ' || "
    f"coalesce(getvariable('aq_line_cap'), {MAX_LINE_BYTES}) || '-byte line limit' "
    "ELSE lower(error_type || coalesce(': ' || error_message, '')) END"
)


@dataclass
class Records:
    """A file's records as SQL, ready for a vendor mapping to select from."""

    kind: str  # csv | json | ndjson | parquet
    relation: str  # SQL subquery: source_row, line (physical line or NULL), raw JSON, plus native columns
    fields: list[str]  # every field name/path the file has, in file order
    native: set[str] = field(default_factory=set)  # fields that are real columns of `relation`
    content: str = "raw"  # SQL text whose md5 identifies the record's content (key order ignored)
    needs_canonical_json: bool = False  # content must go through canonical JSON (nested, unordered keys)
    rejects: list[tuple[int | None, str, str]] = field(default_factory=list)  # (line, reason, text)
    notes: list[str] = field(default_factory=list)
    timestamps: set[str] = field(default_factory=set)  # native fields typed TIMESTAMP/DATE (Parquet): no parsing
    line: str = "line"  # SQL for a row's physical line (an expression when no row needs one of its own)
    columns: dict[str, str] = field(default_factory=dict)  # native field -> its column, where the names differ
    # JSON fields none of whose values is a number DuckDB may write otherwise than the file does (see
    # jsonfile.plain_number_paths): their values need no second look in Python. None: not known.
    plain_numbers: frozenset[str] | None = None

    def column(self, field_path: str) -> str:
        """SQL naming a native field's column (the file's own name, unless it clashes with another)."""
        return sql_ident(self.columns.get(field_path, field_path))

    def access(self, field_path: str) -> str:
        """SQL expression giving the field's value as text (JSON text for objects/arrays)."""
        if field_path in self.native:
            return f"CAST({self.column(field_path)} AS VARCHAR)"
        return f"json_extract_string(raw, {sql_str(json_path(field_path))})"


def first_line(exc: BaseException) -> str:
    """DuckDB's error text, first line only and without its class prefix: short and safe to print."""
    return error_line(exc)[:300]
