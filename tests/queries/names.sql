# Name resolution: canonical columns, raw fields, dotted paths, quoting, and the positional string rule.

# title: canonical columns match case-insensitively, quoted or not
ACTOR_NAME = 'alex' AND "Vendor" = 'sap_cdc'
SELECT <columns> FROM "events" WHERE "actor_name" = 'alex' AND "vendor" = 'sap_cdc' ORDER BY "time", "source_file", "source_row"

# title: @timestamp and timestamp mean time
@timestamp > '2015-08-16' AND timestamp < '2015-08-17' AND "@timestamp" IS NOT NULL
SELECT <columns> FROM "events" WHERE "time" > CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ) AND "time" < CAST('2015-08-17 00:00:00+00:00' AS TIMESTAMPTZ) AND NOT "time" IS NULL ORDER BY "time", "source_file", "source_row"

# title: other names are raw fields, case-sensitive
uid = 'u1' AND UID = 'u2'
SELECT <columns> FROM "events" WHERE ("raw" ->> '$.uid') = 'u1' AND ("raw" ->> '$.UID') = 'u2' ORDER BY "time", "source_file", "source_row"

# title: dotted names walk nested objects
params.loginID = 'a@b.c' AND httpReq.SDK = 'js'
SELECT <columns> FROM "events" WHERE ("raw" ->> '$.params.loginID') = 'a@b.c' AND ("raw" ->> '$.httpReq.SDK') = 'js' ORDER BY "time", "source_file", "source_row"

# title: deep paths keep every part
a.b.c.d.e.f = 'x'
SELECT <columns> FROM "events" WHERE ("raw" ->> '$.a.b.c.d.e.f') = 'x' ORDER BY "time", "source_file", "source_row"

# title: double-quoted parts are keys, with the same dotted meaning
"params"."loginID" = 'a@b.c'
SELECT <columns> FROM "events" WHERE ("raw" ->> '$.params.loginID') = 'a@b.c' ORDER BY "time", "source_file", "source_row"

# title: a quoted name with spaces is one key
"Performed By" = 'Alex'
SELECT <columns> FROM "events" WHERE ("raw" ->> '$."Performed By"') = 'Alex' ORDER BY "time", "source_file", "source_row"

# title: a quoted name with a dot is one key (a CSV header), not a path
"a.b" = 'x' AND "a.b".c = 'y'
SELECT <columns> FROM "events" WHERE ("raw" ->> '$."a.b"') = 'x' AND ("raw" ->> '$."a.b".c') = 'y' ORDER BY "time", "source_file", "source_row"

# title: keys $.path syntax cannot express are read through a JSON pointer
"we*ird" = 'x' OR "back\slash" = 'y' OR "say ""hi""" = 'z' OR "a/b~c" = 'w'
SELECT <columns> FROM "events" WHERE ("raw" ->> '/we*ird') = 'x' OR ("raw" ->> '/back\slash') = 'y' OR ("raw" ->> '/say "hi"') = 'z' OR ("raw" ->> '/a~1b~0c') = 'w' ORDER BY "time", "source_file", "source_row"

# title: positional rule: double quotes on the right of a comparison are a string
endpoint = "accounts.login" AND "Performed By" <> "Alex"
SELECT <columns> FROM "events" WHERE ("raw" ->> '$.endpoint') = 'accounts.login' AND ("raw" ->> '$."Performed By"') <> 'Alex' ORDER BY "time", "source_file", "source_row"

# title: positional rule: after LIKE and inside IN and BETWEEN
endpoint LIKE "socialize%" AND errCode IN ("0", "400006") AND actor_name BETWEEN "a" AND "m"
SELECT <columns> FROM "events" WHERE ("raw" ->> '$.endpoint') LIKE 'socialize%' AND ("raw" ->> '$.errCode') IN ('0', '400006') AND "actor_name" BETWEEN 'a' AND 'm' ORDER BY "time", "source_file", "source_row"

# title: positional rule: a qualified name on the right stays a name
params.loginID = params.email
SELECT <columns> FROM "events" WHERE ("raw" ->> '$.params.loginID') = ("raw" ->> '$.params.email') ORDER BY "time", "source_file", "source_row"

# title: unknown field: warned with the nearest known names, still translated
# catalog: gigya
# warning: no ingested record has field 'errcode'; did you mean: errCode?
errcode = 0
SELECT <columns> FROM "events" WHERE TRY_CAST("raw" ->> '$.errcode' AS DOUBLE) = 0 ORDER BY "time", "source_file", "source_row"

# title: unknown field with nothing close
# catalog: gigya
# warning: no ingested record has field 'zzz'; it matches nothing
zzz = 1
SELECT <columns> FROM "events" WHERE TRY_CAST("raw" ->> '$.zzz' AS DOUBLE) = 1 ORDER BY "time", "source_file", "source_row"

# title: a known object that holds known fields is not warned about
# catalog: gigya
params IS NOT NULL AND "Performed By" = 'x'
SELECT <columns> FROM "events" WHERE NOT ("raw" ->> '$.params') IS NULL AND ("raw" ->> '$."Performed By"') = 'x' ORDER BY "time", "source_file", "source_row"

# title: verbatim fields read the typed column for that vendor's rows, raw elsewhere
# catalog: gigya
endpoint LIKE 'socialize%'
SELECT <columns> FROM "events" WHERE CASE WHEN "vendor" = 'sap_cdc' AND NOT "action" IS NULL THEN "action" ELSE "raw" ->> '$.endpoint' END LIKE 'socialize%' ORDER BY "time", "source_file", "source_row"

# title: verbatim fields keep the numeric rule
# catalog: gigya
errCode != 0
SELECT <columns> FROM "events" WHERE TRY_CAST(CASE WHEN "vendor" = 'sap_cdc' AND NOT "status_code" IS NULL THEN "status_code" ELSE "raw" ->> '$.errCode' END AS DOUBLE) <> 0 ORDER BY "time", "source_file", "source_row"

# title: one field copied by two vendors into the same column
# catalog: gigya
sourceIP = '10.0.0.1'
SELECT <columns> FROM "events" WHERE CASE WHEN "vendor" IN ('resolver', 'sap_cdc') AND NOT "source_ip" IS NULL THEN "source_ip" ELSE "raw" ->> '$.sourceIP' END = '10.0.0.1' ORDER BY "time", "source_file", "source_row"

# title: nested verbatim fields too, but a quoted key with a dot never uses the column
# catalog: gigya
params.loginID = 'a' OR "params.loginID" = 'b'
SELECT <columns> FROM "events" WHERE CASE WHEN "vendor" = 'sap_cdc' AND NOT "actor_name" IS NULL THEN "actor_name" ELSE "raw" ->> '$.params.loginID' END = 'a' OR ("raw" ->> '$."params.loginID"') = 'b' ORDER BY "time", "source_file", "source_row"

# title: a complete catalog (an archive's): vendors whose records lack the first key read NULL, not raw
# catalog: gigya_complete
# warning: no ingested record has field 'httpReq.SDK'
"Performed By" = 'x' OR httpReq.SDK = 'y' OR sourceIP = 'z'
SELECT <columns> FROM "events" WHERE CASE WHEN "vendor" = 'sap_cdc' THEN NULL ELSE "raw" ->> '$."Performed By"' END = 'x' OR CASE WHEN "vendor" = 'broadcom_portal' OR "vendor" = 'sap_cdc' THEN NULL ELSE "raw" ->> '$.httpReq.SDK' END = 'y' OR CASE WHEN "vendor" IN ('resolver', 'sap_cdc') AND NOT "source_ip" IS NULL THEN "source_ip" WHEN "vendor" = 'broadcom_portal' THEN NULL ELSE "raw" ->> '$.sourceIP' END = 'z' ORDER BY "time", "source_file", "source_row"

# title: a vendor the catalog does not list (resolver) reads raw even when the catalog is complete
# catalog: gigya_complete
errCode != 0
SELECT <columns> FROM "events" WHERE TRY_CAST(CASE WHEN "vendor" = 'sap_cdc' AND NOT "status_code" IS NULL THEN "status_code" WHEN "vendor" = 'broadcom_portal' THEN NULL ELSE "raw" ->> '$.errCode' END AS DOUBLE) <> 0 ORDER BY "time", "source_file", "source_row"

# title: a catalog not known to be complete never skips raw
# catalog: gigya
# warning: no ingested record has field 'httpReq.SDK'
"Performed By" = 'x' OR httpReq.SDK = 'y'
SELECT <columns> FROM "events" WHERE ("raw" ->> '$."Performed By"') = 'x' OR ("raw" ->> '$.httpReq.SDK') = 'y' ORDER BY "time", "source_file", "source_row"
