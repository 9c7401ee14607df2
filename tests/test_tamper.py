"""Tried as a new user would (issue 14, C and D): edit a copy of an ingested archive with the duckdb package,
run the real `auditql verify` as a subprocess, and watch it name each edit — which file, which table, how
many events — with exit 5. The same for a Parquet dataset (a part file edited with duckdb or pyarrow) and
for a query's result exported as a dataset. And a file that changes or vanishes while it is being ingested
is refused whole, with one line naming it, while the other files are stored.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import SAMPLES, edit, rows, run_auditql

from auditql import digests
from auditql.errors import ExitCode
from auditql.ingest import custody
from auditql.ingest.run import ingest
from auditql.read import text as textfile

RESOLVER = SAMPLES / "resolver" / "user_audit_trail_export_1.csv"
SAP = SAMPLES / "sap_cdc" / "audit_search_page1.json"
HEADER = "Date and Time,Subject,Event,Performed By,Subject Type,Previous Value,Updated Value"
# One good row (a copy of the first row of RESOLVER) and two rejected ones.
BAD = (
    f"{HEADER}\n"
    "2025-11-21 09:11:55,Nightly export integration,Create API Key,Alex Example,API Key,,\n"
    "yesterday-ish,Nightly export integration,Create API Key,Alex Example,API Key,,\n"
    "not a time,BI connector,Create API Key,External Org User,API Key,,\n"
)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three exports ingested once: ids (SAP), id-less rows (Resolver), and a file with two rejects whose good
    row is also in the Resolver export (a duplicate delivery)."""
    folder = tmp_path_factory.mktemp("tamper")
    exports = folder / "exports"
    exports.mkdir()
    shutil.copy(RESOLVER, exports / RESOLVER.name)
    shutil.copy(SAP, exports / SAP.name)
    (exports / "resolver_bad.csv").write_text(BAD, encoding="utf-8")
    report = ingest([exports], folder / "archive.duckdb")
    assert [(Path(f.source_file).name, f.added, f.duplicates, f.rejected) for f in report.files] == [
        (SAP.name, 43, 0, 0),
        ("resolver_bad.csv", 1, 0, 2),
        (RESOLVER.name, 41, 1, 0),
    ]
    return folder


@pytest.fixture
def archive(pristine: Path, tmp_path: Path) -> Path:
    db = tmp_path / "archive.duckdb"
    shutil.copy(pristine / "archive.duckdb", db)
    return db


def problems(db: Path, *options: str) -> tuple[int, list[str]]:
    """Exit code of the real CLI and its PROBLEM lines (the files are not re-hashed: their copies are elsewhere)."""
    done = run_auditql("verify", "--db", db, "--no-rehash", *options)
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    return done.returncode, [line.removeprefix("PROBLEM: ") for line in done.stdout.splitlines() if "PROBLEM" in line]


def test_the_untouched_archive_verifies(archive: Path) -> None:
    done = run_auditql("verify", "--db", archive, "--no-rehash")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("verified: the chain of custody holds")


EXPORTS = "{x}"  # the folder the exports were ingested from
R1, SAPF, BADF = f"{EXPORTS}/{RESOLVER.name}", f"{EXPORTS}/{SAP.name}", f"{EXPORTS}/resolver_bad.csv"
IN_R1 = f"source_file LIKE '%{RESOLVER.name}'"
IN_SAP = f"source_file LIKE '%{SAP.name}'"


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        pytest.param(
            [f"UPDATE events SET actor_name = 'Mallory' WHERE {IN_R1} AND source_row = 5"],
            [f"{R1}: events table: 1 event differs from what the file delivered"],
            id="actor",
        ),
        pytest.param(
            [f"UPDATE events SET time = time + INTERVAL 1 HOUR WHERE {IN_R1} AND source_row IN (5, 6)"],
            [f"{R1}: events table: 2 events differ from what the file delivered"],
            id="time",
        ),
        pytest.param(
            [f"UPDATE events SET outcome = 'failure' WHERE {IN_SAP} AND source_row <= 3"],
            [f"{SAPF}: events table: 3 events differ from what the file delivered"],
            id="outcome",
        ),
        pytest.param(
            [f"""UPDATE events SET raw = '{{"Performed By": "nobody"}}' WHERE {IN_R1} AND source_row = 7"""],
            [f"{R1}: events table: 1 event differs from what the file delivered"],
            id="raw",
        ),
        pytest.param(
            # the real event goes, a made-up one takes its place (its own key, its raw, its row)
            [
                f"CREATE TABLE real AS SELECT * FROM events WHERE {IN_SAP} AND source_row = 4",
                f"DELETE FROM events WHERE {IN_SAP} AND source_row = 4",
                "INSERT INTO events SELECT * REPLACE ('sap_cdc:id:forged' AS event_key, 'forged' AS event_id, "
                "'mallory' AS actor_id) FROM real",
                "DROP TABLE real",
            ],
            [
                f"{SAPF}: events table: 1 event the file never delivered (no such delivery on record)",
                f"{SAPF}: events table: 1 event it delivered is missing (deleted)",
            ],
            id="swap-for-fake",
        ),
        pytest.param(
            [f"UPDATE events SET event_key = 'sap_cdc:id:other' WHERE {IN_SAP} AND source_row = 9"],
            [
                f"{SAPF}: events table: 1 event the file never delivered (no such delivery on record)",
                f"{SAPF}: events table: 1 event it delivered is missing (deleted)",
            ],
            id="event-key",
        ),
        pytest.param(
            [f"DELETE FROM events WHERE {IN_R1} AND source_row IN (10, 11, 12)"],
            [
                "the archive holds 82 events, the manifest's entries added 85",
                f"{R1}: events table: 3 events it delivered are missing (deleted)",
            ],
            id="delete-events",
        ),
        pytest.param(
            [f"INSERT INTO events SELECT * FROM events WHERE {IN_SAP} AND source_row = 2"],
            [
                "the archive holds 86 events, the manifest's entries added 85",
                f"{SAPF}: events table: 1 event more than its deliveries account for (inserted)",
            ],
            id="insert-copy",
        ),
        pytest.param(
            [
                f"INSERT INTO events SELECT * REPLACE ('/elsewhere/made-up.csv' AS source_file, 'x:1' AS event_key) "
                f"FROM events WHERE {IN_SAP} AND source_row = 2"
            ],
            [
                "the archive holds 86 events, the manifest's entries added 85",
                "/elsewhere/made-up.csv: events table: 1 event the file never delivered (no such delivery on record)",
            ],
            id="insert-fake",
        ),
        pytest.param(
            ["UPDATE rejects SET reason = 'fine really' WHERE line = 3"],
            [
                f"{BADF}: rejects table: its 2 rows no longer match the content digest of its custody entry (rows "
                "edited, added or deleted)"
            ],
            id="edit-reject",
        ),
        pytest.param(
            ["DELETE FROM rejects WHERE line = 4"],
            [f"{BADF}: 1 rejected records kept, the manifest says 2"],
            id="delete-reject",
        ),
        pytest.param(
            [f"UPDATE sources SET sha256 = repeat('0', 64) WHERE {IN_SAP}"],
            [
                f"{SAPF}: sources table: its 1 row no longer matches the content digest of its custody entry (rows "
                "edited, added or deleted)"
            ],
            id="sources-sha256",
        ),
        pytest.param(
            [f"UPDATE sources SET added = added - 1, duplicates = duplicates + 1 WHERE {IN_R1}"],
            [
                f"{R1}: sources table: its 1 row no longer matches the content digest of its custody entry (rows "
                "edited, added or deleted)"
            ],
            id="sources-counts",
        ),
        pytest.param(
            [f"UPDATE deliveries SET line = line + 1 WHERE {IN_R1} AND source_row = 3"],
            [
                f"{R1}: deliveries table: its 42 rows no longer match the content digest of its custody entry (rows "
                "edited, added or deleted)"
            ],
            id="deliveries-line",
        ),
        pytest.param(
            [f"""UPDATE deliveries SET raw = '{{"made": "up"}}' WHERE {IN_R1} AND source_row = 1"""],
            [f"{R1}: deliveries table: the kept raw record of 1 copy was edited"],
            id="deliveries-raw",
        ),
        pytest.param(  # raw_digest is stored only where a raw is kept: removing it along with the edit is no cover
            [f"""UPDATE deliveries SET raw = '{{"made": "up"}}', raw_digest = NULL WHERE {IN_R1} AND source_row = 2"""],
            [f"{R1}: deliveries table: the kept raw record of 1 copy was edited"],
            id="deliveries-raw-without-digest",
        ),
        pytest.param(
            [f"DELETE FROM deliveries WHERE {IN_SAP} AND source_row = 43"],
            [
                f"{SAPF}: the archive holds 42 delivered records from it, the manifest says 43",
                f"{SAPF}: events table: 1 event the file never delivered (no such delivery on record)",
            ],
            id="delete-delivery",
        ),
        pytest.param(
            ["DROP TABLE manifest"],
            [
                "no custody record: the archive holds 85 events but no manifest table (dropped, or made before "
                "auditql kept one); nothing about its events can be verified"
            ],
            id="drop-manifest",
        ),
        pytest.param(
            ["DROP TABLE events"],
            ["no events table, yet the manifest records files ingested (dropped)"],
            id="drop-events",
        ),
        pytest.param(
            ["DROP TABLE deliveries"],
            [
                "no custody record: the archive holds 85 events but no deliveries table (dropped, or made before "
                "auditql kept one); nothing about its events can be verified"
            ],
            id="drop-deliveries",
        ),
        pytest.param(
            [
                "UPDATE manifest SET seq = 9 WHERE seq = 2",
                "UPDATE manifest SET seq = 2 WHERE seq = 3",
                "UPDATE manifest SET seq = 3 WHERE seq = 9",
            ],
            [
                f"entry 2 ({BADF}): does not follow the entry before it — an entry was deleted, inserted or reordered",
                f"entry 2 ({BADF}): edited — its content no longer matches its hash",
                f"entry 3 ({SAPF}): does not follow the entry before it — an entry was deleted, inserted or reordered",
                f"entry 3 ({SAPF}): edited — its content no longer matches its hash",
                f"entry 4 ({R1}): does not follow the entry before it — an entry was deleted, inserted or reordered",
            ],
            id="reorder-manifest",
        ),
        pytest.param(
            [f"UPDATE manifest SET deliveries_digest = '{digests.EMPTY}' WHERE seq = 2"],
            [
                f"entry 2 ({SAPF}): edited — its content no longer matches its hash",
                f"{SAPF}: deliveries table: its 43 rows no longer match the content digest of its custody entry "
                "(rows edited, added or deleted)",
            ],
            id="manifest-digest",
        ),
    ],
)
def test_verify_names_each_edit(pristine: Path, archive: Path, statements: list[str], expected: list[str]) -> None:
    edit(archive, *statements)
    code, found = problems(archive)
    assert code == ExitCode.VERIFY_FAILED
    assert sorted(found) == sorted(p.replace(EXPORTS, str(pristine / "exports")) for p in expected)


def test_a_consistent_forgery_is_caught_only_against_an_anchor(pristine: Path, archive: Path) -> None:
    """What verify cannot prove alone (docs/custody.md): an edit whose every digest and hash was recomputed
    with the published recipes. Only a head hash noted outside the archive catches it."""
    head = rows(archive, "SELECT arg_max(entry_hash, seq) FROM manifest")[0][0]
    con = duckdb.connect(str(archive))
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"UPDATE events SET actor_name = 'Mallory' WHERE {IN_R1} AND source_row = 5")
        con.execute(
            f"""UPDATE deliveries d SET digest = x.digest
                FROM (SELECT event_key, source_file, source_row, {digests.event_digest()} AS digest FROM events) x
                WHERE d.event_key = x.event_key AND d.source_file = x.source_file AND d.source_row = x.source_row"""
        )
        files = con.execute(digests.multiset(digests.DELIVERY_ROW, f"deliveries WHERE {IN_R1}")).fetchone()
        con.execute("UPDATE manifest SET deliveries_digest = ? WHERE seq = 4", [files[1]])
        cur = con.execute(f"SELECT {custody._HASHED_SELECT} FROM manifest ORDER BY seq")
        names = [d[0] for d in cur.description]
        prev = custody.GENESIS
        for row in cur.fetchall():
            entry = dict(zip(names, row, strict=True))
            entry["prev_hash"] = prev
            prev = custody.entry_hash(entry)
            con.execute(
                "UPDATE manifest SET prev_hash = ?, entry_hash = ? WHERE seq = ?",
                [entry["prev_hash"], prev, entry["seq"]],
            )
    finally:
        con.close()
    assert problems(archive) == (0, [])  # consistent: nothing inside the archive contradicts it
    code, found = problems(archive, "--anchor", head)
    assert code == ExitCode.VERIFY_FAILED
    assert found == [f"anchor {head}: no entry has this hash — the chain was rewritten or truncated"]


def test_a_file_ingested_again_after_the_anchor_is_named(archive: Path) -> None:
    """A file's latest entry re-commits all its rows: verify --anchor says which files that happened to."""
    export = archive.parent / "weekly.csv"
    export.write_text(BAD.split("yesterday")[0], encoding="utf-8")  # the header and one good row
    assert ingest([export], archive).ok
    head = rows(archive, "SELECT arg_max(entry_hash, seq) FROM manifest")[0][0]
    with export.open("a", encoding="utf-8") as fh:  # next week's download, saved over it
        fh.write("2025-11-28 09:00:00,BI connector,Create API Key,External Org User,API Key,,\n")
    assert ingest([export], archive).ok
    done = run_auditql("verify", "--db", archive, "--no-rehash", "--anchor", head)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        f"warning: {export}: ingested again after the anchor (entry 6); its rows are vouched for by that entry, "
        "not by the anchor"
    ) in done.stderr.splitlines()


def test_an_archive_from_before_content_digests_says_so_plainly(pristine: Path, archive: Path) -> None:
    """What an older auditql wrote: no digests on deliveries, entries hashed without digest keys."""
    con = duckdb.connect(str(archive))
    try:
        con.execute("UPDATE deliveries SET digest = NULL, raw_digest = NULL")
        con.execute(f"UPDATE manifest SET {', '.join(f'{c} = NULL' for c in digests.ENTRY_COLUMNS)}")
        cur = con.execute(f"SELECT {custody._HASHED_SELECT} FROM manifest ORDER BY seq")
        names = [d[0] for d in cur.description]
        prev = custody.GENESIS
        for row in cur.fetchall():
            entry = {**dict(zip(names, row, strict=True)), "prev_hash": prev}
            prev = custody.entry_hash(entry)
            con.execute(
                "UPDATE manifest SET prev_hash = ?, entry_hash = ? WHERE seq = ?",
                [entry["prev_hash"], prev, entry["seq"]],
            )
        con.execute(f"UPDATE events SET actor_name = 'Mallory' WHERE {IN_R1} AND source_row = 5")  # not caught
    finally:
        con.close()
    done = run_auditql("verify", "--db", archive, "--no-rehash")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        "warning: 3 files ingested by an auditql before content digests: not covered by content digests (their "
        "rows' counts are checked, not their content)"
    ) in done.stderr
    assert done.stdout.rstrip().endswith(
        "verified: the chain of custody holds; the content of 3 files is not covered by content digests "
        "(ingested by an older auditql)"
    )
    # the next ingest is covered in full, and the old files stay what they were
    more = archive.parent / "page2.json"
    shutil.copy(SAMPLES / "sap_cdc" / "audit_search_page2.json", more)
    assert ingest([more], archive).ok
    edit(archive, "UPDATE events SET outcome = 'failure' WHERE source_file LIKE '%page2.json' AND source_row = 4")
    code, found = problems(archive)
    assert code == ExitCode.VERIFY_FAILED
    assert found == [f"{more}: events table: 1 event differs from what the file delivered"]


# --- Parquet datasets ---------------------------------------------------------------------------------------


@pytest.fixture
def dataset(archive: Path, tmp_path: Path) -> Path:
    root = tmp_path / "dataset"
    done = run_auditql("export", "--db", archive, "--to", root)
    assert done.returncode == 0, done.stderr
    return root


def _part_with(root: Path, vendor: str) -> Path:
    return sorted((root / "events" / f"vendor={vendor}").rglob("*.parquet"))[0]


def test_an_exported_dataset_verifies_and_names_a_part_file_edited_with_duckdb(dataset: Path, archive: Path) -> None:
    assert problems(dataset) == (0, [])
    part = _part_with(dataset, "resolver")
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * REPLACE ('Mallory' AS actor_name) FROM read_parquet('{part}')) "
        f"TO '{part}.new' (FORMAT parquet)"
    )
    con.close()
    n = pq.read_metadata(part).num_rows
    Path(f"{part}.new").replace(part)
    code, found = problems(dataset)
    assert code == ExitCode.VERIFY_FAILED
    files = rows(
        archive,
        f"SELECT DISTINCT source_file FROM events WHERE vendor = 'resolver' AND strftime(time, '%Y-%m-%d') = "
        f"'{part.parent.name.removeprefix('date=')}'",
    )
    relative = part.relative_to(dataset)
    assert len(found) == len(files) >= 1
    assert all(
        line.endswith(f"differ from what the file delivered (in {relative})")
        or line.endswith(f"differs from what the file delivered (in {relative})")
        for line in found
    )
    assert sum(int(line.split("events table: ")[1].split(" ")[0]) for line in found) == n


def test_a_dataset_part_file_edited_with_pyarrow_is_named(pristine: Path, dataset: Path) -> None:
    part = _part_with(dataset, "sap_cdc")
    table = pq.read_table(part)
    outcome = table.column("outcome").to_pylist()
    outcome[0] = "failure" if outcome[0] != "failure" else "success"
    pq.write_table(table.set_column(table.schema.get_field_index("outcome"), "outcome", pa.array(outcome)), part)
    code, found = problems(dataset)
    assert code == ExitCode.VERIFY_FAILED
    assert found == [
        f"{pristine / 'exports' / SAP.name}: events table: 1 event differs from what the file delivered "
        f"(in {part.relative_to(dataset)})"
    ]


def test_a_deleted_part_file_is_named_by_its_source_file(dataset: Path) -> None:
    part = _part_with(dataset, "sap_cdc")
    n = pq.read_metadata(part).num_rows
    part.unlink()
    code, found = problems(dataset)
    assert code == ExitCode.VERIFY_FAILED
    assert f"the archive holds {85 - n} events, the manifest's entries added 85" in found
    assert any(
        line.endswith(f"{n} event{'s' if n > 1 else ''} it delivered {'are' if n > 1 else 'is'} missing (deleted)")
        for line in found
    )


def test_a_dataset_grown_by_ingest_verifies(dataset: Path, tmp_path: Path) -> None:
    more = tmp_path / "more"
    more.mkdir()
    shutil.copy(SAMPLES / "sap_cdc" / "audit_search_page2.json", more / "page2.json")
    assert run_auditql("ingest", "--db", dataset, more).returncode == 0
    assert problems(dataset) == (0, [])


def test_a_query_subset_verifies_against_its_own_export_entry(archive: Path, tmp_path: Path) -> None:
    root = tmp_path / "failures"
    done = run_auditql("export", "--db", archive, "--to", root, "vendor = 'resolver' AND actor_name = 'Alex Example'")
    assert done.returncode == 0, done.stderr
    done = run_auditql("verify", "--db", root, "--no-rehash", "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    exported = rows(archive, "SELECT count(*) FROM events WHERE vendor = 'resolver' AND actor_name = 'Alex Example'")[
        0
    ][0]
    assert report["ok"] is True and report["events"] == exported > 0
    assert report["warnings"] == [
        "a query's result (entry 5: export of \"vendor = 'resolver' AND actor_name = 'Alex Example'\"): its events "
        "and deliveries are checked against that entry, not against the files' entries"
    ]
    entry = pq.read_table(root / "_auditql" / "manifest.parquet").to_pylist()[-1]
    head = rows(archive, "SELECT arg_max(entry_hash, seq) FROM manifest")[0][0]
    assert (entry["kind"], entry["status"], entry["prev_hash"], entry["added"]) == (
        "export",
        "exported",
        head,
        exported,
    )
    assert entry["note"] == "vendor = 'resolver' AND actor_name = 'Alex Example'" and entry["path"] == str(archive)

    part = sorted((root / "events").rglob("*.parquet"))[0]
    table = pq.read_table(part)
    pq.write_table(table.slice(1), part)  # one exported event removed
    code, found = problems(root)
    assert code == ExitCode.VERIFY_FAILED
    assert found == [
        f"entry 5 (export of \"vendor = 'resolver' AND actor_name = 'Alex Example'\"): the dataset holds "
        f"{exported - 1} events, the export wrote {exported}"
    ]


def test_a_query_subset_takes_no_ingest(archive: Path, tmp_path: Path) -> None:
    """Its deliveries are only its events' and its chain ends in the export's entry: more files would be
    deduplicated against part of the record and no longer add up."""
    root = tmp_path / "subset"
    assert run_auditql("export", "--db", archive, "--to", root, "vendor = 'sap_cdc'").returncode == 0
    done = run_auditql("ingest", "--db", root, SAMPLES / "sap_cdc" / "audit_search_page2.json")
    assert done.returncode == ExitCode.USAGE
    assert done.stderr.strip().splitlines() == [
        f"error: {root}: this dataset is the result of a query (\"vendor = 'sap_cdc'\"), not an archive; ingest "
        "into the archive it came from and export again"
    ]
    assert problems(root) == (0, [])


def test_a_query_result_of_other_rows_verifies_and_its_edits_are_named(archive: Path, tmp_path: Path) -> None:
    """Rows that are no whole events (an aggregate) are covered by the export entry's events digest alone."""
    root = tmp_path / "counts"
    query = "SELECT vendor, count(*) AS n FROM events GROUP BY vendor"
    done = run_auditql("export", "--db", archive, "--to", root, "--partition-by", "none", query)
    assert done.returncode == 0, done.stderr
    assert problems(root) == (0, [])
    part = root / "events" / "part-0.parquet"
    table = pq.read_table(part)
    pq.write_table(table.set_column(1, "n", pa.array([n + 1 for n in table.column("n").to_pylist()])), part)
    code, found = problems(root)
    assert code == ExitCode.VERIFY_FAILED
    assert found == [
        f"entry 5 (export of '{query}'): events table: its 2 rows no longer match the content digest the export "
        "recorded (rows edited)"
    ]


# --- D: the hash covers exactly what was stored ------------------------------------------------------------


@pytest.fixture
def two_files(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(RESOLVER, folder / "a_resolver.csv")
    shutil.copy(SAP, folder / "b_sap.json")
    return folder / "a_resolver.csv", folder / "b_sap.json"


def _after_hashing(monkeypatch: pytest.MonkeyPatch, victim: Path, act) -> None:
    """Run `act(victim)` right after ingest hashed `victim`, before DuckDB reads it: the race, made certain."""
    real = textfile.scan_file

    def scan_then_act(path: Path, lines: bool = True) -> textfile.Scanned:
        scanned = real(path, lines=lines)
        if path == victim:
            act(path)
        return scanned

    monkeypatch.setattr(textfile, "scan_file", scan_then_act)


def test_a_file_appended_to_between_hash_and_read_is_refused(
    monkeypatch: pytest.MonkeyPatch, two_files: tuple[Path, Path], tmp_path: Path, cli
) -> None:
    victim, other = two_files

    def append(path: Path) -> None:
        with path.open("a", encoding="utf-8") as fh:
            fh.write("2025-11-22 10:00:00,Late row,Create API Key,Alex Example,API Key,,\n")

    _after_hashing(monkeypatch, victim, append)
    db = tmp_path / "archive.duckdb"
    result = cli("ingest", "--db", db, victim, other)
    assert result.exit_code == ExitCode.REJECTED
    assert f"rejected file: {victim}: changed while it was being read; nothing from it stored" in result.stderr
    head = rows(db, "SELECT arg_max(entry_hash, seq) FROM manifest")[0][0]
    assert f"custody head: {head} (check later with `auditql verify --anchor HASH`)" in result.stderr
    assert rows(db, "SELECT source_file, count(*) FROM events GROUP BY ALL") == [(str(other), 43)]
    assert rows(db, "SELECT kind, status, source_file, note FROM manifest WHERE seq = 2") == [
        ("file", "failed", str(victim), f"{victim}: changed while it was being read; nothing from it stored")
    ]
    assert rows(db, "SELECT count(*) FROM deliveries WHERE source_file = ?", [str(victim)]) == [(0,)]
    monkeypatch.undo()
    assert problems(db) == (0, [])


def test_a_file_deleted_mid_ingest_is_one_clear_error_and_the_others_continue(
    monkeypatch: pytest.MonkeyPatch, two_files: tuple[Path, Path], tmp_path: Path, cli
) -> None:
    victim, other = two_files
    _after_hashing(monkeypatch, victim, Path.unlink)
    db = tmp_path / "archive.duckdb"
    result = cli("ingest", "--db", db, victim, other)
    assert result.exit_code == ExitCode.REJECTED
    assert [line for line in result.stderr.splitlines() if line.startswith("rejected file")] == [
        f"rejected file: {victim}: disappeared while it was being read; nothing from it stored"
    ]
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert rows(db, "SELECT source_file, count(*) FROM events GROUP BY ALL") == [(str(other), 43)]
    monkeypatch.undo()
    assert problems(db) == (0, [])
