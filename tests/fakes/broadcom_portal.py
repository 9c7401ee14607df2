"""Fake Layer7 API Developer Portal: client credentials → token; GET /tenant-admin/1.0/audits/export with
startTs/endTs in epoch ms (a span over 90 days is refused with 400) → a zip holding audits.csv or audits.json
built as tests/data/broadcom_portal's files are (make_published.py's events and writers)."""

from __future__ import annotations

import json
from datetime import datetime

from tests.fakes import data
from tests.fakes.base import Fake, Reply, Request

DAY_MS = 86_400_000


class FakePortal(Fake):
    def __init__(self, client_id: str, client_secret: str):
        super().__init__()
        self.client_id, self.client_secret = client_id, client_secret
        self.module = data.make_published()
        self.events = list(self.module.BCM_EVENTS)
        self.tokens: set[str] = set()

    def add_event(self, when: datetime) -> None:
        self.events.insert(
            0, (int(when.timestamp() * 1000), "User", "kofi.mensah", "Login Success", "kofi.mensah", "Mozilla")
        )

    def route(self, request: Request) -> Reply:
        if request.path == "/auth/oauth/v2/token":
            form = request.form
            if (form.get("client_id"), form.get("client_secret")) != (self.client_id, self.client_secret):
                return Reply.json({"error": "invalid_client"}, 401)
            token = self.token()
            self.tokens.add(token)
            return Reply.json({"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": "OOB"})
        if request.path != "/tenant-admin/1.0/audits/export":
            return Reply.json({"error": "Not Found"}, 404)
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.tokens:
            return Reply.json({"error": "invalid_token"}, 401)
        start, end = int(request.query["startTs"]), int(request.query["endTs"])
        if end - start > 90 * DAY_MS or end <= start:
            return Reply.json({"error": "the export range must be at most 90 days"}, 400)
        events = sorted((e for e in self.events if start <= e[0] <= end), key=lambda e: -e[0])
        header = ["Time (UTC)", "Object", "Object Name", "Action", "User", "Agent"]
        if request.query.get("format") == "json":
            records = [
                {"timestamp": t, "entityType": o, "entityName": n, "action": a, "userName": u, "agent": g}
                for t, o, n, a, u, g in events
            ]
            body = data.zip_bytes("audits.json", json.dumps(records, indent=2).encode())
        else:
            body = data.zip_bytes("audits.csv", self.module.csv_text(header, [list(e) for e in events]).encode())
        return Reply(200, body, {"Content-Type": "application/zip"})
