"""The archive opens in the DuckDB CLI people have today (issue 16): `duckdb-cli` 1.5.6, the newest on PyPI,
cannot open a file written at DuckDB 2.0's default storage version, so archives are created at v1.5.0
(auditql/db/connections.py STORAGE_VERSION). The `duckdb-cli` package (a test dependency) puts the real CLI
binary beside this venv's python.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA, SAMPLES, run_auditql


def expected() -> dict:
    return json.loads((DATA / "samples_expected.json").read_text())


def _duckdb_cli() -> str:
    here = Path(sys.executable).parent / "duckdb"
    found = str(here) if here.exists() else shutil.which("duckdb")
    if not found:
        pytest.fail("the duckdb-cli package is a test dependency (pip install -e '.[test]')")
    return found


def _cli(db: Path, sql: str) -> list[dict]:
    done = subprocess.run(
        [_duckdb_cli(), "-readonly", "-json", str(db), "-c", sql], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_cli_is_a_1_x_release() -> None:
    done = subprocess.run([_duckdb_cli(), "--version"], capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith("v1."), done.stdout


def test_an_ingested_archive_opens_in_the_duckdb_cli(tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    done = run_auditql("ingest", SAMPLES, "--db", db)
    assert done.returncode == 0, done.stderr
    counts = _cli(db, "SELECT vendor, count(*) AS n FROM events GROUP BY vendor ORDER BY vendor")
    assert {r["vendor"]: r["n"] for r in counts} == {v: n["unique_events"] for v, n in expected()["vendors"].items()}
    first = _cli(db, "SELECT raw->>'$.callID' AS c FROM events WHERE vendor = 'sap_cdc' ORDER BY time LIMIT 1")
    assert first == [{"c": "3e0945d670727531bfd928f4324eac4f"}]


def test_a_second_ingest_keeps_the_storage_version(tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    assert run_auditql("ingest", SAMPLES / "sap_cdc", "--db", db).returncode == 0
    assert run_auditql("ingest", SAMPLES, "--db", db).returncode == 0
    total = _cli(db, "SELECT count(*) AS n FROM events")
    assert total == [{"n": expected()["total"]["unique_events"]}]
