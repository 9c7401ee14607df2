"""The completion engine as tables of (text before the cursor → suggestions); no terminal involved.
Also the REPL's Enter rule and the highlighter, which share the engine's tokenizer."""

from __future__ import annotations

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from auditql.frontend.completer import COMMAND, PATH, QUERY, SAVED, VENDOR, AuditCompleter, Snapshot, suggest
from auditql.repl.lexer import QueryLexer, statement_complete, statement_text

SNAP = Snapshot(
    fields={
        "sap_cdc": frozenset({"errCode", "callID", "params.loginID", "httpReq.SDK", "endpoint", "timestamp"}),
        "resolver": frozenset({"Performed By", "Subject Type", "Action"}),
    },
    values={
        "category": ["update", "create", "login", "logout"],
        "outcome": ["success", "unknown", "failure"],
        "vendor": ["sap_cdc", "resolver"],
        "actor_name": ["O'Brien", "Alex Example"],
    },
    functions=["count", "lower", "now", "current_date"],
    commands={".help": "help", ".format": "format", ".fields": "fields", ".explain": "sql", ".ingest": "add"},
    arguments={".format": ("table", "csv", "json"), ".fields": VENDOR, ".help": COMMAND, ".explain": QUERY,
               ".ingest": PATH, ".run": SAVED},
    field_values={"endpoint": ["accounts.login", "socialize.login", "accounts.getAccountInfo"],
                  "Performed By": ["Emery Test", "Gray Mock"], "params.x_provider": ["site", "google"]},
    saved=["failed_logins", "deletes"],
)  # fmt: skip


def texts(text: str) -> list[str]:
    return [s.text for s in suggest(text, SNAP)]


# (text before the cursor, the first suggestions in order)
FIRST = [
    # canonical columns and raw fields where a name goes
    ("act", ["action", "actor_id", "actor_name", "actor_email", "actor_type"]),
    ("ACTOR_T", ["actor_type"]),
    ("errc", ["errCode"]),
    ("params.", ["params.loginID"]),
    ("loginid", ["params.loginID"]),
    ("perf", ['"Performed By"']),
    ('"Perf', ['"Performed By"']),
    ("category = 'login' AND out", ["outcome"]),
    ("(vendor = 'sap_cdc' OR ERR", ["errCode"]),
    ("@time", ["@timestamp"]),
    ("SELECT vendor, co", ["count(", "status_code"]),
    ("SELECT lower(act", ["action", "actor_id"]),
    # values after =, !=, LIKE, IN (, also case-insensitive and inside Gigya's double quotes
    ("category = 'lo", ["'login'", "'logout'"]),
    ("category = lo", ["'login'", "'logout'"]),
    ("CATEGORY='LO", ["'login'", "'logout'"]),
    ("category != 'u", ["'update'"]),
    ("outcome = ", ["'success'", "'unknown'", "'failure'"]),
    ('category = "lo', ['"login"', '"logout"']),
    ("category LIKE 'l", ["'login'", "'logout'"]),
    ("category NOT LIKE 'c", ["'create'"]),
    ("outcome in(", ["'success'", "'unknown'", "'failure'"]),
    ("category IN ('login', ", ["'update'", "'create'", "'logout'"]),
    ("vendor NOT IN ('sap_cdc', '", ["'resolver'"]),
    ("lower(category) = 'u", ["'update'"]),
    ("actor_name = 'o", ["'O''Brien'"]),
    ("SELECT * FROM events WHERE outcome = 'f", ["'failure'"]),
    # keywords and functions
    ("category = 'login' AN", ["AND"]),
    ("category = 'login' an", ["and"]),
    ("errCode = 0 ORD", ["ORDER BY"]),
    ("time > no", ["now()", "not"]),
    ("SEL", ["SELECT"]),
    ("sel", ["select"]),  # keywords follow the case the user types
    # tables
    ("SELECT * FROM ", ["events", "auditLog"]),
    ("SELECT count(*) FROM ev", ["events"]),
    # dot-commands and their arguments
    (".fo", [".format"]),
    (".", [".help", ".format", ".fields", ".explain", ".ingest"]),
    (".format c", ["csv"]),
    (".fields ", ["resolver", "sap_cdc"]),
    (".fields s", ["sap_cdc"]),
    (".help fo", [".format"]),
    (".explain outcome = 'f", ["'failure'"]),
    # values of raw vendor fields that have few of them (the value dictionary ingest keeps)
    ("endpoint = '", ["'accounts.login'", "'socialize.login'", "'accounts.getAccountInfo'"]),
    ("endpoint = 'soc", ["'socialize.login'"]),
    ("ENDPOINT = 'acc", ["'accounts.login'", "'accounts.getAccountInfo'"]),
    ("endpoint in ('accounts.login', ", ["'socialize.login'", "'accounts.getAccountInfo'"]),
    ("endpoint LIKE 'socialize", ["'socialize.login'"]),
    ('"Performed By" = \'G', ["'Gray Mock'"]),
    ('"Performed By" IN (', ["'Emery Test'", "'Gray Mock'"]),
    ("params.x_provider != 'g", ["'google'"]),
    ('SELECT * FROM auditLog WHERE endpoint = "so', ['"socialize.login"']),
    (".run ", ["failed_logins", "deletes"]),
    (".run f", ["failed_logins"]),
]


@pytest.mark.parametrize(("text", "expected"), FIRST, ids=[t for t, _ in FIRST])
def test_suggestions_start_with(text: str, expected: list[str]) -> None:
    assert texts(text)[: len(expected)] == expected


# Where nothing fits, nothing is offered.
NOTHING = [
    "outcome = 'failure'",  # right after a finished string
    "errCode = 40",  # a number
    "errCode = ",  # a raw field has no value dictionary
    "category = 'zzz",  # no such value
    "xyzzy",
    ".ingest sample",  # paths are the adapter's job (prompt_toolkit's PathCompleter)
    ".nosuch ",
]


@pytest.mark.parametrize("text", NOTHING)
def test_nothing_fits(text: str) -> None:
    assert texts(text) == []


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("act", "Action"),  # a raw field shadowed by a canonical column cannot be queried by that name
        ("tim", "timestamp"),  # `timestamp` means `time`
        ("category IN ('login', '", "'login'"),  # already in the list
        ('"co', "count("),  # a quoted name is never a function
    ],
)
def test_not_offered(text: str, absent: str) -> None:
    assert absent not in texts(text)


@pytest.mark.parametrize(
    ("text", "replace"),
    [("category = 'lo", 3), ("params.", 7), ('"Perf', 5), (".format c", 1), ("outcome = ", 0), ("act", 3)],
)
def test_replaces_what_was_typed(text: str, replace: int) -> None:
    assert {s.replace for s in suggest(text, SNAP)} == {replace}


def test_suggestion_kinds_and_meta() -> None:
    by_text = {s.text: s for s in suggest("e", SNAP)}
    assert by_text["errCode"].kind == "field" and by_text["errCode"].meta == "sap_cdc"
    assert by_text["event_id"].kind == "column"
    assert suggest("outcome = 'f", SNAP)[0].kind == "value"


def test_empty_snapshot_still_completes_columns_and_keywords() -> None:
    assert [s.text for s in suggest("outc", Snapshot())] == ["outcome"]
    assert [s.text for s in suggest("category = 'lo", Snapshot())] == []


def _adapter(text: str, requested: bool) -> list[str]:
    completer = AuditCompleter(lambda: SNAP)
    event = CompleteEvent(completion_requested=requested)
    return [c.text for c in completer.get_completions(Document(text, len(text)), event)]


def test_adapter_waits_for_tab_after_a_space_but_not_while_typing() -> None:
    assert _adapter("category = 'login' ", requested=False) == []
    assert _adapter("category = 'login' ", requested=True)[:2] == ["AND", "OR"]
    assert _adapter("category = 'lo", requested=False) == ["'login'", "'logout'"]


def test_adapter_completes_paths_for_ingest(tmp_path, monkeypatch) -> None:
    (tmp_path / "exports").mkdir()
    (tmp_path / "export.csv").write_text("a\n")
    monkeypatch.chdir(tmp_path)
    assert sorted(_adapter(".ingest exp", requested=True)) == ["ort.csv", "orts"]


# The Enter rule: a one-line WHERE clause runs; SQL continues until `;` or a blank line.
ENTER = [
    ("category = 'login'", True),
    ("endpoint LIKE 'socialize%' AND errCode != 0", True),
    (".help", True),
    ("", True),
    ("SELECT vendor, count(*) FROM events GROUP BY vendor", False),
    ("select 1", False),
    ("WITH x AS (SELECT * FROM events) SELECT count(*) FROM x", False),
    ("SELECT vendor FROM events;", True),
    ("SELECT vendor FROM events;  ", True),
    ("SELECT vendor\nFROM events", False),
    ("SELECT vendor\nFROM events\n", True),
    ("SELECT vendor\nFROM events\n   ", True),
    ("SELECT * FROM auditLog WHERE errCode = 0", False),
    # a WHERE clause visibly unfinished goes on to the next line; a blank line runs it anyway
    ("category = 'login' AND", False),
    ("category = 'login' and ", False),
    ("outcome = 'failure' OR", False),
    ("category = 'login' AND NOT", False),
    ("(vendor = 'sap_cdc' OR vendor = 'resolver'", False),
    ("vendor IN ('sap_cdc',\n'resolver'", False),
    ("vendor IN ('sap_cdc',\n'resolver')", True),
    ("actor_name = 'O''Br", False),
    ('"Performed By = 1', False),
    ("category = 'login' AND\noutcome = 'failure'", True),
    ("category = 'login' AND\n", True),
    ("message = 'a (b'", True),  # a parenthesis inside a string is text
    ("brand = 'AND'", True),
    ("exit", True),
]


@pytest.mark.parametrize(("text", "runs"), ENTER)
def test_enter_runs_only_complete_statements(text: str, runs: bool) -> None:
    assert statement_complete(text) is runs


def test_statement_text_drops_blanks_and_semicolons() -> None:
    assert statement_text("  SELECT 1 FROM events ;; \n") == "SELECT 1 FROM events"


def test_highlighting_marks_keywords_columns_strings_and_commands() -> None:
    line = QueryLexer().lex_document(Document("category = 'login' AND errCode = 0"))(0)
    styles = {fragment[1]: fragment[0] for fragment in line}
    assert styles["category"] == "class:column"
    assert styles["'login'"] == "class:string"
    assert styles["AND"] == "class:keyword"
    assert styles["errCode"] == "class:name"
    assert styles["0"] == "class:number"
    assert QueryLexer().lex_document(Document(".format csv"))(0)[0][:2] == ("class:command", ".format")


def test_adapter_shows_untrusted_names_escaped() -> None:
    snap = Snapshot(fields={"x": frozenset({"evil\x1b[2Jname", "bidi\u202eeman"})})
    completer = AuditCompleter(lambda: snap)
    shown = [c.display_text for c in completer.get_completions(Document("evil", 4), CompleteEvent(True))]
    shown += [c.display_text for c in completer.get_completions(Document("bidi", 4), CompleteEvent(True))]
    assert shown == ['"evil\\x1b[2Jname"', '"bidi\\u202eeman"']
