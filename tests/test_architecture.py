"""The shape of the code (docs/architecture.md), held by tests so it stays true: the import contracts in
pyproject.toml (no circles, the core never imports a front end, front ends reach storage only through the
facade), one place that tells the two archive backends apart, one module of table definitions, one
registry of scratch tables, and SQL identifiers built by the quoting helper."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import auditql
from auditql import api, archive, tables
from auditql.archive.duckdb_file import DuckDBFile
from auditql.archive.parquet_dataset import ParquetDataset
from auditql.db import archive_file as engine
from auditql.ingest.run import Ingestor
from auditql.vendors import load_registry

PACKAGE = Path(auditql.__file__).parent
ROOT = PACKAGE.parent
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
SAMPLES = ROOT / "sample_data"


def contract(name_start: str) -> dict:
    [found] = [c for c in CONTRACTS if c["name"].startswith(name_start)]
    return found


def source_files(*names: str) -> list[Path]:
    return [p for n in names for p in ([PACKAGE / n] if n.endswith(".py") else sorted((PACKAGE / n).rglob("*.py")))]


def test_the_import_contracts_hold() -> None:
    """`lint-imports` as CI runs it (no cache written into the checkout)."""
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "Contracts: 4 kept, 0 broken." in run.stdout


def test_every_module_is_core_or_front_end() -> None:
    """A new module must be placed in the contracts, or they would not cover it."""
    core = set(contract("The core never imports")["source_modules"])
    front = set(contract("Front ends reach storage")["source_modules"])
    assert not core & front
    top = {f"auditql.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    top |= {f"auditql.{p.parent.name}" for p in PACKAGE.glob("*/__init__.py")}
    assert top == core | front, sorted(top ^ (core | front))


def test_one_function_tells_the_backends_apart(tmp_path: Path) -> None:
    assert isinstance(archive.at(tmp_path / "new.duckdb"), DuckDBFile)  # need not exist yet: ingest makes it
    assert isinstance(archive.at(tmp_path), ParquetDataset)
    # nothing else asks the path which backend it is, nor whether a module happens to be loaded (ingest/run.py
    # asks `is_dir()` of the files to ingest, db/archive_file.py of its unpack folder: neither is an archive)
    asking = [
        str(p.relative_to(PACKAGE))
        for p in source_files(
            "api",
            "cli",
            "archive/__init__.py",
            "archive/base.py",
            "archive/duckdb_file.py",
            "archive/parquet_dataset.py",
            "repl",
            "notebook",
        )
        for line in p.read_text().splitlines()
        if re.search(r"\b(db|path|target|root)\.is_dir\(\)|sys\.modules", line) and "`" not in line
    ]
    assert asking == ["archive/__init__.py"]


def test_a_reader_knows_its_archive_and_is_sandboxed_either_way(sample_db: Path, tmp_path: Path) -> None:
    dataset = tmp_path / "dataset"
    api.export(sample_db, dataset)
    for db, kind in ((sample_db, "archive"), (dataset, "dataset")):
        with api.opened(db) as con:
            opened = archive.opened_by(con)
            assert opened is not None and (opened.kind, opened.path) == (kind, db)
            assert api.run(con, api.prepare(con, "SELECT count(*) AS n FROM events")).rows == [(492,)]
            with pytest.raises(Exception, match="disabled by configuration"):
                con.execute("SELECT * FROM read_csv('/etc/passwd')").fetchall()


def test_table_definitions_live_in_one_module() -> None:
    defining = sorted(
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if re.search(r"CREATE TABLE IF NOT EXISTS|CREATE TABLE column_values", p.read_text())
    )
    assert defining == ["schema.py", "tables.py"]  # schema.py: the canonical table's DDL from its column list
    assert tables.ARCHIVE_DDL[0].startswith('CREATE TABLE IF NOT EXISTS events (\n  "time" TIMESTAMPTZ')


def test_scratch_tables_are_dropped_from_the_registry(tmp_path: Path) -> None:
    """After each file, only the reader's reject tables are left (each read drops them before it starts);
    the file's staging, read and dedup tables are gone."""
    files = [SAMPLES / "sap_cdc" / "audit_export.ndjson", SAMPLES / "resolver" / "user_audit_trail_export_1.csv"]
    with engine.writer(tmp_path / "a.duckdb") as con:
        ingestor = Ingestor(con, load_registry())
        for path in files:
            [result] = ingestor.path(path, path.name)
            assert result.ok and result.added > 0
            left = {
                name for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
            }
            assert left == {"_aq_reject_errors", "_aq_reject_scans"}
            assert left <= set(tables.SCRATCH)
        with pytest.raises(KeyError, match="_aq_lines is not a registered scratch table"):
            tables.drop_scratch(con, ["_aq_lines"])


def test_identifiers_are_quoted_by_the_helper() -> None:
    """`f'"{name}"'` breaks on a name holding a quote; sql.sql_ident doubles it."""
    hand_quoted = re.compile(r"""f(['"]).*?(?<!\\)"\{[^}]+\}(?<!\\)"|f'[^']*"\{""")
    found = [
        f"{p.relative_to(PACKAGE)}: {line.strip()}"
        for p in source_files("archive/dataset", "db/archive_file.py", "archive", "tables.py")
        for line in p.read_text().splitlines()
        if hand_quoted.search(line)
    ]
    assert found == []


def test_front_ends_hold_no_sql_connection_calls() -> None:
    front = [m.removeprefix("auditql.") for m in contract("Front ends reach storage")["source_modules"]]
    calls = [
        f"{p.relative_to(PACKAGE)}: {line.strip()}"
        for p in source_files(*(f"{m}.py" if (PACKAGE / f"{m}.py").exists() else m for m in front))
        for line in p.read_text().splitlines()
        if re.search(r"\b(con|cursor|query)\.(execute|sql)\(|engine\.(reader|writer)\(", line)
    ]
    assert calls == []


def test_the_one_reader_sequence_closes_what_it_opened_on_failure() -> None:
    """A backend whose tables cannot be made leaves no open connection behind (it would hold the file)."""
    import duckdb

    from auditql.db import connections, sandbox

    made: list[duckdb.DuckDBPyConnection] = []

    def connect(hidden: str) -> duckdb.DuckDBPyConnection:
        made.append(connections.in_memory())
        return made[-1]

    def fill(con: duckdb.DuckDBPyConnection, hidden: str) -> None:
        raise OSError("part file unreadable")

    with pytest.raises(OSError, match="part file unreadable"):
        sandbox.open_sandboxed(connect, fill)
    with pytest.raises(duckdb.ConnectionException, match="closed"):
        made[0].execute("SELECT 1")
