"""Hostile Parquet: truncated, scrambled, fake and empty files."""

from __future__ import annotations

import io

from corpus.case import CLEAN, RECORDS, WHOLE_FILE, Case, Reject, one_file
from corpus.content import corrupt_parquet, parquet_bytes

TIME = "2025-06-01T10:00:00Z"


def parquet_cases() -> list[Case]:
    def pq(cid: str, title: str, content: bytes, outcome: str, *messages: str) -> Case:
        return Case(
            cid,
            "parquet",
            title,
            f"{cid}.parquet",
            WHOLE_FILE,
            outcome,
            1,
            0,
            messages=messages,
            files={f"{cid}.parquet": content},
        )

    return [
        pq(
            "parquet_truncated",
            "Parquet cut at 60%",
            parquet_bytes()[: len(parquet_bytes()) * 6 // 10],
            "refused: cannot read as Parquet, exit 1",
            "cannot read as Parquet",
        ),
        pq(
            "parquet_corrupted",
            "Parquet with its column data scrambled",
            corrupt_parquet(),
            "refused whole, exit 1",
            "cannot",
        ),
        pq(
            "parquet_magic_only",
            "PAR1 + garbage + PAR1",
            b"PAR1" + b"\x07" * 100 + b"PAR1",
            "refused: cannot read as Parquet, exit 1",
            "cannot read as Parquet",
        ),
        pq("parquet_zero_bytes", "0-byte .parquet", b"", "refused: empty file, exit 1", "empty file"),
    ]


def _table(columns: list) -> bytes:
    """Parquet bytes of a table given as (name, pyarrow array) pairs (names may repeat in any case)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(pa.Table.from_arrays([a for _, a in columns], names=[n for n, _ in columns]), out)
    return out.getvalue()


def _nested(depth: int, kind: str) -> bytes:
    """One record whose `x` is `depth` levels of lists or structs around an integer."""
    import pyarrow as pa

    t, v = pa.int64(), 1
    for _ in range(depth):
        t, v = (pa.list_(t), [v]) if kind == "list" else (pa.struct([("a", t)]), {"a": v})
    return _table([("time", pa.array([TIME])), ("x", pa.array([v], type=t))])


def _big_cell() -> bytes:
    import pyarrow as pa

    cells = pa.array([b"\0" * 200_000_000, b"small"], type=pa.binary())
    return _table([("time", pa.array([TIME, "2025-06-01T10:00:01Z"])), ("blob", cells)])


def _named(names: list[str], values: list[str]) -> bytes:
    import pyarrow as pa

    return _table([(n, pa.array([v])) for n, v in zip(names, values, strict=True)])


def shape_cases() -> list[Case]:
    """Issue #14: Parquet shapes that hung, crashed DuckDB or lost the file's own column names."""

    def pq(cid: str, title: str, content, policy: str, outcome: str, code: int, added: int, *rejects, **kw) -> Case:
        return one_file("parquet", cid, title, f"{cid}.parquet", content, policy, outcome, code, added, rejects, **kw)

    return [
        pq("parquet_lists_100_deep", "lists nested 100 deep (hung)", lambda: _nested(100, "list"), WHOLE_FILE,
           "refused at once, exit 1", 1, 0, messages=("nested",)),
        pq("parquet_structs_200_deep", "structs nested 200 deep (a DuckDB fatal error: exit 70)",
           lambda: _nested(200, "struct"), WHOLE_FILE, "refused at once, the archive intact, exit 1", 1, 0,
           messages=("nested",)),
        pq("parquet_structs_40_deep", "structs nested 40 deep", lambda: _nested(40, "struct"), WHOLE_FILE,
           "refused with the column named, exit 1", 1, 0, messages=("column 'x' is nested deeper than 32 levels",)),
        pq("parquet_lists_20_deep", "lists nested 20 deep (deep, but within the limit)",
           lambda: _nested(20, "list"), CLEAN, "stored, exit 0", 0, 1),
        pq("parquet_binary_200mb", "a 200 MB binary cell beside a small one (the file was refused)", _big_cell,
           RECORDS, "the big record rejected with its size, the other stored, exit 1", 1, 1,
           Reject(None, None, "record 1: column 'blob' holds a value of 200000000 bytes"),
           messages=("record 1: column 'blob' holds a value of 200000000 bytes",)),
        pq("parquet_reserved_names", "columns named raw, line, source_row, file_row_number, _aq_fields",
           lambda: _named(["time", "raw", "line", "source_row", "file_row_number", "_aq_fields"],
                          [TIME, "r", "7", "9", "f", "a"]),
           CLEAN, "stored, raw keeps every column and value, exit 0", 0, 1,
           checks=(("SELECT raw::VARCHAR, source_row FROM events WHERE vendor = 'generic'",
                    [('{"time":"2025-06-01T10:00:00Z","raw":"r","line":"7","source_row":"9",'
                      '"file_row_number":"f","_aq_fields":"a"}', 1)]),)),
        pq("parquet_case_twin_names", "columns `time` and `Time` (DuckDB renamed one Time_1)",
           lambda: _named(["time", "Time", "action"], [TIME, "other", "login"]),
           CLEAN, "stored, raw keeps both names as the file wrote them, exit 0", 0, 1,
           checks=(("SELECT raw::VARCHAR FROM events WHERE vendor = 'generic'",
                    [('{"time":"2025-06-01T10:00:00Z","Time":"other","action":"login"}',)]),)),
    ]  # fmt: skip
