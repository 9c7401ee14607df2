"""Hostile archives: traversal, symlinks, duplicates, encryption, depth, member count, bombs, corruption."""

from __future__ import annotations

import gzip

from corpus.case import CLEAN, MEMBER, RECORDS, WHOLE_ARCHIVE, Case, Reject
from corpus.content import (
    RESOLVER_HEADER,
    crc_last_byte,
    good_csv,
    half,
    lying_sizes,
    many_members,
    nested,
    overlap_full,
    overlap_quoted,
    parquet_bytes,
    resolver_csv,
    resolver_row,
    symlink_zip,
    with_flag,
    zip_of,
)


def archive_cases() -> list[Case]:
    def refused(cid: str, title: str, data: bytes, *messages: str, name: str | None = None) -> Case:
        target = name or f"{cid}.zip"
        return Case(
            cid,
            "archive",
            title,
            target,
            WHOLE_ARCHIVE,
            f"refused whole ({messages[-1]}), exit 1",
            1,
            0,
            messages=messages,
            files={target: data},
        )

    good = ("good.csv", good_csv())
    bomb = zip_of([good, ("bomb.csv", b"0" * 10_000_000)])
    return [
        refused(
            "zip_traversal_dotdot",
            "member named ../../x.csv",
            zip_of([good, ("../../x.csv", good[1])]),
            "'../../x.csv'",
            "leaves the archive",
        ),
        refused(
            "zip_traversal_absolute",
            "member named /abs/x.csv",
            zip_of([good, ("/abs/x.csv", good[1])]),
            "'/abs/x.csv'",
            "absolute path",
        ),
        refused(
            "zip_traversal_drive",
            r"member named C:\x.csv",
            zip_of([good, ("C:\\x.csv", good[1])]),
            "x.csv",
            "absolute path",
        ),
        refused("zip_symlink", "symbolic link member", symlink_zip(), "'passwd.csv'", "symbolic link"),
        refused(
            "zip_duplicate_names", "two members named good.csv", zip_of([good, good]), "'good.csv'", "appears twice"
        ),
        refused(
            "zip_encrypted", "encrypted member (flag bit 0)", with_flag(zip_of([good]), 0x01), "'good.csv'", "encrypted"
        ),
        refused("zip_nested_depth3", "zip in a zip in a zip", nested(3), "level2.zip", "nested deeper than 2"),
        refused("zip_100k_members", "100,000 members", many_members(100_000), "more than 10000 members"),
        refused("zip_deflate_bomb", "deflate bomb, 1000:1, honest header", bomb, "'bomb.csv'", "zip bomb"),
        refused(
            "zip_deflate_bomb_lying_header",
            "deflate bomb whose header claims 1 KB",
            lying_sizes(bomb, b"bomb.csv", 1000),
            "'bomb.csv'",
            "corrupt",
        ),
        refused(
            "zip_overlap_quoted", "overlapping entries (CVE-2024-0450, quoted)", overlap_quoted(), "overlapping entries"
        ),
        refused("zip_overlap_full", "50 entries sharing one body", overlap_full(), "overlapping entries"),
        refused(
            "zip_truncated",
            "zip cut in half",
            half(zip_of([good, ("more.csv", resolver_csv(300).encode())])),
            "not a valid zip archive",
        ),
        refused("zip_not_a_zip", "text file named .zip", b"Date and Time,Subject\n", "not a valid zip archive"),
        refused(
            "zip_crc_last_byte",
            "CRC error in the last byte of the last member",
            crc_last_byte(),
            "'last.csv'",
            "corrupt",
        ),
        refused(
            "gzip_bomb",
            "gzip bomb, 1000:1",
            gzip.compress(b"0" * 10_000_000, mtime=0),
            "zip bomb",
            name="gzip_bomb.csv.gz",
        ),
        Case(
            "gzip_concatenated_members",
            "archive",
            "a .csv.gz of two gzip members (`cat a.gz b.gz`), the second holding more rows",
            "concat.csv.gz",
            CLEAN,
            "the rows of both members stored (6), exit 0",
            0,
            6,
            files={
                "concat.csv.gz": gzip.compress(resolver_csv(3).encode(), mtime=0)
                + gzip.compress("".join(resolver_row(i) + "\n" for i in range(10, 13)).encode(), mtime=0)
            },
        ),
        refused(
            "gzip_truncated",
            "gzip cut short",
            gzip.compress(good[1] * 50, mtime=0)[:60],
            "not a valid gzip",
            name="gzip_truncated.csv.gz",
        ),
        Case(
            "zip_bad_member_after_good",
            "archive",
            "good member, then a truncated Parquet member",
            "zip_bad_member_after_good.zip",
            MEMBER,
            "good.csv stored (5), broken.parquet refused, exit 1",
            1,
            5,
            messages=("zip_bad_member_after_good.zip!broken.parquet", "cannot read as Parquet"),
            files={"zip_bad_member_after_good.zip": zip_of([good, ("broken.parquet", parquet_bytes()[:400])])},
        ),
        Case(
            "zip_empty_member_after_good",
            "archive",
            "good member, then a 0-byte member",
            "zip_empty_member_after_good.zip",
            MEMBER,
            "good.csv stored (5), empty.csv refused, exit 1",
            1,
            5,
            messages=("zip_empty_member_after_good.zip!empty.csv", "empty file"),
            files={"zip_empty_member_after_good.zip": zip_of([good, ("empty.csv", b"")])},
        ),
        Case(
            "zip_member_with_bad_row",
            "archive",
            "a member CSV with a ragged row",
            "zip_member_with_bad_row.zip",
            RECORDS,
            "member line 3 rejected and listed under zip!member, 2 stored, exit 1",
            1,
            2,
            rejected=1,
            messages=("zip_member_with_bad_row.zip!logs/ragged.csv: line 3: too many columns",),
            rejects=(Reject(3, None, "too many columns"),),
            files={
                "zip_member_with_bad_row.zip": zip_of(
                    [
                        (
                            "logs/ragged.csv",
                            f"{RESOLVER_HEADER}\n{resolver_row(1)}\n{resolver_row(2)},X\n{resolver_row(3)}\n".encode(),
                        )
                    ]
                )
            },
        ),
        Case(
            "zip_nested_depth2_ok",
            "archive",
            "zip in a zip (the allowed depth)",
            "zip_nested_depth2_ok.zip",
            CLEAN,
            "stored (5), exit 0",
            0,
            5,
            files={"zip_nested_depth2_ok.zip": nested(2)},
            checks=(
                (
                    "SELECT DISTINCT regexp_extract(source_file, '[^/]+$') FROM events WHERE vendor = 'resolver' "
                    "AND source_file LIKE '%depth2%'",
                    [("zip_nested_depth2_ok.zip!level1.zip!good.csv",)],
                ),
            ),
        ),
        Case(
            "zip_macos_junk",
            "archive",
            "__MACOSX/ resource forks beside the data",
            "zip_macos_junk.zip",
            CLEAN,
            "junk skipped, good.csv stored (5), exit 0",
            0,
            5,
            files={"zip_macos_junk.zip": zip_of([good, ("__MACOSX/._good.csv", b"\0" * 4096)])},
        ),
    ]
