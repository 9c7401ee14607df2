"""`auditql pull` end to end against the five fake vendor servers (tests/fakes): an empty archive filled from
all five, custody entries recording each request, a second run adding only what is new, --dry-run asking
nothing, and no secret in any file or output."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from tests.fakes import harness
from tests.fakes.harness import EXPECTED, SECRETS, pull, query, secrets_found, vendor_counts

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


def test_first_pull_fills_an_empty_archive_from_all_five(fakes, tmp_path: Path) -> None:
    sources = harness.write_sources(fakes, tmp_path / "sources.toml")
    db = tmp_path / "archive.duckdb"
    result = pull("--sources", sources, "--db", db)
    assert result.exit_code == 0, result.output
    assert vendor_counts(db) == EXPECTED
    lines = result.stdout.splitlines()
    assert len(lines) == 5 and all("events added" in line for line in lines)
    assert "resolver (resolver)" in lines[1] and "19 events added, 2 duplicates, 0 rejected" in lines[1]

    # The Resolver files are byte for byte the published-shape files: cap 13, then dateEnd = last row's second.
    resolver = sorted((tmp_path / "pulled" / "resolver").rglob("user-audit-*.csv"), key=lambda p: -p.stat().st_size)
    assert [p.read_bytes() for p in resolver] == [
        (DATA / "resolver" / "user_audit_trail_us.csv").read_bytes(),
        (DATA / "resolver" / "user_audit_trail_us_part2.csv").read_bytes(),
    ]

    # Every pulled file's custody entry records the request it answered and the hash of the bytes served.
    entries = query(db, "SELECT kind, source_file, sha256, origin FROM manifest WHERE origin IS NOT NULL ORDER BY seq")
    landed = [p for p in (tmp_path / "pulled").rglob("*") if p.is_file() and not p.name.startswith(".")]
    landed = [p for p in landed if p.name != "state.json"]
    assert len(entries) == len(landed) == 3 + 2 + 5 + 4 + 25
    for kind, name, sha, text in entries:
        origin = json.loads(text)
        assert kind == ("archive" if name.endswith(".zip") else "file")
        assert origin["status"] == 200 and origin["method"] in ("GET", "POST")
        assert origin["sha256"] == sha == hashlib.sha256(Path(name).read_bytes()).hexdigest()
        assert origin["requested_at"].endswith("Z") and origin["url"].startswith("http://127.0.0.1:")
        assert origin["source"] in ("ci360", "resolver", "gigya", "cja", "portal")
    signed = [
        json.loads(t)["url"]
        for _, n, _, t in entries
        if "/files/" in json.loads(t)["url"] or "/dl/" in json.loads(t)["url"]
    ]
    assert len(signed) == 5 and not any("?" in url for url in signed)  # a signed link's query is a credential
    assert query(db, "SELECT count(*) FROM manifest WHERE kind = 'member' AND source_file LIKE '%.zip!audits.csv'") == [
        (25,)
    ]

    from auditql.cli.main import main

    verified = CliRunner().invoke(main, ["verify", "--db", str(db)], catch_exceptions=False)
    assert verified.exit_code == 0, verified.output
    assert "verified: the chain of custody holds" in verified.stdout
    assert secrets_found(tmp_path, result.stdout, result.stderr, verified.output) == []


def test_a_second_run_adds_only_what_is_new(fakes, tmp_path: Path) -> None:
    sources = harness.write_sources(fakes, tmp_path / "sources.toml")
    db = tmp_path / "archive.duckdb"
    assert pull("--sources", sources, "--db", db).exit_code == 0
    downloads = len(fakes.ci360.requests("/files/"))
    new = datetime.now(UTC) - timedelta(minutes=1)
    fakes.ci360.add_event(new)
    fakes.resolver.add_event(new)
    fakes.gigya.add_event(new)
    fakes.cja.records.append(fakes.cja.new_record(new))
    fakes.portal.add_event(new)

    result = pull("--sources", sources, "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [(s["source"], s["added"], s["resumed"], s["ok"]) for s in summary] == [
        ("ci360", 1, False, True),
        ("resolver", 1, False, True),
        ("gigya", 1, False, True),
        ("cja", 1, False, True),
        ("portal", 1, False, True),
    ]
    # The window starts at the first run's end minus the 2-hour overlap: old records are not asked for again.
    for s in summary:
        since, until = (datetime.fromisoformat(s[k].replace("Z", "+00:00")) for k in ("since", "until"))
        assert until - since <= timedelta(hours=2, minutes=1)
    assert len(fakes.ci360.requests("/files/")) == downloads + 1  # only the new hour's file
    assert vendor_counts(db) == {v: n + 1 for v, n in EXPECTED.items()}
    state = json.loads((tmp_path / "pulled" / "cja" / "state.json").read_text())
    assert list(state["archives"]) == [str(db.resolve())] and "pending" not in state["archives"][str(db.resolve())]
    assert secrets_found(tmp_path, result.stdout, result.stderr) == []


def test_dry_run_asks_nothing_and_writes_nothing(fakes, tmp_path: Path) -> None:
    sources = harness.write_sources(fakes, tmp_path / "sources.toml")
    db = tmp_path / "archive.duckdb"
    result = pull("--sources", sources, "--db", db, "--dry-run", "--since", "2025-10-01", "--until", "2025-11-01")
    assert result.exit_code == 0, result.output
    assert [f.log for f in fakes.all()] == [[], [], [], [], []]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sources.toml"]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ci360 (sas_ci360) 2025-10-01T00:00:00Z → 2025-11-01T00:00:00Z: would GET ")
    assert "dataRangeStartTimeStamp=2025-10-01T00:00Z" in lines[0]
    assert "startTs=1759276800000&endTs=1761955200000&format=csv (1 window(s)" in lines[4]
    assert secrets_found(tmp_path, result.stdout, result.stderr) == []


def test_dry_run_names_a_missing_secret_variable_not_its_value(fakes, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("CI360_API_PASSWORD")
    sources = harness.write_sources(fakes, tmp_path / "sources.toml")
    result = pull("--sources", sources, "--db", tmp_path / "a.duckdb", "--dry-run", "ci360")
    assert result.exit_code == 0  # a plan, not a run: the note says what the run would stop at
    assert result.stderr.splitlines()[-1] == (
        "note: ci360: environment variable CI360_API_PASSWORD (api_password) is not set"
    )


def test_pull_into_a_parquet_dataset_folder(fakes, tmp_path: Path) -> None:
    sources = harness.write_sources(fakes, tmp_path / "sources.toml")
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    result = pull("--sources", sources, "--db", dataset, "resolver", "gigya")
    assert result.exit_code == 0, result.output
    manifest = dataset / "_auditql" / "manifest.parquet"
    import duckdb

    rows = duckdb.connect().execute("SELECT kind, origin FROM read_parquet(?) ORDER BY seq", [str(manifest)]).fetchall()
    assert [k for k, _ in rows] == ["start"] + ["file"] * 7
    assert [json.loads(o)["source"] for _, o in rows[1:]] == ["resolver"] * 2 + ["gigya"] * 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset", "pulled", "sources.toml"]

    from auditql.cli.main import main

    verified = CliRunner().invoke(main, ["verify", "--db", str(dataset)], catch_exceptions=False)
    assert verified.exit_code == 0 and "events: 41" in verified.stdout


def test_a_terminal_sees_a_progress_line_per_source_and_a_pipe_does_not(fakes, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    import pexpect

    sources = harness.write_sources(fakes, tmp_path / "sources.toml")
    args = ["-m", "auditql", "pull", "--sources", str(sources), "--db", str(tmp_path / "a.duckdb"), "resolver"]
    env = {**os.environ, **SECRETS}
    child = pexpect.spawn(sys.executable, args, env=env, cwd=str(ROOT), encoding="utf-8", timeout=120)
    child.expect(r"\rresolver: (\d+) requests, (\d+) responses landed, \d+ kB\x1b\[K")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "resolver (resolver)" in (child.before or "") and "19 events added" in (child.before or "")
    piped = subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert piped.returncode == 0 and "\r" not in piped.stderr and "\x1b" not in piped.stderr
    assert secrets_found(tmp_path, piped.stdout, piped.stderr) == []


def test_an_edited_origin_breaks_the_chain(fakes, tmp_path: Path) -> None:
    import duckdb

    sources = harness.write_sources(fakes, tmp_path / "sources.toml")
    db = tmp_path / "archive.duckdb"
    assert pull("--sources", sources, "--db", db, "resolver").exit_code == 0
    con = duckdb.connect(str(db))  # what a user with the duckdb package does
    seq = con.execute("SELECT min(seq) FROM manifest WHERE origin IS NOT NULL").fetchone()[0]
    con.execute("UPDATE manifest SET origin = replace(origin, '\"status\":200', '\"status\":201') WHERE seq = ?", [seq])
    con.close()
    from auditql.cli.main import main

    verified = CliRunner().invoke(main, ["verify", "--db", str(db)], catch_exceptions=False)
    assert verified.exit_code == 5
    assert f"entry {seq} (" in verified.output and "edited — its content no longer matches its hash" in verified.output
