"""Presenting a file again is cheap (its scan only hashes when a file of its size is on record), and a *new*
file that happens to have the same size as one on record still gets its line layout from the reader: its
rejects name the right lines and its rows the right line numbers (issue 20's re-ingest target).
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import DATA, rows, run_auditql

EXPORT = DATA / "resolver" / "user_audit_trail_us.csv"


def _ingest(db: Path, *files: Path) -> list[dict]:
    done = run_auditql("ingest", "--db", db, "--format", "json", *files)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return json.loads(done.stdout)


def test_a_same_size_file_is_read_with_its_own_lines_and_the_same_file_is_presented_again(tmp_path: Path) -> None:
    first = tmp_path / "trail.csv"
    first.write_bytes(EXPORT.read_bytes())
    db = tmp_path / "a.duckdb"
    [report] = _ingest(db, first)
    assert (report["read"], report["added"], report["rejected"]) == (13, 13, 0)
    # Same size, other bytes: the first data row's time spoilt (line 2) and another row changed in place.
    text = EXPORT.read_text(encoding="utf-8").splitlines(keepends=True)
    text[1] = text[1].replace("10/15/2025", "xx/15/2025")
    text[4] = text[4].replace("Priya", "Pryia")  # line 5
    second = tmp_path / "trail_later.csv"
    second.write_text("".join(text), encoding="utf-8")
    assert second.stat().st_size == first.stat().st_size
    [report] = _ingest(db, second)
    assert (report["read"], report["added"], report["duplicates"], report["rejected"]) == (13, 1, 11, 1)
    assert [(r["line"], r["row"]) for r in report["rejects"]] == [(2, 1)]
    assert rows(db, "SELECT source_row, line FROM deliveries WHERE source_file = ? AND event_key IN "
                "(SELECT event_key FROM events WHERE actor_name = 'Pryia Shah' OR target_name = 'Pryia Shah')",
                [str(second)]) == [(4, 5)]  # fmt: skip
    # The same bytes again: presented again, nothing read or written but its custody entry.
    [report] = _ingest(db, second)
    assert (report["status"], report["read"], report["added"], report["duplicates"]) == ("presented again", 13, 0, 12)
    assert rows(db, "SELECT count(*) FROM deliveries") == [(25,)]
    done = run_auditql("verify", "--db", db)
    assert done.returncode == 0, done.stdout + done.stderr
