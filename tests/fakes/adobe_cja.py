"""Fake Adobe IMS + CJA audit-log API: client credentials → token; GET /auditlogs/api/v1/auditlogs with
startDate/endDate/pageSize/pageNumber, newest first, in Adobe's Spring page envelope (as its verbatim examples
in tests/data/adobe_cja). `arrive_after_page0`: records that appear once page 0 was served (new events arriving
while a client pages: each pushes one record from page N to page N+1)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.fakes import data
from tests.fakes.base import Fake, Reply, Request

ORG = "3F2A9C1B5D7E4A6B8C0D1E2F@AdobeOrg"


def _when(record: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(record["dateCreated"]).astimezone(UTC)


class FakeCJA(Fake):
    def __init__(self, client_id: str, client_secret: str, token_uses: int = 1000):
        super().__init__()
        self.client_id, self.client_secret, self.token_uses = client_id, client_secret, token_uses
        self.records = data.cja_records()
        self.arrive_after_page0: list[dict[str, Any]] = []
        self.tokens: dict[str, int] = {}

    def new_record(self, when: datetime, n: int = 0) -> dict[str, Any]:
        record = dict(self.records[0])
        stamp = when.astimezone(UTC)
        record["id"] = f"{int(stamp.timestamp()):08x}{'feedbeef00'}{n:06x}"
        record["dateCreated"] = stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00"
        record["action"] = "LOGIN_SUCCESSFUL"
        return record

    def route(self, request: Request) -> Reply:
        if request.path == "/ims/token/v3":
            form = request.form
            if (form.get("client_id"), form.get("client_secret"), form.get("grant_type")) != (
                self.client_id,
                self.client_secret,
                "client_credentials",
            ):
                return Reply.json({"error": "invalid_client", "error_description": "invalid client_id parameter"}, 401)
            token = self.token()
            self.tokens[token] = 0
            return Reply.json({"access_token": token, "token_type": "bearer", "expires_in": 86399})
        if request.path != "/auditlogs/api/v1/auditlogs":
            return Reply.json({"errorCode": "not_found"}, 404)
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        headers_ok = (
            request.headers.get("x-api-key") == self.client_id and request.headers.get("x-gw-ims-org-id") == ORG
        )
        if token not in self.tokens or self.tokens[token] >= self.token_uses or not headers_ok:
            return Reply.json({"error_code": "401013", "message": "Oauth token is not valid"}, 401)
        self.tokens[token] += 1
        q = request.query
        start = datetime.fromisoformat(q["startDate"])  # documented: YYYY-01-01T00:00:00-07
        end = datetime.fromisoformat(q["endDate"])
        size, number = int(q.get("pageSize", 100)), int(q.get("pageNumber", 0))
        found = sorted((r for r in self.records if start <= _when(r) <= end), key=_when, reverse=True)
        content = found[number * size : (number + 1) * size]
        if number == 0 and self.arrive_after_page0:
            self.records += self.arrive_after_page0
            self.arrive_after_page0 = []
        pages = max(1, -(-len(found) // size))
        return Reply.json(
            {
                "content": content,
                "pageable": {
                    "sort": {"sorted": True, "unsorted": False, "empty": False},
                    "offset": number * size,
                    "pageNumber": number,
                    "pageSize": size,
                    "paged": True,
                    "unpaged": False,
                },
                "last": number + 1 >= pages,
                "totalElements": len(found),
                "totalPages": pages,
                "size": size,
                "number": number,
                "sort": {"sorted": True, "unsorted": False, "empty": False},
                "numberOfElements": len(content),
                "first": number == 0,
                "empty": not content,
            }
        )
