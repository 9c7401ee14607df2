# Gigya's REST audit.search form: SELECT * FROM auditLog [WHERE] [ORDER BY] [START n] [LIMIT n].

# title: the spec's REST example
SELECT * FROM auditLog WHERE errCode in ("0", "400006") ORDER BY @timestamp DESC START 10 LIMIT 100
SELECT <columns> FROM (SELECT *, "raw" ->> '$.errCode' AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.errCode') = 'ARRAY' THEN COALESCE(("raw" ->> '$.errCode[*]') && ['0', '400006'], FALSE) ELSE "events"."_aq_raw_1" IN ('0', '400006') END) ORDER BY "time" DESC, "source_file", "source_row" LIMIT 100 OFFSET 10

# title: auditLog matches case-insensitively; no WHERE
select * from AUDITLOG limit 5
SELECT <columns> FROM "events" ORDER BY "time", "source_file", "source_row" LIMIT 5

# title: START alone
SELECT * FROM auditLog WHERE endpoint = "accounts.login" START 20
SELECT <columns> FROM (SELECT *, "raw" ->> '$.endpoint' AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.endpoint') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.endpoint[*]'), 'accounts.login'), FALSE) ELSE "events"."_aq_raw_1" = 'accounts.login' END) ORDER BY "time", "source_file", "source_row" OFFSET 20

# title: ORDER BY a raw field keeps the tie-breakers
SELECT * FROM auditLog ORDER BY callID
SELECT <columns> FROM (SELECT *, "raw" ->> '$.callID' AS "_aq_raw_1" FROM "events") AS "events" ORDER BY TRY_CAST("events"."_aq_raw_1" AS DOUBLE), "events"."_aq_raw_1", "time", "source_file", "source_row"

# title: the caller's limit lowers the REST LIMIT
# limit: 51
SELECT * FROM auditLog LIMIT 100
SELECT <columns> FROM "events" ORDER BY "time", "source_file", "source_row" LIMIT 51

# title: the REST LIMIT is kept when smaller
# limit: 51
SELECT * FROM auditLog LIMIT 10
SELECT <columns> FROM "events" ORDER BY "time", "source_file", "source_row" LIMIT 10

# title: a trailing semicolon is fine
SELECT * FROM auditLog WHERE errCode = 0;
SELECT <columns> FROM (SELECT *, "raw" ->> '$.errCode' AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.errCode') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(TRY_CAST("raw" ->> '$.errCode[*]' AS DOUBLE[]), 0), FALSE) ELSE TRY_CAST("events"."_aq_raw_1" AS DOUBLE) = 0 END) ORDER BY "time", "source_file", "source_row"

# title: START after LIMIT is refused (Gigya's clause order)
SELECT * FROM auditLog LIMIT 10 START 5
ERROR: START must come before LIMIT

# title: only SELECT * in the REST form
SELECT callID FROM auditLog
ERROR: the REST form (audit.search) selects only *: SELECT * FROM auditLog [WHERE …] [ORDER BY …] [START n] [LIMIT n]; for other columns write SQL over events: SELECT callID FROM events

# title: no GROUP BY in the REST form
SELECT * FROM auditLog GROUP BY endpoint
ERROR: for counts or groups write SQL over events: SELECT endpoint, count(*) FROM events GROUP BY endpoint

# title: START only in the REST form
SELECT * FROM events START 5
ERROR: START belongs to the REST form

# title: aggregation over auditLog
SELECT count(*) FROM auditLog
ERROR: for counts or groups write SQL over events: SELECT count(*) FROM events

# title: auditLog only in the REST form
SELECT * FROM events WHERE actor_id IN (SELECT actor_id FROM auditLog)
ERROR: table 'auditLog' is not allowed; auditLog is only for the REST form

# title: LIMIT takes a whole number
SELECT * FROM auditLog LIMIT 1 + 1
ERROR: LIMIT takes a whole number
