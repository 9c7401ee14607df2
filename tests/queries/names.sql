# Name resolution: canonical columns, raw fields, dotted paths, quoting, and the positional string rule.

# title: canonical columns match case-insensitively, quoted or not
ACTOR_NAME = 'alex' AND "Vendor" = 'sap_cdc'
SELECT <columns> FROM "events" WHERE "actor_name" = 'alex' AND "vendor" = 'sap_cdc' ORDER BY "time", "source_file", "source_row"

# title: @timestamp and timestamp mean time
@timestamp > '2015-08-16' AND timestamp < '2015-08-17' AND "@timestamp" IS NOT NULL
SELECT <columns> FROM "events" WHERE "time" > CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ) AND "time" < CAST('2015-08-17 00:00:00+00:00' AS TIMESTAMPTZ) AND NOT "time" IS NULL ORDER BY "time", "source_file", "source_row"

# title: other names are raw fields, case-sensitive
uid = 'u1' AND UID = 'u2'
SELECT <columns> FROM (SELECT *, "raw" ->> '$.uid' AS "_aq_raw_1", "raw" ->> '$.UID' AS "_aq_raw_2" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.uid') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.uid[*]'), 'u1'), FALSE) ELSE "events"."_aq_raw_1" = 'u1' END) AND (CASE WHEN STARTS_WITH("events"."_aq_raw_2", '[') AND JSON_TYPE("raw", '$.UID') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.UID[*]'), 'u2'), FALSE) ELSE "events"."_aq_raw_2" = 'u2' END) ORDER BY "time", "source_file", "source_row"

# title: dotted names walk nested objects
params.loginID = 'a@b.c' AND httpReq.SDK = 'js'
SELECT <columns> FROM (SELECT *, "raw" ->> '$.params.loginID' AS "_aq_raw_1", "raw" ->> '$.httpReq.SDK' AS "_aq_raw_2" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.params.loginID') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.params.loginID[*]'), 'a@b.c'), FALSE) ELSE "events"."_aq_raw_1" = 'a@b.c' END) AND (CASE WHEN STARTS_WITH("events"."_aq_raw_2", '[') AND JSON_TYPE("raw", '$.httpReq.SDK') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.httpReq.SDK[*]'), 'js'), FALSE) ELSE "events"."_aq_raw_2" = 'js' END) ORDER BY "time", "source_file", "source_row"

# title: deep paths keep every part
a.b.c.d.e.f = 'x'
SELECT <columns> FROM (SELECT *, "raw" ->> '$.a.b.c.d.e.f' AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.a.b.c.d.e.f') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.a.b.c.d.e.f[*]'), 'x'), FALSE) ELSE "events"."_aq_raw_1" = 'x' END) ORDER BY "time", "source_file", "source_row"

# title: double-quoted parts are keys, with the same dotted meaning
"params"."loginID" = 'a@b.c'
SELECT <columns> FROM (SELECT *, "raw" ->> '$.params.loginID' AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.params.loginID') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.params.loginID[*]'), 'a@b.c'), FALSE) ELSE "events"."_aq_raw_1" = 'a@b.c' END) ORDER BY "time", "source_file", "source_row"

# title: a quoted name with spaces is one key
"Performed By" = 'Alex'
SELECT <columns> FROM (SELECT *, "raw" ->> '$."Performed By"' AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$."Performed By"') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$."Performed By"[*]'), 'Alex'), FALSE) ELSE "events"."_aq_raw_1" = 'Alex' END) ORDER BY "time", "source_file", "source_row"

# title: a quoted name with a dot is one key (a CSV header), not a path
"a.b" = 'x' AND "a.b".c = 'y'
SELECT <columns> FROM (SELECT *, "raw" ->> '$."a.b"' AS "_aq_raw_1", "raw" ->> '$."a.b".c' AS "_aq_raw_2" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$."a.b"') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$."a.b"[*]'), 'x'), FALSE) ELSE "events"."_aq_raw_1" = 'x' END) AND (CASE WHEN STARTS_WITH("events"."_aq_raw_2", '[') AND JSON_TYPE("raw", '$."a.b".c') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$."a.b".c[*]'), 'y'), FALSE) ELSE "events"."_aq_raw_2" = 'y' END) ORDER BY "time", "source_file", "source_row"

# title: keys $.path syntax cannot express are read through a JSON pointer
"we*ird" = 'x' OR "back\slash" = 'y' OR "say ""hi""" = 'z' OR "a/b~c" = 'w'
SELECT <columns> FROM "events" WHERE ("raw" ->> '/we*ird') = 'x' OR ("raw" ->> '/back\slash') = 'y' OR ("raw" ->> '/say "hi"') = 'z' OR ("raw" ->> '/a~1b~0c') = 'w' ORDER BY "time", "source_file", "source_row"

# title: positional rule: double quotes on the right of a comparison are a string
endpoint = "accounts.login" AND "Performed By" <> "Alex"
SELECT <columns> FROM (SELECT *, "raw" ->> '$.endpoint' AS "_aq_raw_1", "raw" ->> '$."Performed By"' AS "_aq_raw_2" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.endpoint') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.endpoint[*]'), 'accounts.login'), FALSE) ELSE "events"."_aq_raw_1" = 'accounts.login' END) AND NOT (CASE WHEN STARTS_WITH("events"."_aq_raw_2", '[') AND JSON_TYPE("raw", '$."Performed By"') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$."Performed By"[*]'), 'Alex'), FALSE) ELSE "events"."_aq_raw_2" = 'Alex' END) ORDER BY "time", "source_file", "source_row"

# title: positional rule: after LIKE and inside IN and BETWEEN
endpoint LIKE "socialize%" AND errCode IN ("0", "400006") AND actor_name BETWEEN "a" AND "m"
SELECT <columns> FROM (SELECT *, "raw" ->> '$.errCode' AS "_aq_raw_1" FROM "events") AS "events" WHERE ("raw" ->> '$.endpoint') LIKE 'socialize%' AND (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.errCode') = 'ARRAY' THEN COALESCE(("raw" ->> '$.errCode[*]') && ['0', '400006'], FALSE) ELSE "events"."_aq_raw_1" IN ('0', '400006') END) AND "actor_name" BETWEEN 'a' AND 'm' ORDER BY "time", "source_file", "source_row"

# title: positional rule: a qualified name on the right stays a name
params.loginID = params.email
SELECT <columns> FROM "events" WHERE ("raw" ->> '$.params.loginID') = ("raw" ->> '$.params.email') ORDER BY "time", "source_file", "source_row"

# title: unknown field: warned with the nearest known names, still translated
# catalog: gigya
# warning: no ingested record has field 'errcode'; did you mean: errCode?
errcode = 0
SELECT <columns> FROM (SELECT *, "raw" ->> '$.errcode' AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.errcode') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(TRY_CAST("raw" ->> '$.errcode[*]' AS DOUBLE[]), 0), FALSE) ELSE TRY_CAST("events"."_aq_raw_1" AS DOUBLE) = 0 END) ORDER BY "time", "source_file", "source_row"

# title: unknown field with nothing close
# catalog: gigya
# warning: no ingested record has field 'zzz'; it matches nothing
zzz = 1
SELECT <columns> FROM (SELECT *, "raw" ->> '$.zzz' AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.zzz') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(TRY_CAST("raw" ->> '$.zzz[*]' AS DOUBLE[]), 1), FALSE) ELSE TRY_CAST("events"."_aq_raw_1" AS DOUBLE) = 1 END) ORDER BY "time", "source_file", "source_row"

# title: a known object that holds known fields is not warned about
# catalog: gigya
params IS NOT NULL AND "Performed By" = 'x'
SELECT <columns> FROM (SELECT *, "raw" ->> '$."Performed By"' AS "_aq_raw_1" FROM "events") AS "events" WHERE NOT ("raw" ->> '$.params') IS NULL AND (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$."Performed By"') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$."Performed By"[*]'), 'x'), FALSE) ELSE "events"."_aq_raw_1" = 'x' END) ORDER BY "time", "source_file", "source_row"

# title: verbatim fields read the typed column for that vendor's rows, raw elsewhere
# catalog: gigya
endpoint LIKE 'socialize%'
SELECT <columns> FROM "events" WHERE CASE WHEN "vendor" = 'sap_cdc' AND NOT "action" IS NULL THEN "action" ELSE "raw" ->> '$.endpoint' END LIKE 'socialize%' ORDER BY "time", "source_file", "source_row"

# title: verbatim fields keep the numeric rule
# catalog: gigya
errCode != 0
SELECT <columns> FROM (SELECT *, CASE WHEN "vendor" = 'sap_cdc' AND NOT "status_code" IS NULL THEN "status_code" ELSE "raw" ->> '$.errCode' END AS "_aq_raw_1" FROM "events") AS "events" WHERE NOT (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.errCode') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(TRY_CAST("raw" ->> '$.errCode[*]' AS DOUBLE[]), 0), FALSE) ELSE TRY_CAST("events"."_aq_raw_1" AS DOUBLE) = 0 END) ORDER BY "time", "source_file", "source_row"

# title: one field copied by two vendors into the same column
# catalog: gigya
sourceIP = '10.0.0.1'
SELECT <columns> FROM (SELECT *, CASE WHEN "vendor" IN ('resolver', 'sap_cdc') AND NOT "source_ip" IS NULL THEN "source_ip" ELSE "raw" ->> '$.sourceIP' END AS "_aq_raw_1" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.sourceIP') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.sourceIP[*]'), '10.0.0.1'), FALSE) ELSE "events"."_aq_raw_1" = '10.0.0.1' END) ORDER BY "time", "source_file", "source_row"

# title: nested verbatim fields too, but a quoted key with a dot never uses the column
# catalog: gigya
params.loginID = 'a' OR "params.loginID" = 'b'
SELECT <columns> FROM (SELECT *, CASE WHEN "vendor" = 'sap_cdc' AND NOT "actor_name" IS NULL THEN "actor_name" ELSE "raw" ->> '$.params.loginID' END AS "_aq_raw_1", "raw" ->> '$."params.loginID"' AS "_aq_raw_2" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.params.loginID') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.params.loginID[*]'), 'a'), FALSE) ELSE "events"."_aq_raw_1" = 'a' END) OR (CASE WHEN STARTS_WITH("events"."_aq_raw_2", '[') AND JSON_TYPE("raw", '$."params.loginID"') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$."params.loginID"[*]'), 'b'), FALSE) ELSE "events"."_aq_raw_2" = 'b' END) ORDER BY "time", "source_file", "source_row"

# title: a complete catalog (an archive's): vendors whose records lack the first key read NULL, not raw
# catalog: gigya_complete
# warning: no ingested record has field 'httpReq.SDK'
"Performed By" = 'x' OR httpReq.SDK = 'y' OR sourceIP = 'z'
SELECT <columns> FROM (SELECT *, CASE WHEN "vendor" IN ('resolver', 'sap_cdc') AND NOT "source_ip" IS NULL THEN "source_ip" WHEN "vendor" = 'broadcom_portal' THEN NULL ELSE "raw" ->> '$.sourceIP' END AS "_aq_raw_1", CASE WHEN "vendor" = 'sap_cdc' THEN NULL ELSE "raw" ->> '$."Performed By"' END AS "_aq_raw_2", CASE WHEN "vendor" = 'broadcom_portal' OR "vendor" = 'sap_cdc' THEN NULL ELSE "raw" ->> '$.httpReq.SDK' END AS "_aq_raw_3" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_2", '[') AND JSON_TYPE("raw", '$."Performed By"') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$."Performed By"[*]'), 'x'), FALSE) ELSE "events"."_aq_raw_2" = 'x' END) OR (CASE WHEN STARTS_WITH("events"."_aq_raw_3", '[') AND JSON_TYPE("raw", '$.httpReq.SDK') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.httpReq.SDK[*]'), 'y'), FALSE) ELSE "events"."_aq_raw_3" = 'y' END) OR (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.sourceIP') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.sourceIP[*]'), 'z'), FALSE) ELSE "events"."_aq_raw_1" = 'z' END) ORDER BY "time", "source_file", "source_row"

# title: a vendor the catalog does not list (resolver) reads raw even when the catalog is complete
# catalog: gigya_complete
errCode != 0
SELECT <columns> FROM (SELECT *, CASE WHEN "vendor" = 'sap_cdc' AND NOT "status_code" IS NULL THEN "status_code" WHEN "vendor" = 'broadcom_portal' THEN NULL ELSE "raw" ->> '$.errCode' END AS "_aq_raw_1" FROM "events") AS "events" WHERE NOT (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$.errCode') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(TRY_CAST("raw" ->> '$.errCode[*]' AS DOUBLE[]), 0), FALSE) ELSE TRY_CAST("events"."_aq_raw_1" AS DOUBLE) = 0 END) ORDER BY "time", "source_file", "source_row"

# title: a catalog not known to be complete never skips raw
# catalog: gigya
# warning: no ingested record has field 'httpReq.SDK'
"Performed By" = 'x' OR httpReq.SDK = 'y'
SELECT <columns> FROM (SELECT *, "raw" ->> '$."Performed By"' AS "_aq_raw_1", "raw" ->> '$.httpReq.SDK' AS "_aq_raw_2" FROM "events") AS "events" WHERE (CASE WHEN STARTS_WITH("events"."_aq_raw_1", '[') AND JSON_TYPE("raw", '$."Performed By"') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$."Performed By"[*]'), 'x'), FALSE) ELSE "events"."_aq_raw_1" = 'x' END) OR (CASE WHEN STARTS_WITH("events"."_aq_raw_2", '[') AND JSON_TYPE("raw", '$.httpReq.SDK') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.httpReq.SDK[*]'), 'y'), FALSE) ELSE "events"."_aq_raw_2" = 'y' END) ORDER BY "time", "source_file", "source_row"
