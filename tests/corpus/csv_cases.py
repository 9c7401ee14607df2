"""Hostile CSV: ragged and truncated rows, quotes, line endings, encodings, empty and huge inputs."""

from __future__ import annotations

from corpus.case import CLEAN, RECORDS, WHOLE_FILE, Case, Reject, one_file
from corpus.content import RESOLVER_HEADER, resolver_csv, resolver_row


def csv_cases() -> list[Case]:
    h = RESOLVER_HEADER
    rows = [resolver_row(i) for i in range(6)]

    def csv_case(cid: str, title: str, content: bytes, *outcome, **kw) -> Case:
        """One hostile CSV named after its case; `outcome` as `one_file` takes it (policy … rejects)."""
        return one_file("csv", cid, title, f"{cid}.csv", content, *outcome, **kw)

    bad_time = resolver_row(3, time="yesterday-ish")
    latin = (h + "\n" + resolver_row(1, subject="Zoë Café") + "\n").encode("latin-1")
    padding = "".join(resolver_row(i) + "\n" for i in range(2000))  # past the 64 KB encoding sniff
    late_bad = (h + "\n" + padding).encode() + resolver_row(3000, subject="Bad \xff\xfe").encode("latin-1") + b"\n"
    late_bad += (resolver_row(3001) + "\n").encode()
    return [
        csv_case(
            "csv_ragged_extra_column",
            "a row with one field too many",
            f"{h}\n{rows[0]}\n{rows[1]},EXTRA\n{rows[2]}\n".encode(),
            RECORDS,
            "line 3 rejected, 2 stored, exit 1",
            1,
            2,
            (Reject(3, None, "too many columns"),),
            messages=("line 3: too many columns",),
        ),
        csv_case(
            "csv_ragged_short_row",
            "a row with three fields",
            f"{h}\n{rows[0]}\n2025-06-01 11:00:00,x,Add User\n{rows[2]}\n".encode(),
            RECORDS,
            "line 3 rejected, 2 stored, exit 1",
            1,
            2,
            (Reject(3, None, "missing columns"),),
            messages=("line 3: missing columns",),
        ),
        csv_case(
            "csv_truncated_last_line",
            "last line cut mid-field, no newline",
            f"{h}\n{rows[0]}\n{rows[1]}\n2025-06-01 10:00:02,Subj".encode(),
            RECORDS,
            "line 4 rejected, 2 stored, exit 1",
            1,
            2,
            (Reject(4, None, "missing columns"),),
            messages=("line 4: missing columns",),
        ),
        csv_case(
            "csv_unterminated_quote",
            "an opening quote never closed",
            f'{h}\n{rows[0]}\n2025-06-01 10:00:01,"Subject 1,Add User,Sam,User,,\n{rows[2]}\n{rows[3]}\n'.encode(),
            RECORDS,
            "lines 3-5 rejected as one record (the quote swallows them), 1 stored, exit 1",
            1,
            1,
            (Reject(3, None, "unquoted value"),),
            messages=("line 3:", "lines 3-5"),
        ),
        csv_case(
            "csv_mixed_line_endings",
            "CRLF, LF and CR line endings in one file",
            f"{h}\r\n{rows[0]}\n{rows[1]}\r\n{rows[2]}\r{rows[3]}\n".encode(),
            CLEAN,
            "all 4 stored with a note, exit 0",
            0,
            4,
            notes=("mixed line endings",),
        ),
        csv_case(
            "csv_utf16",
            "UTF-16 with BOM",
            resolver_csv(3).encode("utf-16"),
            CLEAN,
            "all 3 stored, exit 0",
            0,
            3,
            notes=("UTF-16",),
        ),
        csv_case(
            "csv_latin1",
            "Latin-1 bytes (é, ë)",
            latin,
            CLEAN,
            "stored, decoded as Latin-1 with a note",
            0,
            1,
            notes=("not UTF-8: read as Windows-1252",),
            checks=(("SELECT target_name FROM events WHERE source_file LIKE '%csv_latin1.csv'", [("Zoë Café",)]),),
        ),
        csv_case(
            "csv_windows1252",
            "Windows-1252 curly quote and euro sign (0x92, 0x80)",
            (h + "\n").encode() + resolver_row(1, subject="Don\u2019t pay \u20ac5").encode("cp1252") + b"\n",
            CLEAN,
            "stored with ’ and € intact, a note, exit 0",
            0,
            1,
            notes=("Windows-1252",),
            checks=(
                (
                    "SELECT target_name FROM events WHERE source_file LIKE '%csv_windows1252.csv'",
                    [("Don\u2019t pay \u20ac5",)],
                ),
            ),
        ),
        csv_case(
            "csv_invalid_utf8_late",
            "invalid UTF-8 bytes on line 2002 (after the 64 KB sniff)",
            late_bad,
            CLEAN,
            "all 2002 stored, line 2002 read as Windows-1252 with a note naming it, exit 0",
            0,
            2002,
            notes=("not UTF-8 on line 2002: read as Windows-1252",),
            checks=(("SELECT count(*) FROM events WHERE raw->>'Subject' = 'Bad ÿþ'", [(1,)]),),
        ),
        csv_case(
            "csv_header_only",
            "header line, no rows",
            (h + "\n").encode(),
            CLEAN,
            "0 records, file listed in sources, exit 0",
            0,
            0,
        ),
        csv_case(
            "csv_zero_bytes",
            "0-byte file",
            b"",
            WHOLE_FILE,
            "refused: empty file, exit 1",
            1,
            0,
            messages=("empty file",),
        ),
        csv_case(
            "csv_3mb_field",
            "a 3 MB field",
            (f"{h}\n" + resolver_row(0, subject="x" * 3_000_000) + f"\n{rows[1]}\n").encode(),
            CLEAN,
            "both stored, field intact, exit 0",
            0,
            2,
            checks=(
                ("SELECT max(length(target_name)) FROM events WHERE source_file LIKE '%3mb_field.csv'", [(3_000_000,)]),
            ),
        ),
        csv_case(
            "csv_reject_then_bad_time",
            "a ragged row, then an unparseable time",
            f"{h}\n{rows[0]}\n{rows[1]},EXTRA\n{rows[2]}\n{bad_time}\n{rows[4]}\n".encode(),
            RECORDS,
            "lines 3 and 5 rejected (data rows 2 and 4), 3 stored, exit 1",
            1,
            3,
            (Reject(3, None, "too many columns"), Reject(5, 4, 'cannot parse time "yesterday-ish"')),
            messages=("line 5: cannot parse time",),
            checks=(
                (
                    "SELECT source_row FROM events WHERE source_file LIKE '%reject_then_bad_time.csv' ORDER BY 1",
                    [(1,), (3,), (5,)],
                ),
            ),
        ),
        csv_case(
            "csv_blank_lines",
            "empty lines between rows, then a bad time",
            f"{h}\n{rows[0]}\n\n{rows[1]}\n\n\n{resolver_row(2, time='31/31/2025 99:00')}\n".encode(),
            RECORDS,
            "line 7 rejected (physical line, blanks counted), 2 stored, exit 1",
            1,
            2,
            (Reject(7, 3, "cannot parse time"),),
            messages=("line 7: cannot parse time",),
        ),
        csv_case(
            "csv_quoted_newline",
            "a quoted value spanning two lines",
            (f'{h}\n{rows[0]}\n2025-06-01 10:00:01,"two\nlines",Add User,Sam,User,,\n{rows[2]}\n').encode(),
            CLEAN,
            "all 3 stored, the newline kept in the value, exit 0",
            0,
            3,
            checks=(("SELECT count(*) FROM events WHERE target_name = 'two' || chr(10) || 'lines'", [(1,)]),),
        ),
        csv_case(
            "csv_duplicate_header",
            "two columns named Subject",
            f"{RESOLVER_HEADER},Subject\n{resolver_row(1)},second subject\n".encode(),
            CLEAN,
            "stored; the second column kept as Subject_2 in raw and a note says so, exit 0",
            0,
            1,
            notes=("column 8 repeats the header name 'Subject': stored as 'Subject_2'",),
            checks=(
                (
                    "SELECT target_name, json_extract_string(raw, '$.Subject_2') FROM events "
                    "WHERE source_file LIKE '%csv_duplicate_header.csv'",
                    [("Subject 1", "second subject")],
                ),
            ),
        ),
        csv_case(
            "csv_cr_inside_quoted_value",
            "CRLF file with a lone CR inside a quoted value",
            f'{h}\r\n{rows[0]}\r\n2025-06-01 10:00:01,"s\rx",Add User,Sam,User,,\r\n'.encode(),
            CLEAN,
            "both stored, the CR kept as data (no line-ending rewrite), exit 0",
            0,
            2,
            checks=(("SELECT count(*) FROM events WHERE target_name = 's' || chr(13) || 'x'", [(1,)]),),
        ),
        csv_case(
            "csv_nul_cell",
            "a cell that is exactly NUL, and an empty one",
            f"{h}\n2025-06-01 10:00:01,\x00,Add User,Sam,User,,\n".encode(),
            CLEAN,
            "stored; raw keeps the NUL and the empty cells as text, exit 0",
            0,
            1,
            checks=(
                (
                    "SELECT json_extract_string(raw, '$.Subject') = chr(0), json_extract_string(raw, '$.\"Previous "
                    "Value\"') FROM events WHERE source_file LIKE '%csv_nul_cell.csv'",
                    [(True, "")],
                ),
            ),
        ),
        csv_case(
            "csv_quoted_newline_then_bad_time",
            "values spanning lines (one with an empty line inside), a ragged row, then an unparseable time",
            (
                f'{h}\n{rows[0]}\n2025-06-01 10:00:01,"two\n\nlines",Add User,Sam,User,,\n{rows[2]},"x\ny"\n'
                f"{bad_time}\n"
            ).encode(),
            RECORDS,
            "physical lines 6-7 and 8 rejected (data rows 3 and 4), 2 stored, exit 1",
            1,
            2,
            (Reject(6, None, "too many columns"), Reject(8, 4, "cannot parse time")),
            messages=("line 6: too many columns", "lines 6-7", "line 8: cannot parse time"),
        ),
        csv_case(
            "csv_blank_line_and_quoted_newline",
            "an empty line between records and a value spanning lines, then an unparseable time",
            (f'{h}\n{rows[0]}\n\n2025-06-01 10:00:01,"two\nlines",Add User,Sam,User,,\n{bad_time}\n').encode(),
            RECORDS,
            "data row 3 rejected, named by row (lines cannot be placed), with a note; 2 stored, exit 1",
            1,
            2,
            (Reject(None, 3, "cannot parse time"),),
            messages=("row 3: cannot parse time",),
            notes=("rows are numbered by record",),
        ),
    ]


def _wide(columns: int) -> bytes:
    """A header of `columns` names (the first a time) and one row."""
    names = ["time"] + [f"c{i}" for i in range(1, columns)]
    return (",".join(names) + "\n2025-06-01T10:00:00Z," + ",".join("x" for _ in names[1:]) + "\n").encode()


def _long_row() -> bytes:
    """Three Resolver rows, the second holding a 70 MB value: over the 64 MiB line limit."""
    big = resolver_row(1, subject="x" * 70_000_000)
    return f"{RESOLVER_HEADER}\n{resolver_row(0)}\n{big}\n{resolver_row(2)}\n".encode()


def wide_cases() -> list[Case]:
    """Issue #14: headers too wide to sniff, case twins, a row too long for a line."""
    long_names = ["Date and Time"] + [f"column_with_a_long_name_{i:05d}" for i in range(3000)]  # ~100 KB
    long_header = ",".join(long_names) + "\n2025-06-01 10:00:00," + ",".join("v" for _ in long_names[1:]) + "\n"
    return [
        one_file(
            "csv", "csv_header_1m_columns", "a header of 1,000,000 columns (hung > 300 s)", "wide.csv",
            lambda: _wide(1_000_000), WHOLE_FILE, "refused at once, exit 1", 1, 0,
            messages=("more than 25,000 columns",),
        ),
        one_file(
            "csv", "csv_header_over_64k", "a header line of 100 KB (past the 64 KiB sample)", "long.csv",
            long_header.encode(), CLEAN, "the row stored with all 3,001 columns in raw, exit 0", 0, 1,
            checks=(("SELECT len(json_keys(raw)) FROM events WHERE vendor = 'generic'", [(3001,)]),),
        ),
        one_file(
            "csv", "csv_20k_columns", "a header of 20,000 columns", "wide.csv", lambda: _wide(20_000), CLEAN,
            "the row stored with all 20,000 columns in raw, exit 0", 0, 1,
            checks=(("SELECT len(json_keys(raw)) FROM events WHERE vendor = 'generic'", [(20_000,)]),),
        ),
        one_file(
            "csv", "csv_case_twin_headers", "headers `time`, `Time` and `action` (names DuckDB takes as one)",
            "twins.csv", b"time,Time,action\n2025-06-01T10:00:00Z,other,login\n2025-06-01T10:00:01Z,more,logout\n",
            CLEAN, "both rows stored, raw keeps both names as the file wrote them, exit 0", 0, 2,
            checks=((
                "SELECT raw::VARCHAR FROM events WHERE vendor = 'generic' ORDER BY source_row",
                [('{"time":"2025-06-01T10:00:00Z","Time":"other","action":"login"}',),
                 ('{"time":"2025-06-01T10:00:01Z","Time":"more","action":"logout"}',)],
            ),),
        ),
        one_file(
            "csv", "csv_reserved_headers", "headers named like the reader's own columns (raw, line, source_row)",
            "reserved.csv", b"time,raw,line,source_row\n2025-06-01T10:00:00Z,r,7,9\n", CLEAN,
            "stored, raw keeps every column and value, exit 0", 0, 1,
            checks=((
                "SELECT raw::VARCHAR, source_row FROM events WHERE vendor = 'generic'",
                [('{"time":"2025-06-01T10:00:00Z","raw":"r","line":"7","source_row":"9"}', 1)],
            ),),
        ),
        one_file(
            "csv", "csv_row_70mb", "a 70 MB row between two good ones (its reason was \"None\")", "big.csv",
            _long_row, RECORDS, "line 3 rejected with its size, 2 stored, exit 1", 1, 2,
            (Reject(3, None, "line of 70000048 bytes longer than the 67108864-byte line limit"),),
            messages=("line 3: line of 70000048 bytes",),
        ),
    ]  # fmt: skip
