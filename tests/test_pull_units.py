"""The small parts of `auditql pull` as plain tables: the HS256 JWT (jwt.io's published example), Retry-After,
URLs as stored, secret redaction, time windows, and the sources file's location and TOML errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditql.pull import jwt
from auditql.pull.flows.job import windows
from auditql.pull.http import public_url, retry_after
from auditql.pull.secrets import Secrets

# jwt.io's example token: HS256, key "your-256-bit-secret" (published on https://jwt.io and in countless docs).
JWT_IO = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)


def test_hs256_matches_the_published_example_and_verifies() -> None:
    claims = {"sub": "1234567890", "name": "John Doe", "iat": 1516239022}
    assert jwt.encode_hs256(claims, b"your-256-bit-secret") == JWT_IO
    assert jwt.verify_hs256(JWT_IO, b"your-256-bit-secret") == claims
    assert jwt.verify_hs256(JWT_IO, b"another-secret") is None
    assert jwt.verify_hs256("not.a-token", b"x") is None


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("3", 3.0), ("0", 0.0), ("-5", 0.0), ("soon", None), (None, None), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],
)
def test_retry_after_is_seconds_or_a_date(header: str | None, seconds: float | None) -> None:
    assert retry_after(header) == seconds


def test_retry_after_a_future_date_is_the_wait_until_then() -> None:
    when = datetime.now(UTC) + timedelta(seconds=120)
    wait = retry_after(when.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    assert wait is not None and 100 < wait <= 120


@pytest.mark.parametrize(
    ("url", "keep", "stored"),
    [
        ("https://u:p@api.example.com/x?a=1#f", True, "https://api.example.com/x?a=1"),
        (
            "https://s3.example.com/b/k.parquet?X-Amz-Signature=abc&X-Amz-Credential=d",
            False,
            "https://s3.example.com/b/k.parquet",
        ),
        ("http://127.0.0.1:8080/dl/1.csv?sig=z", False, "http://127.0.0.1:8080/dl/1.csv"),
    ],
)
def test_urls_are_stored_without_credentials(url: str, keep: bool, stored: str) -> None:
    assert public_url(url, keep_query=keep) == stored


def test_secrets_are_read_by_variable_name_and_redacted_everywhere() -> None:
    secrets = Secrets({"A_SECRET": "hunter2-long", "EMPTY": ""})
    assert secrets.read("A_SECRET", "client_secret", "src") == "hunter2-long"
    secrets.add("tok-123456")
    secrets.add("abc")  # too short to mask safely: ordinary words would be masked
    assert secrets.redact("x hunter2-long y tok-123456 abc") == "x [secret] y [secret] abc"
    with pytest.raises(Exception, match=r"^source src: environment variable EMPTY \(secret\) is not set$"):
        secrets.read("EMPTY", "secret", "src")


def test_windows_cover_the_range_without_gaps() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    cut = list(windows(start, start + timedelta(days=200), timedelta(days=90)))
    assert [(a.date().isoformat(), b.date().isoformat()) for a, b in cut] == [
        ("2025-01-01", "2025-04-01"),
        ("2025-04-01", "2025-06-30"),
        ("2025-06-30", "2025-07-20"),
    ]
    assert list(windows(start, start, timedelta(days=1))) == []


def test_the_sources_file_defaults_to_the_user_config_folder(tmp_path: Path, monkeypatch) -> None:
    from auditql.cli.main import main

    config = Path(__import__("os").environ["XDG_CONFIG_HOME"]) / "auditql"
    config.mkdir(parents=True)
    (config / "sources.toml").write_text(
        '[sources.r]\nvendor = "resolver"\nbase_url = "https://r.example.com"\napi_token_env = "R_TOKEN"\n'
    )
    monkeypatch.setenv("R_TOKEN", "r-token-value-1")
    result = CliRunner().invoke(main, ["pull", "--dry-run", "--db", str(tmp_path / "a.duckdb")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("r (resolver) ") and "POST https://r.example.com/audit/user/export" in result.stdout
    assert "r-token-value-1" not in result.output
    (config / "sources.toml").write_text("[sources.r\nvendor = 1\n")
    broken = CliRunner().invoke(main, ["pull", "--dry-run"], catch_exceptions=False)
    assert broken.exit_code == 2
    assert broken.stderr.startswith(f"error: {config / 'sources.toml'}: not valid TOML: ")


def test_a_window_given_with_an_offset_is_asked_in_utc(tmp_path: Path, monkeypatch) -> None:
    from auditql.cli.main import main

    sources = tmp_path / "s.toml"
    sources.write_text(
        '[sources.c]\nvendor = "sas_ci360"\ngateway = "https://g.example.com"\ntenant_id = "t"\n'
        'client_secret_env = "A"\napi_user_env = "B"\napi_password_env = "C"\n'
    )
    args = ["pull", "--sources", str(sources), "--db", str(tmp_path / "a.duckdb"), "--dry-run"]
    result = CliRunner().invoke(main, [*args, "--since", "2025-10-01T02:00+02:00", "--until", "2025-10-01T12:00Z"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("c (sas_ci360) 2025-10-01T00:00:00Z → 2025-10-01T12:00:00Z: would GET ")
    assert "dataRangeStartTimeStamp=2025-10-01T00:00Z&dataRangeEndTimeStamp=2025-10-01T12:00Z" in result.stdout


def test_since_after_until_is_one_line_and_creates_nothing(tmp_path: Path, monkeypatch) -> None:
    from auditql.cli.main import main

    sources = tmp_path / "s.toml"
    sources.write_text('[sources.r]\nvendor = "resolver"\nbase_url = "https://r.example.com"\napi_token_env = "R"\n')
    monkeypatch.setenv("R", "r-token-value-2")
    args = ["pull", "--sources", str(sources), "--db", str(tmp_path / "a.duckdb"), "--since", "2025-10-02"]
    result = CliRunner().invoke(main, [*args, "--until", "2025-10-01"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: source r: --since (2025-10-02T00:00:00Z) must be before --until (2025-10-01T00:00:00Z)"
    )
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [".lock", "s.toml"]
