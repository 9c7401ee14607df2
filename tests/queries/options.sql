# The caller's options: columns, since/until, vendor and the row limit.

# title: columns: canonical names, @timestamp, raw paths and a quoted key
# columns: ["@timestamp", "Actor_Name", "params.loginID", "\"Performed By\"", "\"a.b\""]
errCode = 0
SELECT "time", "actor_name", "raw" ->> '$.params.loginID' AS "params.loginID", "raw" ->> '$."Performed By"' AS "Performed By", "raw" ->> '$."a.b"' AS "a.b" FROM (SELECT *, "raw" ->> '$.errCode' AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.errCode') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(TRY_CAST("raw" ->> '$.errCode[*]' AS DOUBLE[]), 0), FALSE) ELSE TRY_CAST("events"."_aq_raw_1" AS DOUBLE) = 0 END) ORDER BY "time", "source_file", "source_row"

# title: columns: raw columns use the verbatim typed column where allowed
# catalog: gigya
# columns: ["time", "endpoint"]
errCode = 0
SELECT "time", CASE WHEN "vendor" = 'sap_cdc' AND NOT "action" IS NULL THEN "action" ELSE "raw" ->> '$.endpoint' END AS "endpoint" FROM (SELECT *, CASE WHEN "vendor" = 'sap_cdc' AND NOT "status_code" IS NULL THEN "status_code" ELSE "raw" ->> '$.errCode' END AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.errCode') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(TRY_CAST("raw" ->> '$.errCode[*]' AS DOUBLE[]), 0), FALSE) ELSE TRY_CAST("events"."_aq_raw_1" AS DOUBLE) = 0 END) ORDER BY "time", "source_file", "source_row"

# title: vendor
# vendor: resolver
category = 'delete' OR category = 'update'
SELECT <columns> FROM "events" WHERE ("category" = 'delete' OR "category" = 'update') AND "vendor" = 'resolver' ORDER BY "time", "source_file", "source_row"

# title: until alone; the user's OR is kept together
# until: 2015-08-17
a = 1 OR b = 2
SELECT <columns> FROM (SELECT *, "raw" ->> '$.a' AS "_aq_raw_1", "raw" ->> '$.b' AS "_aq_raw_2" FROM "events") AS "events" WHERE ((CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.a') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(TRY_CAST("raw" ->> '$.a[*]' AS DOUBLE[]), 1), FALSE) ELSE TRY_CAST("events"."_aq_raw_1" AS DOUBLE) = 1 END) OR (CASE WHEN STARTS_WITH("events"."_aq_raw_2", '[') AND JSON_TYPE("raw", '$.b') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(TRY_CAST("raw" ->> '$.b[*]' AS DOUBLE[]), 2), FALSE) ELSE TRY_CAST("events"."_aq_raw_2" AS DOUBLE) = 2 END)) AND "time" < CAST('2015-08-17 00:00:00+00:00' AS TIMESTAMPTZ) ORDER BY "time", "source_file", "source_row"

# title: limit
# limit: 101
outcome = 'failure'
SELECT <columns> FROM "events" WHERE "outcome" = 'failure' ORDER BY "time", "source_file", "source_row" LIMIT 101

# title: limit 0
# limit: 0
outcome = 'failure'
SELECT <columns> FROM "events" WHERE "outcome" = 'failure' ORDER BY "time", "source_file", "source_row" LIMIT 0

# title: an unreadable since
# since: last tuesday
outcome = 'failure'
ERROR: 'last tuesday' is not a point in time

# title: empty columns
# columns: []
outcome = 'failure'
ERROR: columns= is empty

# title: a negative limit
# limit: -1
outcome = 'failure'
ERROR: limit must be a whole number >= 0
