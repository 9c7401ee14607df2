"""SAP's documented Gigya queries, verbatim, and the edge cases of Gigya semantics, run through the real
`auditql query` CLI against a real archive, each answer checked against an oracle written independently:
a hand-written DuckDB query over `raw` (or, for the RegEx page, the match / no match SAP prints).

Sources (the sentences relied on are quoted in docs/spec/query-language.md, "Gigya semantics"):
- audit.search REST — https://developers.gigya.com/display/GD/audit.search (query syntax specification:
  `SELECT * FROM auditLog WHERE endpoint = "accounts.sociallogin" AND params.x_provider = "facebook"`,
  `SELECT * FROM auditLog WHERE errCode in ("0", "400006", "400009")`)
- accounts.search RegEx support — https://developers.gigya.com/display/GD/accounts.search+RegEx+support+REST
  ("Patterns are always anchored"; the `For string "abcde"` / `"aaabbb"` examples with their match / no match)
- the Audit Log advanced-query example the spec opens with (docs/spec/query-language.md, form 1).

The queries and their oracles are in tests/queries/gigya_answers.toml. The records have the published
audit.search result shape (tests/data/README.md, sap_cdc): `@timestamp`,
`callID`, `errCode` (number or string), `endpoint`, `errMessage`, `params`, `httpReq`, `sourceIP`, `uid`; the
values (arrays in `params`, a record without `errCode`, an apostrophe) are invented to reach every rule.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from pathlib import Path

import duckdb
import pytest

S = "2015-08-16T"
RECORDS = [
    ("c01", f"{S}10:00:00.000Z", "socialize.login", 0, "OK", {"x_provider": "facebook", "loginID": "alice@ex.com"}),
    ("c02", f"{S}11:00:00.000Z", "accounts.login", 403042, "Invalid LoginID", {"loginID": "bob@example.com"}),
    ("c03", f"{S}12:00:00.000Z", "accounts.sociallogin", "0", "OK", {"x_provider": "facebook"}),
    ("c04", f"{S}12:30:00.000Z", "accounts.socialLogin", "0", "OK", {"x_provider": "facebook"}),
    ("c05", "2015-08-17T01:00:00.000Z", "accounts.register", 400006, "Invalid parameter value", {}),
    ("c06", "2015-08-15T23:00:00.000Z", "socialize.getUserInfo", 400009, "Validation_error: login_identifier", {}),
    (
        "c07", f"{S}13:00:00.000Z", "accounts.setAccountInfo", 9, "OK",
        {"tags": ["vip", "new_user"], "data": {"loginID": "carol@example.com", "note": "Premium member"}},
    ),
    ("c08", f"{S}14:00:00.000Z", "accounts.deleteAccount", 10, None, {"tags": ["basic"]}),
    ("c09", f"{S}15:00:00.000Z", "accounts.logout", None, "O'Brien logged out", {"tags": "vip"}),
    ("c10", f"{S}16:00:00.000Z", "accounts.getAccountInfo", 0, "OK", {"code": "abcde"}),
    ("c11", f"{S}17:00:00.000Z", "accounts.getAccountInfo", 0, "OK", {"code": "aaabbb"}),
    ("c12", f"{S}18:00:00.000Z", "socialize.logout", "400006", "Invalid_LoginID", {}),
    ("c13", f"{S}19:00:00.000Z", "accounts.importFullAccount", 0, "OK", {"codes": [400006, 0]}),
    ("c14", f"{S}20:00:00.000Z", "accounts.notifyLogin", None, "first line\nsecond line", {}),
]  # fmt: skip


def record(call_id: str, when: str, endpoint: str, err: object, message: str | None, params: dict) -> dict:
    body: dict = {"@timestamp": when, "callID": call_id, "endpoint": endpoint}
    if err is not None:
        body["errCode"] = err
    if message is not None:
        body["errMessage"] = message
    return {**body, "params": params, "uid": f"uid-{call_id}", "sourceIP": "203.0.113.7", "httpReq": {"SDK": "js_7.0"}}


@pytest.fixture(scope="module")
def gigya_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from auditql.ingest.run import ingest

    folder = tmp_path_factory.mktemp("gigya")
    source = folder / "audit_records.ndjson"
    source.write_text("".join(json.dumps(record(*r)) + "\n" for r in RECORDS))
    db = folder / "gigya.duckdb"
    report = ingest([source], db)
    assert report.ok, report.files
    return db


def oracle(db: Path, where: str, order: str = "time, source_file, source_row") -> list[str]:
    """callIDs of the rows a hand-written DuckDB predicate over `raw` selects."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        sql = f"SELECT raw ->> '$.callID' FROM events WHERE vendor = 'sap_cdc' AND ({where}) ORDER BY {order}"
        return [row[0] for row in con.execute(sql).fetchall()]
    finally:
        con.close()


def run(cli, db: Path, query: str, *options: str) -> list[list[str]]:
    result = cli("query", "--db", db, "--format", "csv", *options, query)
    assert result.exit_code == 0, result.stderr
    return list(csv.reader(io.StringIO(result.stdout)))


def call_ids(cli, db: Path, query: str) -> list[str]:
    rows = run(cli, db, query, "--columns", "callID")
    assert rows[0] == ["callID"]
    return [row[0] for row in rows[1:]]


# The documented queries, the edge cases and the RegEx page's examples, each with its hand-written oracle.
ANSWERS = tomllib.loads((Path(__file__).parent / "queries" / "gigya_answers.toml").read_text())
DOCUMENTED = [(case["query"], case["oracle"]) for case in ANSWERS["documented"]]
EDGES = [(case["query"], case["oracle"]) for case in ANSWERS["edge"]]
REGEX_PAGE = [(case["pattern"], case["string"], case["matches"]) for case in ANSWERS["regex_page"]]


@pytest.mark.parametrize(("query", "where"), DOCUMENTED + EDGES, ids=[q for q, _ in DOCUMENTED + EDGES])
def test_answer_matches_the_hand_written_oracle(cli, gigya_db: Path, query: str, where: str) -> None:
    expected = oracle(gigya_db, where)
    assert call_ids(cli, gigya_db, query) == expected


def test_the_documented_examples_select_what_sap_says(cli, gigya_db: Path) -> None:
    """The oracles above are not vacuous: the documented queries find these records."""
    assert call_ids(cli, gigya_db, DOCUMENTED[0][0]) == ["c03"]  # '=' is case sensitive: not c04
    assert call_ids(cli, gigya_db, DOCUMENTED[1][0]) == ["c06", "c01", "c03", "c04", "c10", "c11", "c12", "c13", "c05"]
    assert call_ids(cli, gigya_db, DOCUMENTED[2][0]) == ["c01", "c12"]


@pytest.mark.parametrize(("pattern", "string", "matches"), REGEX_PAGE, ids=[f"{p} on {s}" for p, s, _ in REGEX_PAGE])
def test_regex_page_examples(cli, gigya_db: Path, pattern: str, string: str, matches: bool) -> None:
    holder = {"abcde": "c10", "aaabbb": "c11"}[string]
    found = call_ids(cli, gigya_db, f'params.code = "{string}" AND params.code regex "{pattern}"')
    assert found == ([holder] if matches else [])


def test_numbers_sort_and_aggregate_as_numbers(cli, gigya_db: Path) -> None:
    number = "CAST(raw ->> '$.errCode' AS BIGINT)"
    rows = run(cli, gigya_db, "SELECT callID, errCode FROM events WHERE errCode >= 0 ORDER BY errCode, callID")
    assert [r[0] for r in rows[1:]] == oracle(gigya_db, "raw ->> '$.errCode' IS NOT NULL", f"{number}, 1")
    assert [r[1] for r in rows[1:]][-6:] == ["9", "10", "400006", "400006", "400009", "403042"]  # not '10' < '9'
    rest = call_ids(cli, gigya_db, "SELECT * FROM auditLog WHERE errCode > 0 ORDER BY errCode DESC LIMIT 3")
    assert rest == oracle(gigya_db, f"{number} > 0", f"{number} DESC, time")[:3]
    lowest, highest = run(cli, gigya_db, "SELECT min(errCode), max(errCode) FROM events")[1]
    con = duckdb.connect(str(gigya_db), read_only=True)
    try:
        low, high = con.execute(f"SELECT min({number}), max({number}) FROM events").fetchone()
    finally:
        con.close()
    assert (lowest, highest) == (str(low), str(high)) == ("0", "403042")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("params.loginID = 'O\\'Brien'", "a backslash does not escape a quote here; double the quote instead"),
        ("SELECT count(*) FROM auditLog WHERE errCode != 0", "SELECT count(*) FROM events WHERE errCode != 0"),
        (
            "errCode != 0 GROUP BY endpoint",
            "SELECT endpoint, count(*) FROM events WHERE errCode != 0 GROUP BY endpoint",
        ),
        ("endpoint regex 'a(?=b)' OR errCode = 0", "invalid regular expression 'a(?=b)': invalid perl operator"),
    ],
)
def test_refusals_are_one_line_with_the_way_forward(cli, gigya_db: Path, query: str, message: str) -> None:
    result = cli("query", "--db", gigya_db, query)
    assert result.exit_code == 3
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr


def test_the_suggested_sql_answers(cli, gigya_db: Path) -> None:
    rows = run(cli, gigya_db, "SELECT endpoint, count(*) FROM events WHERE errCode != 0 GROUP BY endpoint ORDER BY 1")
    con = duckdb.connect(str(gigya_db), read_only=True)
    try:
        expected = con.execute(
            "SELECT raw ->> '$.endpoint', count(*) FROM events WHERE CAST(raw ->> '$.errCode' AS BIGINT) <> 0 "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    assert rows[0][0] == "endpoint"  # the count column's header is another helper's (sqlfn) business
    assert [(r[0], int(r[1])) for r in rows[1:]] == expected


def test_pasting_documented_examples_into_the_repl(gigya_db: Path, tmp_path: Path) -> None:
    """The real REPL in a pseudo-terminal: the documented queries pasted as they are, each answering."""
    import os
    import re
    import sys
    import time

    import pexpect
    from conftest import ROOT

    env = {
        **os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), "TZ": "UTC",
        "XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "TERM": "xterm-256color", "PAGER": "cat", "PROMPT_TOOLKIT_NO_CPR": "1",
    }  # fmt: skip
    child = pexpect.spawn(sys.executable, ["-m", "auditql", "repl", "--db", str(gigya_db)], cwd=str(ROOT), env=env,
                          encoding="utf-8", dimensions=(50, 220), timeout=20)  # fmt: skip
    ansi = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\x1b[=>]|\r")
    try:
        child.expect("auditql> ")
        pasted = [
            (DOCUMENTED[2][0], 2, "socialize.logout"),
            (DOCUMENTED[0][0] + ";", 1, "accounts.sociallogin"),
            (DOCUMENTED[1][0] + ";", 9, "accounts.register"),
        ]
        for query, rows, endpoint in pasted:
            child.send(query)
            time.sleep(0.2)
            child.send("\r")
            child.expect(rf"{rows} rows? .*in [\d.]+s")
            shown = ansi.sub("", child.before)
            child.expect("auditql> ")
            assert "error" not in shown.lower() and endpoint in shown
        child.send("errMessage contains 'invalid'")
        time.sleep(0.2)
        child.send("\r")
        child.expect(r"3 rows .*in [\d.]+s")
        child.expect("auditql> ")
    finally:
        child.terminate(force=True)
