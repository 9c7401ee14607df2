"""The settings file (auditql/config.py, docs/config.md): the default archive, the mappings folder and per-command
option defaults; typed options and the environment win over it; a mistake in it is one line naming the file and
the key, exit 2. Shell completion as documented there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_auditql
from test_vendors import MY_VENDOR


@pytest.fixture
def settings(tmp_path: Path) -> Path:
    return tmp_path / "config" / "auditql" / "config.toml"


def _env(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CONFIG_HOME": str(tmp_path / "config"), "AUDITQL_DB": ""}


def _write(settings: Path, text: str) -> None:
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(text)


def test_the_archive_and_query_defaults_come_from_the_settings_file(tmp_path: Path, settings: Path, sample_db) -> None:
    _write(settings, f'db = "{sample_db}"\n\n[query]\nformat = "csv"\nlimit = 2\n')
    done = run_auditql("query", "vendor = 'resolver'", "--columns", "time,action", env=_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "time,action",
        "2025-10-01T02:43:01.000Z,Impersonate User",
        "2025-10-01T03:11:04.000Z,Impersonate User",
    ]


def test_what_is_typed_wins_over_the_file(tmp_path: Path, settings: Path, sample_db) -> None:
    _write(settings, f'db = "{sample_db}"\n\n[query]\nformat = "csv"\nlimit = 2\n')
    done = run_auditql(
        "query", "vendor = 'resolver'", "--columns", "action", "--format", "json", "--limit", "1", env=_env(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"action": "Impersonate User"}]


def test_the_environment_wins_over_the_file(tmp_path: Path, settings: Path, sample_db) -> None:
    _write(settings, f'db = "{tmp_path / "absent.duckdb"}"\n')
    done = run_auditql(
        "query",
        "SELECT count(*) AS n FROM events",
        "--format",
        "csv",
        env={**_env(tmp_path), "AUDITQL_DB": str(sample_db)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["n", "492"]


def test_auditql_config_names_another_file(tmp_path: Path, sample_db) -> None:
    other = tmp_path / "team.toml"
    other.write_text(f'db = "{sample_db}"\n[query]\nformat = "csv"\n')
    done = run_auditql(
        "query", "SELECT count(*) AS n FROM events", env={**_env(tmp_path), "AUDITQL_CONFIG": str(other)}
    )
    assert done.stdout.splitlines() == ["n", "492"], done.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[query]\nlimt = 3\n", "[query] has no setting 'limt' (options of `auditql query`: columns, db,"),
        ('[query]\nlimit = "abc"\n', "[query] limit: 'abc' is not a valid integer"),
        ("[qery]\nlimit = 3\n", "[qery] is not a command (commands: export, ingest,"),
        ("db = 3\n", 'db must be a path in quotes, for example db = "~/audit"'),
        ('db = "x\n', "not valid TOML: Illegal character '\\n' (at line 1, column 8)"),
        ('dbb = "x"\n', "unknown setting 'dbb' (known: db, mappings, or a [command] table)"),
        (b"db = '\xff'\n", "not UTF-8 text"),
    ],
)
def test_a_mistake_in_the_file_is_one_line_naming_it(tmp_path: Path, settings: Path, text, message: str) -> None:
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_bytes(text if isinstance(text, bytes) else text.encode())
    done = run_auditql("query", "x = 1", env=_env(tmp_path))
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: {settings}: ")
    assert message in lines[0]


def test_mappings_folder_from_the_settings_file(tmp_path: Path, settings: Path) -> None:
    folder = tmp_path / "my mappings"
    folder.mkdir()
    (folder / "acme.toml").write_text(MY_VENDOR)
    _write(settings, f'mappings = "{folder}"\n')
    done = run_auditql("vendors", env=_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "acme_sso" in done.stdout
    assert "acme_sso" not in run_auditql("vendors", env={"XDG_CONFIG_HOME": str(tmp_path / "elsewhere")}).stdout


def test_shell_completion_as_documented(tmp_path: Path) -> None:
    script = subprocess.run(
        [str(Path(sys.executable).parent / "auditql")],
        env={**os.environ, "_AUDITQL_COMPLETE": "bash_source"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "_auditql_completion()" in script.stdout
    words = subprocess.run(
        [str(Path(sys.executable).parent / "auditql")],
        env={**os.environ, "_AUDITQL_COMPLETE": "bash_complete", "COMP_WORDS": "auditql qu", "COMP_CWORD": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert words.stdout.split() == ["plain,query"]
