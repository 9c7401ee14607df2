"""Generate auditql's sample audit-log exports, EXPECTED.json and README.md (deterministic).

Run ``python sample_data/make_samples.py`` (stdlib + pyarrow, no network). It rewrites every sample
file in this folder from a fixed random seed and fixed base times, so repeated runs are byte-identical.
The file shapes follow ``vendors.md`` (field names, envelopes, time formats) of the auditql design notes;
the contents are invented. All people, e-mail addresses (example.com / example.org), user ids, API keys,
org ids and IP addresses (RFC 5737 documentation ranges 192.0.2.x, 198.51.100.x, 203.0.113.x) are
fictional. EXPECTED.json is computed from the generated records under the canonical dedup rule
(event_key = vendor id where one exists, else a content hash; per key, the largest number of copies
found in any single file).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import zipfile
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

OUT = Path(__file__).resolve().parent
rng = random.Random(20251121)
FILES: list[dict] = []  # {"path", "vendor", "records", "about"}, in generation order

PEOPLE = [  # name, e-mail domain
    ("Alex Example", "example.com"),
    ("Blair Sample", "example.com"),
    ("Casey Placeholder", "example.org"),
    ("Dana Demo", "example.com"),
    ("Emery Test", "example.org"),
    ("Finley Fictional", "example.com"),
    ("Gray Mock", "example.org"),
    ("Harper Dummy", "example.com"),
]
# Failed logins on 2025-11-20 (the README demo): each from its own address.
FAIL_IPS = ["203.0.113.45", "198.51.100.77", "192.0.2.200", "203.0.113.9"]


def hexid(n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def uuid4ish() -> str:
    h = hexid(32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def doc_ip() -> str:
    return f"{rng.choice(['192.0.2', '198.51.100', '203.0.113'])}.{rng.randint(1, 254)}"


def utc(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


def rand_times(start: str, end: str, n: int) -> list[datetime]:
    a, b = utc(start), utc(end)
    span = int((b - a).total_seconds() * 1000)
    return sorted(a + timedelta(milliseconds=rng.randrange(1, span)) for _ in range(n))


def iso_ms(dt: datetime, z: str = "Z") -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}{z}"


def epoch_ms(dt: datetime) -> int:
    return (dt - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


PERSONS = []
for _name, _dom in PEOPLE:
    _login = _name.lower().replace(" ", ".")
    PERSONS.append(
        {
            "name": _name,
            "login": _login,
            "email": f"{_login}@{_dom}",
            "ci360_id": uuid4ish(),
            "ims_id": hexid(24).upper() + "@AdobeID",
            "uid": hexid(32),
            "okta_id": "00u" + hexid(17),
        }
    )


def person() -> dict:
    return rng.choice(PERSONS)


def csv_text(header: list[str], rows: list[dict], lineterminator: str = "\r\n") -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, header, lineterminator=lineterminator)
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def as_cells(rows: list[dict]) -> list[dict]:
    """What a CSV reader gets back: header -> cell text (None becomes '')."""
    return [{k: "" if v is None else str(v) for k, v in r.items()} for r in rows]


def save(path: str, vendor: str, data: bytes | str, records: list, about: str) -> None:
    target = OUT / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data.encode() if isinstance(data, str) else data)
    FILES.append({"path": path, "vendor": vendor, "records": records, "about": about})


def dump_json(obj) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def zip_one(member: str, data: str) -> bytes:
    buf = io.BytesIO()
    info = zipfile.ZipInfo(member, date_time=(2025, 11, 21, 9, 0, 0))
    info.compress_type, info.create_system, info.external_attr = zipfile.ZIP_DEFLATED, 3, 0o644 << 16
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(info, data)
    return buf.getvalue()


# ---------------------------------------------------------------- SAS CI360 (Parquet + pandas CSV)
CI360_ACTIONS = [  # action_name, object_type, object names ("" = the acting user)
    ("Login", "user", [""]),
    ("Logout", "user", [""]),
    ("Create User", "user", ["Jordan Newhire", "Sky Contractor"]),
    ("Update User", "user", ["Jordan Newhire", "Riley Analyst"]),
    ("Delete User", "user", ["Sky Contractor"]),
    ("Create Access Point", "accessPoint", ["CRM nightly sync", "Mobile app (iOS)"]),
    ("Update Access Point", "accessPoint", ["Web SDK - storefront", "CRM nightly sync"]),
    ("Create Audience Connection", "audienceConnection", ["Paid social - retarget"]),
    ("Delete Audience Connection", "audienceConnection", ["Lookalike - spring 2025"]),
    ("Update Role", "role", ["Marketing Analyst", "Tenant Admin"]),
    ("Publish Task", "task", ["Spring sale email", "Welcome journey, step 2"]),
]
CI360_TENANT = hexid(20)
CI360_API_CLIENT = {"id": "ap-" + hexid(12), "name": "api: CRM nightly sync", "email": None}


def ci360_rows(day: str, n: int) -> list[dict]:
    rows = []
    for t in rand_times(f"{day}T06:00:00", f"{day}T21:00:00", n):
        action, otype, names = rng.choice(CI360_ACTIONS)
        via_api = otype != "user" and rng.random() < 0.3
        who = CI360_API_CLIENT if via_api else rng.choice(PERSONS)
        name = rng.choice(names) or who["name"]
        rows.append(
            {
                "event_timestamp": t,
                "user_id": who.get("ci360_id", who.get("id")),
                "user_name": who["name"],
                "user_email": who["email"],
                "action_name": action,
                "object_type": otype,
                "object_id": who.get("ci360_id") if name == who["name"] else uuid4ish(),
                "object_name": name,
                "source": "API" if via_api else "UI",
                "ip_address": None if via_api and rng.random() < 0.5 else doc_ip(),
                "tenant_id": CI360_TENANT,
            }
        )
    return rows


def make_ci360() -> None:
    rows = ci360_rows("2025-03-01", 60)
    schema = pa.schema([(k, pa.timestamp("ms", tz="UTC") if k == "event_timestamp" else pa.string()) for k in rows[0]])
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), buf)
    about = "Parquet as the auditRecords API serves it: TIMESTAMP(ms, UTC), snake_case columns, NULLs."
    save("sas_ci360/audit_records_2025-03-01.parquet", "sas_ci360", buf.getvalue(), rows, about)
    # SAS's download utility re-saves records with pandas to_csv: unnamed index column, camelCase names.
    names = ["eventDateTime", "userId", "userName", "userEmail", "actionType", "objectType", "objectId"]
    names += ["objectName", "channel", "ipAddress", "tenantId"]
    out = []
    for i, r in enumerate(ci360_rows("2025-03-02", 40)):
        vals = list(r.values())
        vals[0] = vals[0].strftime("%Y-%m-%d %H:%M:%S.%f+00:00")
        out.append({"": i} | dict(zip(names, vals, strict=True)))
    cells = as_cells(out)
    about = "pandas to_csv style: leading unnamed index column, synonym column names, `+00:00` times."
    save("sas_ci360/audit_records_2025-03-02.csv", "sas_ci360", csv_text(["", *names], cells, "\n"), cells, about)


# ---------------------------------------------------------------- Resolver (CSV, newest first)
RESOLVER_HEADER = ["Date and Time", "Subject", "Event", "Performed By", "Subject Type", "Previous Value"]
RESOLVER_HEADER += ["Updated Value"]
RESOLVER_EVENTS = [  # event, subject type, previous value, updated value
    ("Add User", "User", "", ""),
    ("Update User", "User", "Role: Viewer", "Role: Editor"),
    ("Update User", "User", "Status: Active", "Status: Inactive"),
    ("Impersonate User", "User", "", ""),
    ("Regenerate Data Warehouse Password", "Confidential Login", "", ""),
    ("Create API Key", "API Key", "", ""),
    ("Multiple Attributes Updated", "User", 'First Name: Sam, Title: "Analyst"', 'First Name: Samantha, Title: "Lead"'),
    ("Add User to Group", "User Group", "", "Members: +1"),
    ("Remove User from Group", "User Group", "Members: -1", ""),
    ("Delete User", "User", "", ""),
    ("Update Role", "Role", "Permissions: Read", "Permissions: Read, Write"),
]
RESOLVER_SUBJECTS = {
    "User Group": ["Risk Owners", "Internal Audit"],
    "Role": ["Auditor", "Risk Manager"],
    "Confidential Login": ["Confidential login changed"],
    "API Key": ["Nightly export integration", "BI connector"],
}
ADMINS = PERSONS[:4]


def resolver_row(t: datetime, event: tuple, subject: str | None = None, by: str | None = None) -> dict:
    name, stype, prev, new = event
    if subject is None:
        subject = rng.choice(RESOLVER_SUBJECTS.get(stype) or [p["name"] for p in PERSONS[3:]])
    if by is None:
        by = "External Org User" if rng.random() < 0.1 else rng.choice(ADMINS)["name"]
    return dict(zip(RESOLVER_HEADER, [t, subject, name, by, stype, prev, new], strict=True))


def resolver_rows(start: str, end: str, n: int) -> list[dict]:
    return [resolver_row(t, rng.choice(RESOLVER_EVENTS)) for t in rand_times(start, end, n)]


def resolver_csv(path: str, rows: list[dict], fmt: str, about: str, bom: str = "") -> None:
    rows = sorted(rows, key=lambda r: r["Date and Time"], reverse=True)  # stable: ties keep order
    cells = as_cells([r | {"Date and Time": r["Date and Time"].strftime(fmt)} for r in rows])
    save(path, "resolver", bom + csv_text(RESOLVER_HEADER, cells), cells, about)


def make_resolver() -> None:
    ev = {e[0]: e for e in RESOLVER_EVENTS}
    boundary = utc("2025-11-18T16:42:07")  # export 1's last second = export 2's dateEnd
    edge = [
        resolver_row(boundary, ev["Add User"], "Jordan Newhire", "Alex Example"),
        resolver_row(boundary, ev["Add User to Group"], "Risk Owners", "Alex Example"),
    ]
    edge_extra = resolver_row(boundary, ev["Update Role"], "Auditor", "Alex Example")
    twin = resolver_row(utc("2025-11-19T10:15:31"), ev["Update User"], "Harper Dummy", "Blair Sample")
    special = [
        resolver_row(utc("2025-11-20T13:05:44"), ("Unsuccessful Impersonate User", "User", "", ""),
                     "Finley Fictional", "External Org User"),
        resolver_row(utc("2025-11-20T13:06:02"), ev["Impersonate User"], "Emery Test", "Dana Demo"),
        resolver_row(utc("2025-11-19T08:00:12"), ev["Delete User"], "Unknown user with id 123", "Alex Example"),
        resolver_row(utc("2025-11-21T07:44:51"), ev["Update User"], "Unknown user with id 123", "Casey Placeholder"),
    ]
    rows1 = resolver_rows("2025-11-18T16:42:08", "2025-11-21T09:30:00", 34) + special + [twin, twin.copy()]
    fmt = "%Y-%m-%d %H:%M:%S"
    about = "Newest first; ends mid-second {}; holds one same-second identical pair (both kept)."
    resolver_csv("resolver/user_audit_trail_export_1.csv", rows1 + edge, fmt, about.format(boundary))
    rows2 = [*edge, edge_extra, *resolver_rows("2025-11-14T08:00:00", "2025-11-18T16:42:06", 33)]
    about = "Older re-export with dateEnd = export 1's last second: the rows of that second appear in both."
    resolver_csv("resolver/user_audit_trail_export_2.csv", rows2, fmt, about)
    rows3 = resolver_rows("2025-10-01T00:00:00", "2025-10-31T23:59:59", 22)
    rows3.append(resolver_row(utc("2025-10-07T21:14:09"), ("Unsuccessful Impersonate User", "User", "", ""),
                              "Gray Mock", "External Org User"))
    about = "UTF-8 BOM and US `MM/DD/YYYY hh:mm:ss AM` times; October events."
    resolver_csv("resolver/user_audit_trail_us_format.csv", rows3, "%m/%d/%Y %I:%M:%S %p", about, "\ufeff")


# ---------------------------------------------------------------- SAP CDC / Gigya (audit.search JSON, NDJSON)
GIGYA_API_KEY = "3_" + hexid(40)
GIGYA_USER_KEY = "AB" + hexid(10).upper()
GIGYA_USER_KEY_DETAILS = {"description": "CRM sync job", "name": "crm-sync", "emailDomain": "example.com"}
GIGYA_ERRORS = {
    403042: ("Invalid LoginID", "invalid loginID or password"),
    400006: ("Invalid parameter value", "Schema validation failed: data.birthYear"),
    403120: ("Account temporarily locked out", "Login failed: account is locked out"),
}
GIGYA_ENDPOINTS = ["accounts.login"] * 4 + ["accounts.getAccountInfo"] * 3 + ["accounts.setAccountInfo"] * 2
GIGYA_ENDPOINTS += ["accounts.logout"] * 2 + ["socialize.login", "accounts.register", "accounts.search"]
GIGYA_SERVER = {"accounts.search", "accounts.deleteAccount"}
SDKS = ["js_latest", "js_latest", "ios_swift_1.6.0", "android_7.0.11"]
COUNTRIES = ["US", "DE", "GB", "FR", "IL", "BR"]
USER_AGENTS = [  # os, browser, version, platform
    ("Windows", "Chrome", "131.0", "desktop"),
    ("Mac OS X", "Safari", "17.6", "desktop"),
    ("iOS", "Mobile Safari", "18.1", "mobile"),
    ("Android", "Chrome Mobile", "130.0", "mobile"),
]


def gigya_params(endpoint: str, p: dict, login_id: str | None) -> dict:
    if endpoint == "accounts.login":
        return {"loginID": login_id or p["email"], "include": "profile,data", "targetEnv": "jssdk"}
    if endpoint == "socialize.login":
        provider = rng.choice(["facebook", "google", "apple"])
        return {"x_provider": provider, "redirect_uri": "https://www.example.com/login/callback"}
    if endpoint == "accounts.register":
        return {"email": p["email"], "finalizeRegistration": "true", "regToken": "st2." + hexid(24)}
    if endpoint == "accounts.search":
        return {"query": "SELECT UID, profile.email FROM accounts WHERE lastLogin > '2025-11-01'", "limit": 100}
    if endpoint == "accounts.setAccountInfo":
        return {"UID": p["uid"], "profile": json.dumps({"firstName": p["name"].split()[0]})}
    return {"UID": p["uid"]}


def gigya_record(t: datetime, endpoint: str, err=None, ip: str | None = None, login_id=None) -> dict:
    p, server = person(), endpoint in GIGYA_SERVER
    rec = {"@timestamp": iso_ms(t), "callID": hexid(32), "errCode": rng.choice([0, "0"]) if err is None else err}
    rec["endpoint"] = endpoint
    if err is not None:
        rec["errMessage"], rec["errDetails"] = GIGYA_ERRORS[int(err)]
    if server:
        rec["userKey"] = GIGYA_USER_KEY
    rec["sourceIP"] = ip if ip is not None else (rng.choice(["", "198.51.100.10"]) if server else doc_ip())
    rec["params"] = gigya_params(endpoint, p, login_id)
    if err is None:
        rec["uid"] = p["uid"]
    rec["apiKey" if rng.random() < 0.12 else "apikey"] = GIGYA_API_KEY
    rec["httpReq"] = {"SDK": "python_3.2.3" if server else rng.choice(SDKS), "country": rng.choice(COUNTRIES)}
    if server:
        rec["userKeyDetails"] = GIGYA_USER_KEY_DETAILS
    return rec


def gigya_batch(start: str, end: str, n: int, extra: list[dict]) -> list[dict]:
    recs = [gigya_record(t, rng.choice(GIGYA_ENDPOINTS)) for t in rand_times(start, end, n)]
    return sorted(recs + extra, key=lambda r: r["@timestamp"])


def to_ndjson_shape(rec: dict) -> dict:
    out = {"timestamp" if k == "@timestamp" else "ip" if k == "sourceIP" else k: v for k, v in rec.items()}
    out["errCode"] = str(out["errCode"])
    out["authType"] = "userKey" if "userKey" in rec else rng.choice(["apiKey", "session"])
    out["userAgent"] = dict(zip(["os", "browser", "version", "platform"], rng.choice(USER_AGENTS), strict=True))
    return out


def make_sap_cdc() -> None:
    g = gigya_record
    old = [g(utc("2015-08-15T22:10:05.101"), "socialize.login"), g(utc("2015-08-16T09:49:36.522"), "socialize.login")]
    old += [g(utc("2015-08-16T09:51:02.007"), "socialize.getUserInfo"), g(utc("2015-08-16T17:20:44.930"), "socialize.logout")]
    page1 = gigya_batch("2025-11-18T00:00:00", "2025-11-20T10:00:00", 36, old + [
        g(utc("2025-11-20T09:14:40.118"), "accounts.login", 403042, FAIL_IPS[0], "alex.example@example.com"),
        g(utc("2025-11-20T10:02:13.640"), "accounts.setAccountInfo", "400006"),
        g(utc("2025-11-20T11:58:03.250"), "accounts.login", 403042, FAIL_IPS[1], "admin@example.org"),
    ])  # fmt: skip
    repeat = page1[-3:]  # the re-sent cursor returns these again
    page2 = repeat + gigya_batch("2025-11-20T12:00:00", "2025-11-21T08:00:00", 26, [
        g(utc("2025-11-20T15:31:09.004"), "accounts.login", "403120", FAIL_IPS[2], "dana.demo@example.com"),
        g(utc("2025-11-20T16:45:00.512"), "accounts.deleteAccount"),
    ])  # fmt: skip
    total = len(page1) + len(page2) - len(repeat)
    for i, (name, recs) in enumerate([("page1", page1), ("page2", page2)]):
        env = {"callId": hexid(32), "errorCode": 0, "statusCode": 200, "statusReason": "OK"}
        env |= {"time": iso_ms(utc("2025-11-21T08:30:00") + timedelta(seconds=7 * i, milliseconds=313))}
        env |= {"results": recs, "objectsCount": len(recs), "totalCount": total}
        if i == 0:
            env["nextCursorId"] = "1:" + hexid(64)
        about = "Full `audit.search` response; errCode 0 / \"0\" / 403042 / \"400006\"; 2015-08-16 socialize.*."
        if i:
            about = "Next page (no nextCursorId): starts with page 1's last 3 records again (re-sent cursor)."
        save(f"sap_cdc/audit_search_{name}.json", "sap_cdc", dump_json(env), recs, about)
    nd = gigya_batch("2025-11-19T00:00:00", "2025-11-21T10:00:00", 26, [
        g(utc("2015-08-16T12:00:31.456"), "socialize.login"), g(utc("2015-08-17T00:00:00.001"), "socialize.login"),
        g(utc("2025-11-19T23:59:59.950"), "accounts.login", "403042", doc_ip(), "emery.test@example.org"),
        g(utc("2025-11-20T20:12:55.321"), "socialize.login", "403042", FAIL_IPS[3]),
        g(utc("2025-11-21T00:00:00.050"), "accounts.login", "403042", doc_ip(), "gray.mock@example.org"),
    ])  # fmt: skip
    nd = [to_ndjson_shape(r) for r in nd]
    about = "Line-per-record shape: `timestamp`, `ip`, `authType`, `userAgent`, string errCode."
    save("sap_cdc/audit_export.ndjson", "sap_cdc", "".join(json.dumps(r) + "\n" for r in nd), nd, about)


# ---------------------------------------------------------------- Adobe CJA (UI CSV + JSON, API page)
CJA_ORG = hexid(24).upper() + "@AdobeOrg"
CJA_EVENTS = [  # action, component type, description template
    ("CREATE", "PROJECT", "Creating project: {name}"),
    ("EDIT", "PROJECT", "Updating project: {name}"),
    ("DELETE", "FILTER", "Deleting filter: {id}"),
    ("SHARE", "PROJECT", "Sharing project {name} with Internal Audit"),
    ("UNSHARE", "FILTER", "Unsharing filter {name}"),
    ("EXPORT", "PROJECT", "Exporting project to CSV: {name}"),
    ("CREATE", "CALCULATED_METRIC", "Creating calculated metric: {name}"),
    ("CREATE", "SCHEDULED_PROJECT", "Creating scheduled job: {id}"),
    ("API_REQUEST", "DATA_VIEW", "GET /data/dataviews/{id}"),
    ("EDIT", "DATA_VIEW", "Updating data view: {name}"),
    ("APPROVE", "FILTER", "Approving filter: {name}"),
    ("TRANSFER", "PROJECT", "Transferring project {name} to Blair Sample"),
    ("LOGIN_SUCCESSFUL", "USER", "Login successful"),
]
CJA_NAMES = {
    "PROJECT": ["Weekly KPIs", "Checkout funnel", "Campaign review, Q4"],
    "FILTER": ["Mobile visitors", "Returning customers"],
    "CALCULATED_METRIC": ["Conversion rate (orders/visits)"],
    "SCHEDULED_PROJECT": ["", "EOW reporting"],
    "DATA_VIEW": ["All web data", "Mobile app"],
}
CJA_PREFIX = {"FILTER": "s_", "DATA_VIEW": "dv_", "CALCULATED_METRIC": "cm_"}


def cja_record(t: datetime, action: str, ctype: str, desc: str, p: dict | None = None) -> dict:
    p = p or person()
    okta = p is PERSONS[5]
    hidden = rng.random() < 0.15  # the API often returns name/email as null
    if ctype == "USER":
        cid, cname = p["ims_id"], p["email"]
    else:
        cid = uuid4ish() if ctype == "SCHEDULED_PROJECT" else CJA_PREFIX.get(ctype, "") + hexid(24)
        cname = rng.choice(CJA_NAMES[ctype])
    return {
        "id": hexid(24),
        "dateCreated": iso_ms(t, "+00:00"),
        "action": action,
        "description": desc.format(name=cname, id=cid),
        "imsOrgId": CJA_ORG,
        "user": {
            "id": p["okta_id"] if okta else p["ims_id"],
            "idType": "OKTA" if okta else "IMS",
            "name": None if hidden else p["name"],
            "email": None if hidden else p["email"],
        },
        "component": {"id": cid, "idType": ctype, "name": cname},
    }


def cja_batch(start: str, end: str, n: int, extra: list[dict]) -> list[dict]:
    recs = [cja_record(t, *rng.choice(CJA_EVENTS)) for t in rand_times(start, end, n)]
    return sorted(recs + extra, key=lambda r: r["dateCreated"], reverse=True)


def cja_csv_row(r: dict) -> dict:
    u, c = r["user"], r["component"]
    vals = [r["action"], r["dateCreated"], r["description"], u["name"], u["email"], c["name"], c["idType"]]
    vals += [c["id"], r["imsOrgId"], r["id"], u["id"], u["idType"]]
    return dict(zip(CJA_CSV_HEADER, vals, strict=True))


CJA_CSV_HEADER = ["Action Name", "Date Created", "Description", "User Name", "Email", "Component Name"]
CJA_CSV_HEADER += ["Component Type", "Component ID", "IMS Org ID", "Log ID", "User ID", "User Type"]


def make_adobe_cja() -> None:
    fail = ("LOGIN_FAILED", "USER", "Login failed")
    ui = cja_batch("2025-11-15T00:00:00", "2025-11-21T09:00:00", 28, [
        cja_record(utc("2025-11-20T07:41:19.902"), *fail, PERSONS[2]),
        cja_record(utc("2025-11-20T18:03:27.415"), *fail, PERSONS[6]),
        cja_record(utc("2025-11-21T06:12:45.033"), "DELETE", "PROJECT", "Deleting project: {name}"),
    ])  # fmt: skip
    cells = as_cells([cja_csv_row(r) for r in ui])
    about = "UI CSV download (all 12 columns); the same events as the UI JSON file."
    save("adobe_cja/auditlogs_ui_export.csv", "adobe_cja", csv_text(CJA_CSV_HEADER, cells), cells, about)
    about = "UI JSON download: a bare array; dedups against the CSV by `id` = Log ID."
    save("adobe_cja/auditlogs_ui_export.json", "adobe_cja", dump_json(ui), ui, about)
    api = cja_batch("2025-11-01T00:00:00", "2025-11-14T23:00:00", 24, [
        cja_record(utc("2025-11-12T22:30:08.640"), *fail, PERSONS[7]),
    ])  # fmt: skip
    srt = {"sorted": True, "unsorted": False, "empty": False}
    env = {
        "content": api,
        "pageable": {"sort": srt, "offset": 0, "pageNumber": 0, "pageSize": 50, "paged": True, "unpaged": False},
        "last": True,
        "totalElements": len(api),
        "totalPages": 1,
        "size": 50,
        "number": 0,
        "sort": srt,
        "numberOfElements": len(api),
        "first": True,
        "empty": False,
    }
    about = "API page envelope (`content`, `totalElements`, …); earlier November events."
    save("adobe_cja/auditlogs_api_page.json", "adobe_cja", dump_json(env), api, about)


# ---------------------------------------------------------------- Broadcom API Portal (zip of CSV / JSON)
BC_OBJECTS = {
    "API": ["Payments API v2", "Orders API", "Inventory API"],
    "Application": ["Example Mobile App", "Partner Billing Portal"],
    "Organization": ["Example Partners Ltd", "Sample Retail Inc"],
    "API EULA": ["Standard EULA 2025"],
    "API Plan": ["Gold Plan", "Free Tier"],
    "Account Plan": ["Partner Plan"],
    "Custom Field": ["Cost Center"],
}
BC_AGENTS = {
    "chrome": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0",
    "firefox": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "python": "python-requests/2.32.3",
    "gateway": "CA API Gateway",
}


def bc_event(t: datetime) -> list:
    r = rng.random()
    if r < 0.15:
        p = person()
        return [epoch_ms(t), "User", p["email"], "Login Success", p["login"], BC_AGENTS["chrome"]]
    if r < 0.25:
        p = person()
        return [epoch_ms(t), "User", p["email"], "Created", "Registration Service", BC_AGENTS["gateway"]]
    obj = rng.choice(list(BC_OBJECTS))
    action = rng.choice(["Created", "Updated", "Updated", "Deleted"])
    user, agent = ("Portal API", "python") if r < 0.45 else (person()["login"], rng.choice(["chrome", "firefox"]))
    return [epoch_ms(t), obj, rng.choice(BC_OBJECTS[obj]), action, user, BC_AGENTS[agent]]


def bc_failed(t: str, p: dict, action: str = "Login Failed", agent: str = "chrome") -> list:
    return [epoch_ms(utc(t)), "User", p["email"], action, p["login"], BC_AGENTS[agent]]


def make_broadcom() -> None:
    rows = [bc_event(t) for t in rand_times("2025-11-10T00:00:00", "2025-11-21T09:00:00", 37)]
    rows += [bc_failed("2025-11-20T08:22:17.004", PERSONS[1]), bc_failed("2025-11-20T08:22:41.310", PERSONS[1])]
    rows += [bc_failed("2025-11-20T19:47:03.777", PERSONS[4], "LOGIN_FAILED", "firefox")]
    header = ["Time (UTC)", "Object", "Object Name", "Action", "User", "Agent"]
    cells = as_cells([dict(zip(header, r, strict=True)) for r in sorted(rows)])
    data = zip_one("audits.csv", csv_text(header, cells))
    about = "Zip with one CSV, UI labels, epoch-ms `Time (UTC)`; includes `LOGIN_FAILED` spelling."
    save("broadcom_portal/audits_export_csv.zip", "broadcom_portal", data, cells, about)
    rows = [bc_event(t) for t in rand_times("2025-10-01T00:00:00", "2025-11-09T23:00:00", 33)]
    rows.append(bc_failed("2025-10-14T11:02:59.120", PERSONS[3]))
    keys = ["timestamp", "entityType", "entityName", "action", "userName", "agent"]
    recs = [dict(zip(keys, r, strict=True)) for r in sorted(rows)]
    about = "Zip with one JSON array, API names (`timestamp` epoch ms, `entityType`, …); October events."
    save("broadcom_portal/audits_export_json.zip", "broadcom_portal", zip_one("audits.json", dump_json(recs)), recs, about)


# ---------------------------------------------------------------- EXPECTED.json and README.md
def event_key(vendor: str, rec: dict) -> str:
    vid = {"sap_cdc": rec.get("callID"), "adobe_cja": rec.get("id") or rec.get("Log ID")}.get(vendor)
    if vid:
        return f"{vendor}:{vid}"
    return hashlib.sha256(json.dumps(rec, sort_keys=True, default=str).encode()).hexdigest()


def failed_login_day(vendor: str, r: dict) -> str | None:
    """Date (YYYY-MM-DD, UTC) of a failed login by the spec's normalization rules, else None."""
    if vendor == "sap_cdc" and r["endpoint"].endswith(".login") and str(r["errCode"]) != "0":
        return (r.get("@timestamp") or r["timestamp"])[:10]
    if vendor == "adobe_cja" and (r.get("action") or r.get("Action Name")) == "LOGIN_FAILED":
        return (r.get("dateCreated") or r["Date Created"])[:10]
    if vendor == "broadcom_portal" and (r.get("action") or r.get("Action")) in ("Login Failed", "LOGIN_FAILED"):
        ms = int(r.get("timestamp") or r["Time (UTC)"])
        return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)).date().isoformat()
    if vendor == "resolver" and r["Event"] == "Unsuccessful Impersonate User":
        s = r["Date and Time"]
        return s[:10] if s[4] == "-" else f"{s[6:10]}-{s[:2]}-{s[3:5]}"
    return None


def unique_count(files: list[dict], keep=lambda vendor, rec: True) -> int:
    best: dict[str, int] = defaultdict(int)
    for f in files:
        for key, n in Counter(event_key(f["vendor"], r) for r in f["records"] if keep(f["vendor"], r)).items():
            best[key] = max(best[key], n)
    return sum(best.values())


def make_expected() -> None:
    vendors: dict[str, dict] = {}
    demo = {}
    for v in dict.fromkeys(f["vendor"] for f in FILES):
        vf = [f for f in FILES if f["vendor"] == v]
        vendors[v] = {"records": sum(len(f["records"]) for f in vf), "unique_events": unique_count(vf)}
        demo[v] = unique_count(vf, lambda vendor, r: failed_login_day(vendor, r) == "2025-11-20")
    exp = {
        "files": [{"path": f["path"], "vendor": f["vendor"], "records": len(f["records"])} for f in FILES],
        "vendors": vendors,
        "total": {k: sum(x[k] for x in vendors.values()) for k in ("records", "unique_events")},
        "demo_failed_logins_2025_11_20": demo | {"total": sum(demo.values())},
    }
    (OUT / "EXPECTED.json").write_text(dump_json(exp))
    lines = [
        "# Sample audit-log exports",
        "",
        "Generated by `make_samples.py` (run `python sample_data/make_samples.py`; output is byte-identical",
        "across runs). Do not edit these files by hand: change the script. Everything here is fictional:",
        "people, e-mails (example.com / example.org), ids, keys, and IPs from the RFC 5737 documentation ranges.",
        "",
        "`EXPECTED.json` gives, per file, the records it holds and, per vendor, `unique_events`: the rows",
        "the archive must hold after ingesting every file once (dedup by Gigya `callID` / CJA `id` = Log ID,",
        "else by content hash; per key, the largest number of copies in any single file).",
        "",
        "| file | vendor | format | records | demonstrates |",
        "|---|---|---|---:|---|",
    ]
    for f in FILES:
        fmt = Path(f["path"]).suffix.lstrip(".").upper()
        fmt = f"ZIP of {'CSV' if 'csv' in f['path'] else 'JSON'}" if fmt == "ZIP" else fmt
        lines.append(f"| `{f['path']}` | {f['vendor']} | {fmt} | {len(f['records'])} | {f['about']} |")
    t = exp["total"]
    lines += ["", f"Total: {t['records']} records, {t['unique_events']} unique events after dedup.", ""]
    lines += [
        "Demo question: *which failed logins happened on 2025-11-20, and from where?* —",
        f"{demo['sap_cdc']} Gigya (each from its own `sourceIP` / `ip`), {demo['adobe_cja']} CJA `LOGIN_FAILED`,",
        f"{demo['broadcom_portal']} Broadcom `Login Failed` / `LOGIN_FAILED` (agent only, no IP in the export),",
        f"{demo['resolver']} Resolver `Unsuccessful Impersonate User`; nearby failures on 2025-11-19 23:59:59.950Z",
        "and 2025-11-21 00:00:00.050Z must not match.",
        "",
    ]
    (OUT / "README.md").write_text("\n".join(lines))


def main() -> None:
    make_ci360()
    make_resolver()
    make_sap_cdc()
    make_adobe_cja()
    make_broadcom()
    make_expected()


if __name__ == "__main__":
    main()
