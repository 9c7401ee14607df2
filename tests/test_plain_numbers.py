"""Which JSON ingests need auditql's Python UDFs (auditql/jsonhash.py), whose registration alone imports numpy
(34 MB, a quarter of a 128 MiB --memory-limit): only a file whose mapped fields may hold a number a double
changes (`plain_number_paths` reads the file's structure), an API page (its members are cut as written), or a
generic file (its content key). The numbers stay exact either way: a mapped field that is a double in some
record goes through the exact-number check as before."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from test_dependencies import without_numpy

from auditql import jsonhash
from auditql.db import connections
from auditql.ingest.run import ingest
from auditql.read.jsonfile import plain_number_paths

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"


def test_plain_paths_are_text_integers_booleans_nulls_objects_and_arrays() -> None:
    structure = {
        "text": "VARCHAR",
        "count": "UBIGINT",
        "delta": "BIGINT",
        "ok": "BOOLEAN",
        "none": "NULL",
        "ratio": "DOUBLE",  # a fraction, an exponent, or an integer beyond 64 bits
        "mixed": "JSON",  # values of several types in different records
        "params": {"loginID": "VARCHAR", "amount": "DOUBLE"},
        "items": [{"id": "UBIGINT", "price": "DOUBLE"}],
        "a.b": "DOUBLE",  # a key with a dot: `a.b` also names `b` inside `a`
        "a": {"b": "VARCHAR"},
    }
    assert plain_number_paths(structure) == {
        "text", "count", "delta", "ok", "none", "params", "params.loginID", "items", "items.id", "a",
    }  # fmt: skip


def _gigya(uid: str, call: int) -> str:
    """A Gigya audit record (SAP's documented fields) with `uid` written as given, number or string."""
    record = {
        "callID": f"{call:032x}",
        "timestamp": f"2025-06-01T10:00:0{call}.000Z",
        "endpoint": "accounts.setAccountInfo",
        "errCode": 0,
        "uid": "@",
        "ip": "192.0.2.10",
    }
    return json.dumps(record).replace('"@"', uid)


@pytest.mark.parametrize(
    "uids",
    [
        ('"3f2a"', "0.10000000000000000001"),  # a string in one record, a double in the next: "JSON"
        ("7", "1e400"),  # an integer, then a number beyond a double
        ("12345678901234567890123",),  # an integer beyond 64 bits: "DOUBLE"
    ],
)
def test_a_mapped_field_that_may_be_a_double_keeps_its_text(tmp_path: Path, uids: tuple[str, ...]) -> None:
    export = tmp_path / "audit.ndjson"
    export.write_text("".join(_gigya(uid, i) + "\n" for i, uid in enumerate(uids)))
    report = ingest([export], tmp_path / "a.duckdb", vendor="sap_cdc")
    assert [(f.read, f.added, f.error) for f in report.files] == [(len(uids), len(uids), None)]
    con = duckdb.connect(str(tmp_path / "a.duckdb"), read_only=True)
    try:
        stored = con.execute("SELECT actor_id FROM events ORDER BY source_row").fetchall()
    finally:
        con.close()
    assert stored == [(uid.strip('"'),) for uid in uids]


def test_plain_json_exports_ingest_without_a_python_udf() -> None:
    """Without numpy no Python UDF can be registered: the SAP CDC NDJSON and the CJA JSON array (plain numbers
    only) ingest whole; the CJA API page needs the UDF that cuts a page's members as written."""
    p = without_numpy(
        f"""
        import sys, tempfile
        from pathlib import Path
        from auditql.ingest.run import ingest

        samples = Path({str(SAMPLES)!r})
        names = ["sap_cdc/audit_export.ndjson", "adobe_cja/audit_logs_1763719200.json",
                 "adobe_cja/auditlogs_api_page.json"]
        with tempfile.TemporaryDirectory() as tmp:
            report = ingest([samples / n for n in names], Path(tmp) / "a.duckdb")
        for f in report.files:
            print(Path(f.source_file).name, f.read, f.added, (f.error or "").split(": ")[-1])
        print("numpy loaded:", "numpy" in sys.modules)
        """
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == [
        "audit_export.ndjson 31 31 ",
        "audit_logs_1763719200.json 43 42 ",
        "auditlogs_api_page.json 0 0 'numpy' is required for this operation, but it wasn't installed",
        "numpy loaded: False",
    ]


def test_functions_registered_before_a_transaction_outlive_its_rollback(tmp_path: Path) -> None:
    """`jsonhash.ensure` remembers the connections it registered on, so it must never register inside a file's
    transaction (a ROLLBACK would take the functions away behind its back): ingest registers while it reads
    a file, before that file's transaction. Two API pages in one ingest: the second finds them registered."""
    con = connections.in_memory()
    try:
        jsonhash.ensure(con)
        con.execute("BEGIN TRANSACTION")
        con.execute("ROLLBACK")
        assert con.execute('SELECT aq_canonical_json(\'{"b":1,"a":2}\')').fetchone() == ('{"a":2,"b":1}',)
        jsonhash.ensure(con)  # remembered: no question to DuckDB
    finally:
        con.close()
    page = (SAMPLES / "adobe_cja" / "auditlogs_api_page.json").read_text()
    (tmp_path / "a_page.json").write_text(page)
    (tmp_path / "c_page.json").write_text(page.replace('"id": "', '"id": "c-'))
    db = tmp_path / "a.duckdb"
    report = ingest([tmp_path / "a_page.json", tmp_path / "c_page.json"], db)
    assert [f.error for f in report.files] == [None, None]
    assert report.files[0].added > 0 and report.files[1].added == report.files[0].added
