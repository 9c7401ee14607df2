# The `person` column: who the actor is across vendors, from an identities file (given here as JSON).
# Not stored: it becomes SQL over actor_email / actor_id / actor_name / vendor, and reads no other table.

# title: without an identities file, person is the email (trimmed, lower-cased), else the name, else the id
SELECT person FROM events
SELECT COALESCE(NULLIF(LOWER(TRIM("actor_email")), ''), "actor_name", "actor_id") AS "person" FROM "events" ORDER BY "events"."time", "events"."source_file", "events"."source_row"

# title: failed logins per person across all systems, one query
# identities: {"person": [{"name": "Alex Admin", "emails": ["Alex@Example.com "], "ids": ["EXAMPLEUSER@AdobeID"], "names": ["alex.admin"], "vendors": {"resolver": {"names": ["Alex A."]}}}]}
SELECT person, count(*) FROM events WHERE category='login' AND outcome='failure' GROUP BY person ORDER BY 2 DESC
SELECT COALESCE(CASE "vendor" WHEN 'resolver' THEN CASE "actor_name" WHEN 'Alex A.' THEN 'Alex Admin' END END, CASE NULLIF(LOWER(TRIM("actor_email")), '') WHEN 'alex@example.com' THEN 'Alex Admin' END, CASE "actor_id" WHEN 'EXAMPLEUSER@AdobeID' THEN 'Alex Admin' END, CASE "actor_name" WHEN 'alex.admin' THEN 'Alex Admin' END, NULLIF(LOWER(TRIM("actor_email")), ''), "actor_name", "actor_id") AS "person", COUNT(*) AS "count(*)" FROM "events" WHERE "category" = 'login' AND "outcome" = 'failure' GROUP BY COALESCE(CASE "vendor" WHEN 'resolver' THEN CASE "actor_name" WHEN 'Alex A.' THEN 'Alex Admin' END END, CASE NULLIF(LOWER(TRIM("actor_email")), '') WHEN 'alex@example.com' THEN 'Alex Admin' END, CASE "actor_id" WHEN 'EXAMPLEUSER@AdobeID' THEN 'Alex Admin' END, CASE "actor_name" WHEN 'alex.admin' THEN 'Alex Admin' END, NULLIF(LOWER(TRIM("actor_email")), ''), "actor_name", "actor_id") ORDER BY 2 DESC

# title: person in a WHERE clause, any case, and as a column of the WHERE form
# identities: {"person": [{"name": "Bo", "names": ["bo", "bo.b"]}]}
# columns: ["vendor", "Person"]
PERSON = 'Bo'
SELECT "vendor", COALESCE(CASE "actor_name" WHEN 'bo' THEN 'Bo' WHEN 'bo.b' THEN 'Bo' END, NULLIF(LOWER(TRIM("actor_email")), ''), "actor_name", "actor_id") AS "person" FROM "events" WHERE COALESCE(CASE "actor_name" WHEN 'bo' THEN 'Bo' WHEN 'bo.b' THEN 'Bo' END, NULLIF(LOWER(TRIM("actor_email")), ''), "actor_name", "actor_id") = 'Bo' ORDER BY "time", "source_file", "source_row"

# title: a qualified person reads that table's actor columns; an alias named person stays the alias
SELECT e.person AS who, count(*) AS person FROM events e GROUP BY 1 ORDER BY person DESC
SELECT COALESCE(NULLIF(LOWER(TRIM("e"."actor_email")), ''), "e"."actor_name", "e"."actor_id") AS "who", COUNT(*) AS "person" FROM "events" AS "e" GROUP BY 1 ORDER BY "person" DESC
