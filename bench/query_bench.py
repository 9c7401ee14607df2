"""Item 2 — queries on a large archive: auditql in-process (translate + run + fetch) against the same
question in hand-written DuckDB SQL on the same archive, translation time alone, and the same question
asked by hand of the raw Gigya export files (what a user without an archive would do).

Answers are compared (row counts) so a fast wrong answer cannot pass.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from auditql import api
from auditql.query import translate
from bench.archive import Archive
from bench.measure import Row, Section, median_of


@dataclass(frozen=True)
class Question:
    name: str
    ours: str  # what the user types into auditql
    hand: str  # the same question in DuckDB SQL over `events`
    raw_where: str | None = None  # … and over the raw Gigya records (`raw` JSON, `ts` TIMESTAMPTZ)


QUESTIONS: tuple[Question, ...] = (
    Question(
        "canonical WHERE (failed logins, one week)",
        "category = 'login' AND outcome = 'failure' AND time >= '2025-06-01' AND time < '2025-06-08'",
        "SELECT * FROM events WHERE category = 'login' AND outcome = 'failure' "
        "AND time >= TIMESTAMPTZ '2025-06-01' AND time < TIMESTAMPTZ '2025-06-08' ORDER BY time",
    ),
    Question(
        "vendor-native WHERE (endpoint LIKE, @timestamp)",
        "endpoint LIKE 'socialize%' AND @timestamp > '2025-03-01T00:00:00.000Z' "
        "AND @timestamp < '2025-03-08T00:00:00.000Z'",
        "SELECT * FROM events WHERE vendor = 'sap_cdc' AND action LIKE 'socialize%' "
        "AND time > TIMESTAMPTZ '2025-03-01' AND time < TIMESTAMPTZ '2025-03-08' ORDER BY time",
        "raw ->> '$.endpoint' LIKE 'socialize%' AND ts > TIMESTAMPTZ '2025-03-01' AND ts < TIMESTAMPTZ '2025-03-08'",
    ),
    Question(
        "GROUP BY (events per vendor and category)",
        "SELECT vendor, category, count(*) AS n FROM events GROUP BY vendor, category ORDER BY n DESC",
        "SELECT vendor, category, count(*) AS n FROM events GROUP BY vendor, category ORDER BY n DESC",
    ),
    Question(
        "raw nested field (params.loginID, one day)",
        "params.loginID = 'dana.demo@example.com' AND @timestamp >= '2025-06-01T00:00:00Z' "
        "AND @timestamp < '2025-06-02T00:00:00Z'",
        "SELECT * FROM events WHERE raw ->> '$.params.loginID' = 'dana.demo@example.com' "
        "AND time >= TIMESTAMPTZ '2025-06-01' AND time < TIMESTAMPTZ '2025-06-02' ORDER BY time",
        "raw ->> '$.params.loginID' = 'dana.demo@example.com' "
        "AND ts >= TIMESTAMPTZ '2025-06-01' AND ts < TIMESTAMPTZ '2025-06-02'",
    ),
)


def raw_files_sql(ndjson: list[Path], envelopes: list[Path], where: str) -> str:
    """Hand-written DuckDB over the raw Gigya exports: NDJSON lines and the audit.search envelopes."""
    lines = "[" + ", ".join(f"'{p}'" for p in ndjson) + "]"
    pages = "[" + ", ".join(f"'{p}'" for p in envelopes) + "]"
    biggest = max(p.stat().st_size for p in envelopes) + 1
    records = (
        f"SELECT json AS raw FROM read_json_objects({lines}, format = 'newline_delimited') UNION ALL "
        # members listed in a subquery first: unnest(json_extract(…)) in one SELECT re-extracts per member
        f"SELECT unnest(members) FROM (SELECT json_extract(json, '$.results[*]') AS members "
        f"FROM read_json_objects({pages}, format = 'unstructured', maximum_object_size = {biggest}))"
    )
    ts = "TRY_CAST(coalesce(raw ->> '$.timestamp', raw ->> '$.\"@timestamp\"') AS TIMESTAMPTZ)"
    return f"SELECT * FROM (SELECT raw, {ts} AS ts FROM ({records})) WHERE {where} ORDER BY ts"


def run(archive: Archive, repeat: int) -> Section:
    section = Section(f"2. Queries on a {archive.events:,}-event archive (in-process)")
    con = api.reader(archive.db)
    # Same database instance as `con` (DuckDB shares it within a process): UTC and sandbox settings apply.
    hand = duckdb.connect(str(archive.db), read_only=True)
    files = duckdb.connect()  # raw files need external access, which the archive's sandbox has turned off
    files.execute("SET TimeZone = 'UTC'")
    catalog = api.catalog(con)
    try:
        for q in QUESTIONS:

            def ours(q: Question = q) -> list:
                return api.run(con, api.prepare(con, q.ours)).rows

            def by_hand(q: Question = q) -> list:
                return hand.execute(q.hand).fetchall()

            t_ours, rows_ours = median_of(ours, repeat, warmup=1)
            t_hand, rows_hand = median_of(by_hand, repeat, warmup=1)
            same = len(rows_ours) == len(rows_hand)
            note = f"{len(rows_ours):,} rows" + ("" if same else f" vs {len(rows_hand):,} by hand: ANSWERS DIFFER")
            section.add(Row(q.name, t_ours, t_hand, "DuckDB SQL", "≤ 1.2×", same and t_ours <= 1.2 * t_hand, note=note))
            # The SQL auditql generated, run as it is (translated once): what the archive's layout and the
            # rewrites cost, apart from translating (the "translate:" rows below).
            prepared = api.prepare(con, q.ours)
            t_sql, _ = median_of(lambda prepared=prepared: api.run(con, prepared).rows, repeat, warmup=1)
            section.add(
                Row(f"{q.name}: its translated SQL alone", t_sql, t_hand, "DuckDB SQL", "-", None,
                    note="translated once, then run and fetched as above")
            )  # fmt: skip
            section.commands += [f"-- {q.name}", f"auditql: {q.ours}", f"by hand: {q.hand};"]
        for q in QUESTIONS:
            # CPU time (translation is one thread of pure Python): on a shared machine the wall clock mostly
            # measures the wait for a core; the wall median is in the note.
            cpu, wall = [], []
            for _ in range(max(20, repeat)):
                started, cpu_started = time.perf_counter(), time.process_time()
                translate(q.ours, catalog)
                cpu.append(time.process_time() - cpu_started)
                wall.append(time.perf_counter() - started)
            t = statistics.median(cpu)
            note = f"CPU time; wall {statistics.median(wall) * 1000:.1f} ms"
            section.add(Row(f"translate: {q.name}", t * 1000, None, "", "< 5 ms", t < 0.005, unit="ms", note=note))
        for q in QUESTIONS:
            if q.raw_where is None:
                continue
            sql = raw_files_sql(archive.gigya_ndjson, archive.gigya_envelopes, q.raw_where)
            t_ours, rows_ours = median_of(lambda q=q: api.run(con, api.prepare(con, q.ours)).rows, repeat)
            t_raw, rows_raw = median_of(lambda sql=sql: files.execute(sql).fetchall(), max(1, repeat - 1))
            same = len(rows_ours) == len(rows_raw)
            note = f"{len(rows_raw):,} rows" + ("" if same else f" vs {len(rows_ours):,} in archive: ANSWERS DIFFER")
            section.add(
                Row(
                    f"vs raw files: {q.name}",
                    t_ours,
                    t_raw,
                    "DuckDB on raw files",
                    "≤ 0.1× (10× faster)",
                    same and t_ours * 10 <= t_raw,
                    note=note,
                )
            )
            section.commands.append(f"-- raw files: {sql};")
    finally:
        con.close()
        hand.close()
        files.close()
    return section
