"""The canonical `events` table: the public contract every front end, export and saved query relies on.

Columns are listed once here, with their DuckDB type and one-line meaning, so that the DDL, `auditql
schema`, completion and documentation can never disagree. Add columns only with a reason; never rename.
"""

from __future__ import annotations

from typing import NamedTuple


class Column(NamedTuple):
    name: str
    type: str
    meaning: str


CATEGORIES: tuple[str, ...] = (
    "create",
    "read",
    "update",
    "delete",
    "login",
    "logout",
    "export",
    "share",
    "permission",
    "api_call",
    "other",
)
OUTCOMES: tuple[str, ...] = ("success", "failure", "unknown")
ACTOR_TYPES: tuple[str, ...] = ("user", "service", "system", "unknown")

COLUMNS: tuple[Column, ...] = (
    Column("time", "TIMESTAMPTZ", "when the action happened, UTC, millisecond precision kept"),
    Column("vendor", "VARCHAR", "key of the mapping that read the record (sas_ci360, resolver, sap_cdc, …)"),
    Column("tenant", "VARCHAR", "organization / site / tenant / API key the event belongs to"),
    Column("action", "VARCHAR", "the vendor's own action, event or API-method name, verbatim"),
    Column("category", "VARCHAR", "normalized verb: " + ", ".join(CATEGORIES)),
    Column("outcome", "VARCHAR", "success, failure or unknown"),
    Column("status_code", "VARCHAR", "the vendor's own result/error code where it has one (Gigya errCode)"),
    Column("message", "VARCHAR", "human-readable description or error message"),
    Column("actor_id", "VARCHAR", "stable id of who acted (user id, uid, user key)"),
    Column("actor_name", "VARCHAR", "display name or login of who acted"),
    Column("actor_email", "VARCHAR", "email of who acted"),
    Column("actor_type", "VARCHAR", "user, service, system or unknown"),
    Column("target_type", "VARCHAR", "kind of item acted on (USER, PROJECT, Application, …)"),
    Column("target_id", "VARCHAR", "id of the item acted on"),
    Column("target_name", "VARCHAR", "name of the item acted on"),
    Column("source_ip", "VARCHAR", "client IP address"),
    Column("user_agent", "VARCHAR", "client / agent / SDK string"),
    Column("event_id", "VARCHAR", "the vendor's unique id for the record, where it has one"),
    Column("raw", "JSON", "the complete original record: every field, original names, original values"),
    Column("source_file", "VARCHAR", "file the record came from; for archives export.zip!inner/path.csv"),
    Column("source_row", "BIGINT", "1-based position of the record within that file or archive member"),
    Column("event_key", "VARCHAR", "deduplication key: vendor + event_id, else a hash of the content"),
)


COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
COLUMN_TYPES: dict[str, str] = {c.name: c.type for c in COLUMNS}
# Columns a vendor mapping fills from source fields (everything except what ingest computes itself).
MAPPED_COLUMNS: tuple[str, ...] = tuple(
    n for n in COLUMN_NAMES if n not in {"vendor", "raw", "source_file", "source_row", "event_key"}
)


def events_ddl(table: str = "events") -> str:
    """CREATE TABLE statement for the canonical table (or a staging copy of it)."""
    cols = ",\n  ".join(f'"{c.name}" {c.type}' for c in COLUMNS)
    return f"CREATE TABLE IF NOT EXISTS {table} (\n  {cols}\n)"
