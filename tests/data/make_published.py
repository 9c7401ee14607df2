"""Build the vendor-shaped test files under tests/data/ from the shapes the vendors (and their own tools) publish.

Run:  python tests/data/make_published.py      (needs pyarrow for the SAS Parquet file; nothing else)

Every run writes byte-identical files (fixed data, fixed zip timestamps). Everything is fictional: people and
e-mails at example.com / example.org, IP addresses from the RFC 5737 documentation ranges, made-up ids.
Where a vendor does not publish a detail (a column order, a date format, a column name) the value here is an
inference; tests/data/README.md lists each one. This script reads nothing outside tests/data.

pandas is NOT required: the two files that pandas writes in real life (cjapy's CSV and the SAS download
utility's CSV) are produced by a small emulation of `DataFrame.to_csv(index=False)` (QUOTE_MINIMAL, NaN -> "",
floats as repr, bools as True/False, one timestamp precision per column). The emulation was checked
byte-for-byte against pandas 3.1.1 + fastparquet 2026.9.0 (see README.md).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
UTC = UTC


def hexid(seed: str, n: int) -> str:
    """A deterministic hex string of n digits (stands in for a vendor's random id)."""
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def write_bytes(rel: str, data: bytes) -> None:
    path = HERE / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def csv_text(header: list[str], rows: list[list], lineterminator: str = "\n") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=lineterminator, quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------------------------
# pandas DataFrame.to_csv(index=False) emulation (only the cases used here)
# --------------------------------------------------------------------------------------------------------------


def _pd_cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if v != v else repr(v)  # NaN -> na_rep "", 1.0 -> "1.0"
    if isinstance(v, bool):
        return "True" if v else "False"
    return str(v)  # dicts print as their Python repr, like an object column in pandas


def _pd_datetime_column(values: list) -> list[str]:
    """pandas formats a naive datetime64 column with ONE precision for the whole column."""
    present = [v for v in values if v is not None]
    show_ms = any(v.microsecond for v in present)
    out = []
    for v in values:
        if v is None:
            out.append("")
        elif show_ms:
            out.append(v.strftime("%Y-%m-%d %H:%M:%S") + f".{v.microsecond // 1000:03d}")
        else:
            out.append(v.strftime("%Y-%m-%d %H:%M:%S"))
    return out


def pandas_to_csv(columns: list[str], records: list[dict], datetime_cols: tuple = (), lineterminator="\n") -> str:
    cols = {c: [r.get(c) for r in records] for c in columns}
    rendered = {
        c: (_pd_datetime_column(v) if c in datetime_cols else [_pd_cell(x) for x in v]) for c, v in cols.items()
    }
    rows = [[rendered[c][i] for c in columns] for i in range(len(records))]
    return csv_text(columns, rows, lineterminator=lineterminator)


# --------------------------------------------------------------------------------------------------------------
# Adobe Customer Journey Analytics
# --------------------------------------------------------------------------------------------------------------

CJA_ORG = "3F2A9C1B5D7E4A6B8C0D1E2F@AdobeOrg"
CJA_USERS = {
    "ana": {
        "id": "A1B2C3D4E5F6071829304A5B@AdobeID",
        "idType": "IMS",
        "name": "Ana Lima",
        "email": "ana.lima@example.com",
    },
    "ben": {"id": "0C1D2E3F405162738495A6B7@AdobeID", "idType": "IMS", "name": None, "email": None},
    "chloe": {
        "id": "9F8E7D6C5B4A39281706F5E4@AdobeID",
        "idType": "OKTA",
        "name": "Chloé Martin",
        "email": "chloe.martin@example.org",
    },
}

# (dateCreated, action, description, user, component id, component idType, component name), newest first.
# E0 is created WHILE cjapy pages (see cjapy_dump.json); E1..E11 exist when paging starts.
CJA_EVENTS = [
    (
        "2025-11-20T15:02:41.118+00:00",
        "EDIT",
        "Updated project: Q4 funnel review",
        "ana",
        "6560a1b2c3d4e5f601234567",
        "PROJECT",
        "Q4 funnel review",
    ),
    (
        "2025-11-20T14:58:09.004+00:00",
        "SHARE",
        "Shared filter with 3 users",
        "chloe",
        "s300000123_65609f11aa",
        "FILTER",
        "EU visitors, returning",
    ),
    (
        "2025-11-20T14:41:55.760+00:00",
        "CREATE",
        "Creating scheduled job: 1b7c2d9e-4f60-4a1b-9c3d-2e5f6a7b8c90",
        "ben",
        "1b7c2d9e-4f60-4a1b-9c3d-2e5f6a7b8c90",
        "SCHEDULED_PROJECT",
        "",
    ),
    (
        "2025-11-20T14:41:55.102+00:00",
        "EXPORT",
        'Exported audience "Ümlaut shoppers" to destination',
        "ana",
        "aud_7f3e1c",
        "AUDIENCE",
        "Ümlaut shoppers",
    ),
    (
        "2025-11-20T13:30:00.000+00:00",
        "DELETE",
        "Deleted calculated metric",
        "chloe",
        "cm300000123_65600a",
        "CALCULATED_METRIC",
        "Bounce rate (old)",
    ),
    ("2025-11-20T12:17:48.531+00:00", "API_REQUEST", "GET /data/dataviews", "ben", "dv_65600aa0b1", "DATA_VIEW", ""),
    (
        "2025-11-20T11:05:12.999+00:00",
        "APPROVE",
        "Approved date range",
        "ana",
        "dr_65600bb1c2",
        "DATE_RANGE",
        "Last 13 weeks",
    ),
    (
        "2025-11-20T10:44:03.250+00:00",
        "EDIT",
        "Updating scheduled job: 1b7c2d9e-4f60-4a1b-9c3d-2e5f6a7b8c90",
        "ben",
        "1b7c2d9e-4f60-4a1b-9c3d-2e5f6a7b8c90",
        "SCHEDULED_PROJECT",
        "",
    ),
    (
        "2025-11-20T09:59:59.999+00:00",
        "TRANSFER",
        "Transferred 4 components, 2 projects to Ana Lima",
        "chloe",
        "65609e0011223344556677ab",
        "USER",
        "Ben (former)",
    ),
    (
        "2025-11-20T09:12:30.410+00:00",
        "CREATE",
        "Created annotation",
        "ana",
        "an_65600cc2d3",
        "ANNOTATION",
        "Black Friday, 2025",
    ),
    (
        "2025-11-20T08:00:07.066+00:00",
        "EDIT",
        "Updated connection",
        "chloe",
        "dg_65600dd3e4",
        "CONNECTION",
        "Web + call-centre",
    ),
    (
        "2025-11-20T07:45:21.300+00:00",
        "CREATE",
        "Created filter",
        "ben",
        "s300000123_65600e",
        "FILTER",
        "Mobile app users",
    ),
]


def _cja_record(i: int) -> dict:
    date, action, desc, user, cid, ctype, cname = CJA_EVENTS[i]
    when = datetime.fromisoformat(date)
    # The id is a MongoDB ObjectId, as in Adobe's examples: 8 hex digits of the epoch second, then 10 hex
    # digits of process id, then a 6-digit counter.
    oid = f"{int(when.timestamp()):08x}" + hexid("cja-proc", 10) + f"{0x2A0000 + 100 - i:06x}"
    return {
        "id": oid,
        "dateCreated": date,
        "action": action,
        "description": desc,
        "imsOrgId": CJA_ORG,
        "user": dict(CJA_USERS[user]),
        "component": {"id": cid, "idType": ctype, "name": cname},
    }


def build_adobe_cja() -> None:
    recs = [_cja_record(i) for i in range(len(CJA_EVENTS))]

    # cjapy getAuditLogs(output="raw", save=True): pages of pageSize=5 concatenated, newest first.
    # page 0 (offset 0) is read before E0 exists -> E1..E5; then E0 is created; page 1 (offset 5) -> E5..E9
    # (E5 again, pushed down one place); page 2 (offset 10) -> E10, E11, last=true. E0 itself is never read.
    page0 = recs[1:6]
    page1 = recs[5:10]
    page2 = recs[10:12]
    data = page0 + page1 + page2
    write_bytes("adobe_cja/cjapy_dump.json", json.dumps(data).encode())  # exactly `f.write(json.dumps(data))`

    # The CSV cjapy writes in the same call: pd.DataFrame(data) + four extracted columns, to_csv(index=False).
    flat = []
    for r in data:
        row = dict(r)
        row["userId"] = r["user"].get("id", "")
        row["componentId"] = r["component"].get("id", "")
        row["componentType"] = r["component"].get("idType", "")
        row["componentName"] = r["component"].get("name", "")
        flat.append(row)
    cols = [
        "id",
        "dateCreated",
        "action",
        "description",
        "imsOrgId",
        "user",
        "component",
        "userId",
        "componentId",
        "componentType",
        "componentName",
    ]
    write_bytes("adobe_cja/cjapy_dump.csv", pandas_to_csv(cols, flat).encode())

    # UI download (Tools > Audit Logs > Download > CSV) later the same day: E0..E11, every column but Log ID
    # (hidden with the column selector). Column order = the order Experience League lists them; the
    # "Date Created" text is assumed to be the API value unchanged (not published).
    ui_cols = [
        "Action Name",
        "Date Created",
        "Description",
        "User Name",
        "Email",
        "Component Name",
        "Component Type",
        "Component ID",
        "IMS Org ID",
        "User ID",
        "User Type",
    ]
    rows = []
    for r in recs:
        u, c = r["user"], r["component"]
        rows.append(
            [
                r["action"],
                r["dateCreated"],
                r["description"],
                u["name"] or "",
                u["email"] or "",
                c["name"],
                c["idType"],
                c["id"],
                r["imsOrgId"],
                u["id"],
                u["idType"],
            ]
        )
    write_bytes("adobe_cja/ui_download_no_logid.csv", csv_text(ui_cols, rows).encode())

    # UI download with a user-picked column subset, the newest six events.
    sub_cols = ["Action Name", "Date Created", "User Name", "Component Name"]
    rows = [[r["action"], r["dateCreated"], r["user"]["name"] or "", r["component"]["name"]] for r in recs[:6]]
    write_bytes("adobe_cja/ui_download_columns_subset.csv", csv_text(sub_cols, rows).encode())


# --------------------------------------------------------------------------------------------------------------
# SAS Customer Intelligence 360 (download utility: AuditDataFile<i>_<MMDDYYYYHHMMSS>.parquet + .csv twin)
# --------------------------------------------------------------------------------------------------------------

SAS_TENANT = "a1b2c3d4e5-ci360-tenant"
SAS_COLUMNS = [
    "event_timestamp",
    "tenant_id",
    "user_id",
    "user_name",
    "user_email",
    "action_name",
    "object_type",
    "object_id",
    "object_name",
    "source",
    "ip_address",
    "object_version",
    "success",
]

# (time, user, action, object_type, object_id, object_name, source, ip, object_version, success)
_SAS_USERS = {
    "ola": ("u-5f2e1a", "Ola Nordmann", "ola.nordmann@example.com"),
    "raj": ("u-77c0d9", "Raj Patel", "raj.patel@example.com"),
    "api": ("API-a1b2c3-sync", "API-a1b2c3-sync", None),
}
SAS_EVENTS = [
    ("2025-03-01 06:07:32.724", "ola", "Login", "User", "u-5f2e1a", "Ola Nordmann", "UI", "192.0.2.10", None, True),
    (
        "2025-03-01 06:08:01.000",
        "ola",
        "Create user",
        "User",
        "u-91ab02",
        "Mia Svensson",
        "UI",
        "192.0.2.10",
        1.0,
        True,
    ),
    (
        "2025-03-01 06:09:15.310",
        "ola",
        "Update user",
        "User",
        "u-91ab02",
        "Mia Svensson",
        "UI",
        "192.0.2.10",
        2.0,
        True,
    ),
    ("2025-03-01 06:15:44.052", "raj", "Login", "User", "u-77c0d9", "Raj Patel", "UI", "198.51.100.23", None, False),
    ("2025-03-01 06:15:51.877", "raj", "Login", "User", "u-77c0d9", "Raj Patel", "UI", "198.51.100.23", None, True),
    (
        "2025-03-01 06:20:03.400",
        "raj",
        "Create access point",
        "Access Point",
        "ap-0031",
        "ci360_agent_eu",
        "UI",
        "198.51.100.23",
        1.0,
        True,
    ),
    (
        "2025-03-01 06:20:03.400",
        "raj",
        "Create API credential",
        "API Credential",
        "cred-8812",
        "API-a1b2c3-sync",
        "UI",
        "198.51.100.23",
        1.0,
        True,
    ),
    (
        "2025-03-01 06:31:10.009",
        "api",
        "Update audience connection",
        "Audience Connection",
        "ac-2201",
        "Ads, EU, weekly",
        "API",
        "203.0.113.5",
        7.0,
        True,
    ),
    (
        "2025-03-01 06:31:10.953",
        "api",
        "Update audience connection",
        "Audience Connection",
        "ac-2201",
        "Ads, EU, weekly",
        "API",
        "203.0.113.5",
        8.0,
        True,
    ),
    (
        "2025-03-01 06:40:00.000",
        "ola",
        "Delete user",
        "User",
        "u-3c4d5e",
        'Old "temp" account',
        "UI",
        "192.0.2.10",
        None,
        True,
    ),
    (
        "2025-03-01 06:52:18.560",
        "raj",
        "Update access point",
        "Access Point",
        "ap-0031",
        "ci360_agent_eu",
        "UI",
        "198.51.100.23",
        2.0,
        True,
    ),
    (
        "2025-03-01 07:02:40.121",
        "api",
        "Delete audience connection",
        "Audience Connection",
        "ac-1999",
        None,
        "API",
        "203.0.113.5",
        None,
        False,
    ),
    ("2025-03-01 07:10:05.777", "ola", "Logout", "User", "u-5f2e1a", "Ola Nordmann", "UI", "192.0.2.10", None, True),
    (
        "2025-03-01 07:11:59.090",
        "raj",
        "Update user",
        "User",
        "u-91ab02",
        "Mia Svensson",
        "UI",
        "198.51.100.23",
        3.0,
        True,
    ),
    ("2025-03-01 07:30:30.300", "raj", "Logout", "User", "u-77c0d9", "Raj Patel", "UI", "198.51.100.23", None, True),
    (
        "2025-03-01 08:00:00.001",
        "api",
        "Create audience connection",
        "Audience Connection",
        "ac-2300",
        "Ads, US, daily",
        "API",
        "203.0.113.5",
        1.0,
        True,
    ),
]


def _sas_records() -> list[dict]:
    out = []
    for t, who, action, otype, oid, oname, src, ip, ver, ok in SAS_EVENTS:
        uid, uname, mail = _SAS_USERS[who]
        out.append(
            {
                "event_timestamp": datetime.strptime(t, "%Y-%m-%d %H:%M:%S.%f"),
                "tenant_id": SAS_TENANT,
                "user_id": uid,
                "user_name": uname,
                "user_email": mail,
                "action_name": action,
                "object_type": otype,
                "object_id": oid,
                "object_name": oname,
                "source": src,
                "ip_address": ip,
                "object_version": ver,
                "success": ok,
            }
        )
    return out


def build_sas_ci360() -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    recs = _sas_records()
    schema = pa.schema(
        [
            ("event_timestamp", pa.timestamp("ms")),  # naive (isAdjustedToUTC=false): times are UTC by convention
            ("tenant_id", pa.string()),
            ("user_id", pa.string()),
            ("user_name", pa.string()),
            ("user_email", pa.string()),
            ("action_name", pa.string()),
            ("object_type", pa.string()),
            ("object_id", pa.string()),
            ("object_name", pa.string()),
            ("source", pa.string()),
            ("ip_address", pa.string()),
            ("object_version", pa.float64()),
            ("success", pa.bool_()),
        ]
    )
    table = pa.Table.from_pylist(recs, schema=schema)
    base = "sas_ci360/AuditDataFile1_03012025081500"  # utility naming: AuditDataFile<i>_<%m%d%Y%H%M%S>
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="snappy")
    write_bytes(base + ".parquet", buf.getvalue())
    # The utility runs on Windows (backslash paths), where pandas' default lineterminator is os.linesep = CRLF.
    text = pandas_to_csv(SAS_COLUMNS, recs, datetime_cols=("event_timestamp",), lineterminator="\r\n")
    write_bytes(base + ".csv", text.encode())


# --------------------------------------------------------------------------------------------------------------
# SAP Customer Data Cloud (Gigya) audit log
# --------------------------------------------------------------------------------------------------------------

CDC_APIKEY = "3_Zx9vQm-EXAMPLE-KeyFor-TestsOnly_a1B2c3D4e5F6g7H8"
CDC_UIDS = {
    "u1": "7a1f0c2e9b3d4c5e8f6a0b1c2d3e4f50",
    "u2": "c4e5f6a7b8c9d0e1f2a3b4c5d6e7f809",
    "u3": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "u4": "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
}


def _cdc_rec(
    n: int,
    ts: str,
    endpoint: str,
    uid: str | None,
    ip: str,
    err=0,
    msg="OK",
    sdk="js_7.1.2",
    country="US",
    params: dict | None = None,
    *,
    ts_key="@timestamp",
    apikey_key="apikey",
    user_key: str | None = None,
    key_details: dict | None = None,
    auth_type: str | None = None,
    details: str | None = None,
) -> dict:
    rec = {ts_key: ts, "callID": hexid(f"cdc-call-{n}", 32), "errCode": err, "endpoint": endpoint, "errMessage": msg}
    if details is not None:
        rec["errDetails"] = details
    if user_key:
        rec["userKey"] = user_key
    rec["sourceIP"] = ip
    rec["params"] = params or {}
    if uid is not None:
        rec["uid"] = uid
    rec[apikey_key] = CDC_APIKEY
    rec["httpReq"] = {"SDK": sdk, "country": country}
    if key_details:
        rec["userKeyDetails"] = key_details
    if auth_type:
        rec["authType"] = auth_type
    return rec


def _cdc_search_records() -> list[dict]:
    U = CDC_UIDS
    return [  # ORDER BY @timestamp DESC
        _cdc_rec(
            1,
            "2025-11-18T16:40:12.501Z",
            "accounts.login",
            U["u1"],
            "203.0.113.41",
            params={"loginID": "nina.k@example.com"},
        ),
        _cdc_rec(
            2,
            "2025-11-18T16:39:58.030Z",
            "accounts.login",
            None,
            "203.0.113.77",
            403042,
            "Invalid LoginID",
            params={"loginID": "nobody@example.org"},
            details="invalid loginID or password",
        ),
        _cdc_rec(
            3,
            "2025-11-18T16:21:07.444Z",
            "accounts.setAccountInfo",
            U["u2"],
            "198.51.100.9",
            params={"UID": U["u2"], "profile": '{"city":"Porto"}'},
        ),
        _cdc_rec(4, "2025-11-18T16:05:33.909Z", "accounts.logout", U["u1"], "203.0.113.41", "0", params={}),
        _cdc_rec(
            5,
            "2025-11-18T15:58:00.000Z",
            "accounts.resetPassword",
            None,
            "192.0.2.200",
            params={"loginID": "nina.k@example.com"},
        ),
        _cdc_rec(
            6,
            "2025-11-18T15:44:19.215Z",
            "accounts.register",
            U["u3"],
            "192.0.2.201",
            params={"email": "teo.r@example.com"},
            sdk="ios_swift_1.6.0",
            country="PT",
        ),
        _cdc_rec(
            7,
            "2025-11-18T15:30:02.718Z",
            "accounts.deleteAccount",
            U["u4"],
            "198.51.100.2",
            params={"UID": U["u4"]},
            user_key="AEXAMPLEKEY1w2",
            auth_type="userKey",
            key_details={"name": "Dana Ops", "description": "GDPR erasure job", "emailDomain": "example.com"},
        ),
        _cdc_rec(
            8,
            "2025-11-18T15:29:59.991Z",
            "accounts.login",
            U["u2"],
            "198.51.100.9",
            params={"loginID": "li.w@example.com"},
        ),
        _cdc_rec(
            9,
            "2025-11-18T15:12:45.300Z",
            "accounts.login",
            None,
            "203.0.113.77",
            "403042",
            "Invalid LoginID",
            params={"loginID": "nobody@example.org"},
            details="invalid loginID or password",
        ),
        _cdc_rec(
            10, "2025-11-18T15:00:00.050Z", "socialize.login", U["u1"], "203.0.113.41", params={"x_provider": "google"}
        ),
        _cdc_rec(
            11,
            "2025-11-18T14:48:36.622Z",
            "accounts.setAccountInfo",
            U["u1"],
            "203.0.113.41",
            params={"UID": U["u1"], "data": '{"newsletter":true}'},
        ),
        _cdc_rec(
            12,
            "2025-11-18T14:30:11.001Z",
            "accounts.notifyLogin",
            U["u3"],
            "192.0.2.201",
            params={"siteUID": U["u3"]},
            sdk="ios_swift_1.6.0",
            country="PT",
        ),
        _cdc_rec(
            13,
            "2025-11-18T14:02:59.870Z",
            "accounts.login",
            U["u4"],
            "198.51.100.2",
            params={"loginID": "sam.o@example.com"},
        ),
    ]


def _envelope(n: int, time: str, results: list, total: int, next_cursor: str | None) -> dict:
    env = {
        "callId": hexid(f"cdc-env-{n}", 32),
        "errorCode": 0,
        "apiVersion": 2,
        "statusCode": 200,
        "statusReason": "OK",
        "time": time,
        "results": results,
        "objectsCount": len(results),
        "totalCount": total,
    }
    if next_cursor:
        env["nextCursorId"] = next_cursor
    return env


def build_sap_cdc() -> None:
    recs = _cdc_search_records()
    c1 = "eyJjdXJzb3IiOiJFWEFNUExFLTEifQ"  # opaque cursor strings (made up)
    c2 = "eyJjdXJzb3IiOiJFWEFNUExFLTIifQ"
    # query: SELECT * FROM auditLog WHERE @timestamp >= "2025-11-18T14:00:00Z" ORDER BY @timestamp DESC LIMIT 5,
    # openCursor=true. Page 2 failed on the client side (timeout) and was re-sent with the SAME cursorId,
    # which the docs allow; the saved log keeps both answers. Then page 3 (last, no nextCursorId).
    envs = [
        _envelope(1, "2025-11-18T16:45:00.112Z", recs[0:5], 13, c1),
        _envelope(2, "2025-11-18T16:45:01.380Z", recs[5:10], 13, c2),
        _envelope(3, "2025-11-18T16:45:31.904Z", recs[5:10], 13, c2),
        _envelope(4, "2025-11-18T16:45:33.027Z", recs[10:13], 13, None),
    ]
    write_bytes("sap_cdc/audit_search_resent_page.ndjson", "".join(json.dumps(e) + "\n" for e in envs).encode())

    # Records from several sources merged by a user into one NDJSON file: key spellings differ per record.
    U = CDC_UIDS
    key = {"name": "Dana Ops", "description": "CRM sync key", "emailDomain": "example.com"}
    mixed = [
        # the same event as record 11 of the search above, re-exported with other spellings (same callID)
        dict(
            _cdc_rec(
                11,
                "2025-11-18T14:48:36.622Z",
                "accounts.setAccountInfo",
                U["u1"],
                "203.0.113.41",
                params={"uid": U["u1"], "data": '{"newsletter":true}'},
                ts_key="timestamp",
                apikey_key="apiKey",
            )
        ),
        _cdc_rec(
            101,
            "2025-11-18T13:55:10.404Z",
            "accounts.setAccountInfo",
            U["u3"],
            "198.51.100.60",
            params={"UID": U["u3"], "profile": '{"lastName":"Rocha"}'},
            user_key="AEXAMPLEKEY9z8",
            key_details=key,
            auth_type="userKey",
        ),
        _cdc_rec(
            102,
            "2025-11-18T13:55:10.871Z",
            "accounts.setAccountInfo",
            "",
            "198.51.100.60",
            params={"uid": U["u2"], "data": '{"tier":"gold"}'},
            ts_key="timestamp",
            apikey_key="apiKey",
            user_key="AEXAMPLEKEY9z8",
            key_details=key,
            auth_type="userKey",
        ),
        _cdc_rec(
            103,
            "2025-11-18T13:40:00.000Z",
            "accounts.login",
            U["u2"],
            "203.0.113.90",
            params={"loginID": "li.w@example.com"},
            ts_key="timestamp",
        ),
        _cdc_rec(
            104,
            "2025-11-18T13:39:41.256Z",
            "accounts.login",
            None,
            "203.0.113.91",
            403043,
            "Invalid login or password",
            params={"loginID": "li.w@example.com"},
            apikey_key="apiKey",
            details="Invalid loginID or password",
        ),
        _cdc_rec(
            105,
            "2025-11-18T13:20:17.733Z",
            "accounts.deleteAccount",
            U["u4"],
            "198.51.100.60",
            params={"UID": U["u4"]},
            user_key="AEXAMPLEKEY9z8",
            key_details=key,
            auth_type="userKey",
        ),
        _cdc_rec(
            106,
            "2025-11-18T13:05:05.505Z",
            "socialize.logout",
            U["u3"],
            "192.0.2.201",
            params={},
            ts_key="timestamp",
            apikey_key="apiKey",
            sdk="android_7.0.9",
            country="BR",
        ),
        _cdc_rec(
            107,
            "2025-11-18T12:50:44.018Z",
            "accounts.resetPassword",
            None,
            "192.0.2.202",
            "0",
            "OK",
            params={"loginID": "teo.r@example.com"},
        ),
        _cdc_rec(
            108,
            "2025-11-18T12:31:29.999Z",
            "accounts.setAccountInfo",
            U["u1"],
            "203.0.113.41",
            params={"UID": U["u1"], "profile": '{"zip":"10115"}'},
            apikey_key="apiKey",
        ),
        _cdc_rec(
            109,
            "2025-11-18T12:00:00.123Z",
            "accounts.register",
            U["u4"],
            "198.51.100.2",
            params={"email": "sam.o@example.com"},
            ts_key="timestamp",
        ),
    ]
    write_bytes("sap_cdc/audit_records_mixed_keys.ndjson", "".join(json.dumps(r) + "\n" for r in mixed).encode())

    # A saved error answer (the cursor was re-sent after it expired): no results at all.
    err = {
        "callId": hexid("cdc-env-err", 32),
        "errorCode": 400006,
        "errorDetails": "Invalid parameter value: cursorId",
        "errorMessage": "Invalid parameter value",
        "apiVersion": 2,
        "statusCode": 400,
        "statusReason": "Bad Request",
        "time": "2025-11-18T16:52:40.700Z",
    }
    write_bytes("sap_cdc/audit_search_error_400006.json", (json.dumps(err, indent=2) + "\n").encode())


# --------------------------------------------------------------------------------------------------------------
# Resolver
# --------------------------------------------------------------------------------------------------------------


def build_resolver() -> None:
    # Data Audit Archive Export (changes made before Core 3.6): the nine published columns, in published order.
    hdr = ["Date and Time", "Unique ID", "Object ID", "Object Name", "Action", "Applied to", "Value", "JSON", "By User"]
    j = lambda d: json.dumps(d, separators=(",", ":"))  # noqa: E731
    rows = [
        [
            "2020-03-18 16:02:11",
            "INC-1042",
            "50231",
            "Forklift collision, Dock 4",
            "Update Object",
            "Status",
            "Closed",
            j({"fieldId": 8812, "previous": "Open", "current": "Closed"}),
            "Priya Shah",
        ],
        [
            "2020-03-18 16:02:11",
            "INC-1042",
            "50231",
            "Forklift collision, Dock 4",
            "Evaluation",
            "Evaluation",
            "Severity: High",
            j({"formulaId": 77, "result": "High"}),
            "Priya Shah",
        ],
        [
            "2020-03-18 15:47:30",
            "INC-1042",
            "50231",
            "Forklift collision, Dock 4",
            "Add Relationship",
            "Involved Person",
            "Tomás Ortega",
            j({"relationshipId": 310, "targetId": 60017}),
            "Priya Shah",
        ],
        [
            "2020-03-18 15:47:30",
            "INC-1042",
            "50231",
            "Forklift collision, Dock 4",
            "Add Relationship",
            "Involved Person",
            "Tomás Ortega",
            j({"relationshipId": 310, "targetId": 60017}),
            "Priya Shah",
        ],
        [
            "2020-03-18 14:20:05",
            "INC-1042",
            "50231",
            "Forklift collision, Dock 4",
            "Update Object",
            "Description",
            "Pallet jack struck racking;\nno injuries",
            j({"fieldId": 8800}),
            "Jordan Lee impersonated by Admin Kim",
        ],
        [
            "2020-03-18 14:19:58",
            "INC-1042",
            "50231",
            "Forklift collision, Dock 4",
            "Add Object",
            "Name",
            "Forklift collision, Dock 4",
            j({"objectTypeId": 12}),
            "Jordan Lee impersonated by Admin Kim",
        ],
        [
            "2020-03-17 11:00:00",
            "RSK-0007",
            "40110",
            "Supplier insolvency",
            "Update Object",
            "Likelihood",
            "3",
            j({"fieldId": 9120, "previous": "2", "current": "3"}),
            "Marta Nowak",
        ],
        [
            "2020-03-17 10:58:42",
            "RSK-0007",
            "40110",
            "Supplier insolvency",
            "Remove Relationship",
            "Control",
            "CTL-0031",
            j({"relationshipId": 205}),
            "Marta Nowak",
        ],
        [
            "2020-03-17 10:58:42",
            "RSK-0008",
            "40111",
            "Key-person dependency",
            "Update Object",
            "Owner",
            "Marta Nowak",
            j({"fieldId": 9101}),
            "Marta Nowak",
        ],
        [
            "2020-03-16 09:15:27",
            "CTL-0031",
            "40301",
            "Quarterly vendor review",
            "Update Object",
            "Frequency",
            "Quarterly",
            j({"fieldId": 9300, "previous": "Annual", "current": "Quarterly"}),
            "System",
        ],
        [
            "2020-03-16 09:15:27",
            "CTL-0031",
            "40301",
            "Quarterly vendor review",
            "Evaluation",
            "Evaluation",
            "Rating: Effective",
            j({"formulaId": 91, "result": "Effective"}),
            "System",
        ],
        [
            "2020-03-13 17:44:09",
            "INC-1039",
            "50228",
            'Lost badge "B-117"',
            "Update Object",
            "Assignee",
            "Jordan Lee",
            j({"fieldId": 8830}),
            "Priya Shah",
        ],
    ]
    write_bytes("resolver/data_audit_archive_export.csv", csv_text(hdr, rows).encode())

    # User Audit Trail export, UTC, US date format (both the header labels and the format are inferred),
    # newest first. The API returns at most the newest 50,000 rows; part 2 is the follow-up request made with
    # dateEnd = the last row's date of part 1, so the boundary second (10/14/2025 09:00:05 AM, two identical
    # rows) is in both files.
    hdr = ["Date and Time", "Subject", "Event", "Performed By"]
    part1 = [
        ["10/15/2025 12:30:00 PM", "Risk Analysts", "Update User Group", "Admin Kim"],
        ["10/15/2025 12:05:09 AM", "Jordan Lee", "Unsuccessful Impersonate User", "Admin Kim"],
        ["10/14/2025 11:59:59 PM", "Jordan Lee", "Impersonate User", "Admin Kim"],
        ["10/14/2025 06:41:17 PM", "Priya Shah", "Multiple Attributes Updated", "External Org User"],
        ["10/14/2025 03:07:09 PM", "Incident Manager", "Update Role", "Admin Kim"],
        ["10/14/2025 03:07:09 PM", "Marta Nowak", "Add User to User Group", "Admin Kim"],
        ["10/14/2025 01:15:00 PM", "Unknown User with id 7781", "Update User", "Admin Kim"],
        ["10/14/2025 11:02:33 AM", "Tomás Ortega", "Add User", "Admin Kim"],
        ["10/14/2025 11:02:33 AM", "Tomás Ortega", "Create API Key", "Admin Kim"],
        ["10/14/2025 10:20:48 AM", "Kiosk login (Dock 4)", "Update Confidential Login", "Priya Shah"],
        ["10/14/2025 09:45:00 AM", "Marta Nowak", "Regenerate Data Warehouse Password", "Marta Nowak"],
        ["10/14/2025 09:00:05 AM", "Jordan Lee", "Update User", "Admin Kim"],
        ["10/14/2025 09:00:05 AM", "Jordan Lee", "Update User", "Admin Kim"],
    ]
    part2 = [
        *part1[-2:],
        ["10/14/2025 08:59:59 AM", "Auditors", "Add User Group", "Admin Kim"],
        ["10/14/2025 08:30:12 AM", "Auditors", "Add Role to User Group", "Admin Kim"],
        ["10/13/2025 05:00:00 PM", "Jordan Lee", "Remove User from User Group", "Priya Shah"],
        ["10/13/2025 04:44:44 PM", "Jordan Lee", "Add User", "Priya Shah"],
        ["10/13/2025 12:00:00 PM", "Read-only", "Add Role", "Admin Kim"],
        ["10/13/2025 12:00:00 AM", "Admin Kim", "Update User", "External Org User"],
    ]
    write_bytes("resolver/user_audit_trail_us.csv", csv_text(hdr, part1).encode())
    write_bytes("resolver/user_audit_trail_us_part2.csv", csv_text(hdr, part2).encode())


# --------------------------------------------------------------------------------------------------------------
# Broadcom Layer7 API Developer Portal (zip of CSV / zip of JSON, epoch-ms times: inferred shapes)
# --------------------------------------------------------------------------------------------------------------

BCM_EVENTS = [  # (epoch ms, Object, Object Name, Action, User, Agent), newest first
    (1760526245118, "User", "kofi.mensah", "Login Success", "kofi.mensah", "Mozilla"),
    (1760526231007, "User", "kofi.mensah", "Login Failed", "kofi.mensah", "Mozilla"),
    (1760526229950, "User", "kofi.mensah", "Login Failed", "kofi.mensah", "Mozilla"),
    (1760525100400, "Application", "Payments sandbox app", "Created", "Portal API", "Python"),
    (1760524800000, "API", "orders-v2", "Updated", "lena.fischer", "Chrome"),
    (1760524800000, "API Plan", "Gold, 10k/day", "Updated", "lena.fischer", "Chrome"),
    (1760524051723, "Organization", "Acme Logistics", "Created", "lena.fischer", "Chrome"),
    (1760523333333, "User", "new.dev@example.org", "Created", "Registration Service", "Mozilla"),
    (1760522900018, "API EULA", "Standard EULA v3", "Deleted", "lena.fischer", "Chrome"),
    (1760522001900, "Custom Field", "cost_center", "Created", "lena.fischer", "Chrome"),
    (1760521200250, "Account Plan", "Partner", "Updated", "Portal API", "CA API Gateway"),
    (1760520010001, "API", "inventory-v1", "Deleted", "Portal API", "CA API Gateway"),
    (1760519999999, "User", "lena.fischer", "Login Success", "lena.fischer", "Chrome"),
    (1760519000042, "Application", "Field tablets", "Updated", "kofi.mensah", "Mozilla"),
]


def _zip(rel: str, member: str, data: bytes) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        info = zipfile.ZipInfo(member, date_time=(2025, 10, 15, 11, 30, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        z.writestr(info, data)
    write_bytes(rel, buf.getvalue())


def build_broadcom_portal() -> None:
    hdr = ["Time (UTC)", "Object", "Object Name", "Action", "User", "Agent"]
    _zip("broadcom_portal/audits_export_csv.zip", "audits.csv", csv_text(hdr, [list(e) for e in BCM_EVENTS]).encode())
    recs = [
        {"timestamp": t, "entityType": o, "entityName": n, "action": a, "userName": u, "agent": g}
        for t, o, n, a, u, g in BCM_EVENTS
    ]
    _zip("broadcom_portal/audits_export_json.zip", "audits.json", json.dumps(recs, indent=2).encode())


def main() -> None:
    build_adobe_cja()
    build_sas_ci360()
    build_sap_cdc()
    build_resolver()
    build_broadcom_portal()


if __name__ == "__main__":
    main()
