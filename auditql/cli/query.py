"""`auditql query`: one query, printed or written in any output format."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO, cast

import click

from auditql.cli.ingest import MemorySize
from auditql.cli.main import db_option, err, handle_errors, main, resolve_db
from auditql.errors import UsageError

DIALECTS = ("spark", "trino", "bigquery", "snowflake", "postgres", "duckdb")


@main.command()
@db_option
@click.option(
    "--format",
    "fmt",
    default=None,
    help="table|vertical|csv|json|ndjson|markdown|parquet (default: table, or from --output's extension).",
)
@click.option(
    "--output", "-o", type=click.Path(path_type=Path), help="Write to this file (it appears only when complete)."
)
@click.option("--limit", type=click.IntRange(min=0), help="At most N rows (the output says when rows were cut).")
@click.option(
    "--max-rows",
    type=click.IntRange(min=0),
    default=None,
    help="On a terminal, a table or vertical view shows at most N rows, the first and last (default 40, like "
    "DuckDB's .maxrows; 0 = all); the rest are counted. A pipe or --output file always gets every row.",
)
@click.option(
    "--columns",
    help="Comma-separated columns to show (canonical or raw field names); for SQL, which of the result's "
    "columns to print, in that order.",
)
@click.option("--since", help="Only events at or after: 7d, 12h, 2025-03-01, 2025-03-01T10:00:00Z.")
@click.option("--until", help="Only events before this time (same forms as --since).")
@click.option("--vendor", help="Only this vendor's events.")
@click.option("--explain", is_flag=True, help="Print the DuckDB SQL that would run, and stop.")
@click.option("--dialect", type=click.Choice(DIALECTS), help="Print the query translated for another engine.")
@click.option("--raw-csv", is_flag=True, help="Do not neutralize spreadsheet formulas in CSV output.")
@click.option(
    "--engine",
    "engine_name",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="Run on Spark (needs pyspark, and --db a Parquet dataset from `auditql export`; docs/scale.md).",
)
@click.option("--spark-master", help="Spark master URL for --engine spark (default: local[2]).")
@click.option(
    "--memory-limit",
    metavar="SIZE",
    help="Memory the query may use, e.g. 2GB or 25% (default: half the RAM); beyond it the query stops.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=None,
    help="Cancel the query after this many seconds, counting the time its rows take to be written "
    "(default 300; 0 = no limit).",
)
@click.option(
    "--file",
    "-f",
    "query_file",
    metavar="FILE",
    help="Read the query from FILE (`-f -`: standard input); positional arguments are then all PATHS.",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Bind :NAME / $NAME / {NAME} in the query (repeatable). A number-looking VALUE is a number; "
    "quote it ('0') to keep it text; @FILE reads one value per line into a list for IN (:NAME).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress line on the terminal while a long query runs.")
@click.argument("text", metavar="[QUERY|-]", required=False)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@handle_errors
def query(
    db: Path | None,
    fmt: str | None,
    output: Path | None,
    limit: int | None,
    max_rows: int | None,
    columns: str | None,
    since: str | None,
    until: str | None,
    vendor: str | None,
    explain: bool,
    dialect: str | None,
    raw_csv: bool,
    timeout: float | None,
    engine_name: str,
    spark_master: str | None,
    memory_limit: str | None,
    query_file: str | None,
    params: tuple[str, ...],
    quiet: bool,
    text: str | None,
    paths: tuple[Path, ...],
) -> None:
    """Run a query: a Gigya-style WHERE clause, the Gigya REST form, or read-only SQL over `events`.

    QUERY `-` reads the query from standard input, as does `-f -`; `-f FILE` reads it from a file.
    With PATHS, query those files directly (a cached temporary archive); otherwise query --db.

    \b
    Example:
      auditql query "endpoint LIKE 'socialize%' AND @timestamp > '2015-08-16T00:00:00.000Z'"
      auditql query --format json "SELECT vendor, count(*) AS n FROM events GROUP BY vendor"
      auditql query "outcome = 'failure'" sample_data/
      auditql query --since 7d --vendor sap_cdc
      auditql query -f examples/queries/failed-calls.sql --param code=403042 --param logins=@examples/queries/logins.txt
    """
    from auditql.frontend.query_input import Bound, parse_params, query_text

    if query_file is not None and text is not None:  # with -f, every positional argument is a path
        paths = (_existing(text), *paths)
        text = None
    if text is None and query_file is None and (since or until or vendor):
        text = "TRUE"  # `query --since 7d` alone: every event in the window (the WHERE form, so the usual columns)
    text = query_text(text, query_file)
    bound = Bound(parse_params(params))
    with _translator_frozen():
        from auditql import api
        from auditql.output import check_format, format_for, terminal_text

        timeout = api.DEFAULT_TIMEOUT if timeout is None else timeout
        fmt = check_format(fmt) if fmt else (format_for(output) if output is not None else "table")
        if paths and db is not None:
            raise UsageError("give either --db or files to query, not both")
        if paths:
            target, report = api.archive_for_files(paths, notify=err)
            if report is not None and not report.ok:
                for f in report.files:
                    if not f.ok:
                        err(f"warning: {f.error or f'{f.source_file}: {f.rejected} records rejected'}")
        else:
            target = resolve_db(db)
        # read here, not by click: parsing a size loads DuckDB, which must load after the freeze above
        size = MemorySize().convert(memory_limit, None, click.get_current_context()) if memory_limit else None
        with api.ctrl_c_cancels() as cancels:  # from here, Ctrl-C is never lost (api.ctrl_c_cancels)
            con = api.reader(target, notify=err, memory_limit=size)
            try:
                t = api.prepare(
                    con,
                    text,
                    limit=limit,
                    table_view=(fmt == "table" and not explain and not dialect),
                    columns=[c.strip() for c in columns.split(",")] if columns else None,
                    since=api.parse_when(since) if since else None,
                    until=api.parse_when(until) if until else None,
                    vendor=vendor,
                    params=bound if params else None,  # without --param, a placeholder is refused as such
                )
                bound.check_all_used()
                for w in t.warnings:
                    err(f"warning: {w}")
                if explain or dialect:
                    sql = t.sql if explain and not dialect else t.to_dialect(dialect or "duckdb")
                    click.echo(terminal_text(sql, sys.stdout))
                    return
                if engine_name == "spark":
                    result = _run_on_spark(target, t, limit, spark_master, fmt, output, timeout)
                    if result is not None:
                        with _opened(output) as out:
                            shown = _render(result, fmt, out, raw_csv, max_rows)
                        _footer(result, fmt, output, shown)
                else:
                    from auditql.frontend import progress

                    # DuckDB's share done, on a terminal's stderr until the first row is written (frontend/progress.py)
                    show = progress.wanted(sys.stderr, quiet, fmt)
                    cancels(con)  # a running query is interrupted at once
                    with progress.query(con, sys.stderr, show) as line:
                        if fmt == "parquet":
                            write_parquet(con, t, output, timeout, before_report=line.stop if line else None)
                            return
                        # streamed: rows are written as DuckDB delivers them, and --timeout covers the writing too
                        with _opened(output) as opened:
                            out = cast(TextIO, progress.Guarded(opened, line)) if line else opened
                            done = _write_lines(con, t, fmt, out, raw_csv, limit, timeout)
                            if done is None:
                                with api.stream(con, t, limit, timeout) as result:
                                    shown = _render(result, fmt, out, raw_csv, max_rows)
                            else:
                                result, shown = done
                    _footer(result, fmt, output, shown)
            finally:
                con.close()


def _existing(name: str) -> Path:
    """A positional argument after -f FILE: a path to query, which must exist (as click checks PATHS)."""
    path = Path(name)
    if not path.exists():
        raise UsageError(f"{name}: no such file or folder to query (with -f FILE, the arguments are all PATHS)")
    return path


@contextmanager
def _translator_frozen() -> Iterator[None]:
    """sqlglot and the translator are most of the heap, and live as long as the process. Loaded first and
    frozen, they are skipped by every garbage collection: those while a result is fetched and written
    (17,000 rows as CSV: ~50 ms less) and, in a one-shot process, the interpreter's last one at exit
    (~50 ms). DuckDB loads after the freeze, so its objects are still freed at exit as it expects.
    In a process that lives on (tests), they are unfrozen again at the end."""
    import auditql.query  # noqa: F401  (loaded now, so the freeze below covers it)

    gc.freeze()
    try:
        yield
    finally:
        if not getattr(main, "one_shot", False):
            gc.unfreeze()


@contextmanager
def _opened(path: Path | None) -> Iterator[TextIO]:
    """The output file (written whole or not at all: `output/destination.py`), opened before the query runs so a
    bad path is reported at once; else stdout."""
    if path is None:
        yield sys.stdout
        return
    from auditql.output.destination import output_file

    with output_file(path) as fh:
        yield fh


def _render(result, fmt: str, out: TextIO, raw_csv: bool, max_rows: int | None):
    """Draw the rows; a table or vertical view on a terminal shows a screenful (`--max-rows`), a pipe or
    file gets them all."""
    from auditql import output

    return output.render(result, fmt, out, raw_csv=raw_csv, max_rows=output.screenful(out, fmt, max_rows))


def _write_lines(con, translation, fmt: str, out: TextIO, raw_csv: bool, limit, timeout):
    """CSV or NDJSON for a pipe or a file, formatted by DuckDB a line at a time (output/lines.py): the same
    text as the Python writers, several times faster. None when the result has a column of a type formatted
    only in Python, or `out` is a terminal (cells escaped one at a time)."""
    from dataclasses import replace

    from auditql import api
    from auditql.output import Shown, head, is_terminal, lines

    if fmt not in lines.FORMATS or is_terminal(out):
        return None
    with api.stream(con, replace(translation, sql=lines.describe_sql(translation.sql)), None, timeout) as shape:
        columns, types = shape.columns, shape.types
    sql = lines.line_sql(translation.sql, columns, types, fmt, raw_csv)
    if sql is None:
        return None
    # a sorted result read as its first page (found by its keys alone), then the rest: the first line does
    # not wait for the sort of every row (output/head.py)
    split = head.split(translation, columns, types, fmt, raw_csv)
    first, then = (split.first, split.page) if split else (replace(translation, sql=sql), None)
    with api.stream(con, first, limit, timeout, then) as result:
        lines.write_lines(result.batches(), columns, types, fmt, out, raw_csv)
    return result, Shown(0, 0, len(columns), len(columns))


def _footer(result, fmt: str, path: Path | None, shown) -> None:
    """How many rows went where (on stderr: stdout holds only data, unless it is a table for reading), and
    how to see what a screen hid."""
    from auditql.output import footer_text

    text = footer_text(result.row_count(), shown)
    if path is not None:
        err(f"{text} → {path}")
    elif fmt == "table" or result.truncated or shown.hides_rows:
        err(text)
    if shown.hides_rows:
        err("note: a terminal shows the first and last rows; every row: --max-rows 0, a pipe, or --output FILE")
    if shown.hides_columns:
        err("note: columns that do not fit the terminal are hidden (…); pick them with --columns, or --format vertical")


def _run_on_spark(target: Path, translation, limit, master, fmt: str, output: Path | None, timeout=None):
    """The same translation on Spark over the dataset at `target`; None when written as Parquet."""
    from auditql import api, spark

    if not api.is_dataset(target):
        raise UsageError(
            f"--engine spark reads a Parquet dataset and {target} is not one; "
            "run `auditql export --to DIR`, then use --db DIR"
        )
    spark.check(translation)  # what Spark may not or cannot run is refused before a session starts (seconds)
    session = spark.session(master)
    spark.register(session, target)
    if fmt != "parquet":
        return spark.run(session, translation, limit, timeout)
    if output is None:
        raise UsageError("--format parquet needs --output FILE.parquet")
    import pyarrow.parquet as pq

    from auditql.output.destination import output_file

    table = spark.run_arrow(session, translation, limit, timeout=timeout)
    with output_file(output, binary=True) as fh:
        pq.write_table(table, fh, compression="zstd")
    err(f"{table.num_rows} rows → {output}")
    return None


def write_parquet(con, translation, path: Path | None, timeout: float | None = None, before_report=None) -> None:
    """Parquet through Arrow, a batch at a time: the query connection is sandboxed and cannot COPY to files.
    before_report: called before the row count is printed (clears the progress line)."""
    if path is None:
        raise UsageError("--format parquet needs --output FILE.parquet")
    import pyarrow.parquet as pq

    from auditql import api
    from auditql.output.destination import output_file

    rows = 0
    with (
        output_file(path, binary=True) as fh,
        api.arrow_stream(con, translation, timeout) as batches,
        pq.ParquetWriter(fh, batches.schema, compression="zstd") as writer,
    ):
        for batch in batches:
            writer.write_batch(batch)
            rows += batch.num_rows
    if before_report is not None:
        before_report()
    err(f"{rows} rows → {path}")
