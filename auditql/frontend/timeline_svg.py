"""A timeline as an SVG image (`auditql timeline --svg FILE`): people would rather look than read.

Written by hand, not with a plotting library: a histogram is a few dozen rectangles and labels, and an
SVG file opens in every browser without adding matplotlib to the install. Each bar carries a tooltip with
its exact count; every text that came from the archive (vendor names, the query) is XML-escaped.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from auditql.frontend.timeline import Timeline
from auditql.output import iso_time

# Colour-blind-safe (Okabe–Ito), one per vendor in a stacked bar.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
SINGLE = "#0072B2"
HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 340, 64, 24, 48, 72
LABELS = 8  # about this many dates under the axis


def svg(timeline: Timeline, title: str = "") -> str:
    """The histogram over its whole time axis (empty buckets too), stacked by vendor when it was split."""
    rows = timeline.filled()
    width = max(640, min(1600, LEFT + RIGHT + 12 * len(rows)))
    plot_w, plot_h = width - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    peak = max((n for _, n in rows), default=0) or 1
    step = plot_w / max(len(rows), 1)
    vendors = sorted(timeline.by_vendor)
    heading = f"events per {timeline.interval}: {timeline.total:,} events" + (f" — {title}" if title else "")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
        f'viewBox="0 0 {width} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="20" font-size="14" font-weight="bold">{escape(heading)}</text>',
    ]
    if timeline.note:
        parts.append(f'<text x="{LEFT}" y="36" fill="#555">{escape(timeline.note)}</text>')
    base = TOP + plot_h
    for value in (0, peak // 2, peak) if peak > 1 else (0, peak):
        y = base - value / peak * plot_h
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{value:,}</text>')
    for i, (start, n) in enumerate(rows):
        x = LEFT + i * step + step * 0.075
        segments = [(v, timeline.by_vendor[v].get(start, 0), PALETTE[k % len(PALETTE)]) for k, v in enumerate(vendors)]
        top = float(base)
        for who, count, colour in segments if vendors else [("", n, SINGLE)]:
            if not count:
                continue
            h = count / peak * plot_h
            top -= h
            tip = f"{iso_time(start)}: {count:,} events" + (f" ({who})" if who else "")
            parts.append(
                f'<rect x="{x:.1f}" y="{top:.1f}" width="{step * 0.85:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(tip)}</title></rect>"
            )
    every = max(1, round(len(rows) / LABELS))
    for i in range(0, len(rows), every):
        x = LEFT + (i + 0.5) * step
        label = _label(rows[i][0], timeline.interval)
        parts.append(f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle">{escape(label)}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{base}" y2="{base}" stroke="#333"/>')
    x = LEFT
    for k, vendor in enumerate(vendors):
        colour = PALETTE[k % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="{HEIGHT - 28}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{HEIGHT - 18}">{escape(vendor)}</text>')
        x += 28 + 7 * len(vendor)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _label(start: datetime, interval: str) -> str:
    """A bucket's start as precisely as its interval needs (UTC)."""
    unit = interval.split()[1].rstrip("s")
    text = iso_time(start)
    return {"year": text[:4], "month": text[:7], "week": text[:10], "day": text[:10]}.get(unit, text[:16] + "Z")
