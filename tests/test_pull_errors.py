"""What goes wrong talking to a vendor, against the fakes: each failure is one line naming the source, the URL
path and what was expected, exit 1, nothing already stored is lost, and a retry or a rerun finishes the job."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.fakes import harness
from tests.fakes.harness import SECRETS, pull, secrets_found, vendor_counts

WINDOW = ("--since", "2025-02-01", "--until", "2025-04-01")  # holds CI360's records (2025-03-01)


def one_error(result) -> str:
    """The run's error line: exactly one, no traceback."""
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def test_refused_credentials_name_the_source_and_path(fakes, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PORTAL_CLIENT_SECRET", "wrong-portal-secret")
    sources = harness.write_sources(fakes, tmp_path / "s.toml")
    db = tmp_path / "a.duckdb"
    result = pull("--sources", sources, "--db", db, "portal", "cja")
    assert result.exit_code == 1
    assert one_error(result) == (
        "error: source portal: /auth/oauth/v2/token: credentials refused (HTTP 401); check the secrets it names"
    )
    assert vendor_counts(db) == {"adobe_cja": 16}  # the other source is still pulled
    assert "wrong-portal-secret" not in result.output
    assert secrets_found(tmp_path, result.stdout, result.stderr) == []


def test_a_wrong_base_url_is_a_404_line(fakes, tmp_path) -> None:
    text = harness.sources_toml(fakes).replace(f'base_url = "{fakes.cja.url}"', f'base_url = "{fakes.cja.url}/eu"')
    (tmp_path / "s.toml").write_text(text)
    result = pull("--sources", tmp_path / "s.toml", "--db", tmp_path / "a.duckdb", "cja")
    assert result.exit_code == 1
    assert one_error(result) == (
        "error: source cja: /eu/auditlogs/api/v1/auditlogs: not found (HTTP 404): "
        "wrong base URL, data center or tenant?"
    )


def test_429_with_retry_after_and_a_500_once_are_retried(fakes, tmp_path) -> None:
    fakes.ci360.fault("/marketingAdmin/auditRecords", "status", status=429, headers={"Retry-After": "1"})
    fakes.cja.fault("/auditlogs/", "status", status=500, skip=1)
    sources = harness.write_sources(fakes, tmp_path / "s.toml")
    db = tmp_path / "a.duckdb"
    result = pull("--sources", sources, "--db", db, "ci360", "cja")
    assert result.exit_code == 0, result.output
    assert vendor_counts(db) == {"adobe_cja": 16, "sas_ci360": 16}
    assert len(fakes.ci360.requests("/marketingAdmin/")) == 1 + len(range(0, 2200 * 24, 2400)) + 0  # 1 retried
    pages = [int(r.query["pageNumber"]) for r in fakes.cja.requests("/auditlogs/")]
    assert pages == [0, 1, 1, 2, 3]  # page 1 failed once with 500, asked again


def test_a_body_cut_short_is_fetched_again_and_a_persistent_one_stops_the_source(fakes, tmp_path) -> None:
    fakes.ci360.fault("/files/", "truncate")
    sources = harness.write_sources(fakes, tmp_path / "s.toml")
    db = tmp_path / "a.duckdb"
    assert pull("--sources", sources, "--db", db, "ci360", *WINDOW).exit_code == 0
    assert vendor_counts(db) == {"sas_ci360": 16}
    assert len(fakes.ci360.requests("/files/")) == 4

    other = tmp_path / "b.duckdb"
    fakes.ci360.fault("/files/", "truncate", skip=1)  # the second file: its first try and 4 retries
    for _ in range(4):
        fakes.ci360.fault("/files/", "truncate")
    result = pull("--sources", sources, "--db", other, "ci360", *WINDOW)
    assert result.exit_code == 1
    assert one_error(result) == (
        "error: source ci360: /files/AuditData_2025030107.parquet: connection dropped or response body cut short "
        "(peer closed connection without sending complete message body (received 2088 bytes, expected 4177)); "
        "gave up after 5 attempts"
    )
    assert vendor_counts(other) == {"sas_ci360": 11}  # the file that did arrive is stored
    # A rerun resumes the unfinished run: the landed file is not fetched again, the missing ones are.
    before = len(fakes.ci360.requests("/files/"))
    again = pull("--sources", sources, "--db", other, "ci360")
    assert again.exit_code == 0, again.output
    assert len(fakes.ci360.requests("/files/")) == before + 2
    assert vendor_counts(other) == {"sas_ci360": 16}
    assert (
        json.loads(pull("--sources", sources, "--db", other, "ci360", "--format", "json").stdout)[0]["resumed"] is False
    )


def test_a_dropped_connection_is_retried(fakes, tmp_path) -> None:
    fakes.resolver.fault("/object/job/", "drop")
    sources = harness.write_sources(fakes, tmp_path / "s.toml")
    db = tmp_path / "a.duckdb"
    assert pull("--sources", sources, "--db", db, "resolver").exit_code == 0
    assert vendor_counts(db) == {"resolver": 19}


def test_a_renamed_field_is_an_unexpected_shape(fakes, tmp_path) -> None:
    fakes.ci360.fault("/marketingAdmin/auditRecords", "rename", rename=("items", "files"))
    sources = harness.write_sources(fakes, tmp_path / "s.toml")
    result = pull("--sources", sources, "--db", tmp_path / "a.duckdb", "ci360")
    assert result.exit_code == 1
    assert one_error(result) == (
        "error: source ci360: /marketingAdmin/auditRecords: unexpected response: expected a JSON object with "
        "'count', 'items' (no 'items'; fields: count, files)"
    )


def test_a_token_expiring_mid_pull_is_fetched_again(fakes, tmp_path) -> None:
    fakes.ci360.token_uses = 3
    fakes.cja.token_uses = 2
    sources = harness.write_sources(fakes, tmp_path / "s.toml")
    db = tmp_path / "a.duckdb"
    result = pull("--sources", sources, "--db", db, "ci360", "cja")
    assert result.exit_code == 0, result.output
    assert vendor_counts(db) == {"adobe_cja": 16, "sas_ci360": 16}
    # 22 windows, 3 uses per token: 8 tokens, and each of the 7 expiries costs one refused request
    assert (len(fakes.ci360.requests("/marketingAdmin/")), len(fakes.ci360.requests("/token"))) == (22 + 7, 8)
    assert len(fakes.cja.requests("/ims/token/v3")) == 2  # 4 pages, 2 per token


def test_tls_error_is_one_line(fakes, tmp_path) -> None:
    text = harness.sources_toml(fakes).replace(
        f'"{fakes.resolver.url}"', f'"{fakes.resolver.url.replace("http:", "https:")}"'
    )
    (tmp_path / "s.toml").write_text(text)
    result = pull("--sources", tmp_path / "s.toml", "--db", tmp_path / "a.duckdb", "resolver")
    assert result.exit_code == 1
    line = one_error(result)
    assert line.startswith("error: source resolver: /audit/user/export: TLS error: ")
    assert line.endswith("(check the URL and the system's CA store)")


def test_a_missing_environment_variable_is_named(fakes, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("RESOLVER_API_TOKEN")
    sources = harness.write_sources(fakes, tmp_path / "s.toml")
    result = pull("--sources", sources, "--db", tmp_path / "a.duckdb", "resolver")
    assert result.exit_code == 1
    assert one_error(result) == "error: source resolver: environment variable RESOLVER_API_TOKEN (api_token) is not set"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ('api_token_env = "RESOLVER_API_TOKEN"', 'api_token = "resolver-T0KEN-9a2e5c"'),
            "error: {p}: [sources.resolver]: api_token must not be written in the file; put it in an environment "
            'variable and name that variable with api_token_env = "VARIABLE"',
        ),
        (
            ('vendor = "resolver"', 'vendor = "resolvr"'),
            "error: {p}: [sources.resolver]: vendor 'resolvr' is not one auditql pulls. Try one of: sas_ci360, "
            "resolver, sap_cdc, adobe_cja, broadcom_portal",
        ),
        (
            ("row_cap = 13", "row_cap = 13\npage_sise = 3"),
            "error: {p}: [sources.resolver]: unknown setting 'page_sise'. Try one of: vendor, base_url, api_token_env, "
            "overlap_hours, first_days, retry_seconds, row_cap, max_polls, poll_seconds",
        ),
    ],
)
def test_sources_file_mistakes_are_one_line_and_never_echo_a_secret(fakes, tmp_path, edit, message) -> None:
    path = tmp_path / "s.toml"
    path.write_text(harness.sources_toml(fakes).replace(*edit))
    result = pull("--sources", path, "--db", tmp_path / "a.duckdb")
    assert result.exit_code == 2
    assert result.stderr.strip() == message.format(p=path)
    assert SECRETS["RESOLVER_API_TOKEN"] not in result.output


def test_no_sources_file_says_where_it_looked(tmp_path: Path) -> None:
    result = pull("--sources", tmp_path / "none.toml")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {tmp_path / 'none.toml'}: no sources file; write one as docs/pull.md shows, or pass --sources FILE"
    )


def test_a_source_being_pulled_is_not_pulled_twice_at_once(fakes, tmp_path) -> None:
    import fcntl

    sources = harness.write_sources(fakes, tmp_path / "s.toml")
    db = tmp_path / "a.duckdb"
    (tmp_path / "pulled" / "cja").mkdir(parents=True)
    with (tmp_path / "pulled" / "cja" / ".lock").open("a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # what a running pull of `cja` holds
        result = pull("--sources", sources, "--db", db, "cja", "resolver")
    assert result.exit_code == 1
    assert one_error(result) == "error: source cja: another auditql pull is running for it; try again later"
    assert vendor_counts(db) == {"resolver": 19}
    assert fakes.cja.log == []


def test_each_flow_resumes_an_unfinished_run_without_asking_again(fakes, tmp_path) -> None:
    """A run stopped part way (here: a vendor failing for good on one request) leaves its run pending; the next
    `auditql pull` continues it in the same folder and asks only for what did not land."""
    sources = harness.write_sources(fakes, tmp_path / "s.toml")
    db = tmp_path / "a.duckdb"
    fakes.resolver.fault("/dl/", "status", status=503, skip=1)  # the second export's download
    fakes.gigya.fault("/audit.search", "status", status=503, skip=2)  # the third page
    fakes.portal.fault("/tenant-admin/", "status", status=503, skip=1)  # the second 90-day window
    for _ in range(4):
        for fake, prefix in (
            (fakes.resolver, "/dl/"),
            (fakes.gigya, "/audit.search"),
            (fakes.portal, "/tenant-admin/"),
        ):
            fake.fault(prefix, "status", status=503)
    window = ("--since", "2025-01-01", "--until", "2025-12-01")
    first = pull("--sources", sources, "--db", db, "resolver", "gigya", "portal", *window)
    assert first.exit_code == 1
    errors = [line for line in first.stderr.splitlines() if line.startswith("error:")]
    assert [re.sub(r"/dl/\w+\.csv", "/dl/JOB.csv", line) for line in errors] == [
        f"error: source {name}: {path}: HTTP 503; gave up after 5 attempts"
        for name, path in (
            ("resolver", "/dl/JOB.csv"),
            ("gigya", "/audit.search"),
            ("portal", "/tenant-admin/1.0/audits/export"),
        )
    ]
    assert vendor_counts(db) == {"resolver": 13, "sap_cdc": 10}  # what landed is stored; the first window is empty
    before = {name: len(f.log) for name, f in (("r", fakes.resolver), ("g", fakes.gigya), ("p", fakes.portal))}

    again = pull("--sources", sources, "--db", db, "resolver", "gigya", "portal", "--format", "json")
    assert again.exit_code == 0, again.output
    assert [(s["source"], s["resumed"], s["since"], s["until"]) for s in json.loads(again.stdout)] == [
        (name, True, "2025-01-01T00:00:00Z", "2025-12-01T00:00:00Z") for name in ("resolver", "gigya", "portal")
    ]
    resolver_calls = fakes.resolver.log[before["r"] :]
    assert [json.loads(r.body)["dateEnd"] for r in resolver_calls if r.path == "/audit/user/export"] == [1760432405]
    gigya_calls = fakes.gigya.log[before["g"] :]
    assert "@timestamp <= '2025-11-18T15:00:00.050Z'" in gigya_calls[0].form["query"]
    portal_spans = [int(r.query["startTs"]) for r in fakes.portal.log[before["p"] :] if r.path.startswith("/tenant-")]
    assert len(portal_spans) == 3  # the first window landed before the failure
    assert vendor_counts(db) == {"broadcom_portal": 14, "resolver": 19, "sap_cdc": 22}
