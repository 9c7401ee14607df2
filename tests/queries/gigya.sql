# Gigya semantics as SAP documents them (docs/spec/query-language.md, "Gigya semantics"): regex is a full
# match, contains is a whole-word search that never matches a key, =/!=/IN test array elements, raw numbers
# order numerically, time literals accept lower-case t/z and epoch seconds as ingest reads them.

# title: regex is anchored to the whole value (a full match, as SAP: "Patterns are always anchored")
endpoint regex 'accounts\..*'
SELECT <columns> FROM "events" WHERE REGEXP_FULL_MATCH(("raw" ->> '$.endpoint'), '(?s)accounts\..*') ORDER BY "time", "source_file", "source_row"

# title: an invalid pattern is refused by RE2's rules, with a caret under the pattern
# caret: 1:16
endpoint regex 'a(?=b)'
ERROR: invalid regular expression 'a(?=b)': invalid perl operator: (?=

# title: a pattern in an OR branch no row reaches is refused all the same
# caret: 1:31
errCode = 0 OR endpoint regex '(a)\1'
ERROR: invalid regular expression '(a)\1': invalid escape sequence: \1

# title: regexp_matches with a constant pattern is checked too
# caret: 1:26
regexp_matches(endpoint, '[')
ERROR: invalid regular expression '[': missing ]: [

# title: \pL is RE2 syntax, accepted (Python's re would refuse it)
endpoint regex '\pL+\.\pL+'
SELECT <columns> FROM "events" WHERE REGEXP_FULL_MATCH(("raw" ->> '$.endpoint'), '(?s)\pL+\.\pL+') ORDER BY "time", "source_file", "source_row"

# title: regex needs a quoted pattern
# caret: 1:16
endpoint regex callID
ERROR: regex needs a quoted pattern on its right

# title: contains on a canonical column: whole word, any case, underscore separates words
message contains 'login'
SELECT <columns> FROM "events" WHERE REGEXP_MATCHES("message", '(?i)(^|[^\pL\pN])login([^\pL\pN]|$)') ORDER BY "time", "source_file", "source_row"

# title: contains on a raw field also searches array elements and object values, never key names
errMessage contains 'denied'
SELECT <columns> FROM (SELECT *, "raw" ->> '$.errMessage' AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN (STARTS_WITH("events"."_aq_raw_1", '[') OR STARTS_WITH("events"."_aq_raw_1", '{')) AND JSON_TYPE("raw", '$.errMessage') IN ('ARRAY', 'OBJECT') THEN REGEXP_MATCHES(REGEXP_REPLACE(CASE WHEN JSON_TYPE("raw", '$.errMessage') = 'ARRAY' THEN ARRAY_TO_STRING("raw" ->> '$.errMessage[*]', CHR(31)) ELSE "events"."_aq_raw_1" END, '"(?:[^"\\]|\\.)*"\s*:', ' ', 'g'), '(?i)(^|[^\pL\pN])denied([^\pL\pN]|$)') ELSE REGEXP_MATCHES("events"."_aq_raw_1", '(?i)(^|[^\pL\pN])denied([^\pL\pN]|$)') END) ORDER BY "time", "source_file", "source_row"

# title: contains with empty quotes is refused
# caret: 1:21
errMessage contains ''
ERROR: contains needs a word to look for; the quotes are empty

# title: = on a raw field also matches an array element
params.tags = 'vip'
SELECT <columns> FROM (SELECT *, "raw" ->> '$.params.tags' AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.params.tags') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.params.tags[*]'), 'vip'), FALSE) ELSE "events"."_aq_raw_1" = 'vip' END) ORDER BY "time", "source_file", "source_row"

# title: != is the exact negation of = (a missing field matches neither)
params.tags != 'vip'
SELECT <columns> FROM (SELECT *, "raw" ->> '$.params.tags' AS "_aq_raw_1" FROM "events") AS "events" WHERE NOT (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.params.tags') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.params.tags[*]'), 'vip'), FALSE) ELSE "events"."_aq_raw_1" = 'vip' END) ORDER BY "time", "source_file", "source_row"

# title: NOT IN on a raw field, elements too
errCode NOT IN (0, "400006")
SELECT <columns> FROM (SELECT *, "raw" ->> '$.errCode' AS "_aq_raw_1" FROM "events") AS "events" WHERE NOT (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.errCode') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.errCode[*]'), '400006') OR ARRAY_CONTAINS(TRY_CAST("raw" ->> '$.errCode[*]' AS DOUBLE[]), 0), FALSE) ELSE (TRY_CAST("events"."_aq_raw_1" AS DOUBLE) IN (0) OR "events"."_aq_raw_1" IN ('400006')) END) ORDER BY "time", "source_file", "source_row"

# title: ORDER BY a raw field: numbers numerically, then the rest as text
SELECT * FROM auditLog ORDER BY errCode DESC
SELECT <columns> FROM (SELECT *, "raw" ->> '$.errCode' AS "_aq_raw_1" FROM "events") AS "events" ORDER BY TRY_CAST("events"."_aq_raw_1" AS DOUBLE) DESC, "events"."_aq_raw_1" DESC, "time", "source_file", "source_row"

# title: min/max of a raw field: the smallest/largest number, else the text min/max
SELECT min(errCode), max(errCode) FROM events
SELECT COALESCE(ARG_MIN("events"."_aq_raw_1", TRY_CAST("events"."_aq_raw_1" AS DOUBLE)), MIN("events"."_aq_raw_1")) AS "min(errCode)", COALESCE(ARG_MAX("events"."_aq_raw_1", TRY_CAST("events"."_aq_raw_1" AS DOUBLE)), MAX("events"."_aq_raw_1")) AS "max(errCode)" FROM (SELECT *, "raw" ->> '$.errCode' AS "_aq_raw_1" FROM "events") AS "events"

# title: epoch seconds are read as seconds (below 1e11), as ingest reads them
@timestamp >= 1439683200
SELECT <columns> FROM "events" WHERE "time" >= CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ) ORDER BY "time", "source_file", "source_row"

# title: epoch milliseconds are milliseconds
@timestamp >= 1439683200000
SELECT <columns> FROM "events" WHERE "time" >= CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ) ORDER BY "time", "source_file", "source_row"

# title: lower-case t and z in an ISO 8601 literal
@timestamp >= '2015-08-16t00:00:00.000z'
SELECT <columns> FROM "events" WHERE "time" >= CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ) ORDER BY "time", "source_file", "source_row"

# title: an epoch number too large to be a time is refused
# caret: 1:15
@timestamp >= 100000000000000000
ERROR: is not a point in time
