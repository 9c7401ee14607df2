"""`auditql timeline`: when did it happen? Events per hour/day/week/month/year over a real time axis, as
text bars, rows (csv/json) or an SVG image."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from auditql.cli.main import db_option, err, handle_errors, main, resolve_db
from auditql.errors import UsageError

if TYPE_CHECKING:
    from auditql.frontend.timeline import Timeline

FORMATS = ("bars", "table", "csv", "json", "ndjson", "markdown")


@main.command()
@db_option
@click.option(
    "--by",
    "interval",
    metavar="INTERVAL",
    help="Bucket size: hour, day, week, month, year, 15m, 6h, 2d … (default: chosen from the span).",
)
@click.option("--vendor", help="Only this vendor's events.")
@click.option("--since", help="Only events at or after: 7d, 12h, 2025-03-01, 2025-03-01T10:00:00Z.")
@click.option("--until", help="Only events before this time (same forms as --since).")
@click.option("--split", is_flag=True, help="Count each vendor apart: stacked bars, one column per vendor.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="bars",
    show_default=True,
    help="bars (text), or the buckets as rows: table, csv, json, ndjson, markdown.",
)
@click.option(
    "--svg",
    "svg_file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Also draw the timeline as an SVG image in FILE (opens in any browser).",
)
@click.argument("text", metavar="[QUERY]", required=False)
@handle_errors
def timeline(
    db: Path | None, interval: str | None, vendor: str | None, since: str | None, until: str | None, split: bool,
    fmt: str, svg_file: Path | None, text: str | None,
) -> None:  # fmt: skip
    """Count the events a query matches (every event without one) per time bucket, empty buckets included,
    so gaps show. A bucket too fine for the span (days over ten years) is made coarser, and the first line
    says so. `--svg FILE` also draws it as an image: `auditql timeline --split --svg events.svg`.

    \b
    Example:
      auditql timeline --by year
      auditql timeline "category = 'login' AND outcome = 'failure'" --by day --since 2025-11-15 --split
      auditql timeline --vendor sap_cdc --by month --format csv
    """
    from auditql import api, output
    from auditql.frontend.timeline import parse_interval
    from auditql.frontend.timeline import timeline as count

    parse_interval(interval)  # a bad interval is reported before the archive is opened
    con = api.reader(resolve_db(db), notify=err)
    try:
        start, end = (api.parse_when(since) if since else None), (api.parse_when(until) if until else None)
        # no query: every event (in the window --since/--until/--vendor give)
        t = api.prepare(con, text or "TRUE", since=start, until=end, vendor=vendor)
        for w in t.warnings:
            err(f"warning: {w}")
        chart = count(con, t.sql, t.params, interval, by_vendor=split, since=start, until=end)
    finally:
        con.close()
    if svg_file is not None:
        _write_svg(chart, svg_file, text or "")
    if fmt == "bars":
        width = max(10, min(60, shutil.get_terminal_size().columns - 40))
        click.echo(output.terminal_text(chart.bars(width), sys.stdout))
    else:
        output.render(chart.table(), fmt, sys.stdout)
    if chart.note and fmt != "bars":
        err(f"note: {chart.note}")


def _write_svg(chart: Timeline, path: Path, title: str) -> None:
    from auditql.frontend.timeline_svg import svg
    from auditql.output.destination import output_file
    from auditql.read.filekind import not_regular

    if kind := not_regular(path):
        raise UsageError(f"{path}: {kind}, not a file: nothing written; give a file name")
    with output_file(path) as fh:
        fh.write(svg(chart, title))
    note = f" ({chart.note})" if chart.note else ""
    err(f"{len(chart.filled())} buckets of {chart.interval}, {chart.total} events → {path}{note}")
