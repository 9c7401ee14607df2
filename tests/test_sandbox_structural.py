"""The query sandbox holds by construction (issue 14, A and B's memory bound), through every front end.

Each escape a hostile tester found is here as it was typed: a CTE or subquery reading `sources`,
`manifest` or DuckDB's catalog (also as a yes/no oracle inside a plain WHERE), SQL carried inside a quoted
type name (`CAST(x AS "…")`, `::"…"`, `DECIMAL("…")`, `BIT("…")`, `MAP("…", …)`), a COPY over a Parquet
dataset's partition file, JVM functions and an ignored `--timeout` on Spark, and a CTE fan-out without a
memory limit. Each must be refused with one line naming what was refused (exit 3, never 70, nothing of the
hidden tables in stdout or stderr), through the real CLI (subprocess), the REPL (a pty) and the notebook
magic (IPython). Underneath, the second line is tested on its own: SQL that never went through the
translator, run on the query connection, still cannot see another table, read a file or write one.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from conftest import ROOT, run_auditql

from auditql import api
from auditql.db import connections
from auditql.db import sandbox as lockdown
from auditql.errors import QueryError
from auditql.query import Translation, translate
from auditql.query.context import Context
from auditql.query.recheck import check_sql

# What only the archive's other tables hold: a sample file's path is in `sources`, `manifest`, `deliveries`.
HIDDEN = "sample_data/"

# (query, what the one error line must say). Every one of these read or wrote something before issue 14.
ESCAPES: list[tuple[str, str]] = [
    # CTE scope: a CTE's own name inside its body is the real table; a CTE defined in a subquery does not
    # make the name allowed outside it; a later CTE is not visible in an earlier one.
    ("WITH manifest AS (SELECT * FROM manifest) SELECT * FROM manifest", "table 'manifest' is not allowed"),
    ("SELECT source_file FROM sources WHERE EXISTS (WITH sources AS (SELECT 1) SELECT 1)",
     "table 'sources' is not allowed"),
    ("WITH a AS (SELECT * FROM rejects), rejects AS (SELECT 1) SELECT * FROM a", "table 'rejects' is not allowed"),
    ("(WITH d AS (SELECT 1) SELECT * FROM d) UNION ALL SELECT * FROM d", "table 'd' is not allowed"),
    # found by the fuzzer: sqlglot prints a set operation's operand without its WITH
    ("SELECT * FROM events UNION ALL WITH a AS (SELECT * FROM events) SELECT * FROM a UNION ALL SELECT * FROM events",
     "a WITH after UNION/INTERSECT/EXCEPT goes in parentheses"),
    ("WITH s AS (SELECT * FROM events), s AS (SELECT * FROM sources) SELECT * FROM s",
     "the CTE name 's' is used twice"),
    ("WITH events AS (SELECT * FROM sources) SELECT * FROM events", "a CTE may not be named events"),
    # the catalog, as a boolean oracle from the WHERE form
    ("vendor = 'x' OR EXISTS (SELECT 1 FROM duckdb_settings() WHERE name = 'temp_directory')",
     "table function duckdb_settings(...) is not allowed"),
    ("vendor = 'x' OR EXISTS (SELECT 1 FROM pg_settings)", "table 'pg_settings' is not allowed"),
    ("vendor = 'x' OR 1 IN (SELECT 1 FROM duckdb_databases() WHERE path LIKE '%duckdb')",
     "table function duckdb_databases(...) is not allowed"),
    ("vendor = 'x' OR EXISTS (SELECT 1 FROM information_schema.tables)", "table information_schema.tables"),
    ("vendor = 'x' OR EXISTS (SELECT 1 FROM sqlite_master)", "table 'sqlite_master' is not allowed"),
    ("SELECT * FROM events e JOIN pg_catalog.pg_class c ON true", "table pg_catalog.pg_class is not allowed"),
    ("SELECT * FROM main.sources", "table main.sources is not allowed"),
    # SQL inside a type name
    ('SELECT CAST(1 AS DECIMAL("1)) AS x, (SELECT string_agg(source_file) FROM sources) AS y, '
     'CAST(1 AS DECIMAL(1")) FROM events', "a type parameter must be a whole number"),
    ('SELECT 1::"INT) FROM sources --" AS x FROM events', "a type name is written without quotes"),
    ("actor_name = CAST('a' AS \"VARCHAR) OR (SELECT count(*) FROM sources) > 0 OR ('a'::VARCHAR\")",
     "a type name is written without quotes"),
    ('SELECT CAST(x AS MAP("VARCHAR, INT) FROM sources --", INT)) FROM events',
     "a type name is written without quotes"),
    ('SELECT CAST(x AS BIT("1) FROM sources --")) FROM events', "type BIT is not allowed"),
    ("SELECT CAST(x AS widget) FROM events", "type widget is not allowed"),
    ("SELECT CAST(x AS STRUCT(a INT)) FROM events", "type STRUCT is not allowed"),
    ("SELECT date_trunc('day) FROM sources --', time) FROM events", "is not a time unit"),
    # what reaches into the JVM on Spark, or runs another statement
    ("SELECT reflect('java.lang.System', 'getenv', 'HOME') FROM events", "function reflect is not allowed"),
    ("SELECT java_method('java.lang.Thread', 'sleep', 300000) FROM events", "function java_method is not allowed"),
    ("SELECT 1 FROM events; COPY events TO '/tmp/x.csv'", "only one statement is allowed"),
]  # fmt: skip
IDS = [q[:50] for q, _ in ESCAPES]

# Legitimate queries around the same constructs keep working, with exact answers from the sample archive.
ALLOWED: list[tuple[str, list[tuple]]] = [
    ("WITH sources AS (SELECT vendor FROM events) SELECT count(*) AS n FROM sources", [(492,)]),
    ("WITH a AS (SELECT * FROM events WHERE vendor = 'resolver'), b AS (SELECT * FROM a WHERE category = 'delete') "
     "SELECT count(*) AS n FROM b", [(20,)]),
    ("SELECT count(*) AS n FROM events WHERE EXISTS (WITH r AS (SELECT 1 AS x) SELECT x FROM r)", [(492,)]),
    ("SELECT CAST(1.5 AS DECIMAL(10, 2)) AS d, CAST('7' AS INTEGER) AS i, CAST('[1]' AS INTEGER[]) AS l "
     "FROM events LIMIT 1", [(__import__("decimal").Decimal("1.50"), 7, [1])]),
    ("SELECT count(*) AS n FROM events WHERE time < date_trunc('day', now()) - INTERVAL 1 DAY AND vendor = 'resolver'",
     [(99,)]),
    ("SELECT count(*) AS n FROM (SELECT vendor FROM events "
     "UNION ALL (WITH a AS (SELECT vendor FROM events) SELECT vendor FROM a))",
     [(984,)]),
]  # fmt: skip


def assert_refused(returncode: int, stdout: str, stderr: str, message: str) -> None:
    assert returncode == 3, (stdout, stderr)
    assert stdout == ""
    assert "Traceback" not in stderr and "internal error" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and message in errors[0], stderr
    assert HIDDEN not in stderr


@pytest.mark.parametrize(("text", "message"), ESCAPES, ids=IDS)
def test_escape_is_refused_by_the_real_cli(sample_db: Path, text: str, message: str) -> None:
    result = run_auditql("query", "--db", sample_db, "--format", "csv", text)
    assert_refused(result.returncode, result.stdout, result.stderr, message)


@pytest.mark.parametrize(("text", "rows"), ALLOWED, ids=[q[:50] for q, _ in ALLOWED])
def test_legitimate_queries_around_the_same_constructs_still_run(sample_db: Path, text: str, rows: list) -> None:
    assert api.query(sample_db, text).rows == rows


def test_every_escape_fails_in_the_translator_too() -> None:
    """The same refusals without an archive: translate() is what every front end and Spark share."""
    for text, message in ESCAPES:
        with pytest.raises(QueryError) as caught:
            translate(text)
        assert message in caught.value.message, text


# --- the second line: the query connection ---------------------------------------------------------------


def raw_translation(sql: str) -> Translation:
    """SQL that never went through the translator, as if an allowlist bug had let it through."""
    return Translation(sql=sql, params=[], warnings=[], form="sql")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM sources",
        "SELECT * FROM manifest",
        "SELECT * FROM main.rejects",
        "SELECT * FROM read_text('/etc/passwd')",
        "COPY (SELECT 1) TO '/tmp/auditql-sandbox-test.csv'",
        "ATTACH '/tmp/auditql-sandbox-test.duckdb' AS x",
        "DELETE FROM events",
        "INSERT INTO events SELECT * FROM events",
        "SET enable_external_access = true",
    ],
)
def test_the_query_connection_sees_only_events_even_without_the_translator(sample_db: Path, sql: str) -> None:
    con = api.reader(sample_db)
    try:
        with pytest.raises(QueryError) as caught:
            api.run(con, raw_translation(sql))
        assert "aq_" not in caught.value.message  # the hidden catalog's name never appears
        assert api.run(con, raw_translation("SELECT count(*) FROM events")).rows == [(492,)]
        # auditql's own code still reads the catalog through the same connection
        assert con.execute("SELECT count(*) FROM sources").fetchall() == [(18,)]
    finally:
        con.close()
    assert not Path("/tmp/auditql-sandbox-test.csv").exists()
    assert not Path("/tmp/auditql-sandbox-test.duckdb").exists()


def test_the_archive_file_is_attached_read_only_and_locks_still_work(sample_db: Path, tmp_path: Path) -> None:
    con = api.reader(sample_db)
    try:
        code = f"import duckdb; duckdb.connect({str(sample_db)!r})"
        writer = __import__("subprocess").run([sys.executable, "-c", code], capture_output=True, text=True)
        assert writer.returncode != 0 and "Could not set lock" in writer.stderr  # an ingest would wait
    finally:
        con.close()


def test_every_query_connection_has_a_memory_limit(sample_db: Path) -> None:
    con = api.reader(sample_db, memory_limit=512 * 2**20)
    try:
        query = lockdown.query_connection(con)
        limit, spill = query.execute(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchall()[0]
        # DuckDB's share of the process budget (connections.duckdb_budget): at least half, never more than all of it
        assert limit.endswith(" MiB") and 256 <= float(limit.split()[0]) <= 512
        assert spill == ""  # no temporary folder: nothing is ever written, past the limit the query stops
    finally:
        con.close()
    con = api.reader(sample_db)  # default: half the RAM, never DuckDB's own 80%
    try:
        (limit,) = con.execute("SELECT current_setting('memory_limit')").fetchall()[0]
        whole = connections.default_memory_limit()
        assert float(limit.split()[0]) * (2**30 if "GiB" in limit else 2**20) <= whole + 2**20
    finally:
        con.close()


FAN_OUT = (
    "WITH a AS (SELECT e1.raw::VARCHAR || e2.raw::VARCHAR || e3.raw::VARCHAR AS x FROM events e1, events e2, "
    "events e3) SELECT count(*) AS n FROM (SELECT x FROM a ORDER BY x)"
)


def test_a_cte_fan_out_stops_at_the_memory_limit_with_one_line(sample_db: Path) -> None:
    result = run_auditql("query", "--db", sample_db, "--memory-limit", "200MB", "--format", "csv", FAN_OUT)
    assert result.returncode == 3, result.stderr
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "error: out of memory (limit 191 MiB); narrow the query (--since, --vendor, a LIMIT) or raise --memory-limit"
    )


def test_memory_limit_is_checked_as_a_size(sample_db: Path) -> None:
    result = run_auditql("query", "--db", sample_db, "--memory-limit", "lots", "vendor = 'x'")
    assert result.returncode == 2
    assert "'lots' is not a size" in result.stderr and "Traceback" not in result.stderr


# --- a Parquet dataset: no write anywhere ------------------------------------------------------------------


@pytest.fixture(scope="module")
def dataset(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from auditql.api import export

    target = tmp_path_factory.mktemp("sandbox") / "dataset"
    export(sample_db, target)
    return target


def digests(root: Path) -> dict[str, str]:
    files = (p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_a_dataset_query_connection_cannot_write_its_own_files(dataset: Path) -> None:
    before = digests(dataset)
    part = next(p for p in sorted((dataset / "events").rglob("*.parquet")))
    quoted = str(part).replace("'", "''")
    attempts = [
        f"COPY (SELECT * REPLACE ('EVIL' AS actor_name) FROM events) TO '{quoted}' (FORMAT parquet)",
        f"COPY (SELECT 1) TO '{dataset / 'events' / 'new.parquet'}' (FORMAT parquet)",
        f"ATTACH '{dataset / 'x.duckdb'}' AS x",
        f"SELECT * FROM read_parquet('{quoted}')",
    ]
    con = api.reader(dataset)
    try:
        for sql in attempts:
            with pytest.raises(QueryError):
                api.run(con, raw_translation(sql))
        assert api.run(con, raw_translation("SELECT count(*) FROM events")).rows == [(492,)]
    finally:
        con.close()
    assert digests(dataset) == before
    verified = run_auditql("verify", "--db", dataset)
    assert verified.returncode == 0, verified.stderr
    assert "the chain of custody holds" in verified.stdout + verified.stderr


def test_a_dataset_query_sees_only_events(dataset: Path) -> None:
    con = api.reader(dataset)
    try:
        for table in ("sources", "manifest", "deliveries", "fields"):
            with pytest.raises(QueryError, match=f"{table} does not exist"):
                api.run(con, raw_translation(f"SELECT * FROM {table}"))
            assert con.execute(f"SELECT count(*) > 0 FROM {table}").fetchall() == [(True,)]  # auditql's own view
    finally:
        con.close()


@pytest.mark.parametrize(("text", "message"), [ESCAPES[0], ESCAPES[14]], ids=["cte", "type"])
def test_a_dataset_refuses_the_escapes_through_the_cli(dataset: Path, text: str, message: str) -> None:
    result = run_auditql("query", "--db", dataset, text)
    assert_refused(result.returncode, result.stdout, result.stderr, message)


# --- the last check: the generated SQL read back ----------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("SELECT * FROM events; SELECT 1", "2 statements"),
        ("SELECT * FROM sources", "table 'sources' is not allowed"),
        ("SELECT reflect('a', 'b') FROM events", "function reflect is not allowed"),
        ("SELECT CAST(1 AS widget) FROM events", "type widget is not allowed"),
        ("SELECT * FROM events WHERE EXISTS (SELECT 1 FROM duckdb_settings())", "duckdb_settings"),
        ("COPY events TO 'x.csv'", "statements"),
    ],
)
def test_generated_sql_that_reads_anything_else_is_refused(sql: str, why: str) -> None:
    with pytest.raises(QueryError) as caught:
        check_sql(sql, Context("q"))
    assert "failed auditql's final check" in caught.value.message and why in caught.value.message


def test_generated_sql_of_real_queries_passes_the_last_check() -> None:
    for text, _ in ALLOWED:
        check_sql(translate(text).sql, Context(text))  # translate ran it already; again, on purpose


# --- Spark: the same checks, testable without a cluster -----------------------------------------------------


def test_spark_sql_is_checked_before_a_session_starts() -> None:
    import sqlglot

    from auditql import spark
    from auditql.query.dialect import AuditQL

    smuggled = sqlglot.parse_one("SELECT reflect('java.lang.System', 'getenv', 'HOME') FROM events", dialect=AuditQL)
    with pytest.raises(QueryError, match="function reflect is not allowed"):
        spark.check(Translation(sql="", params=[], warnings=[], form="sql", tree=smuggled))
    assert "FROM `events`" in spark.check(translate("SELECT vendor, count(*) FROM events GROUP BY vendor"))


# --- the REPL (a real pty) and the notebook magic (IPython) -------------------------------------------------

SUBSET = [ESCAPES[0], ESCAPES[14], ESCAPES[6]]  # a CTE read of manifest, a type-name injection, a catalog oracle


@pytest.fixture(scope="module")
def repl(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[pexpect.spawn]:
    home = tmp_path_factory.mktemp("sandbox-repl")
    env = {
        **os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"), "TERM": "xterm-256color", "PAGER": "cat", "TZ": "UTC",
        "PROMPT_TOOLKIT_NO_CPR": "1",
    }  # fmt: skip
    proc = pexpect.spawn(sys.executable, ["-m", "auditql", "repl", "--db", str(sample_db)], cwd=str(ROOT), env=env,
                         encoding="utf-8", dimensions=(50, 400), timeout=30)  # fmt: skip
    proc.expect("auditql> ")
    yield proc
    if proc.isalive():
        proc.terminate(force=True)


ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\x1b[=>]|\r")


@pytest.mark.parametrize(("text", "message"), SUBSET, ids=["cte", "type", "oracle"])
def test_escape_is_refused_in_the_repl(repl: pexpect.spawn, text: str, message: str) -> None:
    repl.send(text + ";")
    time.sleep(0.2)
    repl.send("\r")
    repl.expect(r"error: [^\r\n]+\r\n")
    shown = ANSI.sub("", repl.before + repl.after)
    repl.expect("auditql> ")
    assert message in shown and "Traceback" not in shown and HIDDEN not in shown


@pytest.mark.parametrize(("text", "message"), SUBSET, ids=["cte", "type", "oracle"])
def test_escape_is_refused_by_the_magic(sample_db: Path, capfd, text: str, message: str) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "auditql")
    outcome = shell.run_cell(f"%auditql --db {sample_db} {text}")
    out, err = capfd.readouterr()
    assert outcome.success and outcome.result is None
    assert "Traceback" not in out + err and HIDDEN not in out + err
    assert message in err


# --- every way user SQL is executed goes through the query connection ----------------------------------------


@pytest.fixture
def untranslated(monkeypatch: pytest.MonkeyPatch) -> str:
    """The translator replaced by one that passes SQL through unchecked: only the query connection is left.
    Patched where the facade translates for every front end (api/translation.py's `prepare`), which is not
    the name `auditql.api` re-exports."""
    from auditql.api import translation

    def passthrough(text: str, *args: object, **kwargs: object) -> Translation:
        return raw_translation(text)

    monkeypatch.setattr(translation, "translate", passthrough)
    return "SELECT source_file AS time FROM sources"


def test_every_front_end_runs_user_sql_on_the_query_connection(
    untranslated: str, sample_db: Path, cli, tmp_path: Path
) -> None:
    """The CLI (each output path), the REPL, the notebook, `.timeline` and `export` run what the user typed
    where only `events` exists; a new way of executing a query that skipped it would fail here."""
    import io

    from auditql.api import export
    from auditql.notebook.results import Request
    from auditql.notebook.results import query as notebook_query
    from auditql.repl.session import Session

    for fmt in ("csv", "json", "table"):
        result = cli("query", "--db", sample_db, "--format", fmt, untranslated)
        assert result.exit_code == 3 and "sources does not exist" in result.stderr, result.stderr
        assert HIDDEN not in result.stdout
    result = cli("query", "--db", sample_db, "--format", "parquet", "-o", tmp_path / "x.parquet", untranslated)
    assert result.exit_code == 3 and "sources does not exist" in result.stderr, result.stderr
    session = Session(sample_db, out=io.StringIO(), pager=None)
    session.execute(untranslated + ";")
    shown = session.out.getvalue()
    assert "sources does not exist" in shown and HIDDEN not in shown
    with pytest.raises(QueryError, match="sources does not exist"):
        notebook_query(sample_db, Request(untranslated, {}))
    with pytest.raises(QueryError, match="sources does not exist"):
        export(sample_db, tmp_path / "subset", untranslated)
    from auditql.frontend.timeline import timeline

    con = api.reader(sample_db)
    try:
        with pytest.raises(QueryError, match="sources does not exist"):
            timeline(con, untranslated)
    finally:
        con.close()
