"""Write tests/slow_tests.txt: the test functions marked `slow`, from the timings of a full run.

Example:
  python -m pytest -q --junitxml=run.xml && python tools/slow_tests.py run.xml

`pytest -m "not slow"` is the quick loop (issue 16: under two minutes on this project's 2-core machines):
it leaves out every test function whose cases took `--threshold` seconds or more in the given run (the median
case: one slow first case of an 800-case table does not make the table slow)
(spawning the CLI as a subprocess, Spark, crash and concurrency runs, the bench smoke test), and, by its full
id, any single case that took `--case-threshold` seconds or more in a function whose median is quick (mypy
among the three static checks: a cold run was the quick loop's costliest test by far). tests/conftest.py
marks them from the file this writes; Spark tests are marked `slow` whatever their timing. CI runs everything.
The list is data measured on a real run, reviewed as a diff: regenerate it after adding slow tests.
"""

from __future__ import annotations

import argparse
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from statistics import median

OUT = Path(__file__).resolve().parents[1] / "tests" / "slow_tests.txt"
# Whole modules, whatever their timings: their tests share one session in order (the REPL in a pty writes the
# history a later test reads), so leaving out some of them would fail the rest; or they share one costly module
# fixture (a notebook kernel, a PostgreSQL cluster, an archive built by the CLI for pty runs), whose cost a
# timed run charges to the first test only: listing that one would move the cost onto the next.
WHOLE_MODULES = (
    "tests/test_repl_pty.py",
    "tests/test_notebook_example.py",
    "tests/test_magic_kernel.py",
    "tests/test_postgres.py",
    "tests/test_listing_screens.py",
)
HEADER = '# Test functions left out of `pytest -m "not slow"`; written by tools/slow_tests.py from a timed run.\n'


def slow_functions(junit: Path, threshold: float, case_threshold: float = float("inf")) -> list[str]:
    """`tests/test_x.py::test_name` of every function whose median case took `threshold` seconds or more, and
    `tests/test_x.py::test_name[id]` of every other case that alone took `case_threshold` or more."""
    cases: dict[str, dict[str, float]] = defaultdict(dict)
    for case in ET.parse(junit).iter("testcase"):
        module = case.get("classname", "").replace(".", "/") + ".py"
        name = case.get("name", "")
        cases[f"{module}::{name.split('[')[0]}"][f"{module}::{name}"] = float(case.get("time") or 0)
    slow = {k for k, timed in cases.items() if median(timed.values()) >= threshold}
    single = {
        c for k, timed in cases.items() if k not in slow for c, t in timed.items() if "[" in c and t >= case_threshold
    }
    return sorted(slow | single)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("junit", type=Path, help="a --junitxml file from a full run")
    parser.add_argument("--threshold", type=float, default=0.2, help="seconds (default 0.2)")
    parser.add_argument("--case-threshold", type=float, default=5.0, help="seconds for one case (default 5)")
    args = parser.parse_args()
    found = slow_functions(args.junit, args.threshold, args.case_threshold)
    names = [*WHOLE_MODULES, *(n for n in found if n.split("::")[0] not in WHOLE_MODULES)]
    OUT.write_text(HEADER + "".join(f"{n}\n" for n in names))
    print(f"{OUT}: {len(names)} slow test functions")


if __name__ == "__main__":
    main()
