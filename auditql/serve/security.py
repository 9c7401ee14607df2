"""What keeps `auditql serve` a private window on the archive rather than a service on the network.

- A random token per launch (like Jupyter's), given in the URL the command prints; every page and API call
  must carry it (`?token=` or the `X-Auditql-Token` header the page sends), compared in constant time.
  Another local user or a web page in the same browser cannot guess it.
- A Host-header check: a DNS-rebinding page (evil.example resolving to 127.0.0.1) reaches the port, but its
  requests say `Host: evil.example` and are refused.
- Headers that forbid anything external: a Content-Security-Policy of 'self' only (no CDN, no inline script,
  no frames), no referrer (the URL holds the token), nothing cached (the data is evidence).

The packaged static assets (script, style) carry no data and are served without the token, so the page
can load them by plain URL; the Host check still applies to them.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOKEN_HEADER = "x-auditql-token"
LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


def new_token() -> str:
    return secrets.token_urlsafe(24)


def is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The Host headers a browser sends for this server: loopback names, and the --host given, with the port."""
    names = {"127.0.0.1", "localhost", "[::1]"}
    names.add(f"[{host}]" if ":" in host and not host.startswith("[") else host)
    return frozenset(f"{n}:{port}" for n in names)


class Guard:
    """ASGI middleware: Host check on every request, token check on all but the static assets, the
    security headers on every response."""

    def __init__(self, app: ASGIApp, token: str, hosts: Iterable[str], public: tuple[str, ...] = ("/static/",)):
        self.app, self.token, self.hosts, self.public = app, token, frozenset(hosts), public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if headers.get("host", "") not in self.hosts:
            await _refuse(send, 403, "refused: unknown Host header (auditql serve answers its own address only)")
            return
        if not scope["path"].startswith(self.public) and not self._has_token(scope, headers):
            await _refuse(send, 403, "refused: missing or wrong token; open the URL `auditql serve` printed")
            return
        if scope["method"] not in ("GET", "HEAD"):
            await _refuse(send, 405, "refused: this view is read-only")
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)

    def _has_token(self, scope: Scope, headers: dict[str, str]) -> bool:
        given = headers.get(TOKEN_HEADER)
        if given is None:
            given = (parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token") or [""])[0]
        return hmac.compare_digest(given.encode(), self.token.encode())


async def _refuse(send: Send, status: int, text: str) -> None:
    body = (text + "\n").encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
