"""Fake SAS CI360 gateway: POST /token (static HS256 JWT + API user) → GET /marketingAdmin/auditRecords →
signed links to hourly Parquet files cut from tests/data/sas_ci360's published-shape file."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from auditql.pull.jwt import verify_hs256
from tests.fakes import data
from tests.fakes.base import Fake, Reply, Request

TENANT = "a1b2c3d4e5-ci360-tenant"
TIME = "%Y-%m-%dT%H:%MZ"


class FakeCI360(Fake):
    def __init__(self, secret: str, user: str, password: str, token_uses: int = 1000):
        super().__init__()
        self.secret, self.user, self.password = secret, user, password
        self.token_uses = token_uses  # a token stops working after this many uses ("expired" mid-pull)
        self.tokens: dict[str, int] = {}
        self.signatures: set[str] = set()
        self.table = pq.read_table(data.sas_parquet())

    def add_event(self, when: datetime) -> None:
        """A new audit record (a copy of the first, at `when`): lands in its hour's file."""
        row = self.table.slice(0, 1).to_pylist()[0]
        row.update(event_timestamp=when.astimezone(UTC).replace(tzinfo=None), action_name="logout")
        self.table = pa.concat_tables([self.table, pa.Table.from_pylist([row], schema=self.table.schema)])

    def hours(self) -> dict[str, pa.Table]:
        stamps = self.table.column("event_timestamp").to_pylist()
        buckets: dict[str, list[int]] = {}
        for i, t in enumerate(stamps):
            buckets.setdefault(t.strftime("%Y%m%d%H"), []).append(i)
        return {hour: self.table.take(rows) for hour, rows in sorted(buckets.items())}

    def route(self, request: Request) -> Reply:
        if request.path == "/token":
            return self._token(request)
        if request.path == "/marketingAdmin/auditRecords":
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            if token not in self.tokens or self.tokens[token] >= self.token_uses:
                return Reply.json({"message": "Unauthorized: token expired"}, 401)
            self.tokens[token] += 1
            start = datetime.strptime(request.query["dataRangeStartTimeStamp"], TIME)
            end = datetime.strptime(request.query["dataRangeEndTimeStamp"], TIME)
            items = []
            for hour in self.hours():
                begins = datetime.strptime(hour, "%Y%m%d%H")
                if begins < end and begins + timedelta(hours=1) > start:
                    signature = self.token()
                    self.signatures.add(signature)
                    items.append(f"{self.url}/files/AuditData_{hour}.parquet?X-Amz-Signature={signature}")
            return Reply.json({"count": len(items), "items": items})
        if request.path.startswith("/files/"):
            if request.query.get("X-Amz-Signature") not in self.signatures:
                return Reply.json({"message": "SignatureDoesNotMatch"}, 403)
            hour = request.path.removeprefix("/files/AuditData_").removesuffix(".parquet")
            table = self.hours().get(hour)
            if table is None:
                return Reply.json({"message": "NoSuchKey"}, 404)
            buffer = io.BytesIO()
            pq.write_table(table, buffer, compression="snappy")
            return Reply(200, buffer.getvalue(), {"Content-Type": "application/octet-stream"})
        return Reply.json({"message": "Not Found"}, 404)

    def _token(self, request: Request) -> Reply:
        static = request.headers.get("authorization", "").removeprefix("Bearer ")
        claims: dict[str, Any] | None = verify_hs256(static, base64.b64encode(self.secret.encode()))
        form = request.form
        if (
            claims != {"clientID": TENANT}
            or form.get("grant_type") != "password"
            or (form.get("username"), form.get("password")) != (self.user, self.password)
        ):
            return Reply.json({"error": "invalid_grant"}, 401)
        token = self.token()
        self.tokens[token] = 0
        return Reply.json({"access_token": token, "token_type": "bearer", "expires_in": 3600})
