"""Hostile folders and paths (issue #14 E, B): symbolic links out of the folder and in loops, file names no
terminal or database should take raw, devices and FIFOs named as input, and the same record written with
numbers a double cannot tell apart, delivered by two files."""

from __future__ import annotations

import json

from corpus.case import CLEAN, REFUSED, Case
from corpus.content import gigya, resolver_csv


def _refused(cid: str, title: str, target: str, outcome: str, *messages: str, **kw) -> Case:
    return Case(cid, "folder", title, target, REFUSED, outcome, 1, 0, messages=messages, **kw)


def _numbers(values: tuple[str, ...], record: dict, field: str) -> dict[str, bytes]:
    """One NDJSON file per value: the same record, `field` written as the value (not as JSON would)."""
    out = {}
    for i, value in enumerate(values):
        text = json.dumps({**record, field: "@"}).replace('"@"', value)
        out[f"f{i}.ndjson"] = (text + "\n").encode()
    return out


def folder_cases() -> list[Case]:
    generic = {"time": "2025-06-01T10:00:00Z", "action": "transfer", "amount": 1}
    gigya_no_id = {k: v for k, v in gigya(1).items() if k != "callID"}
    names = {
        "ansi\x1b[31mred.csv": resolver_csv(2).encode(),
        "new\nline.csv": resolver_csv(2, start=20).encode(),
        "bad\udcff\udcfename.csv": resolver_csv(2, start=40).encode(),  # bytes FF FE: not UTF-8
    }
    return [
        _refused(
            "folder_symlink_out",
            "a folder holding x.csv -> /etc/passwd beside a good export",
            ".",
            "refused before anything is read, naming the link, exit 1",
            "x.csv: a symbolic link out of the folder (to /etc/passwd)",
            files={"a.csv": resolver_csv(3).encode()},
            links=(("x.csv", "/etc/passwd"),),
        ),
        Case(
            "folder_symlink_loop",
            "folder",
            "a folder with links in a loop (l1 -> l2 -> l1, loop -> .) beside a good export",
            ".",
            CLEAN,
            "the good export stored whole, the loops passed over, exit 0",
            0,
            3,
            files={"a.csv": resolver_csv(3).encode()},
            links=(("l1.csv", "l2.csv"), ("l2.csv", "l1.csv"), ("loop", ".")),
        ),
        Case(
            "folder_hostile_file_names",
            "folder",
            "file names with an ANSI escape, a newline and bytes that are not UTF-8",
            ".",
            CLEAN,
            "every record of every file stored; the non-UTF-8 name kept as \\xff escapes, exit 0",
            0,
            6,
            files=names,
            checks=(
                ("SELECT count(*) FROM events WHERE source_file LIKE '%bad\\xff\\xfename.csv'", [(2,)]),
                ("SELECT count(DISTINCT source_file) FROM sources", [(4,)]),
            ),
        ),
        _refused(
            "input_fifo",
            "a FIFO named as the file to ingest (reading it blocks forever)",
            "pipe.csv",
            "refused at once with one line, exit 1",
            "not a regular file (a FIFO)",
            fifos=("pipe.csv",),
        ),
        _refused(
            "input_dev_zero",
            "/dev/zero named as the file to ingest (endless bytes)",
            "/dev/zero",
            "refused at once with one line, exit 1",
            "/dev/zero: not a regular file (a character device)",
        ),
        _refused(
            "input_dev_urandom",
            "/dev/urandom named as the file to ingest (endless bytes)",
            "/dev/urandom",
            "refused at once with one line, exit 1",
            "/dev/urandom: not a regular file (a character device)",
        ),
        Case(
            "json_numbers_as_written_generic",
            "json",
            "four files, one record each: `amount` 0.1 / 0.10000000000000000001 / 1e400 / 2e400 (a double "
            "makes pairs of them equal)",
            ".",
            CLEAN,
            "4 different records stored, none taken as a duplicate, raw as written, exit 0",
            0,
            4,
            files=_numbers(("0.1", "0.10000000000000000001", "1e400", "2e400"), generic, "amount"),
            checks=(
                (
                    "SELECT regexp_extract(raw::VARCHAR, '\"amount\": *([^,}]*)', 1) FROM events "
                    "WHERE vendor = 'generic' ORDER BY source_file",
                    [("0.1",), ("0.10000000000000000001",), ("1e400",), ("2e400",)],
                ),
            ),
        ),
        Case(
            "json_numbers_as_written_nested",
            "json",
            'two files: a nested {"detail": {"v": 1e400}} and the same with 2e400',
            ".",
            CLEAN,
            "2 records stored, the second not taken as a duplicate of the first, exit 0",
            0,
            2,
            files=_numbers(('{"v": 1e400}', '{"v": 2e400}'), generic, "detail"),
            checks=(("SELECT count(DISTINCT event_key) FROM events WHERE vendor = 'generic'", [(2,)]),),
        ),
        Case(
            "json_numbers_as_written_identity",
            "json",
            "four SAP CDC records without callID whose uid (an identifying value) is 0.1 / "
            "0.10000000000000000001 / 1e400 / 2e400",
            ".",
            CLEAN,
            "4 events with 4 keys, actor_id exactly as written, exit 0",
            0,
            4,
            args=("--vendor", "sap_cdc"),
            files=_numbers(("0.1", "0.10000000000000000001", "1e400", "2e400"), gigya_no_id, "uid"),
            checks=(
                (
                    "SELECT actor_id FROM events WHERE vendor = 'sap_cdc' ORDER BY source_file",
                    [("0.1",), ("0.10000000000000000001",), ("1e400",), ("2e400",)],
                ),
                ("SELECT count(DISTINCT event_key) FROM events WHERE vendor = 'sap_cdc'", [(4,)]),
            ),
        ),
        Case(
            "json_numbers_as_written_page",
            "json",
            'an API page ({"results": [...], "totalCount": 2}) whose records hold 0.10000000000000000001 and 1e400',
            "page.json",
            CLEAN,
            "both stored, raw keeping each number as written (DuckDB writes page members anew), exit 0",
            0,
            2,
            files={
                "page.json": (
                    b'{"totalCount": 2, "results": [{"time": "2025-06-01T10:00:00Z", "action": "a", "amount": '
                    b'0.10000000000000000001}, {"time": "2025-06-01T10:00:01Z", "action": "a", "amount": 1e400}]}\n'
                )
            },
            checks=(
                (
                    "SELECT regexp_extract(raw::VARCHAR, '\"amount\": *([^,}]*)', 1) FROM events "
                    "WHERE vendor = 'generic' ORDER BY source_row",
                    [("0.10000000000000000001",), ("1e400",)],
                ),
            ),
        ),
    ]
