"""Fake Gigya audit.search: the SQL-like query's time bounds, ORDER BY @timestamp DESC and LIMIT; cursors
(openCursor → nextCursorId; a cursor unused for `cursor_ttl` seconds, or expired on purpose, is refused with
error 400006 as in tests/data/sap_cdc/audit_search_error_400006.json); the error envelope on bad credentials.
Records: tests/data/sap_cdc's two files, one per callID."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

from tests.fakes import data
from tests.fakes.base import Fake, Reply, Request

API_KEY = "3_Zx9vQm-EXAMPLE-KeyFor-TestsOnly_a1B2c3D4e5F6g7H8"


def _time(record: dict[str, Any]) -> str:
    return str(record.get("@timestamp") or record.get("timestamp"))


class FakeGigya(Fake):
    def __init__(self, user_key: str, secret: str, cursor_ttl: float = 300.0):
        super().__init__()
        self.user_key, self.secret, self.cursor_ttl = user_key, secret, cursor_ttl
        self.records = data.gigya_records()
        self.cursors: dict[str, dict[str, Any]] = {}
        self.expire_after_pages: int | None = None  # expire every open cursor once this many pages were served
        self.pages = 0
        self.rate_limited = 0  # answer this many calls with error 403048 (rate limit) first

    def add_event(self, when: datetime) -> None:
        record = dict(self.records[0])
        record.update({"@timestamp": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"})
        record["callID"] = self.token()
        self.records.append(record)

    def envelope(self, code: int = 0, status: int = 200, **extra: Any) -> dict[str, Any]:
        reasons = {200: "OK", 400: "Bad Request", 403: "Forbidden"}
        return {
            "callId": self.token(),
            "errorCode": code,
            "apiVersion": 2,
            "statusCode": status,
            "statusReason": reasons.get(status, "Error"),
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            **extra,
        }

    def route(self, request: Request) -> Reply:
        if request.path != "/audit.search":
            return Reply.json({"message": "Not Found"}, 404)
        form = request.form
        if (form.get("apiKey"), form.get("userKey"), form.get("secret")) != (API_KEY, self.user_key, self.secret):
            return Reply.json(self.envelope(403003, 403, errorMessage="Invalid request signature"))
        if self.rate_limited:
            self.rate_limited -= 1
            return Reply.json(self.envelope(403048, 403, errorMessage="Rate limit exceeded"))
        if "cursorId" in form:
            cursor = self.cursors.get(form["cursorId"])
            expired = self.expire_after_pages is not None and self.pages >= self.expire_after_pages
            if cursor is None or expired or time.monotonic() - cursor["at"] > self.cursor_ttl:
                self.expire_after_pages = None
                return Reply.json(
                    self.envelope(
                        400006,
                        400,
                        errorMessage="Invalid parameter value",
                        errorDetails="Invalid parameter value: cursorId",
                    )
                )
            del self.cursors[form["cursorId"]]
            return self._page(cursor["rest"], cursor["limit"], cursor["total"])
        query = form.get("query", "")
        low = re.search(r"@timestamp >= '([^']+)'", query)
        below = re.search(r"@timestamp < '([^']+)'", query)
        upto = re.search(r"@timestamp <= '([^']+)'", query)
        limit = int(re.search(r"LIMIT (\d+)", query).group(1)) if "LIMIT" in query else 300
        found = [
            r
            for r in self.records
            if (not low or _time(r) >= low.group(1))
            and (not below or _time(r) < below.group(1))
            and (not upto or _time(r) <= upto.group(1))
        ]
        found.sort(key=_time, reverse=True)
        if form.get("openCursor") != "true":
            found = found[:limit]
        return self._page(found, limit, len(found))

    def _page(self, rest: list[dict[str, Any]], limit: int, total: int) -> Reply:
        self.pages += 1
        page, rest = rest[:limit], rest[limit:]
        extra: dict[str, Any] = {"results": page, "objectsCount": len(page), "totalCount": total}
        if rest:
            cursor = self.token()
            self.cursors[cursor] = {"rest": rest, "limit": limit, "total": total, "at": time.monotonic()}
            extra["nextCursorId"] = cursor
        return Reply.json(self.envelope(**extra))
