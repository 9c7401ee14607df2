"""JupySQL habits and the interrupt button, in a real Jupyter kernel (jupyter_client, the kernel this venv's
python runs), on the archive of every sample export (issue 16, Notebook)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.manager import start_new_kernel

LONG_QUERY = "SELECT count(*) FROM events a, events b, events c, events d WHERE a.raw <> d.raw"


class Kernel:
    def __init__(self) -> None:
        self.manager, self.client = start_new_kernel(kernel_name="python3")

    def run(self, code: str, interrupt_after: float | None = None, timeout: float = 120) -> dict[str, Any]:
        """Everything one cell showed: stdout, stderr, the result's text, and any error (name, traceback)."""
        msg_id = self.client.execute(code)
        if interrupt_after is not None:
            threading.Timer(interrupt_after, self.manager.interrupt_kernel).start()
        shown: dict[str, Any] = {"stdout": "", "stderr": "", "result": "", "error": None}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self.client.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                shown[content["name"]] += content["text"]
            elif kind == "execute_result":
                shown["result"] += content["data"].get("text/plain", "")
            elif kind == "error":
                shown["error"] = (content["ename"], "\n".join(content["traceback"]))
            elif kind == "status" and content["execution_state"] == "idle":
                return shown
        raise AssertionError(f"the cell did not finish in {timeout} s: {code!r}")

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def kernel(sample_db: Path) -> Iterator[Kernel]:
    k = Kernel()
    try:
        assert k.run("%load_ext auditql")["error"] is None
        opened = k.run(f"%auditql open {sample_db}")
        assert opened["stdout"] == f"archive: {sample_db}\n", opened
        yield k
    finally:
        k.close()


def test_interrupting_a_query_prints_one_line_and_the_kernel_lives_on(kernel: Kernel) -> None:
    shown = kernel.run(f"%auditql --timeout 0 {LONG_QUERY}", interrupt_after=2.0)
    assert shown["error"] is None, shown["error"]
    assert shown["stderr"] == "interrupted: the query was cancelled\n"
    assert shown["stdout"] == "" and shown["result"] == ""
    after = kernel.run("%auditql SELECT count(*) AS n FROM events")
    assert after["error"] is None
    assert "492" in after["result"]


def test_jupysql_assignment_stores_the_result(kernel: Kernel) -> None:
    shown = kernel.run(
        "%auditql failed << category = 'login' AND outcome = 'failure' AND time >= '2025-11-20' AND time < '2025-11-21'"
    )
    assert shown["error"] is None, shown["error"]
    assert kernel.run("print(len(failed), type(failed).__name__)")["stdout"] == "10 Result\n"


def test_jupysql_assignment_in_a_cell_magic(kernel: Kernel) -> None:
    shown = kernel.run("%%auditql resolver_events <<\nvendor = 'resolver'")
    assert shown["error"] is None, shown["error"]
    assert kernel.run("print(len(resolver_events))")["stdout"] == "99\n"


def test_a_jupysql_template_gets_one_line_saying_how_to_bind(kernel: Kernel) -> None:
    kernel.run("who = 'External Org User'")
    shown = kernel.run("%auditql \"Performed By\" = '{{who}}'")
    assert shown["error"] is None, shown["error"]
    assert shown["stderr"] == (
        "error: {{who}} is JupySQL's template syntax, which pastes text into the query; auditql binds notebook "
        "values instead: write :who where the value goes, without quotes (for example actor_name = :who)\n"
    )
    bound = kernel.run('%auditql "Performed By" = :who')
    assert bound["error"] is None
    assert bound["result"].count("External Org User") >= 1


def test_braces_that_name_no_variable_stay_text(kernel: Kernel) -> None:
    shown = kernel.run("%auditql action = '{{not_a_variable}}'")
    assert shown["error"] is None and shown["stderr"] == "", shown
    assert "0 rows" in shown["result"]
