"""Realistic exports of every vendor format at any size, generated inside DuckDB (COPY … FROM range(n)).

Why DuckDB and not Python loops: a million records per format must take seconds, and the same seed must give
the same bytes on every machine so two runs compare. Field names and shapes follow docs/spec/vendors.md and
sample_data/; values are drawn from small pools with `hash(i)`, times spread over one year (2025). Each
generator takes `offset` so a second file can overlap the first by a chosen share of records (the
duplicates real exports carry: pages re-sent, downloads repeated).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

YEAR_START_MS = 1735689600000  # 2025-01-01T00:00:00Z
YEAR_MS = 365 * 86400 * 1000

# Value pools as SQL list literals; `pick(pool, salt)` chooses one per record, deterministically.
PEOPLE = "['alex.example','blair.sample','casey.placeholder','dana.demo','emery.test','finley.fictional','gray.mock','harper.dummy']"  # noqa: E501
NAMES = "['Alex Example','Blair Sample','Casey Placeholder','Dana Demo','Emery Test','Finley Fictional','Gray Mock','Harper Dummy']"  # noqa: E501
ENDPOINTS = (
    "['accounts.login','accounts.login','accounts.getAccountInfo','accounts.setAccountInfo','accounts.logout',"
    "'socialize.login','socialize.getUserInfo','socialize.logout','accounts.register','accounts.resetPassword']"
)
ERRCODES = "['0','0','0','0','0','0','0','403042','400006','403120']"
SDKS = "['js_latest','android_7.0.11','ios_swift_1.6.0']"
COUNTRIES = "['US','GB','DE','FR','IN','BR']"
PROVIDERS = "['facebook','google','apple','site']"
CJA_ACTIONS = "['CREATE','UPDATE','DELETE','API_REQUEST','LOGIN','LOGIN_FAILED','EXPORT','SHARE']"
CJA_TYPES = "['PROJECT','FILTER','DATA_VIEW','SCHEDULED_PROJECT','CONNECTION','USER']"
RESOLVER_EVENTS = (
    "['Create API Key','Update User','Delete User','Login','Unsuccessful Login','Impersonate User',"
    "'Unsuccessful Impersonate User','Export Data','Update Role']"
)
RESOLVER_TYPES = "['User','API Key','Role','Incident','Report']"
CI360_ACTIONS = "['Update Access Point','Publish Task','Update Role','Delete User','Create Segment','Login','Export']"
CI360_TYPES = "['accessPoint','task','role','user','segment']"
BROADCOM_OBJECTS = "['API','Application','Account Plan','API Plan','User','Organization']"
BROADCOM_ACTIONS = "['Created','Updated','Deleted','Login Failed','LOGIN_SUCCESS','Enabled','Disabled']"


LINES = "(FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\x01')"  # text lines, written verbatim


def pick(pool: str, salt: str) -> str:
    return f"({pool})[1 + (hash(i, '{salt}') % len({pool}))::INT]"


def ms(salt: str = "t") -> str:
    """Epoch milliseconds spread over 2025, increasing with i (exports are time-ordered) plus jitter. From
    `i`, not the place in the file: a record repeated in an overlapping export has the same time, as a
    repeated download's does (an offset file runs on past the year's end)."""
    span = "coalesce(getvariable('bench_span'), n)"  # `generate(span=…)`; else the file's own size
    return f"({YEAR_START_MS} + (i * {YEAR_MS} // {span}) + (hash(i, '{salt}') % 1000)::BIGINT)"


def iso(salt: str = "t") -> str:
    return f"strftime(make_timestamp(({ms(salt)}) * 1000), '%Y-%m-%dT%H:%M:%S.%gZ')"


IP_PREFIXES = "['192.0.2','198.51.100','203.0.113']"


def ip(salt: str) -> str:
    return f"({pick(IP_PREFIXES, salt)} || '.' || (1 + hash(i, '{salt}ip') % 254)::VARCHAR)"


def hexid(salt: str, n: int = 32) -> str:
    return f"left(md5(i::VARCHAR || '{salt}'), {n})"


def _rows(n: int, offset: int) -> str:
    """`i` numbers the record (identity: same i, same record in any file, its time too); `k` its place in
    this file; `n` the file's size, which spreads the times over the year."""
    return f"(SELECT range + {offset} AS i, range AS k, {n}::BIGINT AS n FROM range({n}))"


def gigya_record() -> str:
    login = f"{pick(PEOPLE, 'p')} || '@example.com'"
    return f"""{{'timestamp': {iso()},
        'callID': {hexid("call")},
        'errCode': {pick(ERRCODES, "e")},
        'endpoint': {pick(ENDPOINTS, "ep")},
        'ip': {ip("ip")},
        'params': {{'loginID': {login}, 'x_provider': {pick(PROVIDERS, "pr")}, 'include': 'profile,data'}},
        'uid': {hexid("uid")},
        'apikey': '3_5f460cf7707b5277eae4d7fbc60bd790262223ce',
        'httpReq': {{'SDK': {pick(SDKS, "sdk")}, 'country': {pick(COUNTRIES, "c")}}},
        'authType': 'apiKey',
        'userAgent': {{'os': 'iOS', 'browser': 'Mobile Safari', 'version': '18.1', 'platform': 'mobile'}}}}"""


def sap_cdc_ndjson(con: duckdb.DuckDBPyConnection, path: Path, n: int, offset: int = 0) -> None:
    # One record per line, written as text: COPY … FORMAT json would wrap each row as {"column": {...}}.
    con.execute(
        f"COPY (SELECT to_json({gigya_record()})::VARCHAR AS line FROM {_rows(n, offset)} ORDER BY i) TO '{path}' "
        f"{LINES}"
    )


def sap_cdc_envelope(con: duckdb.DuckDBPyConnection, path: Path, n: int, offset: int = 0) -> None:
    """One audit.search response: the envelope's keys, then one record per line inside `results`."""
    head = (
        '{"callId": "d9e826b34e2cb171a06fba5c185173b8", "errorCode": 0, "statusCode": 200, "statusReason": "OK", '
        '"time": "2025-12-31T08:30:00.313Z", "results": ['
    )
    tail = f'], "totalCount": {n}, "objectsCount": {n}}}'
    record = gigya_record().replace("'timestamp'", "'@timestamp'").replace("'ip':", "'sourceIP':")
    con.execute(
        f"""COPY (SELECT line FROM (
              SELECT 0 AS k, '{head}' AS line
              UNION ALL SELECT 1 + i - {offset}, '  ' || to_json({record})::VARCHAR
                 || CASE WHEN i - {offset} < n - 1 THEN ',' ELSE '' END FROM {_rows(n, offset)}
              UNION ALL SELECT {n} + 2, '{tail}') ORDER BY k)
            TO '{path}' {LINES}"""
    )


def cja_select(n: int, offset: int) -> str:
    return f"""SELECT {pick(CJA_ACTIONS, "a")} AS "Action Name",
        strftime(make_timestamp(({ms()}) * 1000), '%Y-%m-%dT%H:%M:%S.%g+00:00') AS "Date Created",
        'Changed component ' || {hexid("comp", 24)} AS "Description",
        {pick(NAMES, "p")} AS "User Name", {pick(PEOPLE, "p")} || '@example.com' AS "Email",
        'Component ' || (hash(i, 'cn') % 500)::VARCHAR AS "Component Name", {pick(CJA_TYPES, "ct")} AS "Component Type",
        {hexid("comp", 24)} AS "Component ID", '9735C1A68FB8BDFA16244137@AdobeOrg' AS "IMS Org ID",
        {hexid("log", 24)} AS "Log ID", upper({hexid("user", 24)}) || '@AdobeID' AS "User ID", 'IMS' AS "User Type"
        FROM {_rows(n, offset)} ORDER BY i"""


def adobe_cja_csv(con: duckdb.DuckDBPyConnection, path: Path, n: int, offset: int = 0) -> None:
    con.execute(f"COPY ({cja_select(n, offset)}) TO '{path}' (FORMAT csv, HEADER true)")


def adobe_cja_json(con: duckdb.DuckDBPyConnection, path: Path, n: int, offset: int = 0) -> None:
    con.execute(
        f"""COPY (SELECT "Log ID" AS id, "Date Created" AS dateCreated, "Action Name" AS action,
              "Description" AS description, "IMS Org ID" AS imsOrgId,
              {{'id': "User ID", 'idType': "User Type", 'name': "User Name", 'email': "Email"}} AS user,
              {{'id': "Component ID", 'idType': "Component Type", 'name': "Component Name"}} AS component
            FROM ({cja_select(n, offset)})) TO '{path}' (FORMAT json, ARRAY true)"""
    )


def resolver_csv(con: duckdb.DuckDBPyConnection, path: Path, n: int, offset: int = 0) -> None:
    con.execute(
        f"""COPY (SELECT strftime(make_timestamp(({ms()}) * 1000), '%Y-%m-%d %H:%M:%S') AS "Date and Time",
              'Subject ' || (hash(i, 's') % 2000)::VARCHAR AS "Subject", {pick(RESOLVER_EVENTS, "ev")} AS "Event",
              {pick(NAMES, "p")} AS "Performed By", {pick(RESOLVER_TYPES, "st")} AS "Subject Type",
              CASE WHEN i % 3 = 0 THEN 'Status: Active' END AS "Previous Value",
              CASE WHEN i % 3 = 0 THEN 'Status: Inactive' END AS "Updated Value"
            FROM {_rows(n, offset)} ORDER BY i) TO '{path}' (FORMAT csv, HEADER true)"""
    )


def sas_ci360_parquet(con: duckdb.DuckDBPyConnection, path: Path, n: int, offset: int = 0) -> None:
    con.execute(
        f"""COPY (SELECT make_timestamptz(({ms()}) * 1000) AS event_timestamp, {hexid("uid", 36)} AS user_id,
              {pick(NAMES, "p")} AS user_name, {pick(PEOPLE, "p")} || '@example.com' AS user_email,
              {pick(CI360_ACTIONS, "a")} AS action_name, {pick(CI360_TYPES, "ot")} AS object_type,
              {hexid("obj", 36)} AS object_id, 'Object ' || (hash(i, 'on') % 900)::VARCHAR AS object_name,
              {pick("['API','UI']", "src")} AS source, {ip("ip")} AS ip_address, '04f08df1900f10eda33c' AS tenant_id
            FROM {_rows(n, offset)} ORDER BY i) TO '{path}' (FORMAT parquet, COMPRESSION zstd)"""
    )


def broadcom_csv(con: duckdb.DuckDBPyConnection, path: Path, n: int, offset: int = 0) -> None:
    con.execute(
        f"""COPY (SELECT {ms()} AS "Time (UTC)", {pick(BROADCOM_OBJECTS, "o")} AS "Object",
              'Object ' || (hash(i, 'on') % 700)::VARCHAR AS "Object Name", {pick(BROADCOM_ACTIONS, "a")} AS "Action",
              {pick(PEOPLE, "p")} AS "User",
              'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0' AS "Agent"
            FROM {_rows(n, offset)} ORDER BY i) TO '{path}' (FORMAT csv, HEADER true)"""
    )


def broadcom_zip(con: duckdb.DuckDBPyConnection, path: Path, n: int, offset: int = 0) -> None:
    """The portal's download: a zip holding audits.csv (zipping is the one step DuckDB cannot do)."""
    inner = path.with_name(path.stem + "_audits.csv")
    broadcom_csv(con, inner, n, offset)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.write(inner, "audits.csv")
    inner.unlink()


@dataclass(frozen=True)
class Format:
    """One export format: its generator, file name and the vendor/format the ingest report must show."""

    key: str
    vendor: str
    filename: str
    make: Callable[[duckdb.DuckDBPyConnection, Path, int, int], None]


FORMATS: dict[str, Format] = {
    f.key: f
    for f in (
        Format("gigya_ndjson", "sap_cdc", "gigya_audit.ndjson", sap_cdc_ndjson),
        Format("gigya_envelope", "sap_cdc", "gigya_audit_search.json", sap_cdc_envelope),
        Format("cja_csv", "adobe_cja", "cja_auditlogs.csv", adobe_cja_csv),
        Format("cja_json", "adobe_cja", "cja_auditlogs.json", adobe_cja_json),
        Format("resolver_csv", "resolver", "resolver_audit_trail.csv", resolver_csv),
        Format("ci360_parquet", "sas_ci360", "ci360_audit_records.parquet", sas_ci360_parquet),
        Format("broadcom_zip", "broadcom_portal", "broadcom_audits_export.zip", broadcom_zip),
    )
}


def generate(key: str, folder: Path, n: int, offset: int = 0, name: str | None = None, span: int | None = None) -> Path:
    """Write one export (reused when already there: same key, size, offset and span give the same bytes).
    `span`: the number of records whose times share the year (default `n`); the one-record files of a
    folder give the folder's size, or the 100th would be dated a century on (and rejected)."""
    fmt = FORMATS[key]
    spread = "" if span is None else f"of_{span}_"
    path = folder / (name or f"{n}_{offset}_{spread}{fmt.filename}")
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_name("partial_" + path.name)
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            con.execute("SET enable_progress_bar = false")
            if span is not None:
                con.execute(f"SET VARIABLE bench_span = {int(span)}")  # read by `ms`
            fmt.make(con, partial, n, offset)
        finally:
            con.close()
        partial.replace(path)
    return path
