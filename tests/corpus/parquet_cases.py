"""Hostile Parquet: truncated, scrambled, fake and empty files."""

from __future__ import annotations

from corpus.case import WHOLE_FILE, Case
from corpus.content import corrupt_parquet, parquet_bytes


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
