"""DuckDB's functions in SQL over `events` (issue 15): the analyst's SQL answers through the real CLI; the list
of functions (auditql/query/functions.toml) classifies every function of the installed DuckDB; every allowed
function with a self-contained example in duckdb_functions() runs through the translator on the locked query
connection and gives DuckDB's own answer; every refused one is refused before DuckDB in one line naming it
as typed, with the reason; unnamed columns are named as typed.

Expected answers were computed by running the same SQL directly in DuckDB over the sample archive's `events`
table (the samples are cited in tests/data/README.md); the direct run is repeated here as a cross-check.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, rows, run_auditql

from auditql import api
from auditql.errors import QueryError
from auditql.query import translate
from auditql.query.functions import ALLOWED, CLASSIFIED, REASONS, refusal_message

ALLOWED_LIST = "(allowed functions: docs/sandbox.md#functions)"
NOT_EVENTS = "is not allowed; query the events table"
PLAIN_CALL = "by its name alone, not through a qualifier or as a method"
NOT_DUCKDB = "is not allowed: it is not one of DuckDB's functions"

# The analyst's SQL from the issue, each with its answer on the sample archive (CSV as printed).
ANALYST: list[tuple[str, list[str]]] = [
    (
        "SELECT vendor, string_agg(DISTINCT category, ',' ORDER BY category) AS cats FROM events GROUP BY vendor "
        "ORDER BY vendor",
        [
            "vendor,cats",
            'adobe_cja,"api_call,create,delete,export,login,permission,share,update"',
            'broadcom_portal,"create,delete,login,update"',
            'resolver,"create,delete,login,update"',
            'sap_cdc,"create,delete,login,logout,read,update"',
            'sas_ci360,"create,delete,login,logout,other,update"',
        ],
    ),
    (
        "SELECT vendor, date_diff('day', min(time), max(time)) AS days FROM events GROUP BY vendor ORDER BY vendor",
        ["vendor,days", "adobe_cja,20", "broadcom_portal,50", "resolver,51", "sap_cdc,3751", "sas_ci360,263"],
    ),
    (
        "SELECT split_part(actor_email, '@', 2) AS domain, count(*) AS n FROM events WHERE actor_email IS NOT NULL "
        "GROUP BY domain ORDER BY n DESC, domain",
        ["domain,n", "example.com,104", "example.org,58"],
    ),
    (
        r"SELECT regexp_extract(action, '^([a-z]+)\.', 1) AS service, count(*) AS n FROM events "
        "WHERE vendor = 'sap_cdc' GROUP BY service ORDER BY n DESC, service",
        ["service,n", "accounts,113", "socialize,15"],
    ),
    (
        "SELECT source_row, count(*) OVER (PARTITION BY vendor ORDER BY time, source_row ROWS BETWEEN 2 PRECEDING "
        "AND CURRENT ROW) AS last3, sum(source_row) OVER w AS running FROM events WHERE vendor = 'resolver' "
        "WINDOW w AS (ORDER BY time, source_row ROWS UNBOUNDED PRECEDING) ORDER BY time, source_row LIMIT 4",
        ["source_row,last3,running", "23,1,23", "22,2,45", "21,3,66", "20,3,86"],
    ),
    (
        "SELECT vendor, action FROM events "
        "QUALIFY row_number() OVER (PARTITION BY vendor ORDER BY time DESC, source_file, source_row) = 1 "
        "ORDER BY vendor",
        None,  # compared with DuckDB's own answer below
    ),
    (
        "SELECT vendor, count(*) FILTER (WHERE outcome = 'failure') AS failures, count(*) AS total FROM events "
        "GROUP BY vendor ORDER BY vendor",
        [
            "vendor,failures,total",
            "adobe_cja,3,60",
            "broadcom_portal,4,74",
            "resolver,2,99",
            "sap_cdc,7,128",
            "sas_ci360,1,131",
        ],
    ),
    (
        "SELECT json_extract_string(raw, '$.errCode') AS code, json_extract(raw, '$.params.loginID') IS NOT NULL "
        "AS has_login, count(*) AS n FROM events WHERE vendor = 'sap_cdc' GROUP BY ALL "
        "ORDER BY n DESC, code, has_login",
        [
            "code,has_login,n",
            "0,False,95",
            "0,True,26",
            "403042,True,4",
            "400006,False,1",
            "403042,False,1",
            "403120,True,1",
        ],
    ),
    (
        "SELECT vendor, list_sort(list_distinct(list(category))) AS cats, "
        "len(list_filter(list(outcome), o -> o = 'failure')) AS failures, list_transform([1, 2], lambda x: x * 10) "
        "AS tens FROM events WHERE vendor IN ('resolver', 'sap_cdc') GROUP BY vendor ORDER BY vendor",
        [
            "vendor,cats,failures,tens",
            'resolver,"[""create"",""delete"",""login"",""update""]",2,"[10,20]"',
            'sap_cdc,"[""create"",""delete"",""login"",""logout"",""read"",""update""]",7,"[10,20]"',
        ],
    ),
    (  # QUALIFY filters on a SELECT alias, as DuckDB allows
        "SELECT source_row, count(*) OVER (PARTITION BY vendor ORDER BY time, source_row ROWS BETWEEN 2 PRECEDING "
        "AND CURRENT ROW) AS last3 FROM events WHERE vendor = 'resolver' QUALIFY last3 = 2 ORDER BY time, source_row",
        ["source_row,last3", "22,2"],
    ),
    (  # sqlglot wraps any_value in IGNORE NULLS; it is still checked (and allowed) by the name typed
        "SELECT any_value(vendor) FILTER (WHERE vendor = 'resolver') AS v, upper(any_value(category) FILTER "
        "(WHERE category = 'logout')) AS c FROM events",
        ["v,c", "resolver,LOGOUT"],
    ),
    (
        "SELECT 1 << 4 AS shifted, 12 & 10 AS anded, 12 | 3 AS ored, xor(12, 10) AS xored, ~0 AS inverted, "
        "{'a': 1}.a AS field, [10, 20, 30][2] AS second FROM events LIMIT 1",
        ["shifted,anded,ored,xored,inverted,field,second", "16,8,15,6,-1,1,20"],
    ),
]


def duckdb_direct(db: Path, sql: str) -> list[tuple]:
    """The same SQL run by DuckDB itself on the archive file (arrow lambdas allowed, as auditql reads them)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET lambda_syntax = 'ENABLE_SINGLE_ARROW'")
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize(("text", "expected"), ANALYST, ids=[q[:60] for q, _ in ANALYST])
def test_the_analysts_sql_answers_through_the_cli(cli, sample_db: Path, text: str, expected: list[str] | None) -> None:
    result = cli("query", "--db", sample_db, "--format", "csv", text)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    direct = duckdb_direct(sample_db, text)
    assert len(lines) == len(direct) + 1
    if expected is None:
        assert lines[0] == "vendor,action"
        assert [tuple(line.split(",", 1)) for line in lines[1:]] == [(v, a or "") for v, a in direct]
        assert [v for v, _ in direct] == ["adobe_cja", "broadcom_portal", "resolver", "sap_cdc", "sas_ci360"]
    else:
        assert lines == expected


def test_the_analysts_sql_answers_as_a_subprocess(sample_db: Path) -> None:
    text, expected = ANALYST[6]
    result = run_auditql("query", "--db", sample_db, "--format", "csv", text)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected


# --- headers -----------------------------------------------------------------------------------------------
HEADERS = (
    "SELECT count(*), sum(source_row), min(lower(actor_name)),\n"
    "  count(*) FILTER (WHERE outcome = 'failure'),  max( length(action) ) AS longest, vendor\n"
    "FROM events WHERE vendor = 'resolver' GROUP BY vendor"
)


def test_unnamed_columns_are_named_as_typed(cli, sample_db: Path) -> None:
    result = cli("query", "--db", sample_db, "--format", "csv", HEADERS)
    assert result.exit_code == 0, result.stderr
    header, row = result.stdout.splitlines()
    assert header == (
        "count(*),sum(source_row),min(lower(actor_name)),count(*) FILTER (WHERE outcome = 'failure'),longest,vendor"
    )
    assert row.split(",")[0] == "99" and row.endswith(",resolver")
    assert row.split(",")[:2] == [
        str(v) for v in rows(sample_db, "SELECT count(*), sum(source_row) FROM events WHERE vendor = 'resolver'")[0]
    ]


def test_a_ctes_unnamed_columns_are_named_as_typed_too(cli, sample_db: Path) -> None:
    text = "WITH c AS (SELECT vendor, count(*) FROM events GROUP BY vendor) SELECT * FROM c ORDER BY 1 LIMIT 1"
    result = cli("query", "--db", sample_db, "--format", "csv", text)
    assert (result.exit_code, result.stdout) == (0, "vendor,count(*)\nadobe_cja,60\n"), result.stderr


# --- the list of functions ---------------------------------------------------------------------------------
def installed_functions() -> dict[str, set[str]]:
    """name -> its kinds, for every built-in function of the DuckDB installed here."""
    con = duckdb.connect()
    try:
        found = con.execute(
            "SELECT function_name, list(DISTINCT function_type) FROM duckdb_functions() "
            "WHERE database_name = 'system' GROUP BY 1"
        ).fetchall()
    finally:
        con.close()
    return {name.lower(): set(kinds) for name, kinds in found}


def test_the_list_classifies_every_function_of_the_installed_duckdb() -> None:
    unclassified = sorted(set(installed_functions()) - set(CLASSIFIED))
    assert not unclassified, (
        f"DuckDB {duckdb.__version__} has functions functions.toml does not classify (refused until it does): "
        f"{unclassified[:20]}; run `python tools/classify_functions.py` and review the diff"
    )


def test_the_list_is_what_the_reviewed_rules_give() -> None:
    check = subprocess.run(
        [sys.executable, "tools/classify_functions.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT * FROM unnest([1, 2])", f"table function unnest(...) {NOT_EVENTS}"),
        ("SELECT * FROM events, unnest([1]) AS t(x)", f"table function unnest(...) {NOT_EVENTS}"),
        ("SELECT main.lower(action) FROM events", f"call lower(...) {PLAIN_CALL}"),
        ("SELECT action.lower() FROM events", f"call lower(...) {PLAIN_CALL}"),
        ("SELECT regexp_like(action, 'a') FROM events", f"function regexp_like {NOT_DUCKDB} {ALLOWED_LIST}"),
    ],
)  # fmt: skip
def test_calls_that_are_not_plain_calls_of_allowed_functions_are_refused(text: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        translate(text)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("call", "name"),
    [
        ("char(65)", "char"),
        ('"char"(65)', "char"),
        ("stringagg(action, ',')", "stringagg"),
        ("initcap(action)", "initcap"),
        ("convert(action, VARCHAR)", "convert"),
        ("safe_cast(action AS INT)", "safe_cast"),
        ("normalize(action)", "normalize"),
    ],
)
def test_other_databases_spellings_that_sqlglot_reads_are_refused_as_typed(call: str, name: str) -> None:
    """sqlglot's own parsers read these into DuckDB functions (char -> chr); DuckDB has no such name."""
    with pytest.raises(QueryError) as caught:
        translate(f"SELECT {call} FROM events")
    assert caught.value.message == f"function {name} {NOT_DUCKDB} {ALLOWED_LIST}"
    assert (caught.value.line, caught.value.col) == (1, 8)


def test_a_function_the_list_does_not_know_is_refused() -> None:
    with pytest.raises(QueryError) as caught:
        translate("SELECT brand_new_function(action) FROM events")
    assert caught.value.message == (
        f"function brand_new_function is not allowed: it is not one of DuckDB's functions {ALLOWED_LIST}"
    )


# `show(...)` never reads as a call (SHOW is a statement): refused as a syntax error, never run.
NOT_A_CALL = {"show"}
REFUSED = sorted(
    name
    for name, category in CLASSIFIED.items()
    if category != "allowed" and name.isidentifier() and name not in NOT_A_CALL
)


@pytest.mark.parametrize("name", REFUSED)
def test_every_refused_function_is_refused_by_the_name_typed(name: str) -> None:
    """Called in a SELECT list and in a WHERE clause, in the case typed: one line with the reason, never run.

    sqlglot checks the number of arguments of the functions it knows first, so each is called with 0 to 3
    arguments; every call is refused, and at least one arity gets the refusal naming the function."""
    typed = name.upper() if len(name) % 2 else name  # DuckDB's names are case-insensitive; the refusal keeps the case
    reason = refusal_message(typed, REASONS[CLASSIFIED[name]])
    for template, col in [("SELECT {}({}) FROM events", 8), ("action = {}({})", 10)]:
        messages = []
        for arity in range(4):
            with pytest.raises(QueryError) as caught:
                translate(template.format(typed, ", ".join(["'x'"] * arity)))
            messages.append(caught.value.message)
            if caught.value.message == reason:
                assert (caught.value.line, caught.value.col) == (1, col)
        assert reason in messages, messages


@pytest.mark.parametrize("name", [n for n in REFUSED if "table" in installed_functions().get(n, set())])
def test_every_table_function_is_refused_in_from(name: str) -> None:
    with pytest.raises(QueryError) as caught:
        translate(f"SELECT * FROM events WHERE action IN (SELECT * FROM {name}('x'))")
    assert caught.value.message == f"table function {name}(...) is not allowed; query the events table"


# --- every allowed function runs, sandboxed, with DuckDB's answer ------------------------------------------
# Examples whose answer through auditql differs from DuckDB's, each for a reason reviewed here.
KNOWN_DIFFERENCES = {
    # auditql reads TIMESTAMP literals as TIMESTAMPTZ (an offset is never dropped: docs/spec/query-language.md)
    "time_bucket(INTERVAL '2 weeks', TIMESTAMP '1992-04-20 15:26:00-07', TIMESTAMP '1992-04-01 00:00:00-07')",
    # sqlglot reads decode(blob, 'replace') as DECODE(blob) and drops the error mode
    "decode('\\xA0'::BLOB, 'replace')",
    "decode('\\xA0'::BLOB, 'ignore')",
    # sqlglot cannot parse these spellings (refused with a parse error, never run)
    "apply([1, 2, 3], lambda x : x + 1)",
    "reduce([1, 2, 3], lambda x, y : x + y)",
    "4!",
}


def examples() -> list[tuple[str, str, str]]:
    """(name, stability, example) for every allowed function's self-contained example (no columns needed)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET lambda_syntax = 'ENABLE_SINGLE_ARROW'")
    try:
        listed = con.execute(
            "SELECT function_name, any_value(stability), list(DISTINCT example ORDER BY example) FROM "
            "(SELECT function_name, stability, unnest(examples) AS example FROM duckdb_functions() "
            "WHERE database_name = 'system') GROUP BY 1 ORDER BY 1"
        ).fetchall()
        runnable = []
        for name, stability, found in listed:
            for example in found:
                example = example.strip().rstrip(";")
                if name.lower() not in ALLOWED:
                    continue
                try:
                    con.execute(f"SELECT ({example}) AS v").fetchall()
                except duckdb.Error:
                    continue  # needs columns (`arg_max(A, B)`): not self-contained
                runnable.append((name, stability or "", example))
        return runnable
    finally:
        con.close()


def test_every_allowed_functions_example_runs_sandboxed_with_duckdbs_answer(sample_db: Path) -> None:
    plain = duckdb.connect()
    plain.execute("SET TimeZone = 'UTC'")
    plain.execute("SET lambda_syntax = 'ENABLE_SINGLE_ARROW'")
    con = api.reader(sample_db)
    checked, differing = 0, []
    try:
        found = examples()
        assert len(found) > 400
        for name, stability, example in found:
            text = f"WITH one AS (SELECT * FROM events LIMIT 1) SELECT ({example}) AS v FROM one"
            try:
                got = api.run(con, api.prepare(con, text)).rows
            except QueryError as error:
                # a type outside query/types.py (BIT, GEOMETRY, VARIANT, STRUCT) is refused by name, as it should be
                if example not in KNOWN_DIFFERENCES and not error.message.startswith("type "):
                    differing.append((name, example, error.message))
                continue
            want = plain.execute(f"SELECT ({example}) AS v").fetchall()
            if stability == "CONSISTENT" and got != want and example not in KNOWN_DIFFERENCES:
                differing.append((name, example, f"{got} != {want}"))
            checked += 1
        # the locked connection stayed locked: no setting changed, no file access granted
        settings = con.execute(
            "SELECT current_setting('enable_external_access'), current_setting('lock_configuration')"
        ).fetchall()
    finally:
        con.close()
        plain.close()
    assert differing == []
    assert checked > 400
    assert settings == [(False, True)]


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("SELECT read_text('/etc/passwd') FROM events", "function read_text is not allowed: it reads files"),
        ("SELECT \"Read_Text\"('/etc/passwd') FROM events", "function Read_Text is not allowed: it reads files"),
        ("SELECT CURRENT_SETTING('threads') FROM events", "function CURRENT_SETTING is not allowed: it reads DuckDB"),
        ("SELECT main.lower(action) FROM events", "call lower(...) by its name alone"),
        ("SELECT * FROM events WHERE EXISTS (SELECT 1 FROM duckdb_settings())", "table function duckdb_settings(...)"),
    ],
)
def test_the_final_check_holds_generated_sql_to_the_same_function_list(sql: str, why: str) -> None:
    """Should sqlglot ever print a refused name into the SQL DuckDB runs, reading it back refuses the query."""
    from auditql.query.context import Context
    from auditql.query.recheck import check_sql

    with pytest.raises(QueryError) as caught:
        check_sql(sql, Context("the user's query"))
    assert caught.value.message.startswith(
        "the query was refused: the SQL generated for it failed auditql's final check"
    )
    assert why in caught.value.message


def test_the_final_check_reads_the_names_sqlglot_prints() -> None:
    """string_agg is printed LISTAGG, date_diff DATE_DIFF('DAY', …): allowed DuckDB names, so the query runs."""
    translation = translate(
        "SELECT string_agg(action, ',') AS a, date_diff('day', min(time), max(time)) AS d FROM events"
    )
    assert translation.sql == (
        'SELECT LISTAGG("action", \',\') AS "a", DATE_DIFF(\'DAY\', MIN("time"), MAX("time")) AS "d" FROM "events"'
    )


OPERATORS = [
    "'abc' ^@ 'a'", "'abc' ~~ 'a%'", "'abc' !~~ 'a%'", "'abc' ~~* 'A%'", "'abc' SIMILAR TO 'a.*'", "'abc' GLOB 'a*'",
    "[1] <@ [1, 2]", "[1, 2] @> [1]", "[1, 2] && [2]", "2 ** 10", "2 ^ 10", "7 // 2", "7 % 2", "1 << 4", "256 >> 4",
    "12 & 10", "12 | 3", "~5", "NULL IS NOT DISTINCT FROM NULL", "(1, 'a') = (1, 'a')", "[10, 20, 30][2:3]",
    "{'a': 1, 'b': 2}.b", "MAP {'k': 1}['k']", "'x' || 'y'", "percentile_cont(0.5) WITHIN GROUP (ORDER BY 3)",
    "json_object('a', 1, 'b', [2])",
    "trim('  a ')", "position('b' IN 'abc')", "substring('abc', 2, 1)", "overlay('abc' PLACING 'x' FROM 2)",
]  # fmt: skip


@pytest.mark.parametrize("expression", OPERATORS)
def test_operators_and_syntax_give_duckdbs_answer(sample_db: Path, expression: str) -> None:
    text = f"WITH one AS (SELECT * FROM events LIMIT 1) SELECT {expression} AS v FROM one"
    con = api.reader(sample_db)
    try:
        got = api.run(con, api.prepare(con, text)).rows
    finally:
        con.close()
    assert got == duckdb_direct(sample_db, f"SELECT {expression} AS v") != []
