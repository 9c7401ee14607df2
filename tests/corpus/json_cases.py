"""Hostile JSON/NDJSON and timestamps: truncation, late keys, duplicate keys, deep nesting, big ids, times."""

from __future__ import annotations

import json
from functools import partial

from corpus.case import CLEAN, RECORDS, WHOLE_FILE, Case, Reject, one_file
from corpus.content import gigya, ndjson


def json_cases() -> list[Case]:
    json_case = partial(one_file, "json")  # json_case(cid, title, name, content, policy, …)

    five = [gigya(i) for i in range(5)]
    late = [gigya(i) for i in range(30_000)] + [gigya(30_000, errMessage="a key first seen at record 30,001")]
    dup = (
        b'{"timestamp": "2025-06-01T10:00:00Z", "callID": "first", "callID": "second", "errCode": "0", '
        b'"endpoint": "accounts.login"}\n'
    )
    deep = '{"a": ' * 5000 + "1" + "}" * 5000
    deep_line = json.dumps(gigya(1))[:-1] + ', "params": ' + deep + "}"
    big = json.dumps(gigya(1))[:-1].replace('"call000001"', "123456789012345678901234567890")
    big += ', "userKey": 987654321098765432109876543210}'
    return [
        json_case(
            "ndjson_truncated_last_record",
            "NDJSON whose last record is cut",
            "truncated.ndjson",
            ndjson(five)[:-40],
            RECORDS,
            "line 5 rejected, 4 stored, exit 1",
            1,
            4,
            (Reject(5, None, "malformed JSON line"),),
            messages=("line 5: malformed JSON",),
        ),
        json_case(
            "ndjson_late_key_30k",
            "a key first appearing after 30,000 records",
            "late_key.ndjson",
            ndjson(late),
            CLEAN,
            "all 30,001 stored, the late key queryable, exit 0",
            0,
            30_001,
            checks=(
                ("SELECT message FROM events WHERE event_id = 'call030000'", [("a key first seen at record 30,001",)]),
            ),
        ),
        json_case(
            "json_duplicate_keys",
            "a record with callID twice",
            "dup_keys.ndjson",
            dup + ndjson([gigya(1)]),
            RECORDS,
            "line 1 rejected as ambiguous, 1 stored, exit 1",
            1,
            1,
            (Reject(1, None, 'duplicate key "callID"'),),
            messages=('line 1: duplicate key "callID"',),
        ),
        json_case(
            "json_deep_5000",
            "5,000-deep nesting inside a record",
            "deep.ndjson",
            ndjson([gigya(0)]) + deep_line.encode() + b"\n" + ndjson([gigya(2)]),
            RECORDS,
            "line 2 rejected (deeper than 100 levels), 2 stored, exit 1",
            1,
            2,
            (Reject(2, None, "nested deeper than 100 levels"),),
            messages=("line 2: nested deeper",),
        ),
        json_case(
            "json_deep_5000_array",
            "5,000-deep record in a pretty-printed array",
            "deep_array.json",
            ("[\n" + json.dumps(gigya(0), indent=1) + ",\n" + deep_line + "\n]").encode(),
            RECORDS,
            "record rejected (deeper than 100 levels), 1 stored, exit 1",
            1,
            1,
            (Reject(None, None, "record 2: nested deeper than 100 levels"),),
            messages=("record 2: nested deeper",),
        ),
        json_case(
            "json_30_digit_ids",
            "30-digit numeric callID and userKey",
            "big_ids.ndjson",
            (big + "\n").encode(),
            CLEAN,
            "stored with every digit, exit 0",
            0,
            1,
            checks=(
                (
                    "SELECT event_id, actor_id FROM events WHERE source_file LIKE '%big_ids.ndjson'",
                    # signed with a user key: the key's owner acted (issue 13, "who acted")
                    [("123456789012345678901234567890", "987654321098765432109876543210")],
                ),
                (
                    "SELECT json_extract_string(raw, '$.userKey') FROM events WHERE source_file LIKE '%big_ids.ndjson'",
                    [("987654321098765432109876543210",)],
                ),
            ),
        ),
        json_case(
            "json_array_truncated",
            "JSON array cut mid-record",
            "truncated_array.json",
            json.dumps(five).encode()[:-30],
            WHOLE_FILE,
            "refused: cannot read as JSON, exit 1",
            1,
            0,
            messages=("cannot read as JSON",),
        ),
        json_case(
            "json_zero_bytes",
            "0-byte .json",
            "empty.json",
            b"",
            WHOLE_FILE,
            "refused: empty file, exit 1",
            1,
            0,
            messages=("empty file",),
        ),
        json_case("json_empty_array", "an empty array", "empty_array.json", b"[]", CLEAN, "0 records, exit 0", 0, 0),
        json_case(
            "json_not_objects",
            "array items that are not objects",
            "scalars.json",
            b"[1, " + json.dumps(gigya(1)).encode() + b', "text"]',
            RECORDS,
            "2 items rejected, 1 stored, exit 1",
            1,
            1,
            (Reject(1, None, "record 1 is not a JSON object"), Reject(1, None, "record 3 is not a JSON object")),
            messages=("not a JSON object",),
        ),
        json_case(
            "ndjson_blank_lines",
            "empty lines between records, then a truncated one",
            "blank.ndjson",
            ndjson(five[:2]) + b"\n\n" + ndjson(five[2:4]) + b"\n" + ndjson(five[4:])[:30],
            RECORDS,
            "line 8 rejected (physical line), 4 stored, exit 1",
            1,
            4,
            (Reject(8, None, "malformed JSON line"),),
            messages=("line 8: malformed JSON",),
        ),
        json_case(
            "ndjson_mixed_line_endings",
            "NDJSON with CRLF, LF and CR line endings",
            "mixed.ndjson",
            ndjson(five[:2]).replace(b"\n", b"\r\n", 1) + ndjson(five[2:3]).replace(b"\n", b"\r") + ndjson(five[3:]),
            CLEAN,
            "all 5 stored, exit 0",
            0,
            5,
        ),
        json_case(
            "ndjson_invalid_utf8",
            "invalid UTF-8 bytes inside one record",
            "bad_bytes.ndjson",
            ndjson(five[:2])
            + json.dumps(gigya(2)).encode().replace(b"uid2", b"uid\xff\xfe")
            + b"\n"
            + ndjson(five[3:]),
            CLEAN,
            "all 5 stored, line 3 read as Windows-1252 (its bytes are ÿþ there) with a note, exit 0",
            0,
            5,
            notes=("not UTF-8 on line 3: read as Windows-1252",),
        ),
    ]


def time_cases() -> list[Case]:
    def time_case(
        cid: str, title: str, records: list[dict], outcome: str, added: int, rejects: tuple[Reject, ...] = (), **kw
    ) -> Case:
        policy, code = (RECORDS, 1) if rejects else (CLEAN, 0)
        name = f"{cid}.ndjson"
        return one_file("time", cid, title, name, ndjson(records), policy, outcome, code, added, rejects, **kw)

    where = "FROM events WHERE source_file LIKE '%{}.ndjson' ORDER BY event_id"
    return [
        time_case(
            "time_unparseable",
            "timestamp 'not a time' and '2025-13-45T00:00:00Z'",
            [gigya(0), gigya(1, timestamp="not a time"), gigya(2, timestamp="2025-13-45T00:00:00Z")],
            "lines 2-3 rejected with the value, 1 stored, exit 1",
            1,
            (Reject(2, 2, 'cannot parse time "not a time"'), Reject(3, 3, "cannot parse time")),
            messages=("line 2: cannot parse time",),
        ),
        time_case(
            "time_out_of_range",
            "years 1899 and 2200",
            [gigya(0), gigya(1, timestamp="1899-12-31T00:00:00Z"), gigya(2, timestamp="2200-01-01T00:00:00Z")],
            "lines 2-3 rejected, 1 stored, exit 1",
            1,
            (Reject(2, 2, "time out of range"), Reject(3, 3, "time out of range")),
            messages=("line 2: time out of range",),
        ),
        time_case(
            "time_missing",
            "no timestamp, and an empty one",
            [gigya(0), {**gigya(1), "timestamp": None}, gigya(2, timestamp="")],
            "lines 2-3 rejected, 1 stored, exit 1",
            1,
            (Reject(2, 2, "no time value"), Reject(3, 3, "no time value")),
        ),
        time_case(
            "time_epoch_units",
            "epoch seconds, ms and µs, numbers and strings",
            [
                gigya(i, timestamp=t)
                for i, t in enumerate([1732060800, 1732060800000, 1732060800000000, "1732060800", "1732060800000"])
            ],
            "all 5 stored at 2024-11-20T00:00:00Z, exit 0",
            5,
            checks=(
                (
                    f"SELECT DISTINCT strftime(time, '%Y-%m-%dT%H:%M:%SZ') {where.format('time_epoch_units')}",
                    [("2024-11-20T00:00:00Z",)],
                ),
            ),
        ),
        time_case(
            "time_epoch_absurd",
            "epoch 1e30",
            [gigya(0), gigya(1, timestamp=1e30)],
            "line 2 rejected, 1 stored, exit 1",
            1,
            (Reject(2, 2, "cannot parse time"),),
        ),
        time_case(
            "time_offsets",
            "+02:00 and -05:00 offsets",
            [gigya(0, timestamp="2025-06-01T12:00:00+02:00"), gigya(1, timestamp="2025-06-01T05:00:00-05:00")],
            "both stored in UTC, exit 0",
            2,
            checks=(
                (
                    f"SELECT strftime(time, '%Y-%m-%dT%H:%M:%SZ') {where.format('time_offsets')}",
                    [("2025-06-01T10:00:00Z",), ("2025-06-01T10:00:00Z",)],
                ),
            ),
        ),
    ]


def encoding_cases() -> list[Case]:
    """Issue #14: JSON in encodings DuckDB does not read (it was read as an empty CSV), and a bare value."""
    records = json.dumps([gigya(0), gigya(1)])

    def enc(cid: str, title: str, content: bytes, note: str) -> Case:
        return one_file(
            "json",
            cid,
            title,
            f"{cid}.json",
            content,
            CLEAN,
            "both records stored with a note, exit 0",
            0,
            2,
            notes=(note,),
        )

    padding = ndjson([gigya(i) for i in range(400)])  # past the 64 KiB encoding sample
    late = json.dumps(gigya(400, uid="Caf\u00e9 \u20ac"), ensure_ascii=False).encode("cp1252") + b"\n"
    return [
        one_file(
            "json", "ndjson_windows1252_late", "NDJSON with a Windows-1252 line after the first 64 KiB (the file was "
            "refused)", "late.ndjson", padding + late + ndjson([gigya(401)]), CLEAN,
            "all 402 stored, line 401 read as Windows-1252 with a note naming it, exit 0", 0, 402,
            notes=("not UTF-8 on line 401: read as Windows-1252",),
            checks=(("SELECT actor_id FROM events WHERE raw->>'callID' = 'call000400'", [("Caf\u00e9 \u20ac",)]),),
        ),
        one_file(
            "json", "ndjson_windows1252", "NDJSON in Windows-1252 from its first byte", "cp1252.ndjson",
            json.dumps(gigya(0, uid="Caf\u00e9"), ensure_ascii=False).encode("cp1252") + b"\n" + ndjson([gigya(1)]),
            CLEAN,
            "both stored, read as Windows-1252 with a note, exit 0", 0, 2,
            notes=("not UTF-8 on line 1: read as Windows-1252",),
        ),
        enc("json_utf32_bom", "a JSON array in UTF-32 with BOM", records.encode("utf-32"), "UTF-32 (BOM) text"),
        enc("json_utf32le_no_bom", "a JSON array in UTF-32-LE, no BOM", records.encode("utf-32-le"), "UTF-32-LE"),
        enc("json_utf16_bom", "a JSON array in UTF-16 with BOM", records.encode("utf-16"), "UTF-16 (BOM) text"),
        one_file(
            "json", "json_bare_string", "a .json file holding one JSON string", "bare.json", b'"just a string"\n',
            RECORDS, "the value rejected as not a record (it was 0 records, not a word), exit 1", 1, 0,
            (Reject(1, None, "record 1 is not a JSON object"),), messages=("record 1 is not a JSON object",),
        ),
        one_file(
            "json", "json_bare_number", "a .json file holding one number", "bare.json", b"42\n",
            RECORDS, "the value rejected as not a record, exit 1", 1, 0,
            (Reject(1, None, "record 1 is not a JSON object"),), messages=("record 1 is not a JSON object",),
        ),
    ]  # fmt: skip
