"""Run a translated query on Spark over a Parquet dataset (`auditql query --engine spark`).

For archives larger than one machine: the same query language, translated by the same code, executed by
the cluster the organization already runs (docs/scale.md). Results come back as an `api.Result`, so every
output format is byte-for-byte the one the DuckDB engine prints.

pyspark is an optional extra (`pip install 'auditql[spark]'`) and is imported only here, only when used.
The session runs in UTC so that times mean the same thing as in DuckDB; `events` is a temporary view over
the dataset's partition folders with the canonical column order (partition discovery would otherwise
append `vendor` last and add `date`).
"""

from __future__ import annotations

import dataclasses
import threading
import time
import warnings
from pathlib import Path
from typing import Any

from auditql.errors import QueryError, UsageError
from auditql.sql import error_line

ALL_ROWS = "_aq_dataset"  # Spark's view of the dataset's rows with their partition columns (for pruning)

DEFAULT_MASTER = "local[2]"
LOG_CONFIG = Path(__file__).with_name("spark-log4j2.properties")  # errors only, on stderr


def session(master: str | None = None) -> Any:
    """A SparkSession in UTC (local[2] unless a master URL is given); reuses one already running."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError("--engine spark needs pyspark: pip install 'auditql[spark]' (and Java 17+)") from None
    builder = (
        SparkSession.builder.master(master or DEFAULT_MASTER)
        .appName("auditql")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}")
    )
    if (master or DEFAULT_MASTER).startswith("local"):  # a few hundred shuffle tasks cost seconds on a laptop
        builder = builder.config("spark.sql.shuffle.partitions", "4")
    with warnings.catch_warnings():  # pyspark's note about pandas versions; no pandas is used here
        warnings.simplefilter("ignore", FutureWarning)
        spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def register(spark: Any, root: Path) -> None:
    """Make `events` a view over the dataset at `root`, columns in canonical order; `ALL_ROWS` keeps the
    partition columns, for the same partition pruning the DuckDB path does (query/pruning.py)."""
    from auditql.api import dataset_layout

    events, columns = dataset_layout(root)
    frame = spark.read.option("basePath", str(events)).parquet(str(events))
    frame.createOrReplaceTempView(ALL_ROWS)
    frame.select(*[f"`{c}`" for c in columns]).createOrReplaceTempView("events")


def check(translation: Any) -> str:
    """The translation's Spark SQL, refused unless it is one allowed SELECT over `events`.

    The query passed the same translator and allowlist as on DuckDB; its Spark SQL is read back and held to
    the same rules (recheck.py) before Spark sees it: one SELECT over `events`, only allowed functions —
    never `reflect`, `java_method` or anything else that reaches into the JVM. Also what a Spark query
    cannot do (auditql's own time parser) is refused here, before a session starts. Bound values are
    written into the Spark SQL as literals by the dialect printer, and so are held to the same check."""
    from auditql.query.context import Context
    from auditql.query.recheck import check_sql

    sql = translation.to_dialect("spark")
    check_sql(sql, Context(""), dialect="spark")
    return sql


def spark_sql(spark: Any, translation: Any) -> str:
    """The translation in Spark SQL (checked), its `events` narrowed to the vendor/date partitions it can match."""
    from sqlglot import exp

    from auditql.query.pruning import narrow

    check(translation)
    if translation.tree is not None:
        canonical: list[exp.Expr] = [exp.column(c, quoted=True) for c in spark.table("events").columns]
        tree = narrow(translation.tree, set(spark.table(ALL_ROWS).columns), canonical, ALL_ROWS)
        if tree is not None:
            translation = dataclasses.replace(translation, tree=tree)
    return translation.to_dialect("spark")


def run_arrow(
    spark: Any, translation: Any, limit: int | None = None, sql: str | None = None, timeout: float | None = None
) -> Any:
    """Execute `translation` on Spark and return the rows as an Arrow table (at most limit + 1 rows).

    timeout: seconds before the query's Spark jobs are cancelled (None or 0: no limit)."""
    sql = sql or spark_sql(spark, translation)
    with JobGroup(spark, timeout) as group:
        try:
            frame = spark.sql(sql)
            if limit is not None:
                frame = frame.limit(limit + 1)
            with warnings.catch_warnings():  # pyspark's note about pandas versions; no pandas is used here
                warnings.simplefilter("ignore", FutureWarning)
                return frame.toArrow()
        except Exception as exc:  # Spark raises AnalysisException, Py4JJavaError, … for queries it cannot run
            if group.expired:
                raise group.error() from None
            raise QueryError(f"the query failed in Spark: {error_line(exc, keep_class=True)}") from None


class JobGroup:
    """Runs the block's Spark jobs in a job group of their own, cancelled after `seconds` from a timer.

    Spark has no statement timeout; cancelling the group stops its running tasks (interruptOnCancel) and
    makes the waiting `toArrow()` raise, which `error()` turns into the same line DuckDB's timeout gives."""

    def __init__(self, spark: Any, seconds: float | None):
        import uuid

        self.context, self.seconds = spark.sparkContext, seconds or None
        self.group = f"auditql-{uuid.uuid4()}"
        self.expired = False
        self._timer = threading.Timer(self.seconds, self._expire) if self.seconds else None

    def _expire(self) -> None:
        self.expired = True
        self.context.cancelJobGroup(self.group)

    def __enter__(self) -> JobGroup:
        self.context.setJobGroup(self.group, "auditql query", interruptOnCancel=True)
        if self._timer is not None:
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self.context.setLocalProperty("spark.jobGroup.id", None)

    def error(self) -> QueryError:
        return QueryError(
            f"query timed out after {self.seconds:g} s and its Spark jobs were cancelled; narrow it (e.g. "
            "--since, --vendor, a LIMIT) or raise --timeout (0 = no limit)"
        )


def run(spark: Any, translation: Any, limit: int | None = None, timeout: float | None = None) -> Any:
    """Execute `translation` on Spark; the same Result (and limit accounting) as `api.run` gives."""
    from auditql.api import Result

    started = time.perf_counter()
    sql = spark_sql(spark, translation)
    table = run_arrow(spark, translation, limit, sql, timeout)
    rows = [tuple(row.values()) for row in table.to_pylist()]
    truncated = limit is not None and len(rows) > limit
    return Result(
        columns=list(table.column_names),
        types=[_type_name(field) for field in table.schema],
        rows=rows[:limit] if truncated else rows,
        sql=sql,
        limit=limit,
        truncated=truncated,
        elapsed=time.perf_counter() - started,
        warnings=list(translation.warnings),
    )


def _type_name(field: Any) -> str:
    """The DuckDB type name for an Arrow column from Spark (`raw` is JSON text, as in the archive)."""
    import pyarrow as pa

    kind = field.type
    if pa.types.is_timestamp(kind):
        return "TIMESTAMP WITH TIME ZONE" if kind.tz else "TIMESTAMP"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "JSON" if field.name == "raw" else "VARCHAR"
    return _ARROW_TYPES.get(str(kind), str(kind).upper())


_ARROW_TYPES: dict[str, str] = {
    "int64": "BIGINT",
    "int32": "INTEGER",
    "double": "DOUBLE",
    "bool": "BOOLEAN",
    "date32[day]": "DATE",
}
