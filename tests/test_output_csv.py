"""CSV output formats whole columns and writes rows in batches (an export of 17,000 audit rows is most of
a one-shot query's time); the text must stay exactly what formatting each cell with `csv_cell` and writing
each row on its own gives, for every kind of value, including CRs and CRLFs inside values."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditql import output
from auditql.output import Table, csv_cell, iso_time, render_text

# Derandomized unless AUDITQL_HYPOTHESIS=thorough: the suite must not fail on a new random example
# (run the thorough profile to explore; a find becomes an @example or a named case).
STABLE = os.environ.get("AUDITQL_HYPOTHESIS", "ci") != "thorough"


def one_cell_at_a_time(t: Table, raw_csv: bool) -> str:
    """The definition: csv_cell per cell, each row written with CRLF (which quotes CR and LF) then LF."""
    out = []
    for row in [t.columns, *t.rows]:
        types = [""] * len(t.columns) if row is t.columns else t.types
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow(
            [csv_cell(v, ty, raw_csv=raw_csv) for v, ty in zip(row, types, strict=True)]
        )
        out.append(buf.getvalue()[:-2] + "\n")
    return "".join(out)


TEXT = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["", "=1+2", "+x", "-5", "@SUM(A1)", "\tx", "\rx", "a\r\nb", "a\rb", "a\nb", 'say "hi"', "é,ü"]),
)
TIMES = st.one_of(
    st.none(),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)),
    st.datetimes(timezones=st.just(timezone(timedelta(hours=5, minutes=30)))),
)
JSON_TEXT = st.one_of(
    st.none(),
    st.sampled_from(
        [
            '{"a":1,"b":[true,null,"x"]}',
            '{"a": 1}',  # not compact: written compact
            '{"a":1,"a":2}',  # repeated key: Python keeps the last
            '{"a":1.50,"b":1e5,"c":-0}',
            '{"k":"\\u00e9\\n"}',
            '{"k":"\u0085\u202e"}',  # C1 and bidi characters: \\u-escaped
            '{"broken":',
            "[1,2]",
            '"just a string"',
            "=1+2",
            "null",
        ]
    ),
    st.dictionaries(st.text(max_size=4), st.one_of(st.integers(), st.text(max_size=6), st.none()), max_size=4).map(
        lambda d: json.dumps(d, separators=(",", ":"), ensure_ascii=False)
    ),
)
COLUMNS: dict[str, Any] = {
    "VARCHAR": TEXT,
    "TIMESTAMP WITH TIME ZONE": TIMES,
    "JSON": JSON_TEXT,
    "BIGINT": st.one_of(st.none(), st.integers()),
    "DOUBLE": st.one_of(st.none(), st.floats()),
    "BOOLEAN": st.one_of(st.none(), st.booleans()),
    "DECIMAL(10,2)": st.one_of(st.none(), st.decimals(places=2, allow_nan=False, min_value=-1000, max_value=1000)),
    "DATE": st.one_of(st.none(), st.dates()),
}


@st.composite
def tables(draw: st.DrawFn) -> Table:
    types = draw(st.lists(st.sampled_from(sorted(COLUMNS)), min_size=1, max_size=5))
    rows = draw(st.lists(st.tuples(*(COLUMNS[ty] for ty in types)), max_size=12))
    return Table([f"c{i}" for i in range(len(types))], types, rows)


@settings(max_examples=300, deadline=None, derandomize=STABLE)
@given(t=tables(), raw_csv=st.booleans(), batch=st.sampled_from([1, 3, 2048]))
def test_csv_is_what_formatting_each_cell_gives(t: Table, raw_csv: bool, batch: int) -> None:
    previous, output.CSV_BATCH_ROWS = output.CSV_BATCH_ROWS, batch
    try:
        assert render_text(t, "csv", raw_csv=raw_csv, terminal=False) == one_cell_at_a_time(t, raw_csv)
    finally:
        output.CSV_BATCH_ROWS = previous


def test_a_crlf_inside_a_value_stays_quoted_and_rows_end_in_lf() -> None:
    t = Table(["v", "n"], ["VARCHAR", "BIGINT"], [("a\r\nb", 1), ("c\rd", 2), ("=e", None)])
    assert render_text(t, "csv", terminal=False) == 'v,n\n"a\r\nb",1\n"c\rd",2\n\'=e,\n'
    assert render_text(t, "csv", terminal=False, raw_csv=True) == 'v,n\n"a\r\nb",1\n"c\rd",2\n=e,\n'


def test_json_cells_are_compact_and_escaped() -> None:
    t = Table(["raw"], ["JSON"], [('{"a": 1, "a": 2}',), ('{"k":"\u202e"}',), ("{oops",), (None,)])
    assert render_text(t, "csv", terminal=False) == 'raw\n"{""a"":2}"\n"{""k"":""\\u202e""}"\n{oops\n""\n'


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2025, 3, 1, 10, 0, 0, 123999, tzinfo=UTC), "2025-03-01T10:00:00.123Z"),
        (datetime(2025, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))), "2025-03-01T10:00:00.000Z"),
        (datetime(999, 1, 2, tzinfo=UTC), "0999-01-02T00:00:00.000Z"),
        (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00.000Z"),  # Go's zero time, in real exports
        (datetime(45, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=-3))), "0045-06-07T11:09:00.000Z"),
        (datetime(2025, 3, 1, 10, 0), "2025-03-01T10:00:00.000Z"),
    ],
)
def test_iso_time(value: datetime, text: str) -> None:
    assert iso_time(value) == text


def test_decimal_and_date_columns_go_through_csv_cell() -> None:
    t = Table(["d", "day"], ["DECIMAL(10,2)", "DATE"], [(Decimal("2.50"), date(2025, 3, 1)), (Decimal("3.00"), None)])
    assert render_text(t, "csv", terminal=False) == "d,day\n2.5,2025-03-01\n3,\n"


def test_a_time_whose_utc_instant_leaves_years_1_to_9999_is_written_not_an_error() -> None:
    """Found by Hypothesis: 0001-01-01T01:00+05:00 is 0000-12-31T20:00Z, which Python cannot hold."""
    from datetime import datetime, timedelta, timezone

    east, west = timezone(timedelta(hours=5)), timezone(timedelta(hours=-5))
    assert iso_time(datetime(1, 1, 1, 1, 0, tzinfo=east)) == "0000-12-31T20:00:00.000Z"
    assert iso_time(datetime(9999, 12, 31, 23, 0, 0, 5000, tzinfo=west)) == "10000-01-01T04:00:00.005Z"
    assert iso_time(datetime(2025, 1, 1, 1, 0, tzinfo=east)) == "2024-12-31T20:00:00.000Z"
