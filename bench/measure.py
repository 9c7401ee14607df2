"""Timing and the result table every section shares: medians of repeats, a baseline measured in the same
run, the ratio, the target and a verdict.

Why ratios: the machine is shared and noisy; two timings taken minutes apart do not compare, but a
measurement and its baseline taken side by side in one process run do.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def median_of(
    fn: Callable[[], Any], repeat: int, setup: Callable[[], Any] | None = None, warmup: int = 0
) -> tuple[float, Any]:
    """Median wall time of `repeat` runs (setup, untimed, before each) and the last run's value; `warmup`
    untimed runs first (queries: so both sides start with the same warm caches)."""
    times, value = [], None
    for _ in range(warmup):
        if setup:
            setup()
        fn()
    for _ in range(repeat):
        if setup:
            setup()
        t, value = timed(fn)
        times.append(t)
    return statistics.median(times), value


def run_cmd(args: list[str], env: dict[str, str] | None = None, check: bool = True) -> str:
    """Run a one-shot command (a CLI peer, `auditql …`); its stdout, or an error naming the command."""
    proc = subprocess.run(args, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])}… exited {proc.returncode}: {proc.stderr.strip()[-400:]}")
    return proc.stdout


@dataclass
class Row:
    """One measurement: `value` and `baseline` in seconds (or ms / MB as `unit` says)."""

    name: str
    value: float
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""
    ok: bool | None = None
    unit: str = "s"
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None

    def cells(self) -> list[str]:
        ratio = self.ratio
        verdict = {True: "met", False: "MISSED", None: "-"}[self.ok]
        return [
            self.name,
            _num(self.value, self.unit),
            self.baseline_name + (f" {_num(self.baseline, self.unit)}" if self.baseline is not None else ""),
            f"{ratio:.2f}×" if ratio is not None else "-",
            self.target or "-",
            verdict,
            self.note,
        ]


def _num(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:.1f} {unit}"


HEADERS = ["measurement", "median", "baseline (median)", "ratio", "target", "verdict", "note"]


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)  # the exact commands / SQL measured, for the doc
    notes: list[str] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print("  " + " | ".join(c for c in row.cells() if c), flush=True)
        return row

    def markdown(self) -> str:
        lines = [f"## {self.title}", "", "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r.cells()) + " |" for r in self.rows]
        if self.notes:
            lines += ["", *[f"- {n}" for n in self.notes]]
        if self.commands:
            lines += ["", "<details><summary>What was run</summary>", "", "```", *self.commands, "```", "</details>"]
        return "\n".join(lines) + "\n"

    def text(self) -> str:
        from tabulate import tabulate

        return f"== {self.title}\n" + tabulate([r.cells() for r in self.rows], headers=HEADERS, disable_numparse=True)


def machine_line() -> str:
    """CPU, cores, RAM, Python and library versions: what a reader needs to compare runs."""
    import duckdb

    import auditql

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"machine: {cpu}, {os.cpu_count()} cores, {ram:.1f} GiB RAM, {platform.system()} {platform.release()}; "
        f"Python {sys.version.split()[0]}, duckdb {duckdb.__version__}, auditql {auditql.__version__}"
    )
