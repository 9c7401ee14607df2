"""Item 7 — REPL completion on a large archive: reading the completion snapshot (the archive's small
catalog tables: raw fields per vendor, the value dictionary ingest keeps) and computing suggestions for
column names and values. Both must stay under 50 ms whatever the archive's size.
"""

from __future__ import annotations

import statistics
import time

from auditql import api
from auditql.frontend.completer import Snapshot, suggest
from bench.archive import Archive
from bench.measure import Row, Section

TYPED = [
    ("column names", "category = 'login' AND act"),
    ("raw field names", "httpReq."),
    ("values after =", "category = 'lo"),
    ("values after IN (", "vendor IN ('sap_cdc', "),
    ("values of actor_name", "actor_name = 'Da"),
    ("values of a raw vendor field", "endpoint = 'acc"),
    ("values of a raw field in IN (", "errCode IN ('0', "),
]


def snapshot(con) -> Snapshot:  # type: ignore[no-untyped-def]
    """What the REPL reads on a refresh (repl.Session.refresh), through the same facade calls."""
    values, field_values = api.value_lists(con)
    return Snapshot(api.catalog(con).fields, values, field_values=field_values)


def _median_ms(fn, runs: int = 30) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, value = [], None
    for _ in range(runs):
        started = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, value


def run(archive: Archive) -> Section:
    section = Section(f"7. REPL completion on the {archive.events:,}-event archive")
    con = api.reader(archive.db)
    try:
        t_snap, snap = _median_ms(lambda: snapshot(con), 10)
    finally:
        con.close()
    section.add(
        Row(
            "read the completion snapshot (per query, not per key)", t_snap, None, "", "< 50 ms", t_snap < 50, unit="ms"
        )
    )
    for name, text in TYPED:
        t, found = _median_ms(lambda text=text: suggest(text, snap))  # type: ignore[arg-type]
        shown = ", ".join(s.text for s in found[:4])  # type: ignore[union-attr]
        section.add(
            Row(
                f"suggest {name}: {text!r}",
                t,
                None,
                "",
                "< 50 ms",
                t < 50 and bool(found),
                unit="ms",
                note=f"{len(found)} suggestions: {shown}",
            )
        )  # type: ignore[arg-type]
    return section
