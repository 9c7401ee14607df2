"""`auditql serve` in a real headless Chromium (Debian's `chromium`, driven by Playwright; `.ci/run` installs
it when missing): the README's demo question answered by clicking — the failed logins of 2025-11-20, one
actor's events through the magnifier, that event's raw record and the files that delivered it — plus the
download, the timeline drag, sorting, errors with their caret, the archive page, and hostile values shown
as text. Screenshots go to the test run's temporary folder (their paths are printed).

Without a browser the tests fail (they never skip) unless AUDITQL_NO_BROWSER=1 says to run without them.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from serve_server import HOSTILE_ACTORS, Served, hostile_archive, thread_server
from test_serve_http import FAILED_LOGINS, README_ANSWER, SLOW

from auditql.output import safe_text

CHROMIUM = os.environ.get("AUDITQL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

if os.environ.get("AUDITQL_NO_BROWSER") == "1":
    pytest.skip("AUDITQL_NO_BROWSER=1: the browser tests are not run", allow_module_level=True)

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]' installs playwright")
expect = playwright_api.expect
# The page's Content-Security-Policy forbids eval, so the tests wait and read through locators (Playwright's
# own isolated script), never `wait_for_function` or `evaluate` with a string.


@pytest.fixture(scope="module")
def playwright() -> Iterator[object]:
    assert Path(CHROMIUM).exists(), (
        f"no Chromium at {CHROMIUM}: `apt-get install chromium` (.ci/run does), or set AUDITQL_NO_BROWSER=1"
    )
    with playwright_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright) -> Iterator[object]:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def served(sample_db: Path) -> Iterator[Served]:
    with thread_server(sample_db) as s:
        yield s


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def page(browser, served: Served):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    problems: list[str] = []
    # a 400 is the API refusing a query, which the page shows inline (test_an_error_is_shown_with_its_caret)
    page.on(
        "console", lambda m: problems.append(m.text) if m.type == "error" and "status of 400" not in m.text else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.goto(served.url)
    yield page
    context.close()
    assert problems == []  # no script error, no CSP violation, no alert() from data


def run_query(page, text: str, since: str = "", until: str = "") -> None:
    page.fill("#query", text)
    page.fill("#since", since)
    page.fill("#until", until)
    page.click("#run")
    expect(page.locator("#status")).to_contain_text(" of ")
    expect(page.locator("#cancel")).to_be_hidden()  # the count and the timeline have come too


def table(page, selector: str) -> list[list[str]]:
    width = page.locator(f"{selector} tbody tr").first.locator("td").count()
    cells = page.locator(f"{selector} tbody td").all_text_contents()
    return [cells[i : i + width] for i in range(0, len(cells), width)] if width else []


def grid(page) -> list[list[str]]:
    return table(page, "#grid")


def status_starts(page, text: str) -> None:
    expect(page.locator("#status")).to_have_text(re.compile("^" + re.escape(text)))


def go_to_row(page, n: int) -> None:
    page.fill("#goto", str(n))
    page.press("#goto", "Enter")
    expect(page.locator("#grid tbody th.rownum").first).to_have_text(f"{n:,}")
    expect(page.locator("#grid td.loading")).to_have_count(0)


def cell(page, text: str):
    return page.locator("#grid td", has_text=text).first


def test_the_demo_question_by_clicking(page, shots: Path) -> None:
    run_query(page, FAILED_LOGINS)
    header = page.locator("#grid thead th:not(.rownum)").all_text_contents()
    assert header == ["time", "vendor", "action", "category", "outcome", "actor_name", "source_ip", "target_name"]
    rows = grid(page)
    assert [(r[0], r[1], r[2], None if r[5] == "NULL" else r[5]) for r in rows] == README_ANSWER
    assert page.text_content("#status").startswith("rows 1–10 of 10 ·")
    assert page.locator("#timeline svg rect").count() > 1
    page.screenshot(path=str(shots / "serve-query.png"), clip={"x": 0, "y": 0, "width": 1400, "height": 610})
    print("screenshot:", shots / "serve-query.png")

    cell(page, "blair.sample").click()  # the magnifier
    page.click("#menu-filter")
    status_starts(page, "rows 1–2 of 2")
    assert page.input_value("#query") == FAILED_LOGINS + " AND actor_name = 'blair.sample'"
    assert [r[0] for r in grid(page)] == ["2025-11-20T08:22:17.004Z", "2025-11-20T08:22:41.310Z"]

    run_query(page, FAILED_LOGINS)
    cell(page, "alex.example@example.com").click()
    page.click("#menu-record")
    page.wait_for_selector("#record:not([hidden])")
    raw = page.text_content("#record-raw")
    assert '\n  "callID": "ea63030f3c6e24e01901ff044bae90e2",\n' in raw
    files = table(page, "#record-files")
    assert [(Path(f[0]).name, f[1]) for f in files] == [
        ("audit_search_page1.json", "41"),
        ("audit_search_page2.json", "1"),
    ]
    assert all(len(f[3]) == 64 for f in files)
    page.screenshot(path=str(shots / "serve-record.png"))
    print("screenshot:", shots / "serve-record.png")


def test_the_query_box_completes_columns_fields_and_values(page) -> None:
    box = page.locator("#query")
    box.fill("")
    box.press_sequentially("categ")
    expect(page.locator("#suggest li.chosen")).to_contain_text("category")
    box.press("Tab")
    box.press_sequentially(" = 'log")
    expect(page.locator("#suggest li").first).to_contain_text("'login'")
    box.press("Tab")
    box.press_sequentially(" AND errC")
    expect(page.locator("#suggest li.chosen")).to_contain_text("errCode")  # a raw field of one vendor
    expect(page.locator("#suggest li.chosen .meta")).to_have_text("sap_cdc")
    box.press("Escape")
    expect(page.locator("#suggest")).to_be_hidden()
    assert box.input_value() == "category = 'login' AND errC"
    box.fill("category = 'login'")
    box.press("Control+Enter")
    expect(page.locator("#status")).to_contain_text(" of ")
    assert {r[3] for r in grid(page)} == {"login"}


def test_a_completion_answered_late_is_applied_to_what_was_typed_since(page) -> None:
    """A busy server answers the `'l` of `'log` after the user typed `og`: Tab must give `'login'`, not
    `'l'login'` (seen under load: the list was applied as if nothing had been typed since it was asked)."""
    box = page.locator("#query")
    box.fill("")
    box.press_sequentially("category = 'l")
    expect(page.locator("#suggest li").first).to_contain_text("'login'")
    held: list = []
    page.route("**/api/complete**", lambda route: held.append(route))  # later answers held until the end
    try:
        box.press_sequentially("og")
        expect(page.locator("#suggest li").first).to_contain_text("'login'")  # narrowed, still offered
        box.press("Tab")
        assert box.input_value() == "category = 'login'"
        box.fill("")
        box.press_sequentially("category = 'l")
        box.press_sequentially(" ")  # a space ends the word: nothing offered for `'l` fits any more
        box.press("Tab")
        assert box.input_value() == "category = 'l "
    finally:
        for route in held:  # answered now, late, as a busy server would
            route.continue_()
        page.unroute_all()


def test_the_columns_box_picks_columns(page) -> None:
    page.fill("#columns", "time,actor_name,errCode")
    run_query(page, FAILED_LOGINS)
    assert page.locator("#grid thead th:not(.rownum)").all_text_contents() == ["time", "actor_name", "errCode"]
    assert grid(page)[3] == ["2025-11-20T09:14:40.118Z", "alex.example@example.com", "403042"]


def test_exclude_keeps_nulls_and_sorting_is_server_side(page) -> None:
    run_query(page, FAILED_LOGINS)
    cell(page, "blair.sample").click()
    page.click("#menu-exclude")
    status_starts(page, "rows 1–8 of 8")
    assert "actor_name IS DISTINCT FROM 'blair.sample'" in page.input_value("#query")
    null = page.locator("#grid td.null").first
    assert null.text_content() == "NULL"
    run_query(page, "")
    page.click("#grid thead th[data-column='actor_name']")
    page.wait_for_selector("#grid thead th.sorted-asc")
    page.click("#grid thead th[data-column='actor_name']")
    page.wait_for_selector("#grid thead th.sorted-desc")
    names = [r[5] for r in grid(page)]
    assert len(names) > 10 and names == sorted(names, reverse=True)
    go_to_row(page, 201)  # past the first page: asked of the server after the first page's last row
    status_starts(page, "rows 201–")
    names = [r[5] for r in grid(page)]
    assert names == sorted(names, reverse=True) and "…" not in names


def test_a_download_is_what_the_cli_writes(page, sample_db: Path, cli) -> None:
    run_query(page, FAILED_LOGINS)
    with page.expect_download() as caught:
        page.click("#dl-csv")
    body = Path(caught.value.path()).read_text(encoding="utf-8")
    result = cli("query", "--db", sample_db, "--format", "csv", FAILED_LOGINS)
    assert result.exit_code == 0 and body == result.stdout and body.count("\n") == 11


def test_dragging_on_the_timeline_sets_the_time_range(page, served: Served) -> None:
    run_query(page, "category = 'login'", "2025-11-20", "2025-11-22")
    box = page.locator("#timeline svg").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.1, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.3, y, steps=5)
    page.mouse.up()
    expect(page.locator("#since")).to_have_value(re.compile("Z$"))
    expect(page.locator("#status")).to_contain_text(" of ")
    since, until = page.input_value("#since"), page.input_value("#until")
    assert "2025-11-20" <= since < until <= "2025-11-22T00:00:00Z"
    shown = [r[0] for r in grid(page)]
    assert shown and all(since <= t < until for t in shown)


def test_an_error_is_shown_with_its_caret(page) -> None:
    page.fill("#query", "category = = 'login'")
    page.click("#run")
    page.wait_for_selector("#error:not([hidden])")
    assert page.text_content("#error").splitlines() == [
        "category = = 'login'",
        "           ^",
        "error: a value is missing after '='",
    ]


def test_a_running_query_is_cancelled_from_the_page(page) -> None:
    slow = SLOW
    page.fill("#query", slow)
    page.click("#run")
    page.click("#cancel")  # waits until it shows: while the query runs
    expect(page.locator("#error")).to_have_text("error: query cancelled")
    expect(page.locator("#cancel")).to_be_hidden()
    run_query(page, FAILED_LOGINS)  # the page works on
    assert len(grid(page)) == 10


def test_the_archive_page(page, served: Served, cli, sample_db: Path, shots: Path) -> None:
    page.click("#nav-archive")
    expect(page.locator("#verify")).to_contain_text("head hash")
    head = cli("verify", "--db", sample_db, "--format", "json").stdout.split('"head": "')[1][:64]
    assert page.text_content("#verify").startswith("verified: the chain of custody holds")
    assert f"head hash: {head}" in page.text_content("#verify")
    vendors = [r[0] for r in table(page, "#vendors")]
    assert sorted(vendors) == ["adobe_cja", "broadcom_portal", "resolver", "sap_cdc", "sas_ci360"]
    page.screenshot(path=str(shots / "serve-archive.png"), full_page=True)


def test_hostile_values_render_as_text(browser, tmp_path_factory: pytest.TempPathFactory, shots: Path) -> None:
    db = hostile_archive(tmp_path_factory.mktemp("hostile-serve"))
    with thread_server(db) as s:
        context = browser.new_context(viewport={"width": 1400, "height": 700})
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(s.url)
        run_query(page, "")
        shown = [r[5] for r in grid(page)]
        # as the terminal shows them (safe_text): controls and bidi overrides escaped, so "\u202eevil" never
        # reads "live"; everything else exactly, all 5,000 characters of the long line included
        assert shown == [safe_text(a) for a in HOSTILE_ACTORS]
        assert page.locator("#grid span.ctl").all_text_contents() == ["\\u202e", "\\u202c", "\\n", "\\t"]
        assert [r[7] for r in grid(page)] == ["<img src=x onerror=alert(1)>"] * len(HOSTILE_ACTORS)
        assert page.locator("#grid script, #grid img").count() == 0
        cell(page, "O'Brien").click()
        page.click("#menu-filter")
        status_starts(page, "rows 1–1 of 1")
        assert page.input_value("#query") == "actor_name = 'O''Brien \"the\" <script>alert(1)</script>'"
        assert grid(page)[0][5] == HOSTILE_ACTORS[0]
        run_query(page, "")
        page.screenshot(path=str(shots / "serve-hostile.png"))
        assert dialogs == []
        context.close()


def cli_rows(cli, db: Path, sql: str) -> list[list[str]]:
    result = cli("query", "--db", db, "--format", "csv", sql)
    assert result.exit_code == 0, result.output
    return [line.split(",") for line in result.stdout.splitlines()[1:]]


def test_scrolling_shows_each_rows_own_event(page, sample_db: Path, cli, shots: Path) -> None:
    expected = cli_rows(cli, sample_db, "SELECT event_key FROM events ORDER BY time, source_file, source_row")
    assert len(expected) == 492
    run_query(page, "")
    page.click("#pick-columns")
    page.check("#picker input[data-column='event_key']")  # shown: the key names the row
    keys = page.locator("#grid tbody td:last-child")
    expect(keys.first).to_have_text(expected[0][0])
    go_to_row(page, 300)
    assert keys.first.text_content() == expected[299][0]
    status_starts(page, "rows 300–")
    # the mouse wheel, down to the end of the result: the last row is number 492 with its own key
    box = page.locator("#scroller").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(40):
        page.mouse.wheel(0, 2000)
    expect(page.locator("#grid tbody th.rownum").last).to_have_text("492")
    expect(page.locator("#grid td.loading")).to_have_count(0)
    assert keys.last.text_content() == expected[491][0]
    shown = [int(n.replace(",", "")) for n in page.locator("#grid tbody th.rownum").all_text_contents()]
    assert [expected[n - 1][0] for n in shown] == keys.all_text_contents()
    page.screenshot(path=str(shots / "serve-scrolled.png"), clip={"x": 0, "y": 0, "width": 1400, "height": 900})


@pytest.fixture(scope="module")
def marked(sample_db: Path) -> Iterator[Served]:
    """A server whose marks are 7 rows apart (serve/marks.py; 1,000 by default), so that a jump into the
    sample's 492 rows starts from one, as a jump into ten million rows does."""
    with thread_server(sample_db, mark_every=7) as s:
        yield s


@pytest.mark.parametrize(
    ("clicks", "order"),
    [(0, "time, source_file, source_row"), (2, "actor_name DESC NULLS LAST, source_file, source_row")],
)
def test_a_jump_shows_the_rows_the_clis_offset_gives(
    browser, marked: Served, sample_db: Path, cli, clicks: int, order: str
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(marked.url)
    run_query(page, "")
    for _, sorted_as in zip(range(clicks), ("sorted-asc", "sorted-desc"), strict=False):
        page.click("#grid thead th[data-column='actor_name']")
        page.wait_for_selector(f"#grid thead th.{sorted_as}")
    expect(page.locator("#cancel")).to_be_hidden()
    page.click("#pick-columns")
    page.check("#picker input[data-column='event_key']")
    built = marked.settings.marks.built
    go_to_row(page, 451)  # in the grid's third 200-row page, none next to it read: a jump from the marks
    numbers = [int(n.replace(",", "")) for n in page.locator("#grid tbody th.rownum").all_text_contents()]
    keys = page.locator("#grid tbody td:last-child").all_text_contents()
    assert numbers == list(range(451, 451 + len(keys))) and len(keys) > 10
    expected = cli_rows(cli, sample_db, f"SELECT event_key FROM events ORDER BY {order} LIMIT {len(keys)} OFFSET 450")
    assert keys == [row[0] for row in expected]
    assert marked.settings.marks.built == built + 1  # the jump read this result's marks
    context.close()
    assert problems == []


def test_a_long_result_has_its_marks_read_before_the_first_drag(
    browser, sample_db: Path, tmp_path_factory: pytest.TempPathFactory, cli
) -> None:
    """Past 20,000 rows (grid.js MARKS_FROM) the page asks /api/marks once the count is in, so the first
    jump finds them read: the sample's events 50 times over (bench/archive.scaled: each copy its own file,
    row and key), 24,600 rows."""
    from bench.archive import scaled

    db = scaled(sample_db, 50, tmp_path_factory.mktemp("scaled"))
    with thread_server(db) as served:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        asked: list[str] = []
        page.on("request", lambda r: asked.append(r.url.split("?")[0].rsplit("/", 1)[-1]))
        page.goto(served.url)
        run_query(page, "")
        expect(page.locator("#status")).to_contain_text(" of 24,600 ")
        deadline = 600  # polls for the read ahead (asked right after the count, not shown as running): 60 s at most
        while served.settings.marks.built == 0 and deadline:
            page.wait_for_timeout(100)
            deadline -= 1
        assert "marks" in asked and served.settings.marks.built == 1
        page.click("#pick-columns")
        page.check("#picker input[data-column='event_key']")
        go_to_row(page, 20_101)
        keys = page.locator("#grid tbody td:last-child").all_text_contents()
        expected = cli_rows(
            cli,
            db,
            f"SELECT event_key FROM events ORDER BY time, source_file, source_row LIMIT {len(keys)} OFFSET 20100",
        )
        assert keys == [row[0] for row in expected] and len(keys) > 10
        assert served.settings.marks.built == 1 and served.settings.marks.reused >= 1  # the jump used them
        context.close()


def test_hidden_columns_stay_hidden_after_a_reload(page) -> None:
    run_query(page, FAILED_LOGINS)
    page.click("#pick-columns")
    page.uncheck("#picker input[data-column='vendor']")
    page.uncheck("#picker input[data-column='source_ip']")
    shown = ["time", "action", "category", "outcome", "actor_name", "target_name"]
    assert page.locator("#grid thead th:not(.rownum)").all_text_contents() == shown
    assert grid(page)[0][:2] == ["2025-11-20T07:41:19.902Z", "LOGIN_FAILED"]
    page.reload()
    run_query(page, FAILED_LOGINS)
    assert page.locator("#grid thead th:not(.rownum)").all_text_contents() == shown
    page.click("#pick-columns")
    assert not page.locator("#picker input[data-column='vendor']").is_checked()
    page.check("#picker input[data-column='vendor']")
    assert page.locator("#grid thead th:not(.rownum)").all_text_contents()[:2] == ["time", "vendor"]


def test_a_long_query_shows_its_progress_and_is_cancelled(page) -> None:
    page.fill("#query", SLOW)
    page.click("#run")
    expect(page.locator("#progress-text")).to_have_text(re.compile(r"^running… \d+% · \d+s$"), timeout=60_000)
    page.click("#cancel")
    expect(page.locator("#error")).to_have_text("error: query cancelled")
    expect(page.locator("#progress")).to_be_hidden()


# Each of the sample's 492 events 2,000 times: 984,000 rows, 23.6 million px of 24 px rows, past the grid's
# MAX_HEIGHT (15 million px, grid.js), so the scrollbar is scaled (a pixel is more than a row) and the wheel
# moves the view by rows itself. Row n (1-based) is event (n-1) // 2000 in the CLI's order, copy (n-1) % 2000.
COPIES = 2000
SCALED = (
    f"SELECT event_key AS event, unnest(range({COPIES})) AS copy FROM events "
    "ORDER BY time, source_file, source_row, copy"
)


def shown_rows(page) -> list[tuple[int, str, str]]:
    """(row number, event, copy) of every row drawn, once none is still loading."""
    expect(page.locator("#grid td.loading")).to_have_count(0)
    numbers = [int(n.replace(",", "")) for n in page.locator("#grid tbody th.rownum").all_text_contents()]
    cells = grid(page)
    assert len(numbers) == len(cells)
    return [(n, c[0], c[1]) for n, c in zip(numbers, cells, strict=True)]


def drag_scrollbar(page, start: float, to: float) -> None:
    """Drag the grid's scrollbar thumb from `start` to `to` (fractions of its track), as a user does."""
    box = page.locator("#scroller").bounding_box()
    x = box["x"] + box["width"] - 6  # inside the vertical scrollbar
    track = box["height"] - 40  # less the arrow buttons and the thumb's own half-length
    page.mouse.move(x, box["y"] + 20 + start * track)
    page.mouse.down()
    page.mouse.move(x, box["y"] + 20 + to * track, steps=10)
    page.mouse.up()


@pytest.fixture
def page_with_scrollbars(playwright, served: Served) -> Iterator[object]:
    """A page in a Chromium that draws its scrollbars (Playwright's headless default hides them, and a
    hidden scrollbar cannot be dragged), with the same checks as `page`."""
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], ignore_default_args=["--hide-scrollbars"]
    )
    page = chromium.new_context(viewport={"width": 1400, "height": 900}).new_page()
    problems: list[str] = []
    # a 400: the timeline refused (this SQL result has no `time` nor `vendor`); the page shows none
    page.on(
        "console", lambda m: problems.append(m.text) if m.type == "error" and "status of 400" not in m.text else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(served.url)
    yield page
    chromium.close()
    assert problems == []  # no script error, no CSP violation


def test_the_scaled_scrollbar_and_the_wheel_show_each_rows_own_row(
    page_with_scrollbars, sample_db: Path, cli, shots: Path
) -> None:
    page = page_with_scrollbars
    keys = [
        r[0] for r in cli_rows(cli, sample_db, "SELECT event_key FROM events ORDER BY time, source_file, source_row")
    ]
    total = len(keys) * COPIES
    assert total == 984_000

    def expected(n: int) -> tuple[int, str, str]:
        return n, keys[(n - 1) // COPIES], str((n - 1) % COPIES)

    run_query(page, SCALED)
    status_starts(page, "rows 1–")
    expect(page.locator("#status")).to_contain_text(" of 984,000 ")
    rows = shown_rows(page)
    assert rows == [expected(n) for n in range(1, len(rows) + 1)]
    fit = len(rows) - 1  # the grid draws one row more than fits

    # the scrollbar dragged to the middle: the rows there, each its own (one pixel of thumb is ~1,700 rows)
    drag_scrollbar(page, 0, 0.5)
    middle = shown_rows(page)
    first = middle[0][0]
    assert 0.4 * total < first < 0.6 * total
    assert middle == [expected(n) for n in range(first, first + fit + 1)]
    page.screenshot(path=str(shots / "serve-scaled-middle.png"), clip={"x": 0, "y": 0, "width": 1400, "height": 900})

    # the wheel there moves by rows, not by scrollbar pixels: 3 notches of 96 px are 12 rows of 24 px (the
    # grid's CSS row height, which it keeps while the drawn rows are within half a pixel of it)
    box = page.locator("#scroller").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(3):
        page.mouse.wheel(0, 96)
    expect(page.locator("#grid tbody th.rownum").first).to_have_text(f"{first + 12:,}")
    assert shown_rows(page) == [expected(n) for n in range(first + 12, first + 12 + fit + 1)]
    status_starts(page, f"rows {first + 12:,}–{first + 11 + fit:,} of 984,000")

    # dragged to the end: the last rows, the last one number 984,000 with its own event and copy
    drag_scrollbar(page, 0.5, 1.5)
    expect(page.locator("#grid tbody th.rownum").last).to_have_text("984,000")
    end = shown_rows(page)
    assert end[-1] == (total, keys[-1], str(COPIES - 1))
    assert end == [expected(n) for n in range(total - len(end) + 1, total + 1)]
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, 480)  # past the end: the view stays
    expect(page.locator("#grid tbody th.rownum").last).to_have_text("984,000")
    for _ in range(2):
        page.mouse.wheel(0, -120)  # up by 240 px: 10 rows
    top = end[0][0] - 10
    expect(page.locator("#grid tbody th.rownum").first).to_have_text(f"{top:,}")
    assert shown_rows(page) == [expected(n) for n in range(top, top + fit + 1)]
    page.screenshot(path=str(shots / "serve-scaled-end.png"), clip={"x": 0, "y": 0, "width": 1400, "height": 900})
    print("screenshots:", shots / "serve-scaled-middle.png", shots / "serve-scaled-end.png")
