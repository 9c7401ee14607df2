"""`auditql inspect`: show what a file would become — detected vendor, which source field feeds each
canonical column, what stays only in `raw`, sample canonical rows — without touching any archive.

It runs the very same reader, detection and mapping SQL as ingest, on an in-memory DuckDB, so what it shows
is what ingest will do."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from auditql import archives, canonical, engine, formats
from auditql.errors import AuditqlError
from auditql.ingest import expand
from auditql.mapper import canonical_columns, plan
from auditql.output import Table, render_text
from auditql.vendors import load_registry
from auditql.vendors.detect import detect
from auditql.vendors.mapping import RULE_COLUMNS

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
    con = engine.scratch()
    canonical.register(con)
    try:
        for path in expand(paths):
            display = str(path)
            try:
                if archives.is_archive(path):
                    # under this process's unpack folder: a killed run's leftovers are removed by the next start
                    with archives.unpack(path, engine.unpack_root(), display_name=display) as members:
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
    mapping = forced or detect(records.fields, registry)
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
    for ln, reason, _ in records.rejects[:5]:
        lines.append(f"would reject line {ln}: {reason}")
    cur = con.execute(
        f"SELECT {canonical_columns(display, mapping.name)} FROM ({p.sql}) ORDER BY source_row LIMIT {int(sample)}"
    )
    names = [d[0] for d in cur.description or []]
    rows = cur.fetchall()
    keep = [names.index(c) for c in SAMPLE_COLUMNS]
    table = Table(SAMPLE_COLUMNS, [str(cur.description[i][1]) for i in keep], [[r[i] for i in keep] for r in rows])
    lines.append(f"sample rows ({len(rows)}):")
    lines.append(render_text(table, "vertical"))
    for t in ("_aq_csv", "_aq_json", "_aq_lines"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return "\n".join(lines)
