"""SAS Customer Intelligence 360: audit records as Parquet files behind signed links.

Documented flow (sassoftware/ci360-extensions, code/ci360-audit-data-download/360AuditDataDownload.py, and
SAS's JWT recipe in the same repository): a static JWT signed HS256 with the base64 encoding of the tenant's
client secret, claims {"clientID": tenant id} → POST {gateway}/token (grant_type=password with the API user's
name and password) → temporary JWT `access_token` → GET {gateway}/marketingAdmin/auditRecords
?dataRangeStartTimeStamp=YYYY-MM-DDTHH:MMZ&dataRangeEndTimeStamp=… → {"count": n, "items": [URL, …]} → each URL
downloaded (no auth header: the link is signed).

Choices where SAS publishes nothing: the user name and password go in the form body, not in the URL as the
utility does (URLs end up in logs); the range is asked one UTC day at a time (no published range limit; a day
keeps each listing small and a restart cheap); the listing itself is not landed (its links are credentials);
a file is named by its link's path, so the same file listed twice is fetched once.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from posixpath import basename
from urllib.parse import urlsplit

from auditql.pull import jwt
from auditql.pull.flows.job import Job, json_object, windows
from auditql.pull.http import TokenAuth

SETTINGS: dict[str, str | None] = {"gateway": "", "tenant_id": ""}
SECRETS = ("client_secret", "api_user", "api_password")
OPTIONS: dict[str, float] = {"window_hours": 24}
TIME = "%Y-%m-%dT%H:%MZ"


def _auth(job: Job) -> TokenAuth:
    gateway = job.source.setting("gateway")

    def fetch() -> tuple[str, float | None]:
        key = base64.b64encode(job.secret("client_secret").encode("utf-8"))
        static = jwt.encode_hs256({"clientID": job.source.setting("tenant_id")}, key)
        job.secrets.add(static)
        reply = job.http.post(
            f"{gateway}/token",
            headers={"Authorization": f"Bearer {static}"},
            data={"grant_type": "password", "username": job.secret("api_user"), "password": job.secret("api_password")},
        )
        body = json_object(job, reply, "/token", {"access_token": str})
        job.secrets.add(body["access_token"])
        lifetime = body.get("expires_in")
        return body["access_token"], float(lifetime) if isinstance(lifetime, int | float) else None

    return TokenAuth(fetch)


def _params(start: datetime, end: datetime) -> dict[str, str]:
    return {"dataRangeStartTimeStamp": start.strftime(TIME), "dataRangeEndTimeStamp": end.strftime(TIME)}


def describe(job: Job) -> str:
    start = job.since
    end = min(job.until, start + timedelta(hours=job.source.option("window_hours")))
    query = "&".join(f"{k}={v}" for k, v in _params(start, end).items())
    return f"GET {job.source.setting('gateway')}/marketingAdmin/auditRecords?{query} (one per window), then each file"


def run(job: Job) -> None:
    auth = _auth(job)
    listing = f"{job.source.setting('gateway')}/marketingAdmin/auditRecords"
    size = timedelta(hours=job.source.option("window_hours"))
    for start, end in windows(job.since, job.until, size):
        reply = job.http.get(listing, params=_params(start, end), auth=auth)
        body = json_object(job, reply, "/marketingAdmin/auditRecords", {"count": int, "items": list})
        items = body["items"]
        if body["count"] != len(items) or not all(isinstance(u, str) and u.startswith("http") for u in items):
            raise job.shape("'count' equal to the number of 'items', each a URL", "/marketingAdmin/auditRecords")
        for url in items:
            name = basename(urlsplit(url).path) or "audit.parquet"
            name = name if name.endswith(".parquet") else f"{name}.parquet"
            if job.existing(name):
                continue
            data = job.http.get(url, signed=True)
            if len(data.content) < 12 or data.content[:4] != b"PAR1" or data.content[-4:] != b"PAR1":
                raise job.shape("a Parquet file (PAR1 at both ends; cut short?)", urlsplit(url).path)
            job.land(name, data)
