# Name resolution: canonical columns, raw fields, dotted paths, quoting, and the positional string rule.

# title: canonical columns match case-insensitively, quoted or not
ACTOR_NAME = 'alex' AND "Vendor" = 'sap_cdc'
SELECT <columns> FROM "events" WHERE "actor_name" = 'alex' AND "vendor" = 'sap_cdc' ORDER BY "time", "source_file", "source_row"

# title: @timestamp and timestamp mean time
@timestamp > '2015-08-16' AND timestamp < '2015-08-17' AND "@timestamp" IS NOT NULL
SELECT <columns> FROM "events" WHERE "time" > CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ) AND "time" < CAST('2015-08-17 00:00:00+00:00' AS TIMESTAMPTZ) AND NOT "time" IS NULL ORDER BY "time", "source_file", "source_row"

# title: other names are raw fields, case-sensitive
uid = 'u1' AND UID = 'u2'
SELECT <columns> FROM "events" WHERE (CASE WHEN STARTS_WITH("raw" ->> '$.uid', '[') AND JSON_TYPE("raw", '$.uid') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.uid[*]'), 'u1'), FALSE) ELSE ("raw" ->> '$.uid') = 'u1' END) AND (CASE WHEN STARTS_WITH("raw" ->> '$.UID', '[') AND JSON_TYPE("raw", '$.UID') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.UID[*]'), 'u2'), FALSE) ELSE ("raw" ->> '$.UID') = 'u2' END) ORDER BY "time", "source_file", "source_row"

# title: dotted names walk nested objects
params.loginID = 'a@b.c' AND httpReq.SDK = 'js'
SELECT <columns> FROM "events" WHERE (CASE WHEN STARTS_WITH("raw" ->> '$.params.loginID', '[') AND JSON_TYPE("raw", '$.params.loginID') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.params.loginID[*]'), 'a@b.c'), FALSE) ELSE ("raw" ->> '$.params.loginID') = 'a@b.c' END) AND (CASE WHEN STARTS_WITH("raw" ->> '$.httpReq.SDK', '[') AND JSON_TYPE("raw", '$.httpReq.SDK') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.httpReq.SDK[*]'), 'js'), FALSE) ELSE ("raw" ->> '$.httpReq.SDK') = 'js' END) ORDER BY "time", "source_file", "source_row"

# title: deep paths keep every part
a.b.c.d.e.f = 'x'
SELECT <columns> FROM "events" WHERE (CASE WHEN STARTS_WITH("raw" ->> '$.a.b.c.d.e.f', '[') AND JSON_TYPE("raw", '$.a.b.c.d.e.f') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.a.b.c.d.e.f[*]'), 'x'), FALSE) ELSE ("raw" ->> '$.a.b.c.d.e.f') = 'x' END) ORDER BY "time", "source_file", "source_row"

# title: double-quoted parts are keys, with the same dotted meaning
"params"."loginID" = 'a@b.c'
SELECT <columns> FROM "events" WHERE (CASE WHEN STARTS_WITH("raw" ->> '$.params.loginID', '[') AND JSON_TYPE("raw", '$.params.loginID') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.params.loginID[*]'), 'a@b.c'), FALSE) ELSE ("raw" ->> '$.params.loginID') = 'a@b.c' END) ORDER BY "time", "source_file", "source_row"

# title: a quoted name with spaces is one key
"Performed By" = 'Alex'
SELECT <columns> FROM "events" WHERE (CASE WHEN STARTS_WITH("raw" ->> '$."Performed By"', '[') AND JSON_TYPE("raw", '$."Performed By"') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$."Performed By"[*]'), 'Alex'), FALSE) ELSE ("raw" ->> '$."Performed By"') = 'Alex' END) ORDER BY "time", "source_file", "source_row"

# title: a quoted name with a dot is one key (a CSV header), not a path
"a.b" = 'x' AND "a.b".c = 'y'
SELECT <columns> FROM "events" WHERE (CASE WHEN STARTS_WITH("raw" ->> '$."a.b"', '[') AND JSON_TYPE("raw", '$."a.b"') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$."a.b"[*]'), 'x'), FALSE) ELSE ("raw" ->> '$."a.b"') = 'x' END) AND (CASE WHEN STARTS_WITH("raw" ->> '$."a.b".c', '[') AND JSON_TYPE("raw", '$."a.b".c') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$."a.b".c[*]'), 'y'), FALSE) ELSE ("raw" ->> '$."a.b".c') = 'y' END) ORDER BY "time", "source_file", "source_row"

# title: keys $.path syntax cannot express are read through a JSON pointer
"we*ird" = 'x' OR "back\slash" = 'y' OR "say ""hi""" = 'z' OR "a/b~c" = 'w'
SELECT <columns> FROM "events" WHERE ("raw" ->> '/we*ird') = 'x' OR ("raw" ->> '/back\slash') = 'y' OR ("raw" ->> '/say "hi"') = 'z' OR ("raw" ->> '/a~1b~0c') = 'w' ORDER BY "time", "source_file", "source_row"

# title: positional rule: double quotes on the right of a comparison are a string
endpoint = "accounts.login" AND "Performed By" <> "Alex"
SELECT <columns> FROM "events" WHERE (CASE WHEN STARTS_WITH("raw" ->> '$.endpoint', '[') AND JSON_TYPE("raw", '$.endpoint') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.endpoint[*]'), 'accounts.login'), FALSE) ELSE ("raw" ->> '$.endpoint') = 'accounts.login' END) AND NOT (CASE WHEN STARTS_WITH("raw" ->> '$."Performed By"', '[') AND JSON_TYPE("raw", '$."Performed By"') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$."Performed By"[*]'), 'Alex'), FALSE) ELSE ("raw" ->> '$."Performed By"') = 'Alex' END) ORDER BY "time", "source_file", "source_row"

# title: positional rule: after LIKE and inside IN and BETWEEN
endpoint LIKE "socialize%" AND errCode IN ("0", "400006") AND actor_name BETWEEN "a" AND "m"
SELECT <columns> FROM "events" WHERE ("raw" ->> '$.endpoint') LIKE 'socialize%' AND (CASE WHEN STARTS_WITH("raw" ->> '$.errCode', '[') AND JSON_TYPE("raw", '$.errCode') = 'ARRAY' THEN COALESCE(("raw" ->> '$.errCode[*]') && ['0', '400006'], FALSE) ELSE ("raw" ->> '$.errCode') IN ('0', '400006') END) AND "actor_name" BETWEEN 'a' AND 'm' ORDER BY "time", "source_file", "source_row"

# title: positional rule: a qualified name on the right stays a name
params.loginID = params.email
SELECT <columns> FROM "events" WHERE ("raw" ->> '$.params.loginID') = ("raw" ->> '$.params.email') ORDER BY "time", "source_file", "source_row"

# title: unknown field: warned with the nearest known names, still translated
# catalog: gigya
# warning: no ingested record has field 'errcode'; did you mean: errCode?
errcode = 0
SELECT <columns> FROM "events" WHERE (CASE WHEN STARTS_WITH("raw" ->> '$.errcode', '[') AND JSON_TYPE("raw", '$.errcode') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(TRY_CAST("raw" ->> '$.errcode[*]' AS DOUBLE[]), 0), FALSE) ELSE TRY_CAST("raw" ->> '$.errcode' AS DOUBLE) = 0 END) ORDER BY "time", "source_file", "source_row"

# title: unknown field with nothing close
# catalog: gigya
# warning: no ingested record has field 'zzz'; it matches nothing
zzz = 1
SELECT <columns> FROM "events" WHERE (CASE WHEN STARTS_WITH("raw" ->> '$.zzz', '[') AND JSON_TYPE("raw", '$.zzz') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(TRY_CAST("raw" ->> '$.zzz[*]' AS DOUBLE[]), 1), FALSE) ELSE TRY_CAST("raw" ->> '$.zzz' AS DOUBLE) = 1 END) ORDER BY "time", "source_file", "source_row"

# title: a known object that holds known fields is not warned about
# catalog: gigya
params IS NOT NULL AND "Performed By" = 'x'
SELECT <columns> FROM "events" WHERE NOT ("raw" ->> '$.params') IS NULL AND (CASE WHEN STARTS_WITH("raw" ->> '$."Performed By"', '[') AND JSON_TYPE("raw", '$."Performed By"') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$."Performed By"[*]'), 'x'), FALSE) ELSE ("raw" ->> '$."Performed By"') = 'x' END) ORDER BY "time", "source_file", "source_row"

# title: verbatim fields read the typed column for that vendor's rows, raw elsewhere
# catalog: gigya
endpoint LIKE 'socialize%'
SELECT <columns> FROM "events" WHERE CASE WHEN "vendor" = 'sap_cdc' AND NOT "action" IS NULL THEN "action" ELSE "raw" ->> '$.endpoint' END LIKE 'socialize%' ORDER BY "time", "source_file", "source_row"

# title: verbatim fields keep the numeric rule
# catalog: gigya
errCode != 0
SELECT <columns> FROM "events" WHERE NOT (CASE WHEN STARTS_WITH(CASE WHEN "vendor" = 'sap_cdc' AND NOT "status_code" IS NULL THEN "status_code" ELSE "raw" ->> '$.errCode' END, '[') AND JSON_TYPE("raw", '$.errCode') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(TRY_CAST("raw" ->> '$.errCode[*]' AS DOUBLE[]), 0), FALSE) ELSE TRY_CAST(CASE WHEN "vendor" = 'sap_cdc' AND NOT "status_code" IS NULL THEN "status_code" ELSE "raw" ->> '$.errCode' END AS DOUBLE) = 0 END) ORDER BY "time", "source_file", "source_row"

# title: one field copied by two vendors into the same column
# catalog: gigya
sourceIP = '10.0.0.1'
SELECT <columns> FROM "events" WHERE (CASE WHEN STARTS_WITH(CASE WHEN "vendor" IN ('resolver', 'sap_cdc') AND NOT "source_ip" IS NULL THEN "source_ip" ELSE "raw" ->> '$.sourceIP' END, '[') AND JSON_TYPE("raw", '$.sourceIP') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.sourceIP[*]'), '10.0.0.1'), FALSE) ELSE CASE WHEN "vendor" IN ('resolver', 'sap_cdc') AND NOT "source_ip" IS NULL THEN "source_ip" ELSE "raw" ->> '$.sourceIP' END = '10.0.0.1' END) ORDER BY "time", "source_file", "source_row"

# title: nested verbatim fields too, but a quoted key with a dot never uses the column
# catalog: gigya
params.loginID = 'a' OR "params.loginID" = 'b'
SELECT <columns> FROM "events" WHERE (CASE WHEN STARTS_WITH(CASE WHEN "vendor" = 'sap_cdc' AND NOT "actor_name" IS NULL THEN "actor_name" ELSE "raw" ->> '$.params.loginID' END, '[') AND JSON_TYPE("raw", '$.params.loginID') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.params.loginID[*]'), 'a'), FALSE) ELSE CASE WHEN "vendor" = 'sap_cdc' AND NOT "actor_name" IS NULL THEN "actor_name" ELSE "raw" ->> '$.params.loginID' END = 'a' END) OR (CASE WHEN STARTS_WITH("raw" ->> '$."params.loginID"', '[') AND JSON_TYPE("raw", '$."params.loginID"') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$."params.loginID"[*]'), 'b'), FALSE) ELSE ("raw" ->> '$."params.loginID"') = 'b' END) ORDER BY "time", "source_file", "source_row"

# title: a complete catalog (an archive's): vendors whose records lack the first key read NULL, not raw
# catalog: gigya_complete
# warning: no ingested record has field 'httpReq.SDK'
"Performed By" = 'x' OR httpReq.SDK = 'y' OR sourceIP = 'z'
SELECT <columns> FROM "events" WHERE (CASE WHEN STARTS_WITH(CASE WHEN "vendor" = 'sap_cdc' THEN NULL ELSE "raw" ->> '$."Performed By"' END, '[') AND JSON_TYPE("raw", '$."Performed By"') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$."Performed By"[*]'), 'x'), FALSE) ELSE CASE WHEN "vendor" = 'sap_cdc' THEN NULL ELSE "raw" ->> '$."Performed By"' END = 'x' END) OR (CASE WHEN STARTS_WITH(CASE WHEN "vendor" = 'broadcom_portal' OR "vendor" = 'sap_cdc' THEN NULL ELSE "raw" ->> '$.httpReq.SDK' END, '[') AND JSON_TYPE("raw", '$.httpReq.SDK') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.httpReq.SDK[*]'), 'y'), FALSE) ELSE CASE WHEN "vendor" = 'broadcom_portal' OR "vendor" = 'sap_cdc' THEN NULL ELSE "raw" ->> '$.httpReq.SDK' END = 'y' END) OR (CASE WHEN STARTS_WITH(CASE WHEN "vendor" IN ('resolver', 'sap_cdc') AND NOT "source_ip" IS NULL THEN "source_ip" WHEN "vendor" = 'broadcom_portal' THEN NULL ELSE "raw" ->> '$.sourceIP' END, '[') AND JSON_TYPE("raw", '$.sourceIP') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.sourceIP[*]'), 'z'), FALSE) ELSE CASE WHEN "vendor" IN ('resolver', 'sap_cdc') AND NOT "source_ip" IS NULL THEN "source_ip" WHEN "vendor" = 'broadcom_portal' THEN NULL ELSE "raw" ->> '$.sourceIP' END = 'z' END) ORDER BY "time", "source_file", "source_row"

# title: a vendor the catalog does not list (resolver) reads raw even when the catalog is complete
# catalog: gigya_complete
errCode != 0
SELECT <columns> FROM "events" WHERE NOT (CASE WHEN STARTS_WITH(CASE WHEN "vendor" = 'sap_cdc' AND NOT "status_code" IS NULL THEN "status_code" WHEN "vendor" = 'broadcom_portal' THEN NULL ELSE "raw" ->> '$.errCode' END, '[') AND JSON_TYPE("raw", '$.errCode') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(TRY_CAST("raw" ->> '$.errCode[*]' AS DOUBLE[]), 0), FALSE) ELSE TRY_CAST(CASE WHEN "vendor" = 'sap_cdc' AND NOT "status_code" IS NULL THEN "status_code" WHEN "vendor" = 'broadcom_portal' THEN NULL ELSE "raw" ->> '$.errCode' END AS DOUBLE) = 0 END) ORDER BY "time", "source_file", "source_row"

# title: a catalog not known to be complete never skips raw
# catalog: gigya
# warning: no ingested record has field 'httpReq.SDK'
"Performed By" = 'x' OR httpReq.SDK = 'y'
SELECT <columns> FROM "events" WHERE (CASE WHEN STARTS_WITH("raw" ->> '$."Performed By"', '[') AND JSON_TYPE("raw", '$."Performed By"') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$."Performed By"[*]'), 'x'), FALSE) ELSE ("raw" ->> '$."Performed By"') = 'x' END) OR (CASE WHEN STARTS_WITH("raw" ->> '$.httpReq.SDK', '[') AND JSON_TYPE("raw", '$.httpReq.SDK') = 'ARRAY' THEN COALESCE(ARRAY_CONTAINS(("raw" ->> '$.httpReq.SDK[*]'), 'y'), FALSE) ELSE ("raw" ->> '$.httpReq.SDK') = 'y' END) ORDER BY "time", "source_file", "source_row"
