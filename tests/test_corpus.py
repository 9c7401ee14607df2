"""Issue #7: every hostile input of `tests/corpus/make_corpus.py` through the real CLI (a subprocess), into an
archive that already holds a good export, checking exactly what the case promises: exit code, no traceback,
a message naming the file (member, line), exact counts with read = added + duplicates + rejected, the
`auditql rejects` rows, and an archive where a refused file left nothing and earlier data is untouched."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLES, rows, run_auditql
from corpus.make_corpus import CLEAN, MEMBER, RECORDS, REFUSED, WHOLE_ARCHIVE, WHOLE_FILE, Case, cases, write

CASES = cases()
BASELINE_FILE = SAMPLES / "resolver" / "user_audit_trail_export_1.csv"
BASELINE_ROWS = 42


@pytest.fixture(scope="session")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive holding one good export, made once by the real CLI and copied for every case."""
    db = tmp_path_factory.mktemp("baseline") / "archive.duckdb"
    result = run_auditql("ingest", "--db", db, BASELINE_FILE)
    assert result.returncode == 0, result.stderr
    return db


def state(db: Path) -> dict[str, list[tuple]]:
    return {
        "events": rows(db, "SELECT source_file, source_row, event_key FROM events ORDER BY ALL"),
        "sources": rows(db, "SELECT source_file, sha256, records_read, added FROM sources ORDER BY ALL"),
        "rejects": rows(db, "SELECT source_file, line, source_row, reason FROM rejects ORDER BY ALL"),
    }


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corpus_case(case: Case, baseline: Path, tmp_path: Path, cli) -> None:
    target = write(case, tmp_path / "corpus")
    db = tmp_path / "archive.duckdb"
    shutil.copy(baseline, db)
    before = state(db)

    result = run_auditql("ingest", "--db", db, "--format", "json", *case.args, target)

    assert result.returncode == case.exit_code, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    for fragment in (target.name, *case.messages):
        assert fragment in result.stderr or case.exit_code == 0, f"{fragment!r} not in {result.stderr!r}"
    if case.policy == REFUSED:  # nothing was read: no report, one line, the archive as it was
        assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert state(db) == before
        return
    report = json.loads(result.stdout)
    for f in report:
        assert f["read"] == f["added"] + f["duplicates"] + f["rejected"], f
    totals = [sum(f[k] for f in report) for k in ("added", "duplicates", "rejected")]
    assert totals == [case.added, case.duplicates, case.rejected]
    for note in case.notes:
        assert any(note in n for f in report for n in f["notes"]), (note, report)
    errors = [f["error"] for f in report if f["error"]]
    if case.policy in (WHOLE_FILE, WHOLE_ARCHIVE, MEMBER):
        assert len(errors) == 1 and target.name in errors[0], errors
    else:
        assert errors == [], errors

    if case.policy not in (WHOLE_FILE, WHOLE_ARCHIVE):  # those must leave the archive as it was (below)
        listed = cli("rejects", "--db", db, "--format", "json")  # in-process: one subprocess per case is enough
        assert listed.exit_code == 0, listed.stderr
        mine = [r for r in json.loads(listed.stdout) if r["source_file"] != str(BASELINE_FILE.resolve())]
        got = [(r["line"], r["source_row"], r["reason"]) for r in mine]
        assert len(got) == len(case.rejects), got
        for r, want in zip(mine, case.rejects, strict=True):
            assert (r["line"], r["source_row"]) == (want.line, want.row), (got, want)
            assert r["reason"].startswith(want.reason) and target.name in r["source_file"], (got, want)

    after = state(db)
    baseline_file = str(BASELINE_FILE.resolve())
    assert [e for e in after["events"] if e[0] == baseline_file] == before["events"]
    assert len(before["events"]) == BASELINE_ROWS
    new_events = [e for e in after["events"] if e[0] != baseline_file]
    assert len(new_events) == case.added
    assert all(target.name in e[0] for e in new_events)
    if case.policy in (WHOLE_FILE, WHOLE_ARCHIVE):
        assert after == before, "a refused file must leave the archive exactly as it was"
    if case.policy in (RECORDS, CLEAN):  # one source per file read (a folder case has several)
        sources = [s for s in after["sources"] if s[0] != baseline_file]
        assert len(sources) == len(report), sources
        read = case.added + case.duplicates + case.rejected
        assert (sum(s[2] for s in sources), sum(s[3] for s in sources)) == (read, case.added)
    for sql, expected in case.checks:
        assert rows(db, sql) == expected, sql
