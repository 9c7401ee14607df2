"""One `auditql pull`: per source, choose the time window, run the vendor's flow into the landing folder,
ingest what landed through the normal ingest path, then advance the source's high-water mark.

Window: `--since`/`--until` when given; else an unfinished run's own window (resumed: what landed is not asked
for again); else from the mark minus `overlap_hours` (dedup makes the overlap free) — or, on a first pull,
`first_days` back — up to now (whole minutes: CI360's timestamps have no seconds).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from auditql.pull.config import Source
from auditql.pull.errors import PullError
from auditql.pull.flows import FLOWS
from auditql.pull.flows.job import Job
from auditql.pull.http import Http
from auditql.pull.landing import RunFolder, landing_root
from auditql.pull.secrets import Secrets
from auditql.pull.state import State, fmt, source_lock


@dataclass
class Outcome:
    """What one source's pull did; `to_dict` is the `--format json` summary (no secrets, no signed links)."""

    source: str
    vendor: str
    since: str = ""
    until: str = ""
    folder: str = ""
    resumed: bool = False
    requests: int = 0
    bytes: int = 0
    landed: int = 0
    reused: int = 0
    files: list[dict[str, Any]] = field(default_factory=list)
    added: int = 0
    duplicates: int = 0
    rejected: int = 0
    plan: str | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(f.get("error") is None for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "ok": self.ok}


@dataclass
class Options:
    since: datetime | None = None
    until: datetime | None = None
    dry_run: bool = False
    now: datetime | None = None
    notify: Callable[[str], None] | None = None
    progress: Callable[[str], None] | None = None  # a line per answer, replacing the one before (a terminal)


def pull(sources: list[Source], db: Path, options: Options, secrets: Secrets | None = None) -> list[Outcome]:
    secrets = secrets or Secrets()
    return [pull_one(source, db, options, secrets) for source in sources]


def pull_one(source: Source, db: Path, options: Options, secrets: Secrets) -> Outcome:
    if options.dry_run:
        return _pull_one(source, db, options, secrets)
    try:
        with source_lock(landing_root(db), source.name):
            return _pull_one(source, db, options, secrets)
    except PullError as exc:
        return Outcome(source.name, source.vendor, error=secrets.redact(str(exc)))


def _pull_one(source: Source, db: Path, options: Options, secrets: Secrets) -> Outcome:
    outcome = Outcome(source.name, source.vendor)
    flow = FLOWS[source.vendor]
    root = landing_root(db)
    state = State(root, source.name, db)
    started = options.now or datetime.now(UTC)
    now = started.replace(second=0, microsecond=0)
    pending = state.pending()
    if options.since is None and options.until is None and pending is not None:
        since, until, folder = pending.since, pending.until, RunFolder(pending.folder)
        outcome.resumed = True
    else:
        until = options.until or now
        mark = state.covered_until(db)
        if options.since is not None:
            since = options.since
        elif mark is not None:
            since = mark - timedelta(hours=source.option("overlap_hours"))
        else:
            since = until - timedelta(days=source.option("first_days"))
        if since.astimezone(UTC) >= until.astimezone(UTC):
            raise PullError(f"source {source.name}: --since ({fmt(since)}) must be before --until ({fmt(until)})")
        if options.dry_run:
            folder = RunFolder(root / source.name / "(a new folder per run)")
        else:
            folder = RunFolder.create(root, source.name, started)
        if pending is not None:
            outcome.notes.append(f"an unfinished run ({fmt(pending.since)} to {fmt(pending.until)}) was set aside")
    since, until = since.astimezone(UTC), until.astimezone(UTC)  # every vendor is asked in UTC
    outcome.since, outcome.until, outcome.folder = fmt(since), fmt(until), str(folder.path)
    http = Http(source.name, secrets, backoff=source.option("retry_seconds"))
    job = Job(source, http, folder, since, until, secrets)
    if options.progress is not None:
        show = options.progress

        def report() -> None:
            size = f"{http.received / 1e6:.1f} MB" if http.received >= 100_000 else f"{http.received / 1e3:.0f} kB"
            show(f"{source.name}: {http.requests} requests, {job.landed} responses landed, {size}")

        http.on_reply = report
    if options.dry_run:
        for name in source.secret_env:  # a missing variable is worth knowing before the real run
            try:
                job.secret(name)
            except PullError as exc:
                outcome.notes.append(str(exc).removeprefix(f"source {source.name}: "))
        outcome.plan = secrets.redact(flow.describe(job))
        return outcome
    if not outcome.resumed:
        state.begin(since, until, folder.path)
    try:
        flow.run(job)
    except PullError as exc:
        outcome.error = secrets.redact(str(exc))
    finally:
        http.close()
        outcome.requests, outcome.bytes = http.requests, http.received
        outcome.landed, outcome.reused, outcome.notes = job.landed, job.reused, outcome.notes + job.notes
    _ingest(folder, db, outcome, options)  # also after a failure: what landed is stored; the mark stays
    if outcome.ok:
        state.finish(until)
    return outcome


def _ingest(folder: RunFolder, db: Path, outcome: Outcome, options: Options) -> None:
    """Everything this run landed (also what an interrupted attempt landed and ingested: presented again)."""
    from auditql.api import ingest

    landed = folder.files()
    if not landed:
        return
    origins = {path.resolve(): origin for path, origin in landed}
    report = ingest([p for p, _ in landed], db, vendor=outcome.vendor, notify=options.notify, origins=origins)
    outcome.files = [
        {
            k: f.to_dict()[k]
            for k in ("source_file", "vendor", "format", "read", "added", "duplicates", "rejected", "status", "error")
        }
        for f in report.files
    ]
    outcome.added = sum(f.added for f in report.files)
    outcome.duplicates = sum(f.duplicates for f in report.files)
    outcome.rejected = sum(f.rejected for f in report.files)
