"""Item 9 — a 10,000-value IN list (issue #15): translating it, bound from a file (`--param ids=@ids.txt`,
what no argv can hold) and written inline in the query, must stay under 0.5 s. The baseline, measured in
the same run, is sqlglot reading the same text (`sqlglot.parse_one`): translating parses the query, rewrites
it, generates SQL and reads that back for the final check (recheck.py), so a few parses' worth is expected.

The answers are checked too: the translation binds (or keeps) exactly 10,000 values, and the printed
PostgreSQL query holds all of them (`--dialect` writes bound values in).
"""

from __future__ import annotations

from pathlib import Path

import sqlglot
from sqlglot import exp

from auditql.frontend.query_input import parse_params
from auditql.query import translate
from bench.measure import Row, Section, median_of

VALUES = 10_000


def run(work: Path, repeat: int) -> Section:
    section = Section(f"9. A {VALUES:,}-value IN list")
    ids = work / "ids.txt"
    ids.write_text("".join(f"{i:08x}\n" for i in range(VALUES)))
    bound_text = "event_id IN (:ids)"
    inline_text = "source_row IN (" + ", ".join(str(i) for i in range(VALUES)) + ")"
    runs = max(repeat, 5)

    def bound():  # type: ignore[no-untyped-def]
        return translate(bound_text, params=parse_params([f"ids=@{ids}"]))

    def inline():  # type: ignore[no-untyped-def]
        return translate(inline_text)

    t_parse, _ = median_of(lambda: sqlglot.parse_one(inline_text, read="duckdb"), runs, warmup=1)
    t_bound, translation = median_of(bound, runs, warmup=1)
    ok_bound = len(translation.params) == VALUES
    section.add(
        Row(
            "translate `event_id IN (:ids)`, --param ids=@ids.txt",
            t_bound,
            t_parse,
            "sqlglot.parse_one (inline text)",
            "< 0.5 s",
            ok_bound and t_bound < 0.5,
            note=f"{len(translation.params):,} values bound" + ("" if ok_bound else ": VALUES LOST"),
        )
    )
    t_inline, translation = median_of(inline, runs, warmup=1)
    kept = len(translation.tree.find(exp.In).expressions) if translation.tree is not None else 0
    section.add(
        Row(
            f"translate `source_row IN (0, …, {VALUES - 1})` ({len(inline_text):,} characters)",
            t_inline,
            t_parse,
            "sqlglot.parse_one (inline text)",
            "< 0.5 s",
            kept == VALUES and t_inline < 0.5,
            note=f"{len(inline_text):,} characters, {kept:,} values kept" + ("" if kept == VALUES else ": VALUES LOST"),
        )
    )
    with_ids = bound()
    t_print, printed = median_of(lambda: with_ids.to_dialect("postgres"), runs)
    written = printed.count("'") // 2 == VALUES
    section.add(
        Row(
            "print the bound query for PostgreSQL (--dialect postgres)",
            t_print,
            t_parse,
            "sqlglot.parse_one (inline text)",
            "< 0.5 s",
            written and t_print < 0.5,
            note="every value written in" if written else "VALUES LOST",
        )
    )
    section.commands += [
        f"auditql query --param ids=@ids.txt '{bound_text}'   # ids.txt: {VALUES:,} lines",
        f"auditql query 'source_row IN (0, 1, …, {VALUES - 1})'",
    ]
    return section
