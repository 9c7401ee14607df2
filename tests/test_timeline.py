"""`auditql timeline` and the REPL's `.timeline` (issue 16): a real time axis with its empty buckets, split
by vendor, a coarser bucket when the asked one is too fine (and the output says so), and an SVG image.
Counts are the sample archive's (tests/data/samples_expected.json): 6 sap_cdc events in August 2015, the
other 486 in 2025."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import ROOT
from conftest import repl_output as run

from auditql.frontend.timeline import parse_interval
from auditql.repl.session import Session

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def eighty_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bars are as wide as the terminal allows (up to 40 characters at 80 columns): pin the width."""
    monkeypatch.setenv("COLUMNS", "80")


def test_years_between_2015_and_2025_are_shown_empty(cli, sample_db: Path) -> None:
    result = cli("timeline", "--db", sample_db, "--by", "year")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "interval 1 year, 492 events"
    assert [line.split()[:2] for line in lines[1:]] == [
        [f"{year}-01-01T00:00:00.000Z", str({2015: 6, 2025: 486}.get(year, 0))] for year in range(2015, 2026)
    ]
    assert lines[-1].endswith("█" * 40) and lines[2].endswith("  0")


def test_a_bucket_too_fine_for_the_span_is_made_coarser_and_said(cli, sample_db: Path) -> None:
    result = cli("timeline", "--db", sample_db, "--by", "day")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "interval 1 month, 492 events (1 day would make 3,751 buckets over this span: counted per 1 month)"
    )
    assert len(lines) - 1 == 124  # August 2015 to November 2025, every month
    assert lines[1].startswith("2015-08-01T00:00:00.000Z    6") and lines[2].startswith("2015-09-01T00:00:00.000Z    0")


def test_split_by_vendor_as_rows(cli, sample_db: Path, expected: dict) -> None:
    result = cli("timeline", "--db", sample_db, "--by", "year", "--split", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    vendors = sorted(expected["vendors"])
    assert rows[0] == ["bucket", "events", *vendors]
    assert rows[1] == ["2015-01-01T00:00:00.000Z", "6", *("6" if v == "sap_cdc" else "0" for v in vendors)]
    assert rows[2] == ["2016-01-01T00:00:00.000Z", "0", *["0"] * len(vendors)]
    in_2025 = {v: expected["vendors"][v]["unique_events"] - (6 if v == "sap_cdc" else 0) for v in vendors}
    assert rows[-1] == ["2025-01-01T00:00:00.000Z", "486", *(str(in_2025[v]) for v in vendors)]
    assert len(rows) == 1 + 11


def test_split_bars_stack_one_glyph_per_vendor_with_a_legend(cli, sample_db: Path) -> None:
    result = cli("timeline", "--db", sample_db, "category = 'login'", "--by", "day", "--since", "2025-11-20",
                 "--split")  # fmt: skip
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "interval 1 day, 29 events"
    assert lines[1] == "█ adobe_cja  ▓ broadcom_portal  ▒ resolver  ░ sap_cdc"  # no sas_ci360 login since
    day = lines[2].split()
    assert day[:2] == ["2025-11-20T00:00:00.000Z", "22"] and len(day[2]) == 40
    assert day[2] == "████▓▓▓▓▓▓▓▒▒▒▒▒░░░░░░░░░░░░░░░░░░░░░░░░"


def test_svg_image_has_every_bucket_and_escapes_the_query(cli, sample_db: Path, tmp_path: Path) -> None:
    image = tmp_path / "events.svg"
    query = "message <> '<script>' OR TRUE"
    result = cli("timeline", "--db", sample_db, query, "--by", "year", "--split", "--svg", image)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == f"11 buckets of 1 year, 492 events → {image}"
    assert result.stdout.startswith("interval 1 year, 492 events")
    root = ET.parse(image).getroot()  # well-formed XML: the query's `<script>` is escaped
    assert root.tag == f"{SVG}svg"
    tips = [t.text for t in root.iter(f"{SVG}title")]
    assert "2015-01-01T00:00:00.000Z: 6 events (sap_cdc)" in tips
    assert "2025-01-01T00:00:00.000Z: 131 events (sas_ci360)" in tips
    assert len(tips) == 1 + 5  # 2015: sap_cdc only; 2025: every vendor; the empty years draw nothing
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "events per 1 year: 492 events — message <> '<script>' OR TRUE" in texts
    assert {"2015", "2020", "2025"} <= set(texts) and "sap_cdc" in texts
    assert "<script>" not in image.read_text()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--by", "fortnight"], 2, "error: 'fortnight' is not an interval. Try one of: minute, hour, day, week, "
                                   "month, year, 15m, 6h, 2d"),
        (["SELECT vendor, count(*) AS n FROM events GROUP BY vendor"], 3,
         "error: the timeline needs a result with a `time` column"),
        (["SELECT time FROM events", "--split"], 3, "error: the timeline needs a result with `time` and `vendor` "
                                                   "columns"),
    ],
)  # fmt: skip
def test_mistakes_are_one_line(cli, sample_db: Path, args: list[str], code: int, message: str) -> None:
    result = cli("timeline", "--db", sample_db, *args)
    assert result.exit_code == code
    assert result.stderr.strip().splitlines() == [message]


def test_as_a_subprocess_into_a_pipe(sample_db: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "auditql", "timeline", "--db", str(sample_db), "--vendor", "resolver",
                           "--by", "month"], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "COLUMNS": "80"})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "interval 1 month, 99 events", "2025-10-01T00:00:00.000Z  23  ████████████",
        "2025-11-01T00:00:00.000Z  76  " + "█" * 40,
    ]  # fmt: skip
    assert done.stderr == ""


def test_repl_timeline_splits_and_draws(sample_db: Path, tmp_path: Path) -> None:
    session = Session(sample_db, out=io.StringIO(), pager=None)
    session.size = lambda: os.terminal_size((200, 50))  # type: ignore[method-assign]
    run(session, "vendor = 'sap_cdc'")
    lines = run(session, ".timeline year split").splitlines()
    assert lines[:2] == ["interval 1 year, 128 events", "█ sap_cdc"]
    assert [line.split()[:2] for line in lines[2:]] == [
        [f"{y}-01-01T00:00:00.000Z", str({2015: 6, 2025: 122}.get(y, 0))] for y in range(2015, 2026)
    ]
    image = tmp_path / "sap.svg"
    assert run(session, f".timeline year {image}") == f"11 buckets of 1 year, 128 events → {image}\n"
    assert ET.parse(image).getroot().tag == f"{SVG}svg"
    assert run(session, ".timeline day week").startswith("error: day week is not one interval")


def test_year_is_an_interval() -> None:
    assert parse_interval("year") == "1 year" and parse_interval("2d") == "2 days"
    with pytest.raises(Exception, match="is not an interval"):
        parse_interval("0d")


def test_since_and_until_set_the_axis(cli, sample_db: Path) -> None:
    result = cli("timeline", "--db", sample_db, "category = 'login' AND outcome = 'failure'", "--by", "day",
                 "--since", "2025-11-17", "--until", "2025-11-23")  # fmt: skip
    assert result.exit_code == 0
    assert [line.split()[:2] for line in result.stdout.splitlines()[1:]] == [
        ["2025-11-17T00:00:00.000Z", "0"], ["2025-11-18T00:00:00.000Z", "0"], ["2025-11-19T00:00:00.000Z", "1"],
        ["2025-11-20T00:00:00.000Z", "10"], ["2025-11-21T00:00:00.000Z", "1"], ["2025-11-22T00:00:00.000Z", "0"],
    ]  # fmt: skip
