"""The small files a user hands auditql (a mapping, the settings file, the identities file, pull's sources
file) are read with a bound (auditql/userfiles.py): `/dev/zero` named by mistake was read until memory ran
out (seen by hand for `vendors --check` and `ingest --mapping`), and a mapping or identities file that is not
UTF-8 was "internal error". Each is now one line naming the file, exit 2, through the real CLI as a subprocess
with the real device."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLES, run_auditql

from auditql.userfiles import SETTINGS_BYTES, read_small

TOO_LARGE = f"larger than such a file can be (more than {SETTINGS_BYTES:,} bytes), not read"


@pytest.mark.parametrize(
    ("args", "env", "line"),
    [
        (["vendors", "--check", "/dev/zero"], {}, f"error: /dev/zero: cannot read mapping: {TOO_LARGE}"),
        (["pull", "--sources", "/dev/zero", "--dry-run"], {}, "error: /dev/zero: cannot read the sources file"),
        (["query", "person = 'x'"], {"AUDITQL_IDENTITIES": "/dev/zero"},
         f"error: /dev/zero: cannot read identities file: {TOO_LARGE}"),
        (["query", "category = 'login'"], {"AUDITQL_CONFIG": "/dev/zero"},
         f"error: /dev/zero: cannot read the settings file ({TOO_LARGE})"),
    ],
    ids=["mapping", "sources", "identities", "settings"],
)  # fmt: skip
def test_a_device_named_as_a_file_is_one_line(sample_db: Path, args: list[str], env: dict, line: str) -> None:
    if args[0] == "query":
        args = [*args, "--db", str(sample_db)]
    result = run_auditql(*args, env=env)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(line) and result.stderr.count("\n") == 1, result.stderr


def test_an_ingest_with_such_a_mapping_stores_nothing(tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    result = run_auditql("ingest", "--db", db, "--mapping", "/dev/zero", SAMPLES / "resolver")
    assert (result.returncode, result.stderr) == (2, f"error: /dev/zero: cannot read mapping: {TOO_LARGE}\n")
    assert not db.exists()


def test_latin_1_mapping_and_identities_files_are_named(sample_db: Path, tmp_path: Path) -> None:
    latin = tmp_path / "café.toml"
    latin.write_bytes(b"# caf\xe9\n")
    mapping = run_auditql("vendors", "--check", latin)
    assert (mapping.returncode, mapping.stderr) == (
        2,
        f"error: {latin}: cannot read mapping: not UTF-8 text (byte 6)\n",
    )
    people = run_auditql("query", "--db", sample_db, "person = 'x'", env={"AUDITQL_IDENTITIES": str(latin)})
    assert (people.returncode, people.stderr) == (
        2,
        f"error: {latin}: cannot read identities file: not UTF-8 text (byte 6)\n",
    )


def test_the_bound_is_exact(tmp_path: Path) -> None:
    at = tmp_path / "at.toml"
    at.write_bytes(b"a" * 10)
    assert read_small(at, most=10) == b"a" * 10
    with pytest.raises(OSError, match=r"more than 9 bytes") as raised:
        read_small(at, most=9)
    assert raised.value.filename == str(at)
