"""A pull killed half way (SIGKILL, as a power cut or an impatient scheduler would) and started again ends with
the same archive as a pull never interrupted; what had landed is not fetched again; `auditql verify` holds."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import start_auditql

from tests.fakes import harness
from tests.fakes.harness import EXPECTED, SECRETS, query, secrets_found, vendor_counts

EVENTS = (
    "SELECT vendor, time, action, actor_name, target_name, event_id, raw::VARCHAR, source_row FROM events ORDER BY ALL"
)


@pytest.fixture
def fakes():
    started = harness.start()
    yield started
    started.stop()


def auditql(*args: object, **popen: object) -> subprocess.Popen:
    return start_auditql(*args, env=SECRETS, **popen)


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def test_a_pull_killed_half_way_and_restarted_matches_an_uninterrupted_one(fakes, tmp_path: Path) -> None:
    sources = harness.write_sources(fakes, tmp_path / "sources.toml")
    whole = tmp_path / "whole" / "archive.duckdb"
    code, out, err = finish(auditql("pull", "--sources", sources, "--db", whole))
    assert code == 0, err
    assert vendor_counts(whole) == EXPECTED
    cja_pages = len(fakes.cja.requests("/auditlogs/"))

    killed = tmp_path / "killed" / "archive.duckdb"
    fakes.cja.fault("/auditlogs/", "hang", skip=2)  # CJA's third page never answers: the pull is stuck there
    proc = auditql("pull", "--sources", sources, "--db", killed)
    assert fakes.cja.hanging.wait(120)
    proc.kill()
    first = finish(proc)
    assert first[0] == -9
    fakes.cja.release.set()
    # Sources before CJA finished; CJA's two pages landed, its run is pending; Broadcom was never asked.
    assert vendor_counts(killed) == {k: v for k, v in EXPECTED.items() if k not in ("adobe_cja", "broadcom_portal")}
    landed = sorted(p.name for p in (killed.parent / "pulled" / "cja").rglob("auditlogs-page-*.json"))
    assert landed == ["auditlogs-page-00000.json", "auditlogs-page-00001.json"]
    assert '"pending"' in (killed.parent / "pulled" / "cja" / "state.json").read_text()

    code, out, err = finish(auditql("pull", "--sources", sources, "--db", killed))
    assert code == 0, err
    cja_line = next(line for line in out.splitlines() if line.startswith("cja "))
    assert ", resumed: 3 requests, 2 responses landed (2 already had), 16 events added" in cja_line
    pages = [int(r.query["pageNumber"]) for r in fakes.cja.requests("/auditlogs/")[cja_pages:]]
    assert pages == [0, 1, 2, 2, 3]  # killed run: 0, 1, 2 (hung); restart: 2 again (with a new token), 3
    assert query(killed, EVENTS) == query(whole, EVENTS)
    assert vendor_counts(killed) == EXPECTED
    for db in (whole, killed):
        code, out, err = finish(auditql("verify", "--db", db))
        assert code == 0, err
        assert "verified: the chain of custody holds" in out
    assert secrets_found(tmp_path, out, err, first[1], first[2]) == []
