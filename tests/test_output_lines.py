"""CSV and NDJSON lines built by DuckDB (`output/lines.py`) must be the bytes the Python writers give for
the same rows fetched into Python (`output.render`), whatever the values: formulas, quotes, CR/LF, control
and bidi characters, JSON with escapes, floats, repeated keys, nesting, times at the edges of the calendar,
NULL against empty text, repeated column names. And the rows must keep the query's order across many
chunks on several threads (a projection over a sorted result keeps its order only while no operator in it
reorders: an `IN (…)` of six constants, planned as a join, did)."""

from __future__ import annotations

import io

import duckdb
import pytest

from auditql.output import Table, render_text
from auditql.output.lines import describe_sql, line_sql, write_lines

TEXTS = ["", None, "=1+2", "+x", "-5", "@S", "\tx", "\rx", "a\r\nb", "a,b", 'say "hi"', "é,ü", "\x1b[31m", "\x85",
         "\u202e", "a\\b", "NULL", "\u2028", "😀", "x\ny", "it's", "plain",
         '=HYPERLINK("http://x","y")', '"quoted"', " lead", "\u200f", "a\u2066b", '{"a": 1}', "null",
         ":"]  # fmt: skip
DOCUMENTS = [
    '{"a":1,"b":[true,null,"x"]}',
    '{"a": 1}',  # not compact
    '{"a":1,"a":2}',  # repeated key: Python keeps the last, DuckDB both
    '{"a":{"x":1},"a":{"y":2}}',
    '{"a":{"b":{"c":1,"c":2}}}',  # repeated at the third level
    '{"a":[{"b":1,"b":2}]}',  # repeated inside an array
    '{"a":{"b":{"c":{"d":1}}}}',  # deeper than the levels counted
    '[{"a":1},{"a":2}]',
    '{"a":{"id":1},"b":{"id":2}}',  # the same key in two objects: no repeat
    '{"a":1.50,"b":1e5,"c":-0}',
    '{"f":1e16,"g":1e-7}',  # DuckDB: 10000000000000000.0, Python: 1e+16
    '{"big":-123456789012345678901234}',
    '{"k":"\\u00e9\\n"}',  # escapes: DuckDB decodes them its own way
    '{"k":"\\/"}',
    '{"a":"\\""}',
    '{"k":"\u0085\u202e"}',  # C1 and bidi: Python \\u-escapes them
    "[1,2,]",  # DuckDB reads a trailing comma, Python does not
    '{"a":NaN}',
    '{"s":"Infinity War","t":"12:30:00.5Z"}',
    ' {"a":1}',  # leading space
    '{\n "a": 1,\n "b": [1, 2]\n}',
    '{"é":"ü","x":"a,b:c","y":"","z":":"}',
    '{"a":true,"b":false,"c":null}',
    "[]",
    "{}",
    '{"":1}',
    "[[],[{}]]",
    '{"x":"=1"}',
    '"=cmd"',  # a JSON string: its text, neutralized in CSV
    "42",
    "1.0",
    "null",
    None,
    '{"ip":"203.0.113.66","params":{"loginID":"a@example.com","include":"profile,data"}}',
    '{"c":-0}',  # Python: 0
    '{"d":12345678901234567890.5,"e":1E5}',  # a big decimal, an upper-case exponent
    '{"inner":"{\\"a\\":1}"}',  # JSON inside a string: escapes
    '{"t":"a\\tb"}',
    '{":x":1,":x":2}',  # a repeated key that starts with ':'
    '{"a":":","b":{"a":":"}}',  # strings holding ':' (the key count sees them)
    '{"a":{"b":[{"c":"x","c":"y"}]}}',  # repeated inside an array of objects, nested
    '{"a":[{"b":1},{"b":2}],"c":{"d":{"e":null}}}',
    '{"x":"\\u00e9"}',  # an escape of a character Python writes as is
    '{"a":"Z","a":"Z"}',  # repeated with the same value
]
TIMES = ["2025-03-01 10:00:00.123999+00", "2025-03-01 12:00:00+02", "0999-01-02 00:00:00+00",
         "0001-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+00", "infinity", "-infinity", None,
         "1000-01-01 00:00:00+00"]  # fmt: skip
NUMBERS = [0, -1, 9223372036854775807, -9223372036854775808, None]
FLAGS = [True, False, None]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    con.execute("SET threads=2")
    con.execute("CREATE TABLE t(v VARCHAR, j JSON, t TIMESTAMPTZ, n BIGINT, b BOOLEAN, pos INT)")
    # 5,000 rows: several chunks (2,048 rows) and batches, every value many times over, stored out of order
    con.execute(
        """INSERT INTO t SELECT $1[i % len($1) + 1], $2[i % len($2) + 1]::JSON, $3[i % len($3) + 1]::TIMESTAMPTZ,
                  $4[i % len($4) + 1], $5[i % len($5) + 1], i
           FROM range(5000) AS r(i) ORDER BY hash(i)""",
        [TEXTS, DOCUMENTS, TIMES, NUMBERS, FLAGS],
    )
    assert con.execute("SELECT count(*), count(DISTINCT j::VARCHAR) FROM t").fetchone() == (5000, len(DOCUMENTS) - 1)
    return con


def python_writers(con: duckdb.DuckDBPyConnection, sql: str, fmt: str, raw_csv: bool = False) -> str:
    """What `auditql query` wrote before: rows fetched into Python, drawn by the format's writer."""
    cursor = con.execute(sql)
    columns, types = [d[0] for d in cursor.description], [str(d[1]) for d in cursor.description]
    return render_text(Table(columns, types, cursor.fetchall()), fmt, raw_csv=raw_csv, terminal=False)


def batches(cursor: duckdb.DuckDBPyConnection, size: int = 1000):
    while rows := cursor.fetchmany(size):
        yield rows


def duckdb_lines(con: duckdb.DuckDBPyConnection, sql: str, fmt: str, raw_csv: bool = False) -> str:
    cursor = con.execute(describe_sql(sql))
    columns, types = [d[0] for d in cursor.description], [str(d[1]) for d in cursor.description]
    query = line_sql(sql, columns, types, fmt, raw_csv)
    assert query is not None
    out = io.StringIO()
    write_lines(batches(con.cursor().execute(query)), columns, types, fmt, out, raw_csv)
    return out.getvalue()


QUERIES = [
    "SELECT * FROM t ORDER BY pos",
    "SELECT j FROM t ORDER BY pos",  # one column: an empty cell is written ""
    "SELECT v FROM t ORDER BY pos",
    'SELECT t, t AS "a""b", n AS t, j AS "x,y", v AS "=h" FROM t ORDER BY pos',  # a repeated name, odd headers
    "SELECT * FROM t ORDER BY v DESC NULLS FIRST, pos",
]


@pytest.mark.parametrize("sql", QUERIES)
@pytest.mark.parametrize(("fmt", "raw_csv"), [("csv", False), ("csv", True), ("ndjson", False)])
def test_duckdb_lines_are_the_python_writers_bytes(con, sql: str, fmt: str, raw_csv: bool) -> None:
    expected = python_writers(con, sql, fmt, raw_csv)
    assert expected.count("\n") >= 5000
    assert duckdb_lines(con, sql, fmt, raw_csv) == expected


def test_each_hostile_document_is_written_as_python_writes_it(con) -> None:
    """One row per document, so a difference names the document."""
    for doc in DOCUMENTS:
        sql = "SELECT ?::JSON AS raw, 'x' AS v" if doc is not None else "SELECT NULL::JSON AS raw, 'x' AS v"
        sql = sql.replace("?", "'" + doc.replace("'", "''") + "'") if doc is not None else sql
        for fmt in ("csv", "ndjson"):
            assert duckdb_lines(con, sql, fmt) == python_writers(con, sql, fmt), doc


def test_documents_duckdb_cannot_write_exactly_are_left_to_python(con) -> None:
    sql = "SELECT j FROM (SELECT ?::JSON AS j)"
    query = line_sql(sql, ["j"], ["JSON"], "csv")
    assert query is not None
    lines = {
        doc: con.execute(query, [doc]).fetchone()[0]
        for doc in ['{"a":1,"a":2}', '{"f":1e16}', '{"k":"\\/"}', '{"a":{"x":1}}', '{"ip":"203.0.113.66"}']
    }
    assert lines == {
        '{"a":1,"a":2}': None,
        '{"f":1e16}': None,
        '{"k":"\\/"}': None,
        '{"a":{"x":1}}': '"{""a"":{""x"":1}}"\n',
        '{"ip":"203.0.113.66"}': '"{""ip"":""203.0.113.66""}"\n',
    }
    assert python_writers(con, 'SELECT \'{"a":1,"a":2}\'::JSON AS j', "csv") == 'j\n"{""a"":2}"\n'


@pytest.mark.parametrize(
    ("time", "csv_cell"),
    [
        ("10000-01-01 04:00:00+00", "10000-01-01 04:00:00+00"),  # Python receives DuckDB's text
        ("0045-01-01 (BC) 00:00:00+00", "0045-01-01 (BC) 00:00:00+00"),
        ("0999-01-02 00:00:00+00", "0999-01-02T00:00:00.000Z"),
        ("0001-01-01 00:00:00+00", "0001-01-01T00:00:00.000Z"),
        ("-infinity", "0001-01-01T00:00:00.000Z"),
        ("2025-03-01 23:30:00-05", "2025-03-02T04:30:00.000Z"),
        ("infinity", "9999-12-31T23:59:59.999Z"),
    ],
)
def test_times_at_the_edges_of_the_calendar(con, time: str, csv_cell: str) -> None:
    sql = f"SELECT '{time}'::TIMESTAMPTZ AS t, 1 AS n"
    assert duckdb_lines(con, sql, "csv") == python_writers(con, sql, "csv") == f"t,n\n{csv_cell},1\n"
    assert duckdb_lines(con, sql, "ndjson") == python_writers(con, sql, "ndjson") == f'{{"t": "{csv_cell}", "n": 1}}\n'


def test_other_types_are_left_to_the_python_writers() -> None:
    assert line_sql("SELECT 1.5 AS x", ["x"], ["DOUBLE"], "csv") is None
    assert line_sql("SELECT 1 AS x", ["x"], ["INTEGER"], "json") is None
    assert line_sql("SELECT 1 AS x", ["x"], ["INTEGER"], "csv") is not None


def test_rows_keep_the_query_order_over_many_chunks_and_threads() -> None:
    """300,000 rows stored out of order (three row groups: scanned and sorted on two threads): the lines
    come out in the query's order. With an `IN (…)` list of six constants in the cell formulas (a MARK join
    in DuckDB 2.0's plan) they did not, from the second chunk on."""
    con = duckdb.connect()
    con.execute("SET threads=2")
    con.execute(
        "CREATE TABLE big AS SELECT ['=x', 'a,b', 'plain', '-1'][i % 4 + 1] AS v, i AS pos "
        "FROM range(300000) AS r(i) ORDER BY hash(i)"
    )
    sql = "SELECT v, pos FROM big ORDER BY pos"
    query = line_sql(sql, ["v", "pos"], ["VARCHAR", "BIGINT"], "csv")
    assert query is not None
    out = io.StringIO()
    write_lines(batches(con.execute(query), 2048), ["v", "pos"], ["VARCHAR", "BIGINT"], "csv", out)
    lines = out.getvalue().splitlines()
    assert lines[:4] == ["v,pos", "'=x,0", '"a,b",1', "plain,2"]
    assert [int(line.rsplit(",", 1)[1]) for line in lines[1:]] == list(range(300000))
