"""`%auditql` / `%%auditql` in a real IPython shell, on the archive of every sample export.

Each test runs the magic the way a notebook does (`run_line_magic`, `run_cell_magic`, `run_cell`) and checks
concrete answers: row counts from tests/data/samples_expected.json, variables set by `-o`, one clear message
instead of a traceback, values bound as parameters, HTML escaped, timeline buckets.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES
from IPython.core.completer import provisionalcompleter
from IPython.core.interactiveshell import InteractiveShell

from auditql.errors import QueryError, UsageError
from auditql.frontend.completer import Snapshot
from auditql.notebook.magic import AuditqlMagics, split_line, suggestions
from auditql.notebook.results import DISPLAY_ROWS, Result

FAILED_LOGINS = "category = 'login' AND outcome = 'failure' AND time >= '2025-11-20' AND time < '2025-11-21'"
SOCIALIZE = (
    "endpoint LIKE 'socialize%' AND @timestamp > '2015-08-16T00:00:00.000Z' AND @timestamp < '2015-08-17T00:00:00.000Z'"
)
HOSTILE = "x' OR 1=1 --"


@pytest.fixture
def shell(sample_db: Path) -> Iterator[InteractiveShell]:
    """The IPython shell with the extension loaded and the sample archive open."""
    sh = InteractiveShell.instance()
    sh.run_line_magic("load_ext", "auditql")
    before = set(sh.user_ns)
    sh.run_line_magic("auditql", f"open {sample_db}")
    yield sh
    magics(sh).archive = None
    for name in set(sh.user_ns) - before:
        del sh.user_ns[name]


def magics(sh: InteractiveShell) -> AuditqlMagics:
    found = sh.magics_manager.registry["AuditqlMagics"]
    assert isinstance(found, AuditqlMagics)
    return found


def line(sh: InteractiveShell, text: str) -> Result:
    result = sh.run_line_magic("auditql", text)
    assert isinstance(result, Result), f"{text!r} gave {result!r}"
    return result


def test_line_magic_answers_the_demo_question(shell: InteractiveShell, expected: dict) -> None:
    result = line(shell, FAILED_LOGINS)
    assert len(result) == expected["demo_failed_logins_2025_11_20"]["total"] == 10
    assert {r["outcome"] for r in result.dicts()} == {"failure"}
    vendors = [row[result.columns.index("vendor")] for row in result]  # iteration yields rows
    assert {v: vendors.count(v) for v in vendors} == {
        v: n for v, n in expected["demo_failed_logins_2025_11_20"].items() if v != "total" and n
    }
    assert result.sql.startswith("SELECT") and '"events"' in result.sql


def test_gigya_console_query_matches_four(shell: InteractiveShell, expected: dict) -> None:
    assert len(line(shell, SOCIALIZE)) == expected["demo_socialize_2015_08_16"] == 4


def test_options_narrow_like_the_cli(shell: InteractiveShell, expected: dict) -> None:
    window = "--since 2025-11-20 --until 2025-11-21"
    assert len(line(shell, f"{window} category = 'login' AND outcome = 'failure'")) == 10
    per_vendor = expected["demo_failed_logins_2025_11_20"]
    assert (
        len(line(shell, f"{window} --vendor sap_cdc category = 'login' AND outcome = 'failure'"))
        == per_vendor["sap_cdc"]
    )
    cut = line(shell, f"--limit 3 --columns time,actor_name {FAILED_LOGINS}")
    assert (len(cut), cut.truncated, cut.columns) == (3, True, ["time", "actor_name"])
    assert "limit 3 reached" in repr(cut)


def test_cell_magic_with_o_stores_the_result(shell: InteractiveShell, expected: dict) -> None:
    shown = shell.run_cell_magic(
        "auditql", "-o per_vendor", "SELECT vendor, count(*) AS n\nFROM events\nGROUP BY vendor ORDER BY vendor"
    )
    stored = shell.user_ns["per_vendor"]
    assert stored is shown
    assert dict(stored.rows) == {v: e["unique_events"] for v, e in expected["vendors"].items()}


def test_duckdbs_functions_and_windows_in_a_cell(shell: InteractiveShell, capfd) -> None:
    """The analyst's SQL (issue 15) in a notebook: string_agg, date_diff, FILTER, QUALIFY; columns named as typed."""
    result = shell.run_cell_magic(
        "auditql",
        "",
        "SELECT vendor, string_agg(DISTINCT outcome, ',' ORDER BY outcome), date_diff('day', min(time), max(time)),\n"
        "  count(*) FILTER (WHERE outcome = 'failure') AS failures\n"
        "FROM events WHERE vendor IN ('resolver', 'sap_cdc') GROUP BY vendor\n"
        "QUALIFY row_number() OVER (ORDER BY vendor) = 1",
    )
    assert result.columns == [
        "vendor",
        "string_agg(DISTINCT outcome, ',' ORDER BY outcome)",
        "date_diff('day', min(time), max(time))",
        "failures",
    ]
    assert result.rows == [("resolver", "failure,success", 51, 2)]
    capfd.readouterr()
    shell.run_cell("%auditql SELECT getenv('HOME') FROM events")
    err = capfd.readouterr().err
    assert err.splitlines()[-1] == (
        "error: function getenv is not allowed: it reads DuckDB settings, variables or the environment "
        "(allowed functions: docs/sandbox.md#functions)"
    )


def test_open_makes_later_queries_need_no_db(shell: InteractiveShell, sample_db: Path, capsys, expected: dict) -> None:
    magics(shell).archive = None
    shell.run_line_magic("auditql", f"open {sample_db}")
    assert capsys.readouterr().out.strip() == f"archive: {sample_db}"
    assert line(shell, "SELECT count(*) AS n FROM events").rows == [(expected["total"]["unique_events"],)]
    shell.run_line_magic("auditql", f"open {sample_db.parent / 'none.duckdb'}")
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "no archive here yet" in err and err.count("\n") == 1
    assert magics(shell).archive == sample_db  # a failed open keeps the archive that was open


def test_ingest_subcommand_expands_variables_in_paths_and_opens_the_archive(
    shell: InteractiveShell, tmp_path: Path, capsys, expected: dict
) -> None:
    shell.user_ns["target"] = str(tmp_path / "nb.duckdb")
    shell.user_ns["folder"] = str(SAMPLES / "sap_cdc")
    assert shell.run_line_magic("auditql", "ingest --db $target {folder}") is None
    out = capsys.readouterr().out
    read, added = (expected["vendors"]["sap_cdc"][k] for k in ("records", "unique_events"))
    assert out.splitlines()[-2].split() == ["total", str(read), str(added), str(read - added), "0"]
    assert magics(shell).archive == tmp_path / "nb.duckdb"
    assert line(shell, "SELECT count(*) AS n FROM events").rows == [(added,)]


def test_a_bad_query_prints_one_clear_message_not_a_traceback(shell: InteractiveShell, capfd) -> None:
    outcome = shell.run_cell("%auditql actor_name = = 'x'")
    out, err = capfd.readouterr()
    assert outcome.success and outcome.result is None
    assert "Traceback" not in out + err
    assert err.splitlines()[0] == "actor_name = = 'x'"
    assert err.splitlines()[1].strip() == "^" and err.splitlines()[2].startswith("error: ")
    assert len(err.splitlines()) == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("DROP TABLE events", "error: "),
        ("--limit ten outcome = 'failure'", "error: --limit needs a whole number of rows, not 'ten'"),
        ("--bogus 1 outcome = 'failure'", "error: '--bogus' is not an option here. Try one of: --db"),
        ("--since yesterday outcome = 'failure'", "error: 'yesterday' is not a time"),
        ("SELECT * FROM read_text('/etc/passwd')", "error: "),
        ("-o 1x outcome = 'failure'", "error: -o needs a Python variable name, not '1x'"),
        ("ingest", "error: ingest needs files or folders"),
        ("open", "error: open takes one archive path"),
    ],
)
def test_refusals_are_one_message(shell: InteractiveShell, capfd, text: str, message: str) -> None:
    outcome = shell.run_cell(f"%auditql {text}")
    out, err = capfd.readouterr()
    assert outcome.success and outcome.result is None and "Traceback" not in out + err
    assert message in err


@pytest.mark.parametrize("placeholder", [":who", "{who}", "$who"])
def test_notebook_values_are_bound_never_pasted(shell: InteractiveShell, placeholder: str) -> None:
    shell.user_ns["who"] = HOSTILE
    hostile = line(shell, f"actor_name = {placeholder}")
    assert len(hostile) == 0
    assert HOSTILE not in hostile.sql and "1=1" not in hostile.sql
    real = line(shell, "SELECT actor_name FROM events WHERE actor_name IS NOT NULL ORDER BY actor_name LIMIT 1")
    shell.user_ns["who"] = real.rows[0][0]
    assert len(line(shell, f"actor_name = {placeholder}")) > 0


def test_a_cell_magic_takes_its_query_from_the_body_only(shell: InteractiveShell, capsys) -> None:
    assert shell.run_cell_magic("auditql", "--limit 1 outcome = 'failure'", "vendor = 'sap_cdc'") is None
    assert "error: put the query in the cell body" in capsys.readouterr().err


def test_cell_bodies_bind_lists_and_times(shell: InteractiveShell) -> None:
    shell.user_ns.update(
        kinds=["sap_cdc", "adobe_cja"], start=datetime(2025, 11, 20, tzinfo=UTC), day_after="2025-11-21"
    )
    result = shell.run_cell_magic(
        "auditql",
        "",
        "category = 'login' AND outcome = 'failure'\nAND vendor IN (:kinds)\nAND time >= :start AND time < {day_after}",
    )
    assert isinstance(result, Result) and len(result) == 4 + 2


def test_a_missing_value_names_the_notebook_variables(shell: InteractiveShell, capfd) -> None:
    shell.user_ns["known"] = 1
    shell.run_cell("%auditql actor_name = :nobody")
    err = capfd.readouterr().err
    assert "no value for placeholder :nobody" in err and "known" in err
    assert "In," not in err and "_ih" not in err  # IPython's own variables are not offered


def test_explain_prints_the_sql_and_runs_nothing(shell: InteractiveShell, capsys) -> None:
    assert shell.run_line_magic("auditql", f"--explain {SOCIALIZE}") is None
    sql = capsys.readouterr().out
    assert sql.startswith("SELECT") and '"events"' in sql and "@timestamp" not in sql


def test_help(shell: InteractiveShell, capsys) -> None:
    shell.run_line_magic("auditql", "--help")
    text = capsys.readouterr().out
    assert "%auditql ingest" in text and "--limit N" in text and ":name" in text


def test_html_escapes_every_value_and_header(shell: InteractiveShell, tmp_path: Path) -> None:
    export = tmp_path / "evil.csv"
    export.write_text(
        "timestamp,user,action,message\n"
        '2025-01-02T03:04:05Z,<script>alert(1)</script>,login,"<img src=x onerror=alert(2)> & ""q"""\n'
    )
    db = tmp_path / "evil.duckdb"
    shell.run_line_magic("auditql", f"ingest --db {db} {export}")
    result = line(shell, "actor_name LIKE '%script%'")
    assert len(result) == 1 and result.dicts()[0]["actor_name"] == "<script>alert(1)</script>"
    page = result._repr_html_()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page
    assert "&lt;img src=x onerror=alert(2)&gt; &amp; &quot;q&quot;" in page and "<img" not in page
    header = line(shell, 'SELECT actor_name AS "<th onclick=x>" FROM events')._repr_html_()
    assert "<th>&lt;th onclick=x&gt;</th>" in header and "<th onclick" not in header


def test_html_folds_raw_and_keeps_times_on_one_line(shell: InteractiveShell) -> None:
    page = line(shell, "SELECT time, raw FROM events WHERE vendor = 'sap_cdc' ORDER BY time LIMIT 1")._repr_html_()
    assert '<td style="white-space:nowrap">2015-08-15T22:10:05.101Z</td>' in page
    folded = page.split("<details><summary>", 1)[1]
    summary, opened = folded.split("</summary>", 1)
    assert len(summary) <= 40 * 6 and summary.endswith("…")  # the first 40 characters (HTML-escaped), then …
    assert "3e0945d670727531bfd928f4324eac4f" in opened.split("</details>", 1)[0]  # the callID, one click away


def test_display_is_capped_and_says_how_many_rows_exist(
    shell: InteractiveShell, expected: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    everything, n = line(shell, "vendor = 'sap_cdc'"), expected["vendors"]["sap_cdc"]["unique_events"]
    assert len(everything) == n
    page = everything._repr_html_()
    assert page.count("<tr>") == 1 + DISPLAY_ROWS
    assert f"{n} rows in" in page and f"showing the first {DISPLAY_ROWS}" in page
    monkeypatch.setenv("COLUMNS", "200")  # the text view fits the terminal, as the REPL's table does
    text = repr(everything)
    assert text.splitlines()[0].split() == ["time", "vendor", "action", "category", "outcome", "actor_name",
                                            "source_ip", "target_name"]  # fmt: skip
    assert f"{n} rows in" in text and text.endswith(", 22 columns (8 shown: see .columns, .dicts(), .to_arrow())")
    monkeypatch.setenv("COLUMNS", "60")
    narrow = repr(everything)
    assert narrow.splitlines()[:3] == ["time                      vendor   …  target_name",
                                       "------------------------  -------  -  -----------",
                                       "2015-08-15T22:10:05.101Z  sap_cdc  …  NULL"]  # fmt: skip
    assert narrow.endswith(", 22 columns (3 shown: see .columns, .dicts(), .to_arrow())")
    assert max(len(t) for t in narrow.splitlines()[:-1]) <= 60


def test_html_right_aligns_numbers_as_the_terminal_table_does(shell: InteractiveShell) -> None:
    page = line(
        shell, "SELECT vendor, count(*) AS n, 1.50::DECIMAL(4,2) AS d FROM events GROUP BY 1 ORDER BY 2 DESC, 1"
    )
    html = page._repr_html_()
    assert '<th>vendor</th><th style="text-align:right">n</th><th style="text-align:right">d</th>' in html
    assert '<tr><td>sap_cdc</td><td style="text-align:right">' in html
    assert '<td style="text-align:right">1.50</td></tr>' in html  # DECIMAL keeps its scale


def test_html_shows_null_apart_from_the_empty_string(shell: InteractiveShell) -> None:
    page = line(shell, "SELECT NULL AS missing, '' AS blank, '<b>' AS tag FROM events LIMIT 1")._repr_html_()
    assert '<tr><td class="null">NULL</td><td></td><td>&lt;b&gt;</td></tr>' in page


@pytest.mark.parametrize(
    "text",
    [
        FAILED_LOGINS,
        "SELECT vendor, count(*) AS n, sum(source_row) AS s, avg(source_row) AS a, min(time) AS first, "
        "max(time) > now() AS future, CAST(min(time) AS DATE) AS d FROM events GROUP BY vendor ORDER BY vendor",
        "vendor = 'nobody'",
    ],
)
def test_to_arrow_matches_duckdbs_own_arrow_export(shell: InteractiveShell, sample_db: Path, text: str) -> None:
    import duckdb
    import pyarrow as pa

    result = line(shell, text)
    table = result.to_arrow()
    con = duckdb.connect(str(sample_db), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        assert result.translation is not None
        direct = con.sql(result.sql, params=result.translation.params or None).to_arrow_table()
    finally:
        con.close()
    assert [f.type for f in table.schema] == [f.type for f in direct.schema]
    assert table.column_names == result.columns and table.to_pylist() == direct.to_pylist()
    assert table.num_rows == len(result)
    if "time" in result.columns:
        assert table.schema.field("time").type == pa.timestamp("us", tz="UTC")


def test_to_arrow_holds_the_rows_shown_even_when_cut(shell: InteractiveShell) -> None:
    cut = line(shell, f"--limit 4 {FAILED_LOGINS}")
    assert cut.truncated
    assert cut.to_arrow().column("event_key").to_pylist() == [r["event_key"] for r in cut.dicts()]


def test_to_pandas_and_polars_are_optional(shell: InteractiveShell, monkeypatch) -> None:
    result = line(shell, FAILED_LOGINS)
    for module, method in (("pandas", result.to_pandas), ("polars", result.to_polars)):
        monkeypatch.setitem(sys.modules, module, None)  # as if not installed
        with pytest.raises(UsageError, match=f"needs {module}, which is not installed: pip install {module}"):
            method()


def test_to_pandas_when_installed(shell: InteractiveShell) -> None:
    pytest.importorskip("pandas")
    frame = line(shell, FAILED_LOGINS).to_pandas()
    assert len(frame) == 10 and list(frame["outcome"].unique()) == ["failure"]
    assert str(frame["time"].dtype) == "datetime64[us, UTC]"


def test_to_polars_when_installed(shell: InteractiveShell) -> None:
    pytest.importorskip("polars")
    assert line(shell, FAILED_LOGINS).to_polars().shape == (10, 22)


def test_timeline_chart_when_matplotlib_is_installed(shell: InteractiveShell, monkeypatch) -> None:
    hours = line(shell, SOCIALIZE).timeline("hour")
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(UsageError, match="chart\\(\\) needs matplotlib"):
        hours.chart()
    assert "<img" not in hours._repr_html_()  # the table alone
    monkeypatch.undo()
    pytest.importorskip("matplotlib")
    figure = hours.chart()
    assert [p.get_height() for p in figure.axes[0].patches] == [2, 1, 1]
    assert hours._repr_html_().startswith('<img alt="events per 1 hour" src="data:image/png;base64,')


def test_timeline_counts_buckets_in_duckdb(shell: InteractiveShell) -> None:
    hours = line(shell, SOCIALIZE).timeline("hour")
    assert [(b.isoformat(), n) for b, n in hours.buckets] == [
        ("2015-08-16T09:00:00+00:00", 2), ("2015-08-16T12:00:00+00:00", 1), ("2015-08-16T17:00:00+00:00", 1),
    ]  # fmt: skip
    assert repr(hours).splitlines()[0] == "interval 1 hour, 4 events"
    html = hours._repr_html_()
    assert '<td style="white-space:nowrap">2015-08-16T09:00:00.000Z</td><td style="text-align:right">2</td>' in html
    assert "4 events in 3 buckets" in html
    # the timeline counts every matching event, also those a --limit kept out of the rows
    assert line(shell, f"--limit 1 {SOCIALIZE}").timeline("day").buckets[0][1] == 4
    assert line(shell, f"--columns actor_name {SOCIALIZE}").timeline("day").total == 4


def test_timeline_of_a_result_without_time_says_so(shell: InteractiveShell) -> None:
    grouped = line(shell, "SELECT vendor, count(*) AS n FROM events GROUP BY vendor")
    with pytest.raises(QueryError, match="needs a result with a `time` column"):
        grouped.timeline()


def test_timeline_keeps_the_values_the_query_was_bound_to(shell: InteractiveShell, expected: dict) -> None:
    shell.user_ns["kind"] = "sap_cdc"
    result = line(shell, "vendor = :kind")
    shell.user_ns["kind"] = "nobody"
    assert result.timeline("month").total == expected["vendors"]["sap_cdc"]["unique_events"]


def completions(sh: InteractiveShell, text: str) -> list[str]:
    with provisionalcompleter():
        return [c.text for c in sh.Completer.completions(text, len(text))]


def test_completion_offers_columns_fields_and_options(shell: InteractiveShell) -> None:
    assert completions(shell, "%auditql actor_n") == ["actor_name"]
    assert completions(shell, "%auditql outcome = 'failure' AND errC") == ["errCode"]  # a raw field of the archive
    assert completions(shell, "%auditql --li") == ["--limit"]
    assert "params.loginID" in completions(shell, "%%auditql --limit 5\noutcome = 'failure' AND params.lo")
    assert completions(shell, '%auditql "Performed B') == ['"Performed By"']
    assert "actor_name" not in completions(shell, "actor_n")  # plain Python is left to IPython
    # where a path is typed, IPython's file completion answers instead
    assert "actor_name" not in completions(shell, "%auditql open act")
    assert "actor_name" not in completions(shell, "%auditql --db act")


def test_completion_offers_values_of_columns_and_vendor_fields(shell: InteractiveShell) -> None:
    assert "'socialize.login'" in completions(shell, "%auditql endpoint = 'soc")
    assert "'failure'" in completions(shell, "%auditql outcome = 'fa")
    assert "print" not in completions(shell, "%auditql outcome = 'pr")  # never Python builtins in a value


def test_unknown_fields_are_warned_about_with_the_nearest_names(shell: InteractiveShell, capsys) -> None:
    assert len(line(shell, "errCod = 0")) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: no ingested record has field 'errCod'") and "errCode" in err


SNAP = Snapshot(fields={"sap_cdc": frozenset({"errCode", "params.loginID"}), "resolver": frozenset({"Performed By"})})


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("%auditql actor_n", [("actor_name", 7)]),
        ("%auditql --limit 5 -o x errC", [("errCode", 4)]),
        ("%auditql Perf", [('"Performed By"', 4)]),
        ('%auditql "Perf', [('"Performed By"', 5)]),
        ("%auditql --li", [("--limit", 4)]),
        ("%auditql --limit 5 --e", [("--explain", 3)]),
        ("%%auditql --vendor sap_cdc\nendpoint = 'x' AND params.lo", [("params.loginID", 9)]),
        ("%%auditql\nSELECT * FR", [("FROM", 2)]),
        ("x = %auditql --limit=5 actor_n", [("actor_name", 7)]),
        ("%auditql -- -1 < errC", [("errCode", 4)]),
    ],
)
def test_suggestions(text: str, want: list[tuple[str, int]]) -> None:
    found = suggestions(text, SNAP)
    assert found is not None and [(s.text, s.replace) for s in found][: len(want)] == want


@pytest.mark.parametrize(
    "text",
    ["actor_n", "%auditql open ./arch", "%auditql ingest --db x ../sam", "%auditql --db ./ar", "%auditql --db=./ar",
     "%auditql --limit ", "%auditql -o fail", "%%auditql -o "],
)  # fmt: skip
def test_no_suggestions_where_python_or_paths_are_typed(text: str) -> None:
    assert suggestions(text, SNAP) is None


ALL = ("--db", "--limit", "--explain", "-o", "--columns")


@pytest.mark.parametrize(
    ("text", "options", "rest"),
    [
        ("outcome = 'failure'", {}, "outcome = 'failure'"),
        ("--limit 5 -o x a = 1", {"--limit": "5", "-o": "x"}, "a = 1"),
        ("--db='/tmp/my archive.duckdb' --explain a = '-1'", {"--db": "/tmp/my archive.duckdb", "--explain": True},
         "a = '-1'"),
        ("--limit=5 -- -1 < errCode", {"--limit": "5"}, "-1 < errCode"),
        ("--columns 'time,\"Performed By\"' x = 1", {"--columns": 'time,"Performed By"'}, "x = 1"),
        ("--columns \"a b\",c SELECT 1", {"--columns": "a b,c"}, "SELECT 1"),
    ],
)  # fmt: skip
def test_split_line(text: str, options: dict, rest: str) -> None:
    assert split_line(text, ALL) == (options, rest)


def test_split_line_refuses_what_it_does_not_know() -> None:
    with pytest.raises(UsageError, match="Try one of: --db, --limit"):
        split_line("--vendor x a = 1", ALL)
    with pytest.raises(UsageError, match="--limit needs a value"):
        split_line("--limit", ALL)


def test_the_notebook_result_does_not_import_ipython() -> None:
    code = "import sys, auditql.notebook.results; print('IPython' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
