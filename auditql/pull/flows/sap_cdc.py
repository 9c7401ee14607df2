"""SAP Customer Data Cloud (Gigya): `audit.search` at the site's data center, paged with cursors.

Documented flow (SAP Help "audit.search", mirrored in tswymer/gigya-ts packages/rest-api/src/namespaces/audit.ts):
the site's API key with a user key and its secret; `query` = SQL-like text with `openCursor=true` on the first
request, then only `cursorId` = the previous `nextCursorId`; "the time between search requests using a cursorId
must not exceed 5 minutes"; a failed request may be re-sent with the same cursorId. Every answer is an envelope
with `errorCode` (0 = ok), `statusCode`, `errorMessage` — often inside an HTTP 200.

Choices: newest first (`ORDER BY @timestamp DESC`, as the console's saved searches); when a cursor has expired
(or after a restart, when the landed pages' cursor surely has) the search is opened again over what remains:
`@timestamp <=` the oldest time already landed (inclusive: records of that millisecond come again, and dedup on
`callID` makes that free). Rate-limit codes are waited on like HTTP 429. Not published: which error code an
expired cursor gives (400006 "Invalid parameter value" is what a stale cursorId gets) — any error answering a
cursorId request reopens the search, at most `max_reopen` times.
"""

from __future__ import annotations

import json
from typing import Any

from auditql.pull.errors import PullError
from auditql.pull.flows.job import Job, json_object
from auditql.pull.http import Reply

SETTINGS: dict[str, str | None] = {"data_center": "us1", "base_url": None, "api_key": ""}
SECRETS = ("user_key", "secret")
OPTIONS: dict[str, float] = {"page_size": 1000, "max_reopen": 20}
PATH = "/audit.search"
# "Api rate limit exceeded" (statusCode 403), as a live Gigya answer shows (gscounters.us1.gigya.com, stored in the
# pages corpus); the Response Codes and Errors page lists no other rate-limit code.
RATE_LIMITED = {403048}
TIME = "%Y-%m-%dT%H:%M:%S.000Z"


def _endpoint(job: Job) -> str:
    base = job.source.settings.get("base_url") or f"https://audit.{job.source.setting('data_center')}.gigya.com"
    return f"{base}{PATH}"


def query(job: Job, upper: str | None = None) -> str:
    """The search over the run's window; `upper`: reopened below the oldest time already landed."""
    low, high = job.since.strftime(TIME), job.until.strftime(TIME)
    bound = f"@timestamp <= '{upper}'" if upper else f"@timestamp < '{high}'"
    limit = int(job.source.option("page_size"))
    return f"SELECT * FROM auditLog WHERE @timestamp >= '{low}' AND {bound} ORDER BY @timestamp DESC LIMIT {limit}"


def describe(job: Job) -> str:
    return f"POST {_endpoint(job)} query={query(job)!r} openCursor=true, then cursorId until no nextCursorId"


def run(job: Job) -> None:
    pages = job.folder.files()
    seen = [json.loads(p.read_bytes()) for p, _ in pages]
    number = len(pages)
    if seen and not seen[-1].get("nextCursorId"):
        job.reused += len(pages)
        return  # the search was read to its end before the restart
    job.reused += len(pages)
    oldest = _oldest(seen)
    cursor: str | None = None
    reopened = 0
    while True:
        form: dict[str, Any] = {"apiKey": job.source.setting("api_key")}
        if cursor is None:
            form.update(query=query(job, oldest), openCursor="true")
        else:
            form["cursorId"] = cursor
        reply = _search(job, form)
        body = json_object(job, reply, PATH, {"errorCode": (int, str)})
        code = int(body["errorCode"])
        if code != 0 and cursor is not None and reopened < job.source.option("max_reopen"):
            reopened += 1  # an expired cursor: open the search again over what is left
            job.notes.append(f"cursor refused (error {code}); search reopened at {oldest or 'the window end'}")
            cursor = None
            continue
        if code != 0:
            what = f"{body.get('errorMessage', '')} ({body.get('errorDetails', '')})"
            raise PullError(job.secrets.redact(f"source {job.source.name}: {PATH}: Gigya error {code}: {what}"))
        body = json_object(job, reply, PATH, {"results": list})
        number += 1
        job.land(f"search-{number:05d}.json", reply, request={k: v for k, v in form.items() if k != "apiKey"})
        oldest = _oldest([body], oldest)
        cursor = body.get("nextCursorId") or None
        if cursor is None:
            return


def _search(job: Job, form: dict[str, Any]) -> Reply:
    """One call, with the user key and secret in the form body (never the URL); rate-limit codes waited on."""
    for attempt in range(job.http.retries + 1):
        reply = job.http.post(
            _endpoint(job), data={**form, "userKey": job.secret("user_key"), "secret": job.secret("secret")}
        )
        try:
            code = int(json.loads(reply.content).get("errorCode", 0))
        except (ValueError, AttributeError, TypeError):
            return reply  # the caller names the shape problem
        if code not in RATE_LIMITED:
            return reply
        job.http.sleep(job.http.backoff * 2**attempt)
    raise PullError(
        f"source {job.source.name}: {PATH}: Gigya rate limit: still refused after {job.http.retries + 1} attempts"
    )


def _oldest(pages: list[dict[str, Any]], current: str | None = None) -> str | None:
    """The oldest record time in these pages (ISO text sorts as time)."""
    found = [
        r.get("@timestamp") or r.get("timestamp") for p in pages for r in p.get("results", []) if isinstance(r, dict)
    ]
    times: list[str] = [t for t in found if isinstance(t, str)]
    if current:
        times.append(current)
    return min(times) if times else None
