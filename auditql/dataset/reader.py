"""Open a dataset for queries: the same `events` table and catalog a DuckDB archive has, sandboxed.

The Parquet files are read in place (nothing is copied), by Arrow: DuckDB scans an Arrow dataset over the
part files, so the connection needs no file access at all and is locked down exactly as `engine.reader`
locks an archive file (auditql/lockdown.py). Allowing DuckDB to read the dataset's folder would also have
allowed it to write there: a query once rewrote a partition file with COPY. The catalog tables are small
and loaded into memory, in a schema only auditql's own code can name, except `deliveries` (a row per
record ever delivered, as large as `events`): an Arrow dataset too, read only when asked (`auditql
verify` does). The query connection sees `events` (and `_aq_dataset`, the same rows with their partition
columns, which prune() points `events` at) and nothing else.

Partition pruning: a query's `vendor = …` and `time` bounds do not mention the `date` folders, so
`prune()` reads those conditions off the translated query and points its `events` at a subquery that
also filters on the partition columns; DuckDB pushes those filters into the Arrow scan, which then opens
only the matching folders.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

import duckdb
from sqlglot import exp

from auditql import connections, lockdown
from auditql.dataset.layout import (
    CATALOG_TABLES,
    EVENTS,
    LARGE_CATALOG_TABLES,
    MANIFEST,
    META,
    PARTITION_KEYS,
    read_manifest,
    sql_path,
)
from auditql.errors import ArchiveMissing
from auditql.query import Translation
from auditql.schema import COLUMNS, events_ddl
from auditql.sql import error_line, sql_str

ALL_ROWS = "_aq_dataset"  # the Parquet rows with their partition columns; `events` hides those
PARQUET = "_aq_parquet"  # the Arrow dataset over the part files, registered on both connections
_ARROW_TYPES = {"VARCHAR": "string", "DATE": "date32"}


def open_reader(root, memory_limit: int | None = None) -> duckdb.DuckDBPyConnection:
    """Read-only, sandboxed in-memory connection whose `events` view reads the dataset at `root`."""
    if not (root / META / MANIFEST).exists():
        raise ArchiveMissing(
            f"{root}: not an auditql dataset yet (no {META}/{MANIFEST}); "
            f"create it with `auditql export --to {root}` or `auditql ingest --db {root} FILES…`"
        )
    manifest = read_manifest(root)
    with connections.closed_on_error(connections.in_memory()) as con:
        _open(con, root, manifest)
        lockdown.lock(con, memory_limit)
    return con


def _open(con: duckdb.DuckDBPyConnection, root, manifest: dict) -> duckdb.DuckDBPyConnection:
    """Catalog tables in a hidden schema, `events` in the default one, and the query connection; unlocked."""
    connections.utc_and_quiet(con)
    events = root / EVENTS
    parts = sorted(events.rglob("*.parquet"))
    if not parts:
        con.execute(events_ddl())
    hidden = lockdown.hidden_name()
    con.execute(f'CREATE SCHEMA "{hidden}"')
    con.execute(f"SET search_path = '{hidden},main'")
    for table in CATALOG_TABLES:
        path = root / META / (table + ".parquet")
        if not path.exists():  # a dataset written before the table existed simply lacks it
            continue
        if table in LARGE_CATALOG_TABLES:
            con.register(table, _arrow_dataset([path], root / META, ()))
        else:
            con.execute(f'CREATE TABLE "{hidden}".{table} AS SELECT * FROM read_parquet({sql_path(path)})')
    keys = list(manifest.get("partition_by", []))
    columns = [c["name"] for c in manifest["columns"]]
    dataset = _arrow_dataset(parts, events, keys) if parts else None
    if dataset is not None:
        con.register(PARQUET, dataset)
        con.execute(f"CREATE VIEW memory.main.{ALL_ROWS} AS SELECT * FROM {PARQUET}")
        con.execute(f"CREATE VIEW memory.main.events AS SELECT {_canonical_select(columns)} FROM {ALL_ROWS}")
    connections.query_macros(con)
    query = lockdown.add_query_connection(con)
    if dataset is not None:
        query.register(PARQUET, dataset)
    return query


def _arrow_dataset(files: list, base, keys) -> Any:
    """The files as one Arrow dataset: columns unified by name across files (a later file may add some),
    partition folders typed as `PARTITION_KEYS` says. Arrow reads the files, so DuckDB needs no file access
    at all, and its filters on `vendor` and `date` still skip the folders they rule out."""
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    try:
        schema = pa.unify_schemas([pq.read_schema(f) for f in files], promote_options="permissive")
        partitioning = None
        if keys:
            typed = pa.schema([(k, pa.type_for_alias(_ARROW_TYPES[PARTITION_KEYS[k][1]])) for k in keys])
            partitioning = ds.partitioning(typed, flavor="hive")
            schema = pa.unify_schemas([schema, typed])
        return ds.dataset(
            [str(f) for f in files],
            format="parquet",
            schema=schema,
            partitioning=partitioning,
            partition_base_dir=str(base),
        )
    except (OSError, pa.ArrowException) as error:
        raise ArchiveMissing(
            f"{base}: cannot read the dataset's Parquet files: {error_line(error, keep_class=True)}"
        ) from None


def prune(con: duckdb.DuckDBPyConnection, translation: Translation) -> Translation:
    """The same query, with each `events` it reads narrowed to the partitions its WHERE can match."""
    if translation.tree is None or not _is_dataset(con):
        return translation
    present = [name for (name,) in con.execute(f"SELECT name FROM pragma_table_info('{ALL_ROWS}')").fetchall()]
    tree = narrow(translation.tree, set(present), _canonical_select(present))
    if tree is None:
        return translation
    from auditql.query.dialect import AuditQL

    return dataclasses.replace(translation, sql=tree.sql(dialect=AuditQL, identify=True))


def narrow(tree: exp.Expr, columns: set[str], select_list: str) -> exp.Expr | None:
    """A copy of `tree` whose `events` reads `SELECT select_list FROM _aq_dataset WHERE <partition filters>`
    wherever its WHERE implies such filters; None when nothing can be narrowed. Engine-neutral: Spark uses
    it too, with its own `_aq_dataset` view. `columns` are the dataset's columns (partition keys included)."""
    keys = columns & set(PARTITION_KEYS)
    tree = tree.copy()
    if not keys or any(cte.alias_or_name.lower() == "events" for cte in tree.find_all(exp.CTE)):
        return None  # a CTE named events shadows the table; leave such a query as it is
    changed = False
    for table in list(tree.find_all(exp.Table)):
        select = table.parent_select
        if table.name.lower() != "events" or table.args.get("db") or select is None or select.args.get("joins"):
            continue
        conditions = _partition_conditions(select.args.get("where"), keys)
        if not conditions:
            continue
        narrowed = f"SELECT {select_list} FROM {ALL_ROWS} WHERE {' AND '.join(conditions)}"
        inner: exp.Expr = exp.maybe_parse(narrowed, dialect="duckdb")
        alias = exp.TableAlias(this=exp.to_identifier(table.alias or "events", quoted=True))
        table.replace(exp.Subquery(this=inner, alias=alias))
        changed = True
    return tree if changed else None


def _canonical_select(present: list[str]) -> str:
    """The canonical columns in order; a query result exported without some of them has them as NULL
    (its other columns stay readable by Spark, Trino or DuckDB's read_parquet, not as `events`)."""
    return ", ".join(
        ('"raw"::JSON' if c.name == "raw" else f'"{c.name}"') + f' AS "{c.name}"'
        if c.name in present
        else f'NULL::{c.type} AS "{c.name}"'
        for c in COLUMNS
    )


def _is_dataset(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [ALL_ROWS]).fetchall()
    return bool(rows and rows[0][0])


def _partition_conditions(where: exp.Expr | None, keys: set[str]) -> list[str]:
    """Partition filters implied by the WHERE's top-level AND terms (never narrower than the WHERE)."""
    if where is None:
        return []
    low: date | None = None
    high: date | None = None
    vendors: set[str] | None = None
    for term in where.this.flatten() if isinstance(where.this, exp.And) else [where.this]:
        term = term.unnest()
        if isinstance(term, exp.In) and _is_column(term.this, "vendor") and not term.args.get("query"):
            values = {_string(v) for v in term.expressions}
            if None not in values:
                listed = {v for v in values if v is not None}
                vendors = listed & vendors if vendors is not None else listed
            continue
        if isinstance(term, exp.Between) and _is_column(term.this, "time"):
            lo, hi = _day(term.args.get("low")), _day(term.args.get("high"))
            low = max(filter(None, (low, lo)), default=None)
            high = min(filter(None, (high, hi)), default=None)
            continue
        if not isinstance(term, exp.EQ | exp.GT | exp.GTE | exp.LT | exp.LTE):
            continue
        left, right, op = term.this, term.expression, type(term)
        if not isinstance(left, exp.Column):
            left, right, op = right, left, _FLIP.get(op, op)
        if _is_column(left, "vendor") and op is exp.EQ and (v := _string(right)) is not None:
            vendors = {v} & vendors if vendors is not None else {v}
        elif _is_column(left, "time") and (day := _day(right)) is not None:
            if op in (exp.EQ, exp.GT, exp.GTE):
                low = max(low, day) if low else day
            if op in (exp.EQ, exp.LT, exp.LTE):
                high = min(high, day) if high else day
    conditions = []
    if "vendor" in keys and vendors is not None:
        names = ", ".join(sql_str(v) for v in sorted(vendors)) or "NULL"
        conditions.append(f'"vendor" IN ({names})')
    if "date" in keys and low is not None:
        conditions.append(f"\"date\" >= DATE '{low.isoformat()}'")
    if "date" in keys and high is not None:
        conditions.append(f"\"date\" <= DATE '{high.isoformat()}'")
    return conditions


_FLIP: dict[type, type] = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE}


def _is_column(node: exp.Expr | None, name: str) -> bool:
    return isinstance(node, exp.Column) and node.name.lower() == name


def _string(node: exp.Expr | None) -> str | None:
    return node.this if isinstance(node, exp.Literal) and node.is_string else None


def _day(node: exp.Expr | None) -> date | None:
    """The UTC day of a time literal (`CAST('…' AS TIMESTAMPTZ)` or a string); None for anything else."""
    if isinstance(node, exp.Cast):
        node = node.this
    text = _string(node)
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (value.astimezone(UTC) if value.tzinfo else value).date()
