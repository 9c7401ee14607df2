"""The records the fakes serve, read from tests/data/ (the published-example files the ingest tests use), so a
pulled archive can be compared with what ingesting those files gives."""

from __future__ import annotations

import importlib.util
import io
import json
import zipfile
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data"


def make_published() -> Any:
    """tests/data/make_published.py as a module (its event tables; nothing is written on import)."""
    spec = importlib.util.spec_from_file_location("make_published", DATA / "make_published.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sas_parquet() -> Path:
    return DATA / "sas_ci360" / "AuditDataFile1_03012025081500.parquet"


def resolver_lines() -> tuple[str, list[str]]:
    """The User Audit Trail's header and every row (part 1, then part 2 without the boundary pair it repeats)."""
    first = (DATA / "resolver" / "user_audit_trail_us.csv").read_text(encoding="utf-8").splitlines()
    second = (DATA / "resolver" / "user_audit_trail_us_part2.csv").read_text(encoding="utf-8").splitlines()
    return first[0], first[1:] + second[3:]


def gigya_records() -> list[dict[str, Any]]:
    """Every audit record of the two Gigya files, one per callID (first spelling kept)."""
    records: dict[str, dict[str, Any]] = {}
    for line in (DATA / "sap_cdc" / "audit_search_resent_page.ndjson").read_text(encoding="utf-8").splitlines():
        for record in json.loads(line)["results"]:
            records.setdefault(record["callID"], record)
    for line in (DATA / "sap_cdc" / "audit_records_mixed_keys.ndjson").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        records.setdefault(record["callID"], record)
    return list(records.values())


def cja_records() -> list[dict[str, Any]]:
    """E0…E11 of make_published.py and the 4 records of Adobe's two verbatim examples."""
    module = make_published()
    records = [module._cja_record(i) for i in range(len(module.CJA_EVENTS))]
    for n in (1, 2):
        records += json.loads((DATA / "adobe_cja" / f"auditlogs_api_example_{n}.json").read_text())["content"]
    return records


def broadcom_lines() -> tuple[str, list[str]]:
    with zipfile.ZipFile(DATA / "broadcom_portal" / "audits_export_csv.zip") as zf:
        text = zf.read("audits.csv").decode("utf-8")
    lines = text.splitlines()
    return lines[0], lines[1:]


def broadcom_json() -> list[dict[str, Any]]:
    with zipfile.ZipFile(DATA / "broadcom_portal" / "audits_export_json.zip") as zf:
        records: list[dict[str, Any]] = json.loads(zf.read("audits.json"))
    return records


def zip_bytes(member: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(member, date_time=(2025, 10, 15, 12, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, data)
    return buffer.getvalue()
