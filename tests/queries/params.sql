# Values bound from params= (notebook :name / $name / {name}) become $n parameters, never SQL text.

# title: a string value
# params: {"who": "x' OR '1'='1"}
# bound: ["x' OR '1'='1"]
actor_name = :who
SELECT <columns> FROM "events" WHERE "actor_name" = $1 ORDER BY "time", "source_file", "source_row"

# title: a number keeps the numeric rule for raw fields
# params: {"code": 0}
# bound: [0, 0]
errCode = $code
SELECT <columns> FROM (SELECT *, "raw" ->> '$.errCode' AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.errCode') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(TRY_CAST("raw" ->> '$.errCode[*]' AS DOUBLE[]), $1), FALSE) ELSE TRY_CAST("events"."_aq_raw_1" AS DOUBLE) = $2 END) ORDER BY "time", "source_file", "source_row"

# title: a {name} placeholder, and a value used twice
# params: {"login": "a@b.c"}
# bound: ["a@b.c", "a@b.c", "a@b.c"]
params.loginID = {login} OR actor_email = :login
SELECT <columns> FROM (SELECT *, "raw" ->> '$.params.loginID' AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.params.loginID') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.params.loginID[*]'), $1), FALSE) ELSE "events"."_aq_raw_1" = $2 END) OR "actor_email" = $3 ORDER BY "time", "source_file", "source_row"

# title: a time value compared with time is normalized to UTC before binding
# params: {"since": "2015-08-16T02:00:00+02:00"}
# bound: ["2015-08-16 00:00:00+00:00"]
@timestamp >= :since
SELECT <columns> FROM "events" WHERE "time" >= CAST($1 AS TIMESTAMPTZ) ORDER BY "time", "source_file", "source_row"

# title: epoch milliseconds bound as a number
# params: {"since": 1439683200000}
# bound: ["2015-08-16 00:00:00+00:00"]
@timestamp >= :since
SELECT <columns> FROM "events" WHERE "time" >= CAST($1 AS TIMESTAMPTZ) ORDER BY "time", "source_file", "source_row"

# title: contains binds the derived pattern, not the word pasted into SQL
# params: {"word": "a.b"}
# bound: ["(?i)(^|[^\\pL\\pN])a\\.b([^\\pL\\pN]|$)"]
message contains :word
SELECT <columns> FROM "events" WHERE REGEXP_MATCHES("message", $1) ORDER BY "time", "source_file", "source_row"

# title: a list expands inside IN
# params: {"ids": ["e1", "e2", "e3"]}
# bound: ["e1", "e2", "e3"]
event_id IN (:ids)
SELECT <columns> FROM "events" WHERE "event_id" IN ($1, $2, $3) ORDER BY "time", "source_file", "source_row"

# title: null and booleans need no parameter
# params: {"none": null, "yes": true}
# bound: []
actor_email IS :none OR flag = :yes
SELECT <columns> FROM (SELECT *, "raw" ->> '$.flag' AS "_aq_raw_1" FROM "events") AS "events" WHERE "actor_email" IS NULL OR (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.flag') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.flag[*]'), 'true'), FALSE) ELSE "events"."_aq_raw_1" = 'true' END) ORDER BY "time", "source_file", "source_row"

# title: parameters are numbered in the order they appear
# params: {"a": "1", "b": 2}
# bound: ["1", 2]
SELECT actor_name FROM events WHERE actor_id = :a AND source_row > :b
SELECT "actor_name" FROM "events" WHERE "actor_id" = $1 AND "source_row" > $2 ORDER BY "events"."time", "events"."source_file", "events"."source_row"

# title: a missing value
# params: {"a": 1}
errCode = :b
ERROR: no value for placeholder :b; there are values for: a

# title: positional ? needs a name when binding
# params: {"a": 1}
errCode = ?
ERROR: use a named placeholder such as :name

# title: an unsupported value type
# params: {"a": {"x": 1}}
errCode = :a
ERROR: params['a'] is a dict
