"""Write `docs/reliability.md` from a pytest JUnit XML of the reliability suites: a scorecard (category,
cases, passed) and every case with its policy, expected outcome and result.

The scorecard is generated, never hand-edited, so it cannot claim a case that did not run green. Corpus
cases take their category, policy and outcome from `make_corpus.py`; other suites get their category from
SUITES (whichever of those files exist are run). Regenerate with:

    .venv/bin/python tests/corpus/scorecard.py                 # runs the suites, then writes the doc
    .venv/bin/python tests/corpus/scorecard.py results.xml     # from an existing `pytest --junitxml` run
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `corpus` as a package, as under pytest

from corpus.make_corpus import CLEAN, MEMBER, RECORDS, REFUSED, WHOLE_ARCHIVE, WHOLE_FILE, cases

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "reliability.md"
# Test file -> category; the corpus file brings its own categories.
SUITES: dict[str, str | None] = {
    "tests/test_corpus.py": None,
    "tests/test_archives.py": "archive",
    "tests/test_ingest_errors.py": "ingest errors",
    "tests/test_query_sandbox.py": "query sandbox",
    "tests/test_sandbox_structural.py": "query sandbox",
    "tests/test_sql_functions.py": "query sandbox",
    "tests/test_sandbox_fuzz.py": "query sandbox",
    "tests/test_output_safety.py": "output safety",
    "tests/test_crash.py": "crash safety",
    "tests/test_concurrency.py": "concurrency",
    "tests/test_custody.py": "chain of custody",
    "tests/test_small_files.py": "chain of custody",
    "tests/test_tamper.py": "chain of custody",
    "tests/test_custody_compat.py": "chain of custody",
    "tests/test_reingest.py": "chain of custody",
    "tests/test_streamed_digests.py": "chain of custody",
    "tests/test_properties.py": "properties",
    "tests/test_hostile_paths.py": "hostile paths",
    "tests/test_glob_names.py": "hostile paths",
    "tests/test_dataset_damage.py": "damaged datasets",
    "tests/test_userfiles.py": "environment",
    "tests/test_environment.py": "environment",
    "tests/test_duckdb_cli.py": "environment",
    "tests/test_config.py": "environment",
    "tests/test_dependencies.py": "environment",
    "tests/test_quick_loop.py": "environment",
    "tests/test_magic_kernel.py": "environment",
    "tests/test_query_input.py": "query input and bound values",
    "tests/test_value_lists.py": "query input and bound values",
    "tests/test_dialects.py": "dialects",
    "tests/test_postgres.py": "dialects",
    "tests/test_query_errors.py": "query errors",
    "tests/test_gigya_documented.py": "gigya semantics",
    "tests/test_gigya_dialects.py": "gigya semantics",
    "tests/test_read_once.py": "gigya semantics",
    "tests/test_connections.py": "architecture",
    "tests/test_sql_helpers.py": "architecture",
    "tests/test_repl_commands.py": "repl habits",
    "tests/test_timeline.py": "timeline",
    "tests/test_progress.py": "progress",
    "tests/test_pull_e2e.py": "pull from vendor APIs",
    "tests/test_pull_paging.py": "pull from vendor APIs",
    "tests/test_pull_errors.py": "pull from vendor APIs",
    "tests/test_pull_resume.py": "pull from vendor APIs",
    "tests/test_pull_units.py": "pull from vendor APIs",
    "tests/test_tables.py": "tables and reports",
    "tests/test_listing_screens.py": "tables and reports",
    "tests/test_architecture.py": "architecture",
    "tests/test_pruning.py": "partition pruning",
    "tests/test_serve_http.py": "web view",
    "tests/test_serve_browser.py": "web view",
    "tests/test_serve_paging.py": "web view",
    "tests/test_query_refine.py": "web view",
}
COMMAND = "python tests/corpus/scorecard.py"


@dataclass(frozen=True)
class Row:
    case: str
    category: str
    policy: str
    expected: str
    result: str  # passed | failed | error | skipped


def run_suites(xml: Path) -> None:
    present = [s for s in SUITES if (ROOT / s).exists()]
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={xml}", *present]
    subprocess.run(cmd, cwd=ROOT, check=False)


def _result(testcase: ET.Element) -> str:
    for tag in ("failure", "error", "skipped"):
        if testcase.find(tag) is not None:
            return {"failure": "failed"}.get(tag, tag)
    return "passed"


def read_results(xml: Path) -> list[Row]:
    corpus = {c.id: c for c in cases()}
    out: list[Row] = []
    for tc in ET.parse(xml).getroot().iter("testcase"):
        file = tc.get("classname", "").replace(".", "/") + ".py"
        name = tc.get("name", "")
        param = name[name.find("[") + 1 : -1] if "[" in name else ""
        if file == "tests/test_corpus.py" and param in corpus:
            c = corpus[param]
            out.append(Row(f"`{c.id}`: {c.title}", c.category, c.policy, c.outcome, _result(tc)))
        elif file in SUITES:
            category = SUITES[file] or "corpus"
            readable = name.removeprefix("test_").replace("_", " ")
            out.append(Row(readable, category, "-", f"as asserted in `{file}::{name}`", _result(tc)))
    return out


def render(results: list[Row]) -> str:
    totals: Counter[str] = Counter(r.category for r in results)
    passed: Counter[str] = Counter(r.category for r in results if r.result == "passed")
    lines = [
        "# Reliability scorecard",
        "",
        "<!-- Generated by tests/corpus/scorecard.py; do not edit by hand. -->",
        "",
        "Every hostile input auditql is tested against, with the outcome it promises and whether that outcome",
        "held on the last run. The corpus (`tests/corpus/make_corpus.py`) is generated at test time — no real",
        "bombs are committed — and each case goes through the real CLI as a subprocess into an archive that",
        "already holds a good export (`tests/test_corpus.py`).",
        "",
        "## Policy",
        "",
        "- **One transaction per file** (an archive member is a file). A file that cannot be read at all is",
        "  refused whole: nothing from it is stored, the error names the file (and the member:",
        "  `export.zip!inner.csv`), the exit code is 1, and files stored before it — including earlier members",
        "  of the same archive — stay stored.",
        "- **An unsafe archive is refused before any member is read** (traversal, absolute or drive paths,",
        "  symlinks, encryption, duplicate names, nesting deeper than 2, more than 10,000 members, more than",
        "  100:1 per member or 4 GiB in all — decompressed bytes are counted, headers are not trusted —,",
        "  overlapping entries, a CRC error anywhere).",
        "- **A bad record is rejected alone**: the file's good records are stored, the rejected one is kept in",
        "  the `rejects` table with file, physical line (and data row) and reason — `auditql rejects` lists",
        "  them — and the exit code is 1. For every file `read = added + duplicates + rejected`, exactly.",
        "- The CSV dialect is fixed up front (delimiter from the header line, standard quoting, the header's",
        "  names as columns), never left to DuckDB's sniffer; strict parsing stays on and DuckDB's rejects",
        "  table supplies each bad row, so no row or column is dropped silently. JSON is read as objects,",
        "  never by schema inference.",
        "- Lines are physical lines as an editor shows them (empty lines and rejected records counted);",
        "  `source_row` is the data-row position (rejected rows counted, empty lines not).",
        "",
        "Policies named below:",
        "",
        f"- *{RECORDS}*",
        f"- *{WHOLE_FILE}*",
        f"- *{WHOLE_ARCHIVE}*",
        f"- *{MEMBER}*",
        f"- *{CLEAN}* (the input is odd but valid)",
        f"- *{REFUSED}* (a device, a FIFO, a link out of the folder given)",
        "",
        "## Scorecard",
        "",
        "| category | cases | passed |",
        "|---|---:|---:|",
    ]
    for category in sorted(totals):
        lines.append(f"| {category} | {totals[category]} | {passed[category]} |")
    lines.append(f"| **all** | **{sum(totals.values())}** | **{sum(passed.values())}** |")
    lines += ["", "## Cases", "", "| case | category | policy | expected outcome | result |", "|---|---|---|---|---|"]
    for r in sorted(results, key=lambda r: (r.category, r.policy == "-", r.case)):
        cells = [r.case, r.category, r.policy, r.expected, r.result]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines += [
        "",
        "## Known limits",
        "",
        "- A CSV that has both empty lines between records and quoted values spanning lines gets no physical",
        "  line numbers for its rows: rejects there name the data row, and the file carries a note saying so.",
        "- UTF-16 files get no physical line numbers for their rows (rejects keep DuckDB's line).",
        "- Records of a JSON array or page have no line: they are named by their record number.",
        "- A CSV row or NDJSON record over 64 MiB (`formats.MAX_LINE_BYTES`) is rejected with its size; a file",
        "  with a line over 1 GiB is refused whole (a buffer must hold the line to reject it).",
        "- A CSV header of more than 25,000 columns, and Parquet nested deeper than 32 levels, are refused whole.",
        "",
        "## Regenerate",
        "",
        "```sh",
        f".venv/bin/{COMMAND}",
        "```",
        "",
        "It runs whichever of " + ", ".join(f"`{s}`" for s in SUITES) + " exist with `--junitxml`, then",
        "rewrites this file (`scorecard.py results.xml` reuses an existing JUnit XML instead).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv:
        xml = Path(argv[0])
        results = read_results(xml)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            xml = Path(tmp) / "reliability.xml"
            run_suites(xml)
            results = read_results(xml)
    DOC.write_text(render(results))
    failed = sum(r.result != "passed" for r in results)
    print(f"{DOC}: {len(results)} cases, {len(results) - failed} passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
