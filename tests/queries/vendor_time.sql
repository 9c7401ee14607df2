# Vendor time fields: a raw field that a vendor's mapping reads as `time` is an instant in time contexts,
# parsed by ingest's aq_parse_time with that vendor's formats. Catalog "vendor_times": resolver reads
# "Date and Time", broadcom_portal reads "Time (UTC)"; sap_cdc also has a "Time (UTC)", as text.

# title: a comparison with a date reads the instant (no other vendor has the field: no CASE on vendor)
# catalog: vendor_times
# columns: ["vendor"]
"Date and Time" >= '2025-10-01'
SELECT "vendor" FROM "events" WHERE aq_parse_time(CASE WHEN "vendor" = 'broadcom_portal' OR "vendor" = 'sap_cdc' THEN NULL ELSE "raw" ->> '$."Date and Time"' END, ['%m/%d/%Y %I:%M:%S %p']) >= CAST('2025-10-01 00:00:00+00:00' AS TIMESTAMPTZ) ORDER BY "time", "source_file", "source_row"

# title: rows of a vendor that does not read the field as time keep the text and number rules
# catalog: vendor_times
# columns: ["vendor"]
"Time (UTC)" BETWEEN '2025-11-01' AND 1762819200000
SELECT "vendor" FROM (SELECT *, CASE WHEN "vendor" = 'resolver' THEN NULL ELSE "raw" ->> '/Time (UTC)' END AS "_aq_raw_1" FROM "events") AS "events" WHERE CASE WHEN "vendor" = 'broadcom_portal' THEN aq_parse_time("events"."_aq_raw_1", ['%Y']) BETWEEN CAST('2025-11-01 00:00:00+00:00' AS TIMESTAMPTZ) AND CAST('2025-11-11 00:00:00+00:00' AS TIMESTAMPTZ) ELSE ("events"."_aq_raw_1" >= '2025-11-01' AND TRY_CAST("events"."_aq_raw_1" AS DOUBLE) <= 1762819200000) END ORDER BY "time", "source_file", "source_row"

# title: against something that is not a time, the field stays text
# catalog: vendor_times
# columns: ["vendor"]
"Date and Time" = 'n/a' OR "Date and Time" IN ('10/30/2025 01:02:03 PM')
SELECT "vendor" FROM (SELECT *, CASE WHEN "vendor" = 'broadcom_portal' OR "vendor" = 'sap_cdc' THEN NULL ELSE "raw" ->> '$."Date and Time"' END AS "_aq_raw_1" FROM "events") AS "events" WHERE "events"."_aq_raw_1" = 'n/a' OR "events"."_aq_raw_1" IN ('10/30/2025 01:02:03 PM') ORDER BY "time", "source_file", "source_row"

# title: compared with the time column
# catalog: vendor_times
# columns: ["vendor"]
"Date and Time" > time
SELECT "vendor" FROM "events" WHERE aq_parse_time(CASE WHEN "vendor" = 'broadcom_portal' OR "vendor" = 'sap_cdc' THEN NULL ELSE "raw" ->> '$."Date and Time"' END, ['%m/%d/%Y %I:%M:%S %p']) > "time" ORDER BY "time", "source_file", "source_row"

# title: the SELECT list shows the text; ORDER BY reads the instant, then the text
# catalog: vendor_times
SELECT "Date and Time" AS d FROM events ORDER BY d DESC
SELECT "events"."_aq_raw_1" AS "d" FROM (SELECT *, CASE WHEN "vendor" = 'broadcom_portal' OR "vendor" = 'sap_cdc' THEN NULL ELSE "raw" ->> '$."Date and Time"' END AS "_aq_raw_1" FROM "events") AS "events" ORDER BY aq_parse_time("events"."_aq_raw_1", ['%m/%d/%Y %I:%M:%S %p']) DESC, "d" DESC

# title: min and max read the instant, named like DuckDB names min("time")
# catalog: vendor_times
SELECT min("Date and Time"), max("Date and Time") AS hi FROM events
SELECT MIN(aq_parse_time("events"."_aq_raw_1", ['%m/%d/%Y %I:%M:%S %p'])) AS "min(""Date and Time"")", MAX(aq_parse_time("events"."_aq_raw_1", ['%m/%d/%Y %I:%M:%S %p'])) AS "hi" FROM (SELECT *, CASE WHEN "vendor" = 'broadcom_portal' OR "vendor" = 'sap_cdc' THEN NULL ELSE "raw" ->> '$."Date and Time"' END AS "_aq_raw_1" FROM "events") AS "events"

# title: GROUP BY groups by the instant, and the grouped SELECT item shows it
# catalog: vendor_times
SELECT "Date and Time", count(*) FROM events GROUP BY 1
SELECT aq_parse_time(CASE WHEN "vendor" = 'broadcom_portal' OR "vendor" = 'sap_cdc' THEN NULL ELSE "raw" ->> '$."Date and Time"' END, ['%m/%d/%Y %I:%M:%S %p']) AS "Date and Time", COUNT(*) AS "count(*)" FROM "events" GROUP BY 1 ORDER BY 1, 2

# title: time bucketing reads the instant
# catalog: vendor_times
SELECT date_trunc('day', "Date and Time") AS day, count(*) FROM events GROUP BY day
SELECT DATE_TRUNC('DAY', aq_parse_time(CASE WHEN "vendor" = 'broadcom_portal' OR "vendor" = 'sap_cdc' THEN NULL ELSE "raw" ->> '$."Date and Time"' END, ['%m/%d/%Y %I:%M:%S %p'])) AS "day", COUNT(*) AS "count(*)" FROM "events" GROUP BY "day" ORDER BY 1, 2

# title: in GROUP BY a field other vendors hold as text reads their ISO 8601 text, else NULL
# catalog: vendor_times
SELECT "Time (UTC)" AS t, count(*) FROM events GROUP BY t
SELECT CASE WHEN "vendor" = 'broadcom_portal' THEN aq_parse_time("events"."_aq_raw_1", ['%Y']) ELSE TRY_CAST("events"."_aq_raw_1" AS TIMESTAMPTZ) END AS "t", COUNT(*) AS "count(*)" FROM (SELECT *, CASE WHEN "vendor" = 'resolver' THEN NULL ELSE "raw" ->> '/Time (UTC)' END AS "_aq_raw_1" FROM "events") AS "events" GROUP BY "t" ORDER BY 1, 2

# title: a qualified field is read through its table
# catalog: vendor_times
SELECT e."Date and Time" FROM events e WHERE e."Date and Time" < '2025-11-01'
SELECT "e"."_aq_raw_1" AS "Date and Time" FROM (SELECT *, CASE WHEN "e"."vendor" = 'broadcom_portal' OR "e"."vendor" = 'sap_cdc' THEN NULL ELSE "e"."raw" ->> '$."Date and Time"' END AS "_aq_raw_1" FROM "events" AS "e") AS "e" WHERE aq_parse_time("e"."_aq_raw_1", ['%m/%d/%Y %I:%M:%S %p']) < CAST('2025-11-01 00:00:00+00:00' AS TIMESTAMPTZ) ORDER BY "e"."time", "e"."source_file", "e"."source_row"

# title: without the catalog's time fields, every raw field compares as text
"Date and Time" >= '2025-10-01'
SELECT <columns> FROM "events" WHERE ("raw" ->> '$."Date and Time"') >= '2025-10-01' ORDER BY "time", "source_file", "source_row"

# title: users cannot call the time parser themselves
SELECT aq_parse_time('10/30/2025', ['%m/%d/%Y']) FROM events
ERROR: function aq_parse_time is not allowed
