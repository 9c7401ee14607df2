"""The progress line (auditql/frontend/progress.py, issue 16): it appears on a real terminal while a long query runs,
a big file ingests, or a REPL query runs, is cleared before the rows are written, and is absent in a pipe,
with --quiet and with --format json. AUDITQL_PROGRESS_DELAY=0 draws it at once (the default waits 1 s,
so quick work shows nothing)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from conftest import ROOT, SAMPLES

from auditql.frontend import progress

SLOW = "SELECT a.vendor, count(*) AS n FROM events a, events b, events c GROUP BY 1 ORDER BY 1"
COUNTS = [
    "adobe_cja        14523840",
    "broadcom_portal  17912736",
    "resolver         23964336",
    "sap_cdc          30984192",
    "sas_ci360        31710384",
]  # fmt: skip  (492 events, cubed, by vendor)


def environment(home: Path) -> dict[str, str]:
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "TERM": "xterm-256color",
           "PROMPT_TOOLKIT_NO_CPR": "1", "AUDITQL_PROGRESS_DELAY": "0", "TZ": "UTC"}  # fmt: skip
    env.pop("AUDITQL_DB", None)
    return env


def in_terminal(args: list[str], home: Path) -> tuple[int, str]:
    """Run `auditql ARGS` with stdout and stderr on a pseudo-terminal; its exit code and everything shown."""
    proc = pexpect.spawn(sys.executable, ["-m", "auditql", *args], cwd=str(ROOT), env=environment(home),
                         encoding="utf-8", dimensions=(50, 160), timeout=120)  # fmt: skip
    proc.expect(pexpect.EOF)
    proc.close()
    return proc.exitstatus, proc.before


def test_a_long_query_shows_progress_then_the_rows(sample_db: Path, tmp_path: Path) -> None:
    code, shown = in_terminal(["query", "--db", str(sample_db), SLOW], tmp_path)
    assert code == 0
    assert "\r\x1b[Kquery ▕" in shown and "% · " in shown
    after = shown.rsplit(progress.CLEAR, 1)[1]  # the line is cleared before the first row is written
    assert after.replace("\r", "").splitlines()[2:7] == COUNTS


@pytest.mark.parametrize("extra", [["--quiet"], ["--format", "json"]])
def test_quiet_and_json_show_no_progress(sample_db: Path, tmp_path: Path, extra: list[str]) -> None:
    code, shown = in_terminal(["query", "--db", str(sample_db), *extra, SLOW], tmp_path)
    assert code == 0
    assert "▕" not in shown and progress.CLEAR not in shown
    assert "14523840" in shown


def test_piped_there_is_no_progress(sample_db: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "auditql", "query", "--db", str(sample_db), SLOW],
                          capture_output=True, text=True, cwd=ROOT, env=environment(tmp_path), timeout=120)  # fmt: skip
    assert done.returncode == 0
    assert done.stdout.splitlines()[2:7] == COUNTS
    assert "▕" not in done.stderr and "\r" not in done.stderr and "\x1b" not in done.stderr
    assert done.stderr.startswith("5 rows in ")


@pytest.fixture(scope="module")
def big_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SAP CDC sample export 1,000 times over (16 MB, 31,000 lines; all but 31 records duplicates)."""
    text = (SAMPLES / "sap_cdc" / "audit_export.ndjson").read_bytes()
    path = tmp_path_factory.mktemp("big") / "big_export.ndjson"
    path.write_bytes((text if text.endswith(b"\n") else text + b"\n") * 1000)
    return path


def test_ingesting_a_big_file_shows_which_file_how_much_is_read_and_how_fast(big_export: Path, tmp_path: Path) -> None:
    code, shown = in_terminal(["ingest", "--db", str(tmp_path / "a.duckdb"), str(big_export)], tmp_path)
    assert code == 0
    assert "ingesting [1/1] big_export.ndjson · " in shown
    assert "31,000 lines, 16 MB read · storing " in shown
    assert f"{big_export}: 31,000 records in " in shown and " records/s)" in shown
    report = shown.rsplit(progress.CLEAR, 1)[1].replace("\r", "").splitlines()
    assert report[0].startswith(f"{big_export}: 31,000 records in ")  # the line that stays, then the report
    assert report[1].split() == ["file", "vendor", "format", "read", "added", "duplicates", "rejected"]
    assert report[3].split() == [str(big_export), "sap_cdc", "ndjson", "31000", "31", "30969", "0"]


def test_ingest_is_silent_piped_quiet_or_json(big_export: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "auditql", "ingest", "--db", str(tmp_path / "a.duckdb"),
                           str(big_export)], capture_output=True, text=True, cwd=ROOT, env=environment(tmp_path),
                          timeout=120)  # fmt: skip
    assert done.returncode == 0
    assert done.stderr.splitlines()[0] == f"archive: {tmp_path / 'a.duckdb'}"
    assert "ingesting" not in done.stderr and "records/s" not in done.stderr and "\r" not in done.stderr
    for extra in (["--quiet"], ["--format", "json"]):
        code, shown = in_terminal(["ingest", "--db", str(tmp_path / "b.duckdb"), *extra, str(big_export)], tmp_path)
        assert code == 0
        assert "ingesting" not in shown and "records/s" not in shown and progress.CLEAR not in shown


def test_the_repl_shows_progress_while_a_query_runs(sample_db: Path, tmp_path: Path) -> None:
    proc = pexpect.spawn(sys.executable, ["-m", "auditql", "repl", "--db", str(sample_db)], cwd=str(ROOT),
                         env={**environment(tmp_path), "PAGER": "cat"}, encoding="utf-8", dimensions=(50, 160),
                         timeout=60)  # fmt: skip
    proc.expect("auditql> ")
    proc.send(SLOW + ";\r")
    proc.expect("query ▕")
    proc.expect(r"5 rows in [\d.]+s")
    assert "sas_ci360        31710384" in proc.before
    proc.expect("auditql> ")
    proc.send(".quit\r")
    proc.expect(pexpect.EOF)
    proc.close()
    assert proc.exitstatus == 0


@pytest.mark.parametrize(
    ("share", "drawn"),
    [
        (0, "▕                    ▏   0%"),
        (0.53, "▕██████████▌         ▏  53%"),
        (0.52, "▕██████████          ▏  52%"),
        (1, "▕████████████████████▏ 100%"),
        (1.7, "▕████████████████████▏ 100%"),
    ],
)
def test_bar(share: float, drawn: str) -> None:
    assert progress.bar(share) == drawn


def test_sizes_read_as_people_read_them() -> None:
    assert [progress.size_text(n) for n in (512, 3_700, 16_359_000, 794_000_000, 1.5e9)] == [
        "512 B", "3.7 KB", "16 MB", "794 MB", "1.5 GB"
    ]  # fmt: skip
