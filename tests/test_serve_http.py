"""`auditql serve` over plain HTTP: the guard (token, Host header, read-only, security headers), the JSON API's
exact rows, paging, the magnifier's query text, the record with the files that delivered it, downloads
byte-identical to `auditql query --format …`, the timeline's buckets and the archive page — against the
real sample archive, the server running in-process and as the real CLI subprocess."""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyarrow.parquet as pq
import pytest
from serve_server import Served, cli_server, thread_server

FAILED_LOGINS = "category = 'login' AND outcome = 'failure' AND time >= '2025-11-20' AND time < '2025-11-21'"
# 492^4 rows to compare: hours of work, so it is surely still running when a test cancels it
SLOW = (
    "SELECT count(*) AS n FROM events a, events b, events c, events d "
    "WHERE a.action || b.action || c.action || d.action = 'x'"
)
# The README's answer to its demo question (the failed logins of 2025-11-20), in order.
README_ANSWER = [
    ("2025-11-20T07:41:19.902Z", "adobe_cja", "LOGIN_FAILED", "Casey Placeholder"),
    ("2025-11-20T08:22:17.004Z", "broadcom_portal", "Login Failed", "blair.sample"),
    ("2025-11-20T08:22:41.310Z", "broadcom_portal", "Login Failed", "blair.sample"),
    ("2025-11-20T09:14:40.118Z", "sap_cdc", "accounts.login", "alex.example@example.com"),
    ("2025-11-20T11:58:03.250Z", "sap_cdc", "accounts.login", "admin@example.org"),
    ("2025-11-20T13:05:44.000Z", "resolver", "Unsuccessful Impersonate User", "External Org User"),
    ("2025-11-20T15:31:09.004Z", "sap_cdc", "accounts.login", "dana.demo@example.com"),
    ("2025-11-20T18:03:27.415Z", "adobe_cja", "LOGIN_FAILED", "Gray Mock"),
    ("2025-11-20T19:47:03.777Z", "broadcom_portal", "LOGIN_FAILED", "emery.test"),
    ("2025-11-20T20:12:55.321Z", "sap_cdc", "socialize.login", None),
]


@pytest.fixture(scope="module")
def served(sample_db: Path) -> Iterator[Served]:
    with thread_server(sample_db) as s:
        yield s


def request(
    served: Served,
    path: str,
    params: dict | None = None,
    *,
    token: str | None = "",
    host: str | None = None,
    method: str = "GET",
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request; token "" means the server's own, None none at all; host: the Host header to send."""
    query = dict(params or {})
    if token is not None:
        query["token"] = token or served.token
    netloc = urlsplit(served.base).netloc
    con = http.client.HTTPConnection(netloc, timeout=60)
    try:
        con.request(method, f"{path}?{urlencode(query)}", headers={"Host": host or netloc})
        response = con.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        con.close()


def api(served: Served, path: str, **params: object) -> dict:
    status, _, body = request(served, path, {k: str(v) for k, v in params.items()})
    assert status == 200, body
    return json.loads(body)


# --- the guard ---------------------------------------------------------------------------------------------
def test_the_page_needs_the_token(served: Served) -> None:
    status, _, body = request(served, "/", token=None)
    assert status == 403
    assert body == b"refused: missing or wrong token; open the URL `auditql serve` printed\n"
    assert request(served, "/", token="wrong-token")[0] == 403
    assert request(served, "/api/rows", {"q": "TRUE"}, token=None)[0] == 403
    assert request(served, "/download", {"q": "TRUE", "format": "csv"}, token=None)[0] == 403
    status, _, body = request(served, "/")
    assert status == 200 and b"<title>auditql</title>" in body


def test_a_foreign_host_header_is_refused_even_with_the_token(served: Served) -> None:
    """DNS rebinding: a page at evil.example resolved to 127.0.0.1 sends `Host: evil.example`."""
    port = urlsplit(served.base).port
    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1:{port + 1}", "127.0.0.1"):
        status, _, body = request(served, "/api/rows", {"q": "TRUE"}, host=host)
        assert (status, body) == (403, b"refused: unknown Host header (auditql serve answers its own address only)\n")
    assert request(served, "/static/app.js", token=None, host="evil.example")[0] == 403
    assert request(served, "/api/count", {"q": "TRUE"}, host=f"localhost:{port}")[0] == 200


def test_the_public_static_prefix_leads_nowhere_else(served: Served) -> None:
    for path in ("/static/../api/count", "/static/%2e%2e/api/count", "/static//api/count", "/static/../../etc/passwd"):
        status, _, body = request(served, path, {"q": "TRUE"}, token=None)
        assert status == 404 and b"rows" not in body, path


def test_read_only_and_nothing_external(served: Served) -> None:
    assert request(served, "/api/rows", {"q": "TRUE"}, method="POST")[0] == 405
    status, headers, _ = request(served, "/")
    assert headers["content-security-policy"].startswith("default-src 'self'; script-src 'self';")
    assert "connect-src 'self'" in headers["content-security-policy"]
    assert (headers["referrer-policy"], headers["x-content-type-options"], headers["cache-control"]) == (
        "no-referrer",
        "nosniff",
        "no-store",
    )
    # the static assets are the package's (served without the token: they hold no data) and name no other host
    status, _, script = request(served, "/static/app.js", token=None)
    assert (
        status == 200
        and b"innerHTML" not in script
        and b"http://" not in script.replace(b"http://www.w3.org/2000/svg", b"")
    )
    _, _, page = request(served, "/")
    assert b"https://" not in page and b"http://" not in page


# --- rows, paging, errors ----------------------------------------------------------------------------------
def test_a_gigya_query_gives_the_readme_rows(served: Served) -> None:
    page = api(served, "/api/rows", q=FAILED_LOGINS)
    assert page["form"] == "where"
    assert page["columns"] == [
        "time", "vendor", "action", "category", "outcome", "actor_name", "source_ip", "target_name", "event_key"
    ]  # fmt: skip
    assert [(r[0], r[1], r[2], r[5]) for r in page["rows"]] == README_ANSWER
    assert api(served, "/api/count", q=FAILED_LOGINS) == {"rows": 10}


def test_columns_are_picked_as_with_the_cli(served: Served, sample_db: Path, cli) -> None:
    columns = "time,actor_name,errCode,httpReq.SDK"
    page = api(served, "/api/rows", q=FAILED_LOGINS, columns=columns)
    assert page["columns"] == ["time", "actor_name", "errCode", "httpReq.SDK", "event_key"]
    assert page["rows"][3][:4] == ["2025-11-20T09:14:40.118Z", "alex.example@example.com", "403042", "android_7.0.11"]
    status, _, body = request(served, "/download", {"q": FAILED_LOGINS, "format": "csv", "columns": columns})
    expected = cli("query", "--db", sample_db, "--format", "csv", "--columns", columns, FAILED_LOGINS).stdout
    assert status == 200 and body.decode() == expected and expected.startswith("time,actor_name,errCode,httpReq.SDK\n")
    sql = api(served, "/api/rows", q="SELECT vendor, count(*) AS n FROM events GROUP BY vendor", columns="n")
    assert sql["columns"] == ["n"] and sorted(int(r[0]) for r in sql["rows"]) == [60, 74, 99, 128, 131]


def test_a_bug_is_one_plain_line_not_a_bare_500(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    from auditql.serve import views

    def broken(t: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(views.paging, "counted", broken)
    status, _, body = request(served, "/api/count", {"q": "TRUE"})
    assert status == 500
    assert json.loads(body)["error"]["text"] == (
        "internal error: RuntimeError: boom (the server printed details; please report)"
    )


def test_null_and_empty_are_different(served: Served) -> None:
    page = api(served, "/api/rows", q="SELECT NULL AS a, '' AS b, 'x' AS c")
    assert page["form"] == "sql" and page["rows"] == [[None, "", "x"]]


def test_pages_cover_the_result_once_in_any_sort(served: Served) -> None:
    total = api(served, "/api/count", q="")["rows"]
    assert total == 492
    whole = api(served, "/api/rows", q="", size=1000)["rows"]
    # two identical lines of one Resolver export are two events with one content key: compare as multisets
    assert len(whole) == total and len({r[-1] for r in whole}) == total - 1
    for sort in ({}, {"sort": "actor_name", "desc": "1"}, {"sort": "vendor"}):
        paged: list[list] = []
        for offset in range(0, total, 200):
            paged += api(served, "/api/rows", q="", offset=offset, size=200, **sort)["rows"]
        assert sorted(map(json.dumps, paged)) == sorted(map(json.dumps, whole)), sort
    assert paged != whole  # sorted by vendor, not the query's order
    first = api(served, "/api/rows", q="vendor = 'resolver'", sort="actor_name", desc="1", size=3)
    names = [r[5] for r in first["rows"]]
    assert names == sorted(names, reverse=True)


def test_a_query_error_comes_with_its_caret(served: Served) -> None:
    status, _, body = request(served, "/api/rows", {"q": "category = = 'login'"})
    error = json.loads(body)["error"]
    assert status == 400
    assert (error["line"], error["col"]) == (1, 12)
    assert error["text"].splitlines()[:2] == ["category = = 'login'", "           ^"]
    status, _, body = request(served, "/api/rows", {"q": "SELECT * FROM rejects"})
    assert status == 400 and "table 'rejects' is not allowed" in json.loads(body)["error"]["message"]
    status, _, body = request(served, "/api/rows", {"q": "TRUE", "sort": "nope"})
    assert status == 400 and json.loads(body)["error"]["message"].startswith("nope is not a column of this result")


def test_a_running_query_is_cancelled_by_its_run_id(served: Served) -> None:
    from auditql.serve import views

    answer: dict = {}
    running = threading.Thread(target=lambda: answer.update(r=request(served, "/api/rows", {"q": SLOW, "run": "r1"})))
    running.start()
    while "r1" not in views._RUNNING:  # the server (in this process) has not opened its reader yet
        assert running.is_alive()
        time.sleep(0.02)
    assert api(served, "/api/cancel", run="r1") == {"cancelled": 1}
    running.join(120)
    status, _, body = answer["r"]
    assert (status, json.loads(body)["error"]["message"]) == (400, "query cancelled")
    assert "r1" not in views._RUNNING
    status, _, body = request(served, "/api/count", {"q": FAILED_LOGINS, "run": "r1"})  # a cancelled run stays so
    assert (status, json.loads(body)["error"]["message"]) == (400, "query cancelled")
    assert api(served, "/api/count", q=FAILED_LOGINS, run="r2") == {"rows": 10}


def test_completion_is_the_repls(served: Served) -> None:
    values = api(served, "/api/complete", text="vendor = ")
    assert [s["text"] for s in values] == ["'sas_ci360'", "'sap_cdc'", "'resolver'", "'broadcom_portal'", "'adobe_cja'"]
    assert {s["kind"] for s in values} == {"value"}
    fields = api(served, "/api/complete", text="SELECT * FROM auditLog WHERE errC")
    assert fields[0] == {"text": "errCode", "replace": 4, "kind": "field", "meta": "sap_cdc"}


# --- the magnifier and the record --------------------------------------------------------------------------
def test_the_magnifier_edits_the_query_and_the_rows_follow(served: Served) -> None:
    edited = api(served, "/api/magnify", q=FAILED_LOGINS, column="actor_name", type="VARCHAR", value='"blair.sample"')
    assert edited["query"] == FAILED_LOGINS + " AND actor_name = 'blair.sample'"
    rows = api(served, "/api/rows", q=edited["query"])["rows"]
    assert [r[0] for r in rows] == ["2025-11-20T08:22:17.004Z", "2025-11-20T08:22:41.310Z"]
    excluded = api(
        served, "/api/magnify", q=FAILED_LOGINS, column="actor_name", type="VARCHAR", value='"blair.sample"', exclude=1
    )
    rows = api(served, "/api/rows", q=excluded["query"])["rows"]
    assert len(rows) == 8 and [r[5] for r in rows][-1] is None  # NULL actor kept by "exclude"
    timed = api(
        served, "/api/magnify", q="", column="time", type="TIMESTAMP WITH TIME ZONE", value='"2025-11-20T09:14:40.118Z"'
    )
    assert timed["query"] == "time >= '2025-11-20T09:14:40.118Z' AND time < '2025-11-20T09:14:40.119Z'"
    assert [r[5] for r in api(served, "/api/rows", q=timed["query"])["rows"]] == ["alex.example@example.com"]


def test_a_record_shows_raw_fields_and_every_delivering_file(served: Served) -> None:
    key = "sap_cdc:id:ea63030f3c6e24e01901ff044bae90e2"
    record = api(served, "/api/record", key=key)
    assert record["fields"]["actor_name"] == "alex.example@example.com"
    assert record["fields"]["time"] == "2025-11-20T09:14:40.118Z"
    assert record["raw"]["callID"] == "ea63030f3c6e24e01901ff044bae90e2"
    files = [(Path(d["source_file"]).name, d["source_row"]) for d in record["deliveries"]]
    assert files == [("audit_search_page1.json", "41"), ("audit_search_page2.json", "1")]
    for d in record["deliveries"]:
        assert d["sha256"] == hashlib.sha256(Path(d["source_file"]).read_bytes()).hexdigest()
    status, _, body = request(served, "/api/record", {"key": "no-such-key'"})
    assert status == 400 and json.loads(body)["error"]["message"] == "no event has this key (was the archive changed?)"


def test_a_raw_record_keeps_integers_javascript_would_round(tmp_path: Path) -> None:
    """2^53 + 1 in a Gigya record: parsed by the browser it would show as ...992; the server pretty-prints."""
    from auditql.ingest.run import ingest

    record = {"@timestamp": "2025-11-20T10:00:00.000Z", "callID": "big1", "endpoint": "accounts.login",
              "errCode": 0, "params": {"loginID": "a@example.com"}, "sessionSeq": 9007199254740993}  # fmt: skip
    (tmp_path / "audit.ndjson").write_text(json.dumps(record) + "\n", encoding="utf-8")
    db = tmp_path / "big.duckdb"
    assert ingest([tmp_path / "audit.ndjson"], db, vendor="sap_cdc").ok
    with thread_server(db) as s:
        key = api(s, "/api/rows", q="")["rows"][0][-1]
        shown = api(s, "/api/record", key=key)
    assert '\n  "sessionSeq": 9007199254740993\n' in shown["raw_text"]
    assert json.loads(shown["raw_text"]) == record


# --- downloads ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_download_is_what_the_cli_writes(served: Served, sample_db: Path, cli, fmt: str) -> None:
    status, headers, body = request(served, "/download", {"q": FAILED_LOGINS, "format": fmt})
    assert status == 200
    assert headers["content-disposition"] == f'attachment; filename="auditql-result.{fmt}"'
    result = cli("query", "--db", sample_db, "--format", fmt, FAILED_LOGINS)
    assert result.exit_code == 0
    assert body.decode() == result.stdout
    assert body.count(b"\n") >= 10


def test_a_parquet_download_holds_the_same_rows(served: Served, sample_db: Path, cli, tmp_path: Path) -> None:
    status, _, body = request(served, "/download", {"q": FAILED_LOGINS, "format": "parquet"})
    assert status == 200 and body[:4] == b"PAR1"
    out = tmp_path / "cli.parquet"
    assert cli("query", "--db", sample_db, "--output", out, FAILED_LOGINS).exit_code == 0
    assert pq.read_table(io.BytesIO(body)).equals(pq.read_table(out))


def test_a_refused_download_says_why(served: Served) -> None:
    status, _, body = request(served, "/download", {"q": "category = = 1", "format": "csv"})
    assert status == 400 and json.loads(body)["error"]["line"] == 1
    status, _, body = request(served, "/download", {"q": "TRUE", "format": "xlsx"})
    assert (status, body) == (400, b"'xlsx' is not a download format. Try one of: csv, json, parquet")


# --- timeline and archive ----------------------------------------------------------------------------------
def test_the_timeline_counts_every_event_in_contiguous_buckets(served: Served) -> None:
    data = api(served, "/api/timeline", q="", since="2025-11-20", until="2025-11-22")
    assert data["step"] == "1 hour"
    starts = [b[0] for b in data["buckets"]]
    assert starts[0].startswith("2025-11-20T0") and starts[-1].startswith("2025-11-21T")
    assert len(starts) == len(set(starts)) and starts == sorted(starts)
    assert any(not counts for _, counts in data["buckets"])  # quiet hours are shown, not skipped
    total = sum(n for _, counts in data["buckets"] for n in counts.values())
    assert total == api(served, "/api/count", q="", since="2025-11-20", until="2025-11-22")["rows"]
    assert set(data["vendors"]) == {v for _, counts in data["buckets"] for v in counts}
    status, _, body = request(served, "/api/timeline", {"q": "SELECT vendor FROM events"})
    assert json.loads(body)["error"]["message"] == "the timeline needs a result with `time` and `vendor` columns"
    assert status == 400


def test_a_result_without_a_vendor_column_is_one_series(served: Served) -> None:
    """SQL that keeps `time` but not `vendor` draws one unstacked series (it was a 400 asking for `vendor`)."""
    sql = "SELECT time, action FROM events WHERE time >= '2025-11-20' AND time < '2025-11-22'"
    data = api(served, "/api/timeline", q=sql)
    assert data["vendors"] == ["events"]
    assert {v for _, counts in data["buckets"] for v in counts} == {"events"}
    total = sum(n for _, counts in data["buckets"] for n in counts.values())
    assert total == api(served, "/api/count", q=sql)["rows"] > 0


def test_the_archive_page_and_its_custody(served: Served, sample_db: Path, cli) -> None:
    data = api(served, "/api/archive")
    assert sum(v["events"] for v in data["vendors"]) == 492
    assert {v["vendor"] for v in data["vendors"]} == {
        "adobe_cja",
        "broadcom_portal",
        "resolver",
        "sap_cdc",
        "sas_ci360",
    }
    vendor = data["sources"]["columns"].index("vendor")
    assert sum(r[vendor] is not None for r in data["sources"]["rows"]) == 18 and data["rejects"]["rows"] == []
    assert sum(v["files"] for v in data["vendors"]) == 18
    verified = api(served, "/api/verify")
    expected = json.loads(cli("verify", "--db", sample_db, "--format", "json").stdout)
    assert verified["ok"] is True and verified["head"] == expected["head"] and len(verified["head"]) == 64
    assert verified["entries"] == expected["entries"]


def test_a_parquet_dataset_archive_is_served_alike(sample_db: Path, cli, tmp_path: Path) -> None:
    dataset = tmp_path / "dataset"
    assert cli("export", "--db", sample_db, "--to", dataset).exit_code == 0
    with thread_server(dataset) as s:
        assert api(s, "/api/count", q=FAILED_LOGINS) == {"rows": 10}
        assert [(r[0], r[1], r[2], r[5]) for r in api(s, "/api/rows", q=FAILED_LOGINS)["rows"]] == README_ANSWER
        record = api(s, "/api/record", key="sap_cdc:id:ea63030f3c6e24e01901ff044bae90e2")
        assert record["raw"]["callID"] == "ea63030f3c6e24e01901ff044bae90e2"
        status, _, body = request(s, "/download", {"q": FAILED_LOGINS, "format": "csv"})
        assert status == 200 and body.decode() == cli("query", "--db", dataset, "--format", "csv", FAILED_LOGINS).stdout


# --- the command -------------------------------------------------------------------------------------------
def test_the_command_prints_its_url_and_serves(sample_db: Path) -> None:
    with cli_server(sample_db) as s:
        assert len(s.token) >= 32
        status, _, body = request(s, "/api/count", {"q": FAILED_LOGINS})
        assert (status, json.loads(body)) == (200, {"rows": 10})
        assert request(s, "/", token=None)[0] == 403
    with cli_server(sample_db) as other:
        assert other.token != s.token  # a new token per launch


def test_the_help_examples_run(sample_db: Path, tmp_path: Path) -> None:
    """As test_cli.py runs every other command's examples (--open's browser is `true`, via $BROWSER)."""
    from test_cli import examples

    assert examples("serve") == [["serve", "--open"], ["serve", "--port", "0", "--timeout", "60"]]
    for args in examples("serve"):
        with cli_server(None, *args[1:], env={"AUDITQL_DB": str(sample_db), "BROWSER": "true"}) as s:
            status, _, body = request(s, "/api/count", {"q": ""})
            assert (status, json.loads(body)) == (200, {"rows": 492})


def test_other_commands_do_not_load_the_web_stack() -> None:
    from test_query_imports import loaded_after

    _, loaded = loaded_after(["query", "--help"], ("starlette", "uvicorn", "auditql.serve"))
    assert loaded == []


def test_a_missing_archive_is_one_line(cli, tmp_path: Path) -> None:
    result = cli("serve", "--db", tmp_path / "none.duckdb")
    assert result.exit_code == 4
    assert result.stderr.count("\n") == 1 and "none.duckdb" in result.stderr


def test_a_non_loopback_host_is_warned_about(cli, sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from auditql.cli import serve

    served: list[frozenset[str]] = []
    monkeypatch.setattr(serve, "_serve", lambda target, sock, token, hosts, *rest: (served.append(hosts), sock.close()))
    result = cli("serve", "--db", sample_db, "--host", "0.0.0.0")
    assert result.exit_code == 0
    assert result.stderr.startswith("warning: serving on 0.0.0.0: anyone who can reach it")
    port = int(result.stdout.split(":")[3].split("/")[0])
    assert served == [frozenset({f"0.0.0.0:{port}", f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"})]
    result = cli("serve", "--db", sample_db)
    assert "warning" not in result.stderr
