# Read-only SQL over events: aggregation, CTEs, subqueries, joins, and the default order rules.

# title: the spec's aggregation example keeps its ORDER BY; n stays an alias
SELECT actor_name, count(*) AS n FROM events WHERE category = 'delete' GROUP BY 1 ORDER BY n DESC
SELECT "actor_name", COUNT(*) AS "n" FROM "events" WHERE "category" = 'delete' GROUP BY 1 ORDER BY "n" DESC

# title: GROUP BY a raw field; its projection is named after the field; ordered by every output column
SELECT errCode, count(*) FROM events GROUP BY errCode
SELECT "events"."_aq_raw_1" AS "errCode", COUNT(*) AS "count(*)" FROM (SELECT *, "raw" ->> '$.errCode' AS "_aq_raw_1" FROM "events") AS "events" GROUP BY "events"."_aq_raw_1" ORDER BY 1, 2

# title: aggregates, count distinct, HAVING
SELECT vendor, count(DISTINCT actor_id) AS actors, min(time), max(time) FROM events GROUP BY vendor HAVING count(*) > 10
SELECT "vendor", COUNT(DISTINCT "actor_id") AS "actors", MIN("time") AS "min(time)", MAX("time") AS "max(time)" FROM "events" GROUP BY "vendor" HAVING COUNT(*) > 10 ORDER BY 1, 2, 3, 4

# title: sum and avg over a raw field add up its numbers
SELECT sum(params.amount), avg(duration) FROM events
SELECT SUM(TRY_CAST("raw" ->> '$.params.amount' AS DOUBLE)) AS "sum(params.amount)", AVG(TRY_CAST("raw" ->> '$.duration' AS DOUBLE)) AS "avg(duration)" FROM "events"

# title: a plain SELECT over events is ordered by time, source file and row (qualified)
SELECT actor_name AS time, action FROM events WHERE outcome = 'failure'
SELECT "actor_name" AS "time", "action" FROM "events" WHERE "outcome" = 'failure' ORDER BY "events"."time", "events"."source_file", "events"."source_row"

# title: ... also through a table alias
SELECT e.actor_name FROM events AS e WHERE e.errCode = 0
SELECT "e"."actor_name" FROM (SELECT *, "e"."raw" ->> '$.errCode' AS "_aq_raw_1" FROM "events" AS "e") AS "e" WHERE (CASE WHEN STARTS_WITH("e"."_aq_raw_1", '[') AND JSON_TYPE("e"."raw", '$.errCode') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(TRY_CAST("e"."raw" ->> '$.errCode[*]' AS DOUBLE[]), 0), FALSE) ELSE TRY_CAST("e"."_aq_raw_1" AS DOUBLE) = 0 END) ORDER BY "e"."time", "e"."source_file", "e"."source_row"

# title: SELECT * over events
SELECT * FROM events LIMIT 10
SELECT * FROM "events" ORDER BY "events"."time", "events"."source_file", "events"."source_row" LIMIT 10

# title: CTE: names over the CTE are its columns; @timestamp still means time
WITH recent AS (SELECT time, actor_name, params.loginID AS login FROM events WHERE @timestamp > '2015-08-16') SELECT login, count(*) FROM recent WHERE @timestamp < '2015-08-17' GROUP BY login
WITH "recent" AS (SELECT "time", "actor_name", "raw" ->> '$.params.loginID' AS "login" FROM "events" WHERE "time" > CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ)) SELECT "login", COUNT(*) AS "count(*)" FROM "recent" WHERE "time" < CAST('2015-08-17 00:00:00+00:00' AS TIMESTAMPTZ) GROUP BY "login" ORDER BY 1, 2

# title: subquery in WHERE
SELECT actor_name FROM events WHERE actor_id IN (SELECT actor_id FROM events WHERE outcome = 'failure')
SELECT "actor_name" FROM "events" WHERE "actor_id" IN (SELECT "actor_id" FROM "events" WHERE "outcome" = 'failure') ORDER BY "events"."time", "events"."source_file", "events"."source_row"

# title: correlated subquery qualifies through the outer alias
SELECT e.event_id FROM events e WHERE EXISTS (SELECT 1 FROM events f WHERE f.actor_id = e.actor_id AND f.errCode != 0)
SELECT "e"."event_id" FROM "events" AS "e" WHERE EXISTS(SELECT 1 FROM (SELECT *, "f"."raw" ->> '$.errCode' AS "_aq_raw_1" FROM "events" AS "f") AS "f" WHERE "f"."actor_id" = "e"."actor_id" AND NOT (CASE WHEN STARTS_WITH("f"."_aq_raw_1", '[') AND JSON_TYPE("f"."raw", '$.errCode') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(TRY_CAST("f"."raw" ->> '$.errCode[*]' AS DOUBLE[]), 0), FALSE) ELSE TRY_CAST("f"."_aq_raw_1" AS DOUBLE) = 0 END)) ORDER BY "e"."time", "e"."source_file", "e"."source_row"

# title: derived table
SELECT who, n FROM (SELECT actor_name AS who, count(*) AS n FROM events GROUP BY actor_name) AS t WHERE n > 1
SELECT "who", "n" FROM (SELECT "actor_name" AS "who", COUNT(*) AS "n" FROM "events" GROUP BY "actor_name") AS "t" WHERE "n" > 1 ORDER BY 1, 2

# title: a self-join reads raw fields per table
SELECT a.event_id, b.event_id FROM events a JOIN events b ON a.callID = b.callID AND a.event_id < b.event_id
SELECT "a"."event_id", "b"."event_id" FROM "events" AS "a" JOIN "events" AS "b" ON ("a"."raw" ->> '$.callID') = ("b"."raw" ->> '$.callID') AND "a"."event_id" < "b"."event_id" ORDER BY 1, 2

# title: an unqualified raw field in a join is ambiguous
SELECT a.event_id FROM events a JOIN events b ON a.actor_id = b.actor_id WHERE callID = 'x'
ERROR: could come from more than one table; qualify it

# title: UNION is ordered by its output columns
SELECT actor_name FROM events WHERE vendor = 'a' UNION SELECT actor_name FROM events WHERE vendor = 'b'
SELECT "actor_name" FROM "events" WHERE "vendor" = 'a' UNION SELECT "actor_name" FROM "events" WHERE "vendor" = 'b' ORDER BY 1

# title: a star over a derived table is left unordered
SELECT * FROM (SELECT actor_name FROM events) AS t
SELECT * FROM (SELECT "actor_name" FROM "events") AS "t"

# title: CASE expressions and CAST
SELECT CASE WHEN errCode = 0 THEN 'ok' ELSE 'failed' END AS result, CAST(source_row AS VARCHAR) FROM events
SELECT CASE WHEN (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.errCode') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(TRY_CAST("raw" ->> '$.errCode[*]' AS DOUBLE[]), 0), FALSE) ELSE TRY_CAST("events"."_aq_raw_1" AS DOUBLE) = 0 END) THEN 'ok' ELSE 'failed' END AS "result", CAST("source_row" AS TEXT) AS "CAST(source_row AS VARCHAR)" FROM (SELECT *, "raw" ->> '$.errCode' AS "_aq_raw_1" FROM "events") AS "events" ORDER BY "events"."time", "events"."source_file", "events"."source_row"

# title: a parenthesized query
(SELECT vendor FROM events GROUP BY vendor)
SELECT "vendor" FROM "events" GROUP BY "vendor" ORDER BY 1

# title: the caller's since/until/vendor restrict every read of events, CTEs and subqueries included
# since: 2015-08-16
# vendor: sap_cdc
WITH x AS (SELECT actor_id FROM events) SELECT count(*) FROM events e WHERE e.actor_id IN (SELECT actor_id FROM x)
WITH "x" AS (SELECT "actor_id" FROM (SELECT * FROM "events" WHERE "time" >= CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ) AND "vendor" = 'sap_cdc') AS "events") SELECT COUNT(*) AS "count(*)" FROM (SELECT * FROM "events" WHERE "time" >= CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ) AND "vendor" = 'sap_cdc') AS "e" WHERE "e"."actor_id" IN (SELECT "actor_id" FROM "x")

# title: the caller's limit caps SQL too
# limit: 3
SELECT vendor, count(*) FROM events GROUP BY vendor ORDER BY 2 DESC LIMIT 5
SELECT "vendor", COUNT(*) AS "count(*)" FROM "events" GROUP BY "vendor" ORDER BY 2 DESC LIMIT 3

# title: columns= picks and orders a SQL result's columns by name (any case), keeping its row order
# columns: ["n", "VENDOR"]
SELECT vendor, count(*) AS n FROM events GROUP BY vendor
SELECT "n", "vendor" FROM (SELECT "vendor", COUNT(*) AS "n" FROM "events" GROUP BY "vendor" ORDER BY 1, 2) AS "result"

# title: columns= over SELECT * from events knows the canonical columns
# columns: ["action", "time"]
SELECT * FROM events LIMIT 2
SELECT "action", "time" FROM (SELECT * FROM "events" ORDER BY "events"."time", "events"."source_file", "events"."source_row" LIMIT 2) AS "result"

# title: columns= naming a column the SQL result does not have
# columns: ["vendor", "count"]
SELECT vendor, count(*) AS n FROM events GROUP BY vendor
ERROR: --columns names 'count', which the query does not return; it returns: vendor, n
