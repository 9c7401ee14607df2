# Time literals: a string or number compared with time / @timestamp is a point in time (TIMESTAMPTZ, UTC).

# title: ISO 8601 with Z and milliseconds
@timestamp > '2015-08-16T00:00:00.000Z'
SELECT <columns> FROM "events" WHERE "time" > CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ) ORDER BY "time", "source_file", "source_row"

# title: ISO 8601 with an offset is converted to UTC, not dropped
time < '2015-08-16T02:00:00+02:00'
SELECT <columns> FROM "events" WHERE "time" < CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ) ORDER BY "time", "source_file", "source_row"

# title: ISO 8601 without a zone is UTC
time >= '2015-08-16T10:30:00'
SELECT <columns> FROM "events" WHERE "time" >= CAST('2015-08-16 10:30:00+00:00' AS TIMESTAMPTZ) ORDER BY "time", "source_file", "source_row"

# title: ISO 8601 with a space and microseconds
time <= '2015-08-16 10:30:00.123456'
SELECT <columns> FROM "events" WHERE "time" <= CAST('2015-08-16 10:30:00.123456+00:00' AS TIMESTAMPTZ) ORDER BY "time", "source_file", "source_row"

# title: a bare date is midnight UTC
time >= '2015-08-16'
SELECT <columns> FROM "events" WHERE "time" >= CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ) ORDER BY "time", "source_file", "source_row"

# title: epoch milliseconds as a number
@timestamp >= 1439683200000 AND @timestamp < 1439769600000
SELECT <columns> FROM "events" WHERE "time" >= CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ) AND "time" < CAST('2015-08-17 00:00:00+00:00' AS TIMESTAMPTZ) ORDER BY "time", "source_file", "source_row"

# title: epoch milliseconds as a string
time = '1439683200123'
SELECT <columns> FROM "events" WHERE "time" = CAST('2015-08-16 00:00:00.123000+00:00' AS TIMESTAMPTZ) ORDER BY "time", "source_file", "source_row"

# title: the point in time may be on the left
'2015-08-16' <= time
SELECT <columns> FROM "events" WHERE CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ) <= "time" ORDER BY "time", "source_file", "source_row"

# title: BETWEEN with mixed literal forms
timestamp BETWEEN 1439683200000 AND '2015-08-17T00:00:00Z'
SELECT <columns> FROM "events" WHERE "time" BETWEEN CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ) AND CAST('2015-08-17 00:00:00+00:00' AS TIMESTAMPTZ) ORDER BY "time", "source_file", "source_row"

# title: IN with time literals
time IN ('2015-08-16T00:00:00Z', 1439683200000)
SELECT <columns> FROM "events" WHERE "time" IN (CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ), CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ)) ORDER BY "time", "source_file", "source_row"

# title: now() and INTERVAL arithmetic
time > now() - INTERVAL 7 DAY
SELECT <columns> FROM "events" WHERE "time" > CURRENT_TIMESTAMP - INTERVAL '7' DAY ORDER BY "time", "source_file", "source_row"

# title: current_date and current_timestamp
time >= current_date AND time < current_timestamp
SELECT <columns> FROM "events" WHERE "time" >= CURRENT_DATE AND "time" < CURRENT_TIMESTAMP ORDER BY "time", "source_file", "source_row"

# title: date_trunc of time is a time too
date_trunc('day', time) = '2015-08-16'
SELECT <columns> FROM "events" WHERE DATE_TRUNC('DAY', "time") = CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ) ORDER BY "time", "source_file", "source_row"

# title: a raw field compared with time is read as a time
time > lastLogin
SELECT <columns> FROM "events" WHERE "time" > TRY_CAST("raw" ->> '$.lastLogin' AS TIMESTAMPTZ) ORDER BY "time", "source_file", "source_row"

# title: since and until from the caller
# since: 2015-08-16
# until: 2015-08-17T00:00:00+02:00
vendor = 'sap_cdc'
SELECT <columns> FROM "events" WHERE ("vendor" = 'sap_cdc') AND ("time" >= CAST('2015-08-16 00:00:00+00:00' AS TIMESTAMPTZ) AND "time" < CAST('2015-08-16 22:00:00+00:00' AS TIMESTAMPTZ)) ORDER BY "time", "source_file", "source_row"

# title: not a point in time
time > 'yesterday'
ERROR: 'yesterday' is not a point in time

# title: an impossible date
# caret: 1:15
@timestamp >= '2015-02-30'
ERROR: '2015-02-30' is not a point in time

# title: a TIMESTAMP literal or cast keeps its offset (read as TIMESTAMPTZ)
time > TIMESTAMP '2015-08-16 00:00:00+02:00' AND time < CAST('2015-08-17' AS TIMESTAMP)
SELECT <columns> FROM "events" WHERE "time" > CAST('2015-08-16 00:00:00+02:00' AS TIMESTAMPTZ) AND "time" < CAST('2015-08-17' AS TIMESTAMPTZ) ORDER BY "time", "source_file", "source_row"
