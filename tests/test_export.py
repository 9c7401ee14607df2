"""`auditql export` and the Parquet dataset as an archive: layout, schema, atomicity, the same answers as
the DuckDB archive, ingest with the same accounting, and partition pruning — on the real sample archive."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from conftest import SAMPLES, rows

from auditql import api
from auditql.api import export

QUERIES = Path(__file__).parent / "queries"
FAILED_LOGINS = "category = 'login' AND outcome = 'failure' AND time >= '2025-11-20' AND time < '2025-11-21'"
SOCIALIZE = (
    "endpoint LIKE 'socialize%' AND @timestamp > '2015-08-16T00:00:00.000Z' AND @timestamp < '2015-08-17T00:00:00.000Z'"
)
# Queries over the samples whose answers must not depend on where the archive lives.
SAMPLE_QUERIES = [
    FAILED_LOGINS,
    SOCIALIZE,
    "vendor = 'sap_cdc' AND errCode != 0",
    "params.loginID LIKE '%@example.com' AND httpReq.SDK = 'js_latest'",
    "\"Performed By\" = 'External Org User'",
    "errMessage contains 'loginid'",
    "endpoint regex 'accounts\\..*'",
    "time BETWEEN '2025-03-01' AND '2025-03-01T12:00:00Z' AND vendor IN ('sas_ci360', 'resolver')",
    'SELECT * FROM auditLog WHERE errCode in ("403042", "400006") ORDER BY @timestamp DESC START 1 LIMIT 3',
    "SELECT vendor, count(*) AS n FROM events GROUP BY vendor ORDER BY n DESC",
    "SELECT vendor, date_trunc('day', time) AS day, count(*) FROM events WHERE time >= '2025-11-01' GROUP BY ALL",
    "SELECT errCode, count(*) FROM events WHERE vendor = 'sap_cdc' GROUP BY errCode",
    "SELECT e.vendor, count(*) FROM events e JOIN events f USING (event_key) GROUP BY 1",
]


@pytest.fixture(scope="module")
def dataset(sample_db: Path, tmp_path_factory: pytest.TempPathFactory, expected: dict) -> Path:
    """The whole sample archive exported once (tests must not write to it)."""
    target = tmp_path_factory.mktemp("dataset") / "samples"
    summary = export(sample_db, target)
    assert summary.rows == expected["total"]["unique_events"]
    return target


def answer(db: Path, text: str, **options: object) -> list[tuple]:
    return api.query(db, text, **options).rows  # type: ignore[arg-type]


def part_files(root: Path) -> list[Path]:
    return sorted((root / "events").rglob("*.parquet"))


def test_export_writes_partition_folders_with_the_archive_counts(
    dataset: Path, sample_db: Path, expected: dict
) -> None:
    archive = rows(
        sample_db, "SELECT vendor, strftime(time, '%Y-%m-%d'), count(*) FROM events GROUP BY ALL ORDER BY ALL"
    )
    con = duckdb.connect()
    exported = con.execute(
        "SELECT vendor, date::VARCHAR, count(*) FROM read_parquet(?, hive_partitioning = true) "
        "GROUP BY ALL ORDER BY ALL",
        [str(dataset / "events" / "**" / "*.parquet")],
    ).fetchall()
    assert exported == archive
    assert len(archive) == len(part_files(dataset))  # one file per (vendor, date)
    vendors = sorted(p.name for p in (dataset / "events").iterdir())
    assert vendors == [f"vendor={v}" for v in ("adobe_cja", "broadcom_portal", "resolver", "sap_cdc", "sas_ci360")]
    assert (dataset / "events" / "vendor=sap_cdc" / "date=2025-11-20").is_dir()
    manifest = json.loads((dataset / "_auditql" / "manifest.json").read_text())
    rows_files = (expected["total"]["unique_events"], len(archive), ["vendor", "date"])
    assert (manifest["rows"], manifest["files"], manifest["partition_by"]) == rows_files
    assert sorted(p.name for p in (dataset / "_auditql").glob("*.parquet")) == [
        "column_values.parquet",
        "deliveries.parquet",
        "fields.parquet",
        "manifest.parquet",
        "rejects.parquet",
        "sources.parquet",
    ]


def test_export_schema_is_canonical(dataset: Path) -> None:
    schema = pq.read_schema(part_files(dataset)[0])
    assert str(schema.field("time").type) == "timestamp[us, tz=UTC]"
    assert str(schema.field("raw").type) == "string"
    assert str(schema.field("source_row").type) == "int64"
    assert "date" not in schema.names and "vendor" not in schema.names  # partition values live in folder names
    assert pq.ParquetFile(part_files(dataset)[0]).metadata.row_group(0).column(0).compression == "ZSTD"
    con = api.reader(dataset)
    try:
        described = {name: kind for name, kind, *_ in con.execute("DESCRIBE events").fetchall()}
    finally:
        con.close()
    assert described["time"] == "TIMESTAMP WITH TIME ZONE"
    assert described["raw"] == "JSON"
    assert list(described) == [c for c in described if c != "date"] and "date" not in described


def test_export_a_query_result_through_the_cli(cli, sample_db: Path, tmp_path: Path, expected: dict) -> None:
    per_vendor = sorted(((v, e["unique_events"]) for v, e in expected["vendors"].items()), key=lambda x: -x[1])
    target = tmp_path / "failures"
    result = cli("export", "--db", sample_db, "--to", target, "outcome = 'failure'")
    assert result.exit_code == 0, result.stderr
    expected = rows(sample_db, "SELECT count(*) FROM events WHERE outcome = 'failure'")[0][0]
    assert result.stdout.startswith(f"{expected} rows in ")
    assert answer(target, "SELECT count(*), min(outcome), max(outcome) FROM events") == [
        (expected, "failure", "failure")
    ]
    assert answer(target, FAILED_LOGINS, columns=["time", "vendor"]) == answer(
        sample_db, FAILED_LOGINS, columns=["time", "vendor"]
    )

    grouped = tmp_path / "per_vendor"
    result = cli(
        "export", "--db", sample_db, "--to", grouped, "SELECT vendor, count(*) AS n FROM events GROUP BY vendor"
    )
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (grouped / "events").iterdir())[0] == "vendor=adobe_cja"
    counts = duckdb.connect().execute(
        "SELECT vendor, n FROM read_parquet(?, hive_partitioning = true) ORDER BY n DESC",
        [str(grouped / "events" / "*" / "*.parquet")],
    )
    assert counts.fetchall()[:2] == per_vendor[:2]
    # as an archive it has the canonical columns, the ones the result lacked as NULL
    assert answer(grouped, "SELECT vendor, count(*), count(time) FROM events GROUP BY vendor")[-1] == (
        "sas_ci360",
        1,
        0,
    )


def test_export_refuses_bad_options_and_leaves_nothing_half_written(cli, sample_db: Path, tmp_path: Path) -> None:
    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "keep.txt").write_text("mine")
    result = cli("export", "--db", sample_db, "--to", existing)
    assert result.exit_code == 2
    assert "folder is not empty; pass --overwrite" in result.stderr
    result = cli("export", "--db", sample_db, "--to", existing, "--overwrite")
    assert result.exit_code == 2
    assert "not an auditql dataset (no _auditql/manifest.json); --overwrite will not replace it" in result.stderr
    assert [p.name for p in existing.iterdir()] == ["keep.txt"]

    result = cli("export", "--db", sample_db, "--to", tmp_path / "x", "--partition-by", "month")
    assert result.exit_code == 2
    assert "'month' is not a partition key. Try one of: vendor, date" in result.stderr

    # the query fails while rows are being written: no dataset, no partial folder
    result = cli(
        "export", "--db", sample_db, "--to", tmp_path / "bad", "SELECT CAST(actor_name AS INTEGER) FROM events"
    )
    assert result.exit_code == 3
    assert result.stderr.startswith("error: export failed: Could not convert string")
    assert "Traceback" not in result.stderr

    # the target cannot be created (its parent is a file)
    (tmp_path / "afile").write_text("x")
    result = cli("export", "--db", sample_db, "--to", tmp_path / "afile" / "ds")
    assert result.exit_code == 2
    assert "cannot write the dataset" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "existing"]


def test_overwrite_swaps_in_the_new_dataset(cli, sample_db: Path, tmp_path: Path, expected: dict) -> None:
    target = tmp_path / "ds"
    assert cli("export", "--db", sample_db, "--to", target, "vendor = 'resolver'").exit_code == 0
    assert answer(target, "SELECT count(*) FROM events") == [(expected["vendors"]["resolver"]["unique_events"],)]
    result = cli("export", "--db", sample_db, "--to", target, "--overwrite", "vendor = 'sap_cdc'")
    assert result.exit_code == 0, result.stderr
    sap_cdc = expected["vendors"]["sap_cdc"]["unique_events"]
    assert answer(target, "SELECT vendor, count(*) FROM events GROUP BY vendor") == [("sap_cdc", sap_cdc)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


@pytest.mark.parametrize("text", SAMPLE_QUERIES)
def test_dataset_gives_the_same_answers_as_the_archive(dataset: Path, sample_db: Path, text: str) -> None:
    expected = answer(sample_db, text)
    assert answer(dataset, text) == expected
    assert expected  # each query finds something in the samples


def test_demo_answers_on_the_dataset(dataset: Path, expected: dict) -> None:
    assert len(answer(dataset, FAILED_LOGINS)) == expected["demo_failed_logins_2025_11_20"]["total"] == 10
    assert len(answer(dataset, SOCIALIZE)) == expected["demo_socialize_2015_08_16"] == 4


def fixture_queries() -> list:
    """The translator's fixture queries that run without params or error (tests/queries/*.sql)."""
    cases = []
    for path in sorted(QUERIES.glob("*.sql")):
        for block in path.read_text().split("\n\n"):
            meta = dict(line[1:].partition(":")[::2] for line in block.strip("\n").splitlines() if line.startswith("#"))
            body = [line for line in block.strip("\n").splitlines() if not line.startswith("#")]
            meta = {k.strip(): v.strip() for k, v in meta.items()}
            if "title" not in meta or body[-1].startswith("ERROR") or "params" in meta or "bound" in meta:
                continue
            options = {k: meta[k] for k in ("since", "until", "vendor") if k in meta}
            options.update({k: json.loads(meta[k]) for k in ("columns", "limit") if k in meta})
            cases.append(pytest.param("\n".join(body[:-1]), options, id=f"{path.stem}: {meta['title']}"))
    return cases


@pytest.mark.parametrize(("text", "options"), fixture_queries())
def test_fixture_queries_agree(dataset: Path, sample_db: Path, text: str, options: dict) -> None:
    try:
        expected: object = answer(sample_db, text, **options)
    except Exception as exc:  # some fixtures only translate (e.g. functions over types the samples lack)
        expected = f"{type(exc).__name__}: {exc}"
    try:
        got: object = answer(dataset, text, **options)
    except Exception as exc:
        got = f"{type(exc).__name__}: {exc}"
    if isinstance(expected, list) and isinstance(got, list):  # rows tied in a query's own ORDER BY may swap
        got, expected = sorted(got, key=repr), sorted(expected, key=repr)
    assert got == expected


def test_partition_pruning_shows_in_the_plan(dataset: Path) -> None:
    con = api.reader(dataset)
    try:
        t = api.prepare(con, "vendor = 'sap_cdc' AND time >= '2025-11-20' AND time < '2025-11-21T00:00:00Z'")
        plan = "\n".join(row[1] for row in con.execute("EXPLAIN " + t.sql, t.params or None).fetchall())
        unpruned = api.prepare(con, "vendor = 'sap_cdc' OR time >= '2025-11-20'")
        full_plan = "\n".join(row[1] for row in con.execute("EXPLAIN " + unpruned.sql).fetchall())
    finally:
        con.close()
    wanted = [
        p
        for p in part_files(dataset)
        if p.parent.parent.name == "vendor=sap_cdc" and p.parent.name in ("date=2025-11-20", "date=2025-11-21")
    ]
    assert len(wanted) == 2
    # Arrow reads the files (the DuckDB connection has no file access); the partition filters reach its scan,
    # and Arrow opens only the fragments whose folders match them.
    scan = plan.replace('"', "").split("PYTHON_ARROW_SCAN", 1)[1]
    assert "vendor IN ('sap_cdc')" in scan
    assert "(date >= DATE '2025-11-20') AND (date <= DATE '2025-11-21')" in scan
    import pyarrow.compute as pc

    from auditql.archive.dataset.layout import EVENTS
    from auditql.archive.dataset.reader import arrow_dataset

    arrow = arrow_dataset(part_files(dataset), dataset / EVENTS, ["vendor", "date"])
    kept = arrow.get_fragments(
        filter=(pc.field("vendor") == "sap_cdc") & (pc.field("date") >= date(2025, 11, 20))
        & (pc.field("date") <= date(2025, 11, 21))
    )  # fmt: skip
    assert sorted(Path(f.path) for f in kept) == sorted(wanted)
    assert "date >=" not in full_plan.replace('"', "")  # an OR cannot be pruned: all files


def test_dataset_queries_stay_sandboxed(dataset: Path, cli) -> None:
    con = api.reader(dataset)
    try:
        with pytest.raises(duckdb.PermissionException):
            con.execute("SELECT * FROM read_csv('/etc/passwd')").fetchall()
        with pytest.raises(duckdb.Error):
            con.execute("SET enable_external_access = true")
    finally:
        con.close()
    result = cli("query", "--db", dataset, "SELECT * FROM read_parquet('/etc/passwd')")
    assert result.exit_code == 3


def test_dialects_print_for_the_dataset(dataset: Path, cli) -> None:
    result = cli("query", "--db", dataset, "--dialect", "spark", "errCode != 0 AND params.loginID LIKE 'a%'")
    assert result.exit_code == 0, result.stderr
    # the dataset's catalog knows sap_cdc copies errCode into status_code verbatim, as the archive's does
    assert "TRY_CAST(CASE WHEN `vendor` = 'sap_cdc' AND NOT `status_code` IS NULL THEN `status_code` " in result.stdout
    assert "ELSE GET_JSON_OBJECT(`raw`, '$.errCode') END AS DOUBLE) <> 0" in result.stdout
    # and that only sap_cdc's records have `params`: the other vendors' rows skip parsing raw
    assert "OR `vendor` = 'sas_ci360' THEN NULL ELSE GET_JSON_OBJECT(`raw`, '$.params.loginID') END LIKE 'a%'" in (
        result.stdout
    )
    result = cli("query", "--db", dataset, "--dialect", "trino", "errCode != 0")
    assert "ELSE JSON_EXTRACT_SCALAR(\"raw\", '$.errCode') END AS DOUBLE) <> 0" in result.stdout


def test_ingest_into_a_dataset_has_the_archive_accounting(cli, sample_db: Path, tmp_path: Path, expected: dict) -> None:
    root = tmp_path / "ds"
    root.mkdir()
    result = cli("ingest", "--db", root, "--format", "json", SAMPLES / "sap_cdc")
    assert result.exit_code == 0, result.stderr
    first = json.loads(result.stdout)
    sap_files = [f for f in expected["files"] if f["vendor"] == "sap_cdc"]
    assert [(f["read"], f["added"], f["duplicates"]) for f in first] == [
        (f["records"], f["added"], f["duplicates"]) for f in sap_files
    ]

    result = cli("ingest", "--db", root, "--format", "json", SAMPLES)
    assert result.exit_code == 0, result.stderr
    files = json.loads(result.stdout)
    read, added, dups = (sum(f[k] for f in files) for k in ("read", "added", "duplicates"))
    # the sap_cdc files are all duplicates now; the rest count exactly as in a DuckDB archive
    total, sap_cdc = expected["total"], expected["vendors"]["sap_cdc"]
    others = total["unique_events"] - sap_cdc["unique_events"]
    assert (read, added, dups) == (total["records"], others, total["records"] - others)
    assert all(f["read"] == f["added"] + f["duplicates"] + f["rejected"] for f in files)

    for text in (FAILED_LOGINS, SOCIALIZE, "SELECT vendor, count(*) FROM events GROUP BY vendor"):
        assert answer(root, text) == answer(sample_db, text)
    con = api.reader(root)
    try:
        sources = con.execute("SELECT count(*), sum(added) FROM sources").fetchall()
        assert sources == [(len(expected["files"]), total["unique_events"])]
        values = con.execute("SELECT sum(n) FROM column_values WHERE \"column\" = 'vendor'").fetchall()
        assert values == [(total["unique_events"],)]
        assert api.catalog(con) == api.catalog(duckdb.connect(str(sample_db), read_only=True))
    finally:
        con.close()

    result = cli("ingest", "--db", root, "--format", "json", SAMPLES)  # again: nothing new
    assert result.exit_code == 0
    assert sum(f["added"] for f in json.loads(result.stdout)) == 0
    manifest = json.loads((root / "_auditql" / "manifest.json").read_text())
    assert manifest["rows"] == total["unique_events"] == len(answer(root, "time IS NOT NULL", columns=["event_key"]))

    # the chain of custody travels with the dataset: one start, then every file presented (a zip and its
    # member each), across the three ingests, and `auditql verify` holds on it
    result = cli("verify", "--db", root, "--format", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    zips = sum(f["path"].endswith(".zip") for f in expected["files"])
    assert report["ok"] is True and report["entries"] == 1 + len(sap_files) + 2 * (len(expected["files"]) + zips)


def test_an_exported_dataset_keeps_the_chain_of_custody(cli, dataset: Path, sample_db: Path, expected: dict) -> None:
    archive, copy = (json.loads(cli("verify", "--db", db, "--format", "json").stdout) for db in (sample_db, dataset))
    entries = 1 + len(expected["files"]) + sum(f["path"].endswith(".zip") for f in expected["files"])  # zip + member
    assert copy["ok"] is True and copy["entries"] == archive["entries"] == entries
    assert copy["head"] == archive["head"]


def test_a_dataset_exported_again_keeps_its_custody(cli, dataset: Path, tmp_path: Path) -> None:
    """A dataset's `deliveries` is an Arrow dataset on its reader, not a table: exporting a dataset (to a new
    folder, or onto itself with --overwrite, e.g. to cut it another way) dropped deliveries.parquet, and
    `verify` then found "no custody record" (seen by hand)."""
    again, copy = tmp_path / "again", tmp_path / "copy"
    assert cli("export", "--db", dataset, "--to", again).exit_code == 0
    assert (again / "_auditql" / "deliveries.parquet").read_bytes() == (
        dataset / "_auditql" / "deliveries.parquet"
    ).read_bytes()
    shutil.copytree(dataset, copy)
    onto = cli("export", "--db", copy, "--to", copy, "--overwrite", "--partition-by", "vendor")
    assert onto.exit_code == 0, onto.output
    for root in (again, copy):
        verified = json.loads(cli("verify", "--db", root, "--format", "json").stdout)
        assert (verified["ok"], verified["head"]) == (True, api.verify(dataset, rehash=False).head)
    assert answer(copy, "SELECT count(*) FROM events") == answer(dataset, "SELECT count(*) FROM events") == [(492,)]


def test_reingest_into_an_exported_dataset_adds_nothing(cli, sample_db: Path, tmp_path: Path, expected: dict) -> None:
    root = tmp_path / "copy"
    export(sample_db, root)
    files_before = sorted(p.name for p in part_files(root))
    result = cli("ingest", "--db", root, "--format", "json", SAMPLES / "resolver", SAMPLES / "sap_cdc")
    assert result.exit_code == 0, result.stderr
    files = json.loads(result.stdout)
    again = [(0, f["records"]) for f in expected["files"] if f["vendor"] in ("resolver", "sap_cdc")]
    assert [(f["added"], f["duplicates"]) for f in files] == again
    assert sorted(p.name for p in part_files(root)) == files_before
    assert answer(root, "SELECT count(*) FROM events") == [(expected["total"]["unique_events"],)]


def test_a_folder_that_is_not_a_dataset(cli, tmp_path: Path) -> None:
    result = cli("query", "--db", tmp_path, "vendor = 'x'")
    assert result.exit_code == 4
    assert "not an auditql dataset yet" in result.stderr
    (tmp_path / "notes.txt").write_text("mine")
    result = cli("ingest", "--db", tmp_path, SAMPLES / "resolver")
    assert result.exit_code == 2
    assert "folder is neither empty nor an auditql dataset" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_one_ingest_at_a_time_per_dataset(cli, tmp_path: Path) -> None:
    from auditql.archive.dataset.layout import locked

    root = tmp_path / "ds"
    root.mkdir()
    with locked(root):
        result = cli("ingest", "--db", root, SAMPLES / "resolver")
    assert result.exit_code == 4
    assert "dataset busy (another ingest is writing it)" in result.stderr
    assert not (root / "events").exists()
    result = cli("ingest", "--db", root, SAMPLES / "resolver")
    assert result.exit_code == 0
    assert answer(root, "SELECT count(*) FROM events") == [(99,)]


def test_a_dataset_given_to_ingest_as_input_is_imported_not_read_as_exports(cli, dataset: Path, tmp_path: Path) -> None:
    """Its manifest.json was read as a 'generic' event and its part files re-read as exports (issue 16); now
    it is imported with its custody (tests/test_dataset_import.py), or refused in one line into a dataset."""
    into_dataset = tmp_path / "other"
    into_dataset.mkdir()
    refused = cli("ingest", "--db", into_dataset, dataset)
    assert refused.exit_code == 2
    assert refused.stderr == (
        f"error: {dataset}: importing a dataset into a dataset is not supported; import it into an archive file "
        f"(`auditql ingest --db FILE.duckdb {dataset}`), or ingest the original files into {into_dataset}\n"
    )
    assert list(into_dataset.iterdir()) == []
    target = tmp_path / "new.duckdb"
    done = cli("ingest", "--db", target, dataset)
    assert done.exit_code == 0, done.output
    assert "generic" not in done.stdout and "manifest.json" not in done.stdout
    assert answer(target, "SELECT count(*) FROM events") == [(492,)]
