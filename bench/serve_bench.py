"""`auditql serve` over a big archive (issue 19: "first page of a filter query under 1 s, scrolling without
stalls, memory of the server bounded"): the real `auditql serve` process asked over loopback HTTP as the
page asks it, each timing beside the same rows asked of DuckDB by hand in this process, and the server's
resident memory sampled all along.

Baselines: the first page beside `SELECT … WHERE … ORDER BY … LIMIT 200` in DuckDB; a deep page (by keyset,
as the grid scrolls) beside `LIMIT 200 OFFSET n`, the way a grid would page without keysets.

Example:
  python -m bench.serve_bench --events 10000000            # builds (once) and measures a 10M-event archive
  python -m bench.serve_bench --db demo.duckdb --repeat 1  # any archive
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import duckdb

from bench.measure import Row, Section, machine_line, median_of, timed

FILTER = "category = 'login' AND outcome = 'failure'"
GRID = '"time", "vendor", "action", "category", "outcome", "actor_name", "source_ip", "target_name", "event_key"'
ORDER = '"time", "source_file", "source_row"'
SCROLL_PAGES = 20


class Server:
    """The real command (`python -m auditql serve --port 0`), its URL read from its first line."""

    def __init__(self, db: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "auditql", "serve", "--db", str(db), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        url = self.proc.stdout.readline().split(": ", 1)[1].strip()
        parts = urlsplit(url)
        self.netloc, self.token = parts.netloc, parse_qs(parts.query)["token"][0]
        self.peak_kb = 0
        self._sampling = True
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def rss_kb(self) -> int:
        with open(f"/proc/{self.proc.pid}/status") as fh:
            return next(int(ln.split()[1]) for ln in fh if ln.startswith("VmRSS:"))

    def _sample(self) -> None:
        while self._sampling:
            try:
                self.peak_kb = max(self.peak_kb, self.rss_kb())
            except (OSError, StopIteration):
                return
            time.sleep(0.05)

    def get(self, path: str, **params: object) -> dict:
        con = http.client.HTTPConnection(self.netloc, timeout=3600)
        try:
            query = urlencode({**{k: str(v) for k, v in params.items()}, "token": self.token})
            con.request("GET", f"{path}?{query}")
            response = con.getresponse()
            body = json.loads(response.read())
        finally:
            con.close()
        if response.status != 200:
            raise RuntimeError(f"{path} {params}: {body}")
        return body

    def stop(self) -> None:
        self._sampling = False
        self.proc.terminate()
        self.proc.wait(timeout=30)


def by_hand(con: duckdb.DuckDBPyConnection, where: str, order: str, offset: int = 0) -> list[tuple]:
    sql = f"SELECT {GRID} FROM events WHERE {where} ORDER BY {order} LIMIT 200 OFFSET {offset}"
    return con.execute(sql).fetchall()


def run(db: Path, repeat: int) -> Section:
    section = Section(f"`auditql serve` over {db.name}")
    hand = duckdb.connect(str(db), read_only=True)
    hand.execute("SET TimeZone = 'UTC'")
    total = hand.execute("SELECT count(*) FROM events").fetchone()[0]
    matching = hand.execute(f"SELECT count(*) FROM events WHERE {FILTER}").fetchone()[0]
    section.title = f"`auditql serve` over {total:,} events ({matching:,} match the filter)"
    server = Server(db)
    try:
        idle = server.rss_kb()
        for label, q, where, rows in (("a filter query", FILTER, FILTER, matching), ("every event", "", "TRUE", total)):
            hit, page = median_of(lambda q=q: server.get("/api/rows", q=q, size=200), repeat, warmup=1)
            base, _ = median_of(lambda w=where: by_hand(hand, w, ORDER), repeat, warmup=1)
            target = ("< 1 s", hit < 1.0) if q else ("", None)
            section.add(Row(f"{label}: first page", hit, base, "DuckDB by hand", *target))
            # scrolling: each page asked after the last row of the one before, as the grid does
            steps = []
            for _ in range(SCROLL_PAGES):
                if page["last"] is None or len(page["rows"]) < 200:
                    break
                t, page = timed(lambda p=page, q=q: server.get("/api/rows", q=q, size=200, after=json.dumps(p["last"])))
                steps.append(t)
            if steps:
                note = f"{len(steps)} pages in a row, median {statistics.median(steps):.2f} s"
                section.add(Row(f"{label}: scroll, slowest next page", max(steps), note=note))
            deep = max(0, min(rows - 200, rows // 2))
            jump, landed = median_of(lambda q=q, d=deep: server.get("/api/rows", q=q, size=200, offset=d), repeat)
            offset_base, by_offset = median_of(lambda w=where, d=deep: by_hand(hand, w, ORDER, d), repeat)
            note = "the row's key by a narrow OFFSET, then keyset"
            section.add(Row(f"{label}: jump to row {deep:,}", jump, offset_base, "OFFSET by hand", note=note))
            after = json.dumps(landed["last"])
            nxt, further = median_of(lambda q=q, a=after: server.get("/api/rows", q=q, size=200, after=a), repeat)
            by_offset_next = by_hand(hand, where, ORDER, deep + 200)
            section.add(Row(f"{label}: scroll on from row {deep:,}", nxt, offset_base, "OFFSET by hand"))
            assert [r[-1] for r in by_offset] == [r[-1] for r in landed["rows"]], "the jump's rows differ"
            assert [r[-1] for r in by_offset_next] == [r[-1] for r in further["rows"]], "the next page differs"
        deep = max(0, min(matching - 200, matching // 2))

        # a clicked sort (actor_name, descending, NULLs last), first and deep
        sort = {"sort": "actor_name", "desc": "1"}
        t, sorted_first = median_of(lambda: server.get("/api/rows", q=FILTER, size=200, **sort), repeat)
        section.add(Row("sorted by actor_name: first page", t))
        t, _ = median_of(lambda: server.get("/api/rows", q=FILTER, size=200, offset=deep, **sort), repeat)
        section.add(Row(f"sorted: jump to row {deep:,}", t))
        after = json.dumps(sorted_first["last"])
        t, _ = median_of(lambda: server.get("/api/rows", q=FILTER, size=200, after=after, **sort), repeat)
        section.add(Row("sorted: next page by keyset", t))

        counted, body = median_of(lambda: server.get("/api/count", q=FILTER), repeat)
        assert body["rows"] == matching
        section.add(Row("the row count (shown after the first page)", counted))
        section.add(Row("server memory: idle (RSS)", idle / 1024, unit="MB"))
        section.add(
            Row(
                "server memory: peak over the whole run (RSS, sampled every 50 ms)",
                server.peak_kb / 1024,
                unit="MB",
                note="DuckDB's memory_limit: half the RAM",
            )
        )
    finally:
        server.stop()
        hand.close()
    return section


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.serve_bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=10_000_000, help="events in the generated archive")
    ap.add_argument("--db", type=Path, help="measure this archive instead of generating one")
    ap.add_argument("--work", type=Path, default=Path("/tmp/auditql-bench"), help="generated files and archives")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is reported")
    args = ap.parse_args(argv)
    db = args.db
    if db is None:
        from bench.archive import build

        db = build(args.work, args.events).db
    print(machine_line(), flush=True)
    print(f"load average: {os.getloadavg()[0]:.1f}", flush=True)
    section = run(db, args.repeat)
    print(section.markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
