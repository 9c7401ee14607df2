"""Properties of the whole pipeline, checked by Hypothesis on files written here and ingested for real:

- export -> ingest round trip: vendor-shaped CSV and NDJSON holding arbitrary unicode text (written with
  Python's own csv/json writers) come back from a query exactly, `raw` included;
- ingest is idempotent (a second ingest adds nothing) and independent of file order;
- the dedup rule: for each event the archive holds the largest number of copies found in any one file;
- corrupted CSV/NDJSON (flipped bytes, truncation) never raises, and read = added + duplicates + rejected;
- safe_text never lets a control character through.

Examples are bounded by the "ci" profile (about a minute on two cores); set AUDITQL_HYPOTHESIS=thorough
for a longer run. Each example builds its archives in its own temporary folder.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import BIDI
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from auditql import api
from auditql.ingest.run import Report, ingest
from auditql.output import safe_text

# "ci": bounded and derandomized, so the suite is stable and quick; "thorough" explores at random.
settings.register_profile(
    "ci", max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PROFILE = settings.get_profile(os.environ.get("AUDITQL_HYPOTHESIS", "ci"))

RESOLVER_HEADER = ["Date and Time", "Subject", "Event", "Performed By", "Subject Type", "Previous Value"]
BASE = datetime(2025, 3, 1, tzinfo=UTC)

# Any character but surrogates (not encodable as UTF-8): NUL, CR, C1, bidi controls and U+2028 included.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)


@contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="auditql-prop-") as tmp:
        yield Path(tmp)


def resolver_row(seconds: int, texts: tuple[str, ...]) -> dict[str, str]:
    when = (BASE + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")
    return dict(zip(RESOLVER_HEADER, [when, *texts], strict=True))


RESOLVER_ROWS = st.builds(resolver_row, st.integers(0, 86_400 * 30), st.tuples(*[TEXT] * 5))


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=RESOLVER_HEADER)  # Python's default dialect: CRLF, minimal quoting
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_ndjson(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def events(db: Path) -> list[dict]:
    """Every stored event through the query API (the same path users take), `raw` parsed."""
    result = api.query(db, "SELECT event_key, time, vendor, action, actor_name, target_name, raw FROM events")
    rows = result.dicts()  # JSON columns arrive parsed
    assert all(isinstance(row["raw"], dict) for row in rows)
    return rows


def accounting_holds(report: Report) -> None:
    for f in report.files:
        assert f.read == f.added + f.duplicates + f.rejected, f
        assert min(f.read, f.added, f.duplicates, f.rejected) >= 0, f


def blank_is_null(text: str) -> str | None:
    return text if text != "" else None


# --- round trip --------------------------------------------------------------------------------------------
@settings(PROFILE)
@given(rows=st.lists(RESOLVER_ROWS, min_size=1, max_size=6))
def test_csv_round_trip_is_exact(rows: list[dict[str, str]]) -> None:
    with workdir() as tmp:
        report = ingest([write_csv(tmp / "export.csv", rows)], tmp / "a.duckdb")
        accounting_holds(report)
        assert [(f.read, f.rejected, f.error) for f in report.files] == [(len(rows), 0, None)]
        got = events(tmp / "a.duckdb")
    assert Counter(json.dumps(e["raw"], sort_keys=True) for e in got) == Counter(
        json.dumps(r, sort_keys=True) for r in rows
    )
    expected = Counter(
        (r["Date and Time"], blank_is_null(r["Event"]), blank_is_null(r["Performed By"]), blank_is_null(r["Subject"]))
        for r in rows
    )
    assert (
        Counter((e["time"].replace("T", " ")[:19], e["action"], e["actor_name"], e["target_name"]) for e in got)
        == expected
    )
    assert all(e["time"].endswith("Z") and e["vendor"] == "resolver" for e in got)


def test_csv_carriage_return_survives(tmp_path: Path) -> None:
    """Found by the round trip: a CR inside a quoted value (Python's writer ends rows with CRLF) was read as
    LF, the file being taken for one with mixed line endings."""
    row = resolver_row(0, ("s\rx", "Update User", "Alex", "User", "a\r\nb"))
    ingest([write_csv(tmp_path / "export.csv", [row])], tmp_path / "a.duckdb")
    assert [e["raw"] for e in events(tmp_path / "a.duckdb")] == [row]


def test_csv_lone_nul_cell_survives(tmp_path: Path) -> None:
    """Found by the round trip: a cell that is exactly NUL was stored as JSON null (the reader's nullstr)."""
    row = resolver_row(0, ("\x00", "Update User", "Alex", "User", "x\x00y"))
    ingest([write_csv(tmp_path / "export.csv", [row])], tmp_path / "a.duckdb")
    assert [e["raw"] for e in events(tmp_path / "a.duckdb")] == [row]


def gigya_record(i: int, endpoint: str, login: str, note: str, seconds: int) -> dict:
    when = (BASE + timedelta(seconds=seconds)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"callID": f"call-{i}", "endpoint": endpoint, "timestamp": when, "errCode": "0",
            "params": {"loginID": login}, "note": note}  # fmt: skip


@settings(PROFILE)
@given(
    fields=st.lists(st.tuples(TEXT, TEXT, TEXT, st.integers(0, 86_400 * 30)), min_size=1, max_size=6),
    ascii_only=st.booleans(),
)
def test_ndjson_round_trip_is_exact(fields: list[tuple[str, str, str, int]], ascii_only: bool) -> None:
    records = [gigya_record(i, *f) for i, f in enumerate(fields)]
    with workdir() as tmp:
        path = tmp / "audit.ndjson"
        path.write_text("".join(json.dumps(r, ensure_ascii=ascii_only) + "\n" for r in records), encoding="utf-8")
        report = ingest([path], tmp / "a.duckdb")
        accounting_holds(report)
        assert [(f.read, f.added, f.rejected, f.error) for f in report.files] == [(len(records), len(records), 0, None)]
        got = sorted(events(tmp / "a.duckdb"), key=lambda e: int(e["raw"]["callID"].split("-")[1]))
    assert [e["raw"] for e in got] == records
    assert [(e["action"], e["actor_name"]) for e in got] == [
        (blank_is_null(r["endpoint"]), blank_is_null(r["params"]["loginID"])) for r in records
    ]
    assert [e["time"] for e in got] == [r["timestamp"] for r in records]


# --- idempotence, order, dedup -----------------------------------------------------------------------------
POOL = st.lists(RESOLVER_ROWS, min_size=1, max_size=4, unique_by=lambda r: json.dumps(r, sort_keys=True))


@st.composite
def exports(draw: st.DrawFn) -> tuple[list[dict[str, str]], list[list[int]]]:
    """A pool of distinct records and 1-4 files, each a list of pool indices (repeats allowed)."""
    pool = draw(POOL)
    files = draw(st.lists(st.lists(st.integers(0, len(pool) - 1), max_size=5), min_size=1, max_size=4))
    return pool, files


def write_exports(tmp: Path, pool: list[dict[str, str]], files: list[list[int]]) -> list[Path]:
    return [write_csv(tmp / f"export_{n}.csv", [pool[i] for i in picks]) for n, picks in enumerate(files)]


def raw_multiset(db: Path) -> Counter[str]:
    return Counter(json.dumps(e["raw"], sort_keys=True) for e in events(db))


@settings(PROFILE)
@given(data=exports())
def test_dedup_keeps_the_most_copies_seen_in_any_one_file(data: tuple[list[dict[str, str]], list[list[int]]]) -> None:
    pool, files = data
    assume(any(files))
    with workdir() as tmp:
        report = ingest(write_exports(tmp, pool, files), tmp / "a.duckdb")
        accounting_holds(report)
        got = raw_multiset(tmp / "a.duckdb")
    expected = Counter({json.dumps(pool[i], sort_keys=True): max(f.count(i) for f in files) for f in files for i in f})
    assert got == expected
    assert sum(f.added for f in report.files) == sum(expected.values())
    assert [f.read for f in report.files] == [len(f) for f in files]


@settings(PROFILE, max_examples=max(PROFILE.max_examples // 2, 5))
@given(data=exports(), order=st.randoms(use_true_random=False))
def test_ingest_is_idempotent_and_order_independent(data: tuple[list[dict[str, str]], list[list[int]]], order) -> None:
    pool, files = data
    assume(any(files))
    with workdir() as tmp:
        paths = write_exports(tmp, pool, files)
        first = ingest(paths, tmp / "a.duckdb")
        again = ingest(paths, tmp / "a.duckdb")
        shuffled = list(paths)
        order.shuffle(shuffled)
        other = ingest(shuffled, tmp / "b.duckdb")
        for report in (first, again, other):
            accounting_holds(report)
        assert [f.added for f in again.files] == [0] * len(paths)
        a, b = raw_multiset(tmp / "a.duckdb"), raw_multiset(tmp / "b.duckdb")
        keys_a = sorted(e["event_key"] for e in events(tmp / "a.duckdb"))
        keys_b = sorted(e["event_key"] for e in events(tmp / "b.duckdb"))
    assert a == b and keys_a == keys_b
    assert sum(f.added for f in first.files) == sum(f.added for f in other.files) == sum(a.values())


# --- corrupted files ---------------------------------------------------------------------------------------
@st.composite
def corrupted(draw: st.DrawFn) -> tuple[str, bytes]:
    """A valid small CSV or NDJSON export, then flipped bytes, inserted bytes and/or a truncation."""
    kind = draw(st.sampled_from(["csv", "ndjson"]))
    with workdir() as tmp:
        if kind == "csv":
            rows = draw(st.lists(RESOLVER_ROWS, min_size=1, max_size=5))
            data = write_csv(tmp / "x.csv", rows).read_bytes()
        else:
            fields = draw(st.lists(st.tuples(TEXT, TEXT, TEXT, st.integers(0, 1000)), min_size=1, max_size=5))
            data = write_ndjson(tmp / "x.ndjson", [gigya_record(i, *f) for i, f in enumerate(fields)]).read_bytes()
    buf = bytearray(data)
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(buf) - 1))
        if draw(st.booleans()):
            buf[at] = draw(st.integers(0, 255))
        else:
            buf[at:at] = draw(st.binary(min_size=1, max_size=4))
    if draw(st.booleans()):
        buf = buf[: draw(st.integers(0, len(buf)))]
    return kind, bytes(buf)


@settings(PROFILE, max_examples=PROFILE.max_examples * 2)
@given(case=corrupted())
def test_corrupted_exports_keep_exact_accounting(case: tuple[str, bytes]) -> None:
    kind, data = case
    with workdir() as tmp:
        path = tmp / f"export.{kind}"
        path.write_bytes(data)
        db = tmp / "a.duckdb"
        report = ingest([path], db)  # must return a report, never raise
        accounting_holds(report)
        (f,) = report.files
        if f.error is not None:
            assert (f.added, f.duplicates) == (0, 0) and f.error.startswith(str(path.resolve()))
        if db.exists():
            stored = api.query(db, "SELECT count(*) AS n FROM events").rows[0][0]
            assert stored == f.added


def test_corrupted_export_through_the_cli_is_one_line_per_problem(cli, tmp_path: Path) -> None:
    rows = [resolver_row(i, ("s", "Update User", "Alex", "User", "p")) for i in range(5)]
    data = write_csv(tmp_path / "x.csv", rows).read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(data[: len(data) - 7] + b'"\xff\xfe')  # a torn last row with an open quote and bad UTF-8
    result = cli("ingest", "--db", tmp_path / "a.duckdb", bad)
    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.stderr
    total = result.stdout.splitlines()[-1].split()
    assert total[0] == "total"
    read, added, duplicates, rejected = map(int, total[1:5])
    assert read == added + duplicates + rejected and added >= 4


# --- safe_text -----------------------------------------------------------------------------------------------


def is_unsafe(ch: str, keep_newlines: bool) -> bool:
    if keep_newlines and ch in "\n\t":
        return False
    return unicodedata.category(ch) in ("Cc", "Cs") or ch in BIDI


@settings(PROFILE, max_examples=PROFILE.max_examples * 25)
@given(text=st.text(st.characters()), keep_newlines=st.booleans())
def test_safe_text_never_emits_control_characters(text: str, keep_newlines: bool) -> None:
    shown = safe_text(text, keep_newlines=keep_newlines)
    assert not [ch for ch in shown if is_unsafe(ch, keep_newlines)]
    shown.encode("utf-8")  # always printable: no lone surrogates
    if not any(is_unsafe(ch, keep_newlines) or ch in "\n\t" for ch in text):
        assert shown == text  # harmless text is shown as is
