"""Check a vendor mapping the way ingest will use it: each `[[sample]]` record is written to a file, read by
the real ingest with that mapping, and the canonical row it became is compared with what the sample
expects. `auditql vendors --check` and the test suite share it, so a built-in mapping's samples are tested
exactly as a user's own mapping is checked (the schema itself is checked when the mapping is loaded).
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from auditql.db import archive_file
from auditql.ingest.run import ingest
from auditql.output import iso_time
from auditql.vendors.mapping import Mapping, Sample

# `rejected` is checked against the reject reason; every other key against the stored row's column.
REJECTED = "rejected"


@dataclass(frozen=True)
class Comparison:
    """One expected value of one sample against what ingest made of it."""

    sample: int  # 1-based, in file order
    line: int | None  # the sample's `[[sample]]` header line
    column: str
    got: str
    expected: str
    ok: bool


def samples(mapping: Mapping) -> tuple[Sample, ...]:
    found = mapping.extras.get("samples", ())
    return found if isinstance(found, tuple) else ()


def run_samples(mapping: Mapping, mapping_files: Sequence[Path] = ()) -> list[Comparison]:
    """Every sample of `mapping` through the real ingest (`--vendor NAME`), one fresh archive each so that
    samples never deduplicate against each other. `mapping_files`: user mapping files to load (the one
    being checked, when it is not built in)."""
    out: list[Comparison] = []
    with tempfile.TemporaryDirectory(prefix="auditql-samples-") as tmp:
        for n, sample in enumerate(samples(mapping), 1):
            folder = Path(tmp) / str(n)
            folder.mkdir()
            db = folder / "sample.duckdb"
            report = ingest([write_sample(sample, folder)], db, vendor=mapping.name, mappings=mapping_files)
            result = report.files[0]
            reasons = [r["reason"] for r in result.rejects] + ([result.error] if result.error else [])
            rows = _rows(db)
            out += _compare(n, sample, rows[0] if rows else {}, reasons[0] if reasons else "")
            if len(rows) > 1:
                out.append(Comparison(n, sample.line, "(rows)", str(len(rows)), "1", False))
    return out


def write_sample(sample: Sample, folder: Path) -> Path:
    """The record as the vendor would write it: JSON as one record on one line, CSV as a header and a row."""
    if sample.format == "csv":
        path = folder / "sample.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(sample.record)
            writer.writerow([text(v) for v in sample.record.values()])
        return path
    path = folder / "sample.json"
    path.write_text(json.dumps(sample.record, default=text, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def text(value: object) -> str:
    """A TOML value as the text a CSV cell or a comparison shows."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso_time(value) if value.tzinfo else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _rows(db: Path) -> list[dict[str, object]]:
    if not db.exists():
        return []
    con = archive_file.open_reader(db)  # the scratch archive file this check just ingested into
    try:
        cur = con.execute("SELECT * EXCLUDE (raw) FROM events ORDER BY source_row")
        names = [d[0] for d in cur.description or []]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


def _compare(n: int, sample: Sample, row: dict[str, object], reason: str) -> list[Comparison]:
    out = []
    for column, want in sample.expect.items():
        expected = text(want)
        if column == REJECTED:
            out.append(
                Comparison(n, sample.line, column, reason, expected, bool(reason) and reason.startswith(expected))
            )
            continue
        got = text(row.get(column))
        ok = _same_time(got, expected) if column == "time" else got == expected
        out.append(Comparison(n, sample.line, column, got, expected, ok))
    if reason and REJECTED not in sample.expect:
        out.append(Comparison(n, sample.line, REJECTED, reason, "", False))
    return out


def _same_time(got: str, expected: str) -> bool:
    """The same instant: `2025-11-21T09:11:55Z` expects what is stored as `2025-11-21T09:11:55.000Z`; a time
    without a zone is UTC, as ingest reads it."""
    try:
        a, b = datetime.fromisoformat(got), datetime.fromisoformat(expected)
    except ValueError:
        return got == expected
    return a.replace(tzinfo=a.tzinfo or UTC) == b.replace(tzinfo=b.tzinfo or UTC)
