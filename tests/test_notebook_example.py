"""The packaged example notebook runs top to bottom in a real Jupyter kernel and shows the known answers."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, rows
from nbclient import NotebookClient

EXAMPLE = ROOT / "examples" / "investigate.ipynb"


def text_of(cell: nbformat.NotebookNode) -> str:
    """Everything a cell showed: streams, plain-text results and HTML."""
    parts = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            parts.append(out["text"])
        elif out["output_type"] in ("execute_result", "display_data"):
            parts.append(out["data"].get("text/plain", "") + out["data"].get("text/html", ""))
        elif out["output_type"] == "error":
            parts.append("\n".join(out["traceback"]))
    return "".join(parts)


@pytest.fixture(scope="module")
def executed() -> list[str]:
    notebook = nbformat.read(EXAMPLE, as_version=4)
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code"), "commit it with outputs cleared"
    # kernel "python3" resolves to this interpreter (jupyter_client runs `python` as sys.executable)
    NotebookClient(
        notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(EXAMPLE.parent)}}
    ).execute()
    return [text_of(c) for c in notebook.cells if c.cell_type == "code"]


def cell_showing(outputs: list[str], pattern: str) -> str:
    found = [o for o in outputs if re.search(pattern, o)]
    assert found, f"no cell output matches {pattern!r}"
    return found[0]


def test_runs_without_errors_or_tracebacks(executed: list[str]) -> None:
    joined = "\n".join(executed)
    assert "Traceback" not in joined and "error:" not in joined


def test_ingest_reports_every_sample_record(executed: list[str], expected: dict) -> None:
    ingest = cell_showing(executed, r"archive: .*investigate\.duckdb")
    read, added = expected["total"]["records"], expected["total"]["unique_events"]
    assert re.search(rf"^total\s+{read}\s+{added}\s+{read - added}\s+0\s*$", ingest, re.M)


def test_shows_the_known_answers(executed: list[str]) -> None:
    assert "10 failed logins on 2025-11-20" in cell_showing(executed, "failed logins on")
    assert "4 socialize calls on 2015-08-16" in cell_showing(executed, "socialize calls")
    assert re.search(r"10 rows in", cell_showing(executed, r"10 rows in"))
    hostile = cell_showing(executed, "for the hostile value")
    assert re.search(r"[1-9]\d* events by the first failed actor; 0 for the hostile value", hostile)


def test_group_by_and_timeline(executed: list[str], sample_db: Path) -> None:
    grouped = cell_showing(executed, r'<th style="text-align:right">failures</th>')
    want = rows(
        sample_db, "SELECT vendor, count(*) AS n FROM events WHERE outcome = 'failure' GROUP BY 1 ORDER BY 2 DESC, 1"
    )
    assert len(want) == 5 and want[0] == ("sap_cdc", 7)  # CI360: one HTTP 403 in the SAS download-utility files
    assert "".join(f'<tr><td>{v}</td><td style="text-align:right">{n}</td></tr>' for v, n in want) in grouped
    assert f"{len(want)} rows in" in grouped
    timeline = cell_showing(executed, "interval 1 hour, 4 events")
    assert '<td style="white-space:nowrap">2015-08-16T09:00:00.000Z</td><td style="text-align:right">2</td>' in timeline
