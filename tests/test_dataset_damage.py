"""A damaged Parquet dataset (an `auditql export` folder whose files were cut short, overwritten or edited by
hand) through the real CLI: every command that opens it — query, verify, importing it into an archive file,
ingesting into it — ends with one line naming the damaged file and exit 4, never "internal error"; an import
creates no archive file and an ingest leaves the dataset's files as they were.

Each damage was found by hand first (all of them gave exit 70 before): a catalog file shorter than a Parquet
footer ("too small to be a Parquet file", which DuckDB raises as InvalidInputException, not IOException), a
manifest.json that is not JSON, not UTF-8, or not an object listing the columns, and a part file cut short or
replaced by a symlink to a text file."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SAMPLES

from auditql import api
from auditql.errors import ExitCode


@pytest.fixture(scope="module")
def pristine(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("damage") / "dataset"
    api.export(sample_db, target)
    return target


def first_part(root: Path) -> Path:
    return sorted((root / "events").rglob("*.parquet"))[0]


def cut_short(path: Path) -> None:
    path.write_bytes(b"PA")  # shorter than Parquet's 8-byte footer


def overwritten(path: Path) -> None:
    path.write_bytes(b"not parquet at all, but longer than any footer\n" * 4)


def symlinked_to_text(path: Path) -> None:
    text = path.with_name("notes.txt.bak")
    text.write_text("a text file where a part file was\n" * 4)
    path.unlink()
    path.symlink_to(text)


# Both readers' words for a file shorter than a footer: DuckDB reads the catalog files, Arrow the part files
# (and DuckDB again when an ingest adds to the dataset).
SHORT = "too small to be a Parquet file|smaller than the minimum file footer"
MAGIC = "magic bytes"
# (what is damaged, how, the reason the error must give: a regular expression)
DAMAGES: dict[str, tuple[Callable[[Path], Path], Callable[[Path], None], str]] = {
    "manifest.parquet cut short": (lambda r: r / "_auditql" / "manifest.parquet", cut_short, SHORT),
    "sources.parquet cut short": (lambda r: r / "_auditql" / "sources.parquet", cut_short, SHORT),
    "deliveries.parquet overwritten": (lambda r: r / "_auditql" / "deliveries.parquet", overwritten, MAGIC),
    "part file cut short": (first_part, cut_short, SHORT),
    "part file a symlink to text": (first_part, symlinked_to_text, MAGIC),
}
UNLISTED = "the manifest does not list the dataset's columns"
MANIFESTS = {
    "not JSON": (b"{\n", "the manifest is not JSON: "),
    "not UTF-8": (b"\xff\xfe{}", "the manifest is not UTF-8 text"),
    "not an object": (b"[1]", UNLISTED),
    "columns without names": (
        b'{"columns": [{"type": "VARCHAR"}]}',
        "the manifest does not list the dataset's columns",
    ),
}
COMMANDS = {
    "query": lambda root, tmp: ("query", "--db", root, "category = 'login'", "--format", "csv"),
    "verify": lambda root, tmp: ("verify", "--db", root),
    "import": lambda root, tmp: ("ingest", "--db", tmp / "new.duckdb", root),
}


def damaged_copy(pristine: Path, tmp_path: Path) -> Path:
    root = tmp_path / "dataset"
    shutil.copytree(pristine, root, symlinks=True)
    return root


def assert_one_line(result, names: str, reason: str) -> None:
    assert result.exit_code == ExitCode.BUSY, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and names in lines[0] and re.search(reason, lines[0]), lines[0]
    assert "internal error" not in lines[0] and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_file_is_named_in_one_line(pristine: Path, tmp_path: Path, cli, damage: str, command: str) -> None:
    root = damaged_copy(pristine, tmp_path)
    where, harm, reason = DAMAGES[damage]
    target = where(root)
    harm(target)
    result = cli(*COMMANDS[command](root, tmp_path))
    assert_one_line(result, str(target.relative_to(tmp_path)), reason)
    assert not (tmp_path / "new.duckdb").exists()


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("manifest", MANIFESTS)
def test_a_damaged_manifest_is_named_in_one_line(
    pristine: Path, tmp_path: Path, cli, manifest: str, command: str
) -> None:
    root = damaged_copy(pristine, tmp_path)
    content, reason = MANIFESTS[manifest]
    (root / "_auditql" / "manifest.json").write_bytes(content)
    result = cli(*COMMANDS[command](root, tmp_path))
    assert_one_line(result, "dataset/_auditql/manifest.json", reason)
    assert not (tmp_path / "new.duckdb").exists()


@pytest.mark.parametrize("damage", ["part file cut short", "part file a symlink to text", "sources.parquet cut short"])
def test_ingest_into_a_damaged_dataset_changes_none_of_its_files(
    pristine: Path, tmp_path: Path, cli, damage: str
) -> None:
    root = damaged_copy(pristine, tmp_path)
    where, harm, reason = DAMAGES[damage]
    harm(where(root))
    before = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    result = cli("ingest", "--db", root, SAMPLES / "resolver")
    assert_one_line(result, "dataset/", reason)
    after = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file() and p.name != ".lock"}
    assert after == before
