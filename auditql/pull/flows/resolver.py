"""Resolver: the User Audit Trail, exported as CSV files of at most 50,000 rows, newest first.

Documented flow (help.resolver.com "Exporting the User Audit Trail"): POST /audit/user/export with `dateStart`
and `dateEnd` as Unix timestamps → a job id → GET /object/job/{id} until the job carries a `signedURL` → the CSV.
"The API only returns the most recent 50,000 results. You can make an additional API request using the last
event row's date in the .csv file as the dateEnd value to obtain any truncated data." So a file of exactly
`row_cap` rows means more: ask again with dateEnd = its last row's "Date and Time", same dateStart, until a file
comes back short. The boundary second is delivered twice; the archive's dedup counts identical id-less rows at
most as often as one file holds them, so genuine same-second repeats stay and the overlap adds nothing.

Not published, so chosen safely: authentication (a bearer API token), the job-status shape (`signedURL` once
ready, a `status` that may say failed), the CSV date format (US `MM/DD/YYYY hh:mm:ss AM/PM`, UTC, as the
export screen shows; ISO `YYYY-MM-DD HH:MM:SS` is read too); a full file whose rows all share one second cannot
be paged past without losing events: that stops with an error rather than skipping them.
"""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime

from auditql.pull.flows.job import Job, json_object
from auditql.pull.http import Auth, Reply

SETTINGS: dict[str, str | None] = {"base_url": ""}
SECRETS = ("api_token",)
OPTIONS: dict[str, float] = {"row_cap": 50_000, "max_polls": 300, "poll_seconds": 2}
DATE_COLUMN = "Date and Time"
DATE_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%Y-%m-%d %H:%M:%S")


class _Bearer:
    def __init__(self, token: str):
        self.token = token

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def refresh(self) -> None:  # a static token cannot be renewed: the second 401 is reported
        pass


def describe(job: Job) -> str:
    body = {"dateStart": int(job.since.timestamp()), "dateEnd": int(job.until.timestamp())}
    return f"POST {job.source.setting('base_url')}/audit/user/export {body}, poll /object/job/{{id}}, download CSV"


def run(job: Job) -> None:
    auth = _Bearer(job.secret("api_token"))
    start, end = int(job.since.timestamp()), int(job.until.timestamp())
    cap = int(job.source.option("row_cap"))
    while True:
        name = f"user-audit-{start}-{end}.csv"
        landed = job.existing(name)
        content = landed.read_bytes() if landed else _export(job, auth, start, end, name)
        rows, last = _rows(job, content, name)
        if rows < cap:
            return
        if last is None or last >= end:
            raise job.shape(
                f"fewer than {cap} rows in one second, but the {cap} rows up to dateEnd "
                f"{datetime.fromtimestamp(end, UTC):%Y-%m-%dT%H:%M:%SZ} all end in it; "
                "that second cannot be paged past without losing events",
                "/audit/user/export",
            )
        end = last


def _export(job: Job, auth: Auth, start: int, end: int, name: str) -> bytes:
    base = job.source.setting("base_url")
    reply = job.http.post(f"{base}/audit/user/export", json={"dateStart": start, "dateEnd": end}, auth=auth)
    job_id = json_object(job, reply, "/audit/user/export", {"id": (str, int)})["id"]
    for _ in range(int(job.source.option("max_polls"))):
        status = job.http.get(f"{base}/object/job/{job_id}", auth=auth)
        body = json_object(job, status, "/object/job/{id}", {})
        if str(body.get("status", "")).lower() in ("failed", "error", "cancelled"):
            raise job.shape(f"a finished export job (job {job_id} says {body.get('status')!r})", "/object/job/{id}")
        url = body.get("signedURL")
        if isinstance(url, str) and url.startswith("http"):
            job.secrets.add(url.partition("?")[2])  # the signature is a credential
            data: Reply = job.http.get(url, signed=True)
            _rows(job, data.content, name)  # refuse a cut or renamed file before it lands
            job.land(name, data, request={"dateStart": start, "dateEnd": end})
            return data.content
        time.sleep(job.source.option("poll_seconds"))
    raise job.shape(
        f"the export job {job_id} to finish (still running after {job.source.option('max_polls'):g} polls)",
        "/object/job/{id}",
    )


def _rows(job: Job, content: bytes, name: str) -> tuple[int, int | None]:
    """Data rows (a quoted value may span lines) and the last row's time as a Unix timestamp."""
    text = content.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or DATE_COLUMN not in header:
        raise job.shape(f"a CSV with a {DATE_COLUMN!r} column ({name})", "/audit/user/export download")
    at = header.index(DATE_COLUMN)
    rows, last = 0, None
    for row in reader:
        if row:
            rows += 1
            last = row[at] if at < len(row) else None
    return rows, None if last is None else _unix(last)


def _unix(text: str) -> int | None:
    for pattern in DATE_FORMATS:
        try:
            return int(datetime.strptime(text.strip(), pattern).replace(tzinfo=UTC).timestamp())
        except ValueError:
            continue
    return None
