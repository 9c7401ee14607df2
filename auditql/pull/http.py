"""The one HTTP client of `auditql pull`: timeouts, retries with backoff on 429/5xx and dropped connections
(honouring Retry-After), a token refreshed once when the vendor says it expired, and one-line errors that name
the source, the URL path and what went wrong — never a secret, never a traceback.

Why our own retry loop over httpx's transport retries: those retry only connection failures, and the vendors
here signal "slow down" with 429, 503 or (Gigya) an error code inside a 200. The backoff base and the sleep
function are injectable so tests run the real loop without waiting seconds.
"""

from __future__ import annotations

import email.utils
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx

from auditql import __version__
from auditql.output import safe_text
from auditql.pull.errors import PullError
from auditql.pull.secrets import Secrets

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 300.0  # seconds: a vendor asking for longer is reported, not waited for


class Auth(Protocol):
    def headers(self) -> dict[str, str]: ...

    def refresh(self) -> None: ...


class TokenAuth:
    """A bearer token fetched on first use, fetched again when its `expires_in` has passed (with a margin) or
    when the vendor answers 401 to it (a token may expire before its stated lifetime)."""

    def __init__(self, fetch: Callable[[], tuple[str, float | None]], extra: dict[str, str] | None = None):
        self._fetch = fetch
        self._extra = extra or {}
        self._token: str | None = None
        self._expires = 0.0
        self.fetched = 0

    def headers(self) -> dict[str, str]:
        if self._token is None or time.monotonic() >= self._expires:
            self.refresh()
        return {**self._extra, "Authorization": f"Bearer {self._token}"}

    def refresh(self) -> None:
        token, lifetime = self._fetch()
        self.fetched += 1
        self._token = token
        self._expires = time.monotonic() + max(0.0, (lifetime or 3600) - 60)


@dataclass
class Reply:
    """A 2xx answer: exactly the bytes served, and what custody records of the request."""

    status: int
    content: bytes
    headers: dict[str, str]
    method: str
    public_url: str  # without secrets: no query at all for a signed download URL
    requested_at: str

    def origin(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.public_url,
            "status": self.status,
            "requested_at": self.requested_at,
        }


@dataclass
class Http:
    source: str
    secrets: Secrets
    timeout: float = 60.0
    retries: int = 4
    backoff: float = 1.0  # seconds before the first retry; doubles each time (tests use ~0.01)
    sleep: Callable[[float], None] = time.sleep
    verify: bool | str = True
    transport: httpx.BaseTransport | None = None
    requests: int = 0
    received: int = 0
    on_reply: Callable[[], None] | None = None  # after each answer: a progress line
    _client: httpx.Client | None = field(default=None, repr=False)

    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                timeout=self.timeout,
                follow_redirects=True,  # httpx drops Authorization on a redirect to another host
                verify=self.verify,
                transport=self.transport,
                headers={"User-Agent": f"auditql/{__version__} (auditql pull)"},
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def request(
        self,
        method: str,
        url: str,
        *,
        auth: Auth | None = None,
        signed: bool = False,
        expect: str = "a response",
        **kwargs: Any,
    ) -> Reply:
        """Send until a 2xx arrives, retrying what may pass; raise PullError for what will not.

        signed: `url` carries its own credentials (a pre-signed download link): no auth header is sent and the
        query is left out of every record and message."""
        public = public_url(url, keep_query=not signed)
        refreshed = False
        attempt = 0
        given = dict(kwargs.pop("headers", None) or {})
        while True:
            attempt += 1
            headers = dict(given)
            if auth is not None:
                headers.update(auth.headers())
            started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            wait: float | None = None
            try:
                self.requests += 1
                response = self.client().request(method, url, headers=headers, **kwargs)
                content = response.content  # the whole body: a cut one raises here, not later
            except httpx.TimeoutException:
                problem = f"no answer within {self.timeout:g} s"
            except httpx.ConnectError as exc:
                if _is_tls(exc):
                    raise self.error(
                        public, f"TLS error: {_reason(exc)} (check the URL and the system's CA store)"
                    ) from None
                problem = f"cannot connect: {_reason(exc)}"
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                problem = f"connection dropped or response body cut short ({_reason(exc)})"
            except httpx.HTTPError as exc:
                raise self.error(public, f"request failed: {_reason(exc)}") from None
            else:
                self.received += len(content)
                if self.on_reply is not None:
                    self.on_reply()
                status = response.status_code
                if 200 <= status < 300:
                    return Reply(status, content, dict(response.headers), method, public, started)
                if status in (401, 403) and auth is not None and not refreshed:
                    refreshed = True  # an expired token: fetch a new one, once
                    auth.refresh()
                    attempt -= 1
                    continue
                if status in (401, 403):
                    raise self.error(public, f"credentials refused (HTTP {status}); check the secrets it names")
                if status == 404:
                    raise self.error(public, "not found (HTTP 404): wrong base URL, data center or tenant?")
                if status not in RETRY_STATUSES:
                    raise self.error(public, f"HTTP {status}: {self.excerpt(content)}")
                problem = f"HTTP {status}"
                wait = retry_after(response.headers.get("Retry-After"))
                if wait is not None and wait > MAX_RETRY_AFTER:
                    raise self.error(public, f"{problem}: the server asks to wait {wait:.0f} s; try again later")
            if attempt > self.retries:
                raise self.error(public, f"{problem}; gave up after {attempt} attempts")
            self.sleep(wait if wait is not None else self.backoff * 2 ** (attempt - 1))

    def get(self, url: str, **kwargs: Any) -> Reply:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Reply:
        return self.request("POST", url, **kwargs)

    def error(self, public: str, what: str) -> PullError:
        return PullError(
            safe_text(self.secrets.redact(f"source {self.source}: {urlsplit(public).path or '/'}: {what}"))
        )

    def excerpt(self, content: bytes) -> str:
        text = content[:200].decode("utf-8", "replace").replace("\n", " ").strip()
        return self.secrets.redact(text) or "(empty body)"


def public_url(url: str, keep_query: bool = True) -> str:
    """The URL as it may be stored and printed: no user info, and no query for a signed link."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query if keep_query else "", ""))


def retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _is_tls(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "SSL" in type(seen).__name__ or "CERTIFICATE" in str(seen).upper():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _reason(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
