"""Adobe Customer Journey Analytics: the audit-log API, paged newest first.

Documented flow (developer.adobe.com/cja-apis/docs/endpoints/auditlogs, AdobeDocs/cja-apis; Adobe Developer
Console "OAuth Server-to-Server" credentials): an access token from Adobe IMS by client credentials
(POST https://ims-na1.adobelogin.com/ims/token/v3: grant_type, client_id, client_secret, scope) → GET
https://cja.adobe.io/auditlogs/api/v1/auditlogs?startDate=…&endDate=…&pageSize=…&pageNumber=… (0-based) with
headers x-api-key (the client id), x-gw-ims-org-id, Authorization: Bearer. Pages are Spring page envelopes
(`content`, `last`, `number`, …), newest first.

Why shifting pages are harmless: a record created while paging pushes older ones down, so a page may repeat
a record of the page before it (never skip one older than the window's end, which is fixed for the run). Each
record carries its `id`, and the archive keeps one event per id. A record created inside the window after its
page was read is caught by the next pull's overlap. startDate/endDate are sent in the documented form
(`2021-08-01T00:00:00-07`, here with offset +00). Not published: whether endDate is inclusive (the window's end
is where the next pull's overlap begins, so either way nothing is missed) and a page-size limit (100, the
default, is used; `page_size` option). Without dates the API returns only "the last 1000 audit log records":
dates are always sent.
"""

from __future__ import annotations

import json

from auditql.pull.flows.job import Job, json_object
from auditql.pull.http import TokenAuth

SETTINGS: dict[str, str | None] = {
    "org_id": "",
    "base_url": "https://cja.adobe.io",
    "ims_url": "https://ims-na1.adobelogin.com/ims/token/v3",
    "scope": "openid,AdobeID,additional_info.projectedProductContext",
}
SECRETS = ("client_id", "client_secret")
OPTIONS: dict[str, float] = {"page_size": 100, "max_pages": 100_000}
PATH = "/auditlogs/api/v1/auditlogs"
TIME = "%Y-%m-%dT%H:%M:%S+00"  # the documented form is `YYYY-01-01T00:00:00-07`: seconds and an hour offset


def _auth(job: Job) -> TokenAuth:
    def fetch() -> tuple[str, float | None]:
        reply = job.http.post(
            job.source.setting("ims_url"),
            data={
                "grant_type": "client_credentials",
                "client_id": job.secret("client_id"),
                "client_secret": job.secret("client_secret"),
                "scope": job.source.setting("scope"),
            },
        )
        body = json_object(job, reply, "/ims/token", {"access_token": str})
        job.secrets.add(body["access_token"])
        lifetime = body.get("expires_in")
        return body["access_token"], float(lifetime) if isinstance(lifetime, int | float) else None

    return TokenAuth(fetch, {"x-api-key": job.secret("client_id"), "x-gw-ims-org-id": job.source.setting("org_id")})


def _params(job: Job, page: int) -> dict[str, str | int]:
    return {
        "startDate": job.since.strftime(TIME),
        "endDate": job.until.strftime(TIME),
        "pageSize": int(job.source.option("page_size")),
        "pageNumber": page,
    }


def describe(job: Job) -> str:
    query = "&".join(f"{k}={v}" for k, v in _params(job, 0).items())
    return f"GET {job.source.setting('base_url')}{PATH}?{query}, then pageNumber=1, 2, … until the last page"


def run(job: Job) -> None:
    auth: TokenAuth | None = None
    for page in range(int(job.source.option("max_pages"))):
        name = f"auditlogs-page-{page:05d}.json"
        landed = job.existing(name)
        if landed is not None:
            body = json.loads(landed.read_bytes())
        else:
            auth = auth or _auth(job)
            reply = job.http.get(f"{job.source.setting('base_url')}{PATH}", params=_params(job, page), auth=auth)
            body = json_object(job, reply, PATH, {"content": list})
            job.land(name, reply)
        if body.get("last") is True or len(body["content"]) < int(job.source.option("page_size")):
            return
