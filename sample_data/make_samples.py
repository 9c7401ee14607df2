"""Generate auditql's sample audit-log exports, README.md and tests/data/samples_expected.json (deterministic).

Run ``python sample_data/make_samples.py`` (stdlib + pyarrow, no network): it rewrites every sample file
in this folder from a fixed random seed and fixed base times, so repeated runs are byte-identical. The
shapes follow the project's vendor notes (field names, envelopes, time formats); the contents are invented.
All people, e-mail addresses (example.com / example.org), user ids, API keys, org ids and IP addresses
(RFC 5737 documentation ranges 192.0.2.x, 198.51.100.x, 203.0.113.x) are fictional. tests/data/samples_expected.json is
computed from the generated records, without auditql's code, by the dedup rule of docs/spec/canonical-schema.md
(see `unique_events` below): a vendor id (Gigya callID, CJA id / Log ID) is one event wherever it repeats; an
id-less record is keyed by the canonical values its mapping declares identifying; per content key the archive
holds max(most id-less copies in one file, distinct ids with that key).
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import zipfile
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

OUT = Path(__file__).resolve().parent
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
rng = random.Random(20251121)
FILES: list[dict] = []  # {"path", "vendor", "records", "about"} in generation order

PEOPLE = [  # name, e-mail domain
    ("Alex Example", "example.com"), ("Blair Sample", "example.com"), ("Casey Placeholder", "example.org"),
    ("Dana Demo", "example.com"), ("Emery Test", "example.org"), ("Finley Fictional", "example.com"),
    ("Gray Mock", "example.org"), ("Harper Dummy", "example.com"),
]  # fmt: skip
FAIL_IPS = ["203.0.113.45", "198.51.100.77", "192.0.2.200", "203.0.113.9"]  # demo: failed logins 2025-11-20


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
    a, span = utc(start), int((utc(end) - utc(start)).total_seconds() * 1000)
    return sorted(a + timedelta(milliseconds=rng.randrange(1, span)) for _ in range(n))


def iso_ms(dt: datetime, zone: str = "Z") -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}{zone}"


def epoch_ms(dt: datetime) -> int:
    return (dt - EPOCH) // timedelta(milliseconds=1)


def make_person(name: str, domain: str) -> dict:
    login = name.lower().replace(" ", ".")
    ids = {"ci360_id": uuid4ish(), "ims_id": hexid(24).upper() + "@AdobeID", "okta_id": "00u" + hexid(17)}
    return {"name": name, "login": login, "email": f"{login}@{domain}", "uid": hexid(32), **ids}


PERSONS = [make_person(n, d) for n, d in PEOPLE]


def csv_text(header: list[str], rows: list[dict], eol: str = "\r\n") -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, header, lineterminator=eol)
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def as_cells(rows: list[dict]) -> list[dict]:
    """What a CSV reader gets back: header -> cell text (None becomes '')."""
    return [{k: "" if v is None else str(v) for k, v in r.items()} for r in rows]


def dump_json(obj) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def zip_one(member: str, text: str) -> bytes:
    buf, info = io.BytesIO(), zipfile.ZipInfo(member, date_time=(2025, 11, 21, 9, 0, 0))
    info.compress_type, info.create_system, info.external_attr = zipfile.ZIP_DEFLATED, 3, 0o644 << 16
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(info, text)
    return buf.getvalue()


def save(path: str, data: bytes | str, records: list, about: str) -> None:
    """Write one sample file; its folder name is the vendor key."""
    (OUT / path).parent.mkdir(parents=True, exist_ok=True)
    (OUT / path).write_bytes(data.encode() if isinstance(data, str) else data)
    FILES.append({"path": path, "vendor": path.split("/")[0], "records": records, "about": about})


# ---------------------------------------------------------------- SAS CI360: Parquet + pandas-style CSV
CI360_ACTIONS = [  # action, object type, object names ("" = the acting user)
    ("Login", "user", [""]), ("Logout", "user", [""]),
    ("Create User", "user", ["Jordan Newhire", "Sky Contractor"]),
    ("Update User", "user", ["Jordan Newhire", "Riley Analyst"]), ("Delete User", "user", ["Sky Contractor"]),
    ("Create Access Point", "accessPoint", ["CRM nightly sync", "Mobile app (iOS)"]),
    ("Update Access Point", "accessPoint", ["Web SDK - storefront", "CRM nightly sync"]),
    ("Create Audience Connection", "audienceConnection", ["Paid social - retarget"]),
    ("Delete Audience Connection", "audienceConnection", ["Lookalike - spring 2025"]),
    ("Update Role", "role", ["Marketing Analyst", "Tenant Admin"]),
    ("Publish Task", "task", ["Spring sale email", "Welcome journey, step 2"]),
]  # fmt: skip
CI360_TENANT = hexid(20)
CI360_API_CLIENT = {"ci360_id": "ap-" + hexid(12), "name": "api: CRM nightly sync", "email": None}
CI360_CSV_NAMES = ["eventDateTime", "userId", "userName", "userEmail", "actionType", "objectType", "objectId",
                   "objectName", "channel", "ipAddress", "tenantId"]  # fmt: skip


def ci360_rows(day: str, n: int) -> list[dict]:
    rows = []
    for t in rand_times(f"{day}T06:00:00", f"{day}T21:00:00", n):
        action, otype, names = rng.choice(CI360_ACTIONS)
        api = otype != "user" and rng.random() < 0.3
        who = CI360_API_CLIENT if api else rng.choice(PERSONS)
        name = rng.choice(names) or who["name"]
        oid = who["ci360_id"] if name == who["name"] else uuid4ish()
        ip = None if api and rng.random() < 0.5 else doc_ip()
        vals = [t, who["ci360_id"], who["name"], who["email"], action, otype, oid, name, ["UI", "API"][api],
                ip]  # fmt: skip
        keys = ["event_timestamp", "user_id", "user_name", "user_email", "action_name", "object_type"]
        keys += ["object_id", "object_name", "source", "ip_address"]
        rows.append(dict(zip(keys, vals, strict=True)) | {"tenant_id": CI360_TENANT})
    return rows


def make_ci360() -> None:
    rows, buf = ci360_rows("2025-03-01", 60), io.BytesIO()
    types = {"event_timestamp": pa.timestamp("ms", tz="UTC")}
    schema = pa.schema([(k, types.get(k, pa.string())) for k in rows[0]])
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), buf)
    about = "Parquet as the auditRecords API serves it: TIMESTAMP(ms, UTC), snake_case columns, NULLs."
    save("sas_ci360/audit_records_2025-03-01.parquet", buf.getvalue(), rows, about)
    out = []  # SAS's download utility re-saves records with pandas to_csv
    for i, r in enumerate(ci360_rows("2025-03-02", 40)):
        vals = [r["event_timestamp"].strftime("%Y-%m-%d %H:%M:%S.%f+00:00"), *list(r.values())[1:]]
        out.append({"": i} | dict(zip(CI360_CSV_NAMES, vals, strict=True)))
    cells, about = as_cells(out), "pandas to_csv style: unnamed index column, camelCase synonyms, `+00:00`."
    text = csv_text(["", *CI360_CSV_NAMES], cells, "\n")
    save("sas_ci360/audit_records_2025-03-02.csv", text, cells, about)


# ---------------------------------------------------------------- Resolver: CSV, newest first
RESOLVER_HEADER = ["Date and Time", "Subject", "Event", "Performed By", "Subject Type", "Previous Value",
                   "Updated Value"]  # fmt: skip
RESOLVER_EVENTS = [  # event, subject type, previous value, updated value
    ("Add User", "User", "", ""), ("Update User", "User", "Role: Viewer", "Role: Editor"),
    ("Update User", "User", "Status: Active", "Status: Inactive"), ("Impersonate User", "User", "", ""),
    ("Regenerate Data Warehouse Password", "Confidential Login", "", ""),
    ("Create API Key", "API Key", "", ""), ("Delete User", "User", "", ""),
    ("Multiple Attributes Updated", "User", 'First Name: Sam, Title: "Analyst"', 'Title: "Lead"'),
    ("Add User to Group", "User Group", "", "Members: +1"),
    ("Remove User from Group", "User Group", "Members: -1", ""),
    ("Update Role", "Role", "Permissions: Read", "Permissions: Read, Write"),
]  # fmt: skip
RESOLVER_SUBJECTS = {"User Group": ["Risk Owners", "Internal Audit"], "Role": ["Auditor", "Risk Manager"],
                     "Confidential Login": ["Confidential login changed"],
                     "API Key": ["Nightly export integration", "BI connector"]}  # fmt: skip
RESOLVER_FAIL = ("Unsuccessful Impersonate User", "User", "", "")


def resolver_row(t: datetime, event: tuple, subject: str | None = None, by: str | None = None) -> dict:
    name, stype, prev, new = event
    subject = subject or rng.choice(RESOLVER_SUBJECTS.get(stype) or [p["name"] for p in PERSONS[3:]])
    by = by or ("External Org User" if rng.random() < 0.1 else rng.choice(PERSONS[:4])["name"])
    return dict(zip(RESOLVER_HEADER, [t, subject, name, by, stype, prev, new], strict=True))


def resolver_rows(start: str, end: str, n: int) -> list[dict]:
    return [resolver_row(t, rng.choice(RESOLVER_EVENTS)) for t in rand_times(start, end, n)]


def resolver_csv(path: str, rows: list[dict], fmt: str, about: str, bom: str = "") -> None:
    rows = sorted(rows, key=lambda r: r["Date and Time"], reverse=True)  # stable: same-second order kept
    cells = as_cells([r | {"Date and Time": r["Date and Time"].strftime(fmt)} for r in rows])
    save(path, bom + csv_text(RESOLVER_HEADER, cells), cells, about)


def make_resolver() -> None:
    ev, rr, fmt = {e[0]: e for e in RESOLVER_EVENTS}, resolver_row, "%Y-%m-%d %H:%M:%S"
    cut = utc("2025-11-18T16:42:07")  # export 1's last second = export 2's dateEnd
    edge = [rr(cut, ev["Add User"], "Jordan Newhire", "Alex Example"),
            rr(cut, ev["Add User to Group"], "Risk Owners", "Alex Example")]  # fmt: skip
    twin = rr(utc("2025-11-19T10:15:31"), ev["Update User"], "Harper Dummy", "Blair Sample")
    special = [
        rr(utc("2025-11-20T13:05:44"), RESOLVER_FAIL, "Finley Fictional", "External Org User"),
        rr(utc("2025-11-20T13:06:02"), ev["Impersonate User"], "Emery Test", "Dana Demo"),
        rr(utc("2025-11-19T08:00:12"), ev["Delete User"], "Unknown user with id 123", "Alex Example"),
        rr(utc("2025-11-21T07:44:51"), ev["Update User"], "Unknown user with id 123", "Casey Placeholder"),
        twin, dict(twin),
    ]  # fmt: skip
    rows = resolver_rows("2025-11-18T16:42:08", "2025-11-21T09:30:00", 34) + special + edge
    about = f"Newest first; stops inside second {cut:%H:%M:%S}; one identical same-second pair (both kept)."
    resolver_csv("resolver/user_audit_trail_export_1.csv", rows, fmt, about)
    rows = [*edge, rr(cut, ev["Update Role"], "Auditor", "Alex Example")]
    rows += resolver_rows("2025-11-14T08:00:00", "2025-11-18T16:42:06", 33)
    about = "Older re-export, dateEnd = export 1's last second: that second's 2 rows are in both files."
    resolver_csv("resolver/user_audit_trail_export_2.csv", rows, fmt, about)
    rows = resolver_rows("2025-10-01T00:00:00", "2025-10-31T23:59:59", 22)
    rows.append(rr(utc("2025-10-07T21:14:09"), RESOLVER_FAIL, "Gray Mock", "External Org User"))
    about = "UTF-8 BOM and US `MM/DD/YYYY hh:mm:ss AM` times; October events."
    resolver_csv("resolver/user_audit_trail_us_format.csv", rows, "%m/%d/%Y %I:%M:%S %p", about, "\ufeff")


# ---------------------------------------------------------------- SAP CDC (Gigya): audit.search pages, NDJSON
GIGYA_API_KEY, GIGYA_USER_KEY = "3_" + hexid(40), "AB" + hexid(10).upper()
GIGYA_KEY_DETAILS = {"description": "CRM sync job", "name": "crm-sync", "emailDomain": "example.com"}
GIGYA_ERRORS = {
    403042: ("Invalid LoginID", "invalid loginID or password"),
    400006: ("Invalid parameter value", "Schema validation failed: data.birthYear"),
    403120: ("Account temporarily locked out", "Login failed: account is locked out"),
}
GIGYA_ENDPOINTS = ["accounts.login"] * 4 + ["accounts.getAccountInfo"] * 3 + ["accounts.setAccountInfo"] * 2
GIGYA_ENDPOINTS += ["accounts.logout"] * 2 + ["socialize.login", "accounts.register", "accounts.search"]
GIGYA_SPECIAL = {  # file: [(@timestamp, endpoint, errCode, sourceIP, params.loginID)]
    "page1": [
        ("2015-08-15T22:10:05.101", "socialize.login", None, None, None),
        ("2015-08-16T09:49:36.522", "socialize.login", None, None, None),
        ("2015-08-16T09:51:02.007", "socialize.getUserInfo", None, None, None),
        ("2015-08-16T17:20:44.930", "socialize.logout", None, None, None),
        ("2025-11-20T09:14:40.118", "accounts.login", 403042, FAIL_IPS[0], "alex.example@example.com"),
        ("2025-11-20T10:02:13.640", "accounts.setAccountInfo", "400006", None, None),
        ("2025-11-20T11:58:03.250", "accounts.login", 403042, FAIL_IPS[1], "admin@example.org"),
    ],
    "page2": [
        ("2025-11-20T15:31:09.004", "accounts.login", "403120", FAIL_IPS[2], "dana.demo@example.com"),
        ("2025-11-20T16:45:00.512", "accounts.deleteAccount", None, None, None),
    ],
    "ndjson": [
        ("2015-08-16T12:00:31.456", "socialize.login", None, None, None),
        ("2015-08-17T00:00:00.001", "socialize.login", None, None, None),
        ("2025-11-19T23:59:59.950", "accounts.login", "403042", "192.0.2.61", "emery.test@example.org"),
        ("2025-11-20T20:12:55.321", "socialize.login", "403042", FAIL_IPS[3], None),
        ("2025-11-21T00:00:00.050", "accounts.login", "403042", "198.51.100.19", "gray.mock@example.org"),
    ],
}
SDKS = ["js_latest", "js_latest", "ios_swift_1.6.0", "android_7.0.11"]
COUNTRIES = ["US", "DE", "GB", "FR", "BR"]
USER_AGENTS = [  # os, browser, version, platform
    ("Windows", "Chrome", "131.0", "desktop"), ("Mac OS X", "Safari", "17.6", "desktop"),
    ("iOS", "Mobile Safari", "18.1", "mobile"), ("Android", "Chrome Mobile", "130.0", "mobile"),
]  # fmt: skip


def gigya_params(endpoint: str, p: dict, login_id: str | None) -> dict:
    if endpoint == "accounts.login":
        return {"loginID": login_id or p["email"], "include": "profile,data", "targetEnv": "jssdk"}
    if endpoint == "socialize.login":
        return {
            "x_provider": rng.choice(["facebook", "google", "apple"]),
            "redirect_uri": "https://example.com/cb",
        }
    if endpoint == "accounts.register":
        return {"email": p["email"], "finalizeRegistration": "true", "regToken": "st2." + hexid(24)}
    if endpoint == "accounts.search":
        return {
            "query": "SELECT UID, profile.email FROM accounts WHERE lastLogin > '2025-11-01'",
            "limit": 100,
        }
    if endpoint == "accounts.setAccountInfo":
        return {"UID": p["uid"], "profile": json.dumps({"firstName": p["name"].split()[0]})}
    return {"UID": p["uid"]}


def gigya_record(t: datetime, endpoint: str, err=None, ip=None, login_id=None) -> dict:
    p, server = rng.choice(PERSONS), endpoint in ("accounts.search", "accounts.deleteAccount")
    rec = {
        "@timestamp": iso_ms(t),
        "callID": hexid(32),
        "errCode": rng.choice([0, "0"]) if err is None else err,
    }
    rec["endpoint"] = endpoint
    if err is not None:
        rec["errMessage"], rec["errDetails"] = GIGYA_ERRORS[int(err)]
    if server:
        rec["userKey"] = GIGYA_USER_KEY
    rec["sourceIP"] = ip or (rng.choice(["", "198.51.100.10"]) if server else doc_ip())
    rec["params"] = gigya_params(endpoint, p, login_id)
    if err is None:
        rec["uid"] = p["uid"]
    rec["apiKey" if rng.random() < 0.12 else "apikey"] = GIGYA_API_KEY
    rec["httpReq"] = {"SDK": "python_3.2.3" if server else rng.choice(SDKS), "country": rng.choice(COUNTRIES)}
    return rec | ({"userKeyDetails": GIGYA_KEY_DETAILS} if server else {})


def gigya_batch(start: str, end: str, n: int, special: str) -> list[dict]:
    recs = [gigya_record(utc(t), *rest) for t, *rest in GIGYA_SPECIAL[special]]
    recs += [gigya_record(t, rng.choice(GIGYA_ENDPOINTS)) for t in rand_times(start, end, n)]
    return sorted(recs, key=lambda r: r["@timestamp"])


def to_ndjson_shape(rec: dict) -> dict:
    out = {{"@timestamp": "timestamp", "sourceIP": "ip"}.get(k, k): v for k, v in rec.items()}
    out["errCode"] = str(out["errCode"])
    out["authType"] = "userKey" if "userKey" in rec else rng.choice(["apiKey", "session"])
    out["userAgent"] = dict(zip(["os", "browser", "version", "platform"], rng.choice(USER_AGENTS), strict=True))
    return out


def make_sap_cdc() -> None:
    page1 = gigya_batch("2025-11-18T00:00:00", "2025-11-20T09:00:00", 36, "page1")
    page2 = page1[-3:] + gigya_batch("2025-11-20T12:00:00", "2025-11-21T08:00:00", 26, "page2")
    abouts = [
        'Full `audit.search` response; errCode 0 / "0" / 403042 / "400006"; 2015-08-16 socialize.*.',
        "Last page (no nextCursorId); re-sent cursor: starts with page 1's last 3 records again.",
    ]
    for i, recs in enumerate([page1, page2]):
        env = {"callId": hexid(32), "errorCode": 0, "statusCode": 200, "statusReason": "OK",
               "time": iso_ms(utc("2025-11-21T08:30:00.313") + timedelta(seconds=7 * i)), "results": recs,
               "objectsCount": len(recs), "totalCount": len(page1) + len(page2) - 3}  # fmt: skip
        env |= {} if i else {"nextCursorId": "1:" + hexid(64)}
        save(f"sap_cdc/audit_search_page{i + 1}.json", dump_json(env), recs, abouts[i])
    recs = gigya_batch("2025-11-19T00:00:00", "2025-11-21T10:00:00", 26, "ndjson")
    recs = [to_ndjson_shape(r) for r in recs]
    about = "Line-per-record shape: `timestamp`, `ip`, `authType`, `userAgent`, string errCode."
    save("sap_cdc/audit_export.ndjson", "".join(json.dumps(r) + "\n" for r in recs), recs, about)


# ---------------------------------------------------------------- Adobe CJA: UI CSV + UI JSON, API page
CJA_ORG = hexid(24).upper() + "@AdobeOrg"
CJA_EVENTS = [  # action, component type, description template
    ("CREATE", "PROJECT", "Creating project: {name}"), ("EDIT", "PROJECT", "Updating project: {name}"),
    ("DELETE", "FILTER", "Deleting filter: {id}"), ("UNSHARE", "FILTER", "Unsharing filter {name}"),
    ("SHARE", "PROJECT", "Sharing project {name} with Internal Audit"),
    ("EXPORT", "PROJECT", "Exporting project to CSV: {name}"),
    ("CREATE", "CALCULATED_METRIC", "Creating calculated metric: {name}"),
    ("CREATE", "SCHEDULED_PROJECT", "Creating scheduled job: {id}"),
    ("API_REQUEST", "DATA_VIEW", "GET /data/dataviews/{id}"),
    ("EDIT", "DATA_VIEW", "Updating data view: {name}"),
    ("APPROVE", "FILTER", "Approving filter: {name}"),
    ("TRANSFER", "PROJECT", "Transferring project {name} to Blair Sample"),
    ("LOGIN_SUCCESSFUL", "USER", "Login successful"),
]  # fmt: skip
CJA_NAMES = {
    "PROJECT": ["Weekly KPIs", "Checkout funnel", "Campaign review, Q4"], "SCHEDULED_PROJECT": ["", "EOW"],
    "FILTER": ["Mobile visitors", "Returning customers"], "DATA_VIEW": ["All web data", "Mobile app"],
    "CALCULATED_METRIC": ["Conversion rate (orders/visits)"],
}  # fmt: skip
CJA_PREFIX = {"FILTER": "s_", "DATA_VIEW": "dv_", "CALCULATED_METRIC": "cm_"}
CJA_FAIL = ("LOGIN_FAILED", "USER", "Login failed")
CJA_CSV_HEADER = ["Action Name", "Date Created", "Description", "User Name", "Email", "Component Name"]
CJA_CSV_HEADER += ["Component Type", "Component ID", "IMS Org ID", "Log ID", "User ID", "User Type"]
CJA_SAMPLES: dict[str, list[dict]] = {}


def cja_record(t: datetime, action: str, ctype: str, desc: str, p: dict | None = None) -> dict:
    p = p or rng.choice(PERSONS)
    okta, hidden = p is PERSONS[5], rng.random() < 0.15  # the API often returns name/email as null
    if ctype == "USER":
        cid, cname = p["ims_id"], p["email"]
    else:
        cid = uuid4ish() if ctype == "SCHEDULED_PROJECT" else CJA_PREFIX.get(ctype, "") + hexid(24)
        cname = rng.choice(CJA_NAMES[ctype])
    user = {"id": p["okta_id"] if okta else p["ims_id"], "idType": "OKTA" if okta else "IMS",
            "name": None if hidden else p["name"], "email": None if hidden else p["email"]}  # fmt: skip
    return {"id": hexid(24), "dateCreated": iso_ms(t, "+00:00"), "action": action,
            "description": desc.format(name=cname, id=cid), "imsOrgId": CJA_ORG, "user": user,
            "component": {"id": cid, "idType": ctype, "name": cname}}  # fmt: skip


def cja_batch(start: str, end: str, n: int, extra: list[dict]) -> list[dict]:
    recs = extra + [cja_record(t, *rng.choice(CJA_EVENTS)) for t in rand_times(start, end, n)]
    return sorted(recs, key=lambda r: r["dateCreated"], reverse=True)


def cja_csv_row(r: dict) -> dict:
    u, c = r["user"], r["component"]
    vals = [r["action"], r["dateCreated"], r["description"], u["name"], u["email"], c["name"], c["idType"],
            c["id"], r["imsOrgId"], r["id"], u["id"], u["idType"]]  # fmt: skip
    return dict(zip(CJA_CSV_HEADER, vals, strict=True))


def make_adobe_cja() -> None:
    ui = cja_batch("2025-11-15T00:00:00", "2025-11-21T09:00:00", 28, [
        cja_record(utc("2025-11-20T07:41:19.902"), *CJA_FAIL, PERSONS[2]),
        cja_record(utc("2025-11-20T18:03:27.415"), *CJA_FAIL, PERSONS[6]),
        cja_record(utc("2025-11-21T06:12:45.033"), "DELETE", "PROJECT", "Deleting project: {name}"),
    ])  # fmt: skip
    cells = as_cells([cja_csv_row(r) for r in ui])
    about = "UI CSV download (all 12 columns); the same events as the UI JSON file."
    save("adobe_cja/auditlogs_ui_export.csv", csv_text(CJA_CSV_HEADER, cells), cells, about)
    about = "UI JSON download: a bare array; dedups against the CSV by `id` = Log ID."
    save("adobe_cja/auditlogs_ui_export.json", dump_json(ui), ui, about)
    api = cja_batch("2025-11-01T00:00:00", "2025-11-14T23:00:00", 24, [
        cja_record(utc("2025-11-12T22:30:08.640"), *CJA_FAIL, PERSONS[7])])  # fmt: skip
    srt = {"sorted": True, "unsorted": False, "empty": False}
    page = {"sort": srt, "offset": 0, "pageNumber": 0, "pageSize": 50, "paged": True, "unpaged": False}
    env = {"content": api, "pageable": page, "last": True, "totalElements": len(api), "totalPages": 1}
    env |= {"size": 50, "number": 0, "sort": srt, "numberOfElements": len(api), "first": True, "empty": False}
    about = "API page envelope (`content`, `totalElements`, …); earlier November events."
    save("adobe_cja/auditlogs_api_page.json", dump_json(env), api, about)
    CJA_SAMPLES.update(ui=ui, api=api)  # the cjapy dump and the UI column subset repeat these events


# ---------------------------------------------------------------- Broadcom API Portal: zip of CSV / of JSON
BC_OBJECTS = {
    "API": ["Payments API v2", "Orders API", "Inventory API"], "API EULA": ["Standard EULA 2025"],
    "Application": ["Example Mobile App", "Partner Billing Portal"], "Custom Field": ["Cost Center"],
    "Organization": ["Example Partners Ltd", "Sample Retail Inc"], "Account Plan": ["Partner Plan"],
    "API Plan": ["Gold Plan", "Free Tier"],
}  # fmt: skip
BC_AGENTS = {
    "chrome": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0",
    "firefox": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "python": "python-requests/2.32.3",
    "gateway": "CA API Gateway",
}


def bc_event(t: datetime) -> list:
    r, p = rng.random(), rng.choice(PERSONS)
    if r < 0.15:
        return [epoch_ms(t), "User", p["email"], "Login Success", p["login"], BC_AGENTS["chrome"]]
    if r < 0.25:
        return [epoch_ms(t), "User", p["email"], "Created", "Registration Service", BC_AGENTS["gateway"]]
    obj, action = rng.choice(list(BC_OBJECTS)), rng.choice(["Created", "Updated", "Updated", "Deleted"])
    user, agent = ("Portal API", "python") if r < 0.45 else (p["login"], rng.choice(["chrome", "firefox"]))
    return [epoch_ms(t), obj, rng.choice(BC_OBJECTS[obj]), action, user, BC_AGENTS[agent]]


def bc_failed(t: str, p: dict, action: str = "Login Failed", agent: str = "chrome") -> list:
    return [epoch_ms(utc(t)), "User", p["email"], action, p["login"], BC_AGENTS[agent]]


def make_broadcom() -> None:
    rows = [bc_event(t) for t in rand_times("2025-11-10T00:00:00", "2025-11-21T09:00:00", 37)]
    rows += [
        bc_failed("2025-11-20T08:22:17.004", PERSONS[1]),
        bc_failed("2025-11-20T08:22:41.310", PERSONS[1]),
    ]
    rows.append(bc_failed("2025-11-20T19:47:03.777", PERSONS[4], "LOGIN_FAILED", "firefox"))
    header = ["Time (UTC)", "Object", "Object Name", "Action", "User", "Agent"]
    cells = as_cells([dict(zip(header, r, strict=True)) for r in sorted(rows)])
    about = "Zip holding one CSV, UI labels, epoch-ms `Time (UTC)`; one `LOGIN_FAILED` spelling."
    data = zip_one("audits.csv", csv_text(header, cells))
    save("broadcom_portal/audits_export_csv.zip", data, cells, about)
    rows = [bc_event(t) for t in rand_times("2025-10-01T00:00:00", "2025-11-09T23:00:00", 33)]
    rows.append(bc_failed("2025-10-14T11:02:59.120", PERSONS[3]))
    keys = ["timestamp", "entityType", "entityName", "action", "userName", "agent"]
    recs = [dict(zip(keys, r, strict=True)) for r in sorted(rows)]
    about = "Zip holding one JSON array, API names (`timestamp` epoch ms, `entityType`, …); October events."
    save("broadcom_portal/audits_export_json.zip", zip_one("audits.json", dump_json(recs)), recs, about)


# ---------------------------------------------------------------- the vendors' own download tools (issue 13)
# Generated after every file above, from the same random stream, so the files above keep their bytes.
def make_cjapy_dump() -> None:
    """cjapy `getAuditLogs(startDate=…, pageSize=20, output="raw", save=True)` at epoch 1763719200: it loops
    pageNumber 0, 1, … and concatenates each page's `content`, then writes `json.dumps(data)`."""
    api, ui = CJA_SAMPLES["api"], CJA_SAMPLES["ui"]
    fresh = [cja_record(t, *rng.choice(CJA_EVENTS)) for t in rand_times("2025-11-21T09:00", "2025-11-21T09:59:30", 4)]
    recent = [r for r in api if r["dateCreated"] >= "2025-11-10"]  # startDate=2025-11-10
    newest = sorted(fresh + ui + recent, key=lambda r: r["dateCreated"], reverse=True)
    size = 20
    data = newest[:size]  # page 0; then an event is created, so every later offset is one record further up
    shifted = [cja_record(utc("2025-11-21T09:59:51.208"), "EDIT", "PROJECT", "Updating project: {name}"), *newest]
    for page in range(1, -(-len(shifted) // size)):
        data += shifted[page * size : (page + 1) * size]
    about = (
        f'cjapy `getAuditLogs(output="raw", save=True)`: one compact JSON array, pages of {size} newest first; '
        f"an event created while paging pushed record {size} onto page 2 (same `id` twice); overlaps the others."
    )
    save("adobe_cja/audit_logs_1763719200.json", json.dumps(data), data, about)


def make_cja_subset() -> None:
    """A UI CSV download filtered to 2025-11-06…11-10 with five columns picked (no Log ID)."""
    header = ["Action Name", "Date Created", "Description", "User Name", "Component Name"]
    picked = [r for r in CJA_SAMPLES["api"] if "2025-11-06" <= r["dateCreated"][:10] <= "2025-11-10"]
    cells = as_cells([{k: cja_csv_row(r)[k] for k in header} for r in picked])
    about = "UI CSV, 5 picked columns, no Log ID: the API page's 11-06…11-10 events again, met by time + action."
    save("adobe_cja/auditlogs_ui_download_subset.csv", csv_text(header, cells), cells, about)


def pandas_csv(rows: list[dict]) -> tuple[str, list[dict]]:
    """`df.to_csv(index=False)` of the Parquet as fastparquet reads it: one sub-second precision per naive
    datetime column (ms here), floats as `1.0`, booleans `True`/`False`, nulls empty, `\\n` line ends."""

    def cell(v) -> str:
        if v is None:
            return ""
        if isinstance(v, datetime):
            return v.strftime("%Y-%m-%d %H:%M:%S.") + f"{v.microsecond // 1000:03d}"
        return repr(v) if isinstance(v, float) else str(v)

    cells = [{k: cell(v) for k, v in r.items()} for r in rows]
    return csv_text(list(rows[0]), cells, "\n"), cells


def make_ci360_download() -> None:
    """SAS's ci360-audit-data-download utility: `output/AuditDataFile<i>_<MMDDYYYYHHMMSS>.parquet` as the
    auditRecords API's download URL serves it, and the `.csv` its converter writes beside it."""
    keys = ["event_timestamp", "user_id", "user_name", "user_email", "action_name", "object_type", "object_id",
            "object_name", "source", "ip_address", "tenant_id"]  # fmt: skip
    p, api = PERSONS[0], CI360_API_CLIENT
    special = [  # a login on the second (pandas still writes `.000`: one precision per column), a refused call
        [utc("2025-11-19T07:30:00"), p["ci360_id"], p["name"], p["email"], "Login", "user", p["ci360_id"], p["name"],
         "UI", doc_ip(), CI360_TENANT],
        [utc("2025-11-19T13:02:17.250"), api["ci360_id"], api["name"], None, "Update Access Point", "accessPoint",
         uuid4ish(), "CRM nightly sync", "API", None, CI360_TENANT],
    ]  # fmt: skip
    rows, refused = [], special[1][0]
    for r in sorted([*(dict(zip(keys, v, strict=True)) for v in special), *ci360_rows("2025-11-19", 29)],
                    key=lambda r: r["event_timestamp"]):  # fmt: skip
        status = None if r["source"] != "API" else float(rng.choice([200, 200, 201, 204]))
        status = 403.0 if r["event_timestamp"] == refused else status
        row = {k: v for k, v in r.items() if k != "tenant_id"} | {"status": status, "success": status != 403.0}
        rows.append(row | {"event_timestamp": r["event_timestamp"].replace(tzinfo=None), "tenant_id": CI360_TENANT})
    types = {"event_timestamp": pa.timestamp("ms"), "status": pa.float64(), "success": pa.bool_()}
    schema, buf = pa.schema([(k, types.get(k, pa.string())) for k in rows[0]]), io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), buf)
    name = "sas_ci360/AuditDataFile0_11202025101500"
    about = ("SAS download utility's `AuditDataFile<i>_<MMDDYYYYHHMMSS>.parquet` (columns inferred): naive "
             "TIMESTAMP(ms), `status` DOUBLE with NULLs, `success` BOOLEAN; 2025-11-19 events.")  # fmt: skip
    save(f"{name}.parquet", buf.getvalue(), rows, about)
    text, cells = pandas_csv(rows)
    about = ("The utility's CSV of the Parquet beside it (fastparquet + pandas `to_csv(index=False)`): "
             "`2025-11-19 07:30:00.000`, `200.0`, `False`, empty NULLs; the same 31 events, stored once.")  # fmt: skip
    save(f"{name}.csv", text, cells, about)


GIGYA_PAGES_SPECIAL = [  # (@timestamp, endpoint, errCode, sourceIP, params.loginID, signed)
    ("2025-11-16T14:03:27.745", "accounts.setAccountInfo", None, "198.51.100.10", None, "admin"),
    ("2025-11-17T16:40:02.019", "accounts.deleteAccount", None, "198.51.100.10", None, "authType"),
]


def gigya_page_record(t: datetime, endpoint: str, err=None, ip=None, login_id=None, signed=None, i=0) -> dict:
    rec = gigya_record(t, endpoint, err, ip, login_id)
    if signed == "admin":  # a support agent's own user key changed the account in params.UID
        details = {"description": "Support console", "name": PERSONS[3]["name"], "emailDomain": "example.com"}
        rec |= {"userKey": "AK" + hexid(10).upper(), "userKeyDetails": details}
    elif signed == "authType":  # signed with the sync job's key, saved with `authType` and no key details
        rec.pop("userKeyDetails", None)
        rec |= {"userKey": GIGYA_USER_KEY, "authType": "userKey"}
    renames = {"@timestamp": "timestamp"} if i % 3 == 1 else {}
    renames |= {"apikey": "apiKey"} if i % 4 == 2 else {}
    rec = {renames.get(k, k): v for k, v in rec.items()}
    if i % 2 and "UID" in rec["params"]:
        rec["params"] = {"uid" if k == "UID" else k: v for k, v in rec["params"].items()}
    return rec


def make_gigya_pages() -> None:
    """audit.search with `openCursor=true`, then `cursorId`: each response envelope on its own line; page 2's
    cursor was sent twice (the first response was lost), so its records come back again."""
    times = [(utc(t), *rest) for t, *rest in GIGYA_PAGES_SPECIAL]
    times += [(t, rng.choice(GIGYA_ENDPOINTS)) for t in rand_times("2025-11-16T00:00:00", "2025-11-18T00:00:00", 24)]
    recs = [gigya_page_record(*x, i=i) for i, x in enumerate(sorted(times))]
    pages, cursors = [recs[:10], recs[10:20], recs[20:]], ["1:" + hexid(64), "1:" + hexid(64)]
    sent = [(pages[0], cursors[0]), (pages[1], cursors[1]), (pages[1], cursors[1]), (pages[2], None)]
    lines, records = [], []
    for n, (results, cursor) in enumerate(sent):
        env = {"callId": hexid(32), "errorCode": 0, "apiVersion": 2, "statusCode": 200, "statusReason": "OK",
               "time": iso_ms(utc("2025-11-18T09:05:10.120") + timedelta(seconds=41 * n + n * n)),
               "results": results, "objectsCount": len(results), "totalCount": len(recs)}  # fmt: skip
        lines.append(json.dumps(env | ({"nextCursorId": cursor} if cursor else {})) + "\n")
        records += results
    about = (
        "Four `audit.search` envelopes, one per line; page 2 re-sent (same `callID`s, new `callId`); "
        "`@timestamp`/`timestamp`, `apikey`/`apiKey`, `params.UID`/`params.uid`; user-key-signed calls."
    )
    save("sap_cdc/audit_search_pages.ndjson", "".join(lines), records, about)


# ------------------------------------------- tests/data/samples_expected.json and README.md
# The dedup rule of docs/spec/canonical-schema.md, computed here without auditql's code. A record is identified
# by its vendor id where it has one; every record also has a content key: the canonical values that the vendor
# mapping (auditql/vendors/<vendor>.toml, [identity] and [columns]) declares identifying, written out below.
IDS = {"sap_cdc": ["callID"], "adobe_cja": ["id", "Log ID"], "sas_ci360": ["audit_id", "auditId", "record_id"]}
IDENTITY = {  # vendor: (time precision in ms, {canonical column: field synonyms, coalesced in order})
    "sap_cdc": (1, {"time": ["@timestamp", "timestamp"], "action": ["endpoint"], "actor_id": ["uid"],
                    "target_id": ["params.UID", "params.uid", "targetUID", "uid"], "source_ip": ["sourceIP", "ip"],
                    "status_code": ["errCode"]}),
    "adobe_cja": (1, {"time": ["dateCreated", "Date Created"], "action": ["action", "Action Name"]}),
    "sas_ci360": (1, {"time": ["event_timestamp", "eventDateTime", "timestamp", "eventTimestamp", "created"],
                      "action": ["action_name", "actionType", "action", "event_type"],
                      "actor_id": ["user_id", "userId"], "actor_name": ["user_name", "userName", "username"],
                      "target_type": ["object_type", "objectType", "item_type"],
                      "target_id": ["object_id", "objectId", "item_id"],
                      "target_name": ["object_name", "objectName", "item_name"],
                      "user_agent": ["source", "channel", "interface"], "status_code": ["status", "result"]}),
    "resolver": (1000, {"time": ["Date and Time", "Time"], "action": ["Event", "Action"],
                        "actor_name": ["Performed By", "By User"], "target_type": ["Subject Type"],
                        "target_name": ["Subject", "Object Name"]}),
    "broadcom_portal": (1, {"time": ["Time (UTC)", "timestamp", "createTs", "auditTime", "Time"],
                            "action": ["Action"], "actor_name": ["User", "userName"],
                            "target_type": ["Object", "entityType"], "target_name": ["Object Name", "entityName"],
                            "target_id": ["entityUuid", "Object ID"], "user_agent": ["Agent"]}),
}  # fmt: skip
GIGYA_KEY_SIGNED = ("userkey", "partnersecret", "secret", "serversecret")  # authType values (and partner…)


def flat(rec: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in rec.items():
        out |= flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}": v}
    return out


def field(rec: dict, names: list[str]):
    """The first non-empty value among the synonyms; names match ignoring case, spaces and punctuation
    (`Action` = `action`, `user_id` = `userId`), the exact spelling first."""
    norm = lambda s: re.sub(r"[^0-9a-z.]", "", s.lower())  # noqa: E731
    for name in names:
        for k in sorted((k for k in rec if norm(k) == norm(name)), key=lambda k: k != name):
            if rec[k] is not None and str(rec[k]) != "":
                return rec[k]
    return None


def to_ms(v) -> int:
    """Epoch ms of a time value: typed, ISO 8601 (naive = UTC), US `MM/DD/YYYY hh:mm:ss AM`, or epoch ms."""
    if not isinstance(v, datetime) and re.fullmatch(r"\d{12,14}", str(v).strip()):
        return int(v)
    dt = v if isinstance(v, datetime) else None
    for fmt in ("iso", "%m/%d/%Y %I:%M:%S %p"):
        if dt is None:
            try:
                s = str(v).strip()
                dt = datetime.fromisoformat(s) if fmt == "iso" else datetime.strptime(s, fmt)
            except ValueError:
                pass
    return epoch_ms(dt if dt.tzinfo else dt.replace(tzinfo=UTC))


def key_value(v) -> str | None:
    """Trimmed; a decimal without trailing zeros (pandas' `1.0` is 1); booleans lower-case; '' is none."""
    s = "" if v is None else str(v).strip()
    if re.fullmatch(r"-?[0-9]+\.[0-9]*", s):
        return s.rstrip("0").rstrip(".")
    return s.lower() if s.lower() in ("true", "false") else s or None


def event_keys(vendor: str, rec: dict) -> tuple[str | None, tuple]:
    """(vendor id or None, content key) of one record as the file delivers it."""
    r, (precision, columns) = flat(rec), IDENTITY[vendor]
    values = {c: field(r, names) for c, names in columns.items()}
    if vendor == "sap_cdc":  # [[actor]]: a call signed with a user key was made by the key's owner
        auth = str(field(r, ["authType"]) or "").lower()
        if (
            field(r, ["userKey", "userKeyDetails.name"]) is not None
            or auth in GIGYA_KEY_SIGNED
            or auth.startswith("partner")
        ):
            values["actor_id"] = field(r, ["userKey"])
    vid = field(r, IDS.get(vendor, []))
    content = (vendor, to_ms(values.pop("time")) // precision, *(key_value(v) for v in values.values()))
    return (None if vid is None else str(vid)), content


def unique_events(files: list[dict], keep=lambda vendor, rec: True) -> int:
    """Distinct ids, plus per content key the id-less copies beyond its ids: max(M, I), M = most id-less
    copies in any single file, I = distinct ids whose records have that content key."""
    ids: set = set()
    ids_of: dict[tuple, set] = defaultdict(set)
    most: dict[tuple, int] = defaultdict(int)
    for f in files:
        idless: Counter = Counter()
        for r in f["records"]:
            if keep(f["vendor"], r):
                vid, content = event_keys(f["vendor"], r)
                if vid is None:
                    idless[content] += 1
                else:
                    ids.add((f["vendor"], vid))
                    ids_of[content].add(vid)
        for content, n in idless.items():
            most[content] = max(most[content], n)
    return len(ids) + sum(max(m - len(ids_of[c]), 0) for c, m in most.items())


def first(r: dict, *keys: str):
    return next((r[k] for k in keys if k in r), None)


def failed_login_day(vendor: str, r: dict) -> str | None:
    """UTC date (YYYY-MM-DD) of a failed login under the spec's normalization rules, else None."""
    if vendor == "sap_cdc" and r["endpoint"].endswith(".login") and str(r["errCode"]) != "0":
        return first(r, "@timestamp", "timestamp")[:10]
    if vendor == "adobe_cja" and first(r, "action", "Action Name") == "LOGIN_FAILED":
        return first(r, "dateCreated", "Date Created")[:10]
    if vendor == "broadcom_portal" and first(r, "action", "Action") in ("Login Failed", "LOGIN_FAILED"):
        return (EPOCH + timedelta(milliseconds=int(first(r, "timestamp", "Time (UTC)")))).date().isoformat()
    if vendor == "resolver" and r["Event"] == "Unsuccessful Impersonate User":
        s = r["Date and Time"]
        return s[:10] if s[4] == "-" else f"{s[6:10]}-{s[:2]}-{s[3:5]}"
    return None


def make_expected() -> None:
    FILES.sort(key=lambda f: f["path"].split("/"))  # the order `auditql ingest sample_data/` reads them
    held = 0
    for n, f in enumerate(FILES, 1):  # what each file adds to the archive of the files before it
        f["added"], held = unique_events(FILES[:n]) - held, unique_events(FILES[:n])
    vendors, demo = {}, {}
    for v in sorted({f["vendor"] for f in FILES}):
        vf = [f for f in FILES if f["vendor"] == v]
        vendors[v] = {"records": sum(len(f["records"]) for f in vf), "unique_events": unique_events(vf)}
        demo[v] = unique_events(vf, lambda vendor, r: failed_login_day(vendor, r) == "2025-11-20")
    seed = [f for f in FILES if f["vendor"] == "sap_cdc"]  # vendors.md's console example query
    seed_n = unique_events(seed, lambda _, r: first(r, "@timestamp", "timestamp")[:10] == "2015-08-16"
                           and r["endpoint"].startswith("socialize"))  # fmt: skip
    total = {k: sum(x[k] for x in vendors.values()) for k in ("records", "unique_events")}
    assert total["unique_events"] == held
    files = [{"path": f["path"], "vendor": f["vendor"], "records": len(f["records"]), "added": f["added"],
              "duplicates": len(f["records"]) - f["added"]} for f in FILES]  # fmt: skip
    exp = {"files": files, "vendors": vendors, "total": total,
           "demo_failed_logins_2025_11_20": demo | {"total": sum(demo.values())},
           "demo_socialize_2015_08_16": seed_n}  # fmt: skip
    (OUT.parent / "tests" / "data" / "samples_expected.json").write_text(dump_json(exp))
    rows = [f"| `{f['path']}` | {f['vendor']} | {fmt_name(f['path'])} | {len(f['records'])} | {f['added']} | "
            f"{f['about']} |" for f in FILES]  # fmt: skip
    (OUT / "README.md").write_text(README.format(table="\n".join(rows), seed_n=seed_n, **total, **demo))


def fmt_name(path: str) -> str:
    ext = path.rsplit(".", 1)[1].upper()
    return f"ZIP of {'CSV' if 'csv' in path else 'JSON'}" if ext == "ZIP" else ext


README = """# Sample audit-log exports

Generated by `make_samples.py` (`python sample_data/make_samples.py`; byte-identical on every run) — edit
the script, not these files. Everything here is fictional: people, e-mails (example.com / example.org),
ids, keys, and IP addresses from the RFC 5737 documentation ranges. Shapes follow what the vendors and their
tools publish; where nothing is published (CI360's Parquet columns, the CJA UI's CSV time format) they are
inferred.

`../tests/data/samples_expected.json` lists the records in each file, what it adds when the folder is
ingested in path order, and per vendor `unique_events`: the rows the archive must hold after every file is
ingested once, in any order. The script computes them by the dedup rule of `docs/spec/canonical-schema.md`,
without auditql's code: a record with a vendor id (Gigya `callID`, CJA `id` = Log ID) is that one event, in
one file or many; a record without one is identified by its content key — the canonical values its vendor
mapping declares identifying (`[identity]` in `auditql/vendors/*.toml`: time at the declared precision,
values trimmed, decimals without trailing zeros, booleans lower-case). Per content key the archive holds
max(M, I) events: M = the most id-less copies in any single file, I = the distinct ids with that content key
(so an id-less copy meets its id-bearing twin).

| file | vendor | format | records | added | demonstrates |
|---|---|---|---:|---:|---|
{table}

Total: {records} records, {unique_events} unique events after dedup.

Demo question — *which failed logins happened on 2025-11-20, and from where?* — matches {sap_cdc} Gigya
calls (each from its own `sourceIP` / `ip`), {adobe_cja} CJA `LOGIN_FAILED`, {broadcom_portal} Broadcom
`Login Failed` / `LOGIN_FAILED` (agent only: the export has no IP) and {resolver} Resolver
`Unsuccessful Impersonate User` (no IP either). Gigya failures at 2025-11-19T23:59:59.950Z and
2025-11-21T00:00:00.050Z must not match; the page-1 failures repeated in page 2 count once.

The console example `endpoint LIKE 'socialize%' AND @timestamp > '2015-08-16T00:00:00.000Z' AND
@timestamp < '2015-08-17T00:00:00.000Z'` matches {seed_n} records (pages + NDJSON; 08-15, 08-17 excluded).
"""


def main() -> None:
    for make in (make_ci360, make_resolver, make_sap_cdc, make_adobe_cja, make_broadcom):
        make()
    for make in (make_cjapy_dump, make_cja_subset, make_ci360_download, make_gigya_pages, make_expected):
        make()


if __name__ == "__main__":
    main()
