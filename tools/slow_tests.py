"""Write tests/slow_tests.txt: the test functions marked `slow`, from the timings of a full run.

Example:
  python -m pytest -q --junitxml=run.xml && python tools/slow_tests.py run.xml

`pytest -m "not slow"` is the quick loop (issue 16: under two minutes on this project's 2-core machines):
it leaves out every test function whose cases took `--threshold` seconds or more in the given run (the median
case: one slow first case of an 800-case table does not make the table slow)
(spawning the CLI as a subprocess, Spark, crash and concurrency runs, the bench smoke test). tests/conftest.py
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
# history a later test reads), so leaving out some of them would fail the rest.
WHOLE_MODULES = ("tests/test_repl_pty.py",)
HEADER = '# Test functions left out of `pytest -m "not slow"`; written by tools/slow_tests.py from a timed run.\n'


def slow_functions(junit: Path, threshold: float) -> list[str]:
    """`tests/test_x.py::test_name` of every function whose median case took `threshold` seconds or more."""
    cases: dict[str, list[float]] = defaultdict(list)
    for case in ET.parse(junit).iter("testcase"):
        module = case.get("classname", "").replace(".", "/") + ".py"
        name = case.get("name", "").split("[")[0]
        cases[f"{module}::{name}"].append(float(case.get("time") or 0))
    return sorted(k for k, seconds in cases.items() if median(seconds) >= threshold)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("junit", type=Path, help="a --junitxml file from a full run")
    parser.add_argument("--threshold", type=float, default=0.2, help="seconds (default 0.2)")
    args = parser.parse_args()
    names = [
        *WHOLE_MODULES,
        *(n for n in slow_functions(args.junit, args.threshold) if n.split("::")[0] not in WHOLE_MODULES),
    ]
    OUT.write_text(HEADER + "".join(f"{n}\n" for n in names))
    print(f"{OUT}: {len(names)} slow test functions")


if __name__ == "__main__":
    main()
