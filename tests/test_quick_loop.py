"""The quick loop (`pytest -m "not slow"`, issue 16) leaves out what a timed run found slow: whole functions
by their median case, and single cases by their full id (tools/slow_tests.py, tests/slow_tests.txt)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def _tool():  # tools/ is a folder of scripts, not a package: load the one under test by its path
    spec = importlib.util.spec_from_file_location("slow_tests_tool", ROOT / "tools" / "slow_tests.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


slow_functions = _tool().slow_functions


def junit(tmp_path: Path, cases: list[tuple[str, str, float]]) -> Path:
    path = tmp_path / "run.xml"
    lines = [f'<testcase classname="{c}" name="{n}" time="{t}"/>' for c, n, t in cases]
    path.write_text("<testsuites><testsuite>" + "".join(lines) + "</testsuite></testsuites>")
    return path


def test_functions_go_by_their_median_case_and_single_cases_by_their_own_time(tmp_path: Path) -> None:
    run = junit(
        tmp_path,
        [
            ("tests.test_a", "test_table[1]", 3.0),  # one slow first case of a quick table
            ("tests.test_a", "test_table[2]", 0.01),
            ("tests.test_a", "test_table[3]", 0.01),
            ("tests.test_a", "test_subprocess", 0.5),
            ("tests.test_b", "test_checks[ruff]", 0.1),
            ("tests.test_b", "test_checks[format]", 0.1),
            ("tests.test_b", "test_checks[mypy]", 40.0),
            ("tests.test_b", "test_quick", 0.01),
        ],
    )
    assert slow_functions(run, 0.2) == ["tests/test_a.py::test_subprocess"]
    assert slow_functions(run, 0.2, 5.0) == ["tests/test_a.py::test_subprocess", "tests/test_b.py::test_checks[mypy]"]


def test_a_case_listed_by_its_id_leaves_the_quick_loop_alone() -> None:
    listed = (ROOT / "tests" / "slow_tests.txt").read_text().splitlines()
    assert "tests/test_quality.py::test_static_checks_are_clean[mypy]" in listed
    p = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "not slow", "-p", "no:cacheprovider",
         "tests/test_quality.py"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert p.returncode == 0, p.stdout + p.stderr
    collected = [line for line in p.stdout.splitlines() if "::" in line]
    assert collected == [
        "tests/test_quality.py::test_static_checks_are_clean[ruff-check]",
        "tests/test_quality.py::test_static_checks_are_clean[ruff-format]",
    ]
