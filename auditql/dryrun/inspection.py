"""`auditql inspect`: show what a file would become — detected vendor, which source field feeds each
canonical column, what stays only in `raw`, sample canonical rows — without touching any archive.

It runs the very same reader, detection and mapping SQL as ingest, on an in-memory DuckDB, so what it shows
is what ingest will do."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from auditql import jsonhash as canonical
from auditql.db import archive_file, connections
from auditql.errors import AuditqlError
from auditql.ingest.plan import canonical_columns, plan
from auditql.ingest.run import expand
from auditql.output import Table, render_text
from auditql.read import formats
from auditql.read import unpack as archives
from auditql.read.filekind import datasets_within
from auditql.tables import READ_SCRATCH, drop_scratch
from auditql.vendors import load_registry
from auditql.vendors.detect import detect
from auditql.vendors.mapping import RULE_COLUMNS
from auditql.vendors.timefield import TIME_REJECT_REASON, time_by_content

SAMPLE_COLUMNS = (
    "time",
    "action",
    "category",
    "outcome",
    "actor_name",
    "actor_type",
    "target_name",
    "event_key",
)


def inspect(
    paths: Iterable[Path], vendor: str | None = None, mappings: Iterable[Path] = (), sample: int = 3
) -> Iterator[str]:
    registry = load_registry(list(mappings))
    forced = registry[vendor] if vendor else None
    con = connections.scratch()
    canonical.register(con)
    paths = list(paths)
    try:
        for dataset in datasets_within(paths):  # its files are an archive's tables: expand passes them over
            yield (
                f"== {dataset}\na Parquet dataset auditql wrote, not an export: `auditql ingest --db FILE {dataset}` "
                f"imports it with its custody; `auditql query --db {dataset}` queries it where it is\n"
            )
        for path in expand(paths):
            display = str(path)
            try:
                if archives.is_archive(path):
                    # under this process's unpack folder: a killed run's leftovers are removed by the next start
                    with archives.unpack(path, archive_file.unpack_root(), display_name=display) as members:
                        for m in members:
                            yield describe(con, m.path, m.display_name, registry, forced, sample)
                else:
                    yield describe(con, path, display, registry, forced, sample)
            except AuditqlError as exc:
                yield f"== {display}\nerror: {exc}\n"
    finally:
        con.close()


def describe(con, path: Path, display: str, registry, forced, sample: int) -> str:
    records = formats.read(con, path, display)
    mapping = time_by_content(con, records, forced or detect(records.fields, registry), display)
    p = plan(mapping, records, mapping.name)
    how = (
        "chosen with --vendor"
        if forced
        else (
            "detected: " + " + ".join("|".join(g) for g in mapping.require) if mapping.require else "no vendor matched"
        )
    )
    lines = [f"== {display}", f"format: {records.kind}   vendor: {mapping.name} ({how})", "columns:"]
    for column, feeds in p.resolved.items():
        lines.append(f"  {column:<12} ← {' , then '.join(feeds)}")
    for column in RULE_COLUMNS:
        lines.append(f"  {column:<12} ← rules in the {mapping.name} mapping")
    missing = [c for c in mapping.columns if c not in p.resolved]
    if missing:
        lines.append(f"not in this file: {', '.join(missing)}")
    lines.append(f"only in raw: {', '.join(p.unmapped) if p.unmapped else '(none)'}")
    lines += _would_reject(con, records, p.sql)
    lines += [f"note: {note}" for note in records.notes]
    cur = con.execute(
        f"SELECT {canonical_columns(display, mapping.name)} FROM ({p.sql}) ORDER BY source_row LIMIT {int(sample)}"
    )
    names = [d[0] for d in cur.description or []]
    rows = cur.fetchall()
    keep = [names.index(c) for c in SAMPLE_COLUMNS]
    table = Table(SAMPLE_COLUMNS, [str(cur.description[i][1]) for i in keep], [[r[i] for i in keep] for r in rows])
    lines.append(f"sample rows ({len(rows)}):")
    lines.append(render_text(table, "vertical"))
    drop_scratch(con, READ_SCRATCH)
    return "\n".join(lines)


def _would_reject(con, records, select: str, shown: int = 5) -> list[str]:
    """The records ingest would reject and why: the reader's rejects, then every record whose time fails
    (the plan's own parsing, so the very records ingest rejects), the first `shown` of each named."""
    lines = [f"would reject{_where(ln, None)}: {reason}" for ln, reason, _ in records.rejects[:shown]]
    if len(records.rejects) > shown:
        lines.append(f"… and {len(records.rejects) - shown} more unreadable records")
    bad = con.execute(
        f"SELECT source_row, line, {TIME_REJECT_REASON}, count(*) OVER () FROM ({select}) "
        f"WHERE _time IS NULL ORDER BY source_row LIMIT {int(shown)}"
    ).fetchall()
    lines += [f"would reject{_where(ln, row)}: {reason}" for row, ln, reason, _ in bad]
    if bad and bad[0][3] > shown:
        lines.append(f"… and {bad[0][3] - shown} more records whose time fails (`auditql ingest` lists them all)")
    return lines


def _where(line: int | None, row: int | None) -> str:
    """As `auditql ingest` names a rejected record: by its line, else by its row (reader rejects without a
    line name their record in the reason itself)."""
    return f" line {line}" if line is not None else (f" row {row}" if row is not None else "")
