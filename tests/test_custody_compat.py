"""An archive written before the custody storage change (every delivery with its `raw_digest`; see
docs/custody.md, "Storage versions") still opens, answers queries, verifies, catches edits, and takes a
further ingest with this code, after which it verifies again: nothing is migrated, old and new deliveries
sit side by side.

The archive is tests/data/archives/before-custody-v2.duckdb, made by main at df69dca (tests/data/README.md
says how); every test works on a copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import DATA, edit, rows, run_auditql

BEFORE = DATA / "archives" / "before-custody-v2.duckdb"
CJA_JSON = "/work/wt-custody/tests/data/adobe_cja/cjapy_dump.json"  # the paths as main stored them
CJA_CSV = "/work/wt-custody/tests/data/adobe_cja/ui_download_no_logid.csv"
NEW_WITH_RAW = (
    "SELECT count(raw) FROM deliveries WHERE source_file LIKE '%cjapy_dump.csv' OR source_file LIKE '%part2.csv'"
)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    db = tmp_path / "before.duckdb"
    shutil.copy(BEFORE, db)
    return db


def test_an_archive_from_before_the_change_verifies_and_answers(archive: Path) -> None:
    done = run_auditql("verify", "--db", archive, "--no-rehash")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "chain: 9 entries, head b041896529842a9b327770bd6837adb4b3d250f6a18ac6854b1a1b21a2bc1d1c" in done.stdout
    assert "events: 68" in done.stdout
    assert done.stdout.splitlines()[-1] == "verified: the chain of custody holds"
    query = "SELECT vendor, count(*) AS n FROM events GROUP BY vendor"
    done = run_auditql("query", "--db", archive, "--format", "csv", query)
    assert done.returncode == 0, done.stderr
    assert sorted(done.stdout.splitlines()[1:]) == [
        "adobe_cja,12",
        "broadcom_portal,14",
        "resolver,13",
        "sap_cdc,13",
        "sas_ci360,16",
    ]


def test_edits_to_an_archive_from_before_the_change_are_still_caught(archive: Path) -> None:
    edit(
        archive,
        "UPDATE events SET actor_name = 'Mallory' WHERE vendor = 'resolver' AND source_row = 3",
        # a kept raw (the CSV twin's own record) edited, its old raw_digest left as it was
        f"UPDATE deliveries SET raw = json_object('x', 1) WHERE source_file = '{CJA_CSV}' AND source_row = 2",
    )
    done = run_auditql("verify", "--db", archive, "--no-rehash")
    assert done.returncode == 5, done.stdout + done.stderr
    problems = [line for line in done.stdout.splitlines() if line.startswith("PROBLEM:")]
    assert problems == [
        f"PROBLEM: {CJA_CSV}: deliveries table: the kept raw record of 1 copy was edited",
        "PROBLEM: /work/wt-custody/tests/data/resolver/user_audit_trail_us.csv: events table: 1 event differs "
        "from what the file delivered",
    ]


def test_a_further_ingest_into_an_archive_from_before_the_change(archive: Path) -> None:
    more = [DATA / "resolver" / "user_audit_trail_us_part2.csv", DATA / "adobe_cja" / "cjapy_dump.csv"]
    done = run_auditql("ingest", "--db", archive, "--format", "json", *more)
    assert done.returncode == 0, done.stdout + done.stderr
    # New deliveries carry raw_digest only where they keep their own raw; the old ones keep theirs. (How
    # many raws are kept is not asserted: of two equal copies the one with the smaller file path keeps the
    # event's raw, and the archive's paths are /work/wt-custody/…, so it depends on where this checkout is.)
    assert rows(
        archive,
        "SELECT source_file LIKE '%cjapy_dump.csv' OR source_file LIKE '%part2.csv' AS new, count(*), "
        "count(raw_digest), count(digest), count(raw) = count(raw_digest) FROM deliveries GROUP BY ALL ORDER BY new",
    ) == [(False, 101, 101, 101, False), (True, 20, rows(archive, NEW_WITH_RAW)[0][0], 20, True)]
    assert 0 < rows(archive, NEW_WITH_RAW)[0][0] < 20
    assert rows(archive, "SELECT count(*) FROM events") == [(74,)]
    done = run_auditql("verify", "--db", archive, "--no-rehash")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "chain: 11 entries" in done.stdout
    assert "events: 74" in done.stdout
    done = run_auditql("sources", "--db", archive, "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 1 + 11
    # And an edit of what the new code wrote is caught as before.
    edit(
        archive,
        "UPDATE events SET actor_name = 'Mallory' WHERE source_file LIKE '%part2.csv' "
        "AND source_row = (SELECT min(source_row) FROM events WHERE source_file LIKE '%part2.csv')",
    )
    done = run_auditql("verify", "--db", archive, "--no-rehash")
    assert done.returncode == 5, done.stdout + done.stderr
    assert "events table: 1 event differs from what the file delivered" in done.stdout
