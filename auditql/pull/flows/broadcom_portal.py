"""Broadcom Layer7 API Developer Portal: audit exports, at most 90 days per request, each a zip.

Documented (Broadcom TechDocs, API Developer Portal › Audit Logs and the Portal API's tenant-admin audits
export): OAuth client credentials for the Portal API → GET /tenant-admin/1.0/audits/export?startTs=…&endTs=…
(epoch milliseconds), CSV or JSON, answered with a zip; audits are kept 90 days and one request may span at
most 90 days, so the range is cut into windows.

Not published, so chosen safely: the token endpoint (the Layer7 gateway's `/auth/oauth/v2/token` on the portal
host, overridable with `token_url`), how CSV or JSON is chosen (a `format` query parameter), and whether endTs
is inclusive (windows meet at their ends; an event exactly on a boundary may come twice and dedup keeps one).
Every zip is opened and each member's CRC checked before it lands; ingest unpacks it with its own limits.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta

from auditql.pull.flows.job import Job, json_object, windows
from auditql.pull.http import TokenAuth

SETTINGS: dict[str, str | None] = {"base_url": "", "token_url": None, "format": "csv"}
SECRETS = ("client_id", "client_secret")
OPTIONS: dict[str, float] = {"window_days": 90}
PATH = "/tenant-admin/1.0/audits/export"


def _auth(job: Job) -> TokenAuth:
    url = job.source.settings.get("token_url") or f"{job.source.setting('base_url')}/auth/oauth/v2/token"

    def fetch() -> tuple[str, float | None]:
        reply = job.http.post(
            url,
            data={
                "grant_type": "client_credentials",
                "client_id": job.secret("client_id"),
                "client_secret": job.secret("client_secret"),
            },
        )
        body = json_object(job, reply, "/auth/oauth/v2/token", {"access_token": str})
        job.secrets.add(body["access_token"])
        lifetime = body.get("expires_in")
        return body["access_token"], float(lifetime) if isinstance(lifetime, int | float) else None

    return TokenAuth(fetch)


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def _windows(job: Job) -> list[tuple[datetime, datetime]]:
    days = min(90.0, job.source.option("window_days")) or 90.0
    return list(windows(job.since, job.until, timedelta(days=days)))


def describe(job: Job) -> str:
    first = _windows(job)[:1]
    if not first:
        return "nothing: the window is empty"
    start, end = first[0]
    return (
        f"GET {job.source.setting('base_url')}{PATH}?startTs={_ms(start)}&endTs={_ms(end)}"
        f"&format={job.source.setting('format')} ({len(_windows(job))} window(s) of ≤ 90 days)"
    )


def run(job: Job) -> None:
    auth: TokenAuth | None = None
    fmt = job.source.setting("format")
    for start, end in _windows(job):
        name = f"audits-{_ms(start)}-{_ms(end)}.{fmt}.zip"
        if job.existing(name):
            continue
        auth = auth or _auth(job)
        params = {"startTs": _ms(start), "endTs": _ms(end), "format": fmt}
        reply = job.http.get(f"{job.source.setting('base_url')}{PATH}", params=params, auth=auth)
        try:
            with zipfile.ZipFile(io.BytesIO(reply.content)) as zf:
                bad = zf.testzip()
        except (zipfile.BadZipFile, OSError, EOFError):
            raise job.shape("a zip file (cut short, or not a zip)", PATH) from None
        if bad is not None:
            raise job.shape(f"a zip whose members are intact ({bad!r} fails its CRC)", PATH)
        job.land(name, reply)
