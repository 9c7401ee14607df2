# Everything that must be refused before DuckDB sees it; each message names what was refused.

# title: a second statement after a WHERE clause
# caret: 1:8
x = 'a'; DROP TABLE events
ERROR: only one statement is allowed

# title: a second SELECT
SELECT 1; SELECT 2
ERROR: only one statement is allowed

# title: INSERT
INSERT INTO events SELECT * FROM events
ERROR: only SELECT queries are allowed; INSERT was refused

# title: UPDATE
UPDATE events SET actor_name = 'x'
ERROR: only SELECT queries are allowed; UPDATE was refused

# title: DELETE
DELETE FROM events
ERROR: only SELECT queries are allowed; DELETE was refused

# title: CREATE
CREATE TABLE x AS SELECT * FROM events
ERROR: only SELECT queries are allowed; CREATE was refused

# title: DROP
DROP TABLE events
ERROR: only SELECT queries are allowed; DROP was refused

# title: COPY to a file
# caret: 1:1
COPY events TO '/tmp/out.csv'
ERROR: only SELECT queries are allowed; COPY was refused

# title: COPY of a query
COPY (SELECT * FROM events) TO '/tmp/out.parquet'
ERROR: only SELECT queries are allowed; COPY was refused

# title: ATTACH
ATTACH '/tmp/other.duckdb' AS other
ERROR: only SELECT queries are allowed; ATTACH was refused

# title: INSTALL
INSTALL httpfs
ERROR: only SELECT queries are allowed; INSTALL was refused

# title: LOAD
LOAD httpfs
ERROR: only SELECT queries are allowed; LOAD was refused

# title: PRAGMA
PRAGMA database_list
ERROR: only SELECT queries are allowed; PRAGMA was refused

# title: SET
SET enable_external_access = true
ERROR: only SELECT queries are allowed; SET was refused

# title: CALL
CALL duckdb_settings()
ERROR: only SELECT queries are allowed; CALL was refused

# title: EXPORT
EXPORT DATABASE '/tmp/dump'
ERROR: only SELECT queries are allowed; EXPORT was refused

# title: DESCRIBE, SHOW, SUMMARIZE
SUMMARIZE events
ERROR: only SELECT queries are allowed; SUMMARIZE was refused

# title: DuckDB's FROM-first syntax
FROM events SELECT *
ERROR: only SELECT queries are allowed; FROM was refused

# title: a file-reading function in a WHERE clause
# caret: 1:1
read_text('/etc/passwd') IS NOT NULL
ERROR: function read_text is not allowed: it reads files (allowed functions: docs/sandbox.md#functions)

# title: a subquery over read_csv in a WHERE clause
# caret: 1:28
actor_id IN (SELECT a FROM read_csv('/etc/passwd'))
ERROR: table function read_csv(...) is not allowed

# title: a subquery over read_csv in SQL
SELECT * FROM events WHERE actor_id IN (SELECT * FROM read_csv_auto('/etc/passwd'))
ERROR: table function read_csv_auto(...) is not allowed

# title: query() as a scalar
query('SELECT 1') = 1
ERROR: function query is not allowed

# title: query() as a table
SELECT * FROM query('SELECT * FROM duckdb_settings()')
ERROR: table function query(...) is not allowed

# title: glob
SELECT * FROM glob('/etc/*')
ERROR: table function glob(...) is not allowed

# title: a string path as a table
SELECT * FROM '/etc/passwd'
ERROR: table '/etc/passwd' is not allowed

# title: a table beside events
SELECT * FROM events, read_parquet('x.parquet')
ERROR: table function read_parquet(...) is not allowed

# title: another table
SELECT * FROM duckdb_tables
ERROR: table 'duckdb_tables' is not allowed; query the events table

# title: a qualified table
SELECT * FROM information_schema.tables
ERROR: table information_schema.tables is not allowed

# title: a UNION with another source
SELECT actor_name FROM events UNION SELECT name FROM sources
ERROR: table 'sources' is not allowed

# title: a CTE may not shadow events
WITH events AS (SELECT 1 AS x) SELECT * FROM events
ERROR: a CTE may not be named events

# title: functions not on the allowlist
getenv('HOME') = 'x'
ERROR: function getenv is not allowed

# title: a function that reads settings, named as typed (not as the node sqlglot reads it into)
# caret: 1:8
SELECT Current_Setting('threads') FROM events
ERROR: function Current_Setting is not allowed: it reads DuckDB settings, variables or the environment (allowed functions: docs/sandbox.md#functions)

# title: catalog, sequence and sleep functions
SELECT version(), nextval('s'), sleep_ms(10) FROM events
ERROR: function version is not allowed: it reads DuckDB's catalog or session metadata

# title: a function DuckDB does not have
SELECT iff(errCode = 0, 'ok', 'failed') FROM events
ERROR: function iff is not allowed: it is not one of DuckDB's functions

# title: a function called through a schema
SELECT pg_catalog.current_database() FROM events
ERROR: call current_database(...) by its name alone, not through a qualifier or as a method

# title: placeholder ?
errCode = ?
ERROR: placeholder ? is not allowed

# title: placeholder $x
errCode = $code
ERROR: placeholder $code is not allowed

# title: placeholder :x
# caret: 1:11
errCode = :code
ERROR: placeholder :code is not allowed

# title: placeholder {x}
errCode = {code}
ERROR: placeholder {code} is not allowed

# title: unterminated string
# caret: 2:13
endpoint = 'accounts.login' AND
  errCode = 'oops
ERROR: unterminated '…': add the closing '

# title: unterminated quoted name
# caret: 1:1
"Performed By = 'x'
ERROR: unterminated "…": add the closing "

# title: garbage after a condition
# caret: 1:7
x = 1 garbage
ERROR: unexpected 'garbage': AND or OR is missing before it

# title: an operator with nothing after it
# caret: 1:5
x = 
ERROR: a value is missing after '='

# title: an empty query
;
ERROR: the query is empty

# title: LIMIT must be a number
SELECT * FROM events LIMIT (SELECT 1)
ERROR: LIMIT takes a whole number

# title: contains needs a word
# caret: 1:18
message contains actor_name
ERROR: contains needs a quoted word

# title: recursive CTEs
WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r) SELECT * FROM r
ERROR: WITH RECURSIVE is not allowed

# title: DuckDB string syntaxes outside the language
x = $$raw text$$
ERROR: a $$…$$ string is not allowed in a query; rewrite it without (see docs/sandbox.md)

# title: lateral joins
SELECT * FROM events, LATERAL (SELECT 1)
ERROR: LATERAL is not allowed

# title: an exponent without digits is not a number (sqlglot reads `0E` as one)
# caret: 1:1
0E<0
ERROR: '0E' is not a number
