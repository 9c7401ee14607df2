"""Mappings are validated data: a typo is an error naming the file, the line and the nearest valid key; every
built-in mapping carries samples that the real ingest turns into exactly the rows they expect; and
`auditql vendors --check` does both for a user's own file."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, run_auditql

from auditql.dryrun.mapping_check import run_samples
from auditql.ingest.run import ingest
from auditql.vendors import BUILT_IN, load_registry
from auditql.vendors.mapping import FIELD_COLUMNS, PRECISIONS, MappingError, Sample, load_mapping, parse_mapping
from auditql.vendors.schema import MAPPING, Lines, Table, Value

GOOD = """\
# A sign-in log of our own.
name = "acme_sso"
title = "ACME SSO sign-in log"

[detect]
require = [["signin_at"], ["principal_name"]]

[columns]
time = ["signin_at"]
actor_name = ["principal_name"]
action = ["result"]
source_ip = ["client_addr"]

[[category]]
when = "action"
like = ["%"]
then = "login"

[[outcome]]
when = "action"
like = ["DENIED"]
then = "failure"

[[sample]]
format = "csv"
expect = { time = "2025-05-05T05:05:05.000Z", actor_name = "Alex Example", category = "login", outcome = "failure" }
[sample.record]
signin_at = "2025-05-05T05:05:05Z"
principal_name = "Alex Example"
result = "DENIED"
client_addr = "192.0.2.7"
"""


def problems(text: str, origin: str = "my.toml") -> list[str]:
    with pytest.raises(MappingError) as info:
        parse_mapping(text, origin)
    return info.value.problems


def test_the_good_mapping_loads() -> None:
    m = parse_mapping(GOOD, "my.toml")
    assert (m.name, m.require, m.columns["time"]) == ("acme_sso", (("signin_at",), ("principal_name",)), ("signin_at",))
    assert [r.then for r in m.rules["outcome"]] == ["failure"]


def test_a_typod_key_names_file_line_and_the_nearest_key() -> None:
    assert problems(GOOD.replace("require =", "requires =")) == [
        "my.toml:6: unknown key 'requires' in [detect]; did you mean 'require'?"
    ]


def test_a_typod_table_names_its_header_line_and_the_nearest_table() -> None:
    assert problems(GOOD.replace("[[outcome]]", "[[outcom]]")) == [
        "my.toml:19: unknown table [[outcom]]; did you mean [[outcome]]?"
    ]
    assert problems(GOOD.replace("[detect]", "[detection]")) == [
        "my.toml:5: unknown table [detection]; did you mean [detect]?"
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('title = "ACME', 'titel = "ACME', "my.toml:3: unknown key 'titel'; did you mean 'title'?"),
        ("actor_name = [", "actor = [", "my.toml:10: unknown key 'actor' in [columns]; did you mean 'actor_id'?"),
        ('then = "login"', 'thne = "login"', "my.toml:17: unknown key 'thne' in [[category]] #1; did you mean 'then'?"),
        ("expect = { time", "expect = { tmie", "my.toml:26: unknown key 'tmie' in [[sample]] #1 expect; did you mean"),
        # the errors there were before the schema now carry their line too
        ('then = "login"', 'then = "signin"', "my.toml:17: [[category]] #1 then: 'signin' is not a category. Try one"),
        ('action = ["result"]', "action = 5", "my.toml:11: columns.action must be a string or an array of strings"),
        ('like = ["DENIED"]', "like = [1]", "my.toml:21: [[outcome]] #1 like must be a string or an array of strings"),
        ('format = "csv"', 'format = "xml"', "my.toml:25: [[sample]] #1 format: 'xml' is not a sample format. Try"),
        ('name = "acme_sso"', 'name = "Acme SSO"', "my.toml:2: `name` must be a lower-case identifier"),
        ('when = "action"\nlike = ["DENIED"]', 'field = "result"\nwhen = "action"\nlike = ["DENIED"]',
         "my.toml:19: [[outcome]] #1 needs exactly one of `when` (a canonical column) or `field`"),
        ('time = ["signin_at"]\n', "", "my.toml:8: missing 'time' in [columns]"),
        ("[[sample]]\nformat", "[[sample]]\nformat = 1\nformat", "my.toml:26: Cannot overwrite a value (column 15)"),
        ("[columns]", '[identity]\ncontent = ["time"]\ntwins = "no"\n\n[columns]',
         "my.toml:10: identity.twins must be true or false"),
        ("[columns]", '[identity]\ncontent = ["time"]\ntwins = false\n\n[columns]',
         "my.toml:10: identity.twins = false needs an id: map `event_id` in [columns]"),
    ],
)  # fmt: skip
def test_every_problem_names_its_line(old: str, new: str, expected: str) -> None:
    assert old in GOOD
    found = problems(GOOD.replace(old, new, 1))
    assert len(found) == 1 and found[0].startswith(expected), found


def test_all_problems_are_reported_at_once_in_line_order() -> None:
    text = GOOD.replace("require =", "requires =").replace("[[outcome]]", "[[outcom]]").replace("titl", "titel")
    assert [p.split(": ", 1)[0] for p in problems(text)] == ["my.toml:3", "my.toml:6", "my.toml:19"]


def test_no_close_key_lists_the_valid_ones() -> None:
    assert problems(GOOD.replace("[detect]", "[detect]\nzzz = 1")) == [
        "my.toml:6: unknown key 'zzz' in [detect]. Try one of: require"
    ]


def test_lines_are_found_by_table_not_by_text() -> None:
    text = """\
name = "x"
words = \"\"\"
[detect]
require = 1
\"\"\"
[detect]
require = [
  ["[columns]"],
  ["time = 1"],
]
[[sample]]
format = "csv"
[[sample]]
format = "json"
[sample.expect]
time = "2025-01-01"
"""
    lines = Lines(text)
    assert lines.line(("words",)) == 2
    assert lines.line(("detect",)) == 6 and lines.line(("detect", "require")) == 7
    assert lines.line(("columns",)) is None
    assert lines.line(("sample", 1, "format")) == 14
    assert lines.line(("sample", 1, "expect", "time")) == 16
    assert lines.line(("sample", 1, "expect", "outcome")) == 15  # not there: its table
    assert lines.line(("sample",)) == 11


def test_a_typo_in_a_user_mapping_stops_ingest_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "acme.toml"
    bad.write_text(GOOD.replace("require =", "requires ="))
    f = tmp_path / "signins.csv"
    f.write_text("signin_at,principal_name,result\n2025-05-05T05:05:05Z,Alex Example,DENIED\n")
    result = run_auditql("ingest", "--db", tmp_path / "a.duckdb", "--mapping", bad, f)
    assert result.returncode == 2
    assert f"{bad}:6: unknown key 'requires' in [detect]; did you mean 'require'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_schema_agrees_with_the_mapping_reader() -> None:
    columns = MAPPING.keys["columns"] if MAPPING.keys else None
    assert isinstance(columns, Table) and columns.keys is not None
    assert tuple(columns.keys) == FIELD_COLUMNS
    identity = MAPPING.keys["identity"] if MAPPING.keys else None
    assert isinstance(identity, Table) and identity.keys is not None
    precision = identity.keys["precision"]
    assert isinstance(precision, Value) and precision.choices == tuple(PRECISIONS)


def _schema_keys(table: Table) -> list[str]:
    """Every key and table of the schema as the docs write it: `key`, [table] (or [[table]])."""
    out = []
    for name, spec in (table.keys or {}).items():
        out.append(f"[{name}]" if isinstance(spec, Table) and table is MAPPING else f"`{name}`")
        if isinstance(spec, Table):
            out += _schema_keys(spec)
    return out


def test_docs_describe_every_key_of_the_schema() -> None:
    docs = (ROOT / "docs" / "mappings.md").read_text()
    assert [k for k in _schema_keys(MAPPING) if k not in docs] == []
    assert "docs/mappings.md" in (ROOT / "README.md").read_text()


def test_the_docs_example_mapping_is_valid_and_its_sample_passes(tmp_path: Path) -> None:
    docs = (ROOT / "docs" / "mappings.md").read_text()
    example = tmp_path / "acme_sso.toml"
    example.write_text(docs.split("## An example", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0])
    results = run_samples(load_mapping(example), [example])
    assert results and all(c.ok for c in results), results


# ---------------------------------------------------------------- the built-in mappings and their samples
def built_in_samples() -> list[tuple[str, int, Sample]]:
    registry = load_registry()
    return [
        (name, n, s)
        for name in BUILT_IN
        for n, s in enumerate(registry[name].extras["samples"], 1)  # type: ignore[arg-type]
    ]


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_built_in_mapping_validates_and_carries_samples(name: str) -> None:
    text = (resources.files("auditql.vendors") / f"{name}.toml").read_text(encoding="utf-8")
    samples = parse_mapping(text, f"{name}.toml").extras["samples"]
    assert isinstance(samples, tuple) and 1 <= len(samples) <= 3
    assert all(s.expect for s in samples)


def _write(sample: Sample, folder: Path) -> Path:
    """Independently of mapping_check: JSON one record per line, CSV a header and a row."""
    if sample.format == "json":
        path = folder / "sample.json"
        path.write_text(json.dumps(sample.record) + "\n")
        return path
    path = folder / "sample.csv"
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([list(sample.record), [str(v) for v in sample.record.values()]])
    return path


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return "" if value is None else str(value)


def _instant(text: str) -> datetime:
    t = datetime.fromisoformat(text)
    return t if t.tzinfo else t.replace(tzinfo=UTC)


@pytest.mark.parametrize(("name", "n", "sample"), built_in_samples(), ids=lambda v: v if isinstance(v, str) else "")
def test_each_built_in_sample_becomes_what_it_expects(name: str, n: int, sample: Sample, tmp_path: Path) -> None:
    db = tmp_path / "sample.duckdb"
    report = ingest([_write(sample, tmp_path)], db, vendor=name)
    reasons = [r["reason"] for r in report.files[0].rejects]
    if "rejected" in sample.expect:
        assert len(reasons) == 1 and reasons[0].startswith(str(sample.expect["rejected"])), reasons
        return
    assert report.ok and report.files[0].added == 1, (report.files[0].error, reasons)
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute("SELECT * EXCLUDE (raw) FROM events")
        row = dict(zip([d[0] for d in cur.description], cur.fetchone() or (), strict=True))
    finally:
        con.close()
    assert row["vendor"] == name
    for column, want in sample.expect.items():
        got = _iso(row[column])
        if column == "time":
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", got) and _instant(got) == _instant(str(want))
        else:
            assert got == str(want), (column, got, want)


def test_the_checker_agrees_with_the_samples_and_catches_a_wrong_expectation(tmp_path: Path) -> None:
    registry = load_registry()
    assert all(c.ok for name in BUILT_IN for c in run_samples(registry[name]))
    mine = tmp_path / "mine.toml"
    mine.write_text(GOOD.replace('outcome = "failure" }', 'outcome = "success" }'))
    results = run_samples(load_mapping(mine), [mine])
    assert [(c.column, c.got, c.expected) for c in results if not c.ok] == [("outcome", "failure", "success")]


# ---------------------------------------------------------------- auditql vendors --check, as a user runs it
def test_check_a_good_mapping(tmp_path: Path) -> None:
    mine = tmp_path / "acme.toml"
    mine.write_text(GOOD)
    result = run_auditql("vendors", "--check", mine)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{mine}: valid mapping 'acme_sso', 1 sample(s)"
    assert lines[1].split() == ["sample", "column", "got", "expected", "result"]
    assert [line.split()[-1] for line in lines[3:]] == ["PASS"] * 4
    assert "1 of 1 sample(s) passed" in result.stderr


def test_check_a_mapping_with_a_typo(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace("require =", "requires =").replace("[[outcome]]", "[[outcom]]"))
    result = run_auditql("vendors", "--check", bad)
    assert result.returncode == 2
    assert result.stdout.splitlines() == [
        f"{bad}:6: unknown key 'requires' in [detect]; did you mean 'require'?",
        f"{bad}:19: unknown table [[outcom]]; did you mean [[outcome]]?",
    ]
    assert "Traceback" not in result.stderr and "2 problem(s)" in result.stderr


def test_check_a_sample_that_fails(tmp_path: Path) -> None:
    mine = tmp_path / "acme.toml"
    mine.write_text(GOOD.replace('category = "login"', 'category = "logout"'))
    result = run_auditql("vendors", "--format", "json", "--check", mine)
    assert result.returncode == 1, result.stderr
    got = json.loads(result.stdout)
    assert got["valid"] is True
    failed = [r for r in got["results"] if not r["ok"]]
    assert failed == [
        {"sample": 1, "line": 24, "column": "category", "got": "login", "expected": "logout", "ok": False}
    ]
