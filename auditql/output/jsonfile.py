"""JSON (one array) and NDJSON (one object a line) output, a batch of objects at a time: values whole, times
as ISO `Z` strings, JSON columns as objects, NULL as null."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TextIO

from auditql.output.rows import Rows
from auditql.output.text import json_text, plain


def _dicts(t: Rows, rows: Sequence[Sequence[Any]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        yield {c: plain(v, ty) for c, ty, v in zip(t.columns, t.types, row, strict=True)}


def write_json(t: Rows, out: TextIO, **_: Any) -> None:
    """One JSON array, the same text as `json_text(rows, indent=2)`, written a batch of objects at a time."""
    opened = False
    for batch in t.batches():
        parts = [json_text(d, indent=2).replace("\n", "\n  ") for d in _dicts(t, batch)]
        if parts:
            out.write((",\n  " if opened else "[\n  ") + ",\n  ".join(parts))
            opened = True
            out.flush()
    out.write("\n]\n" if opened else "[]\n")


def write_ndjson(t: Rows, out: TextIO, **_: Any) -> None:
    for batch in t.batches():
        out.write("".join(json_text(d) + "\n" for d in _dicts(t, batch)))
        out.flush()
