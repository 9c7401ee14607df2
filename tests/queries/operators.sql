# Every operator of the WHERE form, against canonical columns and raw fields.
# Blocks: "# title:" and option lines, the query (one or more lines), then the expected SQL or ERROR: text.
# <columns> stands for the full canonical column list; the default ORDER BY is written out.

# title: equals on a canonical column
category = 'login'
SELECT <columns> FROM "events" WHERE "category" = 'login' ORDER BY "time", "source_file", "source_row"

# title: != and <> are the same
outcome != 'success' AND outcome <> 'unknown'
SELECT <columns> FROM "events" WHERE "outcome" <> 'success' AND "outcome" <> 'unknown' ORDER BY "time", "source_file", "source_row"

# title: ordering comparisons on text compare strings
actor_name < 'b' OR actor_name <= 'a' OR actor_name > 'y' OR actor_name >= 'z'
SELECT <columns> FROM "events" WHERE "actor_name" < 'b' OR "actor_name" <= 'a' OR "actor_name" > 'y' OR "actor_name" >= 'z' ORDER BY "time", "source_file", "source_row"

# title: a text column against a number compares numerically, never a conversion error
status_code >= 400000
SELECT <columns> FROM "events" WHERE TRY_CAST("status_code" AS DOUBLE) >= 400000 ORDER BY "time", "source_file", "source_row"

# title: a raw field against a number: TRY_CAST of its string form
errCode != 0
SELECT <columns> FROM (SELECT *, "raw" ->> '$.errCode' AS "_aq_raw_1" FROM "events") AS "events" WHERE NOT (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.errCode') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(TRY_CAST("raw" ->> '$.errCode[*]' AS DOUBLE[]), 0), FALSE) ELSE TRY_CAST("events"."_aq_raw_1" AS DOUBLE) = 0 END) ORDER BY "time", "source_file", "source_row"

# title: a raw field against a string: its string form
errCode = '0'
SELECT <columns> FROM (SELECT *, "raw" ->> '$.errCode' AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.errCode') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.errCode[*]'), '0'), FALSE) ELSE "events"."_aq_raw_1" = '0' END) ORDER BY "time", "source_file", "source_row"

# title: number on the left
0 < errCode
SELECT <columns> FROM "events" WHERE 0 < TRY_CAST("raw" ->> '$.errCode' AS DOUBLE) ORDER BY "time", "source_file", "source_row"

# title: negative numbers
errCode > -1
SELECT <columns> FROM "events" WHERE TRY_CAST("raw" ->> '$.errCode' AS DOUBLE) > -1 ORDER BY "time", "source_file", "source_row"

# title: raw field against a boolean compares with 'true' / 'false'
isActive = TRUE
SELECT <columns> FROM (SELECT *, "raw" ->> '$.isActive' AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.isActive') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.isActive[*]'), 'true'), FALSE) ELSE "events"."_aq_raw_1" = 'true' END) ORDER BY "time", "source_file", "source_row"

# title: AND binds tighter than OR; parentheses and NOT are kept
NOT (vendor = 'a' OR vendor = 'b') AND (outcome = 'failure')
SELECT <columns> FROM "events" WHERE NOT ("vendor" = 'a' OR "vendor" = 'b') AND ("outcome" = 'failure') ORDER BY "time", "source_file", "source_row"

# title: LIKE and NOT LIKE
endpoint LIKE 'socialize%' AND endpoint NOT LIKE '%.get_'
SELECT <columns> FROM (SELECT *, "raw" ->> '$.endpoint' AS "_aq_raw_1" FROM "events") AS "events" WHERE "events"."_aq_raw_1" LIKE 'socialize%' AND "events"."_aq_raw_1" NOT LIKE '%.get_' ORDER BY "time", "source_file", "source_row"

# title: ILIKE
action ILIKE 'accounts.%'
SELECT <columns> FROM "events" WHERE "action" ILIKE 'accounts.%' ORDER BY "time", "source_file", "source_row"

# title: IN and NOT IN with strings
category IN ('login', 'logout') AND outcome NOT IN ('success')
SELECT <columns> FROM "events" WHERE "category" IN ('login', 'logout') AND NOT "outcome" IN ('success') ORDER BY "time", "source_file", "source_row"

# title: Gigya's lower-case in(...) with double-quoted strings
errCode in("0","400006")
SELECT <columns> FROM (SELECT *, "raw" ->> '$.errCode' AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.errCode') = 'ARRAY' THEN COALESCE(("raw" ->> '$.errCode[*]') && ['0', '400006'], FALSE) ELSE "events"."_aq_raw_1" IN ('0', '400006') END) ORDER BY "time", "source_file", "source_row"

# title: IN with numbers only compares numerically
errCode IN (0, 400006)
SELECT <columns> FROM (SELECT *, "raw" ->> '$.errCode' AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.errCode') = 'ARRAY' THEN COALESCE(TRY_CAST("raw" ->> '$.errCode[*]' AS DOUBLE[]) && [0, 400006], FALSE) ELSE TRY_CAST("events"."_aq_raw_1" AS DOUBLE) IN (0, 400006) END) ORDER BY "time", "source_file", "source_row"

# title: IN with numbers and strings types each element
errCode IN (0, 'n/a')
SELECT <columns> FROM (SELECT *, "raw" ->> '$.errCode' AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.errCode') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.errCode[*]'), 'n/a') OR ARRAY_CONTAINS(TRY_CAST("raw" ->> '$.errCode[*]' AS DOUBLE[]), 0), FALSE) ELSE (TRY_CAST("events"."_aq_raw_1" AS DOUBLE) IN (0) OR "events"."_aq_raw_1" IN ('n/a')) END) ORDER BY "time", "source_file", "source_row"

# title: BETWEEN numbers
errCode BETWEEN 400000 AND 499999
SELECT <columns> FROM "events" WHERE TRY_CAST("raw" ->> '$.errCode' AS DOUBLE) BETWEEN 400000 AND 499999 ORDER BY "time", "source_file", "source_row"

# title: BETWEEN strings
actor_name BETWEEN 'a' AND 'c'
SELECT <columns> FROM "events" WHERE "actor_name" BETWEEN 'a' AND 'c' ORDER BY "time", "source_file", "source_row"

# title: BETWEEN a number and a string splits into two typed comparisons
errCode BETWEEN 1 AND 'z'
SELECT <columns> FROM (SELECT *, "raw" ->> '$.errCode' AS "_aq_raw_1" FROM "events") AS "events" WHERE (TRY_CAST("events"."_aq_raw_1" AS DOUBLE) >= 1 AND "events"."_aq_raw_1" <= 'z') ORDER BY "time", "source_file", "source_row"

# title: IS NULL and IS NOT NULL
actor_email IS NULL AND errCode IS NOT NULL
SELECT <columns> FROM "events" WHERE "actor_email" IS NULL AND NOT ("raw" ->> '$.errCode') IS NULL ORDER BY "time", "source_file", "source_row"

# title: contains is a case-insensitive whole-word match
errMessage contains 'Invalid'
SELECT <columns> FROM (SELECT *, "raw" ->> '$.errMessage' AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN (STARTS_WITH("events"."_aq_raw_1", '[') OR STARTS_WITH("events"."_aq_raw_1", '{')) AND JSON_TYPE("raw", '$.errMessage') IN ('ARRAY', 'OBJECT') THEN REGEXP_MATCHES(REGEXP_REPLACE(CASE WHEN JSON_TYPE("raw", '$.errMessage') = 'ARRAY' THEN ARRAY_TO_STRING("raw" ->> '$.errMessage[*]', CHR(31)) ELSE "events"."_aq_raw_1" END, '"(?:[^"\\]|\\.)*"\s*:', ' ', 'g'), '(?i)(^|[^\pL\pN])Invalid([^\pL\pN]|$)') ELSE REGEXP_MATCHES("events"."_aq_raw_1", '(?i)(^|[^\pL\pN])Invalid([^\pL\pN]|$)') END) ORDER BY "time", "source_file", "source_row"

# title: contains escapes regular-expression characters in the word
message contains 'a.b (c)'
SELECT <columns> FROM "events" WHERE REGEXP_MATCHES("message", '(?i)(^|[^\pL\pN])a\.b \(c\)([^\pL\pN]|$)') ORDER BY "time", "source_file", "source_row"

# title: NOT contains
message NOT contains "denied"
SELECT <columns> FROM "events" WHERE NOT REGEXP_MATCHES("message", '(?i)(^|[^\pL\pN])denied([^\pL\pN]|$)') ORDER BY "time", "source_file", "source_row"

# title: regex
endpoint regex '^accounts\.(login|logout)$'
SELECT <columns> FROM "events" WHERE REGEXP_FULL_MATCH(("raw" ->> '$.endpoint'), '(?s)^accounts\.(login|logout)$') ORDER BY "time", "source_file", "source_row"

# title: NOT regex with a double-quoted pattern
endpoint NOT regex "^socialize"
SELECT <columns> FROM "events" WHERE NOT REGEXP_FULL_MATCH(("raw" ->> '$.endpoint'), '(?s)^socialize') ORDER BY "time", "source_file", "source_row"

# title: TRUE, FALSE, NULL literals
TRUE AND NOT FALSE AND actor_id IS NOT NULL
SELECT <columns> FROM "events" WHERE TRUE AND NOT FALSE AND NOT "actor_id" IS NULL ORDER BY "time", "source_file", "source_row"

# title: allowed scalar functions
lower(actor_name) = 'alex' AND upper(vendor) = 'SAP_CDC' AND length(message) > 3 AND coalesce(actor_email, actor_name) IS NOT NULL
SELECT <columns> FROM "events" WHERE LOWER("actor_name") = 'alex' AND UPPER("vendor") = 'SAP_CDC' AND LENGTH("message") > 3 AND NOT COALESCE("actor_email", "actor_name") IS NULL ORDER BY "time", "source_file", "source_row"

# title: string functions, and the regexp_matches function (its quoted arguments stay names)
starts_with(action, 'accounts') AND ends_with(action, 'login') AND contains(action, '.') AND regexp_matches(action, '^a')
SELECT <columns> FROM "events" WHERE STARTS_WITH("action", 'accounts') AND ENDS_WITH("action", 'login') AND CONTAINS("action", '.') AND REGEXP_MATCHES("action", '^a') ORDER BY "time", "source_file", "source_row"

# title: functions over raw fields read their string form
lower(errMessage) LIKE '%invalid%'
SELECT <columns> FROM "events" WHERE LOWER("raw" ->> '$.errMessage') LIKE '%invalid%' ORDER BY "time", "source_file", "source_row"

# title: LIKE ... ESCAPE
action LIKE 'a!_%' ESCAPE '!'
SELECT <columns> FROM "events" WHERE "action" LIKE 'a!_%' ESCAPE '!' ORDER BY "time", "source_file", "source_row"
