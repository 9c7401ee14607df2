"""Fake Resolver API: POST /audit/user/export → job → GET /object/job/{id} (running once, then a signedURL) →
the User Audit Trail CSV: rows with dateStart ≤ time ≤ dateEnd, newest first, at most `cap` of them.

With cap 13 the two files served are byte for byte tests/data/resolver/user_audit_trail_us.csv and
user_audit_trail_us_part2.csv: the second request's dateEnd is the first file's last row (a boundary pair)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.fakes import data
from tests.fakes.base import Fake, Reply, Request

FORMAT = "%m/%d/%Y %I:%M:%S %p"


class FakeResolver(Fake):
    def __init__(self, token: str, cap: int = 50_000):
        super().__init__()
        self.api_token, self.cap = token, cap
        self.header, lines = data.resolver_lines()
        self.rows = [(self._unix(line), line) for line in lines]
        self.jobs: dict[str, dict] = {}

    @staticmethod
    def _unix(line: str) -> int:
        return int(datetime.strptime(line.split(",", 1)[0], FORMAT).replace(tzinfo=UTC).timestamp())

    def add_event(self, when: datetime, text: str = "Jordan Lee,Update User,Admin Kim") -> None:
        line = f"{when.astimezone(UTC).strftime(FORMAT)},{text}"
        self.rows.insert(0, (self._unix(line), line))

    def add_rows(self, n: int, when: datetime) -> None:
        """`n` distinct rows in one second (the real 50,000 cap test)."""
        stamp = when.astimezone(UTC).strftime(FORMAT)
        for i in range(n):
            self.rows.insert(0, (self._unix(stamp + ","), f"{stamp},User {i:05d},Update User,Admin Kim"))

    def route(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.api_token}" and not request.path.startswith("/dl/"):
            return Reply.json({"message": "Unauthorized"}, 401)
        if request.path == "/audit/user/export" and request.method == "POST":
            import json

            body = json.loads(request.body)
            job = self.token()
            self.jobs[job] = {"start": int(body["dateStart"]), "end": int(body["dateEnd"]), "polls": 0}
            return Reply.json({"id": job})
        if request.path.startswith("/object/job/"):
            job = self.jobs.get(request.path.rsplit("/", 1)[1])
            if job is None:
                return Reply.json({"message": "Job not found"}, 404)
            job["polls"] += 1
            if job["polls"] < 2:
                return Reply.json({"id": request.path.rsplit("/", 1)[1], "status": "running"})
            return Reply.json(
                {
                    "status": "complete",
                    "signedURL": f"{self.url}/dl/{request.path.rsplit('/', 1)[1]}.csv?sig={self.token()}",
                }
            )
        if request.path.startswith("/dl/"):
            job = self.jobs.get(request.path.removeprefix("/dl/").removesuffix(".csv"))
            if job is None or "sig" not in request.query:
                return Reply.json({"message": "AccessDenied"}, 403)
            rows = sorted((r for r in self.rows if job["start"] <= r[0] <= job["end"]), key=lambda r: -r[0])
            text = "\n".join([self.header, *(line for _, line in rows[: self.cap])]) + "\n"
            return Reply(200, text.encode("utf-8"), {"Content-Type": "text/csv"})
        return Reply.json({"message": "Not Found"}, 404)
