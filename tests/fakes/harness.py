"""All five fakes at once, with the secrets they accept and the sources file that points `auditql pull` at
them — used by the tests and by `python -m tests.fakes`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.fakes.adobe_cja import ORG, FakeCJA
from tests.fakes.base import Fake
from tests.fakes.broadcom_portal import FakePortal
from tests.fakes.resolver import FakeResolver
from tests.fakes.sap_cdc import API_KEY, FakeGigya
from tests.fakes.sas_ci360 import TENANT, FakeCI360

# Fictional secrets, recognisable so a test can grep every written byte for them.
SECRETS = {
    "CI360_CLIENT_SECRET": "ci360-CLIENT-s3cret-7f3a9",
    "CI360_API_USER": "ci360-apiuser-0b8e2",
    "CI360_API_PASSWORD": "ci360-PASSW0RD-c41d7",
    "RESOLVER_API_TOKEN": "resolver-T0KEN-9a2e5c",
    "GIGYA_USER_KEY": "gigya-USERKEY-AKx81",
    "GIGYA_SECRET": "gigya-S3CRET-q7Lm2Zp",
    "CJA_CLIENT_ID": "cja-CLIENTID-5e6f7a",
    "CJA_CLIENT_SECRET": "cja-p8e-CLIENTSECRET-d3",
    "PORTAL_CLIENT_ID": "portal-CLIENTID-44aa1",
    "PORTAL_CLIENT_SECRET": "portal-CLIENT-s3cret-91bb",
}


@dataclass
class Fakes:
    ci360: FakeCI360
    resolver: FakeResolver
    gigya: FakeGigya
    cja: FakeCJA
    portal: FakePortal

    def all(self) -> list[Fake]:
        return [self.ci360, self.resolver, self.gigya, self.cja, self.portal]

    def stop(self) -> None:
        for fake in self.all():
            fake.stop()


def start(resolver_cap: int = 13, token_uses: int = 1000, ports: tuple[int, ...] = (0, 0, 0, 0, 0)) -> Fakes:
    s = SECRETS
    fakes = Fakes(
        FakeCI360(s["CI360_CLIENT_SECRET"], s["CI360_API_USER"], s["CI360_API_PASSWORD"], token_uses=token_uses),
        FakeResolver(s["RESOLVER_API_TOKEN"], cap=resolver_cap),
        FakeGigya(s["GIGYA_USER_KEY"], s["GIGYA_SECRET"]),
        FakeCJA(s["CJA_CLIENT_ID"], s["CJA_CLIENT_SECRET"], token_uses=token_uses),
        FakePortal(s["PORTAL_CLIENT_ID"], s["PORTAL_CLIENT_SECRET"]),
    )
    for fake, port in zip(fakes.all(), ports, strict=True):
        fake.start(port)
    return fakes


def sources_toml(fakes: Fakes, resolver_cap: int = 13, gigya_page: int = 5, cja_page: int = 5, extra: str = "") -> str:
    """Every source, with the first pull reaching back far enough for the published examples (2021–2025)."""
    common = "first_days = 2200\nretry_seconds = 0.01\n"
    return f"""# auditql pull against the fake vendor servers (tests/fakes; docs/pull.md)
[sources.ci360]
vendor = "sas_ci360"
gateway = "{fakes.ci360.url}"
tenant_id = "{TENANT}"
client_secret_env = "CI360_CLIENT_SECRET"
api_user_env = "CI360_API_USER"
api_password_env = "CI360_API_PASSWORD"
window_hours = 2400
{common}
[sources.resolver]
vendor = "resolver"
base_url = "{fakes.resolver.url}"
api_token_env = "RESOLVER_API_TOKEN"
row_cap = {resolver_cap}
poll_seconds = 0
{common}
[sources.gigya]
vendor = "sap_cdc"
base_url = "{fakes.gigya.url}"
api_key = "{API_KEY}"
user_key_env = "GIGYA_USER_KEY"
secret_env = "GIGYA_SECRET"
page_size = {gigya_page}
{common}
[sources.cja]
vendor = "adobe_cja"
org_id = "{ORG}"
base_url = "{fakes.cja.url}"
ims_url = "{fakes.cja.url}/ims/token/v3"
client_id_env = "CJA_CLIENT_ID"
client_secret_env = "CJA_CLIENT_SECRET"
page_size = {cja_page}
{common}
[sources.portal]
vendor = "broadcom_portal"
base_url = "{fakes.portal.url}"
client_id_env = "PORTAL_CLIENT_ID"
client_secret_env = "PORTAL_CLIENT_SECRET"
{common}{extra}"""


def write_sources(fakes: Fakes, path: Path, **kwargs: object) -> Path:
    path.write_text(sources_toml(fakes, **kwargs), encoding="utf-8")  # type: ignore[arg-type]
    return path


EXPECTED = {"sas_ci360": 16, "resolver": 19, "sap_cdc": 22, "adobe_cja": 16, "broadcom_portal": 14}


def vendor_counts(db: Path) -> dict[str, int]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute("SELECT vendor, count(*) FROM events GROUP BY vendor ORDER BY vendor").fetchall())
    finally:
        con.close()


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def secrets_found(root: Path, *texts: str) -> list[str]:
    """Where any fake secret appears: every file under `root` (bytes), and each given text (stdout, stderr)."""
    found = []
    for name, value in SECRETS.items():
        needle = value.encode()
        for path in root.rglob("*"):
            if path.is_file() and needle in path.read_bytes():
                found.append(f"{name} in {path}")
        for i, text in enumerate(texts):
            if value in text:
                found.append(f"{name} in output {i}")
    return found


def pull(*args: object):  # type: ignore[no-untyped-def]
    """The real `auditql pull` in-process (click's runner): the result's exit_code, stdout and stderr."""
    from click.testing import CliRunner

    from auditql.cli.main import main

    return CliRunner().invoke(main, ["pull", *map(str, args)], catch_exceptions=False)
