"""HS256 JSON Web Tokens with the standard library (RFC 7519 / RFC 7515), for SAS CI360's static JWT.

Why not PyJWT: signing one fixed claim set with HMAC-SHA256 is a dozen lines; a dependency for it is not worth
its upkeep. Compact serialization: base64url(header) "." base64url(claims) "." base64url(HMAC-SHA256 over the
first two parts), without padding; JSON as PyJWT writes it (`,`/`:` separators), header `{"alg":"HS256","typ":"JWT"}`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode_hs256(claims: dict[str, Any], key: bytes) -> str:
    header = {"alg": "HS256", "typ": "JWT"}
    parts = [b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)]
    signing_input = ".".join(parts).encode("ascii")
    signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    return ".".join([*parts, b64url(signature)])


def verify_hs256(token: str, key: bytes) -> dict[str, Any] | None:
    """The claims if `token` is signed with `key`, else None (used by the test servers)."""
    try:
        head, body, signature = token.split(".")
    except ValueError:
        return None
    expected = b64url(hmac.new(key, f"{head}.{body}".encode("ascii"), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, signature):
        return None
    padded = body + "=" * (-len(body) % 4)
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(padded))
    return claims
