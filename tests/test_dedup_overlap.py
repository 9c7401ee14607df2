"""Overlapping exports: dedup weighs only the records that share a key with another copy (dedup._hold) and
stores the rest as on the fast path. Exactness: each vendor's sample and fixture files, cut into overlapping
pieces (and a piece that repeats records within itself), ingested in several orders, give byte for byte the
tables the rule computed over every record of each file (dedup._hold replaced by one that holds them all,
the code before the split), `verify` holds, and read = added + duplicates + rejected for every file."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from conftest import DATA, SAMPLES

from auditql import api
from auditql.ingest import dedup

# Per vendor: the files ingested whole, and those also cut into pieces (a: the first two thirds, b: the last two
# thirds, c: the first half then its first quarter again).
VENDORS: dict[str, tuple[list[Path], list[Path]]] = {
    "adobe_cja": (
        sorted((SAMPLES / "adobe_cja").iterdir()) + sorted((DATA / "adobe_cja").glob("*.csv")),
        [
            SAMPLES / "adobe_cja" / "auditlogs_api_page.json",
            SAMPLES / "adobe_cja" / "audit_logs_1763719200.json",
            SAMPLES / "adobe_cja" / "auditlogs_ui_export.csv",
            DATA / "adobe_cja" / "cjapy_dump.json",
            DATA / "adobe_cja" / "ui_download_no_logid.csv",
        ],
    ),
    "sap_cdc": (
        [*sorted((SAMPLES / "sap_cdc").iterdir()), DATA / "sap_cdc" / "audit_search_resent_page.ndjson"],
        [
            SAMPLES / "sap_cdc" / "audit_export.ndjson",
            SAMPLES / "sap_cdc" / "audit_search_page1.json",
            DATA / "sap_cdc" / "audit_records_mixed_keys.ndjson",
        ],
    ),
    "resolver": (
        sorted((SAMPLES / "resolver").iterdir()) + sorted((DATA / "resolver").iterdir()),
        [
            SAMPLES / "resolver" / "user_audit_trail_export_1.csv",
            SAMPLES / "resolver" / "user_audit_trail_export_2.csv",
            DATA / "resolver" / "data_audit_archive_export.csv",
        ],
    ),
    "sas_ci360": (
        sorted((SAMPLES / "sas_ci360").iterdir()) + sorted((DATA / "sas_ci360").iterdir()),
        [
            SAMPLES / "sas_ci360" / "audit_records_2025-03-02.csv",
            SAMPLES / "sas_ci360" / "AuditDataFile0_11202025101500.parquet",
        ],
    ),
    "broadcom_portal": (sorted((SAMPLES / "broadcom_portal").iterdir()), []),
}
PIECES: dict[str, Callable[[list], list]] = {
    "a": lambda r: r[: 2 * len(r) // 3],
    "b": lambda r: r[len(r) // 3 :],
    "c": lambda r: r[: len(r) // 2] + r[: len(r) // 4],
}


def _cut(path: Path, folder: Path) -> list[Path]:
    """The file's pieces, each under folder/<piece>/ with the file's own name (detection may read it)."""
    out = []
    for piece, take in PIECES.items():
        target = folder / piece / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".csv":
            header, *records = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\r\n").writerows([header, *take(records)])
            target.write_text(buf.getvalue(), encoding="utf-8")
        elif path.suffix == ".ndjson":
            target.write_text("".join(take(path.read_text().splitlines(keepends=True))))
        elif path.suffix == ".json":
            doc = json.loads(path.read_text())
            if isinstance(doc, list):
                doc = take(doc)
            else:
                (key,) = [k for k in ("content", "results") if isinstance(doc.get(k), list)]
                doc = doc | {key: take(doc[key])}
            target.write_text(json.dumps(doc, indent=1))
        else:  # Parquet: the rows in file order, as DuckDB reads them
            con = duckdb.connect()
            try:
                n = con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]
                rows = take(list(range(n)))
                con.execute(
                    f"COPY (SELECT * EXCLUDE (_i) FROM (SELECT *, row_number() OVER () - 1 AS _i "
                    f"FROM read_parquet('{path}')) t JOIN unnest(?::BIGINT[]) WITH ORDINALITY AS p(_i, _o) "
                    f"USING (_i) ORDER BY _o) TO '{target}' (FORMAT parquet)",
                    [rows],
                )
            finally:
                con.close()
        out.append(target)
    return out


def _tables(db: Path) -> dict[str, list[str]]:
    """Every row of the archive's tables as its JSON text, sorted (ingest times left out)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            table: sorted(
                r[0] for r in con.execute(f"SELECT to_json(t)::VARCHAR FROM (SELECT {cols} FROM {table}) t").fetchall()
            )
            for table, cols in (
                ("events", "*"),
                ("deliveries", "*"),
                ("sources", "* EXCLUDE (ingested_at)"),
                ("rejects", "* EXCLUDE (ingested_at)"),
            )
        }
    finally:
        con.close()


def _ingest(files: list[Path], db: Path) -> None:
    """The files in this order (each its own transaction); every count adds up and custody holds."""
    results = api.ingest(files, db).files
    assert [r.error for r in results] == [None] * len(files)
    for r in results:
        assert r.read == r.added + r.duplicates + r.rejected > 0, r
    assert api.verify(db).ok


def _hold_all(con: duckdb.DuckDBPyConnection, in_file: bool) -> None:
    """The code before the split: the rule weighs every good record of the file."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _aq_held AS SELECT source_row, event_key, content_key, "
                f"{dedup.FULL} AS filled FROM _aq_staged WHERE {dedup.GOOD}")  # fmt: skip


def _keep_differing_raw_before(con: duckdb.DuckDBPyConnection, file: str, digest: str) -> None:
    """The code before this change, as it was: a NOT EXISTS over all of `events`."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _aq_kept AS
            SELECT s.source_row, s.raw FROM _aq_staged s ANTI JOIN _aq_new n USING (source_row)
            WHERE s.{dedup.GOOD} AND NOT EXISTS (SELECT 1 FROM events e WHERE e.event_key = s.event_key
                                            AND e.raw::VARCHAR = s.raw::VARCHAR)"""
    )
    con.execute(
        f"""UPDATE deliveries d SET raw = k.raw, raw_digest = md5(k.raw::VARCHAR) FROM _aq_kept k
            WHERE d.source_file = {file} AND d.sha256 = ? AND d.source_row = k.source_row""",
        [digest],
    )


def _twins(path: Path, folder: Path) -> Path:
    """CJA records and, in the same file, id-less twins of some (`id` removed): the rule's id-meets-content case
    inside one file, which the fast path must not take."""
    records = json.loads(path.read_text())[:12]
    twins = [{k: v for k, v in r.items() if k != "id"} for r in records[::2]]
    target = folder / "twins" / path.name
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps([*records, *twins]))
    return target


def _files(vendor: str, folder: Path) -> list[Path]:
    whole, cut = VENDORS[vendor]
    twins = [_twins(SAMPLES / "adobe_cja" / "audit_logs_1763719200.json", folder)] if vendor == "adobe_cja" else []
    return whole + [p for path in cut for p in _cut(path, folder / "pieces" / path.stem)] + twins


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_overlapping_pieces_give_the_archive_the_whole_file_rule_gives(
    vendor: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _files(vendor, tmp_path)
    random.Random(20).shuffle(files)
    # Twins first (their keys shared only inside their file), then first pieces: later copies overlap them.
    files.sort(key=lambda f: (f.parent.name != "twins", f.parent.name != "a"))
    split: list[tuple[int, int]] = []  # (records held, good records) per file the rule weighed
    real_hold = dedup._hold

    def counted_hold(con: duckdb.DuckDBPyConnection, in_file: bool) -> None:
        real_hold(con, in_file)
        held = con.execute("SELECT count(*) FROM _aq_held").fetchone()
        good = con.execute(f"SELECT count(*) FROM _aq_staged WHERE {dedup.GOOD}").fetchone()
        split.append((held[0] if held else 0, good[0] if good else 0))

    monkeypatch.setattr(dedup, "_hold", counted_hold)
    _ingest(files, tmp_path / "split.duckdb")
    monkeypatch.setattr(dedup, "_hold", _hold_all)
    monkeypatch.setattr(dedup, "_keep_differing_raw", _keep_differing_raw_before)
    _ingest(files, tmp_path / "whole.duckdb")
    assert _tables(tmp_path / "split.duckdb") == _tables(tmp_path / "whole.duckdb")
    # The split was taken: some files had records of their own beside records already held.
    if VENDORS[vendor][1]:
        assert any(0 < held < good for held, good in split), split


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_overlapping_pieces_in_any_order_give_the_same_events(vendor: str, tmp_path: Path) -> None:
    files = _files(vendor, tmp_path)
    _ingest(files, tmp_path / "forward.duckdb")
    _ingest(files[::-1], tmp_path / "reverse.duckdb")
    forward, reverse = _tables(tmp_path / "forward.duckdb"), _tables(tmp_path / "reverse.duckdb")
    assert forward["events"] == reverse["events"]
    assert len(forward["deliveries"]) == len(reverse["deliveries"])
