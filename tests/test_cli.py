"""The real CLI: every command has help with an example that runs; output formats; exit codes; the core
never imports a front end."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, run_auditql

from auditql.cli.main import main


def commands() -> list[str]:
    return sorted(main.commands)


def examples(name: str) -> list[list[str]]:
    help_text = main.commands[name].help or ""
    block = help_text.split("Example:")[1] if "Example:" in help_text else ""
    return [shlex.split(line.strip())[1:] for line in block.splitlines() if line.strip().startswith("auditql ")]


@pytest.mark.parametrize("name", commands())
def test_every_command_has_help_with_an_example(cli, name: str) -> None:
    result = cli(name, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert examples(name), f"{name}: no runnable `auditql …` line under Example:"


# `repl` and `serve` run until stopped: test_repl_pty.py and test_serve_http.py run their examples.
@pytest.mark.parametrize("name", [c for c in commands() if c not in ("repl", "serve")])
def test_every_help_example_runs(cli, name: str, sample_db: Path, tmp_path: Path, monkeypatch) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copy(sample_db, db)
    monkeypatch.setenv("AUDITQL_DB", str(db))
    monkeypatch.chdir(ROOT)
    for args in examples(name):
        result = cli(*args)
        assert result.exit_code == 0, (args, result.stderr)
        assert result.stdout.strip(), args


def test_ingest_prints_per_file_counts_and_totals(cli, tmp_path: Path) -> None:
    result = cli("ingest", "--db", tmp_path / "a.duckdb", ROOT / "sample_data" / "resolver")
    assert result.exit_code == 0
    total = next(line for line in result.stdout.splitlines() if line.startswith("total")).split()
    assert total[1:] == ["101", "99", "2", "0"]


def test_ingest_json_report(cli, tmp_path: Path) -> None:
    result = cli("ingest", "--db", tmp_path / "a.duckdb", "--format", "json", ROOT / "sample_data" / "broadcom_portal")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert [(Path(r["source_file"]).name, r["vendor"], r["read"], r["added"]) for r in report] == [
        ("audits_export_csv.zip!audits.csv", "broadcom_portal", 40, 40),
        ("audits_export_json.zip!audits.json", "broadcom_portal", 34, 34),
    ]


def test_schema_lists_the_canonical_columns(cli) -> None:
    result = cli("schema", "--format", "json")
    assert result.exit_code == 0
    names = [c["name"] for c in json.loads(result.stdout)]
    assert names[:3] == ["time", "vendor", "tenant"] and names[-1] == "event_key" and len(names) == 22


def test_vendors_lists_every_mapping(cli) -> None:
    result = cli("vendors", "--format", "json")
    assert result.exit_code == 0
    assert [v["name"] for v in json.loads(result.stdout)] == [
        "sas_ci360",
        "resolver",
        "sap_cdc",
        "adobe_cja",
        "broadcom_portal",
        "generic",
    ]


def test_inspect_shows_the_mapping_without_storing(cli, tmp_path: Path) -> None:
    result = cli("inspect", ROOT / "sample_data" / "resolver" / "user_audit_trail_export_1.csv")
    assert result.exit_code == 0
    assert "vendor: resolver" in result.stdout
    assert re.search(r"actor_name\s+← Performed By", result.stdout)
    assert "only in raw: Previous Value, Updated Value" in result.stdout or "only in raw:" in result.stdout


def test_query_json_has_utc_z_times_and_raw_objects(cli, sample_db: Path) -> None:
    result = cli(
        "query",
        "--db",
        sample_db,
        "--format",
        "json",
        "--limit",
        "2",
        "SELECT time, raw FROM events WHERE vendor = 'sap_cdc' ORDER BY time",
    )
    assert result.exit_code == 0
    got = json.loads(result.stdout)
    assert len(got) == 2
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", r["time"]) for r in got)
    assert isinstance(got[0]["raw"], dict) and "callID" in got[0]["raw"]
    assert "limit 2 reached" in result.stderr


def test_missing_archive_is_a_clear_error(cli, tmp_path: Path) -> None:
    result = cli("query", "--db", tmp_path / "none.duckdb", "SELECT 1 FROM events")
    assert result.exit_code == 4
    assert "no archive here yet" in result.stderr and "Traceback" not in result.stderr


def test_subprocess_ingest_and_query(tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    ingested = run_auditql("ingest", "--db", db, "sample_data/adobe_cja")
    assert ingested.returncode == 0, ingested.stderr
    queried = run_auditql(
        "query",
        "--db",
        db,
        "--format",
        "csv",
        "SELECT action, count(*) AS n FROM events GROUP BY action ORDER BY n DESC, action LIMIT 1",
    )
    assert queried.returncode == 0, queried.stderr
    assert queried.stdout.splitlines()[0] == "action,n"


def test_core_modules_never_import_a_front_end() -> None:
    code = (
        "import sys, auditql.schema, auditql.read.formats, auditql.vendors, auditql.ingest.run, "
        "auditql.db.archive_file, "
        "auditql.query, auditql.output, auditql.api, auditql.frontend.timeline; "
        "print(sorted(m for m in ('click', 'prompt_toolkit', 'IPython') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys; sys.argv = ['auditql', '--help']\n"
        "from auditql.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('duckdb', 'pyarrow', 'prompt_toolkit', 'IPython', 'sqlglot') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_version_names_the_engines_it_runs_on() -> None:
    import duckdb
    import sqlglot

    done = run_auditql("--version")
    assert done.returncode == 0, done.stderr
    python = sys.version.split()[0]
    assert (
        done.stdout == f"auditql 0.1.0 (DuckDB {duckdb.__version__}, sqlglot {sqlglot.__version__}, Python {python})\n"
    )


def _holds_open(pid: int, path: Path) -> bool:
    """Whether process `pid` has `path` open (Linux: its /proc fd links)."""
    fds = Path(f"/proc/{pid}/fd")
    try:
        links = [os.readlink(fd) for fd in fds.iterdir()]
    except OSError:
        return False
    return str(path.resolve()) in links


@pytest.mark.parametrize("after_open", [0.0, 0.05, 0.2, 1.0])
def test_ctrl_c_during_a_query_is_one_line_and_exit_130(sample_db: Path, after_open: float) -> None:
    """Ctrl-C while the archive is opened, the query translated or run: one line, exit 130, and the query is
    cancelled, not waited for. The five-way join of the 492 sample events would run for about an hour (a
    four-way one takes 8 s), so the process ending within `communicate`'s minute is the cancel. Before
    ctrl_c_cancels, Ctrl-C took effect only when DuckDB returned (8 s later, or never under load), and one
    landing while the archive was opened was "internal error: RuntimeError: Query interrupted"."""
    import signal
    import time

    query = "SELECT count(*) FROM events a, events b, events c, events d, events e WHERE a.raw <> e.raw"
    proc = subprocess.Popen(
        [sys.executable, "-m", "auditql", "query", "--db", str(sample_db), "--timeout", "0", query],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Past start-up: the archive is being opened (its file among the process's descriptors). A SIGINT
        # during Python's own imports is Python's (exit -2), not auditql's.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _holds_open(proc.pid, sample_db):
            time.sleep(0.01)
        time.sleep(after_open)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert (proc.returncode, out, err) == (130, "", "interrupted\n")


def test_duckdb_s_forms_of_ctrl_c_are_ctrl_c() -> None:
    """What DuckDB's client makes of a KeyboardInterrupt inside a statement, and the interrupt the Ctrl-C watcher
    causes, end as "interrupted" (errors.is_interrupt); other errors do not."""
    import duckdb

    from auditql.errors import is_interrupt

    assert is_interrupt(RuntimeError("Query interrupted"))
    assert is_interrupt(duckdb.InterruptException("INTERRUPT Error: Interrupted!"))
    assert not is_interrupt(RuntimeError("something else"))
    assert not is_interrupt(duckdb.IOException("Query interrupted"))
    assert not is_interrupt(KeyError("Query interrupted"))
