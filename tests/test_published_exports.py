"""Every vendor's exports in their published shapes (tests/data, built by make_published.py; sources cited in
tests/data/README.md): the archive holds exactly the real number of events, whatever the file order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import DATA, rows, run_auditql

EXPECTED = json.loads((DATA / "published_expected.json").read_text())
VENDORS = sorted(EXPECTED["unique_events_by_vendor"])


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The published-shape files, copied into one folder as a user's download folder would hold them."""
    folder = tmp_path_factory.mktemp("exports")
    files = []
    for entry in EXPECTED["files"]:
        target = folder / entry["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / entry["path"], target)
        files.append(target)
    return files


def archive_rows(db: Path) -> list[tuple]:
    return rows(
        db,
        "SELECT event_key, time, vendor, action, actor_id, actor_name, actor_email, target_id, source_file, "
        "source_row, raw::VARCHAR FROM events ORDER BY ALL",
    )


def test_the_archive_holds_exactly_the_real_events_in_any_order(exports: list[Path], tmp_path: Path) -> None:
    archives = []
    for i, order in enumerate([exports, exports[::-1], exports[1::2] + exports[::2]]):
        db = tmp_path / f"{i}.duckdb"
        done = run_auditql("ingest", "--db", db, "--format", "json", *order)
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert all(f["read"] == f["added"] + f["duplicates"] + f["rejected"] for f in report)
        assert sum(f["added"] for f in report) == EXPECTED["total_unique_events"] == 99
        archives.append(archive_rows(db))
        assert (
            dict(rows(db, "SELECT vendor, count(*) FROM events GROUP BY vendor")) == EXPECTED["unique_events_by_vendor"]
        )
        verified = run_auditql("verify", "--db", db)
        assert verified.returncode == 0, verified.stdout + verified.stderr
    assert archives[0] == archives[1] == archives[2]


def test_each_file_alone_holds_its_published_count(exports: list[Path], tmp_path: Path) -> None:
    by_name = {e["path"]: e for e in EXPECTED["files"]}
    for path in exports:
        entry = by_name[path.relative_to(path.parents[1]).as_posix()]
        db = tmp_path / f"{path.name}.duckdb"
        done = run_auditql("ingest", "--db", db, "--format", "json", path)
        assert done.returncode == 0, done.stderr
        (report,) = json.loads(done.stdout)
        assert (report["read"], report["added"]) == (entry["records"], entry["unique_events"]), path.name


def test_reingest_adds_nothing(exports: list[Path], tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    assert run_auditql("ingest", "--db", db, *exports).returncode == 0
    again = run_auditql("ingest", "--db", db, "--format", "json", *exports)
    assert again.returncode == 0, again.stderr
    assert sum(f["added"] for f in json.loads(again.stdout)) == 0
    assert rows(db, "SELECT count(*) FROM events") == [(99,)]
