"""Bad input: a clear message naming the file (and line), a non-zero exit, and an archive that is exactly
as it was (file-level failures) or holds the file's good records (record-level rejects)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from conftest import SAMPLES, count, rows

from auditql.ingest.run import ingest


@pytest.fixture
def db(tmp_path: Path) -> Path:
    db = tmp_path / "archive.duckdb"
    ingest([SAMPLES / "resolver" / "user_audit_trail_export_1.csv"], db)
    return db


def snapshot(db: Path) -> list:
    return [rows(db, f"SELECT * FROM {t} ORDER BY ALL") for t in ("events", "sources", "rejects", "fields")]


def file_level(tmp_path: Path, name: str, content: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(content)
    return p


def junk_only_zip() -> bytes:
    """A zip holding only what macOS and Windows leave behind: no data file to ingest."""
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("__MACOSX/._audit.csv", b"\x00\x05\x16\x07")
        zf.writestr(".DS_Store", b"Bud1")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("export.zip", b"this is not a zip at all", "not a valid zip archive"),
        (
            "truncated.parquet",
            (SAMPLES / "sas_ci360" / "audit_records_2025-03-01.parquet").read_bytes()[:300],
            "cannot read as Parquet",
        ),
        ("array.json", b'[{"a": 1}, {"a": ', "cannot read as JSON"),
        ("empty.csv", b"", "empty file"),
        ("empty.zip", b"PK\x05\x06" + bytes(18), "archive holds no data files"),
        ("junk.zip", junk_only_zip(), "archive holds no data files"),
    ],
)
def test_unreadable_file_stores_nothing(db: Path, tmp_path: Path, cli, name: str, content: bytes, message: str) -> None:
    before = snapshot(db)
    bad = file_level(tmp_path, name, content)
    result = cli("ingest", "--db", db, bad)
    assert result.exit_code == 1
    assert name in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(db) == before


def test_traversal_zip_is_refused_whole(db: Path, tmp_path: Path, cli) -> None:
    z = tmp_path / "evil.zip"
    good = (SAMPLES / "resolver" / "user_audit_trail_export_2.csv").read_bytes()
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("good.csv", good)
        zf.writestr("../../escape.csv", good)
    before = snapshot(db)
    result = cli("ingest", "--db", db, z)
    assert result.exit_code == 1
    assert "evil.zip" in result.stderr and "../../escape.csv" in result.stderr
    assert snapshot(db) == before


def test_truncated_ndjson_record_is_rejected_with_its_line_and_the_rest_stored(db: Path, tmp_path: Path, cli) -> None:
    lines = (SAMPLES / "sap_cdc" / "audit_export.ndjson").read_text().splitlines()[:5]
    f = tmp_path / "cut.ndjson"
    f.write_text("\n".join(lines) + "\n" + lines[0][: len(lines[0]) // 2])
    before = count(db)
    result = cli("ingest", "--db", db, "--format", "json", f)
    assert result.exit_code == 1
    (report,) = json.loads(result.stdout)
    assert (report["read"], report["added"], report["duplicates"], report["rejected"]) == (6, 5, 0, 1)
    assert report["rejects"][0]["line"] == 6
    assert "cut.ndjson: line 6: malformed JSON" in result.stderr
    assert count(db) == before + 5
    assert rows(db, "SELECT line, reason FROM rejects WHERE source_file LIKE '%cut.ndjson'") == [
        (6, "malformed JSON line (truncated or invalid)")
    ]


def test_ragged_csv_row_and_bad_time_are_rejected_and_counted(db: Path, tmp_path: Path, cli) -> None:
    f = tmp_path / "ragged.csv"
    f.write_text(
        "Date and Time,Subject,Event,Performed By\n"
        "2025-06-01 10:00:00,Alex Example,Add User,Sam Example\n"
        "2025-06-01 10:00:01,Alex Example,Add User,Sam Example,EXTRA\n"
        "yesterday-ish,Alex Example,Delete User,Sam Example\n"
        "2025-06-01 10:00:03,Alex Example,Update User,Sam Example\n"
    )
    result = cli("ingest", "--db", db, "--format", "json", f)
    assert result.exit_code == 1
    (report,) = json.loads(result.stdout)
    assert (report["read"], report["added"], report["rejected"]) == (4, 2, 2)
    reasons = [(r["line"], r["row"], r["reason"]) for r in report["rejects"]]
    assert reasons[0][0] == 3 and reasons[0][2].startswith("too many columns")
    # Physical line 4, data row 3: the rejected ragged row still counts as a row.
    assert reasons[1] == (4, 3, 'cannot parse time "yesterday-ish"')
    assert "ragged.csv: line 3" in result.stderr and "ragged.csv: line 4: cannot parse time" in result.stderr


def test_missing_path_is_a_clear_error(tmp_path: Path, cli) -> None:
    result = cli("ingest", "--db", tmp_path / "a.duckdb", tmp_path / "nope.csv")
    assert result.exit_code == 1
    assert "nope.csv: no such file or folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_latin1_csv_is_read_with_a_note(tmp_path: Path) -> None:
    f = tmp_path / "latin.csv"
    f.write_bytes(
        "Date and Time,Subject,Event,Performed By\n2025-01-01 00:00:00,Zoë Café,Add User,José\n".encode("latin-1")
    )
    report = ingest([f], tmp_path / "a.duckdb")
    assert report.ok and report.files[0].notes == ["not UTF-8: read as Windows-1252"]
    assert rows(tmp_path / "a.duckdb", "SELECT target_name, actor_name FROM events") == [("Zoë Café", "José")]


def test_windows1252_csv_keeps_curly_quotes_and_euro(tmp_path: Path) -> None:
    f = tmp_path / "win.csv"
    f.write_bytes(b"Date and Time,Subject,Event,Performed By\n2025-01-01 00:00:00,Don\x92t \x80 5,Add User,Jos\xe9\n")
    report = ingest([f], tmp_path / "a.duckdb")
    assert report.ok and report.files[0].notes == ["not UTF-8: read as Windows-1252"]
    assert rows(tmp_path / "a.duckdb", "SELECT target_name, actor_name FROM events") == [("Don’t € 5", "José")]


def test_bytes_undefined_in_windows1252_fall_back_to_latin1(tmp_path: Path) -> None:
    f = tmp_path / "latin.csv"
    f.write_bytes(b"Date and Time,Subject,Event,Performed By\n2025-01-01 00:00:00,A\x81B,Add User,Jos\xe9\n")
    report = ingest([f], tmp_path / "a.duckdb")
    assert report.ok and report.files[0].notes == ["not UTF-8: read as Latin-1"]
    assert rows(tmp_path / "a.duckdb", "SELECT target_name FROM events") == [("A\x81B",)]


def test_utf16_csv_is_read(tmp_path: Path) -> None:
    f = tmp_path / "u16.csv"
    f.write_bytes("Date and Time,Subject,Event,Performed By\n2025-01-01 00:00:00,Zoë,Add User,José\n".encode("utf-16"))
    report = ingest([f], tmp_path / "a.duckdb")
    assert report.ok
    assert rows(tmp_path / "a.duckdb", "SELECT target_name FROM events") == [("Zoë",)]


@pytest.mark.parametrize(
    ("content", "lines", "empty", "endings"),
    [
        (b"a\nb\n", 2, [], 1),
        (b"a\nb", 2, [], 1),
        (b"a\r\nb\n", 2, [], 2),
        (b"a\rb\r", 2, [], 1),
        (b"a\n\nb\n", 3, [2], 1),
        (b"\na\n", 2, [1], 1),
        (b"a\r\n\r\n\r\nb\r\n", 4, [2, 3], 1),
        (b"a\r\rb\n", 3, [2], 2),
    ],
)
@pytest.mark.parametrize("chunk", [1, 2, 3, 1 << 20])
def test_line_layout_is_the_same_for_every_chunk_size(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    content: bytes,
    lines: int,
    empty: list[int],
    endings: int,
    chunk: int,
) -> None:
    """Line breaks split across read chunks (a CR at the end of one, its LF at the start of the next)."""
    from auditql.read import text as textfile

    monkeypatch.setattr(textfile, "_CHUNK", chunk)
    f = tmp_path / "x.csv"
    f.write_bytes(content)
    assert textfile.scan(f, "utf-8") == textfile.Layout(lines, empty, endings)


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        ("{0}\n{1}\n{2}\n", [1, 2, 3]),  # every line a record: each keeps its number, nothing recomputed
        ("{0}\n{1}\n{2}", [1, 2, 3]),  # no final line break
        ("{0}\r\n{1}\r\n{2}\r\n", [1, 2, 3]),
        ("{0}\n\n{1}\n\n\n{2}\n", [1, 3, 6]),  # empty lines: DuckDB skips them, the lines are put back
        ("{0}\nnot json\n{1}\n\n{2}\n", [1, 3, 5]),  # a malformed line between records
    ],
)
def test_every_ndjson_record_names_its_physical_line(tmp_path: Path, layout: str, expected: list[int]) -> None:
    """Data: the sample's Gigya audit.search records (sample_data/README.md), laid out on lines as above."""
    lines = (SAMPLES / "sap_cdc" / "audit_export.ndjson").read_text().splitlines()[:3]
    f = tmp_path / "laid_out.ndjson"
    f.write_bytes(layout.format(*lines).encode())
    db = tmp_path / "lines.duckdb"
    ingest([f], db)
    assert [r[0] for r in rows(db, "SELECT line FROM deliveries ORDER BY line")] == expected
