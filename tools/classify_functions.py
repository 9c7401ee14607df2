"""Write auditql/query/functions.toml: every function of the installed DuckDB, allowed in a query or refused.

Example:
  python tools/classify_functions.py           # rewrite the file, then review `git diff`
  python tools/classify_functions.py --check   # exit 1 if the file differs from what the rules give

A query may call a DuckDB function only if it just reads its arguments (docs/sandbox.md). This script holds
the rules, as data, that sort DuckDB's `duckdb_functions()` into allowed and refused-with-a-reason; the
checked-in TOML is its output, reviewed as a diff. A DuckDB upgrade that adds functions makes
tests/test_function_list.py fail until this is run again and the new names are reviewed: until then the
new functions are refused, because auditql allows only names the file lists as allowed.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import duckdb

OUT = Path(__file__).resolve().parents[1] / "auditql" / "query" / "functions.toml"

# Why a function is refused, by category: the refusal quotes this sentence.
REASONS = {
    "files": "it reads files",
    "tables": "it is a table function; a query reads only the events table",
    "sql": "it runs, plans or rewrites SQL text",
    "catalog": "it reads DuckDB's catalog or session metadata",
    "settings": "it reads DuckDB settings, variables or the environment",
    "side_effects": "it changes the session or the database, or waits on purpose",
    "internal": "it is internal to DuckDB",
    "pragma": "it is a PRAGMA: it reads or changes settings, the catalog or storage",
    "extension": "it belongs to a DuckDB extension that queries cannot load (files, network or catalogs)",
}
# Scalar functions and macros refused by name (table functions and pragmas are refused by kind, below).
REFUSED = {
    "settings": ["current_setting", "getvariable", "getenv"],
    "catalog": [
        "current_catalog", "current_database", "current_query", "current_role", "current_schema",
        "current_schemas", "current_user", "session_user", "user", "current_connection_id",
        "current_query_id", "current_transaction_id", "txid_current", "in_search_path", "index_key",
        "make_type", "version", "get_block_size",
    ],
    "sql": ["json_serialize_sql", "json_deserialize_sql", "json_serialize_plan", "json_execute_serialized_sql"],
    "side_effects": [
        "setseed", "nextval", "currval", "setval", "write_log", "sleep_ms", "pg_sleep", "checkpoint",
        "force_checkpoint", "truncate_duckdb_logs", "enable_logging", "disable_logging", "register_external_resource",
        "register_external_resource_type", "deregister_external_resource", "create_external_resource",
        "destroy_external_resource",
    ],
    "internal": [
        "stats", "vector_type", "parse_duckdb_log_message", "json_copy_strftime_if_date",
        "json_copy_strftime_if_timestamp", "variant_to_parquet_variant", "variant_bytes_to_variant",
    ],
}  # fmt: skip
# Functions of extensions this DuckDB build does not load (and the query connection cannot load), and of
# DuckDB's command-line shell: not in duckdb_functions() here, refused by name so the refusal says why.
NOT_LOADED = {
    "getenv": "settings", "sql_auto_complete": "extension", "read_xlsx": "extension", "st_read": "extension",
    "load_aws_credentials": "extension", "iceberg_scan": "extension", "delta_scan": "extension",
    "postgres_scan": "extension", "postgres_query": "extension", "mysql_query": "extension",
    "sqlite_scan": "extension", "sqlite_attach": "extension", "fts_main_match_bm25": "extension",
}  # fmt: skip
# Calls DuckDB's parser reads as syntax, so they are not in duckdb_functions(); all only read their arguments.
SYNTAX_CALLS = [
    "coalesce", "ifnull", "grouping", "grouping_id", "try", "extract", "current_time", "current_timestamp",
    "localtime", "localtimestamp", "percentile_cont", "percentile_disc",
]  # fmt: skip
_FILE_TABLE = re.compile(r"read_|glob$|parquet_|sniff_csv$")
_CATALOG_TABLE = re.compile(r"duckdb_|pragma_|pg_|icu_calendar_names$|test_|which_secret$")
# Table functions whose scalar form is also DuckDB's (`range(3)` is a list) or that DuckDB runs as a
# scalar in a SELECT list (`unnest(list)`): allowed as calls; in FROM every table function is refused.
SCALAR_FORMS = {"unnest"}


def classify(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute(
        "SELECT function_name, list(DISTINCT function_type), list(DISTINCT schema_name), "
        "string_agg(macro_definition, ' ') FILTER (WHERE function_type = 'macro') FROM duckdb_functions() "
        "WHERE database_name = 'system' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    by_name = {name: category for category, names in REFUSED.items() for name in names}
    classified: dict[str, str] = {}
    for name, kinds, schemas, macro in rows:
        callable_kinds = set(kinds) & {"scalar", "aggregate", "window", "macro"}
        if name in by_name:
            category = by_name[name]
        elif name.startswith(("__", "!__")):
            category = "internal"
        elif schemas == ["pg_catalog"]:
            category = "catalog"  # PostgreSQL's catalog functions, answered from DuckDB's catalog
        elif "pragma" in kinds and not callable_kinds:
            category = "pragma"
        elif not callable_kinds and name not in SCALAR_FORMS:
            category = "files" if _FILE_TABLE.match(name) else "catalog" if _CATALOG_TABLE.match(name) else "tables"
            category = "sql" if name in ("query", "query_table") else category
        elif re.search(r"\b(FROM|SELECT)\b", macro or ""):
            category = "tables"  # a macro that runs a query of its own
        else:
            category = "allowed"
        classified[name] = category
    for name in SYNTAX_CALLS:
        classified.setdefault(name, "allowed")
    for name, category in NOT_LOADED.items():
        classified.setdefault(name, category)
    return dict(sorted(classified.items()))


def render(classified: dict[str, str], version: str) -> str:
    lines = [
        "# Every function of DuckDB " + version + ": allowed in a query, or refused and why (docs/sandbox.md).",
        "# Generated by `python tools/classify_functions.py` from duckdb_functions(); change the rules there,",
        "# rerun it and review the diff. auditql/query/functions.py reads this file.",
        f'duckdb_version = "{version}"',
        "",
        "[reasons]",
        *(f'{key} = "{text}"' for key, text in REASONS.items()),
        "",
        "[functions]",
        *(f'{_key(name)} = "{category}"' for name, category in classified.items()),
    ]
    return "\n".join(lines) + "\n"


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the checked-in file instead of writing")
    args = parser.parse_args(argv)
    con = duckdb.connect()
    text = render(classify(con), duckdb.__version__)
    if args.check:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is not what tools/classify_functions.py gives for DuckDB {duckdb.__version__}; rerun it")
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}: {sum(c == 'allowed' for c in classify(con).values())} allowed of {len(text.splitlines())}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
