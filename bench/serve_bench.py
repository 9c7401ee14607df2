"""`auditql serve` over a big archive (issue 19: "first page of a filter query under 1 s, scrolling without
stalls, memory of the server bounded"): the real `auditql serve` process asked over loopback HTTP as the
page asks it, each timing beside the same rows asked of DuckDB by hand in this process, and the server's
resident memory sampled all along (and on its own while the grid scrolls).

Baselines: the first page beside `SELECT … WHERE … ORDER BY … LIMIT 200` in DuckDB; a deep page (by keyset,
as the grid scrolls) beside `LIMIT 200 OFFSET n`, the way a grid would page without keysets. With
`--before DIR` (a checkout of auditql, e.g. `git worktree add /tmp/before main`) that checkout's server
runs beside this one on the same archive, every request asked of both in turn (alternating which goes
first), and each row's ratio is this server's time over that one's.

A jump to a deep row is timed twice: the first into a result (its marks read then, serve/marks.py: each
repetition a new result with the same rows, `variant`) and later jumps into a result whose marks are kept;
each answer says how it was reached (`marks`, `narrow offset`). A jump the server refuses (out of memory under
a small `--memory-limit`) is a row saying so.

A "new query" is one the server has not translated yet (the grid's first page of a query just typed): each
repetition changes the query's spacing, which the translation cache keys on and DuckDB does not see.
"After idle" waits until the server has closed its warm readers (serve/readers.py) first.

Example:
  python -m bench.serve_bench --events 10000000            # builds (once) and measures a 10M-event archive
  python -m bench.serve_bench --db demo.duckdb --repeat 1  # any archive
  python -m bench.serve_bench --events 2000000 --before /tmp/before
  python -m bench.serve_bench --events 2000000 --scale 5   # 10M events: the 2M archive's five times over
  python -m bench.serve_bench --db /tmp/auditql-bench/archive-10000000/archive.duckdb --memory-limit 6GB
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import duckdb

from bench.measure import Row, Section, machine_line, timed

FILTER = "category = 'login' AND outcome = 'failure'"
GRID = '"time", "vendor", "action", "category", "outcome", "actor_name", "source_ip", "target_name", "event_key"'
ORDER = '"time", "source_file", "source_row"'
SCROLL_PAGES = 20
IDLE_WAIT = 9.0  # past serve/readers.py's IDLE_SECONDS and its reaper's period
_spacing = itertools.count(1)


def new_query(text: str) -> str:
    """`text` as a query the server has not seen: the same condition, spaced differently."""
    return text.replace(" AND ", " " * next(_spacing) + "AND ", 1) if " AND " in text else text + " " * next(_spacing)


class Server:
    """The real command (`python -m auditql serve --port 0`), its URL read from its first line; `root`: the
    checkout to run it from (default: the auditql this bench imports)."""

    def __init__(self, db: Path, root: Path | None = None, options: tuple[str, ...] = ()) -> None:
        env = {**os.environ, "PYTHONPATH": str(root)} if root else None
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "auditql", "serve", "--db", str(db), "--port", "0", *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=root,
        )
        assert self.proc.stdout is not None
        url = self.proc.stdout.readline().split(": ", 1)[1].strip()
        parts = urlsplit(url)
        self.netloc, self.token = parts.netloc, parse_qs(parts.query)["token"][0]
        self.peak_kb = self.max_kb = 0  # peak_kb: since `_scroll` reset it; max_kb: since the start
        self._sampling = True
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def rss_kb(self) -> int:
        with open(f"/proc/{self.proc.pid}/status") as fh:
            return next(int(ln.split()[1]) for ln in fh if ln.startswith("VmRSS:"))

    def _sample(self) -> None:
        while self._sampling:
            try:
                now = self.rss_kb()
                self.peak_kb, self.max_kb = max(self.peak_kb, now), max(self.max_kb, now)
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


class Pair:
    """This server and, with --before, the other one: each measurement asked of both, in turn."""

    def __init__(self, db: Path, before: Path | None, options: tuple[str, ...] = ()) -> None:
        self.servers = {"after": Server(db, options=options)}
        if before is not None:
            self.servers["before"] = Server(db, before, options)

    def median(
        self, ask: Callable[[Server], Any], repeat: int, warmup: int = 0, setup: Callable[[], Any] | None = None
    ) -> dict[str, tuple[float, Any]]:
        times: dict[str, list[float]] = {name: [] for name in self.servers}
        last: dict[str, Any] = {}
        names = list(self.servers)
        for i in range(warmup + repeat):
            if setup is not None:
                setup()
            for name in names if i % 2 == 0 else names[::-1]:
                t, last[name] = timed(lambda name=name: ask(self.servers[name]))
                if i >= warmup:
                    times[name].append(t)
        return {name: (statistics.median(times[name]), last[name]) for name in names}

    def row(self, name: str, got: dict[str, tuple[float, Any]], hand: float | None = None, **kw: Any) -> Row:
        """This server's time against the other server's (with --before), else against DuckDB by hand."""
        after, note = got["after"][0], kw.pop("note", "")
        if "before" in got:
            note = "; ".join(n for n in (f"DuckDB by hand {hand:.2f} s" if hand is not None else "", note) if n)
            return Row(name, after, got["before"][0], "before", note=note, **kw)
        return Row(name, after, hand, "DuckDB by hand" if hand is not None else "", note=note, **kw)

    def stop(self) -> None:
        for s in self.servers.values():
            s.stop()


def _scroll(server: Server, q: str, page: dict) -> tuple[list[float], int]:
    """SCROLL_PAGES pages, each after the last row of the one before, as the grid asks them; the peak RSS
    (kB) while they were asked."""
    steps: list[float] = []
    server.peak_kb = server.rss_kb()
    for _ in range(SCROLL_PAGES):
        if page["last"] is None or len(page["rows"]) < 200:
            break
        t, page = timed(lambda p=page: server.get("/api/rows", q=q, size=200, after=json.dumps(p["last"])))
        steps.append(t)
    return steps, server.peak_kb


def variant(q: str, n: int) -> str:
    """`q` as a new result to the server (its own marks), with the same rows: a condition every event meets."""
    return f"({q}) AND source_row > -{n}" if q else f"source_row > -{n}"


def _jumps(pair: Pair, section: Section, label: str, q: str, deep: int, repeat: int, note: str, **sort: str) -> None:
    """A jump to row `deep` of a result just asked (its marks read then: serve/marks.py), and jumps to other
    deep rows of a result jumped into before (its marks kept), as the scrollbar dragged again and again."""
    fresh = itertools.count(1)
    got = pair.median(lambda s: s.get("/api/rows", q=variant(q, next(fresh)), size=200, offset=deep, **sort), repeat)
    how = got["after"][1]["reached"]
    section.add(pair.row(f"{label}: first jump into a result, to row {deep:,} ({how})", got, None, note=note))
    rows = itertools.count(0)
    got = pair.median(
        lambda s: s.get("/api/rows", q=q, size=200, offset=deep - (997 * next(rows) + 37) % max(1, deep // 2), **sort),
        repeat,
        warmup=1,
    )
    how = got["after"][1]["reached"]
    section.add(pair.row(f"{label}: another jump, near row {deep:,} ({how})", got, None, note=note))


def run(db: Path, repeat: int, before: Path | None = None, memory_limit: str | None = None) -> Section:
    section = Section(f"`auditql serve` over {db.name}")
    hand = duckdb.connect(str(db), read_only=True)
    hand.execute("SET TimeZone = 'UTC'")
    total = hand.execute("SELECT count(*) FROM events").fetchone()[0]
    matching = hand.execute(f"SELECT count(*) FROM events WHERE {FILTER}").fetchone()[0]
    section.title = f"`auditql serve` over {total:,} events ({matching:,} match the filter)"
    pair = Pair(db, before, ("--memory-limit", memory_limit) if memory_limit else ())
    limit = memory_limit or "default (half the RAM)"
    after = pair.servers["after"]
    try:
        idle = after.rss_kb()
        for label, q, where, rows in (("a filter query", FILTER, FILTER, matching), ("every event", "", "TRUE", total)):
            by_hand(hand, where, ORDER)  # warm DuckDB's and the OS's caches, as the servers' warmup does theirs
            base = statistics.median(timed(lambda w=where: by_hand(hand, w, ORDER))[0] for _ in range(repeat))
            target = {"target": "< 1 s"} if q else {}
            if q:
                got = pair.median(
                    lambda s, q=q: s.get("/api/rows", q=new_query(q), size=200),
                    repeat,
                    setup=lambda: time.sleep(IDLE_WAIT),
                )
                section.add(pair.row(f"{label}: first page after the server was idle (cold reader)", got, base))
            got = pair.median(lambda s, q=q: s.get("/api/rows", q=new_query(q), size=200), repeat, warmup=1)
            first = got["after"][0]
            section.add(
                pair.row(f"{label}: first page of a new query", got, base, ok=first < 1.0 if q else None, **target)
            )
            got = pair.median(lambda s, q=q: s.get("/api/rows", q=q, size=200), repeat, warmup=1)
            section.add(pair.row(f"{label}: first page asked again", got, base))
            pages = {name: got[name][1] for name in got}
            # scrolling: each page asked after the last row of the one before, as the grid does
            scrolled = {name: _scroll(s, q, pages[name]) for name, s in pair.servers.items()}
            if scrolled["after"][0]:
                steps, peak = scrolled["after"]
                note = f"{len(steps)} pages in a row, median {statistics.median(steps):.2f} s"
                if "before" in scrolled and scrolled["before"][0]:
                    b = scrolled["before"][0]
                    note += f" (before: median {statistics.median(b):.2f} s, slowest {max(b):.2f} s)"
                section.add(Row(f"{label}: scroll, slowest next page", max(steps), note=note))
                section.add(Row(f"{label}: server memory while scrolling (peak RSS)", peak / 1024, unit="MB"))
            deep = max(0, min(rows - 200, rows // 2))
            offset_base, by_offset = timed(lambda w=where, d=deep: by_hand(hand, w, ORDER, d))
            try:
                _jumps(pair, section, label, q, deep, repeat, f"`OFFSET {deep}` by hand {offset_base:.2f} s")
            except RuntimeError as exc:  # e.g. out of memory under a small --memory-limit: said, not hidden
                section.add(Row(f"{label}: jump to row {deep:,}", float("nan"), note=f"refused: {exc}"[:200]))
                continue
            got = pair.median(lambda s, q=q, d=deep: s.get("/api/rows", q=q, size=200, offset=d), 1)
            landed = got["after"][1]
            nxt = json.dumps(landed["last"])
            got = pair.median(lambda s, q=q, a=nxt: s.get("/api/rows", q=q, size=200, after=a), repeat)
            further = got["after"][1]
            by_offset_next = by_hand(hand, where, ORDER, deep + 200)
            note = f"`OFFSET {deep}` by hand {offset_base:.2f} s"
            section.add(pair.row(f"{label}: scroll on from row {deep:,}", got, None, note=note))
            assert [r[-1] for r in by_offset] == [r[-1] for r in landed["rows"]], "the jump's rows differ"
            assert [r[-1] for r in by_offset_next] == [r[-1] for r in further["rows"]], "the next page differs"
        deep = max(0, min(matching - 200, matching // 2))

        # a clicked sort (actor_name, descending, NULLs last), first and deep
        sort = {"sort": "actor_name", "desc": "1"}
        got = pair.median(lambda s: s.get("/api/rows", q=FILTER, size=200, **sort), repeat)
        section.add(pair.row("sorted by actor_name: first page", got))
        sorted_first = got["after"][1]
        _jumps(pair, section, "sorted", FILTER, deep, repeat, "", **sort)
        nxt = json.dumps(sorted_first["last"])
        got = pair.median(lambda s: s.get("/api/rows", q=FILTER, size=200, after=nxt, **sort), repeat)
        section.add(pair.row("sorted: next page by keyset", got))

        got = pair.median(lambda s: s.get("/api/count", q=new_query(FILTER)), repeat)
        assert got["after"][1]["rows"] == matching
        section.add(pair.row("the row count of a new query (shown after the first page)", got))
        section.add(Row("server memory: idle (RSS)", idle / 1024, unit="MB"))
        peaks = {name: s.max_kb for name, s in pair.servers.items()}
        section.add(
            Row(
                "server memory: peak over the whole run (RSS, sampled every 50 ms)",
                peaks["after"] / 1024,
                peaks["before"] / 1024 if "before" in peaks else None,
                "before" if "before" in peaks else "",
                unit="MB",
                note=f"the jumps (a new result's marks: a window over its keys) included; --memory-limit {limit}",
            )
        )
    finally:
        pair.stop()
        hand.close()
    return section


def _timed_steps(section: Section, state: str, con: Any) -> None:
    from auditql import api
    from auditql.query import paging

    columns = [*api.TABLE_COLUMNS, "event_key", "source_file", "source_row"]
    section.add(Row(f"{state}: read the catalog", timed(lambda: api.catalog(con))[0]))
    section.add(Row(f"{state}: translate (to learn the form)", timed(lambda: api.prepare(con, FILTER))[0]))
    took, t = timed(lambda: api.prepare(con, FILTER, columns=columns))
    section.add(Row(f"{state}: translate (the grid's columns)", took))
    section.add(Row(f"{state}: the result's shape (LIMIT 0)", timed(lambda: api.run(con, paging.described(t)))[0]))
    section.add(Row(f"{state}: the page query", timed(lambda: api.run(con, paging.page(t, 0, 200)))[0]))


def breakdown(db: Path) -> Section:
    """Where one first page's time goes, in this process: the steps a page request took before the warm
    readers and the translation cache, each timed, on a new reader and again on the same one (warm)."""
    from auditql import api

    section = Section("where a first page's time goes (in-process, the filter query)")
    t_open, con = timed(lambda: api.reader(db))
    section.add(Row("a new reader: open the sandboxed reader", t_open))
    try:
        _timed_steps(section, "a new reader", con)
        _timed_steps(section, "the same reader, warm", con)
    finally:
        con.close()
    return section


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.serve_bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=10_000_000, help="events in the generated archive")
    ap.add_argument("--db", type=Path, help="measure this archive instead of generating one")
    ap.add_argument("--work", type=Path, default=Path("/tmp/auditql-bench"), help="generated files and archives")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is reported")
    ap.add_argument("--before", type=Path, help="a checkout of auditql whose server runs beside this one")
    ap.add_argument(
        "--scale",
        type=int,
        default=1,
        help="serve the generated archive's events this many times over (archive.scaled)",
    )
    ap.add_argument("--memory-limit", help="the servers' --memory-limit (default: theirs, half the RAM)")
    args = ap.parse_args(argv)
    db = args.db
    if db is None:
        from bench.archive import build, scaled

        db = build(args.work, args.events).db
        if args.scale > 1:
            db = scaled(db, args.scale, args.work)
    print(machine_line(), flush=True)
    print(f"load average: {os.getloadavg()[0]:.1f}", flush=True)
    where = breakdown(db)
    section = run(db, args.repeat, args.before, args.memory_limit)
    print(f"load average: {os.getloadavg()[0]:.1f}", flush=True)
    print(where.markdown())
    print(section.markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
